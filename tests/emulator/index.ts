/**
 * An emulator of the Azure ML control plane for tests (DESIGN §6): ARM routes of one workspace,
 * run history, MLflow's read API, the workspace discovery document, Entra ID's token endpoint,
 * Azure DevOps' OIDC endpoint and a managed identity endpoint, over HTTPS on 127.0.0.1 with a
 * generated CA; blob storage is Azurite. Every ARM request is validated against the official
 * REST spec. See README.md beside this file.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { fixturesDir as defaultFixturesDir } from '../helpers/fixtures';
import { Arm, parseWorkspacePath } from './arm';
import { ARM_AUDIENCES, Auth } from './auth';
import { startAzurite, type Azurite } from './azurite';
import type { Ctx, Operation } from './context';
import { RP } from './context';
import { certificates } from './crypto';
import { Faults } from './faults';
import { armError, json, parseBody, str, type Reply, type Req } from './http';
import { JobEngine } from './jobs';
import { Redactor } from './redact';
import { RunHistory } from './runhistory';
import { loadSpecValidator } from './spec-adapter';
import type { ArmResource, Emulator, EmulatorIds, EmulatorOptions, EmulatorState, FaultRule, RecordedRequest } from './types';

export * from './types';

/** API versions served when the spec (which lists them) is not available. */
const DEFAULT_API_VERSIONS = ['2022-10-01', '2024-10-01'];

export async function startEmulator(options: EmulatorOptions & { ids?: Partial<EmulatorIds> } = {}): Promise<Emulator> {
  const certs = await certificates();
  const tmp = mkdtempSync(join(tmpdir(), 'mlsteps-emulator-'));
  const caCertPath = join(tmp, 'ca.pem');
  writeFileSync(caCertPath, certs.caCertPem);
  const certificatePem = `${certs.clientCertPem.trim()}\n${certs.clientKeyPem.trim()}\n`;
  const certificatePath = join(tmp, 'service-principal.pem');
  writeFileSync(certificatePath, certificatePem, { mode: 0o600 });

  const workspaceId = randomUUID();
  const ids: EmulatorIds = {
    tenantId: randomUUID(),
    subscriptionId: randomUUID(),
    resourceGroup: 'ml-rg',
    workspace: 'ml-ws',
    location: 'eastus',
    clientId: randomUUID(),
    clientSecret: `emu~${randomBytes(24).toString('base64url')}`,
    serviceConnectionId: randomUUID(),
    systemAccessToken: `vsts-${randomBytes(32).toString('base64url')}`,
    certificatePem,
    certificatePath,
    identityHeader: randomBytes(16).toString('hex'),
    workspaceId,
    ...options.ids,
  };

  const redactor = new Redactor();
  for (const secret of [ids.clientSecret, ids.systemAccessToken, ids.identityHeader, certs.clientKeyPem]) redactor.add(secret);

  const blobContainer = `azureml-blobstore-${ids.workspaceId}`;
  const artifactContainer = 'azureml';
  let azurite: Azurite;
  try {
    azurite = await startAzurite({ containers: [blobContainer, artifactContainer], cleanupDir: tmp });
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  redactor.add(azurite.accountKey);

  const server: Server = createServer({ key: certs.serverKeyPem, cert: certs.serverCertPem });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await azurite.stop();
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const base = `https://127.0.0.1:${port}`;
  const workspaceArmId = `/subscriptions/${ids.subscriptionId}/resourceGroups/${ids.resourceGroup}/providers/${RP}/workspaces/${ids.workspace}`;
  const mlflowPath = `mlflow/v1.0${workspaceArmId}`;

  const codeVersions = new Map<string, ArmResource>();
  const environmentVersions = new Map<string, ArmResource>();
  const state: EmulatorState = {
    computes: new Map(),
    environments: new Map(),
    codes: new Map(),
    data: new Map(),
    datastores: new Map(),
    jobs: new Map(),
    imageBuilds: [],
    get codeVersions() {
      codeVersions.clear();
      for (const [n, c] of state.codes) for (const [v, r] of c.versions) codeVersions.set(`${n}:${v}`, r);
      return codeVersions;
    },
    get environmentVersions() {
      environmentVersions.clear();
      for (const [n, c] of state.environments) for (const [v, r] of c.versions) environmentVersions.set(`${n}:${v}`, r);
      return environmentVersions;
    },
  };

  const log = options.log ?? (() => undefined);
  const managedIdentityClientId = randomUUID();
  const auth = new Auth(base, ids, certs, options.tokenLifetimeSeconds ?? 3599, managedIdentityClientId, (s) => redactor.add(s));
  const ctx: Ctx = {
    base,
    ids,
    state,
    azurite,
    auth,
    redactor,
    workspaceArmId,
    discoveryUrl: `${base}/discovery`,
    mlflowTrackingUri: `azureml://127.0.0.1:${port}/${mlflowPath}`,
    pageSize: options.pageSize ?? 50,
    computeProvisionMs: options.computeProvisionMs ?? 300,
    imageBuildMs: options.imageBuildMs ?? 0,
    jobMode: options.jobMode ?? 'scripted',
    ...(options.python ? { python: options.python } : {}),
    operations: new Map<string, Operation>(),
    datastoreSecrets: new Map(),
    artifactContainer,
    blobContainer,
    datastore: (name) => state.datastores.get(name),
    resolveAsset: (ref, kind) => arm.resolveAsset(ref, kind),
    log,
  };
  const jobs = new JobEngine(ctx);
  const arm = new Arm(ctx, jobs);
  const history = new RunHistory(ctx, jobs);
  for (const [name, container, isDefault, description] of [
    ['workspaceblobstore', blobContainer, true, "The workspace's default blob datastore (Azurite)."],
    ['workspaceartifactstore', artifactContainer, false, "The workspace's run artifacts (Azurite)."],
  ] as const) {
    state.datastores.set(name, arm.datastoreResource(name, container, isDefault, description));
    ctx.datastoreSecrets.set(name, { secretsType: 'AccountKey', key: azurite.accountKey });
  }

  const loaded = loadSpecValidator(options.fixturesDir ?? defaultFixturesDir());
  if (loaded.note) log(loaded.note);
  const spec = loaded.spec;
  const apiVersions = spec?.apiVersions.length ? spec.apiVersions : DEFAULT_API_VERSIONS;

  const faults = new Faults();
  const requests: RecordedRequest[] = [];
  let seq = 0;
  const sockets = new Set<Duplex>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('tlsClientError', () => undefined);

  // ---- routing ------------------------------------------------------------------------------------

  async function routeArm(req: Req): Promise<Reply> {
    const checked = auth.check(req);
    if ('reply' in checked) return checked.reply;
    req.info.principal = checked.identity.kind;
    const status = arm.operationStatus(req, req.segments);
    if (status) return status;
    const apiVersion = req.query['api-version'];
    req.info.apiVersion = apiVersion;
    if (!apiVersion) return json(400, loaded.apiVersionErrorBody(apiVersion, apiVersions));
    const p = parseWorkspacePath(req.segments);
    if (req.segments[1] && req.segments[1].toLowerCase() !== ids.subscriptionId.toLowerCase()) {
      return armError(404, 'SubscriptionNotFound', `The subscription '${req.segments[1]}' could not be found.`);
    }
    if (req.segments[2]?.toLowerCase() === 'resourcegroups' && req.segments[3] && req.segments[3].toLowerCase() !== ids.resourceGroup.toLowerCase()) {
      return armError(404, 'ResourceGroupNotFound', `Resource group '${req.segments[3]}' could not be found.`);
    }
    if (!p) return armError(404, 'InvalidResourceType', `The resource type of '${req.path}' could not be found in the namespace '${RP}' for api version '${apiVersion}'.`);
    if (!apiVersions.includes(apiVersion)) return json(400, loaded.apiVersionErrorBody(apiVersion, apiVersions));
    if (p.workspace.toLowerCase() !== ids.workspace.toLowerCase()) {
      return armError(404, 'ResourceNotFound', `The Resource '${RP}/workspaces/${p.workspace}' under resource group '${p.resourceGroup}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`);
    }
    const route = arm.route(req, p);
    const op = spec?.find(req.method, req.path, apiVersion);
    req.info.operationId = op?.operationId ?? route?.operationId;
    const type = [`workspaces`, ...p.rest.filter((_, i) => i % 2 === 0)].join('/');
    if (!route) {
      if (op) return armError(501, 'NotImplemented', `The emulator does not implement ${op.operationId} (${req.method} ${op.pathTemplate}).`);
      const allowed = spec?.allowedMethods(req.path, apiVersion) ?? [];
      if (allowed.length) return armError(405, 'MethodNotAllowed', `The requested resource does not support http method '${req.method}'.`, { headers: { allow: allowed.join(', ') } });
      return armError(404, 'InvalidResourceType', `The resource type '${type}' could not be found in the namespace '${RP}' for api version '${apiVersion}'.`);
    }
    if (spec && !op) {
      return armError(404, 'InvalidResourceType', `The resource type '${type}' could not be found in the namespace '${RP}' for api version '${apiVersion}' (${route.operationId} is not in that api-version).`);
    }
    if (op) {
      const headers: Record<string, string | undefined> = {};
      for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
      const errors = op.validate({ query: req.query, body: req.body, headers });
      if (errors.length) {
        req.info.specErrors = errors;
        return json(400, loaded.errorBody(errors, op.operationId));
      }
    }
    const reply = await route.handler();
    if (op?.validateResponse && reply.status < 400) {
      try {
        req.info.responseSpecErrors = op.validateResponse(reply.status, reply.body);
      } catch (err) {
        req.info.responseSpecErrors = [{ path: '', message: `response validation threw: ${(err as Error).message}` }];
      }
    }
    return reply;
  }

  function routeEntra(req: Req): Reply | undefined {
    const s = req.segments;
    const tenant = s[0];
    const rest = s.slice(1).join('/').toLowerCase();
    if (tenant === 'common' && rest === 'discovery/instance') {
      req.info.operationId = 'Entra_InstanceDiscovery';
      return auth.instanceDiscovery();
    }
    if (req.method === 'GET' && (rest === 'v2.0/.well-known/openid-configuration' || rest === '.well-known/openid-configuration')) {
      req.info.operationId = 'Entra_OpenIdConfiguration';
      return auth.openIdConfiguration(tenant, rest.startsWith('v2.0'));
    }
    if (req.method === 'POST' && (rest === 'oauth2/v2.0/token' || rest === 'oauth2/token')) {
      req.info.operationId = 'Entra_Token';
      return auth.token(tenant, req, rest === 'oauth2/v2.0/token');
    }
    if (req.method === 'GET' && (rest === 'discovery/v2.0/keys' || rest === 'discovery/keys')) {
      req.info.operationId = 'Entra_Keys';
      return auth.jwks();
    }
    return undefined;
  }

  function cloudMetadata(req: Req): Reply {
    req.info.operationId = 'Cloud_Metadata';
    const cloud = {
      portal: 'https://portal.azure.com',
      authentication: { loginEndpoint: `${base}/`, audiences: ['https://management.core.windows.net/', 'https://management.azure.com/'], tenant: 'common', identityProvider: 'AAD' },
      media: base,
      graphAudience: 'https://graph.windows.net/',
      graph: 'https://graph.windows.net/',
      name: 'AzureCloud',
      suffixes: { azureDataLakeStoreFileSystem: 'azuredatalakestore.net', acrLoginServer: 'azurecr.io', sqlServerHostname: 'database.windows.net', keyVaultDns: 'vault.azure.net', storage: 'core.windows.net' },
      batch: 'https://batch.core.windows.net/',
      resourceManager: `${base}/`,
      vmImageAliasDoc: '',
      activeDirectoryDataLake: 'https://datalake.azure.net/',
      sqlManagement: 'https://management.core.windows.net:8443/',
      gallery: 'https://gallery.azure.com/',
    };
    if (req.query['api-version'] === '2015-01-01' || !req.query['api-version']) {
      return json(200, { galleryEndpoint: 'https://gallery.azure.com/', graphEndpoint: 'https://graph.windows.net/', portalEndpoint: 'https://portal.azure.com/', authentication: { loginEndpoint: `${base}/`, audiences: cloud.authentication.audiences } });
    }
    return json(200, [cloud]);
  }

  async function route(req: Req): Promise<Reply> {
    const first = req.segments[0]?.toLowerCase();
    if (first === 'subscriptions') return routeArm(req);
    if (first === 'history' && req.segments[1] === 'v1.0') {
      const checked = auth.check(req);
      if ('reply' in checked) return checked.reply;
      req.info.principal = checked.identity.kind;
      return history.history(req);
    }
    if (first === 'mlflow' && req.segments[1] === 'v1.0') {
      const checked = auth.check(req);
      if ('reply' in checked) return checked.reply;
      req.info.principal = checked.identity.kind;
      return history.mlflow(req);
    }
    if (first === 'discovery' && req.segments.length === 1 && req.method === 'GET') {
      req.info.operationId = 'Discovery_Get';
      return history.discovery();
    }
    if (first === 'metadata' && req.segments[1] === 'endpoints') return cloudMetadata(req);
    if (first === 'metadata' && req.path.toLowerCase() === '/metadata/identity/oauth2/token') {
      req.info.operationId = 'ManagedIdentity_Imds';
      return auth.imds(req);
    }
    if (first === 'msi' && req.segments[1] === 'token') {
      req.info.operationId = 'ManagedIdentity_Token';
      return auth.appServiceMsi(req);
    }
    if (/\/_apis\/distributedtask\/hubs\/build\/plans\/[^/]+\/jobs\/[^/]+\/oidctoken$/i.test(req.path)) {
      req.info.operationId = 'AzureDevOps_OidcToken';
      return auth.oidc(req);
    }
    const entra = routeEntra(req);
    if (entra) return entra;
    return json(404, { error: { code: 'NotFound', message: `The emulator serves no ${req.method} ${req.path}.` } });
  }

  // ---- the server ---------------------------------------------------------------------------------

  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  function faultReply(rule: FaultRule, path: string): Reply | 'reset' {
    const id = randomUUID();
    if (rule.kind !== 'reset' && /\/oauth2\/(v2\.0\/)?token$/i.test(path)) {
      // Entra ID's token endpoint answers in OAuth's error shape, not ARM's.
      const throttled = rule.kind === '429' || rule.kind === '429-retry-after';
      const retryAfter = rule.kind === '429-retry-after' || (rule.kind === '503' && rule.retryAfterSeconds !== undefined) ? { 'retry-after': String(rule.retryAfterSeconds ?? 1) } : undefined;
      const status = throttled ? 429 : Number(rule.kind);
      return json(status, { error: throttled || rule.kind === '503' ? 'temporarily_unavailable' : 'server_error', error_description: `AADSTS90033: A transient error has occurred. Please try again.\r\nTrace ID: ${id}\r\nCorrelation ID: ${id}\r\nTimestamp: ${new Date().toISOString()}`, error_codes: [90033], timestamp: new Date().toISOString(), trace_id: id, correlation_id: id }, retryAfter);
    }
    switch (rule.kind) {
      case 'reset':
        return 'reset';
      case '429':
        return armError(429, 'TooManyRequests', 'The request is being throttled as the limit has been reached for operation type - Read_ObservationWindow_00:05:00. For more information, see - https://aka.ms/srpthrottlinglimits', {
          headers: { 'x-ms-ratelimit-remaining-subscription-reads': '0' },
        });
      case '429-retry-after':
        return armError(429, 'TooManyRequests', 'The request is being throttled as the limit has been reached for operation type - Read_ObservationWindow_00:05:00. For more information, see - https://aka.ms/srpthrottlinglimits', {
          headers: { 'retry-after': String(rule.retryAfterSeconds ?? 1), 'x-ms-ratelimit-remaining-subscription-reads': '0' },
        });
      case '500':
        return armError(500, 'InternalServerError', `Encountered internal server error. Diagnostic information: timestamp '${new Date().toISOString()}', subscription id '${ids.subscriptionId}', tracking id '${id}', request correlation id '${id}'.`);
      case '503':
        return armError(503, 'ServiceUnavailable', 'The service is temporarily unavailable. Please retry.', rule.retryAfterSeconds !== undefined ? { headers: { 'retry-after': String(rule.retryAfterSeconds) } } : {});
      default:
        return json(500, { error: { code: 'InternalServerError', message: 'unknown fault' } });
    }
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const started = Date.now();
    const url = new URL(request.url ?? '/', base);
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks);
    const query: Record<string, string> = {};
    const queryAll: Record<string, string[]> = {};
    for (const [k, v] of url.searchParams) {
      query[k] = v;
      (queryAll[k] ??= []).push(v);
    }
    const segments = url.pathname
      .split('/')
      .filter(Boolean)
      .map((s) => {
        try {
          return decodeURIComponent(s);
        } catch {
          return s;
        }
      });
    const req: Req = {
      method: (request.method ?? 'GET').toUpperCase(),
      path: url.pathname,
      segments,
      query,
      queryAll,
      headers: request.headers,
      rawBody,
      body: parseBody(rawBody, str(request.headers['content-type'])),
      info: { specErrors: [], responseSpecErrors: [] },
    };
    const pathAndQuery = `${url.pathname}${url.search}`;
    let reply: Reply | 'reset';
    let fault: FaultRule | undefined;
    let faultPhase: 'before' | 'after' | undefined;
    const before = faults.pick(req.method, pathAndQuery, 'before');
    const delay = (options.latencyMs ?? 0) + before.latencyMs;
    if (delay > 0) await sleep(delay);
    if (before.failure) {
      fault = before.failure;
      faultPhase = 'before';
      reply = faultReply(before.failure, req.path);
    } else {
      try {
        reply = await route(req);
      } catch (err) {
        log(`error in ${req.method} ${req.path}: ${(err as Error).stack ?? err}`);
        reply = armError(500, 'InternalServerError', `The emulator failed: ${(err as Error).message}`);
      }
      const after = faults.pick(req.method, pathAndQuery, 'after');
      if (after.latencyMs > 0) await sleep(after.latencyMs);
      const lost = after.failure ?? before.lostReply;
      if (lost) {
        fault = lost;
        faultPhase = 'after';
        reply = faultReply(lost, req.path);
      }
    }
    if (before.latencyMs > 0 && !fault) fault = { kind: 'latency' };

    let status = 0;
    let sentBody: unknown;
    if (reply === 'reset') {
      request.socket.destroy();
    } else {
      status = reply.status;
      const headers: Record<string, string> = {
        'x-ms-request-id': randomUUID(),
        'x-ms-correlation-request-id': str(request.headers['x-ms-correlation-request-id']) ?? randomUUID(),
        ...(str(request.headers['x-ms-client-request-id']) ? { 'x-ms-client-request-id': str(request.headers['x-ms-client-request-id']) as string } : {}),
        ...(reply.headers ?? {}),
      };
      let payload: Buffer | undefined;
      if (reply.body !== undefined) {
        if (reply.contentType) {
          headers['content-type'] = reply.contentType;
          payload = Buffer.from(String(reply.body));
        } else {
          headers['content-type'] = 'application/json; charset=utf-8';
          payload = Buffer.from(JSON.stringify(reply.body));
        }
        sentBody = reply.body;
      }
      headers['content-length'] = String(payload?.length ?? 0);
      response.writeHead(status, headers);
      response.end(payload);
    }

    const record: RecordedRequest = {
      seq: ++seq,
      time: new Date(started).toISOString(),
      method: req.method,
      url: redactor.text(url.toString()),
      path: req.path,
      query: redactor.value(query) as Record<string, string>,
      ...(req.info.apiVersion ? { apiVersion: req.info.apiVersion } : {}),
      status,
      body: req.body === undefined ? null : redactor.value(req.body),
      ...(sentBody !== undefined ? { responseBody: redactor.value(sentBody) } : {}),
      headers: redactor.headers(request.headers),
      ...(req.info.operationId ? { operationId: req.info.operationId } : {}),
      specErrors: req.info.specErrors,
      responseSpecErrors: req.info.responseSpecErrors,
      ...(fault ? { fault: fault.kind } : {}),
      ...(faultPhase ? { faultPhase } : {}),
      ...(req.info.principal ? { principal: req.info.principal } : {}),
      durationMs: Date.now() - started,
    };
    requests.push(record);
    if (options.record) {
      appendFileSync(options.record, `${JSON.stringify({ method: record.method, url: record.url, status: record.status, body: record.body })}\n`);
    }
    log(`${record.method} ${url.pathname}${url.search ? redactor.text(url.search) : ''} → ${status === 0 ? 'reset' : status}${record.operationId ? ` ${record.operationId}` : ''}${fault ? ` [fault ${fault.kind}]` : ''}${record.specErrors.length ? ` [spec: ${record.specErrors.map((e) => `${e.path} ${e.message}`).join('; ')}]` : ''} ${record.durationMs}ms`);
  }

  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    handle(request, response).catch((err) => {
      log(`request failed: ${(err as Error).message}`);
      try {
        if (!response.headersSent) response.writeHead(500);
        response.end();
      } catch {
        // socket gone
      }
    });
  });

  // ---- the handle -------------------------------------------------------------------------------

  let stopping: Promise<void> | undefined;
  const exitHook = () => {
    try {
      server.closeAllConnections();
      server.close();
    } catch {
      // exiting anyway
    }
    rmSync(tmp, { recursive: true, force: true });
  };
  process.once('exit', exitHook);

  const armAudience = 'https://management.azure.com';
  const oidcRequestUri = `${base}/mlsteps-org/${randomUUID()}/_apis/distributedtask/hubs/build/plans/${randomUUID()}/jobs/${randomUUID()}/oidctoken`;
  const msiEndpoint = `${base}/msi/token`;

  const emulator: Emulator = {
    armEndpoint: base,
    authorityHost: `${base}/`,
    oidcRequestUri,
    msiEndpoint,
    discoveryUrl: ctx.discoveryUrl,
    mlflowTrackingUri: ctx.mlflowTrackingUri,
    mlflowHttpsUri: `${base}/${mlflowPath}`,
    armAudience,
    port,
    caCertPem: certs.caCertPem,
    caCertPath,
    ids,
    blob: {
      endpoint: azurite.endpoint,
      serviceUrl: azurite.serviceUrl,
      accountName: azurite.accountName,
      accountKey: azurite.accountKey,
      container: blobContainer,
      artifactContainer,
      connectionString: azurite.connectionString,
      pid: azurite.pid,
    },
    env(kind = 'secret') {
      const common: Record<string, string> = {
        NODE_EXTRA_CA_CERTS: caCertPath,
        AZURE_AUTHORITY_HOST: `${base}/`,
        AZURE_TENANT_ID: ids.tenantId,
        AZURE_SUBSCRIPTION_ID: ids.subscriptionId,
        AZURE_RESOURCE_MANAGER_ENDPOINT: base,
        MLSTEPS_ARM_ENDPOINT: base,
        MLSTEPS_AUTHORITY_HOST: `${base}/`,
      };
      switch (kind) {
        case 'certificate':
          return { ...common, AZURE_CLIENT_ID: ids.clientId, AZURE_CLIENT_CERTIFICATE_PATH: certificatePath };
        case 'pipelines':
          return {
            ...common,
            AZURE_CLIENT_ID: ids.clientId,
            SYSTEM_OIDCREQUESTURI: oidcRequestUri,
            SYSTEM_ACCESSTOKEN: ids.systemAccessToken,
            AZURESUBSCRIPTION_CLIENT_ID: ids.clientId,
            AZURESUBSCRIPTION_TENANT_ID: ids.tenantId,
            AZURESUBSCRIPTION_SERVICE_CONNECTION_ID: ids.serviceConnectionId,
          };
        case 'managed-identity':
          return { ...common, IDENTITY_ENDPOINT: msiEndpoint, IDENTITY_HEADER: ids.identityHeader };
        default:
          return { ...common, AZURE_CLIENT_ID: ids.clientId, AZURE_CLIENT_SECRET: ids.clientSecret };
      }
    },
    requests,
    specErrors: () => requests.filter((r) => r.specErrors.length > 0),
    count: (operationId, status) => requests.filter((r) => r.operationId === operationId && (status === undefined || r.status === status)).length,
    faults: { add: (rule) => faults.add(rule), random: (rule) => faults.random(rule), clear: () => faults.clear(), list: () => faults.list() },
    jobs: {
      script: (name, script) => jobs.script(name, script),
      get: (name) => state.jobs.get(name),
      waitFor: (name, statuses, timeoutMs) => jobs.waitFor(name, statuses, timeoutMs),
    },
    state,
    issueToken: (audience = ARM_AUDIENCES[0]) => auth.issue('test', audience).token,
    clearRequests: () => {
      requests.length = 0;
    },
    stop() {
      stopping ??= (async () => {
        process.off('exit', exitHook);
        server.close();
        server.closeAllConnections();
        for (const s of sockets) s.destroy();
        await jobs.stop();
        await azurite.stop();
        rmSync(tmp, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
  log(`Azure ML emulator on ${base} (Azurite ${azurite.serviceUrl}); ${spec ? `validating against the spec (${apiVersions.join(', ')})` : 'no spec validation'}`);
  return emulator;
}
