import { join, resolve } from 'node:path';
import type { TokenCredential } from '@azure/identity';
import type { BestTrial, StepSubmission, SubmitResult, Target, TargetFlags, WatchResult } from '../backends/azureml';
import { runPlanLocally, type LocalRunResult, type OutputLine, type RunEvent, type StepResult } from '../backends/local';
import type { Plan } from '../model/step';
import { planProject } from '../plan';
import { formatText } from '../report';
import { formatDuration, formatMetric, formatParameters, formatSummary, paint } from './summary';

/** Exit codes of `mlsteps run` (DESIGN §3.1). */
export const RUN_EXIT = { ok: 0, failed: 1, usage: 2, cancelled: 130 } as const;

/** Azure ML's workspace and cloud flags are the backend's TargetFlags (each wins over mlsteps.yml). */
export interface RunCommandOptions extends Omit<TargetFlags, 'tenantId'> {
  /** A project folder (its mlsteps.yml) or the project file; default `.`. */
  path?: string;
  profile?: string;
  steps?: string[];
  backend?: 'local' | 'azureml' | string;
  dryRun?: boolean;
  /** Steps and trials at once (local); default the number of CPUs. */
  concurrency?: number;
  /** The Python interpreter (local). */
  python?: string;
  /** Fail, not skip, steps whose Python packages are missing (local). */
  requirePackages?: boolean;
  /** Make a virtual environment per conda file (local). */
  prepareEnv?: boolean;
  /** The run folder (local); default `<project>/.mlsteps/runs/<timestamp>`. */
  workDir?: string;
  /** Stop the run after this many minutes: exit 1. */
  timeoutMinutes?: number;
  /** Folder relative paths are resolved from; default `process.cwd()`. */
  cwd?: string;
  /** Test hook: the signal that cancels (SIGINT/SIGTERM handlers are installed when it is absent). */
  abortSignal?: AbortSignal;
  /** After SIGTERM, how long a step's processes get before SIGKILL (local); default 5 s. */
  killGraceMs?: number;
  /** Azure ML: submit the jobs and return without waiting for them. */
  noWait?: boolean;
  /** Azure ML: create a missing amlcompute of the catalog. */
  createCompute?: boolean;
  /** Azure ML: download each completed step's named outputs into `<dir>/<step>/<output>/`. */
  downloadOutputs?: string;
  /** Azure ML (test hook): first pause between status reads, default 2 s. */
  pollMinMs?: number;
  /** Azure ML (test hook): how long a cancellation waits for the jobs to reach Canceled, default 3 s. */
  cancelWaitMs?: number;
}

export interface RunIO {
  out: (s: string) => void;
  err: (s: string) => void;
  /** Colours when standard output is a terminal. */
  isTTY?: boolean;
}

/**
 * `mlsteps run`: plans the project, runs the selected steps, prints their output as it comes and
 * a summary table at the end. Returns the exit code: 0 all succeeded (steps skipped for missing
 * packages or for needing what this machine lacks are listed, and count as success), 1 a step
 * failed or the run timed out, 2 usage (bad profile or step, validation errors), 130 cancelled.
 */
export async function runCommand(options: RunCommandOptions, io: RunIO): Promise<number> {
  const usage = (message: string, hint?: string) => {
    io.err(`mlsteps run: ${message}\n${hint ? `  hint: ${hint}\n` : ''}`);
    return RUN_EXIT.usage;
  };
  const backend = options.backend ?? 'local';
  if (backend !== 'local' && backend !== 'azureml') return usage(`unknown backend "${backend}"`, 'use --backend local or --backend azureml');
  if (backend === 'azureml') {
    if (options.dryRun) return usage('--dry-run is not implemented for --backend azureml yet', 'use `mlsteps plan` to see the steps, or --backend local --dry-run');
  } else if (options.downloadOutputs !== undefined) {
    return usage('--download-outputs is for --backend azureml', 'local runs keep every output in the run folder (--work-dir)');
  }
  if (options.concurrency !== undefined && !(Number.isInteger(options.concurrency) && options.concurrency >= 1)) return usage(`--concurrency must be a whole number ≥ 1, not ${options.concurrency}`);
  if (options.timeoutMinutes !== undefined && !(options.timeoutMinutes > 0)) return usage(`--timeout must be a number of minutes > 0, not ${options.timeoutMinutes}`);

  // Ctrl-C (SIGINT) and SIGTERM (what an Azure DevOps agent sends on cancel) stop the children.
  const controller = new AbortController();
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
  const onSignal = (signal: NodeJS.Signals) => {
    if (!controller.signal.aborted) io.err(`\nmlsteps run: ${signal}: stopping the running steps and what they started…\n`);
    controller.abort(new Error(signal));
  };
  const outer = options.abortSignal;
  if (outer) outer.addEventListener('abort', () => controller.abort(outer.reason), { once: true });
  else for (const s of signals) process.on(s, onSignal);
  try {
    const planned = await planProject(options.path ?? '.', {
      cwd: options.cwd,
      ...(options.profile !== undefined ? { profile: options.profile } : {}),
      ...(options.steps?.length ? { steps: options.steps } : {}),
      abortSignal: controller.signal,
    }).catch((err: unknown) => {
      if (controller.signal.aborted) return undefined;
      throw err;
    });
    if (!planned || controller.signal.aborted) {
      io.err('mlsteps run: cancelled\n');
      return RUN_EXIT.cancelled;
    }
    if (!planned.plan) {
      if (planned.error) return usage(planned.error.message, planned.error.hint);
      io.err(formatText(planned.validation, { color: io.isTTY }));
      return RUN_EXIT.usage;
    }
    if (planned.validation.diagnostics.length > 0) io.err(formatText(planned.validation, { color: io.isTTY }) + '\n');
    if (backend === 'azureml') return await runOnAzureML(planned.plan, options, io, controller.signal);
    const printer = new Printer(io);
    const result = await runPlanLocally(planned.plan, {
      ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
      // A relative --work-dir means relative to where the command was typed, like every path argument.
      ...(options.workDir !== undefined ? { workDir: resolve(options.cwd ?? process.cwd(), options.workDir) } : {}),
      ...(options.python !== undefined ? { python: options.python } : {}),
      ...(options.timeoutMinutes !== undefined ? { timeoutMs: options.timeoutMinutes * 60_000 } : {}),
      ...(options.killGraceMs !== undefined ? { killGraceMs: options.killGraceMs } : {}),
      requirePackages: options.requirePackages === true,
      prepareEnv: options.prepareEnv === true,
      dryRun: options.dryRun === true,
      abortSignal: controller.signal,
      onLine: (line) => printer.line(line),
      onEvent: (event) => printer.event(event),
    });
    io.out('\n' + formatSummary(result, { color: io.isTTY }));
    return exitCode(result);
  } finally {
    if (!outer) for (const s of signals) process.removeListener(s, onSignal);
  }
}

/**
 * `--backend azureml --no-wait`: submits the steps and prints, per step, the job name and its
 * studio URL. Exit 0 when every step has a job (submitted, attached to, reused; a step that needs
 * a sweep's best parameter while the sweep runs is listed as skipped), 1 when a step could not be
 * submitted or signing in failed, 2 when the workspace is not known, 130 when cancelled.
 */
async function runOnAzureML(plan: Plan, options: RunCommandOptions, io: RunIO, abortSignal: AbortSignal): Promise<number> {
  // Loaded on use: the Azure SDKs cost start-up time that validate, plan and local runs need not pay.
  const { AzureMLError, bestTrialParameter, createCredential, resolveTarget, submitPlan, TargetError } = require('../backends/azureml') as typeof import('../backends/azureml');
  const bold = paint(io.isTTY, '1');
  const dim = paint(io.isTTY, '2');
  const green = paint(io.isTTY, '32');
  const red = paint(io.isTTY, '31');
  const yellow = paint(io.isTTY, '33');
  let target;
  try {
    target = resolveTarget({ subscription: options.subscription, resourceGroup: options.resourceGroup, workspace: options.workspace, armEndpoint: options.armEndpoint, armAudience: options.armAudience, authorityHost: options.authorityHost }, plan);
  } catch (err) {
    if (err instanceof TargetError) {
      io.err(`mlsteps run: ${err.message}\n  hint: ${err.hint}\n`);
      return RUN_EXIT.usage;
    }
    throw err;
  }
  const local = plan.steps.filter((s) => s.compute.kind === 'local');
  if (local.length > 0) {
    io.err(`mlsteps run: ${local.map((s) => s.name).join(', ')} ${local.length === 1 ? 'runs' : 'run'} on compute "local", which Azure ML cannot run\n  hint: run ${local.length === 1 ? 'it' : 'them'} with --backend local, or give ${local.length === 1 ? 'it' : 'them'} an Azure ML compute\n`);
    return RUN_EXIT.usage;
  }
  const credential = createCredential({ scheme: 'default' }, target.authorityHost ? { authorityHost: target.authorityHost } : {});
  if (!options.noWait) return waitOnAzureML(plan, target, credential, options, io, abortSignal);
  io.out(bold(`mlsteps run: submitting ${plan.steps.length} step${plan.steps.length === 1 ? '' : 's'} to Azure ML workspace ${target.workspace} (resource group ${target.resourceGroup}); not waiting for the jobs (--no-wait)`) + '\n');
  if (options.timeoutMinutes !== undefined) io.out(dim('  note: --timeout applies to waiting, and --no-wait does not wait') + '\n');
  if (options.downloadOutputs !== undefined) io.out(dim('  note: --download-outputs needs the jobs to complete, and --no-wait does not wait for them: nothing is downloaded') + '\n');
  let result: SubmitResult;
  try {
    result = await submitPlan(plan, target, {
      credential,
      abortSignal,
      createCompute: options.createCompute === true,
      resolveBest: bestTrialParameter,
      onProgress: (message, step) => io.out(dim(`  ${step ? `[${step}] ` : ''}${message}`) + '\n'),
    });
  } catch (err) {
    if (abortSignal.aborted) {
      io.err('mlsteps run: cancelled\n');
      return RUN_EXIT.cancelled;
    }
    if (err instanceof AzureMLError) {
      io.err(`mlsteps run: ${err.describe()}\n`);
      return RUN_EXIT.failed;
    }
    throw err;
  }
  for (const s of result.steps) {
    if (s.outcome === 'ok') {
      io.out(`${green(`✓ ${s.step}`)} ${s.action} ${bold(s.jobName ?? '')} ${dim(`(${s.status ?? 'unknown'})`)}\n  ${s.studioUrl ?? ''}\n`);
    } else if (s.outcome === 'skipped') {
      io.out(`${yellow(`⊘ ${s.step} skipped:`)} ${s.reason ?? ''}\n${s.hint ? `  hint: ${s.hint}\n` : ''}`);
    } else {
      io.out(`${red(`✗ ${s.step} failed:`)} ${s.reason ?? ''}\n${s.hint ? `  hint: ${s.hint}\n` : ''}`);
    }
    for (const w of s.warnings) io.out(yellow(`  warning: ${w}`) + '\n');
  }
  if (abortSignal.aborted) {
    // Ctrl-C while submitting: what this run started (or attached to) is stopped too, as in a pipeline.
    const { ArmClient, Context, cancelJob, TERMINAL } = require('../backends/azureml') as typeof import('../backends/azureml');
    const ctx = new Context(new ArmClient(credential, target), {});
    // A step whose PUT was cut short names its job too: the service may still create it.
    const active = result.steps.filter((s) => s.jobName && !TERMINAL.has(s.status ?? ''));
    await Promise.all(
      active.map(async (s) => {
        const reached = await cancelJob(ctx, s.jobName!, { waitMs: options.cancelWaitMs ?? 3000 }).then((r) => r.status, () => s.status ?? 'Unknown');
        io.out(`${yellow(`■ ${s.step}`)} ${s.jobName}: ${reached}\n`);
      }),
    );
    io.err('mlsteps run: cancelled while submitting; the jobs it submitted were cancelled\n');
    return RUN_EXIT.cancelled;
  }
  const count = (o: string) => result.steps.filter((s) => s.outcome === o).length;
  const [ok, skipped, failed] = [count('ok'), count('skipped'), count('failed')];
  io.out(`\n${bold(`${ok} of ${result.steps.length} step${result.steps.length === 1 ? '' : 's'} submitted`)}${skipped ? `, ${skipped} skipped` : ''}${failed ? `, ${red(`${failed} failed`)}` : ''}; the jobs run on in Azure ML\n`);
  return failed > 0 ? RUN_EXIT.failed : RUN_EXIT.ok;
}

interface WaitedStep {
  name: string;
  submission?: StepSubmission;
  watch?: WatchResult;
  metrics?: Record<string, number>;
  best?: BestTrial;
  note?: string;
}

/**
 * `--backend azureml` (waiting): submits the steps, then watches each job to its end — its status
 * as it moves, its log lines prefixed by the step's name — and prints a summary with the final
 * metrics (and a sweep's best trial). A step that needs a sweep's best parameter is submitted once
 * that sweep has completed. SIGINT/SIGTERM request cancellation of every running job at once
 * (exit 130); `--timeout` cancels the jobs still running (exit 1); a job that does not complete →
 * exit 1.
 */
async function waitOnAzureML(plan: Plan, target: Target, credential: TokenCredential, options: RunCommandOptions, io: RunIO, abortSignal: AbortSignal): Promise<number> {
  const { AzureMLError, ArmClient, Context, bestTrial, bestTrialParameter, downloadJobOutputs, readMetrics, submitPlan, watchJob } = require('../backends/azureml') as typeof import('../backends/azureml');
  const downloadDir = options.downloadOutputs !== undefined ? resolve(options.cwd ?? process.cwd(), options.downloadOutputs) : undefined;
  const bold = paint(io.isTTY, '1');
  const dim = paint(io.isTTY, '2');
  const green = paint(io.isTTY, '32');
  const red = paint(io.isTTY, '31');
  const yellow = paint(io.isTTY, '33');
  const label = (step: string) => paint(io.isTTY, LABEL_COLORS[Math.max(0, plan.steps.findIndex((s) => s.name === step)) % LABEL_COLORS.length])(`[${step}]`);
  const started = Date.now();
  const deadline = options.timeoutMinutes !== undefined ? started + options.timeoutMinutes * 60_000 : undefined;
  io.out(bold(`mlsteps run: ${plan.steps.length} step${plan.steps.length === 1 ? '' : 's'} on Azure ML workspace ${target.workspace} (resource group ${target.resourceGroup}); waiting for the jobs`) + '\n');
  // Requests that cancel jobs must not be cut short by the very signal that asked for them.
  const ctx = new Context(new ArmClient(credential, target), {});
  const steps = new Map<string, WaitedStep>(plan.steps.map((s) => [s.name, { name: s.name }]));
  const byName = new Map(plan.steps.map((s) => [s.name, s]));
  let timedOut = false;
  let pending = plan.steps;
  while (pending.length > 0 && !abortSignal.aborted && !timedOut) {
    let result: SubmitResult;
    try {
      result = await submitPlan({ ...plan, steps: pending }, target, {
        credential,
        abortSignal,
        createCompute: options.createCompute === true,
        resolveBest: bestTrialParameter,
        onProgress: (message, step) => io.out(dim(`  ${step ? `${label(step)} ` : ''}${message}`) + '\n'),
      });
    } catch (err) {
      if (abortSignal.aborted) break;
      if (err instanceof AzureMLError) {
        io.err(`mlsteps run: ${err.describe()}\n`);
        return RUN_EXIT.failed;
      }
      throw err;
    }
    const toWatch: { name: string; jobName: string }[] = [];
    for (const s of result.steps) {
      const w = steps.get(s.step)!;
      if (w.watch && s.outcome === 'ok') continue; // an upstream step read again: already watched
      w.submission = s;
      if (s.outcome === 'ok') {
        io.out(`${label(s.step)} ${s.action} ${bold(s.jobName ?? '')} ${dim(`(${s.status ?? 'unknown'})`)}\n  ${s.studioUrl ?? ''}\n`);
        toWatch.push({ name: s.step, jobName: s.jobName! });
      } else if (s.outcome === 'skipped') {
        io.out(`${yellow(`⊘ ${s.step} waits:`)} ${s.reason ?? ''}\n`);
      } else {
        io.out(`${red(`✗ ${s.step} failed:`)} ${s.reason ?? ''}\n${s.hint ? `  hint: ${s.hint}\n` : ''}`);
      }
      for (const warning of s.warnings) io.out(yellow(`  warning: ${warning}`) + '\n');
    }
    await Promise.all(
      toWatch.map(async ({ name, jobName }) => {
        const w = steps.get(name)!;
        let watch: WatchResult;
        try {
          watch = await watchJob(ctx, jobName, {
            abortSignal,
            ...(deadline !== undefined ? { timeoutMs: Math.max(1, deadline - Date.now()) } : {}),
            ...(options.pollMinMs !== undefined ? { pollMinMs: options.pollMinMs } : {}),
            cancelWaitMs: options.cancelWaitMs ?? 3000,
            onStatus: (status) => io.out(`${label(name)} ${dim(`status: ${status}`)}\n`),
            onLogFileStart: (file) => io.out(`${label(name)} ${dim(`── ${file}`)}\n`),
            onLogLine: (file, line) => io.out(`${label(name)} ${file.startsWith('system_logs/') ? dim(line) : line}\n`),
          });
        } catch (err) {
          const e = err instanceof AzureMLError ? err : new AzureMLError(`watching job ${jobName}`, (err as Error).message);
          watch = { status: 'Unknown', succeeded: false, error: e.describe(), lastLines: [], durationMs: 0, logBytesFetched: 0, statusReads: 0 };
        }
        w.watch = watch;
        if (watch.status === 'TimedOut') timedOut = true;
        if (watch.succeeded) {
          try {
            w.metrics = await readMetrics(ctx, jobName, { abortSignal });
            if (byName.get(name)?.type === 'sweep') w.best = await bestTrial(ctx, jobName, { abortSignal });
          } catch (err) {
            w.note = `metrics not read: ${(err as Error).message}`;
          }
          const metrics = Object.entries(w.metrics ?? {}).map(([k, v]) => `${k}=${formatMetric(v)}`).join(' ');
          io.out(`${green(`✓ ${name}`)} ${jobName} Completed in ${formatDuration(watch.durationMs)}${metrics ? ` — ${metrics}` : ''}\n`);
          if (downloadDir !== undefined) {
            try {
              for (const o of await downloadJobOutputs(ctx, jobName, join(downloadDir, name), { abortSignal })) {
                if (o.error) w.note = `${w.note ? `${w.note}; ` : ''}output ${o.name} not downloaded: ${o.error}`;
                io.out(`${label(name)} ${o.error ? yellow(`output ${o.name}: not downloaded: ${o.error}`) : dim(`output ${o.name}: ${o.files} file${o.files === 1 ? '' : 's'} (${o.bytes} bytes) → ${o.path}`)}\n`);
              }
            } catch (err) {
              if (!abortSignal.aborted) w.note = `${w.note ? `${w.note}; ` : ''}outputs not downloaded: ${(err as Error).message}`;
            }
          }
        } else if (abortSignal.aborted) {
          io.out(`${yellow(`■ ${name}`)} ${jobName}: ${watch.status}${watch.jobStatus && watch.jobStatus !== watch.status ? ` (${watch.jobStatus})` : ''}\n`);
        } else {
          io.out(`${red(`✗ ${name}`)} ${jobName} ${watch.status}${watch.error ? `: ${watch.error}` : ''}\n`);
          if (watch.lastLines.length) {
            io.out(dim(`  last ${watch.lastLines.length} line${watch.lastLines.length === 1 ? '' : 's'} of its logs:`) + '\n');
            for (const l of watch.lastLines) io.out(`  │ ${l}\n`);
          }
        }
      }),
    );
    // Steps that waited for a sweep to complete (its best parameters) can go now; the steps they
    // need, completed, are read again (reused) so their jobs bind the inputs.
    const ready = plan.steps.filter((s) => {
      const w = steps.get(s.name)!;
      return w.submission?.outcome === 'skipped' && !w.watch && s.needs.every((n) => !byName.has(n) || steps.get(n)?.watch?.succeeded === true);
    });
    if (ready.length === 0) break;
    const include = new Set<string>();
    const add = (name: string) => {
      if (include.has(name) || !byName.has(name)) return;
      include.add(name);
      for (const n of byName.get(name)!.needs) add(n);
    };
    for (const s of ready) add(s.name);
    pending = plan.steps.filter((s) => include.has(s.name));
  }

  io.out('\n' + formatAzureSummary([...steps.values()], Date.now() - started, io.isTTY));
  if (abortSignal.aborted) {
    io.err('mlsteps run: cancelled\n');
    return RUN_EXIT.cancelled;
  }
  const allOk = [...steps.values()].every((w) => w.watch?.succeeded === true);
  return allOk ? RUN_EXIT.ok : RUN_EXIT.failed;
}

/** The table at the end of an Azure ML run: step, job, status, duration, one column per metric, best parameters. */
function formatAzureSummary(steps: WaitedStep[], totalMs: number, color: boolean | undefined): string {
  const green = paint(color, '32');
  const red = paint(color, '31');
  const yellow = paint(color, '33');
  const bold = paint(color, '1');
  const dim = paint(color, '2');
  const metricNames: string[] = [];
  for (const s of steps) for (const name of Object.keys(s.metrics ?? {})) if (!metricNames.includes(name)) metricNames.push(name);
  const hasBest = steps.some((s) => s.best);
  const statusOf = (s: WaitedStep) => s.watch?.status ?? (s.submission?.outcome === 'skipped' ? 'not run' : s.submission?.outcome === 'failed' ? 'not submitted' : 'not run');
  const header = ['step', 'job', 'status', 'duration', ...metricNames, ...(hasBest ? ['best trial'] : [])];
  const rows = steps.map((s) => [
    s.name,
    s.submission?.jobName ?? '',
    statusOf(s),
    s.watch ? formatDuration(s.watch.durationMs) : '',
    ...metricNames.map((m) => formatMetric(s.metrics?.[m])),
    ...(hasBest ? [s.best ? `${s.best.trial}: ${formatParameters(s.best.parameters)}${s.best.metric ? ` (${s.best.metric.name}=${formatMetric(s.best.metric.value)})` : ''}` : ''] : []),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const numeric = (i: number) => i >= 3 && i < 4 + metricNames.length;
  const line = (cells: string[], paintCell?: (i: number, cell: string) => string) =>
    cells
      .map((c, i) => {
        const padded = numeric(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]);
        return paintCell ? paintCell(i, padded) : padded;
      })
      .join('  ')
      .trimEnd();
  const out = [bold(line(header)), dim(widths.map((w) => '─'.repeat(w)).join('  '))];
  steps.forEach((s, r) => {
    const c = s.watch?.succeeded ? green : s.watch?.status === 'Failed' || s.submission?.outcome === 'failed' ? red : yellow;
    out.push(line(rows[r], (i, cell) => (i === 2 ? c(cell) : cell)));
  });
  const notes = steps.filter((s) => s.note || (!s.watch && s.submission?.reason));
  if (notes.length) {
    out.push('');
    for (const s of notes) out.push(`${s.name}: ${s.note ?? s.submission?.reason ?? ''}`);
  }
  const count = (f: (s: WaitedStep) => boolean) => steps.filter(f).length;
  const ok = count((s) => s.watch?.succeeded === true);
  out.push('');
  const text = `${ok} of ${steps.length} step${steps.length === 1 ? '' : 's'} completed in ${formatDuration(totalMs)}`;
  out.push(ok === steps.length ? green(`✔ ${text}`) : red(`✖ ${text}`));
  return out.join('\n') + '\n';
}

export function exitCode(result: LocalRunResult): number {
  if (result.cancelled) return RUN_EXIT.cancelled;
  return result.status === 'failed' ? RUN_EXIT.failed : RUN_EXIT.ok;
}

const LABEL_COLORS = ['36', '35', '34', '33', '32', '96', '95', '94'];

/** Prints a run as it goes: each output line with its step's name, step and trial events. */
class Printer {
  private readonly colors = new Map<string, string>();
  private readonly notes = new Set<string>();
  private readonly dim: (s: string) => string;
  private readonly bold: (s: string) => string;

  constructor(private readonly io: RunIO) {
    this.dim = paint(io.isTTY, '2');
    this.bold = paint(io.isTTY, '1');
  }

  private label(label: string, step: string): string {
    let color = this.colors.get(step);
    if (!color) {
      color = LABEL_COLORS[this.colors.size % LABEL_COLORS.length];
      this.colors.set(step, color);
    }
    return paint(this.io.isTTY, color)(`[${label}]`);
  }

  line(line: OutputLine): void {
    this.io.out(`${this.label(line.label, line.step)} ${line.text}\n`);
  }

  event(e: RunEvent): void {
    const out = (s: string) => this.io.out(s + '\n');
    switch (e.type) {
      case 'run-start':
        out(
          e.dryRun
            ? this.bold(`mlsteps run --dry-run: ${e.steps.length} step${e.steps.length === 1 ? '' : 's'}, nothing is run`)
            : this.bold(`mlsteps run: ${e.steps.length} step${e.steps.length === 1 ? '' : 's'} on this machine, ${e.concurrency} at a time; run folder ${e.runDir}`),
        );
        break;
      case 'step-start':
        out(`${this.bold(`▶ ${e.step}`)}${e.trials !== undefined ? `: ${e.trials} trial${e.trials === 1 ? '' : 's'}` : ''} ${this.dim(`in ${e.workDir}`)}`);
        if (e.command) out(this.dim(`  ${e.trials !== undefined ? 'trial command' : '$'} ${e.command}`));
        if (e.interpreter) out(this.dim(`  python: ${e.interpreter}`));
        break;
      case 'trial-start':
        out(`${this.label(`${e.step}/${e.trial}`, e.step)} ▷ ${formatParameters(e.parameters)}`);
        break;
      case 'trial-end': {
        const t = e.trial;
        const metrics = Object.entries(t.metrics).map(([k, v]) => `${k}=${formatMetric(v)}`).join(' ');
        out(`${this.label(`${e.step}/${t.name}`, e.step)} ${t.status === 'succeeded' ? '✓' : '✗'} ${t.status}${t.reason ? ` (${t.reason})` : ''}${metrics ? `: ${metrics}` : ''} ${this.dim(formatDuration(t.durationMs))}`);
        break;
      }
      case 'note':
        // Steps sharing an environment share its notes: each is said once.
        if (this.notes.has(e.message)) break;
        this.notes.add(e.message);
        out(this.dim(`  note${e.step ? ` [${e.step}]` : ''}: ${e.message}`));
        break;
      case 'dry-run':
        out(this.bold(e.step));
        for (const l of e.lines) out(`  ${l}`);
        break;
      case 'step-end':
        this.stepEnd(e.result);
        break;
    }
  }

  private stepEnd(r: StepResult): void {
    const out = (s: string) => this.io.out(s + '\n');
    const red = paint(this.io.isTTY, '31');
    const green = paint(this.io.isTTY, '32');
    const yellow = paint(this.io.isTTY, '33');
    if (r.status === 'not-run') return; // a dry run: described by its 'dry-run' event
    if (r.status === 'succeeded') {
      const metrics = Object.entries(r.metrics).map(([k, v]) => `${k}=${formatMetric(v)}`).join(' ');
      const best = r.sweep?.best ? ` best ${r.sweep.best.trial}: ${formatParameters(r.sweep.best.parameters)}` : '';
      out(`${green(`✓ ${r.name}`)} succeeded in ${formatDuration(r.durationMs)}${best ? `;${best}` : ''}${metrics ? ` — ${metrics}` : ''}`);
    } else if (r.status === 'failed') {
      out(red(`✗ ${r.name} failed: ${r.reason ?? ''}`));
      for (const d of r.details ?? []) out(`  ${d}`);
      if (r.lastLines?.length) {
        out(this.dim(`  last ${r.lastLines.length} line${r.lastLines.length === 1 ? '' : 's'}${r.workDir ? ` (all in ${r.workDir}/${r.sweep ? '<trial>/' : ''}std_log.txt)` : ''}:`));
        for (const l of r.lastLines) out(`  │ ${l}`);
      }
    } else if (r.status === 'skipped') {
      out(yellow(`⊘ ${r.name} skipped: ${r.reason ?? ''}`));
      for (const d of r.details ?? []) if (d !== r.reason) out(`  ${d}`);
    } else out(yellow(`■ ${r.name} ${r.status}${r.reason && r.reason !== r.status ? `: ${r.reason}` : ''}`));
  }
}
