// Watching Azure ML jobs (src/backends/azureml watch/logs/metrics/cancel, DESIGN §5.3) against the
// emulator: status with back-off, logs streamed with ranged reads, metrics and a sweep's best trial
// from MLflow, timeouts and cancellation (also a job stuck in CancelRequested); and
// `mlsteps run --backend azureml` waiting, in a child process as a user runs it (SIGINT included).
// Measured, not assumed: log bytes fetched ≤ 1.05 × log size on a 10 MB log; status reads per
// simulated job-hour ≤ 500.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { Agent } from 'node:https';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createDefaultHttpClient, type HttpClient } from '@azure/core-rest-pipeline';
import { startEmulator, type Emulator } from './emulator';
import { ArmClient, Context, LogStreamer, bestTrial, blobDestination, cancelJob, downloadJobOutputs, parseDatastoreUri, readMetrics, submitPlan, sweepObjective, sweepTrials, watchJob, type Target } from '../src/backends/azureml';
import { planProject } from '../src/plan';
import { projectRoot } from './helpers/fixtures';

const CLI = path.join(projectRoot, 'src', 'cli.ts');
const FAST_RETRY = { maxRetries: 4, retryDelayInMs: 20, maxRetryDelayInMs: 200 };

let em: Emulator;
let work: string;
let httpClient: HttpClient;
const children = new Set<ChildProcess>();

before(async () => {
  em = await startEmulator({ computeProvisionMs: 50 });
  work = mkdtempSync(path.join(tmpdir(), 'mlsteps-aml-watch-'));
  const agent = new Agent({ ca: em.caCertPem, keepAlive: true });
  const base = createDefaultHttpClient();
  httpClient = { sendRequest: (request) => base.sendRequest(Object.assign(request, { agent: request.url.startsWith('https:') ? agent : request.agent })) };
});

after(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await em?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

function target(): Target {
  return { subscriptionId: em.ids.subscriptionId, resourceGroup: em.ids.resourceGroup, workspace: em.ids.workspace, armEndpoint: em.armEndpoint, armAudience: em.armAudience, authorityHost: em.authorityHost };
}

const credential = { getToken: async () => ({ token: em.issueToken(), expiresOnTimestamp: Date.now() + 3_600_000 }) };

function context(): Context {
  return new Context(new ArmClient(credential, target(), { retry: FAST_RETRY, httpClient }), {});
}

/** A small project: one command step per name (or a sweep `tune` and a step using its best C). */
function project(name: string, runconfigs: Record<string, string>): string {
  const dir = path.join(work, name);
  mkdirSync(path.join(dir, 'runconfigs'), { recursive: true });
  mkdirSync(path.join(dir, 'src'), { recursive: true });
  writeFileSync(
    path.join(dir, 'mlsteps.yml'),
    `runconfigs: [runconfigs/*.yml]\nexperiment_name: watch\ncomputes:\n  cpu: {type: amlcompute, size: Standard_DS3_v2, max_instances: 1}\nenvironments:\n  py: {conda_file: env.yml}\n`,
  );
  writeFileSync(path.join(dir, 'env.yml'), 'name: py\nchannels: [conda-forge]\ndependencies:\n  - python=3.10\n');
  writeFileSync(path.join(dir, 'src', 'train.py'), `print("${name}")\n`);
  for (const [file, text] of Object.entries(runconfigs)) writeFileSync(path.join(dir, 'runconfigs', `${file}.yml`), text);
  return dir;
}

const command = (name: string) => `name: ${name}\ncode: ../src\ncommand: python train.py\nenvironment: py\ncompute: cpu\n`;

/** Submits the project's steps in this process; returns step → job name. */
async function submit(dir: string): Promise<Record<string, string>> {
  const { plan, error } = await planProject(dir, {});
  assert.ok(plan, `no plan: ${error?.message}`);
  const result = await submitPlan(plan, target(), { credential, retry: FAST_RETRY, httpClient, createCompute: true, pollIntervalMs: 50 });
  const out: Record<string, string> = {};
  for (const s of result.steps) {
    assert.equal(s.outcome, 'ok', `${s.step}: ${s.reason}`);
    out[s.step] = s.jobName!;
  }
  return out;
}

async function until(what: string, f: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('a completed job: statuses in order, log lines streamed once each, final metrics from MLflow', { timeout: 60_000 }, async () => {
  em.jobs.script(/^mlsteps-done-/, { logLines: ['loading data', 'epoch 1 loss=0.5', 'epoch 2 loss=0.3', 'done ✓'], metrics: { auc: [0.7, 0.81, 0.86], rows: 1000 } });
  const jobs = await submit(project('done', { done: command('done') }));
  const ctx = context();
  const statuses: string[] = [];
  const lines: string[] = [];
  const files: string[] = [];
  const result = await watchJob(ctx, jobs.done, {
    pollMinMs: 50,
    pollMaxMs: 200,
    onStatus: (s) => statuses.push(s),
    onLogLine: (file, line) => lines.push(`${file}: ${line}`),
    onLogFileStart: (f) => files.push(`start ${f}`),
    onLogFileEnd: (f) => files.push(`end ${f}`),
  });
  assert.equal(result.status, 'Completed');
  assert.equal(result.succeeded, true);
  assert.equal(statuses.at(-1), 'Completed');
  assert.ok(statuses.includes('Running'), statuses.join(' → '));
  const user = lines.filter((l) => l.startsWith('user_logs/std_log.txt: ')).map((l) => l.slice('user_logs/std_log.txt: '.length));
  assert.deepEqual(user, ['loading data', 'epoch 1 loss=0.5', 'epoch 2 loss=0.3', 'done ✓']);
  assert.ok(files.includes('start user_logs/std_log.txt') && files.includes('end user_logs/std_log.txt'), files.join(', '));
  assert.deepEqual(result.lastLines.slice(-2), ['epoch 2 loss=0.3', 'done ✓']);
  assert.deepEqual(await readMetrics(ctx, jobs.done), { auc: 0.86, rows: 1000 });
  assert.equal(JSON.stringify(result).includes('sig='), false);
});

test('log streaming: a job writing 10 MB of logs is fetched with ranged reads, ≤ 1.05 × its size (measured)', { timeout: 120_000 }, async () => {
  // 2,000 lines of 5,000 bytes (the emulator appends a block per line; an append blob holds ≤ 50,000 blocks).
  const line = (i: number) => `step ${String(i).padStart(7, '0')} ${'x'.repeat(4986)}`;
  const logLines = Array.from({ length: 2_000 }, (_, i) => line(i));
  em.jobs.script(/^mlsteps-chatty-/, { logLines, durations: { Running: 4000 } });
  const jobs = await submit(project('chatty', { chatty: command('chatty') }));
  const ctx = context();
  let count = 0;
  let inOrder = true;
  const result = await watchJob(ctx, jobs.chatty, {
    pollMinMs: 100,
    pollMaxMs: 400,
    onLogLine: (file, l) => {
      if (file !== 'user_logs/std_log.txt') return;
      if (l !== line(count)) inOrder = false;
      count++;
    },
  });
  assert.equal(result.status, 'Completed');
  assert.equal(count, logLines.length, 'every line once');
  assert.ok(inOrder, 'lines in order, none split or repeated');
  // The size of the logs, read whole once by a fresh reader.
  const whole = new LogStreamer(ctx, jobs.chatty, {});
  await whole.poll();
  const size = whole.bytesFetched;
  assert.ok(size >= 10_000_000, `the job wrote ${size} bytes of logs`);
  const ratio = result.logBytesFetched / size;
  console.log(`# log streaming: ${result.logBytesFetched} bytes fetched for ${size} bytes of logs (${ratio.toFixed(4)} ×) in ${result.detailsReads} details reads`);
  assert.ok(ratio <= 1.05, `fetched ${ratio.toFixed(3)} × the log size`);
  assert.ok(result.detailsReads! > 2, 'the log was read while it grew, not once at the end');
});

test('polling: status reads per simulated job-hour ≤ 500 (measured on a one-hour job, time scaled 1000 ×)', { timeout: 60_000 }, async () => {
  const scale = 1000;
  // One simulated hour in Running (3.6 s real), with the default back-off (2 s doubling to 60 s, scaled).
  em.jobs.script(/^mlsteps-hour-/, { durations: { Running: 3_600_000 / scale }, logLines: ['start', 'end'] });
  const jobs = await submit(project('hour', { hour: command('hour') }));
  const result = await watchJob(context(), jobs.hour, { timeScale: scale });
  assert.equal(result.status, 'Completed');
  const simulatedHours = (result.durationMs * scale) / 3_600_000;
  const perHour = result.statusReads / simulatedHours;
  console.log(`# polling: ${result.statusReads} status reads in ${simulatedHours.toFixed(2)} simulated hours = ${perHour.toFixed(0)} per job-hour`);
  assert.ok(simulatedHours >= 1, `the job ran ${simulatedHours} simulated hours`);
  assert.ok(perHour <= 500, `${perHour} status reads per job-hour`);
});

test('a failed job: not a success; the job error and its last log lines', { timeout: 60_000 }, async () => {
  em.jobs.script(/^mlsteps-boom-/, { logLines: ['reading data', 'Traceback (most recent call last):', 'ZeroDivisionError: division by zero'], finalStatus: 'Failed', error: { code: 'UserError', message: 'Execution failed: division by zero' } });
  const jobs = await submit(project('boom', { boom: command('boom') }));
  const result = await watchJob(context(), jobs.boom, { pollMinMs: 50, pollMaxMs: 200 });
  assert.equal(result.status, 'Failed');
  assert.equal(result.succeeded, false);
  assert.match(result.error ?? '', /UserError: Execution failed: division by zero/);
  assert.deepEqual(result.lastLines.slice(-2), ['Traceback (most recent call last):', 'ZeroDivisionError: division by zero']);
  // Without streaming, the failure still carries the last lines.
  const quiet = await watchJob(context(), jobs.boom, { streamLogs: false, pollMinMs: 50 });
  assert.equal(quiet.status, 'Failed');
  assert.equal(quiet.lastLines.at(-1), 'ZeroDivisionError: division by zero');
});

test('a timeout cancels the job and reports TimedOut', { timeout: 60_000 }, async () => {
  em.jobs.script(/^mlsteps-slow-/, { durations: { Running: 60_000 } });
  const jobs = await submit(project('slow', { slow: command('slow') }));
  const result = await watchJob(context(), jobs.slow, { pollMinMs: 50, timeoutMs: 1500 });
  assert.equal(result.status, 'TimedOut');
  assert.equal(result.succeeded, false);
  assert.equal(result.jobStatus, 'Canceled');
  assert.match(result.error ?? '', /timed out after 1\.5 s; the job is Canceled/);
  const job = em.state.jobs.get(jobs.slow)!;
  assert.equal(job.cancelRequests, 1);
  assert.equal(job.status, 'Canceled');
});

test('an abort requests cancellation at once and returns in bounded time, also when the job sticks in CancelRequested', { timeout: 60_000 }, async () => {
  em.jobs.script(/^mlsteps-stuck-/, { durations: { Running: 60_000 }, stuckInCancelRequested: true });
  const jobs = await submit(project('stuck', { stuck: command('stuck') }));
  const job = em.state.jobs.get(jobs.stuck)!;
  const controller = new AbortController();
  const watching = watchJob(context(), jobs.stuck, { pollMinMs: 50, pollMaxMs: 5000, abortSignal: controller.signal, cancelWaitMs: 1000 });
  await until('Running', () => job.status === 'Running');
  await new Promise((r) => setTimeout(r, 300)); // into a long pause between reads
  const t0 = Date.now();
  controller.abort();
  await until('the cancel request', () => job.cancelRequests > 0, 5000);
  const cancelMs = Date.now() - t0;
  const result = await watching;
  const totalMs = Date.now() - t0;
  assert.ok(cancelMs <= 1000, `cancel requested after ${cancelMs} ms`);
  assert.ok(totalMs <= 2500, `returned after ${totalMs} ms`);
  assert.equal(result.status, 'CancelRequested');
  assert.equal(result.succeeded, false);
  // cancelJob alone is bounded too.
  const t1 = Date.now();
  assert.deepEqual(await cancelJob(context(), jobs.stuck, { waitMs: 500 }), { status: 'CancelRequested' });
  assert.ok(Date.now() - t1 < 2000);
});

const sweep = `name: tune
type: sweep
compute: cpu
sampling_algorithm: grid
search_space:
  C: {type: choice, values: [0.1, 1.0, 10.0]}
objective: {goal: maximize, primary_metric: auc}
limits: {max_total_trials: 3, max_concurrent_trials: 1}
trial:
  code: ../src
  command: python train.py --C \${{search_space.C}}
  environment: py
`;

test("a sweep's best trial: its parameters and the objective's metric", { timeout: 60_000 }, async () => {
  em.jobs.script(/^mlsteps-tune-/, {
    trials: [
      { params: { C: 0.1 }, metrics: { auc: 0.71 } },
      { params: { C: 1.0 }, metrics: { auc: 0.88 } },
      { params: { C: 10.0 }, metrics: { auc: 0.8 } },
    ],
  });
  const jobs = await submit(project('sweep', { tune: sweep }));
  const ctx = context();
  const result = await watchJob(ctx, jobs.tune, { pollMinMs: 50, pollMaxMs: 200 });
  assert.equal(result.status, 'Completed');
  const best = await bestTrial(ctx, jobs.tune);
  assert.ok(best, 'a best trial');
  assert.deepEqual(best.parameters, { C: 1 });
  assert.deepEqual(best.metric, { name: 'auc', value: 0.88 });
  assert.match(best.trial, new RegExp(`^${jobs.tune}_`));
});

// ---------------------------------------------------------------- the CLI, in a child process

interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
  exitedAt: number;
}

function cli(dir: string, extra: string[] = []): { child: ChildProcess; done: Promise<CliRun>; out: () => string } {
  const t = target();
  const args = ['--import', 'tsx', CLI, 'run', dir, '--backend', 'azureml', '--create-compute', '--subscription', t.subscriptionId, '--resource-group', t.resourceGroup, '--workspace', t.workspace, '--arm-endpoint', t.armEndpoint, '--arm-audience', t.armAudience!, '--authority-host', t.authorityHost!, ...extra];
  const child = spawn(process.execPath, args, { env: { ...process.env, ...em.env('secret'), NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const done = new Promise<CliRun>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, out, err, exitedAt: Date.now() })));
  return { child, done, out: () => out };
}

function assertNoSecrets(text: string): void {
  assert.doesNotMatch(text, /[?&]sig=(?!\*\*\*)/, 'no SAS signature');
  assert.equal(text.includes(em.ids.clientSecret), false, 'no client secret');
}

test("mlsteps run --backend azureml waits: logs by step, a sweep's best C bound into the next step once it completed, metrics in the summary, exit 0", { timeout: 90_000 }, async () => {
  em.jobs.script(/^mlsteps-prep-/, { logLines: ['prepared 1000 rows'], metrics: { rows: 1000 } });
  em.jobs.script(/^mlsteps-tune-/, { trials: [{ params: { C: 0.1 }, metrics: { auc: 0.7 } }, { params: { C: 1.0 }, metrics: { auc: 0.9 } }, { params: { C: 10.0 }, metrics: { auc: 0.8 } }], metrics: { auc: 0.9 } });
  em.jobs.script(/^mlsteps-final-/, { logLines: ['training with the best C'], metrics: { auc: 0.91 } });
  const dir = project('cli-ok', {
    prep: command('prep'),
    tune: sweep.replace('name: tune', 'name: tune\nneeds: [prep]'),
    final: `name: final\nneeds: [tune]\ncode: ../src\ncommand: python train.py --C \${{inputs.C}}\nenvironment: py\ncompute: cpu\ninputs:\n  C: \${{needs.tune.best.C}}\n`,
  });
  const run = await cli(dir).done;
  assert.equal(run.code, 0, `${run.out}\n${run.err}`);
  assert.match(run.out, /\[prep\] prepared 1000 rows/);
  assert.match(run.out, /\[final\] training with the best C/);
  assert.match(run.out, /step +job +status +duration +rows +auc +best trial/);
  assert.match(run.out, /final +mlsteps-final-\S+ +Completed .* 0\.9100/);
  assert.match(run.out, /C=1 \(auc=0\.9000\)/);
  assert.match(run.out, /✔ 3 of 3 steps completed/);
  const final = [...em.state.jobs.values()].find((j) => j.name.startsWith('mlsteps-final-'))!;
  assert.equal(JSON.stringify(final.submitted.inputs).includes('"1"') || JSON.stringify(final.submitted).includes('1'), true);
  assertNoSecrets(run.out + run.err);
});

test('mlsteps run --backend azureml: a failed job → exit 1 with its error and last lines', { timeout: 60_000 }, async () => {
  em.jobs.script(/^mlsteps-clifail-/, { logLines: ['loading', 'KeyError: target'], finalStatus: 'Failed', error: { code: 'UserError', message: 'Execution failed: KeyError' } });
  const run = await cli(project('cli-fail', { clifail: command('clifail') })).done;
  assert.equal(run.code, 1, `${run.out}\n${run.err}`);
  assert.match(run.out, /✗ clifail mlsteps-clifail-\S+ Failed: UserError: Execution failed: KeyError/);
  assert.match(run.out, /last \d+ lines? of its logs:\n(.*\n)*? {2}│ KeyError: target/);
  assertNoSecrets(run.out + run.err);
});

test('mlsteps run --backend azureml --timeout: the job is cancelled, exit 1', { timeout: 60_000 }, async () => {
  em.jobs.script(/^mlsteps-clislow-/, { durations: { Running: 120_000 } });
  const run = await cli(project('cli-slow', { clislow: command('clislow') }), ['--timeout', '0.05']).done;
  assert.equal(run.code, 1, `${run.out}\n${run.err}`);
  assert.match(run.out, /clislow mlsteps-clislow-\S+ TimedOut: timed out after [\d.]+ s; the job is Canceled/);
  const job = [...em.state.jobs.values()].find((j) => j.name.startsWith('mlsteps-clislow-'))!;
  assert.equal(job.status, 'Canceled');
});

for (const stuck of [false, true]) {
  test(`SIGINT during Running: cancel requested within 1 s, exit 130 within 7.5 s${stuck ? ' (the job sticks in CancelRequested)' : ''}`, { timeout: 60_000 }, async () => {
    const step = stuck ? 'sigstuck' : 'sigint';
    em.jobs.script(new RegExp(`^mlsteps-${step}-`), { durations: { Running: 120_000 }, logLines: ['working'], stuckInCancelRequested: stuck });
    const { child, done, out } = cli(project(`cli-${step}`, { [step]: command(step) }));
    let job: ReturnType<typeof em.state.jobs.get>;
    await until('the job running and watched', () => {
      job = [...em.state.jobs.values()].find((j) => j.name.startsWith(`mlsteps-${step}-`));
      return job?.status === 'Running' && out().includes('status: Running');
    }, 30_000);
    const t0 = Date.now();
    child.kill('SIGINT');
    await until('the cancel request', () => job!.cancelRequests > 0, 7500);
    const cancelMs = Date.now() - t0;
    const run = await done;
    const exitMs = run.exitedAt - t0;
    assert.ok(cancelMs <= 1000, `cancel requested ${cancelMs} ms after SIGINT`);
    assert.equal(run.code, 130, `${run.out}\n${run.err}`);
    assert.ok(exitMs <= 7500, `exited ${exitMs} ms after SIGINT`);
    assert.match(run.out, new RegExp(`■ ${step} mlsteps-${step}-\\S+: ${stuck ? 'CancelRequested' : 'Canceled'}`));
    assert.equal(job!.status, stuck ? 'CancelRequested' : 'Canceled');
  });
}

// ---------------------------------------------------------------- outputs and a sweep's trials

const withOutputs = (name: string) => `${command(name)}outputs:\n  model: {type: uri_folder}\n  metrics_file: {type: uri_file}\n  empty: {type: uri_folder}\n`;

test("downloading a completed job's named outputs: every blob under each output's path, the old folder emptied first, what is missing said per output", { timeout: 60_000 }, async () => {
  em.jobs.script(/^mlsteps-outs-/, { outputFiles: { model: { 'model.pkl': 'weights', 'sub/meta.json': '{"C":0.1}' }, metrics_file: { 'metrics.json': '{"auc":0.9}' } } });
  const jobs = await submit(project('outs', { outs: withOutputs('outs') }));
  await em.jobs.waitFor(jobs.outs);
  const dest = path.join(work, 'downloads');
  mkdirSync(path.join(dest, 'model'), { recursive: true });
  writeFileSync(path.join(dest, 'model', 'stale.txt'), 'from an earlier run');
  const progress: string[] = [];
  const got = await downloadJobOutputs(context(), jobs.outs, dest, { onProgress: (m) => progress.push(m) });
  const byName = Object.fromEntries(got.map((o) => [o.name, o]));
  assert.deepEqual(Object.keys(byName).sort(), ['empty', 'metrics_file', 'model']);
  assert.equal(byName.model.files, 2);
  assert.equal(byName.model.bytes, 'weights'.length + '{"C":0.1}'.length);
  assert.equal(byName.model.uri, `azureml://datastores/workspaceblobstore/paths/azureml/${jobs.outs}/model/`);
  assert.equal(readFileSync(path.join(dest, 'model', 'model.pkl'), 'utf8'), 'weights');
  assert.equal(readFileSync(path.join(dest, 'model', 'sub', 'meta.json'), 'utf8'), '{"C":0.1}');
  assert.equal(existsSync(path.join(dest, 'model', 'stale.txt')), false, 'the old folder is emptied first');
  assert.equal(readFileSync(path.join(dest, 'metrics_file', 'metrics.json'), 'utf8'), '{"auc":0.9}');
  assert.match(byName.empty.error ?? '', /nothing is stored there/);
  assert.ok(progress.some((m) => /downloaded output model: 2 files/.test(m)));
  // Only the outputs asked for.
  const only = await downloadJobOutputs(context(), jobs.outs, path.join(work, 'only'), { names: ['model'] });
  assert.deepEqual(only.map((o) => o.name), ['model']);
});

test('blob names that would land outside the download folder are refused', () => {
  const folder = path.join(work, 'dl');
  assert.equal(blobDestination(folder, 'azureml/j/model/', 'azureml/j/model/a/b.txt'), path.join(folder, 'a', 'b.txt'));
  assert.equal(blobDestination(folder, 'azureml/j/model/', 'azureml/j/model/../../escape.txt'), undefined);
  assert.equal(blobDestination(folder, 'azureml/j/model/', 'azureml/j/model/a/../../../x'), undefined);
  assert.equal(blobDestination(folder, 'azureml/j/model/', 'azureml/j/model//etc/passwd'), undefined);
  assert.equal(blobDestination(folder, 'azureml/j/model/', 'azureml/j/model/C:/x'), undefined);
  assert.equal(blobDestination(folder, 'azureml/j/model/', 'azureml/j/model/..\\..\\x'), undefined);
  assert.equal(blobDestination(folder, 'azureml/j/model/', 'azureml/j/model/'), undefined);
  assert.equal(blobDestination(folder, 'azureml/j/model/', 'elsewhere/x'), undefined);
  assert.equal(blobDestination(folder, 'azureml/j/out.csv', 'azureml/j/out.csv', true), path.join(folder, 'out.csv'));
  assert.deepEqual(parseDatastoreUri('azureml://datastores/workspaceblobstore/paths/azureml/j/model/'), { datastore: 'workspaceblobstore', path: 'azureml/j/model/' });
  assert.deepEqual(parseDatastoreUri('azureml://subscriptions/s/resourcegroups/rg/workspaces/ws/datastores/ds/paths/a%20b/c'), { datastore: 'ds', path: 'a b/c' });
  assert.equal(parseDatastoreUri('https://account.blob.core.windows.net/c/p'), undefined);
});

test("a sweep's trials, in the order they started, each with its parameters, final metrics, status and duration; its objective", { timeout: 60_000 }, async () => {
  em.jobs.script(/^mlsteps-tune-/, {
    trials: [
      { params: { C: 0.1 }, metrics: { auc: [0.6, 0.7] } },
      { params: { C: 1.0 }, metrics: { auc: 0.9 } },
      { params: { C: 10.0 }, status: 'Failed' },
    ],
  });
  const jobs = await submit(project('trials', { tune: sweep }));
  await em.jobs.waitFor(jobs.tune);
  const ctx = context();
  const trials = await sweepTrials(ctx, jobs.tune);
  assert.deepEqual(
    trials.map((t) => ({ status: t.status, C: t.parameters.C, auc: t.metrics.auc })),
    [
      { status: 'Completed', C: 0.1, auc: 0.7 },
      { status: 'Completed', C: 1, auc: 0.9 },
      { status: 'Failed', C: 10, auc: undefined },
    ],
  );
  for (const t of trials) {
    assert.match(t.name, new RegExp(`^${jobs.tune}`));
    assert.ok(t.durationMs !== undefined && t.durationMs >= 0);
  }
  assert.equal((await sweepTrials(ctx, jobs.tune, { limit: 2 })).length, 2, 'bounded by limit');
  assert.deepEqual(await sweepObjective(ctx, jobs.tune), { metric: 'auc', goal: 'maximize' });
});

test('mlsteps run --download-outputs: the outputs of each completed step in <dir>/<step>/<output>/; refused for local runs', { timeout: 90_000 }, async () => {
  em.jobs.script(/^mlsteps-clidl-/, { outputFiles: { model: { 'model.pkl': 'weights' } } });
  const dir = project('cli-dl', { clidl: `${command('clidl')}outputs:\n  model: {type: uri_folder}\n` });
  const dest = path.join(work, 'cli-downloads');
  const run = await cli(dir, ['--download-outputs', dest]).done;
  assert.equal(run.code, 0, `${run.out}\n${run.err}`);
  assert.equal(readFileSync(path.join(dest, 'clidl', 'model', 'model.pkl'), 'utf8'), 'weights');
  assert.match(run.out, /\[clidl\] output model: 1 file \(7 bytes\) →/);
  const local = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'run', dir, '--download-outputs', dest], { encoding: 'utf8' });
  assert.equal(local.status, 2);
  assert.match(local.stderr, /--download-outputs is for --backend azureml/);
});

test('mlsteps run --no-wait: Ctrl-C while the job PUT is in flight cancels the job it created, exit 130', { timeout: 60_000 }, async () => {
  const fault = em.faults.add({ method: 'PUT', url: /\/jobs\/mlsteps-nowaitint-/, kind: 'latency', latencyMs: 4000, times: 1 });
  try {
    const { child, done } = cli(project('cli-nowait-int', { nowaitint: command('nowaitint') }), ['--no-wait']);
    await until('the job PUT in flight', () => fault.hits > 0, 30_000);
    child.kill('SIGINT');
    const run = await done;
    assert.equal(run.code, 130, `${run.out}\n${run.err}`);
    assert.match(run.err, /cancelled while submitting/, `${run.out}\n${run.err}`);
    const job = [...em.state.jobs.values()].find((j) => j.name.startsWith('mlsteps-nowaitint-'));
    assert.ok(job, `the held PUT created the job\n${run.out}\n${run.err}`);
    assert.ok(job.cancelRequests > 0, `job ${job.name} is ${job.status} with no cancel request`);
  } finally {
    em.faults.clear();
  }
});
