// src/backends/azureml against the emulator (tests/emulator, DESIGN §6): every step of
// samples/credit-risk submitted with zero spec errors; unchanged re-runs do no work; one changed
// file re-uploads one snapshot; ten concurrent submissions share one environment version and one
// code version; injected 429s, 5xx bursts and resets leave exactly one job per step; a
// non-transient error is one clear message. Each submission runs in a child process, as a pipeline
// stage would, with the emulator's CA trusted through NODE_EXTRA_CA_CERTS (tests/helpers/azureml-child.ts).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { armPut as armPutTo } from './helpers/emulator-arm';
import { startEmulator, type Emulator } from './emulator';
import type { ChildJob } from './helpers/azureml-child';
import { projectRoot } from './helpers/fixtures';

const CHILD = path.join(__dirname, 'helpers', 'azureml-child.ts');
const FAST_RETRY = { maxRetries: 6, retryDelayInMs: 20, maxRetryDelayInMs: 200 };

let em: Emulator;
let work: string;

before(async () => {
  em = await startEmulator({ computeProvisionMs: 50 });
  work = mkdtempSync(path.join(tmpdir(), 'mlsteps-aml-submit-'));
});

after(async () => {
  await em?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** A copy of the sample project (tests change files in it). */
function sampleCopy(name: string): string {
  const dir = path.join(work, name);
  cpSync(path.join(projectRoot, 'samples', 'credit-risk'), dir, { recursive: true });
  return dir;
}

function target() {
  return { subscriptionId: em.ids.subscriptionId, resourceGroup: em.ids.resourceGroup, workspace: em.ids.workspace, armEndpoint: em.armEndpoint, armAudience: em.armAudience, authorityHost: em.authorityHost };
}

const secretAuth = () => ({ scheme: 'servicePrincipalSecret' as const, tenantId: em.ids.tenantId, clientId: em.ids.clientId, clientSecret: em.ids.clientSecret });

interface ChildStep {
  step: string;
  outcome: 'ok' | 'skipped' | 'failed';
  action?: string;
  jobName?: string;
  studioUrl?: string;
  status?: string;
  reason?: string;
  hint?: string;
  warnings: string[];
  error?: { message: string; hint?: string; code?: string };
}
interface ChildOutput {
  result?: { steps: ChildStep[]; stats: Record<string, number>; tenantId?: string; code?: number; out?: string; err?: string };
  error?: { message: string; hint?: string; code?: string; describe?: string };
  progress?: string[];
}

/** Runs one submission in a child process and returns what it printed. */
function child(job: Partial<ChildJob> & { project: string }, env: Record<string, string> = {}): Promise<ChildOutput> {
  const full: ChildJob = { mode: 'submit', target: target(), auth: secretAuth(), credentialOptions: { authorityHost: em.authorityHost }, ...job, options: { retry: FAST_RETRY, pollIntervalMs: 50, createCompute: true, ...job.options } };
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', CHILD], {
      env: { ...process.env, ...em.env('secret'), ...env, MLSTEPS_CHILD: JSON.stringify(full) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', reject);
    p.on('close', () => {
      const line = out.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line) as ChildOutput);
      } catch {
        reject(new Error(`child printed no result:\n${out}\n${err}`));
      }
    });
  });
}

function steps(out: ChildOutput): Record<string, ChildStep> {
  assert.ok(out.result, `submission failed: ${JSON.stringify(out.error)}\n${(out.progress ?? []).join('\n')}`);
  return Object.fromEntries(out.result.steps.map((s) => [s.step, s]));
}

function assertNoSpecErrors(): void {
  const bad = em.specErrors();
  assert.deepEqual(
    bad.map((r) => ({ method: r.method, path: r.path, apiVersion: r.apiVersion, errors: r.specErrors })),
    [],
    'every request conforms to the official REST spec',
  );
}

const armPut = (relative: string, apiVersion: string, body: unknown) => armPutTo(em, relative, apiVersion, body);

const jobsOfBuild = (build: string) => [...em.state.jobs.values()].filter((j) => !j.parent && j.tags['mlsteps.build.id'] === build);

test('every step of samples/credit-risk is submitted, and every request passes the spec', async () => {
  const project = sampleCopy('all-steps');
  // The sweep's trials: the best (auc 0.91) has C=0.1, penalty=l2.
  em.jobs.script(/^mlsteps-sklearn_subset-/, {
    trials: [
      { params: { C: 0.01, penalty: 'l1' }, metrics: { auc: 0.71 } },
      { params: { C: 0.1, penalty: 'l2' }, metrics: { auc: 0.91 } },
      { params: { C: 1, penalty: 'l1' }, metrics: { auc: 0.85 } },
    ],
    durations: { Running: 300 },
  });
  const buildEnv = { BUILD_BUILDID: '101', BUILD_SOURCEVERSION: 'c0ffee', BUILD_REPOSITORY_NAME: 'credit', BUILD_SOURCEBRANCH: 'refs/heads/main', SYSTEM_TEAMFOUNDATIONCOLLECTIONURI: 'https://dev.azure.com/org/', SYSTEM_TEAMPROJECT: 'ML' };
  const first = steps(await child({ project }, buildEnv));
  for (const name of ['data_preparation', 'data_preparation_subset', 'data_profiling', 'data_validation', 'sklearn_subset', 'fullmodel_step']) {
    assert.equal(first[name].outcome, 'ok', `${name}: ${first[name].reason}`);
    assert.equal(first[name].action, 'submitted');
    assert.match(first[name].jobName!, new RegExp(`^mlsteps-${name}-101-[0-9a-f]{8}$`));
    assert.match(first[name].studioUrl!, new RegExp(`^https://ml\\.azure\\.com/runs/${first[name].jobName}\\?wsid=/subscriptions/${em.ids.subscriptionId}/resourceGroups/ml-rg/providers/Microsoft\\.MachineLearningServices/workspaces/ml-ws&tid=${em.ids.tenantId}$`));
  }
  // The full model needs the sweep's best C: not known while the sweep runs.
  assert.equal(first.sklearn_full.outcome, 'skipped');
  assert.match(first.sklearn_full.reason!, /needs the best C of sweep step sklearn_subset, whose job mlsteps-sklearn_subset-101-\w+ is \w+; the best trial is known only once the sweep has completed/);

  // Provenance tags and references as DESIGN §5.3 says.
  const prep = em.jobs.get(first.data_preparation_subset.jobName!)!;
  assert.equal(prep.tags['mlsteps.runconfig'], 'data_preparation_subset');
  assert.equal(prep.tags['mlsteps.build.sourceVersion'], 'c0ffee');
  assert.equal(prep.tags['mlsteps.build.url'], 'https://dev.azure.com/org/ML/_build/results?buildId=101');
  assert.equal(prep.tags.team, 'credit');
  const profiling = em.jobs.get(first.data_profiling.jobName!)!;
  const prepared = (profiling.resource.properties.inputs as Record<string, { uri: string }>).prepared;
  assert.equal(prepared.uri, `azureml://jobs/${first.data_preparation.jobName}/outputs/prepared`);

  // Once the sweep has completed, the same build submits the full model with its best parameters.
  await em.jobs.waitFor(first.sklearn_subset.jobName!, ['Completed'], 30_000);
  const second = steps(await child({ project }, buildEnv));
  assert.equal(second.sklearn_subset.action, 'reused');
  assert.equal(second.sklearn_full.outcome, 'ok', second.sklearn_full.reason);
  assert.equal(second.sklearn_full.action, 'submitted');
  for (const name of ['data_preparation', 'data_preparation_subset', 'data_profiling', 'data_validation', 'fullmodel_step']) {
    assert.ok(['attached', 'reused'].includes(second[name].action!), `${name}: ${second[name].action}`);
    assert.equal(second[name].jobName, first[name].jobName);
  }
  const full = em.jobs.get(second.sklearn_full.jobName!)!;
  const inputs = full.resource.properties.inputs as Record<string, { jobInputType: string; value?: string; uri?: string }>;
  assert.deepEqual(inputs.C, { jobInputType: 'literal', value: '0.1' });
  assert.deepEqual(inputs.penalty, { jobInputType: 'literal', value: 'l2' });
  assert.equal(inputs.train.uri, 'azureml://datastores/workspaceblobstore/paths/credit/full/');
  assert.equal(jobsOfBuild('101').length, 7, 'one job per step');
  assertNoSpecErrors();
});

test('an unchanged re-run registers nothing and uploads nothing; one changed file re-uploads that snapshot only', async () => {
  const project = sampleCopy('rerun');
  const only = { steps: ['data_preparation_subset', 'fullmodel_step'] };
  const envPuts = () => em.count('EnvironmentVersions_CreateOrUpdate');
  const codePuts = () => em.count('CodeVersions_CreateOrUpdate');
  // The project's code and environments may be registered by the previous test: register them now.
  const warm = await child({ project, ...only, options: { buildId: 'r1' } });
  steps(warm);
  const [env0, code0] = [envPuts(), codePuts()];

  // A new build of unchanged steps: new jobs, and nothing else.
  const again = await child({ project, ...only, options: { buildId: 'r2' } });
  const s = steps(again);
  assert.equal(s.data_preparation_subset.action, 'submitted');
  assert.equal(s.fullmodel_step.action, 'submitted');
  assert.equal(envPuts(), env0, 'no environment PUT');
  assert.equal(codePuts(), code0, 'no code version registered');
  assert.equal(again.result!.stats.uploadedBytes, 0, 'no byte uploaded');
  assert.equal(again.result!.stats.environmentsRegistered, 0);
  assert.equal(again.result!.stats.codeVersionsRegistered, 0);

  // One changed file: its snapshot is uploaded and registered once; the environments stay.
  appendFileSync(path.join(project, 'src', 'common.py'), '\n# changed\n');
  const changed = await child({ project, ...only, options: { buildId: 'r3' } });
  steps(changed);
  assert.equal(envPuts(), env0, 'no environment PUT');
  assert.equal(codePuts(), code0 + 1, 'one new code version');
  assert.equal(changed.result!.stats.codeVersionsRegistered, 1);
  assert.equal(changed.result!.stats.uploadedFiles, 7, 'the snapshot of src/ (7 files), once for both steps');
  assert.ok(changed.result!.stats.uploadedBytes > 0);
  assertNoSpecErrors();
});

test('ten concurrent submissions sharing an environment and a code folder all succeed with one of each', async () => {
  const project = sampleCopy('concurrent');
  // New content, so none of it is registered yet: a changed conda file and a changed code file.
  appendFileSync(path.join(project, 'environments', 'conda_dependencies_data_preparation.yml'), '\n# concurrent\n');
  writeFileSync(path.join(project, 'src', 'concurrent.py'), 'print("ten at once")\n');
  const envsBefore = em.state.environments.get('data-prep')?.versions.size ?? 0;
  const codesBefore = em.state.codeVersions.size;
  const outs = await Promise.all(Array.from({ length: 10 }, (_, i) => child({ project, steps: ['data_preparation_subset'], options: { buildId: `c${i}` } })));
  for (const out of outs) {
    const s = steps(out);
    assert.equal(s.data_preparation_subset.outcome, 'ok', s.data_preparation_subset.reason);
  }
  assert.equal((em.state.environments.get('data-prep')?.versions.size ?? 0) - envsBefore, 1, 'one environment version');
  assert.equal(em.state.codeVersions.size - codesBefore, 1, 'one code version');
  for (let i = 0; i < 10; i++) assert.equal(jobsOfBuild(`c${i}`).length, 1);

  // The same build submitted three times at once: still one job, the others attach to it.
  const same = await Promise.all(Array.from({ length: 3 }, () => child({ project, steps: ['data_preparation_subset'], options: { buildId: 'same' } })));
  const actions = same.map((o) => steps(o).data_preparation_subset);
  for (const a of actions) assert.equal(a.outcome, 'ok', a.reason);
  assert.equal(new Set(actions.map((a) => a.jobName)).size, 1);
  assert.equal(jobsOfBuild('same').length, 1);
  assertNoSpecErrors();
});

test('with 429s (with and without Retry-After), 5xx bursts and resets, each step still ends with exactly one job', async () => {
  const project = sampleCopy('faults');
  writeFileSync(path.join(project, 'src', 'faults.py'), 'print("faults")\n');
  em.faults.clear();
  em.faults.add({ method: 'PUT', url: /\/jobs\//, kind: '429-retry-after', retryAfterSeconds: 1, times: 2 });
  em.faults.add({ method: 'GET', url: /\/environments\//, kind: '429', times: 3 });
  em.faults.add({ method: 'PUT', url: /\/codes\//, kind: '503', times: 3 });
  em.faults.add({ method: 'GET', url: /\/computes\//, kind: '500', times: 2 });
  em.faults.add({ method: 'PUT', url: /\/jobs\//, kind: 'reset', phase: 'after', skip: 2, times: 2 });
  em.faults.add({ method: 'GET', url: /\/jobs\//, kind: 'reset', times: 2 });
  try {
    const out = await child({ project, steps: ['data_preparation_subset', 'data_validation', 'fullmodel_step'], options: { buildId: 'f1' } });
    const s = steps(out);
    for (const name of ['data_preparation_subset', 'data_validation', 'fullmodel_step']) assert.equal(s[name].outcome, 'ok', `${name}: ${s[name].reason}`);
    const hits = em.faults.list().map((h) => `${h.rule.kind} ${h.rule.method} ${String(h.rule.url)}: ${h.hits}`);
    for (const h of em.faults.list()) assert.ok(h.hits > 0, `fault never applied: ${hits.join('; ')}`);
    const jobs = jobsOfBuild('f1');
    // fullmodel_step needs data_preparation: the plan brings it along.
    assert.deepEqual(jobs.map((j) => j.tags['mlsteps.runconfig']).sort(), ['data_preparation', 'data_preparation_subset', 'data_validation', 'fullmodel_step']);
  } finally {
    em.faults.clear();
  }
  assertNoSpecErrors();
});

test('a non-transient error is one clear message: what was done, the ARM code, what to do', async () => {
  const project = sampleCopy('errors');
  const wrongRg = await child({ project, target: { ...target(), resourceGroup: 'no-such-rg' } });
  assert.equal(wrongRg.result, undefined);
  assert.equal(wrongRg.error!.code, 'ResourceGroupNotFound');
  assert.match(wrongRg.error!.describe!, /^reading workspace "ml-ws" \(resource group "no-such-rg", subscription [\w-]+\): ResourceGroupNotFound \(HTTP 404\): Resource group 'no-such-rg' could not be found\.\n {2}hint: check --resource-group \("no-such-rg"\)/);

  const badSecret = await child({ project, auth: { ...secretAuth(), clientSecret: 'wrong' } });
  assert.equal(badSecret.result, undefined);
  assert.equal(badSecret.error!.code, 'invalid_client');
  assert.match(badSecret.error!.describe!, /^signing in to Azure for https:\/\/127\.0\.0\.1:\d+: invalid_client: Error\(s\): 7000215 .*Invalid client secret provided/);
  assert.match(badSecret.error!.describe!, /hint: check the service connection/);

  // A step-level error: that step fails with its reason and hint; the others go on.
  const compute = path.join(project, 'runconfigs', 'data_preparation_subset.yml');
  writeFileSync(compute, readFileSync(compute, 'utf8').replace('compute: small-aml-compute', 'compute: azureml:no-such-cluster'));
  const s = steps(await child({ project, steps: ['data_preparation_subset', 'data_preparation'], options: { buildId: 'e1', createCompute: false } }));
  assert.equal(s.data_preparation.outcome, 'ok');
  assert.equal(s.data_preparation_subset.outcome, 'failed');
  assert.equal(s.data_preparation_subset.reason, 'reading compute "no-such-cluster": ComputeNotFound: compute "no-such-cluster" does not exist in workspace "ml-ws"');
  assert.match(s.data_preparation_subset.hint!, /create it \(az ml compute create\)/);
});

test('a failed job is submitted anew as -r2; a running one is attached to, a completed one reused', async () => {
  const project = sampleCopy('attempts');
  em.jobs.script(/^mlsteps-data_preparation_subset-rr-[0-9a-f]{8}$/, { finalStatus: 'Failed', error: { code: 'UserError', message: 'exit 1' }, durations: { Running: 50 } });
  em.jobs.script(/^mlsteps-data_preparation_subset-rr-[0-9a-f]{8}-r2$/, { durations: { Running: 60_000 } });
  const only = { steps: ['data_preparation_subset'], options: { buildId: 'rr' } };
  const first = steps(await child({ project, ...only })).data_preparation_subset;
  assert.equal(first.action, 'submitted');
  await em.jobs.waitFor(first.jobName!, ['Failed'], 20_000);
  const second = steps(await child({ project, ...only })).data_preparation_subset;
  assert.equal(second.action, 'resubmitted');
  assert.equal(second.jobName, `${first.jobName}-r2`);
  const third = steps(await child({ project, ...only })).data_preparation_subset;
  assert.equal(third.action, 'attached');
  assert.equal(third.jobName, second.jobName);
  assert.equal(jobsOfBuild('rr').length, 2, 'the failed job and its resubmission, nothing more');
  assertNoSpecErrors();
});

test('data inputs: azureml: assets checked (and @latest resolved), local paths uploaded once, registered environments checked', async () => {
  const project = sampleCopy('data');
  const asset = { properties: { dataType: 'uri_file', dataUri: 'azureml://datastores/workspaceblobstore/paths/credit/subset.csv' } };
  assert.equal(await armPut('/data/credit-raw/versions/1', '2022-10-01', asset), 201);
  assert.equal(await armPut('/data/credit-raw/versions/2', '2022-10-01', asset), 201);
  // A registered environment by reference: the catalog's sklearn environment, registered as before.
  const registered = steps(await child({ project, steps: ['data_preparation_subset'], options: { buildId: 'd0' } }));
  assert.equal(registered.data_preparation_subset.outcome, 'ok');
  writeFileSync(
    path.join(project, 'runconfigs', 'data_inputs.yml'),
    [
      'command: python prep.py --raw ${{inputs.raw}} --latest ${{inputs.latest}} --local ${{inputs.local}} --one ${{inputs.one}}',
      'code: ../src',
      'environment: azureml:data-prep@latest',
      'compute: cpu-cluster',
      'inputs:',
      '  raw: {type: uri_file, path: "azureml:credit-raw:1"}',
      '  latest: {type: uri_file, path: "azureml:credit-raw@latest", mode: download}',
      '  local: {type: uri_folder, path: ../data/full}',
      '  one: {type: uri_file, path: ../data/subset.csv}',
      'outputs:',
      '  out: {type: uri_folder}',
      '',
    ].join('\n'),
  );
  const first = await child({ project, steps: ['data_inputs'], options: { buildId: 'd1' } });
  const s = steps(first).data_inputs;
  assert.equal(s.outcome, 'ok', s.reason);
  const inputs = em.jobs.get(s.jobName!)!.resource.properties.inputs as Record<string, { uri: string; mode?: string }>;
  assert.equal(inputs.raw.uri, 'azureml:credit-raw:1');
  assert.deepEqual(inputs.latest, { jobInputType: 'uri_file', uri: 'azureml:credit-raw:2', mode: 'Download' });
  assert.match(inputs.local.uri, /^azureml:\/\/datastores\/workspaceblobstore\/paths\/LocalUpload\/[0-9a-f]{64}\/full\/$/);
  assert.match(inputs.one.uri, /^azureml:\/\/datastores\/workspaceblobstore\/paths\/LocalUpload\/[0-9a-f]{64}\/subset\.csv$/);
  assert.ok(first.result!.stats.uploadedBytes > 0);
  // Again, unchanged: the local inputs are found complete where they were uploaded.
  const again = await child({ project, steps: ['data_inputs'], options: { buildId: 'd2' } });
  assert.equal(steps(again).data_inputs.outcome, 'ok');
  assert.equal(again.result!.stats.uploadedBytes, 0);

  // Missing assets: one clear error for the step.
  writeFileSync(path.join(project, 'runconfigs', 'data_inputs.yml'), readFileSync(path.join(project, 'runconfigs', 'data_inputs.yml'), 'utf8').replace('azureml:credit-raw:1', 'azureml:credit-raw:9'));
  const missing = steps(await child({ project, steps: ['data_inputs'], options: { buildId: 'd3' } })).data_inputs;
  assert.equal(missing.outcome, 'failed');
  assert.equal(missing.reason, 'data_inputs: input raw: looking up data asset azureml:credit-raw:9: DataNotFound: data asset credit-raw has no version 9 in workspace "ml-ws"');
  assert.match(missing.hint!, /register it in workspace "ml-ws" \(az ml data create\)/);
  writeFileSync(path.join(project, 'runconfigs', 'data_inputs.yml'), readFileSync(path.join(project, 'runconfigs', 'data_inputs.yml'), 'utf8').replace('azureml:credit-raw:9', 'azureml:credit-raw:1').replace('azureml:data-prep@latest', 'azureml:no-such-env:3'));
  const noEnv = steps(await child({ project, steps: ['data_inputs'], options: { buildId: 'd4' } })).data_inputs;
  assert.equal(noEnv.outcome, 'failed');
  assert.equal(noEnv.reason, 'looking up environment azureml:no-such-env:3: EnvironmentNotFound: environment no-such-env has no version 3 in workspace "ml-ws"');
  assertNoSpecErrors();
});

test('an environment with a Docker build context: the context is uploaded once, the version follows its content', async () => {
  const project = sampleCopy('build');
  mkdirSync(path.join(project, 'docker'));
  writeFileSync(path.join(project, 'docker', 'Dockerfile'), 'FROM mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04\nRUN pip install pandas\n');
  writeFileSync(
    path.join(project, 'runconfigs', 'built.yml'),
    ['command: python prep.py --raw ${{inputs.raw}} --out ${{outputs.out}}', 'code: ../src', 'environment: {name: built-env, build: {path: ../docker}}', 'compute: cpu-cluster', 'inputs:', '  raw: {dataset: subset}', 'outputs:', '  out: {type: uri_folder}', ''].join('\n'),
  );
  const first = await child({ project, steps: ['built'], options: { buildId: 'b1' } });
  const s = steps(first).built;
  assert.equal(s.outcome, 'ok', s.reason);
  const versions = [...(em.state.environments.get('built-env')?.versions.values() ?? [])];
  assert.equal(versions.length, 1);
  const build = versions[0].properties.build as { contextUri: string };
  assert.match(build.contextUri, new RegExp(`^${em.blob.endpoint.replace(/[.]/g, '\\.')}/${em.blob.container}/LocalUpload/[0-9a-f]{64}/docker/$`));
  assert.equal(first.result!.stats.environmentsRegistered, 1);
  const again = await child({ project, steps: ['built'], options: { buildId: 'b2' } });
  steps(again);
  assert.equal(again.result!.stats.environmentsRegistered, 0);
  assert.equal(again.result!.stats.uploadedBytes, 0);
  appendFileSync(path.join(project, 'docker', 'Dockerfile'), 'RUN pip install pyarrow\n');
  const changed = await child({ project, steps: ['built'], options: { buildId: 'b3' } });
  steps(changed);
  assert.equal(changed.result!.stats.environmentsRegistered, 1);
  assert.equal(em.state.environments.get('built-env')?.versions.size, 2);
  assertNoSpecErrors();
});
