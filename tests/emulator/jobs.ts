import { randomUUID } from 'node:crypto';
import type { Ctx } from './context';
import { executeJob, locate, type ExecHooks } from './exec';
import { isObject, nowIso, str } from './http';
import { sampleTrials } from './sampling';
import type { JobRecord, JobScript, JobStatus } from './types';
import { TERMINAL_STATUSES } from './types';

const DEFAULT_DURATIONS: Required<NonNullable<JobScript['durations']>> = {
  NotStarted: 50,
  Starting: 100,
  Preparing: 150,
  Queued: 100,
  Running: 450,
  Finalizing: 150,
  CancelRequested: 200,
};

const DEFAULT_LOG = ['Starting the job', 'Loading data', 'Training', 'Done'];

/** Where a job's log files live in the artifact container. */
export function logBlobPath(runId: string, file: string): string {
  return `ExperimentRun/dcid.${runId}/${file}`;
}

interface LogState {
  ready: Set<string>;
  chain: Promise<void>;
}

/** Job lifecycle: scripted timers or executed commands, logs to Azurite, metrics for MLflow. */
export class JobEngine {
  private readonly scripts: Array<{ match: string | RegExp; script: JobScript }> = [];
  private readonly timers = new Map<string, Set<NodeJS.Timeout>>();
  private readonly logState = new Map<string, LogState>();
  private readonly waiters = new Set<() => void>();
  private readonly aborts = new Map<string, AbortController>();
  private readonly running = new Set<Promise<unknown>>();
  private stopped = false;

  constructor(private readonly ctx: Ctx) {}

  script(match: string | RegExp, script: JobScript): void {
    this.scripts.push({ match, script });
    // A job already created picks up a script given later (before it runs its next state).
    for (const job of this.ctx.state.jobs.values()) if (matches(match, job.name)) job.script = { ...job.script, ...script };
  }

  scriptFor(name: string): JobScript {
    let found: JobScript = {};
    for (const { match, script } of this.scripts) if (matches(match, name)) found = { ...found, ...script };
    return found;
  }

  /** The ARM resource as returned by GET (status current). */
  view(job: JobRecord): Record<string, unknown> {
    job.resource.properties.status = job.status;
    return job.resource;
  }

  create(name: string, props: Record<string, unknown>, apiVersion: string, parent?: JobRecord): JobRecord {
    const now = Date.now();
    const { ids } = this.ctx;
    const experimentName = str(props.experimentName) ?? parent?.experimentName ?? 'Default';
    const tags: Record<string, string> = isObject(props.tags) ? Object.fromEntries(Object.entries(props.tags).map(([k, v]) => [k, String(v)])) : {};
    const properties: Record<string, unknown> = {
      ...props,
      experimentName,
      displayName: str(props.displayName) ?? name,
      isArchived: props.isArchived ?? false,
      status: 'NotStarted',
      properties: { ContentSnapshotId: randomUUID(), '_azureml.ComputeTargetType': 'amlctrain', ...(isObject(props.properties) ? props.properties : {}) },
      services: {
        Tracking: { jobServiceType: 'Tracking', endpoint: this.ctx.mlflowTrackingUri },
        Studio: {
          jobServiceType: 'Studio',
          endpoint: `https://ml.azure.com/runs/${name}?wsid=/subscriptions/${ids.subscriptionId}/resourcegroups/${ids.resourceGroup}/workspaces/${ids.workspace}&tid=${ids.tenantId}`,
        },
      },
    };
    if (props.jobType !== 'Sweep' || isObject(props.outputs)) properties.outputs = this.defaultOutputs(name, props.outputs);
    const script = this.scriptFor(name);
    const job: JobRecord = {
      name,
      apiVersion,
      jobType: String(props.jobType),
      resource: { id: `${this.ctx.workspaceArmId}/jobs/${name}`, name, type: 'Microsoft.MachineLearningServices/workspaces/jobs', systemData: systemData(now), properties },
      submitted: props,
      status: 'NotStarted',
      history: [{ status: 'NotStarted', time: nowIso(now) }],
      script,
      mode: script.mode ?? this.ctx.jobMode,
      logs: new Map(),
      metrics: new Map(),
      params: { ...(script.params ?? {}) },
      tags,
      children: [],
      ...(parent ? { parent: parent.name } : {}),
      experimentName,
      createdAt: now,
      puts: 1,
      cancelRequests: 0,
      runProperties: {},
    };
    this.ctx.state.jobs.set(name, job);
    if (!parent) this.start(job);
    return job;
  }

  /** A repeated PUT with the same content: description, tags and displayName may change. */
  update(job: JobRecord, props: Record<string, unknown>): void {
    job.puts += 1;
    const p = job.resource.properties;
    if (props.description !== undefined) p.description = props.description;
    if (props.displayName !== undefined) p.displayName = props.displayName;
    if (isObject(props.tags)) {
      p.tags = props.tags;
      job.tags = Object.fromEntries(Object.entries(props.tags).map(([k, v]) => [k, String(v)]));
    }
  }

  /** Output bindings as the service reports them: default datastore paths filled in, plus `default`. */
  private defaultOutputs(name: string, outputs: unknown): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(isObject(outputs) ? outputs : {})) {
      if (!isObject(value)) continue;
      const o: Record<string, unknown> = { ...value };
      const type = str(o.jobOutputType) ?? 'uri_folder';
      if (!o.uri && ['uri_folder', 'uri_file', 'mltable', 'custom_model', 'mlflow_model', 'triton_model'].includes(type)) {
        o.uri = `azureml://datastores/workspaceblobstore/paths/azureml/${name}/${key}/`;
      }
      if (!o.mode && type !== 'literal') o.mode = 'ReadWriteMount';
      out[key] = o;
    }
    out.default = { jobOutputType: 'uri_folder', mode: 'ReadWriteMount', uri: `azureml://datastores/workspaceartifactstore/ExperimentRun/dcid.${name}` };
    return out;
  }

  // ---- lifecycle ----------------------------------------------------------------------------------

  private durations(job: JobRecord): Required<NonNullable<JobScript['durations']>> {
    return { ...DEFAULT_DURATIONS, ...(job.script.durations ?? {}) };
  }

  private later(job: JobRecord, ms: number, fn: () => void): void {
    if (this.stopped) return;
    const set = this.timers.get(job.name) ?? new Set<NodeJS.Timeout>();
    this.timers.set(job.name, set);
    const t = setTimeout(() => {
      set.delete(t);
      if (!this.stopped) fn();
    }, Math.max(0, ms));
    set.add(t);
  }

  private clearTimers(job: JobRecord): void {
    for (const t of this.timers.get(job.name) ?? []) clearTimeout(t);
    this.timers.delete(job.name);
  }

  setStatus(job: JobRecord, status: JobStatus): void {
    if (job.status === status) return;
    job.status = status;
    const now = Date.now();
    job.history.push({ status, time: nowIso(now) });
    job.resource.properties.status = status;
    if (status === 'Running' && !job.startedAt) job.startedAt = now;
    if (TERMINAL_STATUSES.includes(status)) {
      job.endedAt = now;
      this.clearTimers(job);
    }
    this.ctx.log(`job ${job.name}: ${status}`);
    if (!job.parent) void this.appendLog(job, 'system_logs/lifecycler/execution-wrapper.log', `${nowIso(now)} | status | ${status}\n`);
    for (const w of [...this.waiters]) w();
  }

  private start(job: JobRecord): void {
    const d = () => this.durations(job);
    const step = (from: JobStatus, to: JobStatus, extra = 0, then?: () => void) => {
      this.later(job, d()[from as keyof typeof DEFAULT_DURATIONS] + extra, () => {
        if (job.status !== from) return;
        this.setStatus(job, to);
        then?.();
      });
    };
    step('NotStarted', 'Starting', 0, () =>
      step('Starting', 'Preparing', 0, () => {
        const buildMs = this.imageBuild(job);
        if (job.mode === 'executed') {
          this.track(this.runExecuted(job));
          return;
        }
        step('Preparing', 'Queued', buildMs, () =>
          step('Queued', 'Running', 0, () => {
            this.runScripted(job);
            step('Running', 'Finalizing', 0, () => {
              this.finishScriptedRun(job);
              const written = this.writeOutputFiles(job);
              this.later(job, d().Finalizing, () => {
                void written.then(() => {
                  if (job.status === 'Finalizing') this.finish(job);
                });
              });
            });
          }),
        );
      }),
    );
  }

  /** The first job to use an environment version "builds its image". Returns the extra Preparing time. */
  private imageBuild(job: JobRecord): number {
    const p = job.resource.properties;
    const trial = isObject(p.trial) ? p.trial : {};
    const envId = str(p.environmentId) ?? str(trial.environmentId);
    if (!envId) return 0;
    const m = /\/environments\/([^/]+)\/versions\/([^/]+)$/i.exec(envId) ?? /^azureml:([^:/]+):([^:/]+)$/.exec(envId);
    const key = m ? `${m[1]}:${m[2]}` : envId;
    if (this.ctx.state.imageBuilds.includes(key)) return 0;
    this.ctx.state.imageBuilds.push(key);
    return this.ctx.imageBuildMs;
  }

  private finish(job: JobRecord): void {
    const final = job.script.finalStatus ?? 'Completed';
    if (final === 'Failed') job.error = job.script.error ?? { code: 'UserError', message: `Execution failed. User process exited with status code 1. Please check log file 'user_logs/std_log.txt' for error details.` };
    this.setStatus(job, final);
  }

  private runScripted(job: JobRecord): void {
    const d = this.durations(job);
    for (const [file, lines] of Object.entries(job.script.logFiles ?? {})) void this.appendLog(job, file, lines.map((l) => `${l}\n`).join(''));
    const lines = job.script.logLines ?? DEFAULT_LOG;
    void this.appendLog(job, 'user_logs/std_log.txt', '');
    lines.forEach((line, i) => {
      const at = lines.length <= 1 ? 0 : (d.Running * i) / lines.length;
      this.later(job, at, () => {
        if (job.status === 'Running') void this.appendLog(job, 'user_logs/std_log.txt', `${line}\n`);
      });
    });
    if (job.jobType === 'Sweep') this.scriptedTrials(job, d.Running);
  }

  /** A scripted job's `outputFiles`, written where its outputs are stored (Finalizing uploads them). */
  private async writeOutputFiles(job: JobRecord): Promise<void> {
    const outputs = isObject(job.resource.properties.outputs) ? job.resource.properties.outputs : {};
    for (const [name, files] of Object.entries(job.script.outputFiles ?? {})) {
      const output = outputs[name];
      const loc = isObject(output) && str(output.uri) ? locate(this.ctx, String(output.uri)) : undefined;
      if (!loc || !('container' in loc)) continue;
      const container = this.ctx.azurite.container(loc.container);
      const prefix = loc.path.endsWith('/') || loc.path === '' ? loc.path : `${loc.path}/`;
      for (const [file, text] of Object.entries(files)) await container.getBlockBlobClient(`${prefix}${file}`).upload(text, Buffer.byteLength(text));
    }
  }

  private finishScriptedRun(job: JobRecord): void {
    if (job.script.metrics) this.recordMetrics(job, job.script.metrics);
    if (job.jobType === 'Sweep') this.pickBestTrial(job);
  }

  /** Child runs of a scripted sweep, spread over the parent's Running time. */
  private scriptedTrials(job: JobRecord, runningMs: number): void {
    const p = job.resource.properties;
    const objective = isObject(p.objective) ? p.objective : {};
    const primary = str(objective.primaryMetric) ?? 'accuracy';
    const maximize = String(objective.goal ?? 'Maximize').toLowerCase() !== 'minimize';
    let trials = job.script.trials;
    if (!trials) {
      const planned = sampleTrials(p, 3);
      trials = planned.map((params, i) => ({ params, metrics: { [primary]: maximize ? 0.5 + 0.1 * i : 1 - 0.1 * i } }));
    }
    const slot = runningMs / Math.max(1, trials.length);
    trials.forEach((trial, i) => {
      const childName = `${job.name}_${i}`;
      const child = this.create(childName, { jobType: 'Command', experimentName: job.experimentName, displayName: childName, tags: {} }, job.apiVersion, job);
      child.params = Object.fromEntries(Object.entries(trial.params).map(([k, v]) => [k, String(v)]));
      job.children.push(childName);
      this.later(job, slot * i, () => {
        this.setStatus(child, 'Running');
        void this.appendLog(child, 'user_logs/std_log.txt', `trial ${i}: ${JSON.stringify(trial.params)}\n`);
      });
      this.later(job, slot * (i + 1) - 1, () => {
        if (trial.metrics) this.recordMetrics(child, trial.metrics);
        this.setStatus(child, trial.status ?? 'Completed');
      });
    });
  }

  /** A finished sweep's best trial: run-history properties `best_child_run_id` and `score`. */
  pickBestTrial(job: JobRecord): void {
    const p = job.resource.properties;
    const objective = isObject(p.objective) ? p.objective : {};
    const primary = str(objective.primaryMetric) ?? 'accuracy';
    const maximize = String(objective.goal ?? 'Maximize').toLowerCase() !== 'minimize';
    let best: { name: string; value: number } | undefined;
    for (const childName of job.children) {
      const child = this.ctx.state.jobs.get(childName);
      if (!child || child.status !== 'Completed') continue;
      const points = child.metrics.get(primary);
      const value = points?.length ? latest(points).value : undefined;
      if (value === undefined || !Number.isFinite(value)) continue;
      if (!best || (maximize ? value > best.value : value < best.value)) best = { name: childName, value };
    }
    job.runProperties.primary_metric_config = JSON.stringify({ name: primary, goal: maximize ? 'maximize' : 'minimize' });
    if (best) {
      job.runProperties.best_child_run_id = best.name;
      job.runProperties.score = String(best.value);
      job.tags.best_child_run_id ??= best.name;
    }
  }

  private async runExecuted(job: JobRecord): Promise<void> {
    const abort = new AbortController();
    this.aborts.set(job.name, abort);
    const hooks: ExecHooks = {
      ctx: this.ctx,
      signal: abort.signal,
      setStatus: (s) => {
        if (!TERMINAL_STATUSES.includes(job.status) && job.status !== 'CancelRequested') this.setStatus(job, s);
      },
      appendLog: (j, file, text) => this.appendLog(j, file, text),
      recordMetrics: (j, metrics) => this.recordMetrics(j, metrics),
      createChild: (name, params) => {
        const child = this.create(name, { jobType: 'Command', experimentName: job.experimentName, displayName: name, tags: {} }, job.apiVersion, job);
        child.params = params;
        job.children.push(name);
        return child;
      },
      setChildStatus: (child, s) => this.setStatus(child, s),
      resolveAsset: (ref, kind) => this.ctx.resolveAsset(ref, kind),
      bestChild: (sweep) => {
        this.pickBestTrial(sweep);
        return sweep.runProperties.best_child_run_id;
      },
    };
    try {
      const outcome = await executeJob(job, hooks);
      if (job.jobType === 'Sweep') this.pickBestTrial(job);
      if (job.status === 'CancelRequested' || TERMINAL_STATUSES.includes(job.status)) return;
      this.setStatus(job, 'Finalizing');
      await this.flushLogs(job);
      if (outcome.ok) {
        this.setStatus(job, 'Completed');
      } else {
        job.error = outcome.error;
        this.setStatus(job, 'Failed');
      }
    } catch (err) {
      if (!TERMINAL_STATUSES.includes(job.status) && job.status !== 'CancelRequested') {
        job.error = { code: 'SystemError', message: `The emulator could not run the job: ${(err as Error).message}` };
        this.setStatus(job, 'Failed');
      }
    } finally {
      this.aborts.delete(job.name);
    }
  }

  private track(p: Promise<unknown>): void {
    this.running.add(p);
    p.finally(() => this.running.delete(p)).catch(() => undefined);
  }

  /** POST cancel: CancelRequested, then Canceled (unless scripted to stay). */
  cancel(job: JobRecord): void {
    if (TERMINAL_STATUSES.includes(job.status) || job.status === 'CancelRequested') return;
    this.clearTimers(job);
    this.setStatus(job, 'CancelRequested');
    this.aborts.get(job.name)?.abort();
    for (const childName of job.children) {
      const child = this.ctx.state.jobs.get(childName);
      if (child && !TERMINAL_STATUSES.includes(child.status)) this.setStatus(child, 'Canceled');
    }
    if (job.script.stuckInCancelRequested) return;
    this.later(job, this.durations(job).CancelRequested, () => {
      if (job.status === 'CancelRequested') this.setStatus(job, 'Canceled');
    });
  }

  // ---- logs and metrics -------------------------------------------------------------------------

  /** Appends text to a job's log file (an append blob in the artifact container). */
  appendLog(job: JobRecord, file: string, text: string): Promise<void> {
    job.logs.set(file, (job.logs.get(file) ?? '') + text);
    const state = this.logState.get(job.name) ?? { ready: new Set<string>(), chain: Promise.resolve() };
    this.logState.set(job.name, state);
    const blob = this.ctx.azurite.container(this.ctx.artifactContainer).getAppendBlobClient(logBlobPath(job.name, file));
    state.chain = state.chain
      .then(async () => {
        if (!state.ready.has(file)) {
          await blob.createIfNotExists({ blobHTTPHeaders: { blobContentType: 'text/plain; charset=utf-8' } });
          state.ready.add(file);
        }
        const data = Buffer.from(text, 'utf8');
        for (let i = 0; i < data.length; i += 4 * 1024 * 1024) {
          const chunk = data.subarray(i, i + 4 * 1024 * 1024);
          await blob.appendBlock(chunk, chunk.length);
        }
      })
      .catch((err) => {
        if (!this.stopped) this.ctx.log(`log append failed for ${job.name}/${file}: ${(err as Error).message}`);
      });
    return state.chain;
  }

  /** Log files that exist in storage (what run history lists). */
  readyLogFiles(job: JobRecord): string[] {
    return [...(this.logState.get(job.name)?.ready ?? [])].sort();
  }

  flushLogs(job: JobRecord): Promise<void> {
    return this.logState.get(job.name)?.chain ?? Promise.resolve();
  }

  recordMetrics(job: JobRecord, metrics: Record<string, number | number[]>): void {
    const base = Date.now();
    for (const [key, value] of Object.entries(metrics)) {
      const values = Array.isArray(value) ? value : [value];
      const points = job.metrics.get(key) ?? [];
      const offset = points.length;
      values.forEach((v, i) => points.push({ key, value: Number(v), timestamp: base + i, step: offset + i }));
      job.metrics.set(key, points);
    }
  }

  // ---- waiting and stopping -----------------------------------------------------------------------

  waitFor(name: string, statuses: JobStatus[] = [...TERMINAL_STATUSES], timeoutMs = 30_000): Promise<JobRecord> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const job = this.ctx.state.jobs.get(name);
        if (job && statuses.includes(job.status)) {
          cleanup();
          resolve(job);
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        const job = this.ctx.state.jobs.get(name);
        reject(new Error(`job ${name} did not reach ${statuses.join('|')} within ${timeoutMs} ms (status: ${job?.status ?? 'absent'})`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const set of this.timers.values()) for (const t of set) clearTimeout(t);
    this.timers.clear();
    for (const a of this.aborts.values()) a.abort();
    await Promise.allSettled([...this.running]);
    await Promise.allSettled([...this.logState.values()].map((s) => s.chain));
  }
}

export function latest(points: { value: number; timestamp: number; step: number }[]): { value: number; timestamp: number; step: number } {
  return points.reduce((a, b) => (b.step > a.step || (b.step === a.step && b.timestamp >= a.timestamp) ? b : a));
}

function matches(match: string | RegExp, name: string): boolean {
  return match === '*' || (typeof match === 'string' ? match === name : match.test(name));
}

function systemData(at: number): Record<string, unknown> {
  return { createdAt: nowIso(at), createdBy: 'mlsteps-emulator', createdByType: 'Application', lastModifiedAt: nowIso(at), lastModifiedBy: 'mlsteps-emulator', lastModifiedByType: 'Application' };
}
