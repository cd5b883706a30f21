import { NEWER_API_VERSION, delay } from './client';
import type { Context } from './context';
import { explain, isNotFound } from './errors';
import type { Json } from './job';

/** States a job does not leave. */
export const TERMINAL = new Set(['Completed', 'Failed', 'Canceled', 'NotResponding']);

/** A signal that aborts after `ms`, or when `outer` aborts. */
export function boundedSignal(ms: number, outer?: AbortSignal): AbortSignal {
  const t = AbortSignal.timeout(Math.max(1, ms));
  return outer ? AbortSignal.any([t, outer]) : t;
}

/** Reads a job's status (ARM `GET jobs/{name}`; the newer api-version knows Spark jobs too). */
export async function readJob(ctx: Context, jobName: string, abortSignal?: AbortSignal): Promise<Json> {
  try {
    return await ctx.client.send<Json>({ method: 'GET', path: `/jobs/${encodeURIComponent(jobName)}`, apiVersion: NEWER_API_VERSION, ...(abortSignal ? { abortSignal } : {}) });
  } catch (err) {
    throw explain(err, `reading job ${jobName}`, ctx.target);
  }
}

export const statusOfJob = (job: Json | undefined): string => String(((job?.properties ?? {}) as Json).status ?? 'Unknown');

/**
 * Requests cancellation of a job at once (`POST jobs/{name}/cancel`; the long-running operation is
 * not awaited), then reads its status until it is terminal or `waitMs` (default 5 s) has passed,
 * and returns the state reached: `Canceled`, or `CancelRequested` when the job sticks there. Never
 * takes much longer than `waitMs`, whatever the service does. A job already terminal is left alone;
 * a job not found is looked for until `waitMs` has passed (its PUT may still be on its way), then
 * reported `NotFound`.
 * Its own requests do not use the context's abort signal (which is typically what asked for the
 * cancellation); `options.abortSignal` cuts the wait short.
 */
export async function cancelJob(ctx: Context, jobName: string, options: { abortSignal?: AbortSignal; waitMs?: number } = {}): Promise<{ status: string }> {
  const waitMs = options.waitMs ?? 5000;
  const deadline = Date.now() + waitMs;
  const signal = boundedSignal(waitMs, options.abortSignal);
  let status = 'Unknown';
  try {
    await requestCancel(ctx, jobName, signal, deadline);
    status = 'CancelRequested';
  } catch (err) {
    if (signal.aborted) return { status: isNotFound(err) ? 'NotFound' : status };
    if (isNotFound(err)) return { status: 'NotFound' };
    // A job that has already ended refuses the cancel: report the state it ended in.
    try {
      status = statusOfJob(await readJob(ctx, jobName, signal));
    } catch {
      throw explain(err, `cancelling job ${jobName}`, ctx.target);
    }
    if (TERMINAL.has(status)) return { status };
    throw explain(err, `cancelling job ${jobName}`, ctx.target);
  }
  let pause = 100;
  while (Date.now() < deadline && !signal.aborted) {
    try {
      status = statusOfJob(await readJob(ctx, jobName, signal));
    } catch {
      break;
    }
    if (TERMINAL.has(status)) break;
    try {
      await delay(Math.min(pause, Math.max(0, deadline - Date.now())), signal);
    } catch {
      break;
    }
    pause = Math.min(pause * 2, 1000);
  }
  return { status };
}

/**
 * `POST jobs/{name}/cancel`. A job not found may be one whose PUT is still on its way (a
 * submission cancelled while it was being sent): it is looked for again until the deadline, and
 * cancelled as soon as it exists, so it is not left running.
 */
async function requestCancel(ctx: Context, jobName: string, signal: AbortSignal, deadline: number): Promise<void> {
  let pause = 100;
  for (;;) {
    try {
      await ctx.client.send({ method: 'POST', path: `/jobs/${encodeURIComponent(jobName)}/cancel`, apiVersion: NEWER_API_VERSION, abortSignal: signal });
      return;
    } catch (err) {
      if (!isNotFound(err) || Date.now() + pause >= deadline) throw err;
      try {
        await delay(pause, signal);
      } catch {
        throw err;
      }
      pause = Math.min(pause * 2, 500);
    }
  }
}
