import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runPlanLocally, type LocalRunOptions, type LocalRunResult, type OutputLine, type RunEvent } from '../../src/backends/local';
import { procStat } from '../../src/backends/local/process';
import type { Plan } from '../../src/model/step';
import { planProject } from '../../src/plan';
import { runCommand, type RunCommandOptions } from '../../src/run/command';
import { makeRepo, type Tree } from './project';

export const PROJECT_FILE = 'runconfigs: [runconfigs/*.yml]\nexperiment_name: local-tests\n';

/** A throwaway project: `mlsteps.yml` (unless given) and the files. */
export function localProject(tree: Tree): { dir: string; cleanup: () => void } {
  return makeRepo({ 'mlsteps.yml': PROJECT_FILE, ...tree });
}

/** Plans a project, failing with its diagnostics when it does not validate. */
export async function planOf(dir: string, options: { profile?: string; steps?: string[] } = {}): Promise<Plan> {
  const r = await planProject(dir, options);
  if (!r.plan) throw new Error(`the test project does not plan: ${r.error?.message ?? JSON.stringify(r.validation.diagnostics, null, 2)}`);
  return r.plan;
}

/** Runs a plan with the local backend, collecting what it prints. */
export async function runLocal(plan: Plan, options: LocalRunOptions = {}): Promise<{ result: LocalRunResult; lines: OutputLine[]; events: RunEvent[] }> {
  const lines: OutputLine[] = [];
  const events: RunEvent[] = [];
  const result = await runPlanLocally(plan, { killGraceMs: 1000, ...options, onLine: (l) => lines.push(l), onEvent: (e) => events.push(e) });
  return { result, lines, events };
}

/** `runCommand` in this process with its output captured: what `mlsteps run` prints and returns. */
export async function runCli(options: RunCommandOptions): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const controller = new AbortController();
  const code = await runCommand({ abortSignal: options.abortSignal ?? controller.signal, killGraceMs: 1000, ...options }, { out: (s) => (out += s), err: (s) => (err += s), isTTY: false });
  return { code, out, err };
}

export function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/**
 * Whether a process still runs. `process.kill(pid, 0)` succeeds for a zombie too: an orphan whose
 * parent died is a zombie until init reaps it, and some containers' init never does.
 */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = procStat(pid);
  return stat === undefined ? process.platform !== 'linux' : stat.state !== 'Z' && stat.state !== 'X';
}

/** The interpreters that can import every module, in the order the backend tries them. */
export function pythonWith(modules: string[]): string | undefined {
  for (const python of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(python, ['-c', `import ${modules.join(', ')}`], { encoding: 'utf8' });
    if (r.status === 0) return python;
  }
  return undefined;
}

export const SAMPLE = join(__dirname, '..', '..', 'samples', 'credit-risk');
