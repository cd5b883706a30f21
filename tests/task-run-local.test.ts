// MLStepsRun@1 with steps on compute `local`: they run on the agent itself (no service connection
// needed), the bundle run as the agent runs it; output variables, gate, downloaded outputs, summary
// and attachment as for Azure ML steps; a failing step fails the task; mixing local and Azure ML
// steps in one task is refused before anything runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, realpathSync } from 'node:fs';
import * as path from 'node:path';
import { localProject } from './helpers/local';
import { agentEnv, runTaskBundle, stackTraceLines, type TaskRun } from './helpers/task-runner';
import type { RunResults } from '../tasks/MLStepsRunV1/results';

const project = () =>
  localProject({
    'src/prep.sh': 'mkdir -p "$1"; printf "a,b\\n1,2\\n" > "$1/data.csv"; echo "prepared"\n',
    'src/train.sh': 'echo "training on $1 with C=$3"; mkdir -p outputs "$2"; echo model > "$2/model.txt"; printf \'{"auc": 0.83, "accuracy": 0.9}\' > outputs/metrics.json\n',
    'src/fail.sh': 'echo "loading"; echo "the data is bad" >&2; exit 3\n',
    'runconfigs/prep.yml': 'code: ../src\ncommand: sh prep.sh ${{outputs.data}}\ncompute: local\noutputs:\n  data: {type: uri_folder}\n',
    'runconfigs/train.yml': 'code: ../src\nneeds: [prep]\ncommand: sh train.sh ${{inputs.data}} ${{outputs.model}} ${{inputs.C}}\ncompute: local\ninputs:\n  data: ${{needs.prep.outputs.data}}\n  C: 0.5\noutputs:\n  model: {type: uri_folder}\n',
    'runconfigs/broken.yml': 'code: ../src\ncommand: sh fail.sh\ncompute: local\n',
    'src/tune.sh': 'mkdir -p outputs; printf "{\\"auc\\": %s}" "$1" > outputs/metrics.json\n',
    'runconfigs/tune.yml': 'type: sweep\nsampling_algorithm: grid\nsearch_space:\n  C: {type: choice, values: [0.6, 0.9, 0.7]}\nobjective: {goal: maximize, primary_metric: auc}\nlimits: {max_total_trials: 3}\ncompute: local\ntrial:\n  code: ../src\n  command: sh tune.sh ${{search_space.C}}\n',
    'runconfigs/solo.yml': 'code: ../src\ncommand: sh train.sh x y 1\ncompute: azureml:cpu-cluster\n',
    'runconfigs/remote.yml': 'code: ../src\nneeds: [prep]\ncommand: sh train.sh x y 1\ncompute: azureml:cpu-cluster\n',
  });

function run(dir: string, inputs: Record<string, string>): Promise<TaskRun> {
  const tempDir = path.join(dir, '_temp');
  mkdirSync(tempDir, { recursive: true });
  const env = agentEnv({ sourcesDir: dir, tempDir, inputs: { project: '.', wait: 'true', streamLogs: 'true', timeoutMinutes: '0', ...inputs }, variables: { 'System.JobId': 'job-local', 'System.JobAttempt': '1', 'System.StageName': 'train' } });
  return runTaskBundle('MLStepsRunV1', env, dir, { timeoutMs: 60_000 });
}

const outputsOf = (r: TaskRun) => Object.fromEntries(r.commands.filter((c) => c.command === 'task.setvariable' && c.properties.isOutput === 'true').map((c) => [c.properties.variable, c.message]));
const attachmentOf = (r: TaskRun) => JSON.parse(readFileSync(r.commands.find((c) => c.command === 'task.addattachment')!.message, 'utf8')) as RunResults;

test('steps on compute local run on the agent without a service connection: outputs, gate, downloaded outputs, summary, attachment', async () => {
  const p = project();
  try {
    const dir = realpathSync.native(p.dir);
    const r = await run(dir, { step: 'train', gate: 'auc >= 0.8', downloadOutputs: 'staging' });
    assert.equal(r.result?.result, 'Succeeded', r.stdout + r.stderr);
    assert.deepEqual(stackTraceLines(r.stdout + r.stderr), []);
    assert.match(r.stdout, /Running 2 steps of \. on this agent \(compute "local"\)/);
    assert.match(r.stdout, /\[train\] training on .* with C=0\.5/);
    const out = outputsOf(r);
    assert.equal(out.status, 'Completed');
    assert.equal(out['metrics.auc'], '0.83');
    assert.equal(out['metrics.accuracy'], '0.9');
    assert.match(r.result!.message, /train completed on this agent; gate passed/);
    assert.equal(readFileSync(path.join(dir, 'staging', 'train', 'model', 'model.txt'), 'utf8').trim(), 'model');
    const results = attachmentOf(r);
    assert.deepEqual(results.steps.map((s) => [s.step, s.status, s.compute, s.selected]), [['prep', 'Completed', 'local', false], ['train', 'Completed', 'local', true]]);
    assert.deepEqual(results.gate?.checks.map((c) => [c.metric, c.passed]), [['auc', true]]);
    assert.deepEqual(results.steps[1].outputs, [{ name: 'model', path: 'train/model' }]);
    const summary = readFileSync(r.commands.find((c) => c.command === 'task.uploadsummary')!.message, 'utf8');
    assert.match(summary, /\| train \| — \| Completed \|/);
    assert.ok(r.commands.some((c) => c.command === 'task.setprogress' && c.properties.value === '100'));
    assert.deepEqual(r.commands.filter((c) => c.command === 'build.addbuildtag').map((c) => c.message), ['mlsteps']);
  } finally {
    p.cleanup();
  }
});

test('a local sweep: every trial and the best in the attachment, metrics.auc the best trial\'s', async () => {
  const p = project();
  try {
    const r = await run(realpathSync.native(p.dir), { step: 'tune', gate: 'auc >= 0.85' });
    assert.equal(r.result?.result, 'Succeeded', r.stdout + r.stderr);
    assert.equal(outputsOf(r)['metrics.auc'], '0.9');
    const tune = attachmentOf(r).steps.find((s) => s.step === 'tune')!;
    assert.deepEqual(tune.objective, { metric: 'auc', goal: 'maximize' });
    assert.deepEqual(tune.trials?.map((t) => [t.parameters.C, t.metrics.auc, t.status]), [[0.6, 0.6, 'Completed'], [0.9, 0.9, 'Completed'], [0.7, 0.7, 'Completed']]);
    assert.deepEqual(tune.bestTrial && { C: tune.bestTrial.parameters.C, metric: tune.bestTrial.metric }, { C: 0.9, metric: { name: 'auc', value: 0.9 } });
  } finally {
    p.cleanup();
  }
});

test('a local step that fails fails the task with its last lines; a gate that fails says the numbers', async () => {
  const p = project();
  try {
    const dir = realpathSync.native(p.dir);
    const broken = await run(dir, { step: 'broken' });
    assert.equal(broken.result?.result, 'Failed');
    assert.match(broken.result!.message, /broken failed/);
    assert.match(broken.stdout, /Last \d+ lines? of broken:[\s\S]*the data is bad/);
    assert.equal(outputsOf(broken).status, 'Failed');
    const gated = await run(dir, { step: 'train', gate: 'auc >= 0.9' });
    assert.equal(gated.result?.result, 'Failed');
    assert.match(gated.result!.message, /auc.*0\.83.*0\.9|0\.9.*0\.83/);
  } finally {
    p.cleanup();
  }
});

test('local and Azure ML steps in one task: refused before anything runs; Azure ML steps without a service connection: refused', async () => {
  const p = project();
  try {
    const dir = realpathSync.native(p.dir);
    const mixed = await run(dir, { step: 'remote' });
    assert.equal(mixed.result?.result, 'Failed');
    assert.match(mixed.result!.message, /prep runs on compute "local" \(this agent\) and remote on Azure ML/);
    assert.doesNotMatch(mixed.stdout, /prepared/);
    const solo = await run(dir, { step: 'solo' });
    assert.equal(solo.result?.result, 'Failed');
    assert.match(solo.result!.message, /Set the "azureSubscription" input to an Azure Resource Manager service connection: the steps run on Azure ML/);
  } finally {
    p.cleanup();
  }
});
