import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCondaDependencies } from './conda';
import { runProcess } from './process';
import { pythonPackage } from './pythonNames';

const isWindows = process.platform === 'win32';
const MARKER = 'mlsteps-venv.json';

export interface PrepareVenvOptions {
  /** The conda file's text: its conda and pip dependencies are what gets installed. */
  conda: string;
  /** Where the environments live: `<project>/.mlsteps/venvs`. */
  root: string;
  /** The interpreter that makes the virtual environment (`python3 -m venv`). */
  basePython: string;
  env?: NodeJS.ProcessEnv;
  cwd: string;
  abortSignal?: AbortSignal;
  /** pip's and venv's output, line by line. */
  onLine?: (text: string) => void;
}

export interface Venv {
  dir: string;
  python: string;
  binDir: string;
  /** It existed already (made by an earlier run from the same conda file). */
  reused: boolean;
  requirements: string[];
}

export class VenvError extends Error {
  override name = 'VenvError';
  constructor(
    message: string,
    readonly lastLines: string[] = [],
  ) {
    super(message);
  }
}

/** The pip requirements of a conda file: its packages under the names and version pins pip knows. */
export function venvRequirements(conda: string): string[] {
  const reqs = parseCondaDependencies(conda)
    .dependencies.map(pythonPackage)
    .filter((p) => p.role !== 'skip')
    .map((p) => p.pipRequirement);
  return [...new Set(reqs)];
}

/** The folder of the virtual environment for a conda file and base interpreter. */
export function venvDir(root: string, conda: string, basePython: string): string {
  const hash = createHash('sha256').update(conda.replace(/\r\n/g, '\n')).update('\0').update(basePython).digest('hex').slice(0, 16);
  return join(root, hash);
}

/** A virtual environment's bin folder and interpreter. */
export function venvPaths(dir: string): { binDir: string; python: string } {
  const binDir = join(dir, isWindows ? 'Scripts' : 'bin');
  return { binDir, python: join(binDir, isWindows ? 'python.exe' : 'python') };
}

/**
 * A virtual environment with the conda file's pip-installable dependencies, reused when an
 * earlier run completed it. Conda-only parts (CUDA, compilers) are left out; the Python version
 * is the base interpreter's, not the one the conda file pins.
 */
export async function prepareVenv(options: PrepareVenvOptions): Promise<Venv> {
  const dir = venvDir(options.root, options.conda, options.basePython);
  const { binDir, python } = venvPaths(dir);
  const requirements = venvRequirements(options.conda);
  const marker = join(dir, MARKER);
  if (existsSync(marker) && existsSync(python)) {
    let recorded: string[] | undefined;
    try {
      recorded = (JSON.parse(readFileSync(marker, 'utf8')) as { requirements?: string[] }).requirements;
    } catch {
      recorded = undefined;
    }
    if (JSON.stringify(recorded) === JSON.stringify(requirements)) return { dir, python, binDir, reused: true, requirements };
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(options.root, { recursive: true });
  const run = (file: string, args: string[]) =>
    runProcess({ file, args, cwd: options.cwd, env: options.env, abortSignal: options.abortSignal, onLine: (text) => options.onLine?.(text), tailLines: 12 });

  const made = await run(options.basePython, ['-m', 'venv', dir]);
  if (made.outcome === 'cancelled') throw new VenvError('cancelled while making the virtual environment');
  if (made.outcome !== 'exited' || made.exitCode !== 0) {
    throw new VenvError(
      `could not make a virtual environment with ${options.basePython} -m venv ${dir} (${made.error ?? `exit ${made.exitCode}`})` +
        (existsSync('/etc/debian_version') ? '; on Debian/Ubuntu it needs: apt-get install python3-venv' : ''),
      made.lastLines,
    );
  }
  if (requirements.length > 0) {
    const installed = await run(python, ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', ...requirements]);
    if (installed.outcome === 'cancelled') throw new VenvError('cancelled while installing packages into the virtual environment');
    if (installed.outcome !== 'exited' || installed.exitCode !== 0) {
      const text = installed.lastLines.join('\n');
      const network = /Could not find a version|No matching distribution|Failed to establish a new connection|Temporary failure in name resolution|Network is unreachable|ConnectTimeout|ProxyError|SSLError|Max retries exceeded/i.test(text);
      throw new VenvError(
        `pip install failed in the virtual environment ${dir} (${installed.error ?? `exit ${installed.exitCode}`}) for: ${requirements.join(' ')}` +
          (network
            ? '. pip could not download them: is the package index (PyPI) reachable from this machine? Set PIP_INDEX_URL for a mirror or private index, or install the packages yourself and run without --prepare-env'
            : '. Install the packages yourself and run without --prepare-env, or choose an interpreter that has them with --python'),
        installed.lastLines,
      );
    }
  }
  writeFileSync(marker, JSON.stringify({ requirements, basePython: options.basePython, created: new Date().toISOString() }, null, 2) + '\n');
  return { dir, python, binDir, reused: false, requirements };
}
