import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, delimiter, dirname, join, relative, sep } from 'node:path';
import { writeShim } from '../../src/backends/local/interpreter';
import type { Ctx } from './context';
import { durationSeconds, isObject, str } from './http';
import { sampleTrials, type TrialParams } from './sampling';
import type { ArmResource, JobRecord, JobStatus } from './types';

/** What the job engine lends the executor. */
export interface ExecHooks {
  ctx: Ctx;
  signal: AbortSignal;
  setStatus(status: JobStatus): void;
  appendLog(job: JobRecord, file: string, text: string): Promise<void>;
  recordMetrics(job: JobRecord, metrics: Record<string, number | number[]>): void;
  createChild(name: string, params: Record<string, string>): JobRecord;
  setChildStatus(child: JobRecord, status: JobStatus): void;
  resolveAsset(ref: string, kind: 'codes' | 'data' | 'environments'): ArmResource | undefined | 'unparsable';
  /** A sweep's best trial so far (by its objective), as the service picks it. */
  bestChild(sweep: JobRecord): string | undefined;
}

export interface Outcome {
  ok: boolean;
  error?: { code: string; message: string };
}

const STD_LOG = 'user_logs/std_log.txt';

/** Process groups of running commands, killed if this process exits before they end. */
const groups = new Set<number>();
let exitHook = false;
function trackGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  groups.add(pid);
  if (exitHook) return;
  exitHook = true;
  process.on('exit', () => {
    for (const g of groups) {
      try {
        process.kill(-g, 'SIGKILL');
      } catch {
        // gone
      }
    }
  });
}

/** A location in storage: a container and a blob path (prefix), or a local path. */
type Location = { container: string; path: string } | { local: string };

/**
 * Runs a job here: downloads its code snapshot and inputs from Azurite, runs its command with
 * `sh -c` (a Spark job: `python <entry> <args>`; a sweep: each trial in turn), streams the output
 * to `user_logs/std_log.txt`, records metrics (`outputs/metrics.json`, an MLflow file store) and
 * uploads its outputs.
 */
export async function executeJob(job: JobRecord, hooks: ExecHooks): Promise<Outcome> {
  const work = mkdtempSync(join(tmpdir(), `mlsteps-emulator-${job.name.slice(0, 40)}-`));
  try {
    return await run(job, hooks, work);
  } finally {
    if (!process.env.MLSTEPS_EMULATOR_KEEP) rmSync(work, { recursive: true, force: true });
  }
}

async function run(job: JobRecord, hooks: ExecHooks, work: string): Promise<Outcome> {
  const p = job.resource.properties;
  const trial = isObject(p.trial) ? p.trial : undefined;
  const fail = (message: string, code = 'UserError'): Outcome => ({ ok: false, error: { code, message } });

  // Preparing: the code snapshot and the inputs.
  const codeDir = join(work, 'code');
  mkdirSync(codeDir, { recursive: true });
  const codeId = str(p.codeId) ?? str(trial?.codeId);
  if (codeId) {
    const code = hooks.resolveAsset(codeId, 'codes');
    if (!code || code === 'unparsable') return fail(`Code asset ${codeId} was not found.`);
    const loc = locate(hooks.ctx, String(code.properties.codeUri ?? ''));
    if (!loc) return fail(`Cannot read the code snapshot at ${String(code.properties.codeUri)}.`);
    if ('local' in loc) cpSync(loc.local, codeDir, { recursive: true });
    else if ((await download(hooks.ctx, loc, codeDir, 'folder')) === 0) return fail(`The code snapshot at ${String(code.properties.codeUri)} is empty or absent.`);
  }
  const bindings: Record<string, string> = {};
  for (const [name, input] of Object.entries(isObject(p.inputs) ? p.inputs : {})) {
    if (!isObject(input)) continue;
    const type = str(input.jobInputType) ?? 'uri_folder';
    if (type === 'literal') {
      bindings[`inputs.${name}`] = String(input.value ?? '');
      continue;
    }
    const bound = await bindInput(hooks, String(input.uri ?? ''), type, join(work, 'inputs', name));
    if (typeof bound !== 'string') return fail(`inputs.${name}: ${bound.error}`);
    bindings[`inputs.${name}`] = bound;
  }
  const outputs: Array<{ name: string; path: string; type: string; uri?: string }> = [];
  for (const [name, output] of Object.entries(isObject(p.outputs) ? p.outputs : {})) {
    if (!isObject(output) || name === 'default') continue;
    const type = str(output.jobOutputType) ?? 'uri_folder';
    const dir = join(work, 'outputs', name);
    mkdirSync(dir, { recursive: true });
    const path = type === 'uri_file' ? join(dir, basename(String(output.uri ?? name)) || name) : dir;
    bindings[`outputs.${name}`] = path;
    outputs.push({ name, path, type, uri: str(output.uri) });
  }
  if (hooks.signal.aborted) return { ok: false };
  hooks.setStatus('Queued');
  hooks.setStatus('Running');

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...stringRecord(p.environmentVariables ?? trial?.environmentVariables),
    PATH: [pythonShimDir(work, hooks.ctx.python), process.env.PATH ?? ''].filter(Boolean).join(delimiter),
    PYTHONUNBUFFERED: '1',
    AZUREML_RUN_ID: job.name,
    AZUREML_EXPERIMENT_NAME: job.experimentName,
    MLFLOW_EXPERIMENT_NAME: job.experimentName,
  };
  const timeout = durationSeconds(isObject(p.limits) ? p.limits.timeout : undefined);
  let outcome: Outcome;
  if (job.jobType === 'Sweep') {
    outcome = await runSweep(job, hooks, work, codeDir, bindings, env, outputs);
  } else {
    let template: string;
    if (job.jobType === 'Spark') {
      const entry = isObject(p.entry) ? p.entry : {};
      if (!str(entry.file)) return fail('Only Python Spark entries (`entry.file`) can be executed by the emulator.');
      const pyFiles = Array.isArray(p.pyFiles) ? p.pyFiles.map(String) : [];
      env.PYTHONPATH = [...pyFiles.map((f) => join(codeDir, dirname(f))), codeDir, env.PYTHONPATH ?? ''].filter(Boolean).join(delimiter);
      template = `python ${str(entry.file)} ${str(p.args) ?? ''}`.trim();
    } else {
      template = String(p.command ?? '');
    }
    const bound = bindCommand(template, bindings);
    if (bound.unbound.length) return fail(`The command refers to ${bound.unbound.map((u) => `\${{${u}}}`).join(', ')}, which the job does not define.`);
    job.command = bound.command;
    const mlruns = join(work, 'mlruns');
    mkdirSync(mlruns, { recursive: true });
    const result = await runCommand(bound.command, { cwd: codeDir, env: { ...env, MLFLOW_TRACKING_URI: `file://${mlruns}` }, signal: hooks.signal, timeoutSeconds: timeout, onOutput: (text) => void hooks.appendLog(job, STD_LOG, text) });
    job.exitCode = result.exitCode;
    hooks.recordMetrics(job, readMetrics(codeDir, mlruns));
    Object.assign(job.params, readMlflowParams(mlruns));
    outcome = result.timedOut
      ? { ok: false, error: { code: 'JobTimeout', message: `The job ran longer than its timeout (limits.timeout, ${timeout} s) and was stopped.` } }
      : result.exitCode === 0
        ? { ok: true }
        : {
            ok: false,
            error: {
              code: 'UserError',
              message: `Execution failed. User process 'sh' exited with status code ${result.exitCode ?? result.signal}. Please check log file '${STD_LOG}' for error details.${result.lastLine ? ` Error: ${result.lastLine}` : ''}`,
            },
          };
  }
  if (hooks.signal.aborted) return { ok: false };

  // Finalizing: outputs to their datastore paths, ./outputs to the run's artifacts.
  for (const o of outputs) {
    const loc = o.uri ? locate(hooks.ctx, o.uri) : undefined;
    if (loc && 'container' in loc && existsSync(o.path)) await upload(hooks.ctx, o.path, loc);
  }
  const artifacts = join(codeDir, 'outputs');
  if (existsSync(artifacts)) await upload(hooks.ctx, artifacts, { container: hooks.ctx.artifactContainer, path: `ExperimentRun/dcid.${job.name}/outputs/` });
  return outcome;
}

/**
 * Runs a sweep's trials one after the other, each with its own output folders; the best trial's
 * outputs become the sweep's (`outputs[].path` is pointed at them), as Azure ML's sweep outputs are.
 */
async function runSweep(job: JobRecord, hooks: ExecHooks, work: string, codeDir: string, bindings: Record<string, string>, env: NodeJS.ProcessEnv, outputs: Array<{ name: string; path: string; type: string }>): Promise<Outcome> {
  const p = job.resource.properties;
  const trial = isObject(p.trial) ? p.trial : {};
  const trials: TrialParams[] = sampleTrials(p, 3);
  const timeout = durationSeconds(isObject(p.limits) ? p.limits.trialTimeout : undefined);
  let completed = 0;
  const trialOutputPaths = new Map<string, string[]>();
  for (let i = 0; i < trials.length; i++) {
    if (hooks.signal.aborted) break;
    const params = trials[i];
    const child = hooks.createChild(`${job.name}_${i}`, Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)])));
    hooks.setChildStatus(child, 'Running');
    const trialOutputs = outputs.map((o) => {
      const dir = join(work, 'trials', `${i}-outputs`, o.name);
      mkdirSync(dir, { recursive: true });
      return { ...o, path: o.type === 'uri_file' ? join(dir, basename(o.path)) : dir };
    });
    trialOutputPaths.set(child.name, trialOutputs.map((o) => o.path));
    const trialBindings = { ...bindings, ...Object.fromEntries(trialOutputs.map((o) => [`outputs.${o.name}`, o.path])), ...Object.fromEntries(Object.entries(params).map(([k, v]) => [`search_space.${k}`, String(v)])) };
    const bound = bindCommand(String(trial.command ?? ''), trialBindings);
    if (bound.unbound.length) {
      child.error = { code: 'UserError', message: `The trial command refers to ${bound.unbound.join(', ')}, which the sweep does not define.` };
      hooks.setChildStatus(child, 'Failed');
      continue;
    }
    const dir = join(work, 'trials', String(i));
    cpSync(codeDir, dir, { recursive: true });
    const mlruns = join(work, 'trials', `${i}-mlruns`);
    mkdirSync(mlruns, { recursive: true });
    child.command = bound.command;
    void hooks.appendLog(job, STD_LOG, `[sweep] trial ${child.name}: ${JSON.stringify(params)}\n`);
    const result = await runCommand(bound.command, { cwd: dir, env: { ...env, AZUREML_RUN_ID: child.name, MLFLOW_TRACKING_URI: `file://${mlruns}` }, signal: hooks.signal, timeoutSeconds: timeout, onOutput: (text) => void hooks.appendLog(child, STD_LOG, text) });
    child.exitCode = result.exitCode;
    hooks.recordMetrics(child, readMetrics(dir, mlruns));
    if (hooks.signal.aborted) {
      hooks.setChildStatus(child, 'Canceled');
      break;
    }
    if (result.exitCode === 0) {
      completed += 1;
      hooks.setChildStatus(child, 'Completed');
    } else {
      child.error = { code: 'UserError', message: `Trial exited with status code ${result.exitCode ?? result.signal}.` };
      hooks.setChildStatus(child, 'Failed');
    }
  }
  const best = hooks.bestChild(job);
  const bestPaths = best ? trialOutputPaths.get(best) : undefined;
  if (bestPaths) outputs.forEach((o, k) => (o.path = bestPaths[k]));
  return completed > 0 || trials.length === 0 ? { ok: true } : { ok: false, error: { code: 'UserError', message: 'Every trial of the sweep failed.' } };
}

// ---- commands -----------------------------------------------------------------------------------

/** Substitutes `${{inputs.x}}`, `${{outputs.x}}`, `${{search_space.x}}`; `$[[ … ]]` blocks are dropped when unbound. */
export function bindCommand(template: string, bindings: Record<string, string>): { command: string; unbound: string[] } {
  const unbound: string[] = [];
  const ref = /\$\{\{\s*([a-zA-Z_][\w.]*)\s*\}\}/g;
  const optional = template.replace(/\$\[\[([\s\S]*?)\]\]/g, (_m, inner: string) => {
    const names = [...inner.matchAll(ref)].map((m) => m[1]);
    return names.every((n) => n in bindings) ? inner : '';
  });
  const command = optional.replace(ref, (_m, name: string) => {
    if (name in bindings) return bindings[name];
    unbound.push(name);
    return '';
  });
  return { command, unbound: [...new Set(unbound)] };
}

interface CommandResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  lastLine?: string;
}

function runCommand(command: string, o: { cwd: string; env: NodeJS.ProcessEnv; signal: AbortSignal; timeoutSeconds?: number; onOutput: (text: string) => void }): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', command], { cwd: o.cwd, env: o.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    trackGroup(child.pid);
    let lastLine: string | undefined;
    let timedOut = false;
    const onData = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      const lines = text.split(/\r?\n/).filter((l) => l.trim());
      if (lines.length) lastLine = lines[lines.length - 1];
      o.onOutput(text);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const kill = () => {
      if (child.pid === undefined || child.exitCode !== null) return;
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // gone
      }
      setTimeout(() => {
        try {
          if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // gone
        }
      }, 2000).unref();
    };
    const onAbort = () => kill();
    o.signal.addEventListener('abort', onAbort);
    const timer = o.timeoutSeconds
      ? setTimeout(() => {
          timedOut = true;
          kill();
        }, o.timeoutSeconds * 1000)
      : undefined;
    child.on('error', (err) => {
      o.onOutput(`${err.message}\n`);
    });
    child.on('close', (exitCode, signal) => {
      if (child.pid !== undefined) groups.delete(child.pid);
      if (timer) clearTimeout(timer);
      o.signal.removeEventListener('abort', onAbort);
      resolve({ exitCode, signal, timedOut, lastLine });
    });
    if (o.signal.aborted) kill();
  });
}

/** A `python` on PATH even where only `python3` exists. */
function pythonShimDir(work: string, python?: string): string | undefined {
  if (python) return writeShim(join(work, '.bin'), python);
  const dirs = (process.env.PATH ?? '').split(delimiter);
  const has = (n: string) => dirs.some((d) => d && existsSync(join(d, n)));
  if (has('python')) return undefined;
  const py3 = dirs.map((d) => join(d, 'python3')).find((f) => existsSync(f));
  if (!py3) return undefined;
  const dir = join(work, '.bin');
  mkdirSync(dir, { recursive: true });
  symlinkSync(py3, join(dir, 'python'));
  return dir;
}

function stringRecord(v: unknown): Record<string, string> {
  return isObject(v) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, String(x)])) : {};
}

// ---- metrics ------------------------------------------------------------------------------------

/** `outputs/metrics.json` (number or list of numbers per name) and an MLflow file store, with history. */
export function readMetrics(cwd: string, mlruns: string): Record<string, number[]> {
  const metrics: Record<string, number[]> = {};
  for (const [name, points] of Object.entries(readMlflowHistory(mlruns))) metrics[name] = points;
  try {
    const data = JSON.parse(readFileSync(join(cwd, 'outputs', 'metrics.json'), 'utf8'));
    if (isObject(data)) {
      for (const [name, value] of Object.entries(data)) {
        const values = (Array.isArray(value) ? value : [value]).map((v) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v)).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
        if (values.length) metrics[name] = values;
      }
    }
  } catch {
    // no metrics.json
  }
  return metrics;
}

function readMlflowHistory(root: string): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const experiment of list(root)) {
    for (const runDir of list(join(root, experiment))) {
      const dir = join(root, experiment, runDir, 'metrics');
      for (const file of walk(dir)) {
        const name = relative(dir, file).split(sep).join('/');
        const points = readFileSync(file, 'utf8')
          .split(/\r?\n/)
          .map((l) => l.trim().split(/\s+/))
          .filter((p) => p.length >= 2)
          .map(([ts, v, st]) => ({ ts: Number(ts), v: Number(v), st: Number(st ?? 0) }))
          .filter((p) => Number.isFinite(p.v))
          .sort((a, b) => a.st - b.st || a.ts - b.ts);
        if (points.length) out[name] = points.map((p) => p.v);
      }
    }
  }
  return out;
}

function readMlflowParams(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const experiment of list(root)) {
    for (const runDir of list(join(root, experiment))) {
      const dir = join(root, experiment, runDir, 'params');
      for (const file of walk(dir)) out[relative(dir, file).split(sep).join('/')] = readFileSync(file, 'utf8').trim();
    }
  }
  return out;
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir).filter((n) => !n.startsWith('.'));
  } catch {
    return [];
  }
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of list(dir)) {
    const abs = join(dir, name);
    try {
      if (statSync(abs).isDirectory()) out.push(...walk(abs));
      else out.push(abs);
    } catch {
      // vanished
    }
  }
  return out;
}

// ---- storage ------------------------------------------------------------------------------------

/**
 * Where a URI points: `azureml://[subscriptions/…/workspaces/…/]datastores/{ds}/paths/{p}`, an
 * Azurite URL (`http://127.0.0.1:PORT/{account}/{container}/{path}`), a storage URL
 * (`https://{account}.blob.{suffix}/{container}/{path}`, taken as Azurite's account),
 * `wasbs://{container}@{account}.blob.{suffix}/{path}`, or a local `file://` / absolute path.
 */
export function locate(ctx: Ctx, uri: string): Location | undefined {
  const ds = /^azureml:\/\/(?:subscriptions\/[^/]+\/resource[gG]roups\/[^/]+\/(?:providers\/Microsoft\.MachineLearningServices\/)?workspaces\/[^/]+\/)?datastores\/([^/]+)\/paths\/(.*)$/i.exec(uri);
  if (ds) {
    const store = ctx.datastore(ds[1]);
    const container = store && str(store.properties.containerName);
    return container ? { container, path: decodeURIComponent(ds[2]) } : undefined;
  }
  if (uri.startsWith('file://')) return { local: decodeURIComponent(new URL(uri).pathname) };
  if (uri.startsWith('/')) return { local: uri };
  const wasb = /^wasbs?:\/\/([^@]+)@[^/]+\/?(.*)$/i.exec(uri);
  if (wasb) return { container: wasb[1], path: decodeURIComponent(wasb[2]) };
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return undefined;
  }
  const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const pathStyle = /^(\d{1,3}(\.\d{1,3}){3}|localhost|\[[0-9a-f:]+\])$/i.test(url.hostname);
  if (pathStyle) {
    if (parts.length < 2) return undefined;
    return { container: parts[1], path: parts.slice(2).join('/') + (url.pathname.endsWith('/') && parts.length > 2 ? '/' : '') };
  }
  if (parts.length < 1) return undefined;
  return { container: parts[0], path: parts.slice(1).join('/') + (url.pathname.endsWith('/') && parts.length > 1 ? '/' : '') };
}

async function bindInput(hooks: ExecHooks, uri: string, type: string, dest: string): Promise<string | { error: string }> {
  let target = uri;
  // An upstream job's output: where that job's output is stored.
  const upstream = /^azureml:\/\/jobs\/([^/]+)\/outputs\/([^/]+)\/?$/i.exec(target);
  if (upstream) {
    const job = hooks.ctx.state.jobs.get(upstream[1]);
    if (!job) return { error: `job ${upstream[1]} was not found` };
    if (job.status !== 'Completed') return { error: `job ${upstream[1]} is ${job.status}, not Completed` };
    const output = isObject(job.resource.properties.outputs) ? job.resource.properties.outputs[upstream[2]] : undefined;
    if (!isObject(output) || !str(output.uri)) return { error: `job ${upstream[1]} has no output ${upstream[2]}` };
    target = String(output.uri);
  }
  for (let depth = 0; depth < 5 && (/^azureml:(?!\/\/)/i.test(target) || /^\/subscriptions\//i.test(target)); depth++) {
    const asset = hooks.resolveAsset(target, 'data');
    if (!asset || asset === 'unparsable') return { error: `data asset ${target} was not found` };
    target = String(asset.properties.dataUri ?? '');
    type = str(asset.properties.dataType) ?? type;
  }
  const loc = locate(hooks.ctx, target);
  if (!loc) return { error: `cannot resolve ${target}` };
  if ('local' in loc) return loc.local;
  const kind = type === 'uri_file' ? 'file' : 'folder';
  const written = await download(hooks.ctx, loc, dest, kind);
  if (written === 0) return { error: `nothing found at ${target}` };
  return kind === 'file' ? join(dest, basename(loc.path)) : dest;
}

/** Downloads a blob (file) or every blob under a prefix (folder) into `dest`. Returns the count. */
async function download(ctx: Ctx, loc: { container: string; path: string }, dest: string, kind: 'file' | 'folder'): Promise<number> {
  const container = ctx.azurite.container(loc.container);
  mkdirSync(dest, { recursive: true });
  if (kind === 'file') {
    const blob = container.getBlobClient(loc.path);
    if (!(await blob.exists())) return 0;
    await blob.downloadToFile(join(dest, basename(loc.path)));
    return 1;
  }
  const prefix = loc.path === '' || loc.path.endsWith('/') ? loc.path : `${loc.path}/`;
  let count = 0;
  for await (const item of container.listBlobsFlat({ prefix })) {
    const rel = item.name.slice(prefix.length);
    if (!rel || rel.split('/').includes('..')) continue;
    const file = join(dest, ...rel.split('/'));
    mkdirSync(dirname(file), { recursive: true });
    await container.getBlobClient(item.name).downloadToFile(file);
    count += 1;
  }
  if (count === 0 && loc.path && !loc.path.endsWith('/')) {
    // A folder input naming a single blob.
    const blob = container.getBlobClient(loc.path);
    if (await blob.exists()) {
      await blob.downloadToFile(join(dest, basename(loc.path)));
      count = 1;
    }
  }
  return count;
}

async function upload(ctx: Ctx, source: string, loc: { container: string; path: string }): Promise<void> {
  const container = ctx.azurite.container(loc.container);
  await container.createIfNotExists();
  if (statSync(source).isFile()) {
    const name = loc.path.endsWith('/') ? `${loc.path}${basename(source)}` : loc.path;
    await container.getBlockBlobClient(name).uploadFile(source);
    return;
  }
  const prefix = loc.path === '' || loc.path.endsWith('/') ? loc.path : `${loc.path}/`;
  for (const file of walk(source)) {
    await container.getBlockBlobClient(`${prefix}${relative(source, file).split(sep).join('/')}`).uploadFile(file);
  }
}
