// The chaos suite in its small size (`npm run chaos` runs it at 100 step runs): MLStepsRun@1, run
// as the agent runs it, against the emulator with 20 % of requests faulted and SIGINTs at random
// moments; then the emulator's books are checked against what the tasks said (tests/chaos/chaos.ts).
// First, the defects the chaos found, each on its own: a job whose PUT was in flight at Ctrl-C was
// left running (also when the service took the PUT after the task gave up on it); the jobs not
// watched yet got only what was left of the agent's 7.5 s to be cancelled in; a watch retrying its
// read of the workspace did not stop when cancelled (the agent killed the task, job running); one
// throttled read of Entra ID's metadata failed the sign-in.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEmulator, type Emulator, type FaultHandle } from './emulator';
import { formatChaosReport, runChaos } from './chaos/chaos';
import { runStepTaskStreamed, stepTaskBox } from './helpers/step-task';

const STEP = 'data_preparation_subset';

let em: Emulator;
let root: string;

before(async () => {
  em = await startEmulator({ computeProvisionMs: 20 });
  root = realpathSync.native(mkdtempSync(path.join(os.tmpdir(), 'mlsteps-chaos-test-')));
});

after(async () => {
  await em?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves once the emulator holds a request matching the fault (it is being delayed), or rejects after `ms`. */
async function inFlight(fault: FaultHandle, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (fault.matched === 0) {
    if (Date.now() > until) throw new Error('the request never came');
    await sleep(10);
  }
}

/** SIGINT while the job's PUT is held by the emulator for `holdMs`; returns the run, the job and when the signal went. */
async function sigintDuringJobPut(build: string, holdMs: number) {
  const fault = em.faults.add({ method: 'PUT', url: new RegExp(`/jobs/mlsteps-${STEP}-${build}-`), kind: 'latency', latencyMs: holdMs, times: 1 });
  let signalledAt = 0;
  let child: ChildProcess | undefined;
  try {
    const running = runStepTaskStreamed(stepTaskBox(em, root, build, 'secret', { step: STEP }), { onSpawn: (c) => (child = c) });
    await inFlight(fault);
    signalledAt = Date.now();
    child!.kill('SIGINT');
    const run = await running;
    const exitedAt = Date.now();
    // The PUT the emulator held is answered by now or soon: only then is "nothing left running" a fact.
    while (!em.requests.some((q) => q.method === 'PUT' && q.path.includes(`-${build}-`))) await sleep(20);
    await sleep(300);
    const job = [...em.state.jobs.values()].find((j) => j.name.startsWith(`mlsteps-${STEP}-${build}-`));
    return { run, job, signalToExitMs: exitedAt - signalledAt };
  } finally {
    em.faults.clear();
  }
}

test('SIGINT while the job PUT is in flight: the task learns the job and cancels it; nothing is left running', async () => {
  const { run, job, signalToExitMs } = await sigintDuringJobPut('putinflight', 1000);
  assert.equal(run.result?.result, 'Cancelled', run.stdout);
  assert.ok(job, 'the emulator created the job');
  assert.ok(job.cancelRequests >= 1, `job ${job.name} is ${job.status} and was never cancelled`);
  assert.ok(['Canceled', 'CancelRequested'].includes(job.status), job.status);
  assert.match(run.result!.message, new RegExp(`job ${job.name} is (Canceled|CancelRequested)`));
  assert.ok(signalToExitMs < 7500, `exited ${signalToExitMs} ms after SIGINT`);
});

test('SIGINT while a job PUT is held past its grace: the job the service creates afterwards is still cancelled', async () => {
  const { run, job, signalToExitMs } = await sigintDuringJobPut('putlate', 3500);
  assert.equal(run.result?.result, 'Cancelled', run.stdout);
  assert.ok(job, 'the emulator created the job');
  assert.ok(job.cancelRequests >= 1, `job ${job.name} is ${job.status} and was never cancelled`);
  assert.ok(['Canceled', 'CancelRequested'].includes(job.status), job.status);
  assert.ok(signalToExitMs < 7500, `exited ${signalToExitMs} ms after SIGINT`);
});

test('SIGINT while the first of two jobs runs (it sticks in CancelRequested), the cancel of the second faulted twice: both are cancelled within 7.5 s', async () => {
  em.jobs.script(/^mlsteps-[a-z_]+-twojobs-[0-9a-f]{8}$/, { durations: { Running: 60_000 } });
  em.jobs.script(/^mlsteps-data_preparation_subset-twojobs-/, { stuckInCancelRequested: true });
  const fault = em.faults.add({ method: 'POST', url: /\/jobs\/mlsteps-data_validation-twojobs-[0-9a-f]{8}\/cancel/, kind: 'reset', times: 2 });
  let signalledAt = 0;
  try {
    const run = await runStepTaskStreamed(stepTaskBox(em, root, 'twojobs', 'secret', { step: 'data_validation' }), {
      onLine: (line, child) => {
        if (!signalledAt && /^data_preparation_subset: Running$/.test(line)) {
          signalledAt = Date.now();
          child.kill('SIGINT');
        }
      },
    });
    const signalToExitMs = Date.now() - signalledAt;
    assert.ok(signalledAt > 0, run.stdout);
    assert.equal(run.result?.result, 'Cancelled', run.stdout);
    assert.equal(fault.hits, 2, 'the second cancel request was faulted');
    assert.ok(signalToExitMs < 7500, `exited ${signalToExitMs} ms after SIGINT`);
    const jobs = [...em.state.jobs.values()].filter((j) => j.name.includes('-twojobs-'));
    assert.deepEqual(jobs.map((j) => j.name.split('-twojobs-')[0]).sort(), ['mlsteps-data_preparation_subset', 'mlsteps-data_validation']);
    for (const j of jobs) assert.ok(j.cancelRequests >= 1 && ['Canceled', 'CancelRequested'].includes(j.status), `job ${j.name} is ${j.status} after ${j.cancelRequests} cancel requests`);
  } finally {
    em.faults.clear();
  }
});

test("SIGINT while the watch's first read of the workspace is being retried: the task still exits within 7.5 s", async () => {
  em.jobs.script(/^mlsteps-data_preparation_subset-wsretry-/, { durations: { Running: 60_000 } });
  let signalledAt = 0;
  let fault: FaultHandle | undefined;
  const run = await runStepTaskStreamed(stepTaskBox(em, root, 'wsretry', 'secret', { step: STEP }), {
    onLine: (line, child) => {
      // The submission has read the workspace; the watch reads it again (for run history), and is refused.
      if (/^Watching /.test(line)) fault = em.faults.add({ method: 'GET', url: /\/workspaces\/ml-ws\?/, kind: '500', times: 4 });
      if (!signalledAt && /^data_preparation_subset: Running$/.test(line)) {
        signalledAt = Date.now();
        child.kill('SIGINT');
      }
    },
  });
  const signalToExitMs = Date.now() - signalledAt;
  em.faults.clear();
  assert.ok(signalledAt > 0 && fault && fault.hits >= 1, run.stdout);
  assert.equal(run.result?.result, 'Cancelled', run.stdout);
  assert.ok(signalToExitMs < 7500, `exited ${signalToExitMs} ms after SIGINT`);
  const job = [...em.state.jobs.values()].find((j) => j.name.includes('-wsretry-'))!;
  assert.ok(job.cancelRequests >= 1, `job ${job.name} is ${job.status}`);
});

test("one throttled read of Entra ID's authority metadata (429, no Retry-After) does not fail the sign-in", async () => {
  const fault = em.faults.add({ url: /\/v2\.0\/\.well-known\/openid-configuration$/, kind: '429', times: 1 });
  try {
    const run = await runStepTaskStreamed(stepTaskBox(em, root, 'entra429', 'secret', { step: STEP, wait: 'false' }));
    assert.equal(fault.hits, 1);
    assert.equal(run.result?.result, 'Succeeded', run.stdout);
  } finally {
    em.faults.clear();
  }
});

test('chaos, small: step runs with 20 % of requests faulted and SIGINTs at random moments; the books agree with every result', { timeout: 120_000 }, async (t) => {
  const report = await runChaos({ runs: 10, seed: 6, concurrency: 3, faultRate: 0.2 });
  t.diagnostic(formatChaosReport(report));
  assert.deepEqual(report.violations, []);
  assert.ok(report.runs >= 10, `${report.runs} runs`);
  assert.ok(Object.keys(report.signals).length === 3, `signals: ${JSON.stringify(report.signals)}`);
  assert.ok(report.reruns >= 1, 'a re-run after a failure');
  assert.ok(report.faultedRequests / report.requests > 0.1, `${report.faultedRequests} of ${report.requests} requests faulted`);
  for (const kind of ['429', '429-retry-after', '500', '503', 'reset', 'latency']) assert.ok((report.faults[kind] ?? 0) > 0, `no ${kind} fault injected`);
  assert.ok(report.checked.cancelledTasks >= 1 && report.checked.jobs >= 5 && report.checked.environmentVersions >= 1 && report.checked.codeVersions >= 1, JSON.stringify(report.checked));
});
