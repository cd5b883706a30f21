import { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';
import type { TokenCredential } from '@azure/identity';
import { createHttpHeaders, createPipelineRequest, RestError, type HttpClient, type PipelinePolicy, type PipelineResponse } from '@azure/core-rest-pipeline';
import { version } from '../../../package.json';
import { armScope, type Target } from './target';

/** The api-version `@azure/arm-machinelearning` 2.1.1 speaks. */
export const SDK_API_VERSION = '2022-10-01';
/** The newest stable api-version with `SparkJob`, queue settings and code-version lookup by hash. */
export const NEWER_API_VERSION = '2024-10-01';

export interface RetryOptions {
  /** Retries after the first attempt; default 6. */
  maxRetries?: number;
  /** First back-off delay (doubles, with jitter); default 1 s. */
  retryDelayInMs?: number;
  /** Longest back-off delay; default 60 s. A `Retry-After` header is honoured as given. */
  maxRetryDelayInMs?: number;
}

export interface ArmClientOptions {
  retry?: RetryOptions;
  /** The HTTP client (a custom transport or proxy); default core-rest-pipeline's. */
  httpClient?: HttpClient;
  /** Added to the User-Agent, e.g. `MLStepsRun/1.0`. */
  userAgent?: string;
}

/** A request at an api-version the SDK does not speak, sent through the SDK client's own pipeline. */
export interface RawRequest {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  /** Path below the workspace, e.g. `/jobs/my-job`; an absolute ARM path starting with `/subscriptions/`; or a full https URL (a workspace data-plane service). */
  path: string;
  /** Empty for services without api-versions (MLflow). */
  apiVersion: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
  abortSignal?: AbortSignal;
}

/**
 * The Azure ML control-plane client: the SDK's `AzureMachineLearningWorkspaces` at the target's ARM
 * endpoint (token scope `<audience>/.default`, the audience being the endpoint unless the cloud's
 * differs), with retries that honour `Retry-After` (429 and 503),
 * back off exponentially on 408, 5xx and dropped connections, and — which the SDK's default policy
 * does not — also back off on a 429 that carries no `Retry-After`.
 */
export class ArmClient {
  readonly sdk: AzureMachineLearningWorkspaces;
  /** The credential given, trying a transient failure again (retryingCredential). */
  readonly credential: TokenCredential;
  private readonly workspacePath: string;

  constructor(
    credential: TokenCredential,
    readonly target: Target,
    options: ArmClientOptions = {},
  ) {
    const retry = { maxRetries: 6, retryDelayInMs: 1000, maxRetryDelayInMs: 60_000, ...options.retry };
    const endpoint = target.armEndpoint.replace(/\/+$/, '');
    this.credential = retryingCredential(credential, retry);
    this.sdk = new AzureMachineLearningWorkspaces(this.credential, target.subscriptionId, {
      endpoint,
      credentialScopes: armScope(target),
      retryOptions: retry,
      ...(options.httpClient ? { httpClient: options.httpClient } : {}),
      userAgentOptions: { userAgentPrefix: `mlsteps/${version}${options.userAgent ? ` ${options.userAgent}` : ''}` },
    });
    this.sdk.pipeline.addPolicy(throttledWithoutRetryAfterPolicy(retry), { phase: 'Retry' });
    this.workspacePath = workspacePath(target);
  }

  /** Sends a request through the SDK client's pipeline (authentication, retries, logging) and returns the JSON body. */
  async send<T = unknown>(request: RawRequest): Promise<T> {
    const url = /^https:\/\//.test(request.path)
      ? new URL(request.path)
      : new URL(`${this.target.armEndpoint.replace(/\/+$/, '')}${request.path.startsWith('/subscriptions/') ? request.path : `${this.workspacePath}${request.path}`}`);
    if (request.apiVersion) url.searchParams.set('api-version', request.apiVersion);
    for (const [k, v] of Object.entries(request.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    const headers = createHttpHeaders({ accept: 'application/json' });
    if (request.body !== undefined) headers.set('content-type', 'application/json; charset=utf-8');
    const pipelineRequest = createPipelineRequest({
      url: url.toString(),
      method: request.method,
      headers,
      ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
      ...(request.abortSignal ? { abortSignal: request.abortSignal } : {}),
    });
    const response = await this.sdk.sendRequest(pipelineRequest);
    const parsed = parseBody(response);
    if (response.status >= 400) throw restErrorFrom(response, parsed);
    return parsed as T;
  }
}

/** The ARM path of the target workspace. */
export function workspacePath(target: Pick<Target, 'subscriptionId' | 'resourceGroup' | 'workspace'>): string {
  return `/subscriptions/${target.subscriptionId}/resourceGroups/${target.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${target.workspace}`;
}

function parseBody(response: PipelineResponse): unknown {
  const text = response.bodyAsText;
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** An ARM error response as the SDK would raise it: message and code from `{error: {code, message}}`. */
function restErrorFrom(response: PipelineResponse, body: unknown): RestError {
  const error = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
  const message = error?.message ?? (typeof body === 'string' && body ? body : `HTTP ${response.status}`);
  const err = new RestError(message, { statusCode: response.status, request: response.request, response, ...(error?.code ? { code: error.code } : {}) });
  err.details = body;
  return err;
}

/**
 * Retries a 429 that names no `Retry-After` (the SDK's throttling strategy needs the header, and its
 * exponential strategy leaves 4xx alone), with exponential back-off and jitter.
 */
function throttledWithoutRetryAfterPolicy(retry: Required<RetryOptions>): PipelinePolicy {
  return {
    name: 'mlstepsThrottledWithoutRetryAfter',
    async sendRequest(request, next) {
      for (let attempt = 0; ; attempt++) {
        const response = await next(request);
        const hasRetryAfter = ['retry-after', 'retry-after-ms', 'x-ms-retry-after-ms'].some((h) => response.headers.get(h) !== undefined);
        if (response.status !== 429 || hasRetryAfter || attempt >= retry.maxRetries) return response;
        await delay(backoff(attempt, retry), request.abortSignal);
      }
    },
  };
}

/** Attempts of a token request whose failure looks transient. */
const TOKEN_ATTEMPTS = 3;

/**
 * A credential whose token requests are tried again, with back-off, when the failure looks
 * transient. MSAL does not retry a 429 that names no Retry-After when it reads the authority's
 * metadata (it reports `endpoints_resolution_error`), nor does AzurePipelinesCredential when the
 * pipeline's OIDC endpoint throttles — and with workload identity federation every new client asks
 * that endpoint again — so one throttled reply would fail a submission, or a watch hours long.
 * A failure that says what is wrong (an AADSTS code: a bad secret, an unknown tenant) is not tried again.
 */
export function retryingCredential(credential: TokenCredential, retry: { retryDelayInMs: number; maxRetryDelayInMs: number }): TokenCredential {
  return {
    getToken: async (scopes, options) => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await credential.getToken(scopes, options);
        } catch (err) {
          if (attempt + 1 >= TOKEN_ATTEMPTS || options?.abortSignal?.aborted || !isTransientTokenError(err)) throw err;
          await delay(backoff(attempt, retry), options?.abortSignal);
        }
      }
    },
  };
}

/** Whether a failed token request may succeed when tried again: throttled, a 5xx, a dropped connection. */
export function isTransientTokenError(err: unknown): boolean {
  const status = (err as { statusCode?: unknown })?.statusCode;
  if (typeof status === 'number') return status === 429 || status === 408 || status >= 500;
  const text = `${(err as { code?: unknown })?.code ?? ''} ${(err as Error)?.message ?? ''}`;
  // Entra ID's own transient answers (AADSTS90033, temporarily_unavailable, server_error) and a
  // failed read of the authority's metadata; any other AADSTS code says what is wrong.
  if (/AADSTS90033|temporarily_unavailable|server_error|endpoints_resolution_error/.test(text)) return true;
  if (/AADSTS\d+/.test(text)) return false;
  return /network_error|ECONNRESET|ETIMEDOUT|ESOCKETTIMEDOUT|socket hang up|throttl|too ?many ?requests|temporarily unavailable|\b(429|50[0234])\b/i.test(text);
}

/** Exponential back-off with ±20 % jitter: base · 2^attempt, capped. */
export function backoff(attempt: number, retry: { retryDelayInMs: number; maxRetryDelayInMs: number }): number {
  const exp = Math.min(retry.maxRetryDelayInMs, retry.retryDelayInMs * 2 ** attempt);
  return Math.round(exp * (0.8 + Math.random() * 0.4));
}

export function delay(ms: number, abortSignal?: { aborted: boolean; addEventListener?: (type: 'abort', listener: () => void, options?: { once?: boolean }) => void; removeEventListener?: (type: 'abort', listener: () => void) => void }): Promise<void> {
  return new Promise((resolve, reject) => {
    if (abortSignal?.aborted) return reject(abortError());
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError());
    };
    const timer = setTimeout(() => {
      abortSignal?.removeEventListener?.('abort', onAbort);
      resolve();
    }, ms);
    abortSignal?.addEventListener?.('abort', onAbort, { once: true });
  });
}

function abortError(): Error {
  const err = new Error('The operation was aborted.');
  err.name = 'AbortError';
  return err;
}
