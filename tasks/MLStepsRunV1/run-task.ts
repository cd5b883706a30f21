import * as path from 'node:path';
import type { TokenCredential } from '@azure/identity';
import {
  ArmClient,
  AzureMLError,
  bestTrial,
  bestTrialParameter,
  cancelJob,
  Context,
  createCredential,
  downloadJobOutputs,
  readRunResults,
  resolveTarget,
  studioUrl,
  submitPlan,
  sweepObjective,
  sweepTrials,
  TargetError,
  watchJob,
  type BestTrial,
  type StepSubmission,
  type SubmitResult,
  type Target,
  type WatchResult,
} from '../../src/backends/azureml';
import type { Plan, Step } from '../../src/model/step';
import { planProject } from '../../src/plan';
import { formatText } from '../../src/report';
import type { Outcome } from '../common/agent';
import { countDiagnostics, describeCounts, diagnosticsToIssues, neutralize } from '../common/issues';
import { InputError, resolveProjectInput } from '../common/project-input';
import type { RunAgent } from '../common/run-agent';
import { readServiceConnection } from '../common/service-connection';
import { evaluateGate, GateSyntaxError, parseGate, type GateResult } from './gate';
import { completedRuns } from './reuse';
import { runStepsOnAgent } from './run-local';
import { buildOf, publishResults, safeName, setMetricOutputs, type RunResults, type StepReport } from './results';

export interface RunInputs {
  /** The id of an Azure Resource Manager service connection (the agent passes ids). */
  azureSubscription: string;
  resourceGroup: string;
  workspace: string;
  project: string;
  /** One step (run configuration) or several, comma-separated; or a profile. */
  step: string;
  profile: string;
  wait: boolean;
  streamLogs: boolean;
  /** Minutes; empty or 0: no timeout of its own (the agent's job timeout still cancels the task, and with it the jobs). */
  timeoutMinutes: string;
  createCompute: boolean;
  /** Skip the selected steps when a job of theirs with the same fingerprint completed in the workspace (any build). */
  reuseCompletedRuns: boolean;
  gate: string;
  /** A folder: each completed step's named outputs go to `<folder>/<step>/<output>/`. Empty: none. */
  downloadOutputs: string;
}

/** How long a cancellation waits for a job to reach Canceled: inside the agent's 7.5 s window. */
const CANCEL_WAIT_MS = 5000;

const PROGRESS: Record<string, number> = { NotStarted: 5, Starting: 10, Provisioning: 15, Preparing: 20, Queued: 30, Running: 50, Finalizing: 90 };

/**
 * MLStepsRun@1: signs in with the service connection, plans the project, submits the selected
 * steps to Azure ML and (with `wait`) watches their jobs to the end, streaming their logs; then
 * metrics into output variables, the gate, a summary and a results attachment.
 */
export async function runStepTask(inputs: RunInputs, agent: RunAgent, signal: AbortSignal): Promise<Outcome> {
  const connectionId = inputs.azureSubscription.trim();
  // Secrets first: nothing below may print one unmasked.
  const systemAccessToken = connectionId ? agent.secretVariable('System.AccessToken') : undefined;
  const connection = connectionId ? readServiceConnection(agent.endpoint(connectionId), { ...(systemAccessToken ? { systemAccessToken } : {}) }) : undefined;
  for (const secret of connection?.secrets ?? []) agent.setSecret(secret);

  const step = inputs.step.trim();
  const profile = inputs.profile.trim();
  if (step && profile) throw new InputError('Set either the "step" input or the "profile" input, not both.');
  if (!step && !profile) throw new InputError('Set the "step" input (a run configuration, or several separated by commas) or the "profile" input (a profile of mlsteps.yml).');
  const steps = step ? step.split(',').map((s) => s.trim()).filter(Boolean) : [];
  let gate;
  try {
    gate = parseGate(inputs.gate);
  } catch (err) {
    if (err instanceof GateSyntaxError) throw new InputError(`The "gate" input: ${err.message}`);
    throw err;
  }
  if (gate.length > 0 && !inputs.wait) throw new InputError('The "gate" input needs "wait": the metrics are known only once the job has completed.');
  const downloadFolder = inputs.downloadOutputs.trim() ? path.resolve(agent.sourcesRoot, inputs.downloadOutputs.trim()) : undefined;
  if (downloadFolder && !inputs.wait) throw new InputError('The "downloadOutputs" input needs "wait": outputs exist only once the job has completed.');

  const timeoutMinutes = inputs.timeoutMinutes.trim() === '' ? 0 : Number(inputs.timeoutMinutes.trim());
  if (!Number.isFinite(timeoutMinutes) || timeoutMinutes < 0) throw new InputError(`The "timeoutMinutes" input must be a number of minutes ≥ 0 (0: no timeout), not "${inputs.timeoutMinutes.trim()}".`);

  const paths = resolveProjectInput(inputs.project, agent.sourcesRoot, agent.findMatch);
  if (paths.length !== 1) throw new InputError(`The "project" input matches ${paths.length} projects; MLStepsRun@1 runs steps of one project.`);
  const planned = await planProject(paths[0], { cwd: agent.sourcesRoot, ...(profile ? { profile } : { steps }), abortSignal: signal });
  if (!planned.plan) {
    for (const issue of diagnosticsToIssues(planned.validation)) agent.logIssue(issue);
    if (planned.error) throw new InputError(planned.error.message + (planned.error.hint ? ` (${planned.error.hint})` : ''));
    agent.print(formatText(planned.validation, { color: false }));
    return { result: 'Failed', message: `mlsteps: the project does not validate: ${describeCounts(countDiagnostics(planned.validation))}.` };
  }
  const plan = planned.plan;
  const selected = new Set(profile ? plan.steps.map((s) => s.name) : plan.steps.filter((s) => steps.includes(s.name)).map((s) => s.name));
  agent.addBuildTag('mlsteps');
  if (profile) agent.addBuildTag(profile);
  const local = plan.steps.filter((s) => s.compute.kind === 'local');
  if (local.length === plan.steps.length) {
    return runStepsOnAgent(plan, { selected, gate, gateText: inputs.gate.trim(), selection: profile ? { profile } : { steps }, timeoutMinutes, downloadFolder, streamLogs: inputs.streamLogs }, agent, signal);
  }
  if (local.length > 0) {
    const remote = plan.steps.filter((s) => s.compute.kind !== 'local').map((s) => s.name);
    throw new InputError(`${local.map((s) => s.name).join(', ')} run${local.length === 1 ? 's' : ''} on compute "local" (this agent) and ${remote.join(', ')} on Azure ML: one MLStepsRun@1 runs steps in one place. Give them the same kind of compute, or run them in separate stages.`);
  }
  if (!connection) throw new InputError('Set the "azureSubscription" input to an Azure Resource Manager service connection: the steps run on Azure ML.');

  let target: Target;
  try {
    target = resolveTarget({ ...connection.target, resourceGroup: inputs.resourceGroup, workspace: inputs.workspace }, plan);
  } catch (err) {
    if (err instanceof TargetError) throw new InputError(`${err.message.replace(/--subscription, or /, 'the service connection\'s subscription, or ').replace(/--resource-group/, 'the "resourceGroup" input').replace(/--workspace/, 'the "workspace" input')}.`);
    throw err;
  }
  const credential = maskTokens(createCredential(connection.auth, target.authorityHost ? { authorityHost: target.authorityHost } : {}), (t) => agent.setSecret(t));
  agent.print(`Submitting ${plural(plan.steps.length, 'step')} of ${path.relative(agent.sourcesRoot, plan.dir) || '.'} to Azure ML workspace ${target.workspace} (resource group ${target.resourceGroup})`);

  let submitted: SubmitResult | undefined;
  if (inputs.reuseCompletedRuns) {
    try {
      submitted = await reuseCompleted(new ArmClient(credential, target), plan, selected, signal, (m, s) => agent.print(`${s ? `[${s}] ` : ''}${m}`));
    } catch (err) {
      if (signal.aborted) return { result: 'Cancelled', message: 'mlsteps: cancelled before the jobs were submitted.' };
      if (err instanceof AzureMLError) return { result: 'Failed', message: `mlsteps: ${oneLine(err.describe())}` };
      throw err;
    }
  }
  try {
    submitted ??= await submitPlan(plan, target, {
      credential,
      abortSignal: signal,
      createCompute: inputs.createCompute,
      // A re-run of the stage (System.JobAttempt > 1) attaches to the running job or reuses the completed one.
      reuseCompletedRuns: true,
      resolveBest: bestTrialParameter,
      env: process.env,
      onProgress: (message, s) => agent.print(`${s ? `[${s}] ` : ''}${message}`),
    });
  } catch (err) {
    if (signal.aborted) return { result: 'Cancelled', message: 'mlsteps: cancelled before the jobs were submitted.' };
    if (err instanceof AzureMLError) return { result: 'Failed', message: `mlsteps: ${oneLine(err.describe())}` };
    throw err;
  }
  const linkTarget: Target = submitted.tenantId ? { ...target, tenantId: submitted.tenantId } : target;
  const reports = new Map<string, StepReport>(plan.steps.map((s) => [s.name, newReport(s, submitted.steps.find((x) => x.step === s.name))]));
  for (const s of submitted.steps) for (const w of s.warnings) agent.warning(`${s.step}: ${w}`);
  const primary = [...plan.steps].reverse().find((s) => selected.has(s.name))!;
  const problems: string[] = [];
  for (const s of submitted.steps) {
    if (s.outcome === 'failed') problems.push(`${s.step} was not submitted: ${oneLine(s.reason ?? 'failed')}${s.hint ? ` (${s.hint})` : ''}`);
    else if (s.outcome === 'skipped' && selected.has(s.step)) problems.push(`${s.step} was not submitted: ${oneLine(s.reason ?? 'skipped')}`);
  }
  setJobOutputs(agent, reports.get(primary.name)!);

  let gateResult: GateResult | undefined;
  let cancelled = false;
  if (signal.aborted) {
    // Cancelled while submitting: what was submitted (or attached to) is cancelled too.
    cancelled = true;
    const ctx = new Context(new ArmClient(credential, linkTarget));
    const active = [...reports.values()].filter((r) => r.jobName && !isDone(r.status));
    await Promise.all(active.map((r) => cancelQuietly(ctx, r, CANCEL_WAIT_MS)));
    problems.push(`cancelled while submitting${active.length ? `; ${active.map((r) => `job ${r.jobName} is ${r.status}`).join(', ')}` : ''}`);
  }
  if (inputs.wait && !signal.aborted) {
    const ctx = new Context(new ArmClient(credential, linkTarget));
    const deadline = timeoutMinutes > 0 ? Date.now() + timeoutMinutes * 60_000 : undefined;
    const watched = plan.steps.filter((s) => reports.get(s.name)!.jobName && !isDone(reports.get(s.name)!.status));
    let index = 0;
    // On cancel, the jobs not watched yet are cancelled at once, alongside the one being watched:
    // after it, they would get only what is left of the agent's 7.5 s.
    let cancellingRest: Promise<unknown> | undefined;
    const cancelRest = () => (cancellingRest ??= Promise.all(watched.slice(index).map((o) => cancelQuietly(ctx, reports.get(o.name)!, CANCEL_WAIT_MS))));
    signal.addEventListener('abort', cancelRest, { once: true });
    for (const s of watched) {
      const report = reports.get(s.name)!;
      const watch = await watchOne(ctx, agent, s, report, { signal, deadline, streamLogs: inputs.streamLogs, index: index++, count: watched.length });
      report.status = watch.status;
      report.durationMs = watch.durationMs;
      if (watch.error) report.error = watch.error;
      if (!watch.succeeded) {
        if (signal.aborted) {
          cancelled = true;
          problems.push(`${s.name}: job ${report.jobName} ${watch.error ?? watch.status}`);
          // Jobs not watched yet are cancelled too: the pipeline asked to stop.
          await cancelRest();
          break;
        }
        problems.push(`${s.name}: job ${report.jobName} ${watch.status === 'TimedOut' ? watch.error ?? 'timed out' : `ended ${watch.status}${watch.error ? `: ${oneLine(watch.error)}` : ''}`}`);
        if (watch.lastLines.length > 0) {
          agent.print(`Last ${plural(watch.lastLines.length, 'line')} of ${s.name} (${report.jobName}):`);
          for (const l of watch.lastLines) agent.print(`  | ${neutralize(l)}`);
        }
      }
    }
    signal.removeEventListener('abort', cancelRest);
    if (!cancelled) {
      for (const s of plan.steps) {
        const report = reports.get(s.name)!;
        if (report.status !== 'Completed' || !report.jobName || !selected.has(s.name)) continue;
        await readResults(ctx, agent, s, report, signal);
        if (downloadFolder) await downloadOutputs(ctx, agent, s, report, downloadFolder, signal);
      }
      setJobOutputs(agent, reports.get(primary.name)!);
      setMetricOutputs(agent, reports.get(primary.name)!.metrics);
      if (gate.length > 0 && reports.get(primary.name)!.status === 'Completed') {
        gateResult = evaluateGate(gate, reports.get(primary.name)!.metrics ?? {}, `${primary.name} (job ${reports.get(primary.name)!.jobName})`);
        agent.print(gateResult.message);
        if (!gateResult.passed) problems.push(gateResult.message);
      }
    }
  }

  const result: Outcome['result'] = cancelled ? 'Cancelled' : problems.length > 0 ? 'Failed' : 'Succeeded';
  const results: RunResults = {
    schemaVersion: 1,
    task: 'MLStepsRun@1',
    result,
    waited: inputs.wait,
    build: buildOf(),
    workspace: { subscriptionId: target.subscriptionId, resourceGroup: target.resourceGroup, name: target.workspace },
    selection: profile ? { profile } : { steps },
    primaryStep: primary.name,
    ...(gateResult ? { gate: { expression: inputs.gate.trim(), passed: gateResult.passed, checks: gateResult.checks } } : {}),
    steps: plan.steps.map((s) => ({ ...reports.get(s.name)!, selected: selected.has(s.name) })),
  };
  publishResults(agent, results);

  const p = reports.get(primary.name)!;
  if (result === 'Cancelled') return { result, message: `mlsteps: cancelled; ${problems.join('; ')}` };
  if (result === 'Failed') return { result, message: `mlsteps: ${problems.join('; ')}` };
  if (!inputs.wait) return { result, message: `mlsteps: ${p.action ?? 'submitted'} job ${p.jobName} (${p.status}); not waiting for it (wait: false).` };
  return { result, message: `mlsteps: ${primary.name} completed (job ${p.jobName})${gateResult ? `; ${gateResult.message}` : ''}.` };
}

/**
 * With `reuseCompletedRuns`: when every selected step has a Completed job of its fingerprint in the
 * workspace, those jobs stand for the steps and nothing is submitted; otherwise undefined (submit).
 */
async function reuseCompleted(client: ArmClient, plan: Plan, selected: Set<string>, signal: AbortSignal, progress: (message: string, step?: string) => void): Promise<SubmitResult | undefined> {
  const chosen = plan.steps.filter((s) => selected.has(s.name));
  const found = await completedRuns(client, chosen, signal);
  if (chosen.some((s) => !found.has(s.name))) {
    progress(`no completed run of ${chosen.filter((s) => !found.has(s.name)).map((s) => s.name).join(', ')} with the same fingerprint in the workspace: submitting`);
    return undefined;
  }
  const tenantId = client.target.tenantId;
  return {
    steps: chosen.map((s) => {
      const { name } = found.get(s.name)!;
      progress(`reusing completed job ${name}: same fingerprint (${s.fingerprint.slice(0, 8)}), nothing to run`, s.name);
      return { step: s.name, outcome: 'ok' as const, action: 'reused' as const, jobName: name, studioUrl: studioUrl(client.target, name), status: 'Completed', warnings: [] };
    }),
    stats: { uploadedBytes: 0, uploadedFiles: 0, environmentsRegistered: 0, codeVersionsRegistered: 0, computesCreated: 0, jobsSubmitted: 0 },
    ...(tenantId ? { tenantId } : {}),
  };
}

function newReport(step: Step, s: StepSubmission | undefined): StepReport {
  return {
    step: step.name,
    stage: step.stage,
    type: step.type,
    fingerprint: step.fingerprint,
    outcome: s?.outcome ?? 'skipped',
    ...(s?.action ? { action: s.action } : {}),
    ...(s?.jobName ? { jobName: s.jobName } : {}),
    ...(s?.studioUrl ? { studioUrl: s.studioUrl } : {}),
    ...(step.compute.kind !== 'local' ? { compute: step.compute.name } : {}),
    status: s?.status ?? (s?.outcome === 'failed' ? 'NotSubmitted' : s ? 'Skipped' : 'NotRun'),
    ...(s?.reason ? { reason: oneLine(s.reason) } : {}),
  };
}

function setJobOutputs(agent: RunAgent, report: StepReport): void {
  if (report.jobName) agent.setOutput('jobName', report.jobName);
  if (report.studioUrl) agent.setOutput('studioUrl', report.studioUrl);
  agent.setOutput('status', report.status);
}

const isDone = (status: string) => ['Completed', 'Failed', 'Canceled', 'NotResponding'].includes(status);

async function watchOne(
  ctx: Context,
  agent: RunAgent,
  step: Step,
  report: StepReport,
  o: { signal: AbortSignal; deadline?: number; streamLogs: boolean; index: number; count: number },
): Promise<WatchResult> {
  agent.print(`Watching ${step.name}: job ${report.jobName} (${report.studioUrl ?? ''})`);
  let open: string | undefined;
  const close = () => {
    if (open !== undefined) agent.endGroup();
    open = undefined;
  };
  const progress = (status: string) => {
    const within = isDone(status) ? 100 : PROGRESS[status] ?? 40;
    agent.setProgress(((o.index + within / 100) / o.count) * 100, `${step.name}: ${status}`);
  };
  try {
    return await watchJob(ctx, report.jobName!, {
      abortSignal: o.signal,
      ...(o.deadline !== undefined ? { timeoutMs: Math.max(1, o.deadline - Date.now()) } : {}),
      streamLogs: o.streamLogs,
      cancelWaitMs: CANCEL_WAIT_MS,
      onStatus: (status) => {
        close();
        agent.print(`${step.name}: ${status}`);
        progress(status);
      },
      onLogLine: (file, line) => {
        if (open !== file) {
          close();
          agent.group(`${step.name}: ${file}`);
          open = file;
        }
        agent.print(neutralize(line));
      },
      onLogFileEnd: (file) => {
        if (open === file) close();
      },
    });
  } catch (err) {
    if (err instanceof AzureMLError) return { status: 'Unknown', succeeded: false, error: `could not be watched: ${oneLine(err.message)}`, lastLines: [], durationMs: 0, logBytesFetched: 0, statusReads: 0 };
    throw err;
  } finally {
    close();
  }
}

/** Requests cancellation and waits up to `waitMs` for Canceled; the state reached goes into the report. */
async function cancelQuietly(ctx: Context, report: StepReport, waitMs = 1000): Promise<void> {
  if (!report.jobName) return;
  try {
    report.status = (await cancelJob(ctx, report.jobName, { waitMs })).status;
  } catch {
    /* reported as it was last seen */
  }
}

async function readResults(ctx: Context, agent: RunAgent, step: Step, report: StepReport, signal: AbortSignal): Promise<void> {
  try {
    const run = await readRunResults(ctx, report.jobName!, { abortSignal: signal });
    report.metrics = run.metrics;
    // The job's own duration (also of a job reused or attached to, which this task did not watch whole).
    if (run.durationMs !== undefined) report.durationMs = run.durationMs;
  } catch (err) {
    agent.warning(`${step.name}: the metrics of job ${report.jobName} could not be read: ${oneLine((err as Error).message)}`);
    report.metrics = {};
  }
  if (step.type !== 'sweep') return;
  try {
    const best: BestTrial | undefined = await bestTrial(ctx, report.jobName!, { abortSignal: signal });
    if (best) report.bestTrial = best;
    const objective = await sweepObjective(ctx, report.jobName!, signal);
    if (objective) report.objective = objective;
    report.trials = await sweepTrials(ctx, report.jobName!, { abortSignal: signal });
    // A sweep's own run logs no metrics: its results are its best trial's, so gate and outputs use those.
    const bestMetrics = report.trials.find((t) => t.name === report.bestTrial?.trial)?.metrics;
    if (bestMetrics) report.metrics = { ...bestMetrics, ...report.metrics };
  } catch (err) {
    agent.warning(`${step.name}: the trials of sweep ${report.jobName} could not be read: ${oneLine((err as Error).message)}`);
  }
}

/** A completed step's named outputs into `<folder>/<step>/`; a failure is a warning, not a failed step. */
async function downloadOutputs(ctx: Context, agent: RunAgent, step: Step, report: StepReport, folder: string, signal: AbortSignal): Promise<void> {
  const into = path.join(folder, safeName(step.name));
  try {
    const outputs = await downloadJobOutputs(ctx, report.jobName!, into, { abortSignal: signal, onProgress: (m) => agent.print(`${step.name}: ${m}`) });
    report.outputs = outputs.map((o) => ({ name: o.name, ...(o.uri ? { uri: o.uri } : {}), ...(o.path ? { path: path.relative(folder, o.path).split(path.sep).join('/') } : {}), files: o.files, bytes: o.bytes, ...(o.error ? { error: oneLine(o.error) } : {}) }));
    for (const o of outputs) if (o.error) agent.warning(`${step.name}: output ${o.name} of job ${report.jobName} was not downloaded: ${oneLine(o.error)}`);
    if (outputs.length === 0) agent.print(`${step.name}: job ${report.jobName} has no named outputs to download`);
  } catch (err) {
    if (signal.aborted) return;
    agent.warning(`${step.name}: the outputs of job ${report.jobName} could not be downloaded: ${oneLine((err as Error).message)}`);
  }
}

/** Every access token the credential hands out is registered as a secret before it is used. */
function maskTokens(credential: TokenCredential, setSecret: (value: string) => void): TokenCredential {
  const seen = new Set<string>();
  return {
    getToken: async (scopes, options) => {
      const token = await credential.getToken(scopes, options);
      if (token && !seen.has(token.token)) {
        seen.add(token.token);
        setSecret(token.token);
      }
      return token;
    },
  };
}


const oneLine = (s: string) => s.replace(/\s*\r?\n\s*/g, ' ').trim();
const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;

