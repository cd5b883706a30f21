import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { scriptsInCommand } from '../../config/expressions';
import type { Plan, Step } from '../../model/step';
import { bindCommand, defaultShell, formatValue, type Bindings, type BoundValue } from './bind';
import { Environments, environmentLabel, type EnvironmentDecision } from './environment';
import { prependPath, which, writeShim } from './interpreter';
import { readRunMetrics } from './metrics';
import { runProcess, type ProcessResult } from './process';
import { bestTrial, planTrials, type Parameters } from './sampling';
import { Semaphore } from './semaphore';
import { snapshotCode } from './snapshot';
import { sparkSubmitCommand } from './spark';
import type { LocalRunOptions, LocalRunResult, RunEvent, SkipKind, StepResult, TrialResult } from './types';
import { stringMap } from '../../util/data';

const INPUT_REF = /\$\{\{\s*inputs\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;
const NEEDS_REF = /\$\{\{\s*needs\.([A-Za-z0-9][A-Za-z0-9_.-]*?)\.(?:outputs|best)\.[A-Za-z_][A-Za-z0-9_]*\s*\}\}/g;
const FOLDER_OUTPUTS = new Set(['uri_folder', 'mlflow_model', 'custom_model', 'triton_model', 'mltable']);

/**
 * Runs a Plan on this machine (DESIGN §5.4): steps in graph order, independent ones in parallel,
 * each in its own work folder under the run folder, sweeps as local trials. Never throws for a
 * step's failure: the result tells what happened to each step.
 */
export async function runPlanLocally(plan: Plan, options: LocalRunOptions = {}): Promise<LocalRunResult> {
  return new LocalRun(plan, options).run();
}

class LocalRun {
  private readonly dryRun: boolean;
  private readonly runDir: string;
  private readonly concurrency: number;
  private readonly slots: Semaphore;
  private readonly controller = new AbortController();
  private timedOut = false;
  private readonly environments: Environments;
  private readonly done = new Map<string, StepResult>();
  private readonly names: Set<string>;

  constructor(
    private readonly plan: Plan,
    private readonly options: LocalRunOptions,
  ) {
    this.dryRun = options.dryRun === true;
    this.runDir = resolve(plan.dir, options.workDir ?? join('.mlsteps', 'runs', timestamp()));
    this.concurrency = Math.max(1, Math.floor(options.concurrency ?? availableParallelism()));
    this.slots = new Semaphore(this.concurrency);
    this.names = new Set(plan.steps.map((s) => s.name));
    this.environments = new Environments({
      python: options.python,
      prepareEnv: options.prepareEnv,
      venvRoot: join(plan.dir, '.mlsteps', 'venvs'),
      cwd: plan.dir,
      env: options.env ?? process.env,
      abortSignal: this.controller.signal,
      dryRun: this.dryRun,
      onVenvLine: (environment, text) => options.onLine?.({ step: `venv ${environment}`, label: `venv ${environment}`, text, stream: 'stdout' }),
    });
  }

  private get signal(): AbortSignal {
    return this.controller.signal;
  }

  private emit(event: RunEvent): void {
    this.options.onEvent?.(event);
  }

  async run(): Promise<LocalRunResult> {
    const outer = this.options.abortSignal;
    const onAbort = () => this.controller.abort(outer?.reason);
    if (outer?.aborted) onAbort();
    else outer?.addEventListener('abort', onAbort, { once: true });
    const timer =
      this.options.timeoutMs !== undefined
        ? setTimeout(() => {
            this.timedOut = true;
            this.controller.abort(new Error('the run timed out'));
          }, this.options.timeoutMs)
        : undefined;
    try {
      const steps = graphOrder(this.plan.steps);
      this.emit({ type: 'run-start', runDir: this.runDir, steps: steps.map((s) => s.name), concurrency: this.concurrency, dryRun: this.dryRun });
      let results: StepResult[];
      if (this.dryRun) {
        results = [];
        for (const step of steps) results.push(await this.settle(step, step.needs.map((n) => this.done.get(n)).filter((r): r is StepResult => r !== undefined)));
      } else {
        mkdirSync(this.runDir, { recursive: true });
        const promises = new Map<string, Promise<StepResult>>();
        for (const step of steps) {
          const needs = step.needs.filter((n) => promises.has(n)).map((n) => promises.get(n)!);
          promises.set(step.name, Promise.all(needs).then((needed) => this.settle(step, needed)));
        }
        results = await Promise.all(promises.values());
      }
      const cancelled = this.signal.aborted && !this.timedOut;
      const failed = this.timedOut || results.some((r) => r.status === 'failed');
      const result: LocalRunResult = {
        runDir: this.runDir,
        status: cancelled ? 'cancelled' : failed ? 'failed' : 'succeeded',
        cancelled,
        timedOut: this.timedOut,
        dryRun: this.dryRun,
        steps: results,
      };
      if (!this.dryRun) {
        try {
          writeFileSync(join(this.runDir, 'run.json'), JSON.stringify(result, null, 2) + '\n');
        } catch {
          // the summary is printed anyway
        }
      }
      return result;
    } finally {
      if (timer) clearTimeout(timer);
      outer?.removeEventListener('abort', onAbort);
    }
  }

  /** Runs (or describes) one step once the steps it needs have settled; never throws. */
  private async settle(step: Step, needed: StepResult[]): Promise<StepResult> {
    let result: StepResult;
    try {
      result = await this.runStep(step, needed);
    } catch (err) {
      result = { ...this.base(step), status: 'failed', reason: `mlsteps: ${(err as Error).message}` };
    }
    this.done.set(step.name, result);
    this.emit({ type: 'step-end', result });
    return result;
  }

  private base(step: Step): StepResult {
    return { name: step.name, stage: step.stage, type: step.type, status: 'not-run', environment: environmentLabel(step), metrics: {}, outputs: {}, notes: [] };
  }

  private async runStep(step: Step, needed: StepResult[]): Promise<StepResult> {
    const result = this.base(step);
    const skip = (kind: SkipKind, reason: string, details?: string[]): StepResult => ({ ...result, status: 'skipped', skip: kind, reason, ...(details ? { details } : {}) });
    const fail = (reason: string, extra: Partial<StepResult> = {}): StepResult => ({ ...result, status: 'failed', reason, ...extra });

    // What the steps it needs did.
    const blocking = needed.find((n) => n.status === 'failed' || n.status === 'cancelled' || n.skip === 'needs-failed');
    if (blocking) {
      const what = blocking.status === 'failed' ? 'failed' : blocking.status === 'cancelled' ? 'was cancelled' : 'was skipped because a step before it failed';
      return skip('needs-failed', `needs ${blocking.name}, which ${what}`);
    }
    if (this.signal.aborted) return { ...result, status: 'cancelled', reason: this.timedOut ? 'not started: the run timed out' : 'not started: the run was cancelled' };
    const bound = boundSteps(step);
    for (const name of bound) {
      if (!this.names.has(name)) return fail(`binds ${name}'s outputs, but ${name} is not in this run`);
    }
    const skippedBound = needed.find((n) => n.status === 'skipped' && bound.has(n.name));
    if (skippedBound) return skip('needs-skipped', `needs the results of ${skippedBound.name}, which was skipped (${skippedBound.reason})`);

    // Code, command and inputs.
    if (step.code && /^[a-z][a-z0-9+.-]*:/i.test(step.code)) return skip('unsupported', `its code is a registered asset (${step.code}), not a local folder`);
    const codeSrc = step.code !== undefined ? resolve(this.plan.dir, step.code) : undefined;
    if (codeSrc && !existsSync(codeSrc)) return fail(`its code folder ${step.code} does not exist`);
    const shell = defaultShell;
    let template: string;
    let script: string | undefined;
    if (step.type === 'spark') {
      const spark = sparkSubmitCommand(step, shell);
      if (typeof spark !== 'string') return skip('unsupported', spark.error);
      template = spark;
      script = step.spark?.entry.file;
    } else {
      if (!step.command) return fail('the step has no command');
      template = step.command;
      script = scriptsInCommand(step.command).find((s) => s.script.endsWith('.py'))?.script;
    }
    const scriptAbs = script ? resolve(codeSrc ?? this.plan.dir, script) : undefined;
    const inputBinding = this.bindInputs(step, template);
    if (!inputBinding.ok) return inputBinding.skip ? skip('unsupported', inputBinding.message) : fail(inputBinding.message);
    const inputs = inputBinding.values;

    // Interpreter and packages.
    const decision: EnvironmentDecision = await this.environments.forStep(step, scriptAbs, codeSrc);
    result.notes.push(...decision.notes);
    if (decision.ok && decision.interpreter) result.interpreter = `${decision.interpreter.executable} (Python ${decision.interpreter.version})`;
    if (!this.dryRun) for (const message of decision.notes) this.emit({ type: 'note', step: step.name, message });
    if (!decision.ok) {
      // A virtual environment that could not be made, or an interpreter the user named that does not run: errors, not skips.
      if (decision.kind === 'venv' || (decision.kind === 'no-python' && this.options.python !== undefined)) {
        return fail(decision.reason, { details: decision.details.filter((d) => d !== decision.reason), ...(decision.lastLines ? { lastLines: decision.lastLines } : {}) });
      }
      if (this.options.requirePackages) return fail(decision.reason, { details: decision.details });
      if (this.dryRun) result.plan = [`would be skipped: ${decision.reason}`, ...decision.details];
      return skip('packages', decision.reason, decision.details);
    }
    const binDirs: string[] = [];
    const venv = decision.interpreter?.venv;
    if (venv) binDirs.push(venv.binDir);
    if (step.type === 'spark' && !which('spark-submit', prependPath(this.options.env ?? process.env, binDirs))) {
      return skip('unsupported', 'spark-submit is not on PATH: a Spark step runs locally with spark-submit (pip install pyspark, or install Apache Spark and put its bin folder on PATH)');
    }

    const workDir = join(this.runDir, step.name);
    result.workDir = workDir;
    const bindingsFor = (dir: string, create?: boolean): Bindings => ({
      inputs,
      outputs: Object.fromEntries(Object.entries(this.outputFolders(step, dir, create)).map(([k, v]) => [k, { value: v, path: true }])),
      needs: (name, kind, key) => this.needsValue(name, kind, key),
    });

    if (this.dryRun) return this.describe(step, result, template, bindingsFor, codeSrc, decision);

    // Work folder: a copy of the code, output folders, python on PATH.
    rmSync(workDir, { recursive: true, force: true });
    mkdirSync(workDir, { recursive: true });
    if (decision.interpreter && !venv) binDirs.push(writeShim(join(this.runDir, '.bin'), decision.interpreter.executable));
    // The run configuration's environment_variables (a sweep's trial ones too), as Azure ML sets
    // them; mlsteps' own variables (PATH to the checked interpreter first) are applied over them.
    const jobVariables = { ...stringMap(step.job.environment_variables), ...stringMap((step.job.trial as { environment_variables?: unknown } | undefined)?.environment_variables) };
    let env = prependPath({ ...(this.options.env ?? process.env), ...jobVariables }, binDirs);
    env = { ...env, PYTHONUNBUFFERED: '1', MLSTEPS_STEP: step.name, MLSTEPS_RUN_DIR: this.runDir };
    const experiment = typeof step.job.experiment_name === 'string' ? step.job.experiment_name : this.plan.experimentName;
    if (experiment) env.MLFLOW_EXPERIMENT_NAME = experiment;
    if (venv) env.VIRTUAL_ENV = venv.dir;
    if (decision.interpreter && step.type === 'spark') env.PYSPARK_PYTHON = decision.interpreter.executable;
    const started = Date.now();
    result.startedAt = new Date(started).toISOString();

    if (step.sweep) return this.runSweep(step, result, template, { workDir, codeSrc, env, bindingsFor, started });

    const prepared = this.prepareFolder(workDir, codeSrc);
    const { command, unbound } = bindCommand(template, bindingsFor(workDir), shell);
    if (unbound.length > 0) return fail(`cannot bind ${unbound.join(', ')} locally`);
    result.command = command;
    this.emit({ type: 'step-start', step: step.name, workDir, command, ...(result.interpreter ? { interpreter: result.interpreter } : {}) });
    const limit = numberOr(step.job.limits, 'timeout');
    const proc = await this.slots
      .use(
        () =>
          runProcess({
            command,
            cwd: prepared.cwd,
            env: { ...env, MLFLOW_TRACKING_URI: pathToFileURL(prepared.mlruns).href },
            abortSignal: this.signal,
            ...(limit ? { timeoutMs: limit * 1000 } : {}),
            logFile: join(workDir, 'std_log.txt'),
            killGraceMs: this.options.killGraceMs,
            onLine: (text, stream) => this.options.onLine?.({ step: step.name, label: step.name, text, stream }),
          }),
        this.signal,
      )
      .catch(() => undefined);
    result.durationMs = Date.now() - started;
    result.outputs = this.outputFolders(step, workDir);
    if (!proc) return { ...result, status: 'cancelled', reason: this.timedOut ? 'not started: the run timed out' : 'not started: the run was cancelled' };
    result.metrics = readRunMetrics({ cwd: prepared.cwd, mlruns: prepared.mlruns });
    result.exitCode = proc.exitCode;
    return { ...result, ...this.outcome(proc, limit) };
  }

  private async runSweep(
    step: Step,
    result: StepResult,
    template: string,
    ctx: { workDir: string; codeSrc?: string; env: NodeJS.ProcessEnv; bindingsFor: (dir: string, create?: boolean) => Bindings; started: number },
  ): Promise<StepResult> {
    const sweep = step.sweep!;
    const trials = planTrials(sweep);
    if (trials.error) return { ...result, status: 'failed', reason: trials.error };
    const notes = [...trials.notes];
    if (sweep.earlyTermination) notes.push('early_termination is not applied locally: every trial runs to its end');
    for (const message of notes) this.emit({ type: 'note', step: step.name, message });
    result.notes.push(...notes);
    const placeholders: Record<string, BoundValue> = {};
    for (const k of Object.keys(sweep.searchSpace)) placeholders[k] = { value: `<${k}>` };
    result.command = bindCommand(template, { ...ctx.bindingsFor(join(ctx.workDir, 'trial-N'), false), searchSpace: placeholders }).command;
    const perSweep = Math.max(1, Math.min(sweep.limits.max_concurrent_trials ?? this.concurrency, this.concurrency));
    const trialSlots = new Semaphore(perSweep);
    this.emit({ type: 'step-start', step: step.name, workDir: ctx.workDir, command: result.command, trials: trials.trials.length, ...(result.interpreter ? { interpreter: result.interpreter } : {}) });

    // The sweep's own time limit stops its trials; the run's abort stops everything.
    const sweepController = new AbortController();
    let sweepTimedOut = false;
    const onAbort = () => sweepController.abort();
    this.signal.addEventListener('abort', onAbort, { once: true });
    const sweepTimer = sweep.limits.timeout
      ? setTimeout(() => {
          sweepTimedOut = true;
          sweepController.abort();
        }, sweep.limits.timeout * 1000)
      : undefined;
    const trialLimit = sweep.limits.trial_timeout;
    const runTrial = async (index: number, parameters: Parameters): Promise<TrialResult> => {
      const name = `trial-${index + 1}`;
      const dir = join(ctx.workDir, name);
      const searchSpace: Record<string, BoundValue> = {};
      for (const [k, v] of Object.entries(parameters)) searchSpace[k] = { value: formatValue(v) };
      const { command, unbound } = bindCommand(template, { ...ctx.bindingsFor(dir, false), searchSpace }, defaultShell);
      const trial: TrialResult = { name, parameters, status: 'not-run', metrics: {}, outputs: {}, workDir: dir, command };
      if (unbound.length > 0) return { ...trial, status: 'failed', reason: `cannot bind ${unbound.join(', ')} locally` };
      const finish = (proc: ProcessResult | undefined, started: number): TrialResult => {
        let out: TrialResult;
        if (!proc) out = { ...trial, status: 'cancelled', reason: sweepTimedOut ? 'not started: the sweep reached limits.timeout' : 'not started' };
        else {
          out = { ...trial, durationMs: Date.now() - started, exitCode: proc.exitCode, ...this.outcome(proc, trialLimit, 'limits.trial_timeout') };
          if (proc.outcome === 'cancelled' && sweepTimedOut) out = { ...out, status: 'cancelled', reason: `stopped: the sweep reached limits.timeout (${sweep.limits.timeout} s)` };
        }
        // Said while the trial still holds its slot, so a listener never sees more at once than allowed.
        this.emit({ type: 'trial-end', step: step.name, trial: out });
        return out;
      };
      const done = await trialSlots
        .use(
          () =>
            this.slots.use(async () => {
              const started = Date.now();
              mkdirSync(dir, { recursive: true });
              const prepared = this.prepareFolder(dir, ctx.codeSrc);
              trial.outputs = this.outputFolders(step, dir);
              this.emit({ type: 'trial-start', step: step.name, trial: name, parameters, command });
              const p = await runProcess({
                command,
                cwd: prepared.cwd,
                env: { ...ctx.env, MLFLOW_TRACKING_URI: pathToFileURL(prepared.mlruns).href, MLSTEPS_TRIAL: name },
                abortSignal: sweepController.signal,
                ...(trialLimit ? { timeoutMs: trialLimit * 1000 } : {}),
                logFile: join(dir, 'std_log.txt'),
                killGraceMs: this.options.killGraceMs,
                onLine: (text, stream) => this.options.onLine?.({ step: step.name, trial: name, label: `${step.name}/${name}`, text, stream }),
              });
              trial.metrics = readRunMetrics(prepared);
              return finish(p, started);
            }, sweepController.signal),
          sweepController.signal,
        )
        .catch(() => undefined);
      return done ?? finish(undefined, 0);
    };
    let results: TrialResult[];
    try {
      results = await Promise.all(trials.trials.map((p, i) => runTrial(i, p)));
    } finally {
      if (sweepTimer) clearTimeout(sweepTimer);
      this.signal.removeEventListener('abort', onAbort);
    }
    result.durationMs = Date.now() - ctx.started;
    result.sweep = { sampling: sweep.sampling.type, objective: sweep.objective, trials: results };
    if (sweepTimedOut) result.notes.push(`the sweep reached limits.timeout (${sweep.limits.timeout} s): ${results.filter((t) => t.status === 'succeeded').length} of ${results.length} trials completed`);
    if (this.signal.aborted && !this.timedOut) return { ...result, status: 'cancelled', reason: 'cancelled' };
    const failedTrials = results.filter((t) => t.status === 'failed');
    if (failedTrials.length > 0) result.notes.push(`${failedTrials.length} of ${results.length} trials failed`);
    const best = bestTrial(results, sweep.objective);
    if (!best) {
      const last = failedTrials[failedTrials.length - 1];
      if (this.timedOut) return { ...result, status: 'failed', reason: 'timed out: the run\'s time limit expired' };
      if (failedTrials.length === results.length && last) return { ...result, status: 'failed', reason: `all ${results.length} trials failed (${last.name}: ${last.reason})`, ...(last.lastLines ? { lastLines: last.lastLines } : {}), exitCode: last.exitCode ?? null };
      return { ...result, status: 'failed', reason: `no trial reported the primary metric "${sweep.objective.primary_metric}" (objective: ${sweep.objective.goal})`, ...(last?.lastLines ? { lastLines: last.lastLines } : {}) };
    }
    result.sweep.best = { trial: best.name, parameters: best.parameters, metrics: best.metrics };
    return { ...result, status: 'succeeded', metrics: best.metrics, outputs: best.outputs };
  }

  /** A step's outcome from its process: succeeded, failed (exit code, time limit) or cancelled. */
  private outcome(proc: ProcessResult, limit?: number, limitName = 'limits.timeout'): Pick<StepResult, 'status' | 'reason' | 'lastLines'> {
    const lastLines = proc.lastLines;
    switch (proc.outcome) {
      case 'exited':
        if (proc.exitCode === 0) return { status: 'succeeded' };
        return { status: 'failed', reason: proc.signal ? `killed by ${proc.signal}` : `exit code ${proc.exitCode}`, lastLines };
      case 'timed-out':
        return { status: 'failed', reason: `timed out after ${limit} s (${limitName})`, lastLines };
      case 'cancelled':
        return this.timedOut ? { status: 'failed', reason: "timed out: the run's time limit expired", lastLines } : { status: 'cancelled', reason: 'cancelled', lastLines };
      default:
        return { status: 'failed', reason: `could not start the command: ${proc.error}` };
    }
  }

  /** `code/` (a copy of the code folder, the command's working directory) and `mlruns/` in `dir`. */
  private prepareFolder(dir: string, codeSrc: string | undefined): { cwd: string; mlruns: string } {
    const cwd = join(dir, 'code');
    if (codeSrc) snapshotCode(codeSrc, cwd, [this.runDir]);
    else mkdirSync(cwd, { recursive: true });
    const mlruns = join(dir, 'mlruns');
    mkdirSync(mlruns, { recursive: true });
    return { cwd, mlruns };
  }

  /** `${{outputs.y}}`: `<dir>/outputs/y`, a fresh folder (for a file output, its parent exists). */
  private outputFolders(step: Step, dir: string, create = !this.dryRun): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, spec] of Object.entries(step.outputs)) {
      const path = join(dir, 'outputs', name);
      if (create) mkdirSync(FOLDER_OUTPUTS.has(spec.type) ? path : join(dir, 'outputs'), { recursive: true });
      out[name] = path;
    }
    return out;
  }

  /** The values of `${{inputs.x}}` the command uses, or why one cannot be had here. */
  private bindInputs(step: Step, template: string): { ok: true; values: Record<string, BoundValue> } | { ok: false; skip: boolean; message: string } {
    const used = new Set([...template.matchAll(INPUT_REF)].map((m) => m[1]));
    const values: Record<string, BoundValue> = {};
    for (const name of used) {
      const input = step.inputs[name];
      if (!input) return { ok: false, skip: false, message: `the command uses \${{inputs.${name}}}, but the step has no input "${name}"` };
      switch (input.kind) {
        case 'literal':
          values[name] = { value: formatValue(input.value) };
          break;
        case 'dataset': {
          const local = input.spec.local_path;
          if (!local) return { ok: false, skip: true, message: `input ${name}: dataset ${input.dataset} has no local_path (add one to datasets.${input.dataset} in mlsteps.yml to run it locally)` };
          const abs = resolve(this.plan.dir, local);
          if (!existsSync(abs)) return { ok: false, skip: false, message: `input ${name}: dataset ${input.dataset}'s local_path ${local} does not exist` };
          values[name] = { value: abs, path: true };
          break;
        }
        case 'uri': {
          if (!input.local) return { ok: false, skip: true, message: `input ${name} is remote (${input.path}): only Azure ML can read it; use a dataset with a local_path` };
          const abs = resolve(this.plan.dir, input.path);
          if (!existsSync(abs)) return { ok: false, skip: false, message: `input ${name}: ${input.path} does not exist` };
          values[name] = { value: abs, path: true };
          break;
        }
        case 'output':
        case 'best': {
          const v = this.needsValue(input.step, input.kind === 'output' ? 'outputs' : 'best', input.kind === 'output' ? input.output : input.parameter);
          if (!v) return { ok: false, skip: false, message: `input ${name}: ${input.step} has no ${input.kind === 'output' ? `output "${input.output}"` : `best parameter "${input.parameter}"`}` };
          values[name] = v;
          break;
        }
        case 'expression':
          return { ok: false, skip: true, message: `input ${name} is an expression only Azure ML can bind (${input.value})` };
      }
    }
    return { ok: true, values };
  }

  /** `needs.X.outputs.Y` → X's output folder (a sweep's best trial's); `needs.X.best.P` → the best trial's P. */
  private needsValue(name: string, kind: 'outputs' | 'best', key: string): BoundValue | undefined {
    const step = this.plan.steps.find((s) => s.name === name);
    if (!step) return undefined;
    const done = this.done.get(name);
    if (kind === 'best') {
      if (!step.sweep || !(key in step.sweep.searchSpace)) return undefined;
      const best = done?.sweep?.best?.parameters[key];
      if (best !== undefined) return { value: formatValue(best) };
      return this.dryRun ? { value: `<best ${key} of ${name}>` } : undefined;
    }
    if (!(key in step.outputs)) return undefined;
    const path = done?.outputs[key];
    if (path) return { value: path, path: true };
    if (!this.dryRun) return undefined;
    return { value: step.sweep ? join(this.runDir, name, '<best trial>', 'outputs', key) : join(this.runDir, name, 'outputs', key), path: !step.sweep };
  }

  private describe(
    step: Step,
    result: StepResult,
    template: string,
    bindingsFor: (dir: string, create?: boolean) => Bindings,
    codeSrc: string | undefined,
    decision: EnvironmentDecision,
  ): StepResult {
    const workDir = join(this.runDir, step.name);
    const lines: string[] = [];
    if (step.sweep) {
      const trials = planTrials(step.sweep);
      const searchSpace: Record<string, BoundValue> = {};
      for (const k of Object.keys(step.sweep.searchSpace)) searchSpace[k] = { value: `<${k}>` };
      lines.push(`trial command: ${bindCommand(template, { ...bindingsFor(join(workDir, 'trial-N')), searchSpace }).command}`);
      lines.push(`work folders: ${join(workDir, 'trial-N', 'code')}${codeSrc ? ` (a copy of ${step.code})` : ''}`);
      if (trials.error) lines.push(`cannot sweep: ${trials.error}`);
      else {
        lines.push(`trials: ${trials.trials.length} (${step.sweep.sampling.type} sampling, ${Math.max(1, Math.min(step.sweep.limits.max_concurrent_trials ?? this.concurrency, this.concurrency))} at a time), objective: ${step.sweep.objective.goal} ${step.sweep.objective.primary_metric}`);
        trials.trials.forEach((t, i) => lines.push(`  trial-${i + 1}: ${Object.entries(t).map(([k, v]) => `${k}=${formatValue(v)}`).join(' ')}`));
        lines.push(...trials.notes.map((n) => `note: ${n}`));
      }
    } else {
      lines.push(`command: ${bindCommand(template, bindingsFor(workDir)).command}`);
      lines.push(`work folder: ${join(workDir, 'code')}${codeSrc ? ` (a copy of ${step.code})` : ''}`);
    }
    lines.push(`interpreter: ${decision.ok && decision.interpreter ? `${decision.interpreter.executable} (Python ${decision.interpreter.version})` : 'none'}`);
    const check = decision.ok ? decision.check : undefined;
    const pkgs = check ? [...check.required, ...check.optional].map((m) => `${m.distribution}${m.ok ? (m.version ? ` ${m.version}` : ' ok') : ' missing'}`) : [];
    lines.push(`environment: ${result.environment}${pkgs.length ? ` — ${pkgs.join(', ')}` : ''}`);
    lines.push(...result.notes.map((n) => `note: ${n}`));
    this.emit({ type: 'dry-run', step: step.name, lines });
    return { ...result, status: 'not-run', workDir, plan: lines };
  }
}

/** The steps whose outputs or best parameters a step binds. */
function boundSteps(step: Step): Set<string> {
  const names = new Set<string>();
  for (const input of Object.values(step.inputs)) if (input.kind === 'output' || input.kind === 'best') names.add(input.step);
  for (const text of [step.command ?? '', step.spark?.args ?? '']) for (const m of text.matchAll(NEEDS_REF)) names.add(m[1]);
  return names;
}

/** The plan's steps with every step after the steps it needs (the plan's order when it already is). */
function graphOrder(steps: Step[]): Step[] {
  const byName = new Map(steps.map((s) => [s.name, s]));
  const out: Step[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (s: Step) => {
    const st = state.get(s.name);
    if (st === 'done') return;
    if (st === 'visiting') throw new Error(`the steps' needs form a cycle at ${s.name}`);
    state.set(s.name, 'visiting');
    for (const n of s.needs) {
      const dep = byName.get(n);
      if (dep) visit(dep);
    }
    state.set(s.name, 'done');
    out.push(s);
  };
  for (const s of steps) visit(s);
  return out;
}

function numberOr(obj: unknown, key: string): number | undefined {
  const v = typeof obj === 'object' && obj !== null ? (obj as Record<string, unknown>)[key] : undefined;
  return typeof v === 'number' && v > 0 ? v : undefined;
}

/** `2024-05-01T12-30-45-123Z`: sortable, and valid in a Windows path. */
function timestamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-');
}
