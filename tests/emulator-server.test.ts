// The Azure ML emulator (tests/emulator, DESIGN §6) itself: its routes through the real
// @azure/arm-machinelearning client over HTTPS, long-running operations, spec validation, jobs,
// run history, MLflow, faults, the four credential classes of @azure/identity (in child
// processes, as the product runs), record mode, and a clean stop (no Azurite left behind).
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';
import { createHttpHeaders, createPipelineRequest } from '@azure/core-rest-pipeline';
import { StorageSharedKeyCredential, BlobServiceClient } from '@azure/storage-blob';
import { fixturesDir, fixtureSkipMessage } from './helpers/fixtures';
import { startEmulator, type Emulator } from './emulator';

const ROOT = join(__dirname, '..');
const SPEC = fixturesDir() && existsSync(join(fixturesDir() as string, 'azureml-rest-spec')) ? undefined : fixtureSkipMessage('azureml-rest-spec/SOURCE.md');
const WS_TYPE = 'Microsoft.MachineLearningServices/workspaces';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

interface Http {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json(): any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** A plain HTTPS (or HTTP, for Azurite) request trusting the emulator's CA. */
function send(emu: Emulator, url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Http> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const fn = u.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = fn(u, { method: options.method ?? 'GET', headers: options.headers, ...(u.protocol === 'https:' ? { agent: new Agent({ ca: emu.caCertPem }) } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
      });
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

function sdk(emu: Emulator, extra: Record<string, unknown> = {}) {
  const credential = { getToken: async () => ({ token: emu.issueToken(), expiresOnTimestamp: Date.now() + 3_600_000 }) };
  return new AzureMachineLearningWorkspaces(credential, emu.ids.subscriptionId, {
    endpoint: emu.armEndpoint,
    credentialScopes: [`${emu.armAudience}/.default`],
    tlsOptions: { ca: emu.caCertPem },
    ...extra,
  } as never);
}

/** A raw ARM request through the SDK client's pipeline (auth, retries, TLS), for bodies the SDK mangles or api-versions it lacks. */
async function raw(client: AzureMachineLearningWorkspaces, emu: Emulator, method: string, path: string, body?: unknown): Promise<Http> {
  const res = await client.sendRequest(
    createPipelineRequest({ url: `${emu.armEndpoint}${path}`, method: method as 'GET', headers: createHttpHeaders({ 'content-type': 'application/json' }), ...(body !== undefined ? { body: JSON.stringify(body) } : {}) }),
  );
  const text = res.bodyAsText ?? '';
  return { status: res.status, headers: res.headers.toJSON(), text, json: () => JSON.parse(text) };
}

function wsPath(emu: Emulator): string {
  return `/subscriptions/${emu.ids.subscriptionId}/resourceGroups/${emu.ids.resourceGroup}/providers/${WS_TYPE}/${emu.ids.workspace}`;
}

describe('the Azure ML emulator', { timeout: 180_000 }, () => {
  let emu: Emulator;
  let client: AzureMachineLearningWorkspaces;
  let rg: string;
  let ws: string;
  let envId: string;
  let computeId: string;

  before(async () => {
    emu = await startEmulator({ pageSize: 2 });
    client = sdk(emu);
    rg = emu.ids.resourceGroup;
    ws = emu.ids.workspace;
    const env = await client.environmentVersions.createOrUpdate(rg, ws, 'sklearn', '1', { properties: { image: 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04', condaFile: 'name: sk\ndependencies:\n- python=3.10\n' } });
    envId = env.id as string;
    const compute = await client.computeOperations.beginCreateOrUpdateAndWait(rg, ws, 'cpu-cluster', { location: 'eastus', properties: { computeType: 'AmlCompute', properties: { vmSize: 'Standard_D4s_v3', scaleSettings: { maxNodeCount: 1, minNodeCount: 0 } } } } as never, { updateIntervalInMs: 20 });
    computeId = compute.id as string;
  });

  after(async () => {
    const pid = emu?.blob.pid;
    await emu?.stop();
    if (pid) assert.equal(alive(pid), false, 'Azurite is stopped with the emulator');
  });

  it('serves the workspace, with discovery and MLflow URIs on this server', async () => {
    const w = await client.workspaces.get(rg, ws);
    assert.equal(w.id, wsPath(emu));
    assert.equal(w.discoveryUrl, emu.discoveryUrl);
    assert.equal(w.mlFlowTrackingUri, emu.mlflowTrackingUri);
    assert.match(w.mlFlowTrackingUri as string, /^azureml:\/\/127\.0\.0\.1:\d+\/mlflow\/v1\.0\/subscriptions\//);
    assert.match(w.storageAccount as string, /\/storageAccounts\/devstoreaccount1$/);
    const discovery = await send(emu, w.discoveryUrl as string);
    assert.equal(discovery.status, 200);
    assert.equal(discovery.json().history, emu.armEndpoint);
    assert.equal(discovery.json().api, emu.armEndpoint);
  });

  it('answers 404 as ARM does for another workspace, resource group or subscription', async () => {
    const other = await client.workspaces.get(rg, 'no-such-ws').catch((e) => e);
    assert.equal(other.statusCode, 404);
    assert.equal(other.code, 'ResourceNotFound');
    const otherRg = await client.workspaces.get('no-such-rg', ws).catch((e) => e);
    assert.equal(otherRg.statusCode, 404);
    assert.equal(otherRg.code, 'ResourceGroupNotFound');
    const otherSub = await raw(client, emu, 'GET', `${wsPath(emu).replace(emu.ids.subscriptionId, '00000000-0000-0000-0000-000000000000')}?api-version=2022-10-01`);
    assert.equal(otherSub.status, 404);
    assert.equal(otherSub.json().error.code, 'SubscriptionNotFound');
    const child = await client.computeOperations.get(rg, 'no-such-ws', 'cpu-cluster').catch((e) => e);
    assert.equal(child.statusCode, 404);
    const missing = await client.computeOperations.get(rg, ws, 'no-such-compute').catch((e) => e);
    assert.equal(missing.statusCode, 404);
    const job = await client.jobs.get(rg, ws, 'no-such-job').catch((e) => e);
    assert.equal(job.statusCode, 404);
  });

  it('requires a bearer token: 401 with WWW-Authenticate otherwise', async () => {
    const url = `${emu.armEndpoint}${wsPath(emu)}?api-version=2022-10-01`;
    const none = await send(emu, url);
    assert.equal(none.status, 401);
    assert.match(String(none.headers['www-authenticate']), /^Bearer authorization_uri="https:\/\/127\.0\.0\.1:\d+\/[0-9a-f-]+", error="invalid_token"/);
    assert.equal(none.json().error.code, 'AuthenticationFailed');
    const forged = await send(emu, url, { headers: { authorization: `Bearer ${emu.issueToken().slice(0, -4)}AAAA` } });
    assert.equal(forged.status, 401);
    assert.equal(forged.json().error.code, 'InvalidAuthenticationToken');
    const wrongAudience = await send(emu, url, { headers: { authorization: `Bearer ${emu.issueToken('https://storage.azure.com/')}` } });
    assert.equal(wrongAudience.status, 401);
    assert.equal(wrongAudience.json().error.code, 'InvalidAuthenticationTokenAudience');
  });

  it('creates a compute as a long-running operation (201 + Azure-AsyncOperation, polled to Succeeded)', async () => {
    const before = emu.requests.length;
    const poller = await client.computeOperations.beginCreateOrUpdate(rg, ws, 'gpu-cluster', { location: 'eastus', properties: { computeType: 'AmlCompute', properties: { vmSize: 'Standard_NC6s_v3', vmPriority: 'LowPriority', scaleSettings: { maxNodeCount: 4, minNodeCount: 0 } } } } as never, { updateIntervalInMs: 20 });
    const first = emu.requests.slice(before).find((r) => r.operationId === 'Compute_CreateOrUpdate');
    assert.equal(first?.status, 201);
    assert.equal((first?.responseBody as { properties: { provisioningState: string } }).properties.provisioningState, 'Creating');
    const result = await poller.pollUntilDone();
    assert.equal(result.properties?.provisioningState, 'Succeeded');
    const polls = emu.requests.slice(before).filter((r) => r.operationId === 'OperationStatus_Get');
    assert.ok(polls.length >= 1, 'the poller read the operation status');
    assert.ok(polls.some((r) => (r.responseBody as { status: string }).status === 'InProgress'));
    assert.equal(emu.state.computes.get('gpu-cluster')?.puts, 1);
    // A second PUT of the same compute is a 200, not a second create.
    await client.computeOperations.beginCreateOrUpdateAndWait(rg, ws, 'gpu-cluster', { location: 'eastus', properties: { computeType: 'AmlCompute', properties: { vmSize: 'Standard_NC6s_v3' } } } as never, { updateIntervalInMs: 20 });
    assert.equal(emu.state.computes.get('gpu-cluster')?.puts, 2);
    const listed: string[] = [];
    for await (const c of client.computeOperations.list(rg, ws)) listed.push(c.name as string);
    assert.deepEqual(listed.sort(), ['cpu-cluster', 'gpu-cluster']);
  });

  it('registers environment versions once per content (201, then 200; other content → 409)', async () => {
    const body = { properties: { image: 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04', condaFile: 'name: p\ndependencies:\n- python=3.11\n', description: 'one' } };
    const puts = () => emu.requests.filter((r) => r.operationId === 'EnvironmentVersions_CreateOrUpdate' && r.path.endsWith('/environments/prep/versions/1'));
    await client.environmentVersions.createOrUpdate(rg, ws, 'prep', '1', body);
    await client.environmentVersions.createOrUpdate(rg, ws, 'prep', '1', { properties: { ...body.properties, description: 'two' } });
    assert.deepEqual(puts().map((r) => r.status), [201, 200]);
    const conflict = await client.environmentVersions.createOrUpdate(rg, ws, 'prep', '1', { properties: { ...body.properties, condaFile: 'name: q\n' } }).catch((e) => e);
    assert.equal(conflict.statusCode, 409);
    const got = await client.environmentVersions.get(rg, ws, 'prep', '1');
    assert.equal(got.properties.description, 'two');
    assert.equal(got.properties.environmentType, 'UserCreated');
    const container = await client.environmentContainers.get(rg, ws, 'prep');
    assert.equal(container.properties.latestVersion, '1');
    assert.equal(container.properties.nextVersion, '2');
    const names: string[] = [];
    for await (const c of client.environmentContainers.list(rg, ws)) names.push(c.name as string);
    assert.deepEqual(names.sort(), ['prep', 'sklearn']);
  });

  it('registers code versions and finds one by content hash (2024-10-01), paging lists with nextLink', async () => {
    const codeUri = (h: string) => `${emu.blob.endpoint}/${emu.blob.container}/LocalUpload/${h}/src`;
    for (const [version, hash] of [['1', 'aaa'], ['2', 'bbb'], ['3', 'ccc']]) {
      await client.codeVersions.createOrUpdate(rg, ws, 'credit-src', version, { properties: { codeUri: codeUri(hash), properties: { hash_sha256: hash, hash_version: '202208' } } });
    }
    const listed: string[] = [];
    for await (const v of client.codeVersions.list(rg, ws, 'credit-src')) listed.push(v.name as string);
    assert.deepEqual(listed, ['3', '2', '1'], 'newest first, across pages');
    const pages = emu.requests.filter((r) => r.operationId === 'CodeVersions_List' && r.path.endsWith('/codes/credit-src/versions'));
    assert.equal(pages.length, 2, 'page size 2: two pages');
    assert.equal(pages[1].query.$skip, '2');
    const byHash = await raw(client, emu, 'GET', `${wsPath(emu)}/codes/credit-src/versions?api-version=2024-10-01&hash=bbb&hashVersion=202208`);
    assert.equal(byHash.status, 200);
    assert.deepEqual(byHash.json().value.map((v: { name: string }) => v.name), ['2']);
    const none = await raw(client, emu, 'GET', `${wsPath(emu)}/codes/credit-src/versions?api-version=2024-10-01&hash=zzz&hashVersion=202208`);
    assert.deepEqual(none.json().value, []);
    const changed = await client.codeVersions.createOrUpdate(rg, ws, 'credit-src', '1', { properties: { codeUri: codeUri('other') } }).catch((e) => e);
    assert.equal(changed.statusCode, 409);
    const got = await client.codeVersions.get(rg, ws, 'credit-src', '2');
    assert.equal(got.properties.codeUri, codeUri('bbb'));
  });

  it('rejects a query parameter the api-version does not define (hash at 2022-10-01)', { skip: SPEC }, async () => {
    const res = await raw(client, emu, 'GET', `${wsPath(emu)}/codes/credit-src/versions?api-version=2022-10-01&hash=bbb`);
    assert.equal(res.status, 400);
    assert.ok(emu.specErrors().some((r) => r.query.hash === 'bbb'));
  });

  it('registers data versions', async () => {
    await client.dataVersions.createOrUpdate(rg, ws, 'subset', '1', { properties: { dataType: 'uri_file', dataUri: 'azureml://datastores/workspaceblobstore/paths/credit/subset.csv' } } as never);
    const got = await client.dataVersions.get(rg, ws, 'subset', '1');
    assert.equal((got.properties as { dataUri: string }).dataUri, 'azureml://datastores/workspaceblobstore/paths/credit/subset.csv');
    const missing = await client.dataVersions.get(rg, ws, 'subset', '9').catch((e) => e);
    assert.equal(missing.statusCode, 404);
  });

  it('serves the default datastore on Azurite, and its key through listSecrets', async () => {
    const ds = await client.datastores.get(rg, ws, 'workspaceblobstore');
    const p = ds.properties as { accountName: string; containerName: string; endpoint: string; protocol: string; isDefault: boolean };
    assert.equal(p.isDefault, true);
    assert.equal(p.accountName, emu.blob.accountName);
    assert.equal(p.containerName, emu.blob.container);
    assert.equal(`${p.protocol}://${p.endpoint}/${p.accountName}`, emu.blob.endpoint, 'an IP endpoint means a path-style account URL');
    const secrets = await client.datastores.listSecrets(rg, ws, 'workspaceblobstore');
    assert.equal(secrets.secretsType, 'AccountKey');
    const key = (secrets as { key: string }).key;
    const service = new BlobServiceClient(`${p.protocol}://${p.endpoint}/${p.accountName}`, new StorageSharedKeyCredential(p.accountName, key));
    await service.getContainerClient(p.containerName).getBlockBlobClient('probe.txt').upload('hi', 2);
    assert.equal(await service.getContainerClient(p.containerName).getBlobClient('probe.txt').exists(), true);
    const defaults: string[] = [];
    for await (const d of client.datastores.list(rg, ws, { isDefault: true })) defaults.push(d.name as string);
    assert.deepEqual(defaults, ['workspaceblobstore']);
  });

  it('answers a spec-invalid body with 400 and the ARM error body, listed in specErrors()', { skip: SPEC }, async () => {
    const before = emu.specErrors().length;
    const res = await raw(client, emu, 'PUT', `${wsPath(emu)}/environments/bad/versions/1?api-version=2022-10-01`, { properties: { image: 42, unknownThing: true } });
    assert.equal(res.status, 400);
    const error = res.json().error;
    assert.equal(typeof error.code, 'string');
    assert.equal(typeof error.message, 'string');
    assert.ok(error.details.length >= 2, 'one detail per problem');
    assert.ok(error.details.some((d: { target?: string }) => d.target?.includes('image')));
    const listed = emu.specErrors().slice(before);
    assert.equal(listed.length, 1);
    assert.equal(listed[0].operationId, 'EnvironmentVersions_CreateOrUpdate');
    assert.equal(emu.state.environments.has('bad'), false, 'nothing was created');
  });

  it('runs jobs through NotStarted → … → Completed, lists them, and reports them in run history and MLflow', async () => {
    emu.jobs.script('job-ok', { logLines: ['line one', 'line two', 'line three'], metrics: { accuracy: [0.5, 0.75, 0.9], auc: 0.8 }, params: { C: '1.0' } });
    const created = await client.jobs.createOrUpdate(rg, ws, 'job-ok', { properties: { jobType: 'Command', command: 'python train.py', environmentId: envId, computeId, experimentName: 'credit-risk', tags: { fingerprint: 'f1' }, inputs: { C: { jobInputType: 'literal', value: '1.0' } } } } as never);
    assert.equal(created.properties.status, 'NotStarted');
    assert.match(String((created.properties.services as Record<string, { endpoint: string }>).Studio.endpoint), /^https:\/\/ml\.azure\.com\/runs\/job-ok\?wsid=/);
    const job = await emu.jobs.waitFor('job-ok');
    assert.deepEqual(job.history.map((h) => h.status), ['NotStarted', 'Starting', 'Preparing', 'Queued', 'Running', 'Finalizing', 'Completed']);
    assert.equal((await client.jobs.get(rg, ws, 'job-ok')).properties.status, 'Completed');
    const listed: string[] = [];
    for await (const j of client.jobs.list(rg, ws)) listed.push(j.name as string);
    assert.ok(listed.includes('job-ok'));
    assert.deepEqual(emu.state.imageBuilds, ['sklearn:1'], 'the first job on an environment builds its image');

    // Run history: details → logFiles (SAS URLs to Azurite) → ranged reads.
    const discovery = (await send(emu, emu.discoveryUrl)).json();
    const token = emu.issueToken();
    const details = await send(emu, `${discovery.history}/history/v1.0${wsPath(emu)}/runs/job-ok/details`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(details.status, 200);
    const d = details.json();
    assert.equal(d.runId, 'job-ok');
    assert.equal(d.status, 'Completed');
    const logUrl: string = d.logFiles['user_logs/std_log.txt'];
    assert.match(logUrl, new RegExp(`^${emu.blob.endpoint}/azureml/ExperimentRun/dcid\\.job-ok/user_logs/std_log\\.txt\\?.*sig=`));
    const whole = await send(emu, logUrl);
    assert.equal(whole.text, 'line one\nline two\nline three\n');
    const tail = await send(emu, logUrl, { headers: { range: 'bytes=9-' } });
    assert.equal(tail.status, 206);
    assert.equal(tail.text, 'line two\nline three\n');
    assert.ok(d.logFiles['system_logs/lifecycler/execution-wrapper.log'], 'the lifecycle log is listed too');

    // MLflow: the tracking URI (azureml://) as https, runs/get and metrics/get-history.
    const tracking = emu.mlflowTrackingUri.replace(/^azureml:/, 'https:');
    const run = await send(emu, `${tracking}/api/2.0/mlflow/runs/get?run_id=job-ok`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(run.status, 200);
    const r = run.json().run;
    assert.equal(r.info.status, 'FINISHED');
    assert.deepEqual(Object.fromEntries(r.data.metrics.map((m: { key: string; value: number }) => [m.key, m.value])), { accuracy: 0.9, auc: 0.8 });
    assert.deepEqual(r.data.params, [{ key: 'C', value: '1.0' }]);
    const hist = await send(emu, `${tracking}/api/2.0/mlflow/metrics/get-history?run_id=job-ok&metric_key=accuracy`, { headers: { authorization: `Bearer ${token}` } });
    assert.deepEqual(hist.json().metrics.map((m: { value: number; step: number }) => [m.step, m.value]), [[0, 0.5], [1, 0.75], [2, 0.9]]);
    const unknown = await send(emu, `${tracking}/api/2.0/mlflow/runs/get?run_id=nope`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json().error_code, 'RESOURCE_DOES_NOT_EXIST');
  });

  it('streams log lines while a job runs (the log grows between reads)', async () => {
    emu.jobs.script('job-stream', { durations: { Running: 900 }, logLines: ['a', 'b', 'c', 'd', 'e', 'f'] });
    await client.jobs.createOrUpdate(rg, ws, 'job-stream', { properties: { jobType: 'Command', command: 'python x.py', environmentId: envId, computeId } } as never);
    await emu.jobs.waitFor('job-stream', ['Running']);
    const token = emu.issueToken();
    const sizes: number[] = [];
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const d = (await send(emu, `${emu.armEndpoint}/history/v1.0${wsPath(emu)}/runs/job-stream/details`, { headers: { authorization: `Bearer ${token}` } })).json();
      const url = d.logFiles['user_logs/std_log.txt'];
      if (url) sizes.push((await send(emu, url)).text.length);
      if (d.status === 'Completed') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(sizes[sizes.length - 1], 12);
    assert.ok(new Set(sizes).size >= 3, `the log grew in steps: ${sizes.join(',')}`);
  });

  it('cancels a job as a long-running operation (202 + Location), and can leave one stuck in CancelRequested', async () => {
    emu.jobs.script('job-cancel', { durations: { Running: 60_000 } });
    await client.jobs.createOrUpdate(rg, ws, 'job-cancel', { properties: { jobType: 'Command', command: 'sleep 60', environmentId: envId, computeId } } as never);
    await emu.jobs.waitFor('job-cancel', ['Running']);
    await client.jobs.beginCancelAndWait(rg, ws, 'job-cancel', { updateIntervalInMs: 20 });
    assert.equal((await client.jobs.get(rg, ws, 'job-cancel')).properties.status, 'Canceled');
    const cancel = emu.requests.find((r) => r.operationId === 'Jobs_Cancel' && r.path.endsWith('/jobs/job-cancel/cancel'));
    assert.equal(cancel?.status, 202);
    assert.deepEqual(emu.jobs.get('job-cancel')?.history.slice(-2).map((h) => h.status), ['CancelRequested', 'Canceled']);

    emu.jobs.script('job-stuck', { durations: { Running: 60_000 }, stuckInCancelRequested: true });
    await client.jobs.createOrUpdate(rg, ws, 'job-stuck', { properties: { jobType: 'Command', command: 'sleep 60', environmentId: envId, computeId } } as never);
    await emu.jobs.waitFor('job-stuck', ['Running']);
    const poller = await client.jobs.beginCancel(rg, ws, 'job-stuck', { updateIntervalInMs: 20 });
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(poller.isDone(), false);
    poller.stopPolling();
    assert.equal((await client.jobs.get(rg, ws, 'job-stuck')).properties.status, 'CancelRequested');
  });

  it('fails a scripted job with its error, and refuses a job naming a missing compute, environment or code', async () => {
    emu.jobs.script('job-fail', { finalStatus: 'Failed', error: { code: 'UserError', message: 'boom' } });
    await client.jobs.createOrUpdate(rg, ws, 'job-fail', { properties: { jobType: 'Command', command: 'x', environmentId: envId, computeId } } as never);
    const job = await emu.jobs.waitFor('job-fail');
    assert.equal(job.status, 'Failed');
    const d = (await send(emu, `${emu.armEndpoint}/history/v1.0${wsPath(emu)}/runs/job-fail/details`, { headers: { authorization: `Bearer ${emu.issueToken()}` } })).json();
    assert.equal(d.error.error.message, 'boom');
    for (const props of [
      { computeId: `${wsPath(emu)}/computes/nope`, environmentId: envId },
      { computeId, environmentId: `${wsPath(emu)}/environments/nope/versions/1` },
      { computeId, environmentId: envId, codeId: `${wsPath(emu)}/codes/nope/versions/1` },
    ]) {
      const err = await client.jobs.createOrUpdate(rg, ws, 'job-refused', { properties: { jobType: 'Command', command: 'x', ...props } } as never).catch((e) => e);
      assert.equal(err.statusCode, 400, JSON.stringify(props));
    }
    assert.equal(emu.jobs.get('job-refused'), undefined);
  });

  it('accepts a repeated job PUT (200, one job) but not a changed one', async () => {
    const body = { properties: { jobType: 'Command', command: 'python a.py', environmentId: envId, computeId, tags: { a: '1' } } };
    await client.jobs.createOrUpdate(rg, ws, 'job-twice', body as never);
    const again = await raw(client, emu, 'PUT', `${wsPath(emu)}/jobs/job-twice?api-version=2022-10-01`, { properties: { ...body.properties, tags: { a: '2' } } });
    assert.equal(again.status, 200);
    assert.equal(emu.jobs.get('job-twice')?.puts, 2);
    assert.equal(emu.jobs.get('job-twice')?.tags.a, '2');
    const changed = await raw(client, emu, 'PUT', `${wsPath(emu)}/jobs/job-twice?api-version=2022-10-01`, { properties: { ...body.properties, command: 'python b.py' } });
    assert.equal(changed.status, 400);
    assert.match(changed.json().error.message, /command/);
  });

  it('runs a scripted sweep: trials as child runs, the best one in run history and MLflow', async () => {
    const trial = { command: 'python train.py --C ${{search_space.C}}', environmentId: envId };
    emu.jobs.script('sweep-1', {
      trials: [
        { params: { C: 0.1 }, metrics: { auc: 0.7 } },
        { params: { C: 1 }, metrics: { auc: 0.9 } },
        { params: { C: 10 }, metrics: { auc: 0.8 } },
      ],
    });
    const res = await raw(client, emu, 'PUT', `${wsPath(emu)}/jobs/sweep-1?api-version=2022-10-01`, {
      properties: {
        jobType: 'Sweep',
        computeId,
        experimentName: 'credit-risk',
        objective: { primaryMetric: 'auc', goal: 'Maximize' },
        samplingAlgorithm: { samplingAlgorithmType: 'Grid' },
        searchSpace: { C: ['choice', [[0.1, 1, 10]]] },
        limits: { jobLimitsType: 'Sweep', maxTotalTrials: 3 },
        trial,
      },
    });
    assert.equal(res.status, 201, res.text);
    await emu.jobs.waitFor('sweep-1');
    const token = emu.issueToken();
    const d = (await send(emu, `${emu.armEndpoint}/history/v1.0${wsPath(emu)}/runs/sweep-1/details`, { headers: { authorization: `Bearer ${token}` } })).json();
    assert.equal(d.properties.best_child_run_id, 'sweep-1_1');
    const tracking = emu.mlflowTrackingUri.replace(/^azureml:/, 'https:');
    const search = await send(emu, `${tracking}/api/2.0/mlflow/runs/search`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ filter: "tags.mlflow.parentRunId = 'sweep-1'", order_by: ['metrics.auc DESC'], max_results: 10 }),
    });
    const runs = search.json().runs;
    assert.deepEqual(runs.map((r: { info: { run_id: string } }) => r.info.run_id), ['sweep-1_1', 'sweep-1_2', 'sweep-1_0']);
    assert.deepEqual(runs[0].data.params, [{ key: 'C', value: '1' }]);
  });

  it('takes Spark jobs at 2024-10-01 (and refuses them at 2022-10-01, which lacks SparkJob)', { skip: SPEC }, async () => {
    const code = await client.codeVersions.createOrUpdate(rg, ws, 'spark-src', '1', { properties: { codeUri: `${emu.blob.endpoint}/${emu.blob.container}/LocalUpload/spark/src` } });
    const body = {
      properties: {
        jobType: 'Spark',
        codeId: code.id,
        entry: { sparkJobEntryType: 'SparkJobPythonEntry', file: 'prep_spark.py' },
        pyFiles: ['common.py'],
        args: '--raw ${{inputs.raw}} --out ${{outputs.prepared}}',
        conf: { 'spark.driver.cores': '1', 'spark.driver.memory': '2g', 'spark.executor.cores': '2', 'spark.executor.memory': '2g', 'spark.executor.instances': '2' },
        resources: { instanceType: 'standard_e4s_v3', runtimeVersion: '3.4' },
        environmentId: envId,
        inputs: { raw: { jobInputType: 'uri_folder', uri: 'azureml://datastores/workspaceblobstore/paths/credit/full/', mode: 'Direct' } },
        outputs: { prepared: { jobOutputType: 'uri_folder', mode: 'Direct' } },
      },
    };
    const ok = await raw(client, emu, 'PUT', `${wsPath(emu)}/jobs/spark-1?api-version=2024-10-01`, body);
    assert.equal(ok.status, 201, ok.text);
    assert.equal(ok.json().properties.jobType, 'Spark');
    const old = await raw(client, emu, 'PUT', `${wsPath(emu)}/jobs/spark-2?api-version=2022-10-01`, body);
    assert.equal(old.status, 400);
    await emu.jobs.waitFor('spark-1');
  });

  it('shows the SDK (2.1.1) drops `uri` from asset job inputs: the spec check catches it', { skip: SPEC }, async () => {
    const err = await client.jobs
      .createOrUpdate(rg, ws, 'job-sdk-input', { properties: { jobType: 'Command', command: 'python a.py --d ${{inputs.d}}', environmentId: envId, computeId, inputs: { d: { jobInputType: 'uri_file', uri: 'azureml:subset:1' } } } } as never)
      .catch((e) => e);
    assert.equal(err.statusCode, 400);
    assert.match(JSON.stringify(err.details), /uri/);
  });

  it('injects faults: 429 with and without Retry-After, 500/503 bursts, resets, latency — each counted', async () => {
    const path = `/environments/sklearn/versions/1`;
    const fast = sdk(emu, { retryOptions: { retryDelayInMs: 20, maxRetryDelayInMs: 200 } });
    const get = () => fast.environmentVersions.get(rg, ws, 'sklearn', '1');

    // core-rest-pipeline retries a 429 only when it says when (Retry-After): without, the SDK surfaces it.
    const r429 = emu.faults.add({ method: 'GET', url: path, kind: '429', times: 1 });
    const throttled = await get().catch((e) => e);
    assert.equal(throttled.statusCode, 429);
    assert.equal(throttled.code, 'TooManyRequests');
    assert.equal(r429.hits, 1);
    await get();

    const retryAfter = emu.faults.add({ method: 'GET', url: path, kind: '429-retry-after', times: 1, retryAfterSeconds: 1 });
    let t = Date.now();
    await get();
    assert.equal(retryAfter.hits, 1);
    assert.ok(Date.now() - t >= 950, 'the client waited for Retry-After');
    const sent = emu.requests.filter((r) => r.fault === '429-retry-after').at(-1);
    assert.equal(sent?.status, 429);

    const burst = emu.faults.add({ url: path, kind: '500', times: 2 });
    const unavailable = emu.faults.add({ url: path, kind: '503', times: 1 });
    await get();
    assert.equal(burst.hits + unavailable.hits, 3);

    const reset = emu.faults.add({ url: path, kind: 'reset', times: 1 });
    await get();
    assert.equal(reset.hits, 1);
    assert.equal(emu.requests.filter((r) => r.fault === 'reset').length, 1);

    const slow = emu.faults.add({ url: path, kind: 'latency', latencyMs: 300, times: 1 });
    t = Date.now();
    await get();
    assert.ok(Date.now() - t >= 290);
    assert.equal(slow.hits, 1);

    // `skip` lets requests through first; a fault after processing loses the reply of a PUT that was done.
    const skipped = emu.faults.add({ url: '/jobs/job-lost-reply', method: 'PUT', kind: 'reset', phase: 'after', times: 1 });
    await fast.jobs.createOrUpdate(rg, ws, 'job-lost-reply', { properties: { jobType: 'Command', command: 'x', environmentId: envId, computeId } } as never);
    assert.equal(skipped.hits, 1);
    assert.equal(emu.jobs.get('job-lost-reply')?.puts, 2, 'the client retried; the job exists once');
    const nth = emu.faults.add({ url: path, kind: '500', skip: 1, times: 1 });
    await get();
    assert.equal(nth.hits, 0);
    assert.equal(nth.matched, 1);
    await get();
    assert.equal(nth.hits, 1);
    emu.faults.clear();
    assert.equal(emu.faults.list().length, 0);
  });
  it('answers with responses that conform to the spec (no response spec errors so far)', { skip: SPEC }, () => {
    const bad = emu.requests.filter((r) => r.responseSpecErrors.length > 0);
    assert.deepEqual(bad.map((r) => [r.operationId, r.responseSpecErrors]), []);
  });
});

describe('the emulator runs jobs (executed mode)', { timeout: 180_000 }, () => {
  let emu: Emulator;
  let client: AzureMachineLearningWorkspaces;

  before(async () => {
    emu = await startEmulator({ jobMode: 'executed' });
    client = sdk(emu);
  });
  after(async () => {
    const pid = emu?.blob.pid;
    await emu?.stop();
    if (pid) assert.equal(alive(pid), false);
  });

  it('downloads the code snapshot and inputs from Azurite, runs the command, stores std_log.txt, metrics and outputs', async () => {
    const container = new BlobServiceClient(emu.blob.endpoint, new StorageSharedKeyCredential(emu.blob.accountName, emu.blob.accountKey)).getContainerClient(emu.blob.container);
    const files: Record<string, string> = {
      'LocalUpload/h1/src/train.sh': 'set -e\necho "training with C=$2 on $(cat "$1"/part-0.csv | wc -l) rows"\nmkdir -p outputs "$3"\necho \'{"accuracy": [0.6, 0.8], "loss": 0.2}\' > outputs/metrics.json\necho model > "$3/model.txt"\n',
      'LocalUpload/h1/src/lib/util.sh': 'echo util\n',
      'credit/full/part-0.csv': 'a,b\n1,2\n3,4\n',
    };
    for (const [name, text] of Object.entries(files)) await container.getBlockBlobClient(name).upload(text, Buffer.byteLength(text));
    const rg = emu.ids.resourceGroup;
    const ws = emu.ids.workspace;
    const env = await client.environmentVersions.createOrUpdate(rg, ws, 'env', '1', { properties: { image: 'python:3.11' } });
    const code = await client.codeVersions.createOrUpdate(rg, ws, 'src', '1', { properties: { codeUri: `${emu.blob.endpoint}/${emu.blob.container}/LocalUpload/h1/src` } });
    const res = await raw(client, emu, 'PUT', `${wsPath(emu)}/jobs/exec-1?api-version=2022-10-01`, {
      properties: {
        jobType: 'Command',
        codeId: code.id,
        environmentId: env.id,
        command: 'sh train.sh ${{inputs.data}} ${{inputs.C}} ${{outputs.model}} && sh lib/util.sh',
        inputs: { data: { jobInputType: 'uri_folder', uri: 'azureml://datastores/workspaceblobstore/paths/credit/full/' }, C: { jobInputType: 'literal', value: '0.5' } },
        outputs: { model: { jobOutputType: 'uri_folder' } },
      },
    });
    assert.equal(res.status, 201, res.text);
    const job = await emu.jobs.waitFor('exec-1', undefined, 60_000);
    assert.equal(job.status, 'Completed', JSON.stringify(job.error));
    assert.match(job.logs.get('user_logs/std_log.txt') ?? '', /training with C=0\.5 on 3 rows\nutil\n/);
    assert.deepEqual(job.metrics.get('accuracy')?.map((p) => p.value), [0.6, 0.8]);
    assert.deepEqual(job.metrics.get('loss')?.map((p) => p.value), [0.2]);
    const model = container.getBlobClient('azureml/exec-1/model/model.txt');
    assert.equal((await model.downloadToBuffer()).toString(), 'model\n');
    const artifacts = new BlobServiceClient(emu.blob.endpoint, new StorageSharedKeyCredential(emu.blob.accountName, emu.blob.accountKey)).getContainerClient(emu.blob.artifactContainer);
    assert.equal(await artifacts.getBlobClient('ExperimentRun/dcid.exec-1/user_logs/std_log.txt').exists(), true);
    assert.equal(await artifacts.getBlobClient('ExperimentRun/dcid.exec-1/outputs/metrics.json').exists(), true);

    const failing = await raw(client, emu, 'PUT', `${wsPath(emu)}/jobs/exec-2?api-version=2022-10-01`, {
      properties: { jobType: 'Command', codeId: code.id, environmentId: env.id, command: 'echo about to fail; echo "no such file" >&2; exit 3' },
    });
    assert.equal(failing.status, 201);
    const failed = await emu.jobs.waitFor('exec-2', undefined, 60_000);
    assert.equal(failed.status, 'Failed');
    assert.equal(failed.exitCode, 3);
    assert.match(failed.error?.message ?? '', /exited with status code 3.*no such file/);

    const cancel = await raw(client, emu, 'PUT', `${wsPath(emu)}/jobs/exec-3?api-version=2022-10-01`, { properties: { jobType: 'Command', codeId: code.id, environmentId: env.id, command: 'echo started; sleep 30' } });
    assert.equal(cancel.status, 201);
    await until('exec-3 to print', () => (emu.jobs.get('exec-3')?.logs.get('user_logs/std_log.txt') ?? '').includes('started'));
    await client.jobs.beginCancelAndWait(rg, ws, 'exec-3', { updateIntervalInMs: 20 });
    assert.equal(emu.jobs.get('exec-3')?.status, 'Canceled');
  });
});

describe('credentials of @azure/identity against the emulator (child processes)', { timeout: 120_000 }, () => {
  let emu: Emulator;
  before(async () => {
    emu = await startEmulator();
  });
  after(async () => {
    await emu?.stop();
  });

  const probe = async (kind: 'secret' | 'certificate' | 'pipelines' | 'managed-identity', env: Record<string, string> = {}) => {
    const { stdout } = await promisify(execFile)(process.execPath, [join(ROOT, 'tests', 'emulator', 'probe-credential.cjs'), kind], {
      cwd: ROOT,
      env: { ...process.env, NODE_OPTIONS: '', ...emu.env(kind), PROBE_RESOURCE_GROUP: emu.ids.resourceGroup, PROBE_WORKSPACE: emu.ids.workspace, ...env },
      encoding: 'utf8',
      timeout: 60_000,
    });
    return JSON.parse(stdout.trim().split('\n').pop() as string) as { ok: boolean; status?: number; error?: string };
  };

  for (const [kind, principal] of [
    ['secret', 'secret'],
    ['certificate', 'certificate'],
    ['pipelines', 'federated'],
    ['managed-identity', 'managed-identity'],
  ] as const) {
    it(`${kind}: gets a token ARM accepts`, async () => {
      const before = emu.requests.length;
      const result = await probe(kind);
      assert.deepEqual(result, { ...result, ok: true, status: 200 }, JSON.stringify(result));
      const mine = emu.requests.slice(before);
      const read = mine.find((r) => r.operationId === 'Workspaces_Get');
      assert.equal(read?.principal, principal);
      if (kind === 'pipelines') assert.ok(mine.some((r) => r.operationId === 'AzureDevOps_OidcToken' && r.status === 200));
      if (kind !== 'managed-identity') assert.ok(mine.some((r) => r.operationId === 'Entra_OpenIdConfiguration' && r.status === 200));
    });
  }

  it('refuses a wrong secret, a wrong System.AccessToken and a wrong managed identity header', async () => {
    const secret = await probe('secret', { AZURE_CLIENT_SECRET: 'not-the-secret' });
    assert.equal(secret.ok, false);
    assert.match(secret.error ?? '', /AADSTS7000215/);
    const pipelines = await probe('pipelines', { SYSTEM_ACCESSTOKEN: 'wrong' });
    assert.equal(pipelines.ok, false);
    assert.match(pipelines.error ?? '', /AzurePipelinesCredential/);
    const mi = await probe('managed-identity', { IDENTITY_HEADER: 'wrong' });
    assert.equal(mi.ok, false);
  });
});

describe('emulator lifecycle and record mode', { timeout: 120_000 }, () => {
  it('records every request as one redacted JSON line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlsteps-record-'));
    const file = join(dir, 'requests.jsonl');
    const emu = await startEmulator({ record: file, latencyMs: 30 });
    try {
      const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: emu.ids.clientId, client_secret: emu.ids.clientSecret, scope: 'https://management.azure.com/.default' }).toString();
      const token = await send(emu, `${emu.authorityHost}${emu.ids.tenantId}/oauth2/v2.0/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
      assert.equal(token.status, 200);
      const access = token.json().access_token as string;
      const auth = { authorization: `Bearer ${access}` };
      const secrets = await send(emu, `${emu.armEndpoint}${wsPath(emu)}/datastores/workspaceblobstore/listSecrets?api-version=2022-10-01`, { method: 'POST', headers: auth });
      assert.equal(secrets.status, 200);
      const put = await send(emu, `${emu.armEndpoint}${wsPath(emu)}/datastores/other?api-version=2022-10-01`, {
        method: 'PUT',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ properties: { datastoreType: 'AzureBlob', accountName: 'acct', containerName: 'c', credentials: { credentialsType: 'AccountKey', secrets: { secretsType: 'AccountKey', key: 'c2VjcmV0LWFjY291bnQta2V5' } } } }),
      });
      assert.equal(put.status, 201, put.text);
      const oidc = await send(emu, `${emu.oidcRequestUri}?api-version=7.1&serviceConnectionId=${emu.ids.serviceConnectionId}`, { method: 'POST', headers: { authorization: `Bearer ${emu.ids.systemAccessToken}`, 'content-type': 'application/json' } });
      assert.equal(oidc.status, 200);
      const assertion = oidc.json().oidcToken as string;
      const federated = await send(emu, `${emu.authorityHost}${emu.ids.tenantId}/oauth2/v2.0/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: emu.ids.clientId, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion, scope: 'https://management.azure.com/.default' }).toString(),
      });
      assert.equal(federated.status, 200);
      emu.jobs.script('rec-job', { logLines: ['x'] });
      const job = await send(emu, `${emu.armEndpoint}${wsPath(emu)}/jobs/rec-job?api-version=2022-10-01`, {
        method: 'PUT',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ properties: { jobType: 'Command', command: 'echo', environmentId: 'azureml://registries/azureml/environments/sklearn-1.5/versions/1' } }),
      });
      assert.equal(job.status, 201, job.text);
      await emu.jobs.waitFor('rec-job');
      const details = await send(emu, `${emu.armEndpoint}/history/v1.0${wsPath(emu)}/runs/rec-job/details`, { headers: auth });
      const sasUrl: string = details.json().logFiles['user_logs/std_log.txt'];
      const sig = new URL(sasUrl).searchParams.get('sig') as string;
      // The next request carries the SAS URL in its query: its signature must not be recorded.
      await send(emu, `${emu.armEndpoint}/discovery?probe=${encodeURIComponent(sasUrl)}`);

      const lines = readFileSync(file, 'utf8').trim().split('\n');
      assert.equal(lines.length, emu.requests.length);
      assert.ok(emu.requests.every((r) => r.durationMs >= 29), 'latencyMs delays every request');
      for (const line of lines) assert.deepEqual(Object.keys(JSON.parse(line)), ['method', 'url', 'status', 'body']);
      const text = readFileSync(file, 'utf8');
      for (const secret of [emu.ids.clientSecret, emu.ids.systemAccessToken, emu.blob.accountKey, access, assertion, sig, 'c2VjcmV0LWFjY291bnQta2V5']) {
        assert.equal(text.includes(secret), false, `a secret leaked into the record: ${secret.slice(0, 12)}…`);
      }
      assert.match(text, /"client_secret":"REDACTED"/);
      assert.match(text, /"client_assertion":"REDACTED"/);
      const first = JSON.parse(lines[0]);
      assert.equal(first.method, 'POST');
      assert.equal(first.status, 200);
      assert.equal(first.body.grant_type, 'client_credentials');
    } finally {
      await emu.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('starts and stops cleanly, leaving no Azurite behind — even when its process is killed', async () => {
    const emu = await startEmulator();
    const pid = emu.blob.pid;
    assert.equal(alive(pid), true);
    const probe = await send(emu, `${emu.blob.serviceUrl}/${emu.blob.accountName}?comp=list`);
    assert.ok(probe.status > 0, 'Azurite answers');
    await emu.stop();
    assert.equal(alive(pid), false);
    const after = await send(emu, `${emu.armEndpoint}/discovery`).catch((e) => e);
    assert.ok(after instanceof Error, 'the HTTPS server is closed');

    // The CLI, killed with SIGKILL: its Azurite notices its parent is gone and exits.
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'tests', 'emulator', 'cli.ts'), '--quiet'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await until('the CLI to print its URLs', () => /Ctrl-C stops it/.test(out), 30_000);
      assert.match(out, /ARM endpoint\s+https:\/\/127\.0\.0\.1:\d+/);
      assert.match(out, /export NODE_EXTRA_CA_CERTS=/);
      const cliAzurite = Number(/\(pid (\d+);/.exec(out)?.[1]);
      const caPath = /CA certificate\s+(\S+)/.exec(out)?.[1] as string;
      assert.ok(alive(cliAzurite));
      assert.ok(existsSync(caPath));
      child.kill('SIGKILL');
      await until('Azurite of the killed CLI to exit', () => !alive(cliAzurite), 10_000);
      assert.equal(existsSync(caPath), false, 'its temporary folder (CA, service principal key) is removed too');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('stops on SIGINT from the command line (npm run emulator)', async () => {
    const child = spawn(process.execPath, [join(ROOT, 'scripts', 'emulator.mjs'), '--quiet', '--port', '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await until('the CLI to print its URLs', () => /Ctrl-C stops it/.test(out), 30_000);
      const azurite = Number(/\(pid (\d+);/.exec(out)?.[1]);
      child.kill('SIGINT');
      assert.equal(await exited, 0);
      assert.equal(alive(azurite), false);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
