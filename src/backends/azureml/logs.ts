import { StringDecoder } from 'node:string_decoder';
import { createDefaultHttpClient, createHttpHeaders, createPipelineFromOptions, createPipelineRequest, type HttpClient, type Pipeline } from '@azure/core-rest-pipeline';
import type { Workspace } from '@azure/arm-machinelearning';
import type { Context } from './context';
import { explain, isNotFound, redactSecrets } from './errors';
import { workspaceId } from './target';

interface RunDetails {
  status?: string;
  error?: { error?: { code?: string; message?: string } } | null;
  logFiles?: Record<string, string> | null;
  properties?: Record<string, string> | null;
}

interface FileState {
  offset: number;
  decoder: StringDecoder;
  partial: string;
  started: boolean;
}

export interface LogCallbacks {
  onLogLine?(file: string, line: string): void;
  onLogFileStart?(file: string): void;
  onLogFileEnd?(file: string): void;
}

/** Run history's base URL per context (see LogStreamer.historyBase). */
const historyBases = new WeakMap<Context, string>();

/** How many trailing lines of the job's logs are kept for a failure report. */
export const LAST_LINES = 30;

/**
 * Streams a job's logs from run history: the workspace's `discoveryUrl` names the history service,
 * `…/history/v1.0{workspace}/runs/{job}/details` lists `logFiles` (name → SAS URL, minted per call),
 * and each file is read from where the last read ended (`Range: bytes=N-`), so each byte is fetched
 * once. Lines are split across reads (UTF-8 safe); SAS URLs never leave this class unredacted.
 */
export class LogStreamer {
  readonly files = new Map<string, FileState>();
  bytesFetched = 0;
  detailsReads = 0;
  private readonly userLines: string[] = [];
  private readonly systemLines: string[] = [];
  private readonly blobPipeline: Pipeline;
  private readonly httpClient: HttpClient;

  constructor(
    private readonly ctx: Context,
    private readonly jobName: string,
    private readonly callbacks: LogCallbacks,
  ) {
    this.blobPipeline = createPipelineFromOptions({ retryOptions: { maxRetries: 3, retryDelayInMs: 200, maxRetryDelayInMs: 2000 } });
    this.httpClient = createDefaultHttpClient();
  }

  /** The last lines (user logs first choice, else system logs). */
  get lastLines(): string[] {
    return (this.userLines.length ? this.userLines : this.systemLines).slice();
  }

  /**
   * The run-history service's base URL, read once per context. Both reads take the caller's abort
   * signal — a watch must stop at once when asked, even while a read is being retried — and only
   * a success is kept, so an aborted read leaves the next caller to read again.
   */
  private async historyBase(abortSignal?: AbortSignal): Promise<string> {
    const known = historyBases.get(this.ctx);
    if (known) return known;
    const base = await this.readHistoryBase(abortSignal);
    historyBases.set(this.ctx, base);
    return base;
  }

  private async readHistoryBase(abortSignal?: AbortSignal): Promise<string> {
    let ws: Workspace;
    try {
      ws = await this.ctx.client.sdk.workspaces.get(this.ctx.target.resourceGroup, this.ctx.target.workspace, abortSignal ? { abortSignal } : {});
    } catch (err) {
      throw explain(err, `reading workspace "${this.ctx.target.workspace}"`, this.ctx.target);
    }
    const discovery = ws.discoveryUrl;
    if (!discovery) throw explain(Object.assign(new Error('the workspace names no discovery URL'), { code: 'NoDiscoveryUrl' }), `finding the run history of workspace "${this.ctx.target.workspace}"`, this.ctx.target);
    try {
      const doc = await this.ctx.client.send<{ history?: string }>({ method: 'GET', path: discovery, apiVersion: '', ...(abortSignal ? { abortSignal } : {}) });
      if (!doc?.history) throw new Error('the discovery document names no history service');
      return doc.history.replace(/\/+$/, '');
    } catch (err) {
      throw explain(err, `reading the discovery document of workspace "${this.ctx.target.workspace}"`, this.ctx.target);
    }
  }

  /** The run's details (status, error, logFiles); undefined before run history knows the run. */
  async details(abortSignal?: AbortSignal): Promise<RunDetails | undefined> {
    const base = await this.historyBase(abortSignal);
    this.detailsReads++;
    try {
      return await this.ctx.client.send<RunDetails>({ method: 'GET', path: `${base}/history/v1.0${workspaceId(this.ctx.target)}/runs/${encodeURIComponent(this.jobName)}/details`, apiVersion: '', ...(abortSignal ? { abortSignal } : {}) });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw explain(err, `reading the run history of job ${this.jobName}`, this.ctx.target);
    }
  }

  /** Fetches what is new in every log file; returns the details read (for status and error). */
  async poll(abortSignal?: AbortSignal): Promise<RunDetails | undefined> {
    const details = await this.details(abortSignal);
    const files = Object.entries(details?.logFiles ?? {}).sort(([a], [b]) => a.localeCompare(b));
    for (const [name, url] of files) await this.readNew(name, url, abortSignal);
    return details;
  }

  private async readNew(name: string, url: string, abortSignal?: AbortSignal): Promise<void> {
    let state = this.files.get(name);
    if (!state) {
      state = { offset: 0, decoder: new StringDecoder('utf8'), partial: '', started: false };
      this.files.set(name, state);
    }
    const headers = createHttpHeaders({ 'x-ms-version': '2021-08-06' });
    if (state.offset > 0) headers.set('range', `bytes=${state.offset}-`);
    // Plain http only to this machine (a storage emulator); a SAS URL never crosses a network in clear.
    const loopback = /^http:\/\/(?:127\.\d+\.\d+\.\d+|localhost|\[::1\])(?::\d+)?\//i.test(url);
    const request = createPipelineRequest({ url, method: 'GET', headers, streamResponseStatusCodes: new Set([200, 206]), ...(loopback ? { allowInsecureConnection: true } : {}), ...(abortSignal ? { abortSignal } : {}) });
    let response;
    try {
      response = await this.blobPipeline.sendRequest(this.httpClient, request);
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err;
      throw new Error(redactSecrets(`reading log ${name} of job ${this.jobName}: ${(err as Error).message}`));
    }
    if (response.status === 416 || response.status === 404) return; // nothing new yet
    if (response.status !== 200 && response.status !== 206) throw new Error(`reading log ${name} of job ${this.jobName}: HTTP ${response.status}`);
    const chunks: Buffer[] = [];
    if (response.readableStreamBody) for await (const c of response.readableStreamBody) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
    const body = Buffer.concat(chunks);
    this.bytesFetched += body.length;
    // A 200 to a ranged read means the server sent the whole file: skip what was seen.
    const fresh = response.status === 200 && state.offset > 0 ? body.subarray(state.offset) : body;
    state.offset += fresh.length;
    if (fresh.length === 0) return;
    if (!state.started) {
      state.started = true;
      this.callbacks.onLogFileStart?.(name);
    }
    this.emit(name, state, state.decoder.write(fresh));
  }

  private emit(name: string, state: FileState, text: string): void {
    const parts = (state.partial + text).split(/\r?\n/);
    state.partial = parts.pop() ?? '';
    for (const line of parts) this.line(name, line);
  }

  private line(name: string, line: string): void {
    const keep = name.startsWith('system_logs/') ? this.systemLines : this.userLines;
    keep.push(line);
    if (keep.length > LAST_LINES) keep.shift();
    this.callbacks.onLogLine?.(name, line);
  }

  /** The end of the job: the last partial lines, and onLogFileEnd for each file that was started. */
  finish(): void {
    for (const [name, state] of this.files) {
      if (!state.started) continue;
      const rest = state.partial + state.decoder.end();
      state.partial = '';
      if (rest) this.line(name, rest);
      this.callbacks.onLogFileEnd?.(name);
    }
  }
}
