// MLStepsRun@1 end to end, run as the agent runs it: `node dist/tasks/MLStepsRunV1/index.js` with
// INPUT_*, ENDPOINT_URL_/AUTH_/DATA_<service connection id>, SYSTEM_*, BUILD_*, AGENT_* and
// NODE_EXTRA_CA_CERTS, against the Azure ML emulator; logging commands read back from stdout.
// Plus the gate parser and evaluator, which are pure.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEmulator, type Emulator } from './emulator';
import type { LoggingCommand } from './helpers/logging-commands';
import type { ConnectionScheme } from './helpers/emulator-connection';
import { assertNoSecrets } from './helpers/secret-scan';
import { runStepTaskStreamed, stepTaskBox, type StepTaskBox } from './helpers/step-task';
import { stackTraceLines, type TaskRun } from './helpers/task-runner';
import { evaluateGate, GateSyntaxError, parseGate } from '../tasks/MLStepsRunV1/gate';

const STEP = 'data_preparation_subset';

let em: Emulator;
let root: string;
/** Every run's output and temp folder, for the secret scan at the end. */
const runs: { run: TaskRun; tempDir: string }[] = [];

before(async () => {
  em = await startEmulator({ computeProvisionMs: 20 });
  root = realpathSync.native(mkdtempSync(path.join(os.tmpdir(), 'mlsteps-task-run-')));
});

after(async () => {
  await em?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

type Box = StepTaskBox;

/** A sources directory with the credit-risk sample, an agent temp folder, and the agent's environment. */
const box = (name: string, scheme: ConnectionScheme, inputs: Record<string, string>, variables: Record<string, string> = {}): Box => stepTaskBox(em, root, name, scheme, inputs, variables);

/** Runs the bundle; `onLine` sees stdout line by line and may signal the process. Kept for the secret scan. */
async function run(b: Box, onLine?: (line: string, child: ChildProcess) => void): Promise<TaskRun> {
  const r = await runStepTaskStreamed(b, onLine ? { onLine } : {});
  runs.push({ run: r, tempDir: b.tempDir });
  return r;
}

const only = (r: TaskRun, command: string): LoggingCommand[] => r.commands.filter((c) => c.command === command);
const shown = (r: TaskRun) => r.stdout.split(/\r?\n/).filter((l) => !l.startsWith('##vso[task.debug]')).join('\n') + r.stderr;

function outputs(r: TaskRun): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of only(r, 'task.setvariable')) {
    assert.equal(c.properties.isOutput, 'true', `${c.line} is not an output variable`);
    assert.equal(c.properties.issecret, 'false');
    out[c.properties.variable] = c.message;
  }
  return out;
}

function attachment(r: TaskRun, tempDir: string): { steps: { step: string; jobName?: string; status: string; durationMs?: number; metrics?: Record<string, number>; selected?: boolean }[]; result: string; gate?: { passed: boolean } } {
  const a = only(r, 'task.addattachment');
  assert.equal(a.length, 1, shown(r));
  assert.equal(a[0].properties.type, 'mlsteps.results');
  assert.match(a[0].properties.name, /\.json$/);
  assert.ok(path.resolve(a[0].message).startsWith(tempDir + path.sep), a[0].message);
  return JSON.parse(readFileSync(a[0].message, 'utf8'));
}

function summary(r: TaskRun, tempDir: string): string {
  const s = only(r, 'task.uploadsummary');
  assert.equal(s.length, 1, shown(r));
  assert.ok(path.resolve(s[0].message).startsWith(tempDir + path.sep));
  return readFileSync(s[0].message, 'utf8');
}

const JOB = (build: string) => new RegExp(`^mlsteps-${STEP}-${build}-[0-9a-f]{8}$`);

test('wait: false with a service principal secret: Succeeded, jobName/studioUrl/status outputs, provenance tags, summary and attachment', async () => {
  const b = box('nowait', 'secret', { step: STEP, wait: 'false' });
  const r = await run(b);
  assert.equal(r.result?.result, 'Succeeded', shown(r));
  assert.equal(r.code, 0);
  const out = outputs(r);
  assert.match(out.jobName, JOB('nowait'));
  assert.match(out.studioUrl, new RegExp(`^https://ml\\.azure\\.com/runs/${out.jobName}\\?wsid=/subscriptions/${em.ids.subscriptionId}/resourceGroups/ml-rg/providers/Microsoft\\.MachineLearningServices/workspaces/ml-ws&tid=${em.ids.tenantId}$`));
  assert.equal(out.status, 'NotStarted');
  assert.match(r.result!.message, /submitted job mlsteps-data_preparation_subset-nowait-[0-9a-f]{8} \(NotStarted\); not waiting/);
  const job = em.jobs.get(out.jobName)!;
  assert.equal(job.tags['mlsteps.build.id'], 'nowait');
  assert.equal(job.tags['mlsteps.build.sourceVersion'], '0123456789abcdef0123456789abcdef01234567');
  assert.equal(job.tags['mlsteps.build.url'], 'https://dev.azure.com/contoso/ml/_build/results?buildId=nowait');
  const principals = new Set(em.requests.filter((q) => q.path.includes('/providers/Microsoft.MachineLearningServices/')).map((q) => q.principal));
  assert.deepEqual([...principals], ['secret']);
  const results = attachment(r, b.tempDir);
  assert.equal(results.result, 'Succeeded');
  assert.deepEqual(results.steps.map((s) => [s.step, s.jobName, s.status]), [[STEP, out.jobName, 'NotStarted']]);
  assert.match(summary(r, b.tempDir), new RegExp(`\\[${out.jobName}\\]\\(https://ml\\.azure\\.com/runs/`));
  assert.deepEqual(em.specErrors(), []);
  assert.equal(r.stderr, '');
});

test('a service principal with a certificate (PEM in the connection): submitted, signed in with the certificate', async () => {
  const before = em.requests.length;
  const r = await run(box('cert', 'certificate', { step: STEP, wait: 'false' }));
  assert.equal(r.result?.result, 'Succeeded', shown(r));
  assert.match(outputs(r).jobName, JOB('cert'));
  const principals = new Set(em.requests.slice(before).filter((q) => q.path.includes('/providers/Microsoft.MachineLearningServices/')).map((q) => q.principal));
  assert.deepEqual([...principals], ['certificate']);
});

test('wait: true with workload identity federation: logs in groups, progress, metrics.<name> outputs, a gate that passes, summary and attachment', async () => {
  em.jobs.script(new RegExp(`^mlsteps-${STEP}-wif-`), { logLines: ['reading subset.csv', 'wrote train.csv and test.csv', '##vso[task.setvariable variable=evil]x'], metrics: { auc: 0.91, accuracy: [0.7, 0.85], 'rows/kept': 1450 } });
  const before = em.requests.length;
  const b = box('wif', 'pipelines', { step: STEP, gate: 'auc >= 0.8 and accuracy > 0.7' });
  const r = await run(b);
  assert.equal(r.result?.result, 'Succeeded', shown(r));
  const out = outputs(r);
  assert.match(out.jobName, JOB('wif'));
  assert.equal(out.status, 'Completed');
  assert.equal(out['metrics.auc'], '0.91');
  assert.equal(out['metrics.accuracy'], '0.85');
  assert.equal(out['metrics.rows_kept'], '1450');
  assert.equal(out.evil, undefined, 'a log line set a variable');
  assert.match(r.stdout, /##_vso\[task\.setvariable variable=evil\]x/);
  assert.match(r.stdout, /##\[group\]data_preparation_subset: user_logs\/std_log\.txt\n(?:.*\n)*?reading subset\.csv\n(?:.*\n)*?##\[endgroup\]/);
  assert.equal(r.stdout.split('##[group]').length - 1, r.stdout.split('##[endgroup]').length - 1, 'every group is closed');
  const progress = only(r, 'task.setprogress').map((c) => Number(c.properties.value));
  assert.ok(progress.length >= 2 && progress.at(-1) === 100, `progress: ${progress}`);
  assert.match(r.result!.message, /gate passed: auc = 0\.91 \(>= 0\.8\), accuracy = 0\.85 \(> 0\.7\)/);
  const results = attachment(r, b.tempDir);
  assert.equal(results.steps[0].status, 'Completed');
  assert.deepEqual(results.steps[0].metrics, { auc: 0.91, accuracy: 0.85, 'rows/kept': 1450 });
  assert.ok((results.steps[0].durationMs ?? 0) > 0);
  assert.equal(results.gate?.passed, true);
  const md = summary(r, b.tempDir);
  assert.match(md, /\| auc \|/);
  assert.match(md, /0\.9100/);
  assert.match(md, /\*\*Gate\*\* `auc >= 0\.8 and accuracy > 0\.7`: passed/);
  const principals = new Set(em.requests.slice(before).filter((q) => q.path.includes('/providers/Microsoft.MachineLearningServices/')).map((q) => q.principal));
  assert.deepEqual([...principals], ['federated']);
  assert.deepEqual(em.specErrors(), []);
});

test('a re-run of the stage (System.JobAttempt 2) reuses the completed job instead of submitting anew', async () => {
  const b = box('wif', 'pipelines', { step: STEP }, { 'System.JobAttempt': '2' });
  const puts = em.count('Jobs_CreateOrUpdate');
  const r = await run(b);
  assert.equal(r.result?.result, 'Succeeded', shown(r));
  assert.equal(em.count('Jobs_CreateOrUpdate'), puts, 'no job PUT');
  assert.match(shown(r), /reusing completed job mlsteps-data_preparation_subset-wif-/);
  assert.equal(outputs(r)['metrics.auc'], '0.91');
});

test('reuseCompletedRuns: a later build reuses the completed job of the same fingerprint; without it, a new job', async () => {
  const puts = em.count('Jobs_CreateOrUpdate');
  const reused = await run(box('later', 'secret', { step: STEP, reuseCompletedRuns: 'true' }));
  assert.equal(reused.result?.result, 'Succeeded', shown(reused));
  assert.equal(em.count('Jobs_CreateOrUpdate'), puts, 'no job PUT');
  const out = outputs(reused);
  assert.match(out.jobName, JOB('wif'));
  assert.equal(out.status, 'Completed');
  assert.equal(out['metrics.auc'], '0.91');
  assert.match(shown(reused), /reusing completed job mlsteps-data_preparation_subset-wif-[0-9a-f]{8}: same fingerprint/);

  const fresh = await run(box('later2', 'secret', { step: STEP, wait: 'false', reuseCompletedRuns: 'false' }));
  assert.equal(fresh.result?.result, 'Succeeded', shown(fresh));
  assert.equal(em.count('Jobs_CreateOrUpdate'), puts + 1);
  assert.match(outputs(fresh).jobName, JOB('later2'));
});

test('a job that fails: Failed with its error, and its last log lines in the log', async () => {
  em.jobs.script(new RegExp(`^mlsteps-${STEP}-failing-`), { logLines: ['loading data', 'Traceback (most recent call last):', 'KeyError: \'income\''], finalStatus: 'Failed', error: { code: 'UserError', message: 'Execution failed: exit code 1' } });
  const b = box('failing', 'secret', { step: STEP });
  const r = await run(b);
  assert.equal(r.result?.result, 'Failed', shown(r));
  assert.match(r.result!.message, /data_preparation_subset: job mlsteps-data_preparation_subset-failing-[0-9a-f]{8} ended Failed: UserError: Execution failed: exit code 1/);
  assert.match(shown(r), /Last \d+ lines of data_preparation_subset .*\n(?:.*\n)*? {2}\| KeyError: 'income'/);
  assert.equal(outputs(r).status, 'Failed');
  assert.equal(attachment(r, b.tempDir).result, 'Failed');
  assert.deepEqual(stackTraceLines(shown(r)), []);
});

test('a gate that fails: Failed with the numbers; an unknown metric says which metrics there are', async () => {
  em.jobs.script(new RegExp(`^mlsteps-${STEP}-gated-`), { metrics: { auc: 0.62 } });
  const b = box('gated', 'secret', { step: STEP, gate: 'auc >= 0.8 and f1 > 0.5' });
  const r = await run(b);
  assert.equal(r.result?.result, 'Failed', shown(r));
  assert.match(r.result!.message, /gate failed: auc = 0\.62, not >= 0\.8; metric "f1" was not recorded by data_preparation_subset \(job mlsteps-data_preparation_subset-gated-[0-9a-f]{8}\) \(it recorded: auc\)/);
  assert.equal(outputs(r)['metrics.auc'], '0.62');
  assert.equal(attachment(r, b.tempDir).gate?.passed, false);
});

test('a submission that fails (a compute missing, createCompute off): Failed with one clear message, no stack trace', async () => {
  const b = box('nocompute', 'secret', { step: STEP, createCompute: 'false', wait: 'false' });
  em.state.computes.delete('small-aml-compute');
  const r = await run(b);
  assert.equal(r.result?.result, 'Failed', shown(r));
  assert.match(r.result!.message, /^mlsteps: data_preparation_subset was not submitted: .*small-aml-compute/);
  assert.doesNotMatch(r.result!.message, /\n/);
  assert.deepEqual(stackTraceLines(shown(r)), []);
  assert.deepEqual(only(r, 'task.issue').map((c) => c.message), [r.result!.message]);
});

test('bad inputs fail before anything is submitted: a gate that does not parse, step and profile both set, downloadOutputs without wait', async () => {
  const requests = em.requests.length;
  const bad = await run(box('badgate', 'secret', { step: STEP, gate: 'auc >= high' }));
  assert.equal(bad.result?.result, 'Failed', shown(bad));
  assert.match(bad.result!.message, /The "gate" input: gate "auc >= high": "auc >= high" is not a condition/);
  const both = await run(box('both', 'secret', { step: STEP, profile: 'pr' }));
  assert.equal(both.result?.result, 'Failed');
  assert.match(both.result!.message, /Set either the "step" input or the "profile" input, not both/);
  const noWait = await run(box('dlnowait', 'secret', { step: STEP, wait: 'false', downloadOutputs: 'out' }));
  assert.equal(noWait.result?.result, 'Failed');
  assert.match(noWait.result!.message, /The "downloadOutputs" input needs "wait"/);
  assert.equal(em.requests.slice(requests).filter((q) => q.path.includes('/providers/')).length, 0);
});

test('SIGINT while the job runs: cancellation requested within 1 s, the task reports the state and exits within 7.5 s', async () => {
  em.jobs.script(new RegExp(`^mlsteps-${STEP}-sigint-`), { durations: { Running: 60_000 }, logLines: ['epoch 1'] });
  const b = box('sigint', 'secret', { step: STEP });
  let signalledAt = 0;
  let jobName = '';
  const r = await run(b, (line, child) => {
    const m = /Watching data_preparation_subset: job (\S+)/.exec(line);
    if (m) jobName = m[1];
    if (!signalledAt && /^data_preparation_subset: Running$/.test(line)) {
      signalledAt = Date.now();
      child.kill('SIGINT');
    }
  });
  const exitedAt = Date.now();
  assert.ok(signalledAt > 0, `the job never ran:\n${shown(r)}`);
  assert.ok(exitedAt - signalledAt < 7500, `exited ${exitedAt - signalledAt} ms after SIGINT`);
  const job = em.jobs.get(jobName)!;
  assert.equal(job.cancelRequests, 1);
  const cancelAt = em.requests.find((q) => q.operationId === 'Jobs_Cancel' && q.path.includes(jobName));
  assert.ok(cancelAt && Date.parse(cancelAt.time) - signalledAt < 1000, 'cancel requested within 1 s');
  assert.equal(r.result?.result, 'Cancelled', shown(r));
  assert.match(r.result!.message, /cancelled; the job is (Canceled|CancelRequested)/);
});

test('re-runs of the stage: attached to the job while it still runs (no second job), submitted anew after it was cancelled', async () => {
  em.jobs.script(new RegExp(`^mlsteps-${STEP}-rerun-`), { durations: { Running: 60_000 }, logLines: ['epoch 1'] });
  const first = await run(box('rerun', 'secret', { step: STEP, wait: 'false' }));
  assert.equal(first.result?.result, 'Succeeded', shown(first));
  const jobName = outputs(first).jobName;
  await em.jobs.waitFor(jobName, ['Running']);
  const puts = em.count('Jobs_CreateOrUpdate');
  // Attempt 2 (the agent was lost, say) watches the same job; the pipeline is cancelled meanwhile.
  const second = await run(box('rerun', 'secret', { step: STEP }, { 'System.JobAttempt': '2' }), (line, child) => {
    if (/^data_preparation_subset: Running$/.test(line)) child.kill('SIGINT');
  });
  assert.equal(em.count('Jobs_CreateOrUpdate'), puts, 'no second job while the first runs');
  assert.equal(outputs(second).jobName, jobName);
  assert.match(shown(second), /attach/i);
  assert.equal(second.result?.result, 'Cancelled', shown(second));
  assert.equal(em.jobs.get(jobName)?.status, 'Canceled');
  // Attempt 3: the job was cancelled, so the step is submitted anew under the next name.
  em.jobs.script(`${jobName}-r2`, { durations: { Running: 300 }, metrics: { auc: 0.9 } });
  const third = await run(box('rerun', 'secret', { step: STEP }, { 'System.JobAttempt': '3' }));
  assert.equal(third.result?.result, 'Succeeded', shown(third));
  assert.equal(outputs(third).jobName, `${jobName}-r2`);
  assert.equal(em.count('Jobs_CreateOrUpdate'), puts + 1);
  const attachments = [second, third].map((r) => r.commands.find((c) => c.command === 'task.addattachment')!.properties.name);
  assert.deepEqual(attachments, ['job-rerun.2.json', 'job-rerun.3.json'], 'one results attachment per attempt');
});

test('a sweep stage reports its best trial; the next stage of the build gets the best parameters, the sweep reused', async () => {
  em.jobs.script(/^mlsteps-sklearn_subset-sweep-/, {
    trials: [
      { params: { C: 0.01, penalty: 'l2' }, metrics: { auc: 0.71 } },
      { params: { C: 1.0, penalty: 'l1' }, metrics: { auc: 0.88 } },
      { params: { C: 0.1, penalty: 'l2' }, metrics: { auc: 0.8 } },
    ],
    metrics: { auc: 0.88 },
  });
  const tune = await run(box('sweep', 'secret', { step: 'sklearn_subset' }, { 'System.StageName': 'tune' }));
  assert.equal(tune.result?.result, 'Succeeded', shown(tune));
  const tuneBox = path.join(root, 'sweep', '_temp');
  const results = attachment(tune, tuneBox) as unknown as { steps: { step: string; selected: boolean; bestTrial?: { trial: string; parameters: Record<string, unknown>; metric?: { name: string; value: number } } }[] };
  assert.deepEqual(results.steps.map((s) => [s.step, s.selected]), [['data_preparation_subset', false], ['sklearn_subset', true]]);
  const best = results.steps[1].bestTrial!;
  assert.equal(Number(best.parameters.C), 1);
  assert.equal(best.parameters.penalty, 'l1');
  assert.deepEqual(best.metric, { name: 'auc', value: 0.88 });
  assert.match(summary(tune, tuneBox), /\*\*Best trial of sklearn_subset\*\*: .*auc = 0\.8800/);

  const train = await run(box('sweep', 'secret', { step: 'sklearn_full' }, { 'System.StageName': 'train' }));
  assert.equal(train.result?.result, 'Succeeded', shown(train));
  assert.match(shown(train), /\[sklearn_subset\] reusing completed job mlsteps-sklearn_subset-sweep-/);
  const job = em.jobs.get(outputs(train).jobName)!;
  const inputs = (job.submitted.inputs ?? {}) as Record<string, { value?: string }>;
  assert.equal(Number(inputs.C?.value), 1);
  assert.equal(inputs.penalty?.value, 'l1');
});

test('SIGINT with the job stuck in CancelRequested: the task still exits within 7.5 s and says where the job is', async () => {
  em.jobs.script(new RegExp(`^mlsteps-${STEP}-stuck-`), { durations: { Running: 60_000 }, stuckInCancelRequested: true });
  const b = box('stuck', 'secret', { step: STEP });
  let signalledAt = 0;
  const r = await run(b, (line, child) => {
    if (!signalledAt && /^data_preparation_subset: Running$/.test(line)) {
      signalledAt = Date.now();
      child.kill('SIGINT');
    }
  });
  assert.ok(signalledAt > 0, `the job never ran:\n${shown(r)}`);
  assert.ok(Date.now() - signalledAt < 7500, `exited ${Date.now() - signalledAt} ms after SIGINT`);
  assert.equal(r.result?.result, 'Cancelled', shown(r));
  assert.match(r.result!.message, /the job is CancelRequested/);
});

test('SIGINT while submitting: Cancelled at once, nothing left running', async () => {
  const fault = em.faults.add({ method: 'PUT', url: /\/jobs\/mlsteps-data_preparation_subset-insubmit-/, kind: 'latency', latencyMs: 4000, times: 1 });
  const b = box('insubmit', 'secret', { step: STEP });
  let signalledAt = 0;
  try {
    const r = await run(b, (line, child) => {
      if (!signalledAt && /^Submitting 1 step/.test(line)) {
        signalledAt = Date.now();
        setTimeout(() => child.kill('SIGINT'), 1000);
      }
    });
    assert.ok(Date.now() - signalledAt < 1000 + 7500);
    assert.equal(r.result?.result, 'Cancelled', shown(r));
    assert.match(r.result!.message, /cancelled/);
    assert.equal(fault.hits, 1, 'the signal came while the job PUT was in flight');
    // The held PUT creates the job after the signal: it must be cancelled all the same, not left running.
    const deadline = Date.now() + 8000;
    let job: ReturnType<typeof em.jobs.get>;
    while (!(job = [...em.state.jobs.values()].find((j) => j.name.includes('-insubmit-'))) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
    assert.ok(job, 'the job the held PUT created');
    assert.ok(job.cancelRequests > 0 || ['Canceled', 'Failed'].includes(job.status), `job ${job.name} is ${job.status} with ${job.cancelRequests} cancel requests`);
  } finally {
    em.faults.clear();
  }
});

test('timeoutMinutes: the job is cancelled and the task fails with TimedOut', async () => {
  em.jobs.script(new RegExp(`^mlsteps-${STEP}-slow-`), { durations: { Running: 60_000 } });
  const b = box('slow', 'secret', { step: STEP, timeoutMinutes: '0.05' });
  const r = await run(b);
  assert.equal(r.result?.result, 'Failed', shown(r));
  assert.match(r.result!.message, /job mlsteps-data_preparation_subset-slow-[0-9a-f]{8} timed out after 3 s; the job is Canceled/);
  assert.equal(outputs(r).status, 'TimedOut');
  assert.equal(em.jobs.get(outputs(r).jobName)?.status, 'Canceled');
  assert.equal(attachment(r, b.tempDir).steps[0].status, 'TimedOut');
});

test('no secret in any output or file: client secret, System.AccessToken, OIDC and access tokens, SAS signatures', () => {
  assert.ok(runs.length >= 8);
  const masked = assertNoSecrets(em, runs.map(({ run: r, tempDir }) => ({ run: r, folders: [tempDir] })));
  assert.ok(masked > 0, 'the secrets were registered with task.setsecret');
});

test('gate: parses METRIC OP NUMBER joined by "and"', () => {
  assert.deepEqual(parseGate(''), []);
  assert.deepEqual(parseGate('  '), []);
  assert.deepEqual(
    parseGate('auc >= 0.8 AND accuracy>0.7 and loss<=1e-2 and val/f1 < .5 and epochs == 10 and rmse != -1.5'),
    [
      { metric: 'auc', op: '>=', value: 0.8, text: 'auc >= 0.8' },
      { metric: 'accuracy', op: '>', value: 0.7, text: 'accuracy > 0.7' },
      { metric: 'loss', op: '<=', value: 0.01, text: 'loss <= 1e-2' },
      { metric: 'val/f1', op: '<', value: 0.5, text: 'val/f1 < .5' },
      { metric: 'epochs', op: '==', value: 10, text: 'epochs == 10' },
      { metric: 'rmse', op: '!=', value: -1.5, text: 'rmse != -1.5' },
    ],
  );
});

test('gate: what does not parse says why', () => {
  for (const [gate, why] of [
    ['auc >= high', /"auc >= high" is not a condition/],
    ['auc => 0.8', /is not a condition/],
    ['auc >= 0.8 or f1 > 0.5', /only "and" joins conditions/],
    ['auc >= 0.8 && f1 > 0.5', /only "and" joins conditions/],
    ['auc >= 0.8 and', /is not a condition|is empty/],
    ['0.8 <= auc', /is not a condition/],
    ['auc', /is not a condition/],
  ] as const) {
    assert.throws(() => parseGate(gate), (e: Error) => e instanceof GateSyntaxError && why.test(e.message) && /e\.g\. auc >= 0\.8/.test(e.message), gate);
  }
});

test('gate: evaluation, every operator, boundaries, unknown metrics', () => {
  const m = { auc: 0.8, loss: 0.2 };
  const ok = (g: string) => evaluateGate(parseGate(g), m).passed;
  assert.ok(ok('auc >= 0.8'));
  assert.ok(!ok('auc > 0.8'));
  assert.ok(ok('loss <= 0.2'));
  assert.ok(!ok('loss < 0.2'));
  assert.ok(ok('auc == 0.8'));
  assert.ok(ok('auc != 0.7'));
  assert.ok(!ok('auc >= 0.8 and loss < 0.1'));
  const failed = evaluateGate(parseGate('auc > 0.9 and f1 > 0.5'), m, 'train');
  assert.equal(failed.passed, false);
  assert.equal(failed.message, 'gate failed: auc = 0.8, not > 0.9; metric "f1" was not recorded by train (it recorded: auc, loss)');
  assert.deepEqual(failed.checks.map((c) => [c.metric, c.actual, c.passed]), [['auc', 0.8, false], ['f1', undefined, false]]);
  assert.match(evaluateGate(parseGate('x > 1'), {}, 'train').message, /it recorded no metrics/);
  // A metric named like an Object.prototype member is still unknown.
  assert.equal(evaluateGate(parseGate('constructor > 0'), {}).passed, false);
});
