/**
 * One clear message per failure: what was being done, the service's error code and message, and
 * what to do about it.
 */
export class AzureMLError extends Error {
  override readonly name = 'AzureMLError';
  /** The ARM (or storage, or Entra ID) error code, e.g. `AuthorizationFailed`. */
  readonly code?: string;
  /** The HTTP status, when the service answered. */
  readonly status?: number;
  /** What mlsteps was doing, e.g. `registering environment sklearn:4f1c…`. */
  readonly doing: string;
  /** What the user can do. */
  readonly hint?: string;

  constructor(doing: string, detail: string, options: { code?: string; status?: number; hint?: string; cause?: unknown } = {}) {
    const head = options.code ? `${options.code}${options.status ? ` (HTTP ${options.status})` : ''}: ` : options.status ? `HTTP ${options.status}: ` : '';
    super(redactSecrets(`${doing}: ${head}${detail}`), options.cause === undefined ? undefined : { cause: options.cause });
    this.doing = doing;
    if (options.code !== undefined) this.code = options.code;
    if (options.status !== undefined) this.status = options.status;
    if (options.hint !== undefined) this.hint = options.hint;
  }

  /** The message with its hint on a second line. */
  describe(): string {
    return this.hint ? `${this.message}\n  hint: ${this.hint}` : this.message;
  }
}

/**
 * Service errors can quote the request they failed on: a SAS URL's signature, an account key in a
 * connection string, a bearer token. None of them may reach a log.
 */
export function redactSecrets(text: string): string {
  return text
    .replace(/([?&](?:sig|se|skoid|sktid|skt|ske|sks|skv)=)[^&\s"'<>]+/gi, '$1***')
    .replace(/(AccountKey=)[^;\s"']+/gi, '$1***')
    .replace(/(SharedAccessSignature=)[^;\s"']+/gi, '$1***')
    .replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]+/g, '$1***')
    .replace(/("?(?:client_secret|client_assertion|access_token|refresh_token|key)"?\s*[:=]\s*"?)[^"&\s,}]+/gi, '$1***');
}

/** Where the failure happened, for hints that name the workspace. */
export interface ErrorScope {
  workspace?: string;
  resourceGroup?: string;
  subscriptionId?: string;
  armEndpoint?: string;
}

interface ErrorLike {
  name?: string;
  message?: string;
  code?: string;
  statusCode?: number;
  details?: unknown;
  errorResponse?: { error?: string; errorDescription?: string };
}

/** The HTTP status of an SDK error (RestError), if any. */
export function statusOf(err: unknown): number | undefined {
  if (err instanceof AzureMLError) return err.status;
  const e = err as ErrorLike | undefined;
  return typeof e?.statusCode === 'number' ? e.statusCode : undefined;
}

/** The service error code of an SDK or storage error, if any. */
export function codeOf(err: unknown): string | undefined {
  if (err instanceof AzureMLError) return err.code;
  const e = err as ErrorLike | undefined;
  if (!e || typeof e !== 'object') return undefined;
  const details = e.details as { error?: { code?: unknown }; errorCode?: unknown } | undefined;
  if (details && typeof details === 'object') {
    if (typeof details.error?.code === 'string') return details.error.code;
    if (typeof details.errorCode === 'string') return details.errorCode;
  }
  return typeof e.code === 'string' ? e.code : undefined;
}

export const isNotFound = (err: unknown): boolean => statusOf(err) === 404;
/** 409 Conflict, or a storage/ARM code saying the thing exists already. */
export const isConflict = (err: unknown): boolean => statusOf(err) === 409 || /AlreadyExists|Conflict/i.test(codeOf(err) ?? '');

/** Wraps any failure as an AzureMLError naming what was being done, with a hint where one helps. */
export function explain(err: unknown, doing: string, scope: ErrorScope = {}): AzureMLError {
  if (err instanceof AzureMLError) return err;
  const e = (err ?? {}) as ErrorLike;
  const name = typeof e.name === 'string' ? e.name : '';
  if (name === 'AbortError') return new AzureMLError(doing, 'cancelled', { code: 'Cancelled', cause: err });
  const ws = scope.workspace ? `workspace "${scope.workspace}"${scope.resourceGroup ? ` (resource group "${scope.resourceGroup}")` : ''}` : 'the workspace';
  // Entra ID and credential failures.
  if (name === 'CredentialUnavailableError' || name === 'AggregateAuthenticationError') {
    return new AzureMLError(doing, firstLine(e.message), {
      code: 'CredentialUnavailable',
      cause: err,
      hint: 'sign in first: `az login` (or set AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET, or run on a machine with a managed identity); in a pipeline, check the service connection',
    });
  }
  if (name === 'AuthenticationError' || name === 'AuthenticationRequiredError') {
    // MSAL's OAuth error code leads the message when errorResponse does not carry it.
    const lead = /^([a-z]+(?:_[a-z]+)+): ([\s\S]*)$/.exec(e.message ?? '');
    const code = e.errorResponse?.error ?? lead?.[1] ?? 'AuthenticationFailed';
    const detail = e.errorResponse?.errorDescription ?? lead?.[2] ?? e.message ?? 'authentication failed';
    // AADSTS500011: the token's audience is not a resource Entra ID knows — the ARM audience of a
    // sovereign cloud or Azure Stack, which --arm-audience names.
    const audience = /AADSTS500011|invalid_resource/.test(`${code} ${detail}`);
    const hint = audience
      ? 'Entra ID does not know the token audience: pass --arm-audience with the cloud\'s Resource Manager audience (e.g. https://management.usgovcloudapi.net/ for Azure Government, or your Azure Stack\'s)'
      : 'check the service connection (tenant, client id, secret or certificate, federated credential) or `az login`, and --authority-host for sovereign clouds';
    return new AzureMLError(doing, firstLine(detail), { code, cause: err, hint });
  }
  const status = statusOf(err);
  const code = codeOf(err);
  const serviceMessage = firstLine(e.message ?? String(err));
  if (status === undefined && typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code)) {
    return new AzureMLError(doing, serviceMessage, {
      code: e.code,
      cause: err,
      hint: `cannot reach ${scope.armEndpoint ?? 'Azure'}: check the network, proxy settings (HTTPS_PROXY) and --arm-endpoint`,
    });
  }
  return new AzureMLError(doing, serviceMessage, { code, status, cause: err, hint: hintFor(code, status, ws, scope) });
}

function hintFor(code: string | undefined, status: number | undefined, ws: string, scope: ErrorScope): string | undefined {
  switch (code) {
    case 'AuthorizationFailed':
    case 'LinkedAuthorizationFailed':
    case 'AuthorizationPermissionMismatch':
    case 'AuthorizationFailure':
      return `the identity mlsteps runs as (the service connection's service principal or managed identity, or your \`az login\`) needs the "AzureML Data Scientist" role (or Contributor) on ${ws}; uploading code also needs "Storage Blob Data Contributor" on the workspace's storage account when it has no account key`;
    case 'InvalidAuthenticationToken':
    case 'InvalidAuthenticationTokenTenant':
    case 'ExpiredAuthenticationToken':
    case 'AuthenticationFailed':
      return 'the token was refused: check that the service connection (or `az login`) is for the tenant of the subscription, and --arm-endpoint/--authority-host for sovereign clouds';
    case 'SubscriptionNotFound':
    case 'InvalidSubscriptionId':
      return `check --subscription${scope.subscriptionId ? ` ("${scope.subscriptionId}")` : ''} and that the identity has access to it`;
    case 'ResourceGroupNotFound':
      return `check --resource-group${scope.resourceGroup ? ` ("${scope.resourceGroup}")` : ''} (or workspace.resource_group in mlsteps.yml)`;
    case 'QuotaExceeded':
    case 'OperationNotAllowed':
      return 'the subscription lacks quota for this VM size in the workspace region: request more quota, or choose another size or a smaller max_instances';
    case 'TooManyRequests':
    case 'Throttled':
      return 'Azure ML throttled the requests even after retries: try again in a few minutes, or run fewer steps at once';
  }
  if (status === 401) return 'the token was refused: check the service connection (or `az login`) and its tenant';
  if (status === 403) return `the identity mlsteps runs as needs the "AzureML Data Scientist" role (or Contributor) on ${ws}`;
  if (status === 404 && (/Workspace/i.test(code ?? '') || code === 'ResourceNotFound')) return `check --subscription, --resource-group and --workspace (or workspace: in mlsteps.yml): ${ws} was not found`;
  if (status === 429) return 'Azure ML throttled the requests even after retries: try again in a few minutes';
  if (status !== undefined && status >= 500) return 'Azure ML had a service error that persisted through retries: run the stage again; if it keeps failing, check https://status.azure.com';
  if (status === 400) return 'Azure ML refused the request as invalid: check the run configuration against the message above';
  return undefined;
}

function firstLine(text: string | undefined): string {
  return (text ?? '').trim().split(/\r?\n/)[0].trim();
}
