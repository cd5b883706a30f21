// Unit tests of the Azure ML backend's pure parts: Azure ML's content hash, job names, the job
// bodies of every step of samples/credit-risk (each judged by the official REST spec), search-space
// translation, credentials by scheme, the workspace target, storage URLs, provenance tags.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { AzurePipelinesCredential, ClientCertificateCredential, ClientSecretCredential, DefaultAzureCredential, ManagedIdentityCredential } from '@azure/identity';
import { planProject } from '../src/plan';
import { listSnapshot } from '../src/plan/snapshot';
import type { Step } from '../src/model/step';
import {
  amlComputeBody,
  authFromServiceConnection,
  AzureMLError,
  buildJobBody,
  buildUrl,
  contentHash,
  createCredential,
  differences,
  environmentName,
  environmentVersion,
  explain,
  isKnownAuthority,
  jobName,
  NAME_PATTERN,
  parseAssetReference,
  provenanceTags,
  resolveInputs,
  resolveTarget,
  searchExpression,
  searchSpace,
  studioUrl,
  TargetError,
  tenantOfToken,
  blobAccountUrl,
  type Json,
} from '../src/backends/azureml';
import { credentialFor, renewingCredential } from '../src/backends/azureml/credential';
import type { Context } from '../src/backends/azureml/context';
import { fixturesDir, fixtureSkipMessage, projectRoot } from './helpers/fixtures';
import { redactSecrets } from '../src/backends/azureml/errors';

const SAMPLE = path.join(projectRoot, 'samples', 'credit-risk');
const SUB = '00000000-1111-2222-3333-444444444444';
const WS = `/subscriptions/${SUB}/resourceGroups/ml-rg/providers/Microsoft.MachineLearningServices/workspaces/ml-ws`;

function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'mlsteps-aml-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

// ─── Azure ML's content hash ────────────────────────────────────────────────────────────────────

test('the code hash is the one azure-ai-ml computes (get_content_hash, hash version 202208)', async () => {
  // How the expected value was derived, independently of src/: azure-ai-ml's
  // _get_file_list_content_hash feeds SHA-256 the file count, then "#<path>#<size>" per file in
  // lower-cased path order, then the files' bytes in that order. For this folder that is the bytes
  //   3#a.txt#1#B/c.txt#5#B/D/e.bin#3ahelloxyz
  // and `printf '3#a.txt#1#B/c.txt#5#B/D/e.bin#3ahelloxyz' | sha256sum` prints the value below
  // (a Python transcription of the function over the same (path, bytes) pairs agrees). Byte order
  // would put B/D/e.bin first ('D' < 'c'); case-folded order puts a.txt first: this folder tells
  // the two apart.
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(path.join(dir, 'a.txt'), 'a');
    mkdirSync(path.join(dir, 'B', 'D'), { recursive: true });
    writeFileSync(path.join(dir, 'B', 'c.txt'), 'hello');
    writeFileSync(path.join(dir, 'B', 'D', 'e.bin'), 'xyz');
    const hash = await contentHash(listSnapshot(dir));
    assert.equal(hash, 'a99d8263ed8daac0197cee1669131f11ff1d90fe551e4b34785e974a908ddbb3');
  } finally {
    cleanup();
  }
});

test('the code hash covers bytes as uploaded (CRLF counts) and honours the ignore files', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(path.join(dir, 'x.py'), 'print(1)\r\n');
    writeFileSync(path.join(dir, '.amlignore'), 'big.bin\n');
    writeFileSync(path.join(dir, 'big.bin'), 'ignored');
    const files = listSnapshot(dir);
    assert.deepEqual(files.map((f) => f.path).sort(), ['.amlignore', 'x.py']);
    const withCrlf = await contentHash(files);
    writeFileSync(path.join(dir, 'x.py'), 'print(1)\n');
    assert.notEqual(await contentHash(listSnapshot(dir)), withCrlf, 'line endings are content');
    writeFileSync(path.join(dir, 'big.bin'), 'changed, still ignored');
    writeFileSync(path.join(dir, 'x.py'), 'print(1)\r\n');
    assert.equal(await contentHash(listSnapshot(dir)), withCrlf);
  } finally {
    cleanup();
  }
});

// ─── Names ──────────────────────────────────────────────────────────────────────────────────────

test('job names: deterministic per build and step, within Azure ML rules, -rN after a failure', () => {
  const step = { name: 'sklearn_full', fingerprint: 'ABCDEF0123456789'.repeat(4) };
  assert.equal(jobName(step, '1234'), 'mlsteps-sklearn_full-1234-abcdef01');
  assert.equal(jobName(step, undefined), 'mlsteps-sklearn_full-local-abcdef01');
  assert.equal(jobName(step, '1234', 2), 'mlsteps-sklearn_full-1234-abcdef01-r2');
  assert.equal(jobName({ ...step, name: 'Data.Prep v2' }, '20240101.3'), 'mlsteps-data-prep-v2-20240101-3-abcdef01');
  const long = jobName({ ...step, name: 'x'.repeat(400) }, '9'.repeat(20), 17);
  assert.ok(long.length <= 255, `${long.length}`);
  assert.match(long, /-r17$/);
  for (const name of [jobName(step, '1'), long, jobName({ ...step, name: '---' }, '')]) assert.match(name, NAME_PATTERN);
});

test('asset references parse as Azure ML writes them', () => {
  assert.deepEqual(parseAssetReference('azureml:sklearn:3'), { kind: 'version', name: 'sklearn', version: '3' });
  assert.deepEqual(parseAssetReference('azureml:sklearn@latest'), { kind: 'label', name: 'sklearn', label: 'latest' });
  assert.deepEqual(parseAssetReference('azureml://registries/azureml/environments/sklearn-1.5/versions/1'), { kind: 'registry', uri: 'azureml://registries/azureml/environments/sklearn-1.5/versions/1' });
  assert.equal(parseAssetReference(`azureml:${WS}/environments/e/versions/1`).kind, 'id');
});

test('environment versions: a hash of the normalised conda text, image and build context', () => {
  const a = environmentVersion({ conda: 'name: x\ndependencies: [python=3.10]\n', image: 'img:1' });
  assert.match(a, /^[0-9a-f]{24}$/);
  assert.equal(environmentVersion({ conda: 'name: x\ndependencies: [python=3.10]\n', image: 'img:1' }), a);
  assert.notEqual(environmentVersion({ conda: 'name: x\ndependencies: [python=3.10]\n', image: 'img:2' }), a);
  assert.notEqual(environmentVersion({ conda: 'name: x\ndependencies: [python=3.10]\n', image: 'img:1', build: { hash: 'h', path: '/x' } }), a);
  assert.equal(environmentName({ kind: 'conda', name: 'sklearn' }, a), 'sklearn');
  assert.equal(environmentName({ kind: 'conda' }, a), `mlsteps-${a.slice(0, 8)}`);
});

// ─── Search spaces ──────────────────────────────────────────────────────────────────────────────

test('search spaces translate to the REST form azure-ai-ml writes', () => {
  assert.deepEqual(searchSpace({ C: { type: 'choice', values: [0.01, 0.1, 1] }, penalty: { type: 'choice', values: ['l1', 'l2'] } }), {
    C: ['choice', [[0.01, 0.1, 1]]],
    penalty: ['choice', [['l1', 'l2']]],
  });
  assert.deepEqual(searchExpression({ type: 'randint', upper: 10 }), ['randint', [10]]);
  assert.deepEqual(searchExpression({ type: 'uniform', min_value: 0, max_value: 1 }), ['uniform', [0, 1]]);
  assert.deepEqual(searchExpression({ type: 'loguniform', min_value: -6, max_value: -1 }), ['loguniform', [-6, -1]]);
  assert.deepEqual(searchExpression({ type: 'quniform', min_value: 1, max_value: 9, q: 2 }), ['quniform', [1, 9, 2]]);
  assert.deepEqual(searchExpression({ type: 'qloguniform', min_value: 1, max_value: 9, q: 2 }), ['qloguniform', [1, 9, 2]]);
  assert.deepEqual(searchExpression({ type: 'normal', mu: 0, sigma: 1 }), ['normal', [0, 1]]);
  assert.deepEqual(searchExpression({ type: 'lognormal', mu: 0, sigma: 1 }), ['lognormal', [0, 1]]);
  assert.deepEqual(searchExpression({ type: 'qnormal', mu: 0, sigma: 1, q: 0.5 }), ['qnormal', [0, 1, 0.5]]);
  assert.deepEqual(searchExpression({ type: 'qlognormal', mu: 0, sigma: 1, q: 0.5 }), ['qlognormal', [0, 1, 0.5]]);
  // A conditional search space: a choice of mappings whose values may be expressions.
  assert.deepEqual(searchExpression({ type: 'choice', values: [{ model: 'svm', C: { type: 'uniform', min_value: 0.1, max_value: 10 } }, { model: 'lr' }] }), [
    'choice',
    [[{ model: 'svm', C: ['uniform', [0.1, 10]] }, { model: 'lr' }]],
  ]);
  assert.throws(() => searchExpression({ type: 'uniform', min_value: 0 }), /uniform needs max_value/);
  assert.throws(() => searchExpression({ type: 'gamma' }), /unknown distribution "gamma"/);
});

// ─── Job bodies: every step of the sample, judged by the spec ───────────────────────────────────

async function samplePlan() {
  const { plan } = await planProject(SAMPLE);
  assert.ok(plan, 'the sample plans');
  return plan;
}

/** The REST inputs of a step with upstream jobs named `job-<step>` and a sweep's best values known. */
async function sampleInputs(step: Step, steps: Step[]): Promise<Record<string, Json>> {
  const noNetwork = new Proxy({}, { get: () => assert.fail('no request is expected for the sample inputs') }) as unknown as Context;
  return resolveInputs(noNetwork, step, SAMPLE, {
    jobName: (name) => `job-${name}`,
    outputType: (name, output) => steps.find((s) => s.name === name)?.outputs[output]?.type,
    best: async (_name, parameter) => (parameter === 'C' ? 0.1 : 'l2'),
  });
}

function sampleRefs(step: Step, inputs: Record<string, Json>) {
  const spark = step.compute.kind === 'catalog' && step.compute.spec.type === 'spark';
  return {
    codeId: `${WS}/codes/${'a'.repeat(64)}/versions/1`,
    environmentId: `${WS}/environments/sklearn/versions/${'b'.repeat(24)}`,
    ...(spark ? { sparkResources: { instanceType: 'standard_e4s_v3', runtimeVersion: '3.4' } } : { computeId: `${WS}/computes/${step.compute.name}` }),
    inputs,
    experimentName: 'credit-risk',
    tags: provenanceTags(step, { BUILD_BUILDID: '42', BUILD_SOURCEVERSION: 'abc', BUILD_REPOSITORY_NAME: 'repo', BUILD_SOURCEBRANCH: 'refs/heads/main', SYSTEM_TEAMFOUNDATIONCOLLECTIONURI: 'https://dev.azure.com/org/', SYSTEM_TEAMPROJECT: 'ML Project' }),
  };
}

test('every step of samples/credit-risk has a job body the official REST spec accepts', async (t) => {
  const fixtures = fixturesDir();
  const specIndex = path.join(__dirname, 'emulator', 'spec', 'index.ts');
  if (!fixtures || !existsSync(path.join(fixtures, 'azureml-rest-spec')) || !existsSync(specIndex)) {
    t.skip(fixtureSkipMessage('azureml-rest-spec/specification'));
    return;
  }
  const { sharedSpec } = require(specIndex) as typeof import('./emulator/spec');
  const spec = sharedSpec(fixtures);
  const plan = await samplePlan();
  assert.equal(plan.steps.length, 7);
  const seen = new Set<string>();
  for (const step of plan.steps) {
    const inputs = await sampleInputs(step, plan.steps);
    const { apiVersion, body, warnings } = buildJobBody(step, sampleRefs(step, inputs));
    assert.deepEqual(warnings, [], step.name);
    const url = `${WS}/jobs/${jobName(step, '42')}`;
    const op = spec.find('PUT', url, apiVersion);
    assert.ok(op, `${step.name}: PUT jobs at ${apiVersion}`);
    const errors = op.validate({ query: { 'api-version': apiVersion }, body, headers: {} });
    assert.deepEqual(errors, [], `${step.name} (${apiVersion}): ${JSON.stringify(body, null, 1)}`);
    seen.add(String(body.properties.jobType));
  }
  assert.deepEqual([...seen].sort(), ['Command', 'Spark', 'Sweep']);
});

test('the sample\'s bodies say what the run configurations say', async () => {
  const plan = await samplePlan();
  const by = (name: string) => plan.steps.find((s) => s.name === name)!;
  const body = async (name: string) => {
    const step = by(name);
    return buildJobBody(step, sampleRefs(step, await sampleInputs(step, plan.steps)));
  };

  const prep = await body('data_preparation');
  assert.equal(prep.apiVersion, '2024-10-01');
  const p = prep.body.properties;
  assert.equal(p.jobType, 'Spark');
  assert.deepEqual(p.entry, { sparkJobEntryType: 'SparkJobPythonEntry', file: 'prep_spark.py' });
  assert.deepEqual(p.pyFiles, ['common.py']);
  assert.equal(p.args, '--raw ${{inputs.raw}} --out ${{outputs.prepared}}');
  assert.deepEqual(p.conf, { 'spark.driver.cores': '1', 'spark.driver.memory': '2g', 'spark.executor.cores': '2', 'spark.executor.memory': '2g', 'spark.executor.instances': '2', 'spark.dynamicAllocation.enabled': 'false' });
  assert.deepEqual(p.resources, { instanceType: 'standard_e4s_v3', runtimeVersion: '3.4' });
  assert.equal(p.computeId, undefined, 'serverless Spark has no compute');
  assert.deepEqual(p.inputs, { raw: { jobInputType: 'uri_folder', uri: 'azureml://datastores/workspaceblobstore/paths/credit/full/' } });
  assert.deepEqual(p.outputs, { prepared: { jobOutputType: 'uri_folder', mode: 'Direct' } });

  const subset = await body('data_preparation_subset');
  assert.equal(subset.apiVersion, '2022-10-01');
  const s = subset.body.properties;
  assert.equal(s.jobType, 'Command');
  assert.equal(s.command, 'python prep.py --raw ${{inputs.raw}} --out ${{outputs.prepared}}');
  assert.equal(s.computeId, `${WS}/computes/small-aml-compute`);
  assert.equal(s.experimentName, 'credit-risk');
  assert.equal(s.displayName, 'data_preparation_subset');
  assert.deepEqual(s.inputs, { raw: { jobInputType: 'uri_file', uri: 'azureml://datastores/workspaceblobstore/paths/credit/subset.csv' } });
  const tags = s.tags as Record<string, string>;
  assert.equal(tags.team, 'credit');
  assert.equal(tags['mlsteps.runconfig'], 'data_preparation_subset');
  assert.equal(tags['mlsteps.fingerprint'], by('data_preparation_subset').fingerprint);
  assert.equal(tags['mlsteps.build.id'], '42');
  assert.equal(tags['mlsteps.build.sourceVersion'], 'abc');
  assert.equal(tags['mlsteps.build.repository'], 'repo');
  assert.equal(tags['mlsteps.build.branch'], 'refs/heads/main');
  assert.equal(tags['mlsteps.build.url'], 'https://dev.azure.com/org/ML%20Project/_build/results?buildId=42');

  const profiling = (await body('data_profiling')).body.properties;
  assert.deepEqual((profiling.inputs as Json).prepared, { jobInputType: 'uri_folder', uri: 'azureml://jobs/job-data_preparation/outputs/prepared' });

  const full = (await body('fullmodel_step')).body.properties;
  assert.deepEqual(full.distribution, { distributionType: 'PyTorch', processCountPerInstance: 1 });
  assert.deepEqual(full.resources, { instanceCount: 1 });
  assert.deepEqual(full.limits, { jobLimitsType: 'Command', timeout: 'PT7200S' });
  assert.deepEqual((full.inputs as Json).epochs, { jobInputType: 'literal', value: '30' });

  const sweep = (await body('sklearn_subset')).body.properties;
  assert.equal(sweep.jobType, 'Sweep');
  assert.deepEqual(sweep.searchSpace, { C: ['choice', [[0.01, 0.1, 1]]], penalty: ['choice', [['l1', 'l2']]] });
  assert.deepEqual(sweep.samplingAlgorithm, { samplingAlgorithmType: 'Grid' });
  assert.deepEqual(sweep.objective, { goal: 'Maximize', primaryMetric: 'auc' });
  assert.deepEqual(sweep.limits, { jobLimitsType: 'Sweep', maxTotalTrials: 6, maxConcurrentTrials: 2, timeout: 'PT3600S' });
  assert.match(String((sweep.trial as Json).command), /--C \$\{\{search_space\.C\}\}/);

  const sk = (await body('sklearn_full')).body.properties;
  assert.deepEqual((sk.inputs as Json).C, { jobInputType: 'literal', value: '0.1' });
  assert.deepEqual((sk.inputs as Json).penalty, { jobInputType: 'literal', value: 'l2' });
});

test('job settings map to their REST names; what the REST API lacks is a warning, not a silent drop', () => {
  const step = {
    name: 'x',
    file: 'x.yml',
    stage: 'train',
    needs: [],
    type: 'command',
    compute: { kind: 'serverless', name: 'serverless' },
    environment: { kind: 'none' },
    command: 'python x.py',
    inputs: {},
    outputs: { m: { type: 'mlflow_model', mode: 'upload' } },
    fingerprint: 'f'.repeat(64),
    job: {
      command: 'python x.py',
      environment_variables: { A: 1, B: true },
      distribution: { type: 'tensorflow', worker_count: 2, parameter_server_count: 1 },
      resources: { instance_count: 2, instance_type: 'Standard_NC6', shm_size: '8g', docker_args: ['--ipc', 'host'], max_instance_count: 4 },
      identity: { type: 'managed', client_id: '11111111-2222-3333-4444-555555555555' },
      services: { tb: { type: 'tensor_board', log_dir: 'outputs/tb' }, ssh: { type: 'ssh', ssh_public_keys: 'ssh-rsa AAA' } },
      queue_settings: { job_tier: 'spot' },
      properties: { p: 1 },
      display_name: 'Nice name',
    },
  } as unknown as Step;
  const { apiVersion, body, warnings } = buildJobBody(step, { environmentId: `${WS}/environments/e/versions/1`, inputs: {}, tags: {} });
  const p = body.properties;
  assert.equal(apiVersion, '2024-10-01', 'queue settings need 2024-10-01');
  assert.deepEqual(p.environmentVariables, { A: '1', B: 'true' });
  assert.deepEqual(p.distribution, { distributionType: 'TensorFlow', workerCount: 2, parameterServerCount: 1 });
  assert.deepEqual(p.resources, { instanceCount: 2, instanceType: 'Standard_NC6', shmSize: '8g', dockerArgs: '--ipc host' });
  assert.deepEqual(p.identity, { identityType: 'Managed', clientId: '11111111-2222-3333-4444-555555555555' });
  assert.deepEqual(p.services, { tb: { jobServiceType: 'TensorBoard', properties: { logDir: 'outputs/tb' } }, ssh: { jobServiceType: 'SSH', properties: { sshPublicKeys: 'ssh-rsa AAA' } } });
  assert.deepEqual(p.queueSettings, { jobTier: 'Spot' });
  assert.deepEqual(p.properties, { p: '1' });
  assert.equal(p.displayName, 'Nice name');
  assert.deepEqual(p.outputs, { m: { jobOutputType: 'mlflow_model', mode: 'Upload' } });
  assert.equal(p.computeId, undefined);
  assert.deepEqual(warnings, ['resources.max_instance_count is not part of the Azure ML REST API versions mlsteps uses: left out']);
});

// ─── Credentials ────────────────────────────────────────────────────────────────────────────────

test('each service-connection scheme makes its @azure/identity credential (createCredential wraps it to renew it)', () => {
  const cert = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
  // AzurePipelinesCredential reads the agent's OIDC endpoint when it is made.
  const saved = process.env.SYSTEM_OIDCREQUESTURI;
  process.env.SYSTEM_OIDCREQUESTURI = 'https://dev.azure.com/org/_apis/distributedtask/hubs/build/plans/p/jobs/j/oidctoken';
  try {
    assert.ok(credentialFor({ scheme: 'workloadIdentityFederation', tenantId: 't', clientId: 'c', serviceConnectionId: 's', systemAccessToken: 'x' }) instanceof AzurePipelinesCredential);
  } finally {
    if (saved === undefined) delete process.env.SYSTEM_OIDCREQUESTURI;
    else process.env.SYSTEM_OIDCREQUESTURI = saved;
  }
  assert.ok(credentialFor({ scheme: 'servicePrincipalSecret', tenantId: 't', clientId: 'c', clientSecret: 's' }) instanceof ClientSecretCredential);
  assert.ok(credentialFor({ scheme: 'servicePrincipalCertificate', tenantId: 't', clientId: 'c', certificate: cert }) instanceof ClientCertificateCredential);
  assert.ok(credentialFor({ scheme: 'servicePrincipalCertificate', tenantId: 't', clientId: 'c', certificatePath: '/x.pem' }) instanceof ClientCertificateCredential);
  assert.ok(credentialFor({ scheme: 'managedIdentity' }) instanceof ManagedIdentityCredential);
  assert.ok(credentialFor({ scheme: 'managedIdentity', clientId: 'c' }) instanceof ManagedIdentityCredential);
  assert.ok(credentialFor({ scheme: 'default' }, { authorityHost: 'https://login.microsoftonline.us' }) instanceof DefaultAzureCredential);
  assert.throws(() => createCredential({ scheme: 'servicePrincipalCertificate', tenantId: 't', clientId: 'c' }), /certificate is missing/);
  assert.throws(() => createCredential({ scheme: 'servicePrincipalSecret', tenantId: 't', clientId: '', clientSecret: '' }), /missing clientId, clientSecret/);
});

test('instance discovery stays on for Azure clouds and goes off for other authorities', () => {
  assert.equal(isKnownAuthority(undefined), true);
  assert.equal(isKnownAuthority('https://login.microsoftonline.com'), true);
  assert.equal(isKnownAuthority('https://login.microsoftonline.us/'), true);
  assert.equal(isKnownAuthority('https://login.chinacloudapi.cn'), true);
  assert.equal(isKnownAuthority('https://adfs.local.azurestack.external/adfs'), false);
  assert.equal(isKnownAuthority('https://127.0.0.1:8443/'), false);
});

test('service connection parameters map to schemes as the agent hands them over', () => {
  const params = (values: Record<string, string>) => (name: string) => values[name];
  assert.deepEqual(authFromServiceConnection('WorkloadIdentityFederation', params({ tenantid: 't', serviceprincipalid: 'c' }), { serviceConnectionId: 'sc', systemAccessToken: 'tok' }), {
    scheme: 'workloadIdentityFederation',
    tenantId: 't',
    clientId: 'c',
    serviceConnectionId: 'sc',
    systemAccessToken: 'tok',
  });
  assert.throws(() => authFromServiceConnection('WorkloadIdentityFederation', params({}), { serviceConnectionId: 'sc' }), /System\.AccessToken/);
  assert.equal(authFromServiceConnection('ServicePrincipal', params({ tenantid: 't', serviceprincipalid: 'c', serviceprincipalkey: 'k' }), { serviceConnectionId: 'sc' }).scheme, 'servicePrincipalSecret');
  assert.equal(authFromServiceConnection('ServicePrincipal', params({ tenantid: 't', serviceprincipalid: 'c', authenticationType: 'spnCertificate', servicePrincipalCertificate: 'PEM' }), { serviceConnectionId: 'sc' }).scheme, 'servicePrincipalCertificate');
  assert.equal(authFromServiceConnection('ManagedServiceIdentity', params({ tenantid: 't' }), { serviceConnectionId: 'sc' }).scheme, 'managedIdentity');
  assert.throws(() => authFromServiceConnection('UsernamePassword', params({}), { serviceConnectionId: 'sc' }), /not supported/);
});

// ─── Target, links, storage URLs, errors ────────────────────────────────────────────────────────

test('the workspace comes from flags, then mlsteps.yml; what is missing is named', () => {
  const plan = { workspace: { resource_group: 'rg-file', name: 'ws-file' } };
  const t = resolveTarget({ subscription: SUB, workspace: 'ws-flag' }, plan);
  assert.deepEqual(t, { subscriptionId: SUB, resourceGroup: 'rg-file', workspace: 'ws-flag', armEndpoint: 'https://management.azure.com' });
  assert.equal(resolveTarget({ subscription: SUB, armEndpoint: 'https://management.usgovcloudapi.net/' }, plan).armEndpoint, 'https://management.usgovcloudapi.net');
  assert.throws(
    () => resolveTarget({}, plan),
    (err: unknown) => err instanceof TargetError && /missing the subscription \(--subscription, or workspace\.subscription_id in mlsteps\.yml\)$/.test(err.message),
  );
  assert.throws(() => resolveTarget({}, undefined), /subscription.*resource group.*workspace/);
  assert.throws(() => resolveTarget({ subscription: SUB, armEndpoint: 'http://x' }, plan), /must use https/);
});

test('studio links name the run, the workspace and the tenant, in the cloud of the ARM endpoint', () => {
  const target = { subscriptionId: SUB, resourceGroup: 'ml-rg', workspace: 'ml-ws', armEndpoint: 'https://management.azure.com', tenantId: 'tid-1' };
  assert.equal(studioUrl(target, 'mlsteps-a-1-abc'), `https://ml.azure.com/runs/mlsteps-a-1-abc?wsid=${WS}&tid=tid-1`);
  assert.match(studioUrl({ ...target, armEndpoint: 'https://management.usgovcloudapi.net' }, 'j'), /^https:\/\/ml\.azure\.us\/runs\/j\?/);
  const jwt = ['e30', Buffer.from(JSON.stringify({ tid: 'tenant-x' })).toString('base64url'), 'sig'].join('.');
  assert.equal(tenantOfToken(jwt), 'tenant-x');
  assert.equal(tenantOfToken('opaque'), undefined);
});

test('blob account URLs: virtual-host style, or path style for IP and localhost endpoints', () => {
  assert.equal(blobAccountUrl('acct'), 'https://acct.blob.core.windows.net');
  assert.equal(blobAccountUrl('acct', 'core.usgovcloudapi.net'), 'https://acct.blob.core.usgovcloudapi.net');
  assert.equal(blobAccountUrl('devstoreaccount1', '127.0.0.1:10000', 'http'), 'http://127.0.0.1:10000/devstoreaccount1');
  assert.equal(blobAccountUrl('devstoreaccount1', 'localhost:10000', 'http'), 'http://localhost:10000/devstoreaccount1');
});

test('build provenance: tags and the build URL from the agent\'s variables only when present', () => {
  assert.deepEqual(provenanceTags({ name: 'a', stage: 'train', fingerprint: 'f' }, {}), { 'mlsteps.runconfig': 'a', 'mlsteps.stage': 'train', 'mlsteps.fingerprint': 'f' });
  assert.equal(buildUrl({ SYSTEM_TEAMFOUNDATIONCOLLECTIONURI: 'https://dev.azure.com/org', SYSTEM_TEAMPROJECT: 'p', BUILD_BUILDID: '7' }), 'https://dev.azure.com/org/p/_build/results?buildId=7');
  assert.equal(buildUrl({ SYSTEM_TEAMPROJECT: 'p', BUILD_BUILDID: '7' }), undefined);
});

test('amlcompute from the catalog, and differences from an existing compute', () => {
  const spec = { type: 'amlcompute' as const, size: 'Standard_NC6s_v3', max_instances: 4, tier: 'low_priority' as const };
  assert.deepEqual(amlComputeBody(spec, 'westeurope'), {
    location: 'westeurope',
    properties: {
      computeType: 'AmlCompute',
      description: 'Created by mlsteps from the project catalog.',
      properties: { vmSize: 'Standard_NC6s_v3', vmPriority: 'LowPriority', scaleSettings: { minNodeCount: 0, maxNodeCount: 4, nodeIdleTimeBeforeScaleDown: 'PT120S' } },
    },
  });
  const existing = { properties: { computeType: 'AmlCompute' as const, properties: { vmSize: 'STANDARD_NC6S_V3', vmPriority: 'Dedicated', scaleSettings: { maxNodeCount: 2, minNodeCount: 0 } } } };
  const diffs = differences('gpu', spec, existing);
  assert.deepEqual(diffs, ['compute gpu scales to 2 nodes, the catalog says 4', 'compute gpu has priority Dedicated, the catalog says low_priority', 'mlsteps does not change an existing compute: update gpu yourself, or the catalog']);
  assert.deepEqual(differences('gpu', { ...spec, max_instances: 2, tier: 'dedicated' }, existing), []);
});

test('errors say what was being done, the ARM code, and what to do', () => {
  const forbidden = Object.assign(new Error('The client does not have authorization to perform action'), { statusCode: 403, code: 'AuthorizationFailed' });
  const e = explain(forbidden, 'submitting job j', { workspace: 'ml-ws', resourceGroup: 'ml-rg' });
  assert.ok(e instanceof AzureMLError);
  assert.equal(e.message, 'submitting job j: AuthorizationFailed (HTTP 403): The client does not have authorization to perform action');
  assert.match(e.hint ?? '', /AzureML Data Scientist.*workspace "ml-ws" \(resource group "ml-rg"\)/);
  const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
  assert.match(explain(reset, 'reading job j', { armEndpoint: 'https://x' }).describe(), /ECONNRESET: socket hang up\n {2}hint: cannot reach https:\/\/x/);
});

test('error messages never carry a SAS signature, an account key or a token', () => {
  const url = 'https://acct.blob.core.windows.net/c/LocalUpload/x?sv=2021-08-06&se=2030-01-01&sr=c&sp=rw&sig=abc%2Fdef%3D';
  const e = new AzureMLError('uploading code', `PUT ${url} failed; AccountKey=s3cr3t==; Authorization: Bearer eyJ0eXAi.eyJhbGci.sig; {"client_secret":"hunter2"}`);
  for (const secret of ['abc%2Fdef%3D', 's3cr3t==', 'eyJ0eXAi.eyJhbGci.sig', 'hunter2']) assert.ok(!e.message.includes(secret), `${secret} in ${e.message}`);
  assert.match(e.message, /sig=\*\*\*/);
  assert.equal(redactSecrets('nothing secret here'), 'nothing secret here');
});

test('hints for a workspace that is not there and for an audience Entra ID does not know', () => {
  const notFound = Object.assign(new Error('The Resource Microsoft.MachineLearningServices/workspaces/ws2 was not found.'), { name: 'RestError', statusCode: 404, code: 'ResourceNotFound' });
  const e = explain(notFound, 'reading the workspace', { workspace: 'ws2', resourceGroup: 'ml-rg', subscriptionId: 's' });
  assert.match(e.hint ?? '', /check --subscription, --resource-group and --workspace/);
  const audience = Object.assign(new Error('invalid_resource: AADSTS500011: The resource principal named https://management.example was not found in the tenant.'), { name: 'AuthenticationError' });
  assert.match(explain(audience, 'signing in').hint ?? '', /--arm-audience/);
});

test('a credential is renewed after a transient token failure (MSAL throttles a failed instance), not after a definite one', async () => {
  const made: number[] = [];
  const failures = [Object.assign(new Error('AADSTS90033: A transient error has occurred.'), {}), Object.assign(new Error('AADSTS7000215: Invalid client secret provided.'), {})];
  let calls = 0;
  const credential = renewingCredential(() => {
    const id = made.length;
    made.push(id);
    return {
      getToken: async () => {
        calls++;
        const failure = failures.shift();
        if (failure && id === made.length - 1) throw failure;
        return { token: `t${id}`, expiresOnTimestamp: Date.now() + 60_000 };
      },
    };
  });
  assert.equal(made.length, 1, 'the first instance is made at once');
  await assert.rejects(credential.getToken('scope'), /AADSTS90033/);
  assert.equal(made.length, 2, 'a transient failure: the next request gets a new instance');
  await assert.rejects(credential.getToken('scope'), /AADSTS7000215/);
  assert.equal(made.length, 2, 'a definite failure (a bad secret) keeps the instance');
  assert.equal((await credential.getToken('scope'))?.token, 't1');
  assert.equal(calls, 3);
});
