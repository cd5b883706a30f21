import { existsSync } from 'node:fs';
import type { Step } from '../../model/step';
import { checkPackages, describeMissing, ProbeError, versionNote, type PackageCheck } from './packages';
import { interpreterCandidates } from './interpreter';
import { prepareVenv, venvDir, VenvError, venvPaths, venvRequirements, type Venv } from './venv';

export interface EnvironmentsOptions {
  /** The interpreter the user chose; else python3 on PATH, then /usr/bin/python3. */
  python?: string;
  /** Make a virtual environment per conda file and install its dependencies with pip. */
  prepareEnv?: boolean;
  /** Where virtual environments live: `<project>/.mlsteps/venvs`. */
  venvRoot: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  abortSignal?: AbortSignal;
  /** Describe only: make no virtual environment. */
  dryRun?: boolean;
  /** pip's output while a virtual environment is made. */
  onVenvLine?: (environment: string, text: string) => void;
}

export interface Interpreter {
  executable: string;
  version: string;
  /** A virtual environment's bin folder, put first on PATH. */
  venv?: Venv;
}

export type EnvironmentDecision =
  | { ok: true; interpreter?: Interpreter; check?: PackageCheck; notes: string[] }
  | { ok: false; kind: 'packages' | 'venv' | 'no-python'; reason: string; details: string[]; lastLines?: string[]; check?: PackageCheck; notes: string[] };

/** "sklearn (environments/conda_sklearn.yml)", "azureml:env:3", "none". */
export function environmentLabel(step: Step): string {
  const e = step.environment;
  if (e.kind === 'conda') {
    const what = e.condaFile ?? (e.conda ? 'inline conda' : e.image ? `image ${e.image}` : 'conda');
    return e.name ? `${e.name} (${what})` : what;
  }
  if (e.kind === 'registered') return e.reference;
  return 'none';
}

/**
 * Picks each step's interpreter and checks its packages, once per interpreter, environment and
 * script in a run (a sweep's trials share the check; steps sharing an environment share the
 * virtual environment).
 */
export class Environments {
  private readonly probes = new Map<string, Promise<PackageCheck>>();
  private readonly venvs = new Map<string, Promise<Venv>>();

  constructor(private readonly options: EnvironmentsOptions) {}

  async forStep(step: Step, script: string | undefined, codeDir: string | undefined): Promise<EnvironmentDecision> {
    const conda = step.environment.kind === 'conda' ? step.environment.conda : undefined;
    const notes: string[] = [];
    if (step.environment.kind === 'registered') notes.push(`environment ${step.environment.reference} is registered in Azure ML: its packages are not known here, only the script's imports are checked`);
    let candidates = interpreterCandidates(this.options.python);
    let venv: Venv | undefined;
    if (this.options.prepareEnv && conda !== undefined) {
      const base = candidates[0];
      if (this.options.dryRun) {
        const dir = venvDir(this.options.venvRoot, conda, base);
        const { python } = venvPaths(dir);
        if (!existsSync(python)) {
          notes.push(`--prepare-env: would make a virtual environment in ${dir} and pip install: ${venvRequirements(conda).join(' ') || '(nothing)'}`);
          return { ok: true, notes };
        }
        notes.push(`--prepare-env: would use the virtual environment in ${dir}`);
        candidates = [python];
      } else {
        try {
          venv = await this.venv(conda, base, environmentLabel(step));
        } catch (err) {
          if (!(err instanceof VenvError)) throw err;
          return { ok: false, kind: 'venv', reason: err.message, details: [], lastLines: err.lastLines, notes };
        }
        notes.push(`${venv.reused ? 'reusing' : 'made'} the virtual environment ${venv.dir}`);
        candidates = [venv.python];
      }
    }

    const tried: PackageCheck[] = [];
    const notFound: string[] = [];
    for (const python of candidates) {
      let check: PackageCheck;
      try {
        check = await this.probe(python, conda, script, codeDir);
      } catch (err) {
        if (err instanceof ProbeError) {
          notFound.push(err.message);
          continue;
        }
        throw err;
      }
      if (tried.some((t) => t.interpreter.executable === check.interpreter.executable)) continue;
      tried.push(check);
      if (check.missing.length === 0) break;
    }
    // The first interpreter that has everything; else the one that lacks the least.
    const check = tried.find((t) => t.missing.length === 0) ?? [...tried].sort((a, b) => a.missing.length - b.missing.length)[0];
    if (!check) {
      const reason = `no Python interpreter could run (${notFound.join('; ')}): install Python 3 or pass --python`;
      const needsPython = conda !== undefined || (script !== undefined && script.endsWith('.py'));
      return needsPython ? { ok: false, kind: 'no-python', reason, details: [reason], notes } : { ok: true, notes };
    }
    const interpreter: Interpreter = { executable: check.interpreter.executable, version: check.interpreter.version, ...(venv ? { venv } : {}) };
    const note = versionNote(check);
    if (note) notes.push(note);
    if (tried.length > 1 && check !== tried[0]) {
      notes.push(`${tried[0].interpreter.command} (${tried[0].interpreter.executable}) lacks ${tried[0].missing.map((m) => m.distribution).join(', ')}: using ${check.interpreter.executable}`);
    }
    const optionalMissing = check.optional.filter((m) => !m.ok);
    if (optionalMissing.length > 0) notes.push(`optional, not installed: ${optionalMissing.map((m) => m.distribution).join(', ')}${optionalMissing.some((m) => m.module === 'mlflow') ? ' (metrics come from outputs/metrics.json)' : ''}`);
    const unusedMissing = check.unused.filter((m) => !m.ok);
    if (unusedMissing.length > 0) notes.push(`declared but not imported by this step's code, so not needed here: ${unusedMissing.map((m) => m.distribution).join(', ')}`);
    if (check.missing.length > 0) {
      const details = describeMissing(check, { environment: step.environment.kind === 'conda' ? step.environment.name : undefined, condaFile: step.environment.kind === 'conda' ? step.environment.condaFile : undefined });
      return { ok: false, kind: 'packages', reason: `missing Python package${check.missing.length === 1 ? '' : 's'}: ${check.missing.map((m) => m.distribution).join(', ')}`, details, check, notes };
    }
    return { ok: true, interpreter, check, notes };
  }

  private probe(python: string, conda: string | undefined, script: string | undefined, codeDir: string | undefined): Promise<PackageCheck> {
    const key = JSON.stringify([python, conda, script, codeDir]);
    let p = this.probes.get(key);
    if (!p) {
      p = checkPackages({ python, conda, script, codeDir, cwd: this.options.cwd, env: this.options.env, abortSignal: this.options.abortSignal });
      this.probes.set(key, p);
    }
    return p;
  }

  private venv(conda: string, basePython: string, label: string): Promise<Venv> {
    const key = venvDir(this.options.venvRoot, conda, basePython);
    let p = this.venvs.get(key);
    if (!p) {
      p = prepareVenv({ conda, root: this.options.venvRoot, basePython, cwd: this.options.cwd, env: this.options.env, abortSignal: this.options.abortSignal, onLine: (text) => this.options.onVenvLine?.(label, text) });
      this.venvs.set(key, p);
    }
    return p;
  }
}
