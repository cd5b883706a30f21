// MLStepsRun@1's pure pieces: a service connection → credential scheme, workspace endpoints and
// secrets to mask; the results summary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from '../tasks/common/project-input';
import { readServiceConnection, secretsOf, type EndpointReader } from '../tasks/common/service-connection';
import { formatResultsMarkdown, type RunResults } from '../tasks/MLStepsRunV1/results';
import { safeName as variableName } from '../tasks/MLStepsRunV1/results';

function endpoint(scheme: string | undefined, parameters: Record<string, string>, data: Record<string, string> = {}, url?: string): EndpointReader {
  const lookup = (values: Record<string, string>) => (name: string) => Object.entries(values).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
  return { id: 'b1f0c5e2-0000-4000-8000-000000000001', ...(scheme ? { scheme } : {}), parameter: lookup(parameters), data: lookup(data), ...(url ? { url } : {}) };
}

test('service principal with a secret, Azure Government: endpoint, audience and authority from the connection', () => {
  const c = readServiceConnection(
    endpoint(
      'ServicePrincipal',
      { tenantid: 'tenant', serviceprincipalid: 'app', authenticationType: 'spnKey', serviceprincipalkey: 's3cr3t-value' },
      { subscriptionId: 'sub', environment: 'AzureUSGovernment', activeDirectoryAuthority: 'https://login.microsoftonline.us/', activeDirectoryServiceEndpointResourceId: 'https://management.core.usgovcloudapi.net/' },
      'https://management.usgovcloudapi.net/',
    ),
    {},
  );
  assert.deepEqual(c.auth, { scheme: 'servicePrincipalSecret', tenantId: 'tenant', clientId: 'app', clientSecret: 's3cr3t-value' });
  assert.deepEqual(c.target, {
    subscription: 'sub',
    armEndpoint: 'https://management.usgovcloudapi.net/',
    armAudience: 'https://management.core.usgovcloudapi.net/',
    authorityHost: 'https://login.microsoftonline.us/',
    tenantId: 'tenant',
  });
  assert.deepEqual(c.secrets, ['s3cr3t-value']);
});

test('service principal with a certificate: every line of the PEM body is a secret (task.setsecret takes one line)', () => {
  const pem = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\nabcdefgh12345678\n-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49\n-----END PRIVATE KEY-----\n';
  const c = readServiceConnection(endpoint('ServicePrincipal', { tenantid: 't', serviceprincipalid: 'a', authenticationType: 'spnCertificate', servicePrincipalCertificate: pem }), {});
  assert.equal(c.auth.scheme, 'servicePrincipalCertificate');
  assert.deepEqual(c.secrets, ['MIIBszCCAVmgAwIBAgIU', 'abcdefgh12345678', 'MIGHAgEAMBMGByqGSM49']);
});

test('workload identity federation needs System.AccessToken, which is a secret too', () => {
  const e = endpoint('WorkloadIdentityFederation', { tenantid: 't', serviceprincipalid: 'a' });
  assert.throws(() => readServiceConnection(e, {}), (err: Error) => err instanceof InputError && /needs System\.AccessToken/.test(err.message));
  const c = readServiceConnection(e, { systemAccessToken: 'vsts-token-value' });
  assert.deepEqual(c.auth, { scheme: 'workloadIdentityFederation', tenantId: 't', clientId: 'a', serviceConnectionId: e.id, systemAccessToken: 'vsts-token-value' });
  assert.deepEqual(c.secrets, ['vsts-token-value']);
});

test('managed identity: system-assigned, or user-assigned with its client id', () => {
  assert.deepEqual(readServiceConnection(endpoint('ManagedServiceIdentity', { tenantid: 't' }), {}).auth, { scheme: 'managedIdentity' });
  assert.deepEqual(readServiceConnection(endpoint('ManagedServiceIdentity', { tenantid: 't', serviceprincipalid: 'uami' }), {}).auth, { scheme: 'managedIdentity', clientId: 'uami' });
});

test('a connection the job does not know, or an unsupported scheme: a clear InputError', () => {
  assert.throws(() => readServiceConnection(endpoint(undefined, {}), {}), (err: Error) => err instanceof InputError && /is not available to this job/.test(err.message));
  assert.throws(() => readServiceConnection(endpoint('UsernamePassword', {}), {}), (err: Error) => err instanceof InputError && /is not supported/.test(err.message));
});

test('secretsOf: single values as they are, blanks ignored, duplicates once', () => {
  assert.deepEqual(secretsOf(['a-secret', undefined, '', '  ', 'a-secret']), ['a-secret']);
});

test('metric names as output variable names', () => {
  assert.equal(variableName('auc'), 'auc');
  assert.equal(variableName('val/f1 score'), 'val_f1_score');
  assert.equal(variableName('train.loss-1'), 'train.loss-1');
});

test('the summary: a row per step with its job link and metrics, the best trial, the gate', () => {
  const r: RunResults = {
    schemaVersion: 1,
    task: 'MLStepsRun@1',
    result: 'Failed',
    waited: true,
    build: { id: '7' },
    workspace: { subscriptionId: 's', resourceGroup: 'rg', name: 'ws' },
    selection: { steps: ['tune'] },
    primaryStep: 'tune',
    gate: { expression: 'auc >= 0.9', passed: false, checks: [{ metric: 'auc', op: '>=', value: 0.9, text: 'auc >= 0.9', actual: 0.88, passed: false }] },
    steps: [
      { step: 'prep', stage: 'prep', type: 'command', fingerprint: 'f1', outcome: 'ok', action: 'reused', jobName: 'job-prep', studioUrl: 'https://ml.azure.com/runs/job-prep', status: 'Completed' },
      { step: 'tune', stage: 'tune', type: 'sweep', fingerprint: 'f2', outcome: 'ok', action: 'submitted', jobName: 'job-tune', status: 'Completed', durationMs: 125_000, metrics: { auc: 0.88 }, bestTrial: { trial: 'job-tune_1', parameters: { C: 1, penalty: 'l1' }, metric: { name: 'auc', value: 0.88 } } },
    ],
  };
  const md = formatResultsMarkdown(r);
  assert.match(md, /^### ❌ ML steps: tune — Failed/);
  assert.match(md, /\| prep \| \[job-prep\]\(https:\/\/ml\.azure\.com\/runs\/job-prep\) \| Completed \(reused\) \| {2}\| {2}\|/);
  assert.match(md, /\| tune \| job-tune \| Completed \| 2 min 05 s \| 0\.8800 \|/);
  assert.match(md, /\*\*Best trial of tune\*\*: job-tune_1, auc = 0\.8800\n\nParameters: `C=1 penalty=l1`/);
  assert.match(md, /\*\*Gate\*\* `auc >= 0\.9`: failed\n\n- ❌ auc >= 0\.9: 0\.8800/);
});
