// Every authentication scheme of an Azure Resource Manager service connection, end to end: the
// real @azure/identity class, in a child process that trusts the emulator's CA through
// NODE_EXTRA_CA_CERTS, against the emulator's Entra ID, Azure DevOps OIDC and managed identity
// endpoints; the ARM requests it then sends carry that principal's token. And `mlsteps run
// --backend azureml --no-wait` (the CLI's code path) with DefaultAzureCredential.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { startEmulator, type Emulator } from './emulator';
import type { ChildJob } from './helpers/azureml-child';
import { projectRoot } from './helpers/fixtures';
import type { AuthConfig } from '../src/backends/azureml';
import { runCommand } from '../src/run/command';

const CHILD = path.join(__dirname, 'helpers', 'azureml-child.ts');

let em: Emulator;
let work: string;
let project: string;

before(async () => {
  em = await startEmulator({ computeProvisionMs: 20 });
  work = mkdtempSync(path.join(tmpdir(), 'mlsteps-aml-auth-'));
  project = path.join(work, 'project');
  cpSync(path.join(projectRoot, 'samples', 'credit-risk'), project, { recursive: true });
});

after(async () => {
  await em?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

function target() {
  return { subscriptionId: em.ids.subscriptionId, resourceGroup: em.ids.resourceGroup, workspace: em.ids.workspace, armEndpoint: em.armEndpoint, armAudience: em.armAudience, authorityHost: em.authorityHost };
}

interface Output {
  result?: { steps?: { step: string; outcome: string; jobName?: string; reason?: string }[]; code?: number; out?: string; err?: string };
  error?: { describe?: string; message: string };
}

function child(job: ChildJob, env: Record<string, string>): Promise<Output> {
  return new Promise((resolve, reject) => {
    // Only the variables of the scheme under test: no AZURE_* of the machine running the tests.
    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(AZURE_|SYSTEM_|IDENTITY_|MSI_|BUILD_)/.test(k)));
    const p = spawn(process.execPath, ['--import', 'tsx', CHILD], { env: { ...base, ...env, MLSTEPS_CHILD: JSON.stringify(job) }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', reject);
    p.on('close', () => {
      try {
        resolve(JSON.parse(out.trim().split('\n').pop() ?? '') as Output);
      } catch {
        reject(new Error(`child printed no result:\n${out}\n${err}`));
      }
    });
  });
}

/** Submits one step with `auth` and returns the principal kinds of the ARM requests it sent. */
async function submitWith(auth: AuthConfig, envKind: Parameters<Emulator['env']>[0], buildId: string): Promise<Set<string | undefined>> {
  const before = em.requests.length;
  const out = await child(
    { mode: 'submit', project, steps: ['data_preparation_subset'], target: target(), auth, credentialOptions: { authorityHost: em.authorityHost }, options: { buildId, createCompute: true, pollIntervalMs: 20 } },
    em.env(envKind),
  );
  assert.ok(out.result?.steps, `${auth.scheme}: ${out.error?.describe ?? JSON.stringify(out)}`);
  const step = out.result.steps[0];
  assert.equal(step.outcome, 'ok', `${auth.scheme}: ${step.reason}`);
  assert.match(step.jobName!, new RegExp(`-${buildId}-`));
  const arm = em.requests.slice(before).filter((r) => r.path.includes('/providers/Microsoft.MachineLearningServices/'));
  assert.ok(arm.length > 0);
  assert.deepEqual(em.specErrors(), []);
  return new Set(arm.map((r) => r.principal));
}

test('workload identity federation: AzurePipelinesCredential with the pipeline\'s OIDC token', async () => {
  const principals = await submitWith(
    { scheme: 'workloadIdentityFederation', tenantId: em.ids.tenantId, clientId: em.ids.clientId, serviceConnectionId: em.ids.serviceConnectionId, systemAccessToken: em.ids.systemAccessToken },
    'pipelines',
    'wif',
  );
  assert.deepEqual([...principals], ['federated']);
});

test('service principal with a secret: ClientSecretCredential', async () => {
  const principals = await submitWith({ scheme: 'servicePrincipalSecret', tenantId: em.ids.tenantId, clientId: em.ids.clientId, clientSecret: em.ids.clientSecret }, 'secret', 'spsecret');
  assert.deepEqual([...principals], ['secret']);
});

test('service principal with a certificate: ClientCertificateCredential, PEM text or file', async () => {
  const text = await submitWith({ scheme: 'servicePrincipalCertificate', tenantId: em.ids.tenantId, clientId: em.ids.clientId, certificate: em.ids.certificatePem }, 'certificate', 'spcerttext');
  assert.deepEqual([...text], ['certificate']);
  const file = await submitWith({ scheme: 'servicePrincipalCertificate', tenantId: em.ids.tenantId, clientId: em.ids.clientId, certificatePath: em.ids.certificatePath }, 'certificate', 'spcertfile');
  assert.deepEqual([...file], ['certificate']);
});

test('managed identity: ManagedIdentityCredential from the host\'s identity endpoint', async () => {
  const principals = await submitWith({ scheme: 'managedIdentity' }, 'managed-identity', 'msi');
  assert.deepEqual([...principals], ['managed-identity']);
});

test('mlsteps run --backend azureml --no-wait signs in with DefaultAzureCredential and prints each job and its studio URL', async () => {
  const before = em.requests.length;
  const out = await child(
    {
      mode: 'run',
      project,
      target: target(),
      run: { steps: ['data_preparation_subset', 'data_validation'], subscription: em.ids.subscriptionId, resourceGroup: em.ids.resourceGroup, workspace: em.ids.workspace, armEndpoint: em.armEndpoint, armAudience: em.armAudience, authorityHost: em.authorityHost, createCompute: true },
    },
    { ...em.env('secret'), BUILD_BUILDID: 'cli1' },
  );
  assert.ok(out.result, JSON.stringify(out.error));
  const { code, out: stdout, err } = out.result as { code: number; out: string; err: string };
  assert.equal(code, 0, `${stdout}\n${err}`);
  assert.match(stdout, /submitting 2 steps to Azure ML workspace ml-ws \(resource group ml-rg\); not waiting for the jobs \(--no-wait\)/);
  for (const step of ['data_preparation_subset', 'data_validation']) {
    assert.match(stdout, new RegExp(`✓ ${step} submitted mlsteps-${step}-cli1-[0-9a-f]{8} \\(NotStarted\\)\\n  https://ml\\.azure\\.com/runs/mlsteps-${step}-cli1-[0-9a-f]{8}\\?wsid=/subscriptions/`));
  }
  assert.match(stdout, /2 of 2 steps submitted; the jobs run on in Azure ML/);
  const principals = new Set(em.requests.slice(before).filter((r) => r.path.includes('/providers/')).map((r) => r.principal));
  assert.deepEqual([...principals], ['secret'], 'DefaultAzureCredential took the service principal from AZURE_CLIENT_ID/AZURE_CLIENT_SECRET');
});

test('mlsteps run --backend azureml needs the workspace whether it waits (the default) or not (exit 2)', async () => {
  for (const noWait of [false, true]) {
    let err = '';
    const code = await runCommand({ path: project, backend: 'azureml', noWait }, { out: () => undefined, err: (s) => void (err += s) });
    assert.equal(code, 2);
    assert.match(err, /missing the subscription \(--subscription, or workspace\.subscription_id in mlsteps\.yml\)/);
  }
});
