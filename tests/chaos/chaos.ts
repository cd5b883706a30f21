// The chaos suite (issue 6): step runs of MLStepsRun@1, run as the agent runs them (the bundle as a
// child process, tests/helpers/step-task.ts), against the emulator with a share of its requests
// faulted at random (429 with and without Retry-After, 500, 503, connection resets, slow replies,
// lost replies) and SIGINTs at random moments — while submitting, while the job runs, and while
// cancelling (a SIGTERM follows). Then the emulator's books are checked against what the tasks
// said: one job per step (and per failed attempt before a re-run), no job left running after a
// cancelled task, every environment and code version registered once, every result and status
// true to the job's final state. Everything random comes from one seed.
import type { ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { mulberry32 } from '../../src/backends/local/sampling';
import { startEmulator, TERMINAL_STATUSES, type Emulator, type JobRecord, type JobScript, type RandomFaultHandle } from '../emulator';
import type { ConnectionScheme } from '../helpers/emulator-connection';
import { runStepTaskStreamed, stepTaskBox } from '../helpers/step-task';
import { stackTraceLines, type TaskRun } from '../helpers/task-runner';

export interface ChaosOptions {
  /** Task runs in all, re-runs included. */
  runs: number;
  seed: number;
  /** Share of the emulator's requests faulted (default 0.2). */
  faultRate?: number;
  /** Builds run at once (default 3). */
  concurrency?: number;
  /** Share of first attempts that get a SIGINT (default 0.3). */
  signalShare?: number;
  /** Share of builds whose failed or cancelled first attempt is run again (default 0.5). */
  rerunShare?: number;
  /** No new build starts after this long (default: no bound); what started is finished and checked. */
  maxMs?: number;
  /** Progress lines. */
  log?: (line: string) => void;
}

export type SignalMoment = 'submitting' | 'running' | 'cancelling';

/** One task run as planned and as it went. */
interface RunRecord {
  build: string;
  attempt: number;
  step: string;
  wait: boolean;
  gate?: { metric: string; min: number };
  moment?: SignalMoment;
  startedAt?: number;
  /** When the build's next attempt started (its jobs are that attempt's from then on). */
  nextStartedAt?: number;
  signalledAt?: number;
  /** When the task printed its result, and when its process ended. */
  completedAt?: number;
  exitedAt?: number;
  run?: TaskRun;
  /** Jobs of the build (by name) before this attempt started, with their status then. */
  before: Map<string, string>;
  /** Which conda environments and code snapshot the build's checkout has (see variants()). */
  variant: { environment: number; code: number };
  /** The steps of the results attachment, read as the task ended. */
  reported?: ReportedStep[];
}

export interface ChaosReport {
  seed: number;
  runs: number;
  builds: number;
  reruns: number;
  results: Record<string, number>;
  signals: Record<string, number>;
  faults: Record<string, number>;
  requests: number;
  faultedRequests: number;
  checked: {
    /** Step runs checked (one per step of each run's plan). */
    steps: number;
    jobs: number;
    cancelledTasks: number;
    jobsAfterCancelledTasks: number;
    /** Jobs the service created after their task got SIGINT: their PUT was in flight. */
    jobsPutInFlightAtSignal: number;
    results: number;
    reportedStatuses: number;
    reportedMetrics: number;
    environmentVersions: number;
    codeVersions: number;
    repeatedAssetPuts: number;
  };
  /** Longest time from the first signal to the task's exit. */
  maxSignalToExitMs: number;
  ms: number;
  violations: string[];
}

/** Statuses of a job that still runs (CancelRequested is on its way out: its cancellation was asked for). */
const ACTIVE = new Set(['NotStarted', 'Starting', 'Preparing', 'Queued', 'Running', 'Finalizing']);
/** The agent: SIGINT, SIGTERM 7.5 s later, then it kills the process (2.5 s after that). */
const SIGTERM_AFTER_MS = 7500;
const KILL_AFTER_MS = 10_000;
/** Steps a run selects: one without needs, one needing it (two jobs a run), a sweep needing it. */
const STEPS: Array<[string, number]> = [
  ['data_preparation_subset', 0.5],
  ['data_validation', 0.25],
  ['sklearn_subset', 0.25],
];
const MOMENTS: SignalMoment[] = ['submitting', 'running', 'cancelling'];
const PLAN_OF: Record<string, string[]> = {
  data_preparation_subset: ['data_preparation_subset'],
  data_validation: ['data_preparation_subset', 'data_validation'],
  sklearn_subset: ['data_preparation_subset', 'sklearn_subset'],
};

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const started = Date.now();
  const log = options.log ?? (() => undefined);
  const random = mulberry32(options.seed);
  const pick = <T>(choices: Array<[T, number]>): T => {
    let u = random() * choices.reduce((n, [, w]) => n + w, 0);
    for (const [c, w] of choices) {
      if (u < w) return c;
      u -= w;
    }
    return choices[choices.length - 1][0];
  };
  const em = await startEmulator({ computeProvisionMs: 50 });
  const root = realpathSync.native(mkdtempSync(path.join(os.tmpdir(), 'mlsteps-chaos-')));
  const violations: string[] = [];
  const records: RunRecord[] = [];
  const checked = { steps: 0, jobs: 0, cancelledTasks: 0, jobsAfterCancelledTasks: 0, jobsPutInFlightAtSignal: 0, results: 0, reportedStatuses: 0, reportedMetrics: 0, environmentVersions: 0, codeVersions: 0, repeatedAssetPuts: 0 };
  let faults: RandomFaultHandle | undefined;
  let maxSignalToExitMs = 0;
  try {
    faults = em.faults.random({
      rate: options.faultRate ?? 0.2,
      seed: options.seed + 1,
      kinds: { '429': 1, '429-retry-after': 1, '500': 1, '503': 1, reset: 1, latency: 1 },
      lostReplyShare: 0.3,
      latencyMs: [200, 1500],
      retryAfterSeconds: 1,
    });

    // Builds, each a first attempt and maybe a re-run, until the planned number of runs.
    let planned = 0;
    let buildCount = 0;
    let signalled = 0;
    /** Runs started or promised (a re-run is decided once its first attempt has ended). */
    let reserved = 0;
    const builds: Array<() => Promise<void>> = [];
    while (planned < options.runs) {
      const build = `chaos${options.seed}-${++buildCount}`;
      const step = pick(STEPS);
      const scheme = pick<ConnectionScheme>([['secret', 0.7], ['pipelines', 0.2], ['certificate', 0.1]]);
      // Signalled builds take the moments in turn, so even a small run has each.
      const moment = random() < (options.signalShare ?? 0.3) ? MOMENTS[signalled++ % MOMENTS.length] : undefined;
      const wait = moment !== undefined || random() < 0.9;
      const gate = wait && !moment && random() < 0.2 ? { metric: 'auc', min: 0.8 } : undefined;
      const auc = Math.round((0.6 + random() * 0.35) * 100) / 100;
      const fails = !moment && random() < 0.2;
      const stuck = moment !== undefined && moment !== 'submitting' && random() < 0.25;
      const signalDelayMs = Math.round(random() * (moment === 'submitting' ? 1500 : 800));
      const sigtermDelayMs = 100 + Math.round(random() * 500);
      const rerun = random() < (options.rerunShare ?? 0.5);
      // A few variants of the environments and the code, shared between builds: new versions to
      // register all along the run, some by builds running at the same time.
      const variant = { environment: Math.floor(random() * 4), code: Math.floor(random() * 6) };
      planned += 1;
      const script: JobScript = {
        durations: { Running: moment && moment !== 'submitting' ? 30_000 : 200 + Math.round(random() * 500) },
        metrics: { auc },
        ...(fails ? { finalStatus: 'Failed' as const, error: { code: 'UserError', message: 'Execution failed: exit code 1' } } : {}),
        ...(stuck ? { stuckInCancelRequested: true } : {}),
      };
      builds.push(async () => {
        em.jobs.script(new RegExp(`^mlsteps-[a-z_]+-${build}-[0-9a-f]{8}$`), script);
        const first = await attempt(em, root, { build, attempt: 1, step, wait, ...(gate ? { gate } : {}), ...(moment ? { moment } : {}), variant, before: jobsOfBuild(em, build) }, scheme, signalDelayMs, sigtermDelayMs, records, log);
        const result = first.run?.result?.result;
        if (rerun && (result === 'Failed' || result === 'Cancelled') && reserved < options.runs) {
          reserved += 1;
          // The re-run's jobs complete.
          em.jobs.script(new RegExp(`^mlsteps-[a-z_]+-${build}-[0-9a-f]{8}-r\\d+$`), { durations: { Running: 300 }, metrics: { auc } });
          await attempt(em, root, { build, attempt: 2, step, wait: true, ...(gate ? { gate } : {}), variant, before: jobsOfBuild(em, build) }, scheme, 0, 0, records, log);
        }
        rmSync(path.join(root, build), { recursive: true, force: true });
      });
    }

    const concurrency = Math.max(1, options.concurrency ?? 3);
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < builds.length && reserved < options.runs) {
          if (options.maxMs !== undefined && Date.now() - started > options.maxMs) return;
          reserved += 1;
          const b = builds[next++];
          await b();
        }
      }),
    );

    // Jobs whose PUT landed after their task gave up, cancellations on their way: let them settle.
    await settle(em, records);

    for (const r of records) {
      if (r.signalledAt && r.exitedAt) maxSignalToExitMs = Math.max(maxSignalToExitMs, r.exitedAt - r.signalledAt);
      checkRun(em, r, violations, checked);
    }
    checkBooks(em, records, violations, checked);
  } finally {
    await em.stop();
    rmSync(root, { recursive: true, force: true });
  }

  const results: Record<string, number> = {};
  const signals: Record<string, number> = {};
  for (const r of records) {
    const k = r.run?.result?.result ?? 'none';
    results[k] = (results[k] ?? 0) + 1;
    if (r.moment) signals[r.moment] = (signals[r.moment] ?? 0) + 1;
  }
  return {
    seed: options.seed,
    runs: records.length,
    builds: new Set(records.map((r) => r.build)).size,
    reruns: records.filter((r) => r.attempt > 1).length,
    results,
    signals,
    faults: { ...(faults?.byKind ?? {}) },
    requests: em.requests.length,
    faultedRequests: em.requests.filter((q) => q.fault !== undefined).length,
    checked,
    maxSignalToExitMs,
    ms: Date.now() - started,
    violations,
  };
}

function jobsOfBuild(em: Emulator, build: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const j of em.state.jobs.values()) if (!j.parent && j.tags['mlsteps.build.id'] === build) out.set(j.name, j.status);
  return out;
}

/** One task run, signalled as the record says, the agent's escalation included. */
async function attempt(em: Emulator, root: string, r: RunRecord, scheme: ConnectionScheme, signalDelayMs: number, sigtermDelayMs: number, records: RunRecord[], log: (line: string) => void): Promise<RunRecord> {
  r.startedAt = Date.now();
  const previous = records.filter((x) => x.build === r.build).at(-1);
  if (previous) previous.nextStartedAt = r.startedAt;
  records.push(r);
  const box = stepTaskBox(em, root, r.build, scheme, { step: r.step, wait: String(r.wait), ...(r.gate ? { gate: `${r.gate.metric} >= ${r.gate.min}` } : {}) }, { 'Build.BuildId': r.build, 'System.JobAttempt': String(r.attempt), 'System.JobId': `job-${r.build}-${r.attempt}` });
  applyVariant(path.join(box.sources, 'ml'), r.variant);
  const timers: NodeJS.Timeout[] = [];
  let completed = false;
  const signal = (child: ChildProcess) => {
    if (r.signalledAt || completed || child.exitCode !== null) return;
    r.signalledAt = Date.now();
    child.kill('SIGINT');
    if (r.moment === 'cancelling') timers.push(setTimeout(() => child.exitCode === null && child.kill('SIGTERM'), sigtermDelayMs));
    timers.push(setTimeout(() => child.exitCode === null && child.kill('SIGTERM'), SIGTERM_AFTER_MS));
    timers.push(setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), KILL_AFTER_MS));
  };
  const run = await runStepTaskStreamed(box, {
    timeoutMs: 120_000,
    onLine: (line, child) => {
      if (line.startsWith('##vso[task.complete')) {
        completed = true;
        r.completedAt = Date.now();
      }
      if (!r.moment || r.signalledAt) return;
      const trigger = r.moment === 'submitting' ? /^Submitting \d+ steps? /.test(line) : /^[a-z_]+: Running$/.test(line);
      if (trigger) timers.push(setTimeout(() => signal(child), signalDelayMs));
    },
  });
  r.exitedAt = Date.now();
  for (const t of timers) clearTimeout(t);
  r.run = run;
  r.reported = reportedSteps(run);
  // What the emulator says right at exit: a cancelled task leaves nothing running.
  atExit.set(r, jobsOfBuild(em, r.build));
  log(`${r.build}#${r.attempt} ${r.step}${r.wait ? '' : ' (no wait)'}${r.moment ? ` SIGINT ${r.moment}${r.signalledAt ? ` +${r.exitedAt - r.signalledAt} ms to exit` : ' (not sent: the task ended first)'}` : ''}: ${run.result?.result ?? `no result (exit ${run.code})`} in ${Math.round(run.ms)} ms${run.result?.result === 'Succeeded' ? '' : `: ${run.result?.message ?? run.stderr.slice(-300)}`}`);
  return r;
}

/** The build's checkout: a pip package per environment variant, a file per code variant (variant 0: the sample as it is). */
function applyVariant(project: string, variant: RunRecord['variant']): void {
  if (variant.environment > 0) {
    for (const file of ['conda_dependencies_data_preparation.yml', 'conda_dependencies_sklearn.yml']) {
      appendFileSync(path.join(project, 'environments', file), `      - chaos-variant==${variant.environment}.0\n`);
    }
  }
  if (variant.code > 0) writeFileSync(path.join(project, 'src', 'chaos_variant.txt'), `${variant.code}\n`);
}

/** Each run's jobs as the emulator had them when the task exited. */
const atExit = new WeakMap<RunRecord, Map<string, string>>();

async function settle(em: Emulator, records: RunRecord[]): Promise<void> {
  const deadline = Date.now() + 3000;
  const builds = new Set(records.map((r) => r.build));
  while (Date.now() < deadline) {
    const moving = [...em.state.jobs.values()].some((j) => !j.parent && builds.has(j.tags['mlsteps.build.id']) && j.status === 'CancelRequested' && !j.script.stuckInCancelRequested);
    if (!moving) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  // A PUT still in the emulator's hands (a slow reply) would land within its latency bound.
  await new Promise((r) => setTimeout(r, 1600));
}

interface ReportedStep {
  step: string;
  metrics?: Record<string, number>;
  jobName?: string;
  status: string;
  outcome?: string;
}

function reportedSteps(run: TaskRun): ReportedStep[] | undefined {
  const a = run.commands.find((c) => c.command === 'task.addattachment' && c.properties.type === 'mlsteps.results');
  if (!a) return undefined;
  try {
    return (JSON.parse(readFileSync(a.message, 'utf8')) as { steps: ReportedStep[] }).steps;
  } catch {
    return undefined;
  }
}

function jobsOfStep(em: Emulator, build: string, step: string): JobRecord[] {
  return [...em.state.jobs.values()].filter((j) => !j.parent && j.tags['mlsteps.build.id'] === build && j.tags['mlsteps.runconfig'] === step).sort((a, b) => a.createdAt - b.createdAt);
}

/** One run against the emulator: a result, no stack trace, and the result and statuses true to the jobs. */
function checkRun(em: Emulator, r: RunRecord, violations: string[], checked: ChaosReport['checked']): void {
  const id = `${r.build}#${r.attempt} (${r.step}${r.moment ? `, SIGINT ${r.moment}` : ''})`;
  const fail = (why: string): void => void violations.push(`${id}: ${why}${r.run ? `\n    result: ${r.run.result?.result} ${r.run.result?.message ?? ''}` : ''}`);
  const run = r.run;
  if (!run?.result) {
    const shown = (run?.stdout ?? '').split('\n').filter((l) => l && !l.startsWith('##vso[task.debug]')).slice(-6);
    fail(`no task result (exit ${run?.code}); its last lines:\n${shown.map((l) => `      ${l}`).join('\n')}${run?.stderr ? `\n    stderr: ${run.stderr.slice(-500)}` : ''}`);
    return;
  }
  checked.results++;
  const result = run.result.result;
  const traces = stackTraceLines(run.stdout + run.stderr);
  if (traces.length) fail(`a stack trace in the output: ${traces[0]}`);
  if (/failed unexpectedly/.test(run.result.message)) fail('failed unexpectedly');
  if (r.signalledAt && r.exitedAt && r.exitedAt - r.signalledAt > SIGTERM_AFTER_MS) fail(`exited ${r.exitedAt - r.signalledAt} ms after SIGINT (the agent allows ${SIGTERM_AFTER_MS}); its result came ${r.completedAt ? `${r.completedAt - r.signalledAt} ms` : 'never'} after SIGINT`);
  if (result === 'Cancelled' && !r.signalledAt) fail('Cancelled without a signal');

  const exit = atExit.get(r) ?? new Map<string, string>();
  const reported = r.reported ?? [];
  const expectedSteps = PLAN_OF[r.step];
  let anyFailed = false;
  let anyMissing = false;
  let allCompleted = true;
  let gateFails = false;
  for (const step of expectedSteps) {
    checked.steps++;
    const jobs = jobsOfStep(em, r.build, step);
    const created = jobs.filter((j) => !r.before.has(j.name) && exit.has(j.name));
    if (created.length > 1) fail(`${step} has ${created.length} jobs from one attempt: ${created.map((j) => j.name).join(', ')}`);
    // The attempt's job: the one it created, else the one it attached to or reused (active or Completed before it).
    const mine = created[0] ?? jobs.filter((j) => r.before.has(j.name) && /^(NotStarted|Starting|Preparing|Queued|Running|Finalizing|Completed)$/.test(r.before.get(j.name) ?? '')).at(-1);
    const rep = reported.find((s) => s.step === step);
    if (rep?.jobName && mine && rep.jobName !== mine.name) fail(`${step}: the task reports job ${rep.jobName}, the emulator's is ${mine.name}`);
    if (!mine) {
      anyMissing = true;
      allCompleted = false;
      if (rep?.jobName && jobs.some((j) => j.name === rep.jobName)) fail(`${step}: job ${rep.jobName} exists but was not made by this attempt`);
      continue;
    }
    checked.jobs++;
    const atExitStatus = exit.get(mine.name) ?? mine.status;
    if (rep?.status) {
      checked.reportedStatuses++;
      const seen = new Set(mine.history.map((h) => h.status));
      if (!seen.has(rep.status as JobRecord['status']) && !(rep.status === 'NotFound' || rep.status === 'Unknown')) fail(`${step}: reported status ${rep.status}, which job ${mine.name} never had (${[...seen].join(' → ')})`);
      if (TERMINAL_STATUSES.includes(rep.status as JobRecord['status']) && rep.status !== mine.status) fail(`${step}: reported ${rep.status}, but job ${mine.name} ended ${mine.status}`);
    }
    // The job's true final state: where it ended, whatever the task saw of it.
    if (mine.status === 'Failed') anyFailed = true;
    if (mine.status !== 'Completed') allCompleted = false;
    if (result === 'Cancelled') {
      checked.jobsAfterCancelledTasks++;
      if (ACTIVE.has(atExitStatus)) fail(`${step}: job ${mine.name} is ${atExitStatus} after the task was cancelled`);
    }
    const auc = mine.metrics.get('auc')?.at(-1)?.value;
    if (r.gate && step === r.step && mine.status === 'Completed' && (auc === undefined || !(auc >= r.gate.min))) gateFails = true;
    // The metrics the task reported are the job's.
    if (step === r.step && r.wait && result !== 'Cancelled' && atExitStatus === 'Completed') {
      checked.reportedMetrics++;
      if (rep?.metrics?.auc !== auc) fail(`${step}: reported auc ${rep?.metrics?.auc}, job ${mine.name} recorded ${auc}`);
    }
  }
  if (result === 'Cancelled') {
    // Also a job whose PUT the service took after the task gave up on it: it came into being during
    // this attempt (before the next one), and was still running at the exit or came later, uncancelled.
    for (const j of em.state.jobs.values()) {
      if (j.parent || j.tags['mlsteps.build.id'] !== r.build || j.createdAt < (r.startedAt ?? 0) || j.createdAt >= (r.nextStartedAt ?? Infinity)) continue;
      const exitedAt = r.exitedAt ?? Date.now();
      if (r.signalledAt && j.createdAt > r.signalledAt) checked.jobsPutInFlightAtSignal++;
      if (j.cancelRequests === 0 && (j.createdAt > exitedAt || ACTIVE.has(statusAt(j, exitedAt)))) fail(`job ${j.name} (${j.createdAt > exitedAt ? `created ${j.createdAt - exitedAt} ms after the task exited` : `${statusAt(j, exitedAt)} at the exit`}) was left running: no cancellation was requested`);
    }
  }
  if (result === 'Cancelled') {
    checked.cancelledTasks++;
    return;
  }
  // Not cancelled (no signal, or it came too late to matter): the result follows from the jobs.
  const expected = anyMissing ? 'Failed' : !r.wait ? 'Succeeded' : anyFailed || gateFails || !allCompleted ? 'Failed' : 'Succeeded';
  if (result !== expected) fail(`result ${result}, but the emulator's jobs say ${expected} (${expectedSteps.map((s) => `${s}: ${jobsOfStep(em, r.build, s).map((j) => `${j.name} ${exit.get(j.name) ?? j.status}`).join(', ') || 'no job'}`).join('; ')})`);
}

/** A job's status at a time (from its history). */
function statusAt(job: JobRecord, time: number): string {
  let status = 'NotStarted';
  for (const h of job.history) if (Date.parse(h.time) <= time) status = h.status;
  return status;
}

/** The books at the end: jobs per step and attempt, nothing running after a cancelled task, assets registered once. */
function checkBooks(em: Emulator, records: RunRecord[], violations: string[], checked: ChaosReport['checked']): void {
  const byBuild = new Map<string, RunRecord[]>();
  for (const r of records) byBuild.set(r.build, [...(byBuild.get(r.build) ?? []), r]);
  for (const [build, runs] of byBuild) {
    const last = runs[runs.length - 1];
    for (const step of PLAN_OF[last.step]) {
      const jobs = jobsOfStep(em, build, step);
      if (jobs.length > runs.length) violations.push(`${build} ${step}: ${jobs.length} jobs for ${runs.length} attempt(s): ${jobs.map((j) => `${j.name} ${j.status}`).join(', ')}`);
      jobs.forEach((j, i) => {
        const suffix = i === 0 ? '' : `-r${i + 1}`;
        if (!new RegExp(`-[0-9a-f]{8}${suffix}$`).test(j.name)) violations.push(`${build} ${step}: job ${i + 1} is named ${j.name}`);
        // A re-run submits anew only after a failure: every job but the last ended without success.
        if (i < jobs.length - 1 && !['Failed', 'Canceled', 'CancelRequested'].includes(j.status)) violations.push(`${build} ${step}: ${j.name} is ${j.status}, yet ${jobs[i + 1].name} was submitted after it`);
      });
      if (last.run?.result?.result === 'Cancelled') {
        for (const j of jobs) if (ACTIVE.has(j.status)) violations.push(`${build} ${step}: job ${j.name} is ${j.status} at the end, after the task was cancelled (${j.cancelRequests} cancel requests)`);
      }
    }
  }
  // Every content registered once: no two versions hold the same content, and no more versions
  // than contents the builds used.
  const used = { environment: new Set(records.map((r) => r.variant.environment)).size, code: new Set(records.map((r) => r.variant.code)).size };
  for (const [kind, containers] of [['environment', em.state.environments], ['code', em.state.codes]] as const) {
    const byContent = new Map<string, string[]>();
    for (const [name, c] of containers) {
      for (const [version, v] of c.versions) {
        const p = v.properties as { condaFile?: string; image?: string; properties?: { hash_sha256?: string } };
        const content = kind === 'environment' ? `${name}\n${p.image ?? ''}\n${p.condaFile ?? ''}` : p.properties?.hash_sha256 ?? `${name}:${version}`;
        byContent.set(content, [...(byContent.get(content) ?? []), `${name}:${version}`]);
        if (kind === 'environment') checked.environmentVersions++;
        else checked.codeVersions++;
      }
      if (kind === 'environment' && c.versions.size > used.environment) violations.push(`environment ${name} has ${c.versions.size} versions for ${used.environment} contents`);
    }
    for (const versions of byContent.values()) if (versions.length > 1) violations.push(`one ${kind} content registered ${versions.length} times: ${versions.join(', ')}`);
    if (kind === 'code' && byContent.size > used.code) violations.push(`${byContent.size} code versions for ${used.code} code contents`);
  }
  // PUTs of an asset version that reached the service: the first registered it, the others (lost replies retried, concurrent runs) found it.
  const puts = new Map<string, number>();
  for (const q of em.requests) {
    if (q.method !== 'PUT' || !/\/(environments|codes)\/[^/]+\/versions\/[^/]+$/.test(q.path)) continue;
    if (q.faultPhase === 'before') continue;
    puts.set(q.path, (puts.get(q.path) ?? 0) + 1);
  }
  for (const n of puts.values()) checked.repeatedAssetPuts += n - 1;
  for (const q of em.specErrors()) violations.push(`request ${q.method} ${q.path} failed the REST spec: ${q.specErrors.map((e) => `${e.path} ${e.message}`).join('; ')}`);
  for (const q of em.requests.filter((x) => x.responseSpecErrors.length > 0).slice(0, 5)) violations.push(`the emulator's reply to ${q.method} ${q.path} fails the spec: ${q.responseSpecErrors[0].message}`);
}

/** The report as lines for people. */
export function formatChaosReport(r: ChaosReport): string {
  const kv = (o: Record<string, number>) => Object.entries(o).sort().map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
  return [
    `chaos (seed ${r.seed}): ${r.runs} step runs of MLStepsRun@1 in ${r.builds} builds (${r.reruns} re-runs) in ${(r.ms / 1000).toFixed(1)} s`,
    `  results: ${kv(r.results)}`,
    `  SIGINTs: ${kv(r.signals)}; longest SIGINT to exit ${r.maxSignalToExitMs} ms`,
    `  faults injected: ${kv(Object.fromEntries(Object.entries(r.faults).filter(([k]) => k !== 'lost-reply')))} (of the 500s and resets, ${r.faults['lost-reply'] ?? 0} after the request was processed: lost replies) — ${r.faultedRequests} of ${r.requests} requests (${((100 * r.faultedRequests) / Math.max(1, r.requests)).toFixed(1)} %)`,
    `  checked: ${r.checked.results} task results, ${r.checked.steps} steps, ${r.checked.jobs} jobs, ${r.checked.reportedStatuses} reported statuses, ${r.checked.reportedMetrics} reported metrics, ${r.checked.cancelledTasks} cancelled tasks (${r.checked.jobsAfterCancelledTasks} of their jobs, ${r.checked.jobsPutInFlightAtSignal} created after the SIGINT from a PUT in flight), ${r.checked.environmentVersions} environment versions, ${r.checked.codeVersions} code versions (${r.checked.repeatedAssetPuts} repeated PUTs found them)`,
    r.violations.length ? `  ${r.violations.length} violation(s):\n${r.violations.map((v) => `  - ${v}`).join('\n')}` : '  no violations',
  ].join('\n');
}
