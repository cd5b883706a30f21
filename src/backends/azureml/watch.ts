import { delay } from './client';
import { boundedSignal, cancelJob, readJob, statusOfJob, TERMINAL } from './cancel';
import type { Context } from './context';
import { redactSecrets } from './errors';
import type { Json } from './job';
import { LogStreamer } from './logs';

export interface WatchOptions {
  /** Aborting requests cancellation of the job at once, and the watch returns the state reached. */
  abortSignal?: AbortSignal;
  /** After this long, the job is cancelled and the watch reports `TimedOut`. */
  timeoutMs?: number;
  /** Each status the job goes through (the first read included), with the job as ARM returned it. */
  onStatus?(status: string, job: unknown): void;
  onLogLine?(file: string, line: string): void;
  onLogFileStart?(file: string): void;
  onLogFileEnd?(file: string): void;
  /** Stream the job's logs (default true). */
  streamLogs?: boolean;
  /** First pause between status reads (default 2 s); it doubles up to pollMaxMs. */
  pollMinMs?: number;
  /** Longest pause between status reads (default 60 s). */
  pollMaxMs?: number;
  /** How long a cancellation (abort or timeout) waits for the job to reach Canceled (default 5 s). */
  cancelWaitMs?: number;
  /**
   * Test hook: simulated time runs this many times faster than real time — every pause and the
   * timeout are divided by it (the job's own durations are whatever the service makes them).
   */
  timeScale?: number;
}

export interface WatchResult {
  status: 'Completed' | 'Failed' | 'Canceled' | 'CancelRequested' | 'TimedOut' | 'NotResponding' | string;
  /** Only Completed is success. */
  succeeded: boolean;
  /** Failed: the job's error; TimedOut, cancelled: what happened. */
  error?: string;
  /** The last lines of the job's logs (user logs when there are any). */
  lastLines: string[];
  durationMs: number;
  /** Bytes of log read from storage (each byte once: ranged reads). */
  logBytesFetched: number;
  /** ARM job reads made by the watch (not counting retries inside the HTTP pipeline). */
  statusReads: number;
  /** After a timeout or cancellation: the state the job reached (Canceled, or CancelRequested when it sticks). */
  jobStatus?: string;
  /** Run-history `details` reads. */
  detailsReads?: number;
}

const HAS_LOGS = new Set(['Running', 'Finalizing', 'CancelRequested', ...TERMINAL]);

/**
 * Watches an Azure ML job to its end: reads its status with back-off (pollMinMs, doubling up to
 * pollMaxMs; the HTTP pipeline honours `Retry-After` on 429/503), streams new log lines from run
 * history with ranged reads while it runs, and returns its outcome. Only `Completed` succeeds;
 * `Failed` carries the job's error and its last log lines. A timeout cancels the job and reports
 * `TimedOut`; an abort requests cancellation at once and reports the state reached within
 * `cancelWaitMs`, also when the job sticks in `CancelRequested`. Throws only when the job cannot
 * be read at all (after the pipeline's retries).
 */
export async function watchJob(ctx: Context, jobName: string, options: WatchOptions = {}): Promise<WatchResult> {
  const scale = options.timeScale && options.timeScale > 0 ? options.timeScale : 1;
  const pollMin = Math.max(1, options.pollMinMs ?? 2000);
  const pollMax = Math.max(pollMin, options.pollMaxMs ?? 60_000);
  const started = Date.now();
  const deadline = options.timeoutMs !== undefined ? started + options.timeoutMs / scale : Number.POSITIVE_INFINITY;
  const abort = options.abortSignal;
  const stream = options.streamLogs !== false;
  const streamer = new LogStreamer(ctx, jobName, stream ? options : {});
  let statusReads = 0;
  let status = '';
  let interval = pollMin;
  const result = (r: Pick<WatchResult, 'status' | 'succeeded'> & Partial<WatchResult>): WatchResult => ({
    lastLines: streamer.lastLines,
    durationMs: Date.now() - started,
    logBytesFetched: streamer.bytesFetched,
    statusReads,
    detailsReads: streamer.detailsReads,
    ...r,
    ...(r.error ? { error: redactSecrets(r.error) } : {}),
  });
  const stop = async (why: 'aborted' | 'timeout'): Promise<WatchResult> => {
    streamer.finish();
    let reached = status || 'Unknown';
    let cancelError: string | undefined;
    try {
      reached = (await cancelJob(ctx, jobName, { waitMs: options.cancelWaitMs ?? 5000 })).status;
    } catch (err) {
      cancelError = (err as Error).message;
    }
    if (reached !== status) options.onStatus?.(reached, undefined);
    const note = cancelError ? `; cancelling it failed: ${cancelError}` : `; the job is ${reached}`;
    if (why === 'timeout') return result({ status: 'TimedOut', succeeded: false, jobStatus: reached, error: `timed out after ${formatMs((options.timeoutMs ?? 0))}${note}` });
    return result({ status: reached, succeeded: false, jobStatus: reached, error: `cancelled${note}` });
  };

  for (;;) {
    if (abort?.aborted) return stop('aborted');
    if (Date.now() >= deadline) return stop('timeout');
    const signal = boundedSignal(deadline === Number.POSITIVE_INFINITY ? 2 ** 31 - 1 : deadline - Date.now(), abort);
    let job: Json;
    try {
      statusReads++;
      job = await readJob(ctx, jobName, signal);
    } catch (err) {
      if (signal.aborted) continue; // the abort or the deadline: handled at the top
      throw err;
    }
    const now = statusOfJob(job);
    if (now !== status) {
      status = now;
      options.onStatus?.(status, job);
    }
    if (stream && HAS_LOGS.has(status)) {
      try {
        await streamer.poll(signal);
      } catch {
        // Logs are best effort (and an abort or the deadline is handled at the top).
      }
    }
    if (TERMINAL.has(status)) return finish(status);
    try {
      await delay(Math.max(1, Math.min(interval, (deadline - Date.now()) * scale) / scale), signal);
    } catch {
      /* aborted or deadline: handled at the top */
    }
    interval = Math.min(interval * 2, pollMax);
  }

  async function finish(final: string): Promise<WatchResult> {
    // What the job wrote since the last read (logs may land a moment after the status changes).
    const endSignal = boundedSignal(15_000, abort);
    let details: Awaited<ReturnType<LogStreamer['poll']>>;
    try {
      if (stream) {
        // Logs land a moment after the status changes: read until a read brings nothing new.
        for (let i = 0; i < 30; i++) {
          const before = streamer.bytesFetched;
          details = await streamer.poll(endSignal);
          if (streamer.bytesFetched === before && i > 0) break;
          await delay(Math.max(1, 250 / scale), endSignal);
        }
      } else if (final !== 'Completed') {
        const tail = new LogStreamer(ctx, jobName, {});
        details = await tail.poll(endSignal);
        tail.finish();
        return result({ status: final, succeeded: false, lastLines: tail.lastLines, logBytesFetched: tail.bytesFetched, ...errorOf(final, details) });
      }
    } catch {
      /* best effort */
    }
    streamer.finish();
    return result({ status: final, succeeded: final === 'Completed', ...errorOf(final, details) });
  }
}

function errorOf(final: string, details: { error?: { error?: { code?: string; message?: string } } | null } | undefined): { error?: string } {
  if (final === 'Completed') return {};
  const e = details?.error?.error;
  if (e?.message) return { error: e.code ? `${e.code}: ${e.message}` : e.message };
  return { error: `the job ended ${final}` };
}

function formatMs(ms: number): string {
  return ms >= 60_000 ? `${Math.round(ms / 6000) / 10} min` : `${Math.round(ms / 100) / 10} s`;
}

