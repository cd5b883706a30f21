import { createHash } from 'node:crypto';
import type { Ctx } from './context';
import { RP } from './context';
import { armError, isObject, json, nowIso, str, type Reply, type Req } from './http';
import { latest, logBlobPath, type JobEngine } from './jobs';
import type { JobRecord, JobStatus } from './types';
import { TERMINAL_STATUSES } from './types';

/** A deterministic GUID for a name (experiment ids, run uuids). */
export function guidOf(label: string): string {
  const h = createHash('sha256').update(label).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const MLFLOW_STATUS: Record<JobStatus, string> = {
  NotStarted: 'SCHEDULED',
  Starting: 'SCHEDULED',
  Preparing: 'SCHEDULED',
  Queued: 'SCHEDULED',
  Running: 'RUNNING',
  Finalizing: 'RUNNING',
  CancelRequested: 'RUNNING',
  Completed: 'FINISHED',
  Failed: 'FAILED',
  Canceled: 'KILLED',
};

/** The workspace discovery document, run history (`runs/{id}/details` with `logFiles`) and the MLflow read API. */
export class RunHistory {
  constructor(
    private readonly ctx: Ctx,
    private readonly jobs: JobEngine,
  ) {}

  /** GET {discoveryUrl}: the workspace's service endpoints, all on this server. */
  discovery(): Reply {
    const b = this.ctx.base;
    return json(200, {
      api: b,
      catalog: b,
      experimentation: b,
      gallery: b,
      history: b,
      hyperdrive: b,
      labeling: b,
      modelmanagement: b,
      pipelines: b,
      studiocoreservices: b,
    });
  }

  /** Workspace-scoped path after `{prefix}/subscriptions/…/workspaces/{w}/`, or a 404 reply. */
  private scope(segments: string[], prefixLength: number): { rest: string[] } | { reply: Reply } {
    const s = segments.slice(prefixLength);
    const ci = (i: number, v: string) => s[i]?.toLowerCase() === v.toLowerCase();
    if (!(ci(0, 'subscriptions') && ci(2, 'resourceGroups') && ci(4, 'providers') && ci(5, RP) && ci(6, 'workspaces') && s[7])) {
      return { reply: armError(404, 'NotFound', 'The requested path is not a workspace-scoped run history or MLflow path.') };
    }
    const { ids } = this.ctx;
    if (s[1].toLowerCase() !== ids.subscriptionId.toLowerCase() || s[3].toLowerCase() !== ids.resourceGroup.toLowerCase() || s[7].toLowerCase() !== ids.workspace.toLowerCase()) {
      return { reply: armError(404, 'UserError', `Workspace ${s[3]}/${s[7]} was not found in subscription ${s[1]}.`) };
    }
    return { rest: s.slice(8) };
  }

  // ---- run history --------------------------------------------------------------------------------

  /** `/history/v1.0/subscriptions/…/workspaces/{w}/[experiments/{e}/|experimentids/{id}/]runs/{runId}[/details]` */
  history(req: Req): Reply {
    const scoped = this.scope(req.segments, 2);
    if ('reply' in scoped) return scoped.reply;
    let r = scoped.rest;
    if (['experiments', 'experimentids'].includes(r[0]?.toLowerCase() ?? '')) r = r.slice(2);
    if (r[0]?.toLowerCase() !== 'runs' || !r[1] || r.length > 3 || (r.length === 3 && r[2].toLowerCase() !== 'details')) {
      req.info.operationId = 'RunHistory_Unsupported';
      return armError(404, 'NotFound', `The emulator serves runs/{runId} and runs/{runId}/details only (got ${r.join('/')}).`);
    }
    if (req.method !== 'GET') return armError(405, 'MethodNotAllowed', 'Run history routes are read with GET.');
    const details = r.length === 3;
    req.info.operationId = details ? 'RunHistory_GetDetails' : 'RunHistory_GetRun';
    const job = this.ctx.state.jobs.get(r[1]);
    if (!job) return json(404, { error: { code: 'UserError', message: `Run ${r[1]} was not found`, innerError: { code: 'NotFoundError' } } });
    return json(200, details ? this.details(job) : this.run(job));
  }

  private run(job: JobRecord): Record<string, unknown> {
    const p = job.resource.properties;
    const computeId = str(p.computeId);
    const target = computeId ? computeId.split('/').pop() : undefined;
    const root = job.parent ?? job.name;
    return {
      runNumber: Math.max(1, [...this.ctx.state.jobs.keys()].indexOf(job.name) + 1),
      rootRunId: root,
      createdUtc: nowIso(job.createdAt),
      createdBy: { userObjectId: guidOf(`oid:${this.ctx.ids.clientId}`), userTenantId: this.ctx.ids.tenantId, userName: this.ctx.ids.clientId },
      userId: guidOf(`oid:${this.ctx.ids.clientId}`),
      error: job.error ? { error: { code: job.error.code, message: job.error.message }, time: nowIso(job.endedAt ?? Date.now()), componentName: 'mlsteps-emulator' } : null,
      runUuid: guidOf(`run:${job.name}`),
      parentRunUuid: job.parent ? guidOf(`run:${job.parent}`) : null,
      rootRunUuid: guidOf(`run:${root}`),
      runId: job.name,
      parentRunId: job.parent ?? null,
      experimentId: guidOf(`experiment:${job.experimentName}`),
      status: job.status,
      startTimeUtc: job.startedAt ? nowIso(job.startedAt) : null,
      endTimeUtc: job.endedAt ? nowIso(job.endedAt) : null,
      displayName: String(p.displayName ?? job.name),
      name: null,
      description: p.description ?? null,
      hidden: false,
      runType: job.jobType === 'Sweep' ? 'hyperdrive' : 'azureml.scriptrun',
      runTypeV2: { orchestrator: 'Execution', traits: [job.jobType === 'Sweep' ? 'azureml.sweepjob' : job.jobType === 'Spark' ? 'azureml.sparkjob' : 'azureml.commandjob'], attribution: null, computeType: 'AmlCompute' },
      properties: { ...(isObject(p.properties) ? Object.fromEntries(Object.entries(p.properties).map(([k, v]) => [k, String(v)])) : {}), ...job.runProperties },
      parameters: {},
      tags: { ...job.tags },
      target: target ?? null,
      revision: job.history.length,
      statusRevision: job.history.length,
    };
  }

  /** RunDetails: status, times, error, properties, tags and `logFiles` (name → SAS URL in Azurite). */
  private details(job: JobRecord): Record<string, unknown> {
    const run = this.run(job);
    const logFiles: Record<string, string> = {};
    for (const file of this.jobs.readyLogFiles(job)) logFiles[file] = this.ctx.azurite.blobSasUrl(this.ctx.artifactContainer, logBlobPath(job.name, file));
    for (const v of Object.values(logFiles)) this.ctx.redactor.add(new URL(v).searchParams.get('sig') ?? undefined);
    const durationMs = job.startedAt ? (job.endedAt ?? Date.now()) - job.startedAt : 0;
    return {
      runId: run.runId,
      runUuid: run.runUuid,
      parentRunUuid: run.parentRunUuid,
      rootRunUuid: run.rootRunUuid,
      target: run.target,
      status: job.status,
      parentRunId: run.parentRunId,
      createdTimeUtc: nowIso(job.createdAt),
      startTimeUtc: run.startTimeUtc,
      endTimeUtc: run.endTimeUtc,
      error: run.error,
      warnings: null,
      tags: run.tags,
      properties: run.properties,
      parameters: {},
      services: {},
      inputDatasets: [],
      outputDatasets: [],
      runDefinition: { command: job.command ?? job.resource.properties.command ?? null, jobType: job.jobType },
      logFiles,
      jobCost: null,
      revision: run.revision,
      runTypeV2: run.runTypeV2,
      settings: {},
      computeRequest: null,
      compute: run.target ? { target: run.target, targetType: 'AmlCompute', instanceCount: 1 } : null,
      createdBy: run.createdBy,
      computeDuration: formatDuration(durationMs),
      effectiveStartTimeUtc: run.startTimeUtc,
      runNumber: run.runNumber,
      rootRunId: run.rootRunId,
      userId: run.userId,
      statusRevision: run.statusRevision,
      hasVirtualParent: false,
      currentComputeTime: formatDuration(durationMs),
      lastStartTimeUtc: run.startTimeUtc,
      lastModifiedBy: run.createdBy,
      lastModifiedUtc: job.history[job.history.length - 1]?.time ?? nowIso(job.createdAt),
      duration: formatDuration(durationMs),
      inputs: null,
      outputs: null,
    };
  }

  // ---- MLflow -------------------------------------------------------------------------------------

  /** `/mlflow/v1.0/subscriptions/…/workspaces/{w}/api/2.0/mlflow/…` (the read API a client needs). */
  mlflow(req: Req): Reply {
    const scoped = this.scope(req.segments, 2);
    if ('reply' in scoped) return scoped.reply;
    const r = scoped.rest.map((s) => s.toLowerCase());
    if (!(r[0] === 'api' && r[1] === '2.0' && r[2] === 'mlflow')) return mlflowError(404, 'ENDPOINT_NOT_FOUND', `No API endpoint ${req.path}`);
    const route = `${req.method} ${r.slice(3).join('/')}`;
    const params: Record<string, unknown> = { ...req.query, ...(isObject(req.body) ? req.body : {}) };
    switch (route) {
      case 'GET runs/get':
      case 'POST runs/get': {
        req.info.operationId = 'MLflow_GetRun';
        const job = this.findRun(params.run_id ?? params.run_uuid);
        return job ? json(200, { run: this.mlflowRun(job) }) : mlflowError(404, 'RESOURCE_DOES_NOT_EXIST', `Run '${String(params.run_id ?? params.run_uuid)}' not found`);
      }
      case 'GET metrics/get-history':
      case 'POST metrics/get-history': {
        req.info.operationId = 'MLflow_GetMetricHistory';
        const job = this.findRun(params.run_id ?? params.run_uuid);
        if (!job) return mlflowError(404, 'RESOURCE_DOES_NOT_EXIST', `Run '${String(params.run_id ?? params.run_uuid)}' not found`);
        const key = str(params.metric_key);
        if (!key) return mlflowError(400, 'INVALID_PARAMETER_VALUE', "Missing value for required parameter 'metric_key'.");
        const points = (job.metrics.get(key) ?? []).map((p) => ({ key: p.key, value: p.value, timestamp: p.timestamp, step: p.step }));
        const max = Number(params.max_results ?? 0) || points.length || 1;
        const start = Number(params.page_token ?? 0) || 0;
        const body: Record<string, unknown> = { metrics: points.slice(start, start + max) };
        if (start + max < points.length) body.next_page_token = String(start + max);
        return json(200, body);
      }
      case 'POST runs/search':
      case 'GET runs/search': {
        req.info.operationId = 'MLflow_SearchRuns';
        return this.searchRuns(params);
      }
      case 'GET experiments/get-by-name': {
        req.info.operationId = 'MLflow_GetExperimentByName';
        const name = str(params.experiment_name);
        const exists = [...this.ctx.state.jobs.values()].some((j) => j.experimentName === name);
        return name && exists ? json(200, { experiment: this.experiment(name) }) : mlflowError(404, 'RESOURCE_DOES_NOT_EXIST', `Could not find experiment with name '${name}'`);
      }
      case 'GET experiments/get': {
        req.info.operationId = 'MLflow_GetExperiment';
        const id = str(params.experiment_id);
        const name = [...new Set([...this.ctx.state.jobs.values()].map((j) => j.experimentName))].find((n) => guidOf(`experiment:${n}`) === id);
        return name ? json(200, { experiment: this.experiment(name) }) : mlflowError(404, 'RESOURCE_DOES_NOT_EXIST', `No Experiment with id=${id} exists`);
      }
      default:
        req.info.operationId = 'MLflow_Unsupported';
        return mlflowError(404, 'ENDPOINT_NOT_FOUND', `The emulator does not serve ${route} (it serves runs/get, metrics/get-history, runs/search, experiments/get[-by-name]).`);
    }
  }

  private findRun(id: unknown): JobRecord | undefined {
    return typeof id === 'string' ? this.ctx.state.jobs.get(id) : undefined;
  }

  private experiment(name: string): Record<string, unknown> {
    const id = guidOf(`experiment:${name}`);
    return { experiment_id: id, name, artifact_location: `azureml://experiments/${name}`, lifecycle_stage: 'active', tags: [] };
  }

  private mlflowRun(job: JobRecord): Record<string, unknown> {
    const metrics = [...job.metrics.values()].filter((p) => p.length).map((points) => {
      const p = latest(points);
      return { key: points[0].key, value: p.value, timestamp: p.timestamp, step: p.step };
    });
    const tags: Record<string, string> = { ...job.tags, 'mlflow.runName': String(job.resource.properties.displayName ?? job.name), 'mlflow.user': this.ctx.ids.clientId };
    if (job.parent) Object.assign(tags, { 'mlflow.parentRunId': job.parent, 'mlflow.rootRunId': job.parent });
    const info: Record<string, unknown> = {
      run_uuid: job.name,
      run_id: job.name,
      run_name: String(job.resource.properties.displayName ?? job.name),
      experiment_id: guidOf(`experiment:${job.experimentName}`),
      user_id: this.ctx.ids.clientId,
      status: MLFLOW_STATUS[job.status],
      start_time: job.startedAt ?? job.createdAt,
      artifact_uri: `azureml://${new URL(this.ctx.base).host}/mlflow/v2.0/subscriptions/${this.ctx.ids.subscriptionId}/resourceGroups/${this.ctx.ids.resourceGroup}/providers/${RP}/workspaces/${this.ctx.ids.workspace}/experiments/${guidOf(`experiment:${job.experimentName}`)}/runs/${job.name}/artifacts`,
      lifecycle_stage: 'active',
    };
    if (TERMINAL_STATUSES.includes(job.status) && job.endedAt) info.end_time = job.endedAt;
    return {
      info,
      data: {
        metrics,
        params: Object.entries(job.params).map(([key, value]) => ({ key, value })),
        tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
      },
      inputs: {},
    };
  }

  private searchRuns(params: Record<string, unknown>): Reply {
    const experimentIds = Array.isArray(params.experiment_ids) ? params.experiment_ids.map(String) : typeof params.experiment_ids === 'string' ? [params.experiment_ids] : [];
    const filter = str(params.filter) ?? '';
    const clauses = parseFilter(filter);
    if (clauses === undefined) return mlflowError(400, 'INVALID_PARAMETER_VALUE', `Invalid filter '${filter}'.`);
    let runs = [...this.ctx.state.jobs.values()].map((job) => ({ job, run: this.mlflowRun(job) }));
    if (experimentIds.length) runs = runs.filter(({ run }) => experimentIds.includes(String((run.info as Record<string, unknown>).experiment_id)));
    runs = runs.filter(({ run }) => clauses.every((c) => matchClause(run, c)));
    const orderBy = Array.isArray(params.order_by) ? params.order_by.map(String) : typeof params.order_by === 'string' ? [params.order_by] : [];
    runs.sort((a, b) => {
      for (const o of orderBy) {
        const [field, dir] = o.trim().split(/\s+/);
        const va = fieldValue(a.run, field);
        const vb = fieldValue(b.run, field);
        const cmp = compare(va, vb);
        if (cmp !== 0) return dir?.toUpperCase() === 'DESC' ? -cmp : cmp;
      }
      return Number((b.run.info as Record<string, unknown>).start_time) - Number((a.run.info as Record<string, unknown>).start_time);
    });
    const max = Number(params.max_results ?? 1000) || 1000;
    const start = Number(params.page_token ?? 0) || 0;
    const body: Record<string, unknown> = { runs: runs.slice(start, start + max).map((r) => r.run) };
    if (start + max < runs.length) body.next_page_token = String(start + max);
    return json(200, body);
  }
}

function mlflowError(status: number, code: string, message: string): Reply {
  return json(status, { error_code: code, message });
}

function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}.${String(ms % 1000).padStart(3, '0')}0000`;
}

type Clause = { field: string; op: string; value: string | number };

/** MLflow search filters: `tags.x = 'v' and metrics.acc > 0.5 and attributes.status = 'FINISHED'`. */
function parseFilter(filter: string): Clause[] | undefined {
  if (!filter.trim()) return [];
  const clauses: Clause[] = [];
  for (const part of filter.split(/\s+and\s+/i)) {
    const m = /^\s*((?:tags?|params?|metrics?|attributes?|attr|run)\.(?:`[^`]+`|"[^"]+"|[\w.]+))\s*(=|!=|>=|<=|>|<|LIKE|ILIKE)\s*('(?:[^']*)'|"(?:[^"]*)"|-?[\d.eE+-]+)\s*$/i.exec(part);
    if (!m) return undefined;
    const raw = m[3];
    const value = /^['"]/.test(raw) ? raw.slice(1, -1) : Number(raw);
    clauses.push({ field: m[1], op: m[2].toUpperCase(), value });
  }
  return clauses;
}

function fieldValue(run: Record<string, unknown>, field: string): string | number | undefined {
  const dot = field.indexOf('.');
  const kind = field.slice(0, dot).toLowerCase();
  const key = field.slice(dot + 1).replace(/^[`"]|[`"]$/g, '');
  const data = run.data as { metrics: { key: string; value: number }[]; params: { key: string; value: string }[]; tags: { key: string; value: string }[] };
  const info = run.info as Record<string, unknown>;
  if (kind.startsWith('metric')) return data.metrics.find((m) => m.key === key)?.value;
  if (kind.startsWith('param')) return data.params.find((p) => p.key === key)?.value;
  if (kind.startsWith('tag')) return data.tags.find((t) => t.key === key)?.value;
  const v = info[key === 'run_name' ? 'run_name' : key];
  return typeof v === 'string' || typeof v === 'number' ? v : undefined;
}

function compare(a: string | number | undefined, b: string | number | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  return a < b ? -1 : 1;
}

function matchClause(run: Record<string, unknown>, c: Clause): boolean {
  const v = fieldValue(run, c.field);
  if (v === undefined) return false;
  switch (c.op) {
    case '=':
      return String(v) === String(c.value);
    case '!=':
      return String(v) !== String(c.value);
    case '>':
      return Number(v) > Number(c.value);
    case '>=':
      return Number(v) >= Number(c.value);
    case '<':
      return Number(v) < Number(c.value);
    case '<=':
      return Number(v) <= Number(c.value);
    case 'LIKE':
    case 'ILIKE': {
      const re = new RegExp(`^${String(c.value).replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.')}$`, c.op === 'ILIKE' ? 'i' : '');
      return re.test(String(v));
    }
    default:
      return false;
  }
}
