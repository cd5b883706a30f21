import { resolve } from 'node:path';
import type { Workspace } from '@azure/arm-machinelearning';
import type { HttpClient } from '@azure/core-rest-pipeline';
import type { TokenCredential } from '@azure/identity';
import type { Plan, Step } from '../../model/step';
import { ArmClient, NEWER_API_VERSION, SDK_API_VERSION, type RetryOptions } from './client';
import { bestTrialParameter } from './best';
import { ensureCode } from './code';
import { ensureCompute } from './compute';
import { Context, type SubmitStats } from './context';
import { BestNotAvailableError, resolveInputs, type InputBindings } from './data';
import { ensureEnvironment } from './environment';
import { AzureMLError, explain, isConflict, isNotFound, statusOf } from './errors';
import { buildJobBody, JobBodyError, provenanceTags, type Json } from './job';
import { jobName } from './names';
import type { UploadOptions } from './storage';
import { armScope, studioUrl, tenantOfToken, type Target } from './target';

export type SubmitAction = 'submitted' | 'attached' | 'reused' | 'resubmitted';

/** What happened to one step. */
export interface StepSubmission {
  step: string;
  /** `ok`: the step has a job (new, attached to, or reused); `skipped`: not submitted, and why; `failed`: an error. */
  outcome: 'ok' | 'skipped' | 'failed';
  action?: SubmitAction;
  jobName?: string;
  studioUrl?: string;
  /** The job's status as last read (after a PUT: the status the service answered). */
  status?: string;
  /** Why the step was skipped or failed: one line. */
  reason?: string;
  hint?: string;
  error?: Error;
  /** Catalog differences, settings left out of the job, …. */
  warnings: string[];
}

export interface SubmitResult {
  steps: StepSubmission[];
  stats: SubmitStats;
  /** The tenant (for studio links), from the target or the token. */
  tenantId?: string;
}

/** How a sweep's best parameter is read once the sweep has completed (the metrics half of the backend). */
export type BestResolver = (args: { client: ArmClient; workspace?: Workspace; sweepStep: Step; jobName: string; job: Json; parameter: string; abortSignal?: AbortSignal }) => Promise<string | number | boolean | undefined>;

export interface SubmitOptions {
  credential: TokenCredential;
  abortSignal?: AbortSignal;
  /** One line of progress, with the step it is about. */
  onProgress?: (message: string, step?: string) => void;
  /** Create a missing amlcompute of the catalog (default false). */
  createCompute?: boolean;
  /** Reuse a Completed job of the same build and fingerprint instead of submitting anew (default true). */
  reuseCompletedRuns?: boolean;
  /** The build the jobs belong to (job names, tags); default `BUILD_BUILDID`, else `local`. */
  buildId?: string;
  /** Where provenance comes from (BUILD_*, SYSTEM_*); default `process.env`. */
  env?: NodeJS.ProcessEnv;
  retry?: RetryOptions;
  /** The HTTP client for ARM requests (a custom transport or proxy); default core-rest-pipeline's. */
  httpClient?: HttpClient;
  upload?: UploadOptions;
  /** Long-running operations (compute creation): poll interval, default 5 s. */
  pollIntervalMs?: number;
  userAgent?: string;
  /** Reads a completed sweep's best parameter (default: bestTrialParameter, run history and MLflow). */
  resolveBest?: BestResolver;
}

const ACTIVE = new Set(['NotStarted', 'Starting', 'Provisioning', 'Preparing', 'Queued', 'Running', 'Finalizing', 'NotResponding', 'Paused', 'Unknown']);
const MAX_ATTEMPTS = 50;
/**
 * How long a job PUT already on its way may still take once the submission is cancelled. Cutting
 * it at once would leave a job the service creates anyway, unknown to the caller and so never
 * cancelled; waiting for the answer names the job, which the caller then cancels. Short enough
 * that the cancellation that follows fits in the 7.5 s an agent gives a task after SIGINT.
 */
export const PUT_GRACE_MS = 2000;

interface Placed {
  step: Step;
  submission: StepSubmission;
  job?: Json;
}

/**
 * Submits the steps of a plan to Azure ML, in graph order (a step starts once the steps it needs
 * have their jobs: its inputs name their outputs). Per step, the job name is deterministic for the
 * build and the step's fingerprint, so running this again attaches to a running job, reuses a
 * completed one, and submits anew (`-r2`, `-r3`, …) only after a failed or cancelled one. Never
 * throws for one step's failure: each step reports its outcome; only failing to sign in or to read
 * the workspace (missing, or no role on it) throws, as one AzureMLError.
 */
export async function submitPlan(plan: Plan, target: Target, options: SubmitOptions): Promise<SubmitResult> {
  const client = new ArmClient(options.credential, target, {
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
    ...(options.httpClient ? { httpClient: options.httpClient } : {}),
  });
  const ctx = new Context(client, { abortSignal: options.abortSignal, onProgress: options.onProgress, upload: options.upload, pollIntervalMs: options.pollIntervalMs });
  const env = options.env ?? process.env;
  const buildId = options.buildId ?? env.BUILD_BUILDID;

  // Sign in first: one clear error when the credential does not work, before anything else.
  let tenantId = target.tenantId;
  try {
    // enableCae as the SDK's bearer-token policy asks, so both share one cached token. The
    // client's credential tries a transient failure again (see retryingCredential).
    const token = await client.credential.getToken(armScope(target), { abortSignal: options.abortSignal, enableCae: true });
    if (!token) throw new Error('the credential returned no token');
    tenantId ??= tenantOfToken(token.token);
  } catch (err) {
    throw explain(err, `signing in to Azure for ${target.armEndpoint}`, target);
  }
  const linkTarget: Target = tenantId ? { ...target, tenantId } : target;
  // Then the workspace: a missing workspace or a missing role is one clear error, not one per step.
  await ctx.workspace();

  const placed = new Map<string, Promise<Placed>>();
  const stepsByName = new Map(plan.steps.map((s) => [s.name, s]));
  const run = (step: Step): Promise<Placed> => {
    let p = placed.get(step.name);
    if (!p) {
      p = (async () => {
        const upstream = await Promise.all(step.needs.filter((n) => stepsByName.has(n)).map((n) => run(stepsByName.get(n)!)));
        return submitStep(ctx, plan, step, upstream, { ...options, buildId, env, linkTarget });
      })();
      placed.set(step.name, p);
    }
    return p;
  };
  const results = await Promise.all(plan.steps.map(run));
  return { steps: results.map((r) => r.submission), stats: ctx.stats, ...(tenantId ? { tenantId } : {}) };
}

async function submitStep(ctx: Context, plan: Plan, step: Step, upstream: Placed[], options: SubmitOptions & { buildId?: string; env: NodeJS.ProcessEnv; linkTarget: Target }): Promise<Placed> {
  const submission: StepSubmission = { step: step.name, outcome: 'failed', warnings: [] };
  const done = (s: Partial<StepSubmission>, job?: Json): Placed => {
    Object.assign(submission, s);
    return { step, submission, ...(job ? { job } : {}) };
  };
  const notReady = upstream.find((u) => u.submission.outcome !== 'ok');
  if (notReady) {
    return done({ outcome: 'skipped', reason: `needs ${notReady.step.name}, which was ${notReady.submission.outcome === 'failed' ? 'not submitted: it failed' : 'not submitted'}` });
  }
  try {
    options.abortSignal?.throwIfAborted();
    const reuseCompleted = options.reuseCompletedRuns !== false;
    const lookup = await findJob(ctx, step, options.buildId, reuseCompleted);
    const url = (name: string) => studioUrl(options.linkTarget, name);
    if (lookup.existing) {
      const status = String(lookup.existing.properties?.status ?? 'Unknown');
      const action: SubmitAction = status === 'Completed' ? 'reused' : 'attached';
      ctx.progress(`${action === 'reused' ? 'reusing completed' : 'attaching to'} job ${lookup.name} (${status})`, step.name);
      return done({ outcome: 'ok', action, jobName: lookup.name, studioUrl: url(lookup.name), status }, lookup.existing);
    }

    // A new job: everything it refers to first (shared with other steps of this submission).
    const [compute, environment, code] = await Promise.all([
      ensureCompute(ctx, step.compute, { createCompute: options.createCompute === true }),
      ensureEnvironment(ctx, step.environment, plan.dir),
      step.code === undefined ? Promise.resolve(undefined) : codeId(ctx, plan, step.code),
    ]);
    submission.warnings.push(...compute.warnings);
    for (const w of compute.warnings) ctx.progress(`warning: ${w}`, step.name);
    const bindings: InputBindings = {
      jobName: (name) => upstream.find((u) => u.step.name === name)?.submission.jobName,
      outputType: (name, output) => upstream.find((u) => u.step.name === name)?.step.outputs[output]?.type,
      best: async (name, parameter) => {
        const up = upstream.find((u) => u.step.name === name);
        if (!up?.submission.jobName) return undefined;
        const status = String(((up.job?.properties ?? {}) as Json).status ?? up.submission.status ?? '');
        if (status !== 'Completed') {
          throw new BestNotAvailableError(step.name, name, parameter, `whose job ${up.submission.jobName} is ${up.submission.status ?? 'not complete'}; the best trial is known only once the sweep has completed`);
        }
        const value = await (options.resolveBest ?? bestTrialParameter)({ client: ctx.client, workspace: await ctx.workspace(), sweepStep: up.step, jobName: up.submission.jobName, job: up.job ?? {}, parameter, abortSignal: options.abortSignal });
        if (value === undefined) throw new BestNotAvailableError(step.name, name, parameter, `whose job ${up.submission.jobName} reports no best trial with a parameter ${parameter}`);
        return value;
      },
    };
    const inputs = await resolveInputs(ctx, step, plan.dir, bindings);
    const { apiVersion, body, warnings } = buildJobBody(step, {
      ...(code ? { codeId: code } : {}),
      ...(environment ? { environmentId: environment.id } : {}),
      ...(compute.computeId ? { computeId: compute.computeId } : {}),
      ...(compute.sparkResources ? { sparkResources: compute.sparkResources } : {}),
      inputs,
      ...(plan.experimentName ? { experimentName: plan.experimentName } : {}),
      tags: provenanceTags(step, options.buildId ? { ...options.env, BUILD_BUILDID: options.buildId } : options.env),
    });
    submission.warnings.push(...warnings);
    for (const w of warnings) ctx.progress(`warning: ${w}`, step.name);
    // Nothing sent yet: a cancellation up to here leaves no job behind.
    options.abortSignal?.throwIfAborted();
    let created: Awaited<ReturnType<typeof putJob>>;
    try {
      created = await putJob(ctx, step, lookup.name, apiVersion, body);
    } catch (err) {
      const e = explain(err, `submitting job ${lookup.name} (${step.name})`, ctx.target);
      if (!options.abortSignal?.aborted || e.code !== 'Cancelled') throw e;
      // Cancelled, and the PUT did not answer within its grace: the service may still create the
      // job. Name it, so the caller requests its cancellation all the same.
      return done({ outcome: 'failed', jobName: lookup.name, studioUrl: url(lookup.name), status: 'Unknown', reason: `cancelled while its job ${lookup.name} was being submitted (the job may exist): ${e.message}`, error: e });
    }
    const action: SubmitAction = created.conflict ? 'attached' : lookup.previous ? 'resubmitted' : 'submitted';
    if (!created.conflict) ctx.stats.jobsSubmitted++;
    const status = String((created.job.properties as Json | undefined)?.status ?? 'NotStarted');
    ctx.progress(
      action === 'resubmitted'
        ? `submitted job ${lookup.name} (the previous attempt ${lookup.previous!.name} ended ${lookup.previous!.status})`
        : action === 'attached'
          ? `attaching to job ${lookup.name}, submitted meanwhile by another run`
          : `submitted job ${lookup.name}`,
      step.name,
    );
    return done({ outcome: 'ok', action, jobName: lookup.name, studioUrl: url(lookup.name), status }, created.job);
  } catch (err) {
    if (err instanceof BestNotAvailableError) {
      return done({ outcome: 'skipped', reason: err.message, hint: `run ${err.sweep} first and wait for it to complete, then run ${step.name} again (with the same build, the sweep's job is reused)` });
    }
    const e = err instanceof JobBodyError ? new AzureMLError(`writing the job of ${step.name}`, err.message, { code: 'InvalidRunConfiguration', hint: 'fix the run configuration' }) : explain(err, `submitting ${step.name}`, ctx.target);
    return done({ outcome: 'failed', reason: e.message, ...(e.hint ? { hint: e.hint } : {}), error: e });
  }
}

async function codeId(ctx: Context, plan: Plan, code: string): Promise<string> {
  if (/^azureml:/.test(code)) {
    const body = code.replace(/^azureml:/, '');
    if (body.startsWith('//') || body.startsWith('/subscriptions/')) return body.startsWith('//') ? code : body;
    const colon = body.lastIndexOf(':');
    if (colon <= 0) throw new AzureMLError(`looking up code ${code}`, 'a code asset reference needs a version: azureml:NAME:VERSION', { code: 'InvalidReference' });
    const name = body.slice(0, colon);
    const version = body.slice(colon + 1);
    try {
      const found = await ctx.client.sdk.codeVersions.get(ctx.target.resourceGroup, ctx.target.workspace, name, version, { abortSignal: ctx.abortSignal });
      return found.id ?? ctx.armId(`codes/${name}/versions/${version}`);
    } catch (err) {
      if (isNotFound(err)) throw new AzureMLError(`looking up code ${code}`, `code asset ${name} has no version ${version} in workspace "${ctx.target.workspace}"`, { code: 'CodeNotFound', hint: 'register it, or point code: at a local folder' });
      throw explain(err, `looking up code ${code}`, ctx.target);
    }
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(code)) throw new AzureMLError(`uploading code ${code}`, 'code must be a local folder or azureml:NAME:VERSION', { code: 'InvalidReference' });
  return (await ensureCode(ctx, resolve(plan.dir, code))).id;
}

interface JobLookup {
  name: string;
  existing?: Json & { properties?: Json };
  previous?: { name: string; status: string };
}

/** The job of a step in this build: an active or (when reusing) completed one, or the next free name. */
async function findJob(ctx: Context, step: Step, buildId: string | undefined, reuseCompleted: boolean): Promise<JobLookup> {
  let previous: JobLookup['previous'];
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const name = jobName(step, buildId, attempt);
    const job = await getJob(ctx, step, name);
    if (!job) return { name, ...(previous ? { previous } : {}) };
    const props = (job.properties ?? {}) as Json;
    const status = String(props.status ?? 'Unknown');
    const tags = (props.tags ?? {}) as Record<string, string>;
    const ours = tags['mlsteps.fingerprint'] === undefined || tags['mlsteps.fingerprint'] === step.fingerprint;
    if (ours && ACTIVE.has(status)) return { name, existing: job };
    if (ours && status === 'Completed' && reuseCompleted) return { name, existing: job };
    previous = { name, status: ours ? status : `another fingerprint's job` };
  }
  throw new AzureMLError(`choosing a job name for ${step.name}`, `${MAX_ATTEMPTS} attempts of this step in this build already ended without success`, { code: 'TooManyAttempts', hint: 'fix what makes the job fail before running the stage again' });
}

async function getJob(ctx: Context, step: Step, name: string, abortSignal = ctx.abortSignal): Promise<Json | undefined> {
  try {
    return await ctx.client.send<Json>({ method: 'GET', path: `/jobs/${encodeURIComponent(name)}`, apiVersion: step.type === 'spark' ? NEWER_API_VERSION : SDK_API_VERSION, ...(abortSignal ? { abortSignal } : {}) });
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw explain(err, `reading job ${name}`, ctx.target);
  }
}

/**
 * PUTs the job. A PUT retried after a lost reply, or racing another submission of the same step,
 * may find the job there (409, or 400 naming an existing job): it is read back and attached to,
 * so a step never gets two jobs. Jobs go through the client's pipeline as JSON, not through the
 * SDK's serializer: @azure/arm-machinelearning 2.1.1 drops `uri` and `mode` of uri_file/uri_folder
 * job inputs (Azure/azure-sdk-for-js#29328), which the service rejects.
 */
async function putJob(ctx: Context, step: Step, name: string, apiVersion: string, body: { properties: Json }): Promise<{ job: Json; conflict: boolean }> {
  // Once sent, the PUT is not cut short by a cancellation at once (see PUT_GRACE_MS).
  const grace = afterGrace(ctx.abortSignal, PUT_GRACE_MS);
  try {
    const job = await ctx.client.send<Json>({ method: 'PUT', path: `/jobs/${encodeURIComponent(name)}`, apiVersion, body, ...(grace.signal ? { abortSignal: grace.signal } : {}) });
    return { job, conflict: false };
  } catch (err) {
    if (isConflict(err) || (statusOf(err) === 400 && /exist/i.test(String((err as Error).message)))) {
      const job = await getJob(ctx, step, name, grace.signal);
      if (job) return { job, conflict: true };
    }
    throw explain(err, `submitting job ${name} (${step.name})`, ctx.target);
  } finally {
    grace.dispose();
  }
}

/** A signal that aborts `graceMs` after `outer` does (undefined without `outer`). */
function afterGrace(outer: AbortSignal | undefined, graceMs: number): { signal?: AbortSignal; dispose(): void } {
  if (!outer) return { dispose: () => undefined };
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const start = () => {
    timer = setTimeout(() => controller.abort(outer.reason), graceMs);
  };
  if (outer.aborted) start();
  else outer.addEventListener('abort', start, { once: true });
  return {
    signal: controller.signal,
    dispose: () => {
      outer.removeEventListener('abort', start);
      if (timer) clearTimeout(timer);
    },
  };
}
