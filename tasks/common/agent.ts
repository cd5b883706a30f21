// The only place that talks to the agent (through azure-pipelines-task-lib). Task modules get an
// `Agent` and stay plain functions: inputs and an Agent in, an Outcome out.
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tl from 'azure-pipelines-task-lib/task';
import { type Issue, neutralize } from './issues';
import { InputError } from './project-input';

export interface Agent {
  /** Where relative paths and globs start: Build.SourcesDirectory, else System.DefaultWorkingDirectory. */
  sourcesRoot: string;
  findMatch(root: string, patterns: string[]): string[];
  logIssue(issue: Issue): void;
  /** Writes `content` to a fresh folder under Agent.TempDirectory and returns its path. */
  writeReport(fileName: string, content: string): string;
  publishJUnit(file: string, runTitle: string): void;
  uploadSummary(file: string): void;
  /** Prints text that may quote repository content, with logging commands neutralised. */
  print(text: string): void;
  debug(message: string): void;
}

export type OutcomeResult = 'Succeeded' | 'SucceededWithIssues' | 'Failed' | 'Cancelled';

export interface Outcome {
  result: OutcomeResult;
  message: string;
}

export function taskLibAgent(): Agent {
  let reportDir: string | undefined;
  return {
    sourcesRoot: path.resolve(
      tl.getVariable('Build.SourcesDirectory') || tl.getVariable('System.DefaultWorkingDirectory') || process.cwd(),
    ),
    findMatch: (root, patterns) => tl.findMatch(root, patterns),
    logIssue: (i) =>
      tl.logIssue(i.type === 'error' ? tl.IssueType.Error : tl.IssueType.Warning, i.message, i.sourcePath, i.line, i.column, i.code),
    writeReport(fileName, content) {
      reportDir ??= mkdtempSync(path.join(tl.getVariable('Agent.TempDirectory') || os.tmpdir(), 'mlsteps-'));
      const file = path.join(reportDir, fileName);
      writeFileSync(file, content, 'utf8');
      return file;
    },
    publishJUnit: (file, runTitle) => new tl.TestPublisher('JUnit').publish(file, undefined, undefined, undefined, runTitle),
    uploadSummary: (file) => tl.uploadSummary(file),
    print: (text) => process.stdout.write(neutralize(text.endsWith('\n') ? text : `${text}\n`)),
    debug: (message) => tl.debug(neutralize(message)),
  };
}

/** A boolean input, with the task.json default when the agent did not pass it (local runs). */
export function boolInput(name: string, defaultValue: boolean): boolean {
  const value = tl.getInput(name, false);
  return value === undefined || value.trim() === '' ? defaultValue : value.trim().toLowerCase() === 'true';
}

/**
 * Runs a task body and turns whatever happens into one task result: the body's Outcome, an
 * InputError's message, Cancelled on SIGINT/SIGTERM, or a one-line "failed unexpectedly" — never
 * a stack trace (that goes to the debug log, shown when System.Debug is true).
 */
export async function runTask(body: (signal: AbortSignal) => Promise<Outcome>): Promise<void> {
  const controller = new AbortController();
  const cancel = () => controller.abort();
  process.once('SIGINT', cancel);
  process.once('SIGTERM', cancel);
  let outcome: Outcome;
  try {
    outcome = await body(controller.signal);
  } catch (err) {
    if (controller.signal.aborted) {
      outcome = { result: 'Cancelled', message: 'Cancelled.' };
    } else if (err instanceof InputError) {
      outcome = { result: 'Failed', message: err.message };
    } else {
      tl.debug(neutralize(err instanceof Error ? String(err.stack) : String(err)));
      const reason = err instanceof Error ? err.message : String(err);
      outcome = {
        result: 'Failed',
        message: `mlsteps failed unexpectedly: ${neutralize(reason)}. Run again with the variable System.Debug=true for details.`,
      };
    }
  } finally {
    process.removeListener('SIGINT', cancel);
    process.removeListener('SIGTERM', cancel);
  }
  if (outcome.result === 'Succeeded') tl.setResult(tl.TaskResult.Succeeded, outcome.message);
  else tl.setResult(tl.TaskResult[outcome.result], outcome.message);
}
