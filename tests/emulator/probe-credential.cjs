'use strict';
// Gets a token with one of @azure/identity's credential classes against the emulator and reads
// the workspace with it, as the product does: run as a child process whose environment holds the
// emulator's variables (NODE_EXTRA_CA_CERTS among them, which Node only reads at start-up).
// Usage: node probe-credential.cjs secret|certificate|pipelines|managed-identity
// Prints one JSON line: { ok, kind, status?, expiresOnTimestamp?, error? }.
const https = require('node:https');
const identity = require('@azure/identity');

const kind = process.argv[2];
const env = process.env;
const common = { authorityHost: env.AZURE_AUTHORITY_HOST, disableInstanceDiscovery: true };
const scope = env.PROBE_SCOPE || 'https://management.azure.com/.default';

function credential() {
  switch (kind) {
    case 'secret':
      return new identity.ClientSecretCredential(env.AZURE_TENANT_ID, env.AZURE_CLIENT_ID, env.AZURE_CLIENT_SECRET, common);
    case 'certificate':
      return new identity.ClientCertificateCredential(env.AZURE_TENANT_ID, env.AZURE_CLIENT_ID, { certificatePath: env.AZURE_CLIENT_CERTIFICATE_PATH }, common);
    case 'pipelines':
      return new identity.AzurePipelinesCredential(env.AZURESUBSCRIPTION_TENANT_ID, env.AZURESUBSCRIPTION_CLIENT_ID, env.AZURESUBSCRIPTION_SERVICE_CONNECTION_ID, env.SYSTEM_ACCESSTOKEN, common);
    case 'managed-identity':
      return new identity.ManagedIdentityCredential();
    default:
      throw new Error(`unknown credential kind ${kind}`);
  }
}

function get(url, token) {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { headers: { authorization: `Bearer ${token}` } }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

(async () => {
  try {
    const token = await credential().getToken(scope);
    const ws = `${env.MLSTEPS_ARM_ENDPOINT}/subscriptions/${env.AZURE_SUBSCRIPTION_ID}/resourceGroups/${env.PROBE_RESOURCE_GROUP}/providers/Microsoft.MachineLearningServices/workspaces/${env.PROBE_WORKSPACE}?api-version=2022-10-01`;
    const res = await get(ws, token.token);
    console.log(JSON.stringify({ ok: res.status === 200, kind, status: res.status, expiresOnTimestamp: token.expiresOnTimestamp }));
  } catch (err) {
    console.log(JSON.stringify({ ok: false, kind, error: `${err.name}: ${err.message}` }));
  }
})();
