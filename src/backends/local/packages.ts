import { existsSync } from 'node:fs';
import { parseCondaDependencies } from './conda';
import { probePython, ProbeError, type ProbeResult } from './probe';
import { aptNameFor, distributionForModule, pythonPackage, type PythonPackage } from './pythonNames';

export interface ModuleStatus {
  /** The module (`sklearn`). */
  module: string;
  /** The package that provides it (`scikit-learn`), as declared or as pip knows it. */
  distribution: string;
  /** Set when the conda file declares it. */
  declared?: PythonPackage;
  ok: boolean;
  version?: string;
  error?: string;
  aptName?: string;
}

export interface PackageCheck {
  interpreter: { command: string; executable: string; version: string };
  /** The Python the conda file pins (`3.10`). */
  pinnedPython?: string;
  /** Whether the step's script was analysed: then only what it imports is required. */
  analysed: boolean;
  /** Modules the step needs (imported unconditionally, or declared when not analysed), with their state. */
  required: ModuleStatus[];
  /** Optional modules (imported inside `try … except ImportError`, or mlflow). */
  optional: ModuleStatus[];
  /** Declared, but the step's code does not import them: not needed here. */
  unused: ModuleStatus[];
  /** Declared entries with nothing to check (python, pip, CUDA, azureml-*). */
  skipped: PythonPackage[];
  /** The required modules that do not import. */
  missing: ModuleStatus[];
}

export interface CheckPackagesOptions {
  /** The interpreter: a command on PATH or a path. */
  python: string;
  /** The conda file's text; none when the environment is not a conda file. */
  conda?: string;
  /** The step's entry script (absolute path), when the command runs one. */
  script?: string;
  /** The step's code folder (absolute). */
  codeDir?: string;
  cwd: string;
  env?: NodeJS.ProcessEnv;
  abortSignal?: AbortSignal;
}

/**
 * Checks that what a step needs imports with an interpreter, in one subprocess. When the step's
 * script can be read, what it imports decides: a declared package the script never imports (the
 * data-prep environment's PySpark, for the pandas preparation) is not needed to run it, and a
 * module it imports that no one declared still has to be there. Otherwise every declared package
 * is required. mlflow and imports guarded by `except ImportError` are optional.
 */
export async function checkPackages(options: CheckPackagesOptions): Promise<PackageCheck> {
  const env = options.conda !== undefined ? parseCondaDependencies(options.conda) : { dependencies: [], unparsed: [] as string[], python: undefined };
  const packages = env.dependencies.map(pythonPackage);
  const skipped = packages.filter((p) => p.role === 'skip');
  const checked = packages.filter((p) => p.role !== 'skip');
  const script = options.script && existsSync(options.script) ? options.script : undefined;
  const probe: ProbeResult = await probePython(
    options.python,
    {
      ...(script ? { script } : {}),
      ...(options.codeDir ? { codeDir: options.codeDir } : {}),
      declared: [...new Set(checked.filter((p) => p.role === 'required').map((p) => p.importName))],
      find: [...new Set(checked.filter((p) => p.role === 'optional').map((p) => p.importName))],
    },
    { cwd: options.cwd, env: options.env, abortSignal: options.abortSignal },
  );
  const analysed = probe.analysed === true;
  const status = (module: string, declared?: PythonPackage): ModuleStatus => {
    const distribution = declared?.name ?? distributionForModule(module);
    const result = probe.results[module];
    const s: ModuleStatus = { module, distribution, ok: result ? result.ok : probe.found[module] === true };
    if (declared) s.declared = declared;
    if (result?.ok && result.version) s.version = result.version;
    if (result && !result.ok) s.error = result.error;
    else if (!result && !s.ok) s.error = `No module named '${module}'`;
    const apt = declared?.aptName ?? aptNameFor(distribution);
    if (apt) s.aptName = apt;
    return s;
  };
  const byModule = new Map<string, PythonPackage>();
  for (const p of checked) if (!byModule.has(p.importName)) byModule.set(p.importName, p);

  const required: ModuleStatus[] = [];
  const optional: ModuleStatus[] = [];
  const unused: ModuleStatus[] = [];
  if (analysed) {
    for (const [module, kind] of Object.entries(probe.imports)) {
      const declared = byModule.get(module);
      if (kind === 'optional' || declared?.role === 'optional') optional.push(status(module, declared));
      else required.push(status(module, declared));
    }
    for (const [module, declared] of byModule) {
      if (module in probe.imports) continue;
      (declared.role === 'optional' ? optional : unused).push(status(module, declared));
    }
  } else {
    for (const [module, declared] of byModule) (declared.role === 'optional' ? optional : required).push(status(module, declared));
  }
  const check: PackageCheck = {
    interpreter: { command: options.python, executable: probe.executable, version: probe.version },
    analysed,
    required,
    optional,
    unused,
    skipped,
    missing: required.filter((m) => !m.ok),
  };
  if (env.python) check.pinnedPython = env.python;
  return check;
}

export { ProbeError };

/** How to get the missing packages, for people: what is missing, pip, apt (Debian), the options. */
export function describeMissing(check: PackageCheck, context: { environment?: string; condaFile?: string; isDebian?: boolean }): string[] {
  const names = check.missing.map((m) => (m.distribution === m.module ? m.distribution : `${m.distribution} (import ${m.module})`));
  const lines = [`missing Python package${names.length === 1 ? '' : 's'} for ${check.interpreter.executable} (Python ${check.interpreter.version}): ${names.join(', ')}`];
  for (const m of check.missing) {
    if (m.error && !/^ModuleNotFoundError: No module named/.test(m.error)) lines.push(`  ${m.module}: ${m.error}`);
  }
  const pipNames = [...new Set(check.missing.map((m) => m.declared?.pipName ?? m.distribution))];
  lines.push(`  install with pip:    ${check.interpreter.executable} -m pip install ${pipNames.join(' ')}`);
  const isDebian = context.isDebian ?? existsSync('/etc/debian_version');
  const apt = [...new Set(check.missing.map((m) => m.aptName).filter((a): a is string => !!a))];
  if (isDebian && apt.length > 0) {
    const unknown = check.missing.filter((m) => !m.aptName).map((m) => m.distribution);
    lines.push(`  or on Debian/Ubuntu: apt-get install ${apt.join(' ')}  (for /usr/bin/python3${unknown.length ? `; no Debian package for ${unknown.join(', ')}` : ''})`);
  }
  const from = context.condaFile ?? (context.environment ? `environment ${context.environment}` : 'the conda file');
  lines.push(`  or let mlsteps make a virtual environment from ${from}: --prepare-env; or choose an interpreter that has them: --python PATH`);
  return lines;
}

/** A note when the local Python is not the one the conda file pins (it may still work). */
export function versionNote(check: PackageCheck): string | undefined {
  const pinned = check.pinnedPython;
  if (!pinned) return undefined;
  const [major, minor] = pinned.split('.');
  const [haveMajor, haveMinor] = check.interpreter.version.split('.');
  if (major === haveMajor && (minor === undefined || minor === haveMinor)) return undefined;
  return `the environment pins Python ${pinned}; running with Python ${check.interpreter.version} (${check.interpreter.executable})`;
}
