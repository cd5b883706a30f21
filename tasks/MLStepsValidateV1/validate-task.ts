import * as path from 'node:path';
import { validatePaths } from '../../src/config/index';
import type { ValidationResult } from '../../src/model/diagnostic';
import { formatJunit, formatMarkdown, formatText } from '../../src/report/index';
import type { Agent, Outcome } from '../common/agent';
import { countDiagnostics, describeCounts, diagnosticsToIssues } from '../common/issues';
import { resolveProjectInput } from '../common/project-input';

export interface ValidateInputs {
  /** A path or a glob, relative to the sources directory or absolute. */
  project: string;
  failOnWarnings: boolean;
  publishTestResults: boolean;
  /** On a pull-request build, keep one PR thread per problem (created, moved, reopened, closed). */
  commentOnPullRequest: boolean;
}

/** What validation needs from the agent beyond `Agent`. */
export interface ValidateAgent extends Agent {
  addBuildTag(tag: string): void;
  /** Syncs the pull request's threads with the problems found; warns, never throws. */
  commentOnPullRequest(result: ValidationResult): Promise<void>;
}

/** Tags every build this task runs in, so builds that validated ML steps can be found. */
export const BUILD_TAG = 'mlsteps';

export const TEST_RUN_TITLE = 'ML steps: run configuration validation';
export const JUNIT_FILE = 'mlsteps-validation.xml';
export const SUMMARY_FILE = 'mlsteps-validation.md';

/** MLStepsValidate@1: validate, report each diagnostic on its file and line, publish, decide. */
export async function validateTask(inputs: ValidateInputs, agent: ValidateAgent, signal?: AbortSignal): Promise<Outcome> {
  agent.addBuildTag(BUILD_TAG);
  const paths = resolveProjectInput(inputs.project, agent.sourcesRoot, agent.findMatch);
  agent.print(`Validating ${paths.map((p) => path.relative(agent.sourcesRoot, p) || '.').join(', ')} (from ${agent.sourcesRoot})`);
  const result = await validatePaths(paths, { cwd: agent.sourcesRoot, abortSignal: signal });

  agent.print(formatText(result, { color: false }));
  for (const issue of diagnosticsToIssues(result)) agent.logIssue(issue);
  if (inputs.publishTestResults) agent.publishJUnit(agent.writeReport(JUNIT_FILE, formatJunit(result)), TEST_RUN_TITLE);
  agent.uploadSummary(agent.writeReport(SUMMARY_FILE, formatMarkdown(result)));
  if (inputs.commentOnPullRequest) await agent.commentOnPullRequest(result);

  const counts = countDiagnostics(result);
  const summary = `mlsteps validate: ${describeCounts(counts)}.`;
  if (counts.errors > 0 || (counts.warnings > 0 && inputs.failOnWarnings)) return { result: 'Failed', message: summary };
  if (counts.warnings > 0) return { result: 'SucceededWithIssues', message: summary };
  return { result: 'Succeeded', message: summary };
}
