// What MLStepsRun@1 reports: the JSON results attachment (`mlsteps.results`, for a build results
// tab) and the markdown summary shown on the build's summary page. Pure functions of RunResults.
import type { BestTrial } from '../../src/backends/azureml';
import { formatDuration, formatMetric, formatParameters } from '../../src/run/summary';
import type { RunAgent } from '../common/run-agent';
import type { GateCheck } from './gate';

export interface StepReport {
  step: string;
  stage: string;
  type: string;
  fingerprint: string;
  /** Submission: the step has a job (`ok`), was not submitted (`skipped`), or submitting it failed. */
  outcome: 'ok' | 'skipped' | 'failed';
  /** submitted, attached, reused or resubmitted. */
  action?: string;
  jobName?: string;
  studioUrl?: string;
  /** The job's status as last seen (Completed, Failed, Canceled, TimedOut, …). */
  status: string;
  durationMs?: number;
  reason?: string;
  error?: string;
  /** The Azure ML compute the step runs on (its name in the workspace). */
  compute?: string;
  metrics?: Record<string, number>;
  /** Sweeps: the metric the trials are ranked by. */
  objective?: { metric: string; goal: 'maximize' | 'minimize' };
  bestTrial?: BestTrial;
  /** Sweeps: every trial, in the order they started. */
  trials?: TrialReport[];
  /** With `downloadOutputs`: each named output and where it was downloaded. */
  outputs?: OutputReport[];
  /** Named in the `step` input, or part of the `profile` (else run only because a selected step needs it). */
  selected?: boolean;
}

export interface TrialReport {
  /** The trial's run (job) name. */
  name: string;
  status: string;
  parameters: Record<string, unknown>;
  /** Final value of each metric the trial logged. */
  metrics: Record<string, number>;
  durationMs?: number;
}

export interface OutputReport {
  name: string;
  /** Where Azure ML keeps it, e.g. `azureml://datastores/workspaceblobstore/paths/azureml/<job>/<name>/`. */
  uri?: string;
  /** The folder it was downloaded to, relative to the `downloadOutputs` folder. */
  path?: string;
  files?: number;
  bytes?: number;
  /** Why it was not downloaded. */
  error?: string;
}

export interface RunResults {
  schemaVersion: 1;
  task: 'MLStepsRun@1';
  result: string;
  waited: boolean;
  build: { id?: string; attempt?: string; stage?: string };
  workspace: { subscriptionId: string; resourceGroup: string; name: string };
  selection: { profile: string } | { steps: string[] };
  /** The step whose job the output variables describe. */
  primaryStep: string;
  gate?: { expression: string; passed: boolean; checks: GateCheck[] };
  steps: StepReport[];
}

export const RESULTS_TYPE = 'mlsteps.results';
export const SUMMARY_FILE = 'mlsteps-run.md';

/**
 * The results attachment and the summary. One attachment per job attempt
 * (`<System.JobId>.<System.JobAttempt>.json`): a re-run of the stage keeps the earlier attempts'.
 */
export function publishResults(agent: Pick<RunAgent, 'addAttachment' | 'writeReport' | 'uploadSummary'>, results: RunResults, env: NodeJS.ProcessEnv = process.env): void {
  const name = `${safeName(env.SYSTEM_JOBID || results.primaryStep)}.${safeName(env.SYSTEM_JOBATTEMPT || '1')}.json`;
  agent.addAttachment(RESULTS_TYPE, name, agent.writeReport('mlsteps-results.json', JSON.stringify(results, null, 2)));
  agent.uploadSummary(agent.writeReport(SUMMARY_FILE, formatResultsMarkdown(results)));
}

/** Letters, digits, `.`, `_` and `-` only: what output variable names and file names may hold. */
export const safeName = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '_');

/** Each final metric as the output variable `metrics.<name>`. */
export function setMetricOutputs(agent: Pick<RunAgent, 'setOutput'>, metrics: Record<string, number> | undefined): void {
  for (const [name, value] of Object.entries(metrics ?? {})) agent.setOutput(`metrics.${safeName(name)}`, String(value));
}

/** The build and attempt the results belong to, from the agent's variables. */
export function buildOf(env: NodeJS.ProcessEnv = process.env): RunResults['build'] {
  return { id: env.BUILD_BUILDID, attempt: env.SYSTEM_JOBATTEMPT, stage: env.SYSTEM_STAGENAME };
}

/** Markdown table cells: no pipes or line breaks. */
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

export function formatResultsMarkdown(r: RunResults): string {
  const out: string[] = [];
  const icon = r.result === 'Succeeded' ? '✅' : r.result === 'Cancelled' ? '⏹️' : '❌';
  out.push(`### ${icon} ML steps: ${cell(r.primaryStep)} — ${r.result}`, '');
  out.push(`Workspace **${cell(r.workspace.name)}** (resource group ${cell(r.workspace.resourceGroup)})${r.waited ? '' : ' — submitted, not waited for'}`, '');
  const metricNames: string[] = [];
  for (const s of r.steps) for (const m of Object.keys(s.metrics ?? {})) if (!metricNames.includes(m)) metricNames.push(m);
  out.push(`| step | job | status | duration | ${metricNames.map(cell).join(' | ')}${metricNames.length ? ' |' : ''}`);
  out.push(`| --- | --- | --- | ---: | ${metricNames.map(() => '---:').join(' | ')}${metricNames.length ? ' |' : ''}`);
  for (const s of r.steps) {
    const job = s.jobName ? (s.studioUrl ? `[${cell(s.jobName)}](${s.studioUrl})` : cell(s.jobName)) : '—';
    const status = `${cell(s.status)}${s.action && s.action !== 'submitted' ? ` (${s.action})` : ''}`;
    const metrics = metricNames.map((m) => formatMetric(s.metrics?.[m]));
    out.push(`| ${cell(s.step)} | ${job} | ${status} | ${formatDuration(s.durationMs)} | ${metrics.join(' | ')}${metricNames.length ? ' |' : ''}`);
  }
  for (const s of r.steps) {
    if (s.bestTrial) {
      out.push('', `**Best trial of ${cell(s.step)}**: ${cell(s.bestTrial.trial)}${s.bestTrial.metric ? `, ${cell(s.bestTrial.metric.name)} = ${formatMetric(s.bestTrial.metric.value)}` : ''}`);
      out.push('', `Parameters: \`${formatParameters(s.bestTrial.parameters).replace(/`/g, "'")}\``);
    }
  }
  if (r.gate) {
    out.push('', `**Gate** \`${r.gate.expression.replace(/`/g, "'")}\`: ${r.gate.passed ? 'passed' : 'failed'}`, '');
    for (const c of r.gate.checks) out.push(`- ${c.passed ? '✅' : '❌'} ${cell(c.metric)} ${c.op} ${c.value}: ${c.actual === undefined ? 'not recorded' : formatMetric(c.actual)}`);
  }
  const notes = r.steps.filter((s) => s.reason || s.error);
  if (notes.length) {
    out.push('');
    for (const s of notes) out.push(`- **${cell(s.step)}**: ${cell(s.error ?? s.reason ?? '')}`);
  }
  return out.join('\n') + '\n';
}
