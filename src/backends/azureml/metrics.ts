import type { ArmClient } from './client';
import type { Context } from './context';
import { explain, isNotFound } from './errors';
import type { Json } from './job';
import { readJob } from './cancel';

export interface MlflowRun {
  info?: { run_id?: string; status?: string };
  data?: { metrics?: { key: string; value: number; step?: number; timestamp?: number }[]; params?: { key: string; value: string }[]; tags?: { key: string; value: string }[] };
}

/** The workspace's MLflow tracking API as an https base URL (`azureml://` → `https://`, as azureml-mlflow does). */
export async function mlflowBaseUrl(ctx: Context): Promise<string> {
  return ctx.once('mlflow-base', async () => {
    const ws = await ctx.workspace();
    try {
      return mlflowHttpsBase(ws.mlFlowTrackingUri);
    } catch (err) {
      throw explain(err, `finding the MLflow tracking API of workspace "${ctx.target.workspace}"`, ctx.target);
    }
  });
}

/** A workspace's `mlFlowTrackingUri` as the https base of its MLflow REST API. */
export function mlflowHttpsBase(uri: string | undefined): string {
  if (!uri) throw Object.assign(new Error('the workspace names no MLflow tracking URI'), { code: 'NoMlflowTrackingUri' });
  return uri.replace(/^azureml:\/\//, 'https://').replace(/\/+$/, '');
}

export async function mlflowRun(ctx: Context, runId: string, abortSignal?: AbortSignal): Promise<MlflowRun | undefined> {
  return getMlflowRun(ctx.client, await mlflowBaseUrl(ctx), runId, abortSignal);
}

/** `runs/get` of the MLflow API at `base`; undefined when MLflow does not know the run (yet). */
export async function getMlflowRun(client: ArmClient, base: string, runId: string, abortSignal?: AbortSignal): Promise<MlflowRun | undefined> {
  try {
    const body = await client.send<{ run?: MlflowRun }>({ method: 'GET', path: `${base}/api/2.0/mlflow/runs/get`, apiVersion: '', query: { run_id: runId }, ...(abortSignal ? { abortSignal } : {}) });
    return body?.run;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw explain(err, `reading run ${runId} from MLflow`, client.target);
  }
}

/** MLflow params as values: numbers where the text is exactly a number. */
function paramValue(value: string): string | number | boolean {
  const t = value.trim();
  if (t === 'True' || t === 'true') return true;
  if (t === 'False' || t === 'false') return false;
  const n = Number(t);
  return t !== '' && Number.isFinite(n) && String(n) === t ? n : value;
}

/** The final (latest) value of each metric of a job, from the workspace's MLflow API (the run id is the job name). */
export async function readMetrics(ctx: Context, jobName: string, options: { abortSignal?: AbortSignal } = {}): Promise<Record<string, number>> {
  return (await readRunResults(ctx, jobName, options)).metrics;
}

/**
 * A finished job's final metrics and how long it ran (MLflow's start and end time of its run),
 * in one request: the duration of the job itself, also for a job this process did not watch.
 */
export async function readRunResults(ctx: Context, jobName: string, options: { abortSignal?: AbortSignal } = {}): Promise<{ metrics: Record<string, number>; durationMs?: number }> {
  const run = await mlflowRun(ctx, jobName, options.abortSignal ?? ctx.abortSignal);
  const metrics: Record<string, number> = {};
  for (const m of run?.data?.metrics ?? []) if (typeof m.value === 'number') metrics[m.key] = m.value;
  const info = (run?.info ?? {}) as { start_time?: number; end_time?: number };
  return { metrics, ...(typeof info.start_time === 'number' && typeof info.end_time === 'number' && info.end_time >= info.start_time ? { durationMs: info.end_time - info.start_time } : {}) };
}

export interface BestTrial {
  trial: string;
  parameters: Record<string, unknown>;
  metric?: { name: string; value: number };
}

/**
 * A completed sweep's best trial: its id from the sweep job's `best_child_run_id` (job properties,
 * else the sweep run's MLflow tag), else the best of its child runs by the objective; then the
 * trial's parameters and the objective's metric from MLflow. Undefined when the sweep has no best
 * trial (yet).
 */
export async function bestTrial(ctx: Context, sweepJobName: string, options: { abortSignal?: AbortSignal } = {}): Promise<BestTrial | undefined> {
  const signal = options.abortSignal ?? ctx.abortSignal;
  const job = await readJob(ctx, sweepJobName, signal);
  const props = (job.properties ?? {}) as Json;
  const objective = (props.objective ?? {}) as { primaryMetric?: string; goal?: string };
  let best = (props.properties as Record<string, string> | undefined)?.best_child_run_id ?? (props.tags as Record<string, string> | undefined)?.best_child_run_id;
  let metricName = objective.primaryMetric;
  const parent = best && metricName ? undefined : await mlflowRun(ctx, sweepJobName, signal);
  const tag = (k: string) => parent?.data?.tags?.find((t) => t.key === k)?.value;
  best ??= tag('best_child_run_id');
  if (!metricName) {
    try {
      metricName = (JSON.parse(tag('primary_metric_config') ?? '{}') as { name?: string }).name;
    } catch {
      /* not JSON: no metric name */
    }
  }
  if (!best && metricName) {
    const base = await mlflowBaseUrl(ctx);
    const desc = String(objective.goal ?? 'Maximize').toLowerCase() !== 'minimize';
    try {
      const found = await ctx.client.send<{ runs?: MlflowRun[] }>({
        method: 'POST',
        path: `${base}/api/2.0/mlflow/runs/search`,
        apiVersion: '',
        body: { ...(experimentOf(parent) ? { experiment_ids: [experimentOf(parent)] } : {}), filter: `tags.mlflow.parentRunId = '${sweepJobName}'`, order_by: [`metrics.${metricName} ${desc ? 'DESC' : 'ASC'}`], max_results: 1 },
        ...(signal ? { abortSignal: signal } : {}),
      });
      best = found?.runs?.find((r) => r.data?.metrics?.some((m) => m.key === metricName))?.info?.run_id;
    } catch (err) {
      throw explain(err, `searching the trials of sweep ${sweepJobName} in MLflow`, ctx.target);
    }
  }
  if (!best) return undefined;
  const trial = await mlflowRun(ctx, best, signal);
  const parameters: Record<string, unknown> = {};
  for (const p of trial?.data?.params ?? []) parameters[p.key] = paramValue(p.value);
  const value = metricName ? trial?.data?.metrics?.find((m) => m.key === metricName)?.value : undefined;
  return { trial: best, parameters, ...(metricName && typeof value === 'number' ? { metric: { name: metricName, value } } : {}) };
}

export interface Trial {
  /** The trial's run (job) name, e.g. `<sweep>_3`. */
  name: string;
  /** As Azure ML names job states: Completed, Failed, Canceled, Running, … */
  status: string;
  parameters: Record<string, unknown>;
  /** The latest value of each metric the trial logged. */
  metrics: Record<string, number>;
  durationMs?: number;
}

const JOB_STATUS_OF_MLFLOW: Record<string, string> = { FINISHED: 'Completed', FAILED: 'Failed', KILLED: 'Canceled', RUNNING: 'Running', SCHEDULED: 'Queued' };

/**
 * Every trial of a sweep, in the order they started: its child runs in the workspace's MLflow
 * (`runs/search` in the sweep's experiment, `tags.mlflow.parentRunId = <sweep>`, all pages), each
 * with its parameters, final metrics and duration. Bounded by `limit` (default 1,000 trials).
 */
export async function sweepTrials(ctx: Context, sweepJobName: string, options: { abortSignal?: AbortSignal; limit?: number } = {}): Promise<Trial[]> {
  const signal = options.abortSignal ?? ctx.abortSignal;
  const limit = options.limit ?? 1000;
  const parent = await mlflowRun(ctx, sweepJobName, signal);
  const experimentId = experimentOf(parent);
  const base = await mlflowBaseUrl(ctx);
  const runs: MlflowRun[] = [];
  let pageToken: string | undefined;
  do {
    let page: { runs?: MlflowRun[]; next_page_token?: string } | undefined;
    try {
      page = await ctx.client.send({
        method: 'POST',
        path: `${base}/api/2.0/mlflow/runs/search`,
        apiVersion: '',
        body: {
          ...(experimentId ? { experiment_ids: [experimentId] } : {}),
          filter: `tags.mlflow.parentRunId = '${sweepJobName.replace(/'/g, "\\'")}'`,
          order_by: ['attributes.start_time ASC'],
          max_results: Math.min(1000, limit - runs.length),
          ...(pageToken ? { page_token: pageToken } : {}),
        },
        ...(signal ? { abortSignal: signal } : {}),
      });
    } catch (err) {
      throw explain(err, `listing the trials of sweep ${sweepJobName} in MLflow`, ctx.target);
    }
    runs.push(...(page?.runs ?? []));
    pageToken = page?.next_page_token || undefined;
  } while (pageToken && runs.length < limit);
  return runs.map((run) => {
    const info = (run.info ?? {}) as { run_id?: string; status?: string; start_time?: number; end_time?: number };
    const metrics: Record<string, number> = {};
    for (const m of run.data?.metrics ?? []) if (typeof m.value === 'number') metrics[m.key] = m.value;
    const parameters: Record<string, unknown> = {};
    for (const p of run.data?.params ?? []) parameters[p.key] = paramValue(p.value);
    const durationMs = typeof info.start_time === 'number' && typeof info.end_time === 'number' ? info.end_time - info.start_time : undefined;
    return { name: String(info.run_id ?? ''), status: JOB_STATUS_OF_MLFLOW[String(info.status)] ?? String(info.status ?? 'Unknown'), parameters, metrics, ...(durationMs !== undefined ? { durationMs } : {}) };
  });
}

/** A sweep's objective, as the job states it. */
export async function sweepObjective(ctx: Context, sweepJobName: string, abortSignal?: AbortSignal): Promise<{ metric: string; goal: 'maximize' | 'minimize' } | undefined> {
  const job = await readJob(ctx, sweepJobName, abortSignal ?? ctx.abortSignal);
  const objective = (((job.properties ?? {}) as Json).objective ?? {}) as { primaryMetric?: string; goal?: string };
  if (!objective.primaryMetric) return undefined;
  return { metric: objective.primaryMetric, goal: String(objective.goal).toLowerCase() === 'minimize' ? 'minimize' : 'maximize' };
}

/** MLflow's runs/search wants the experiment: the one the run is in. */
const experimentOf = (run: MlflowRun | undefined): string | undefined => (run?.info as { experiment_id?: string } | undefined)?.experiment_id;
