// What every benchmark module shares: the row it returns, timing of whole processes, statistics
// and formatting. A benchmark is a module exporting `async function run(log): Promise<Row[]>`;
// bench/run.ts calls each and prints one table. Timings are reported, never asserted.
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/** The repository root (the folder with package.json). */
export const projectRoot = path.resolve(__dirname, '..');

/** One line of the results table. `pass` is undefined for figures without a budget (for reference). */
export interface Row {
  what: string;
  measured: string;
  budget: string;
  pass?: boolean;
}

/** Progress lines go to stderr, so stdout holds the table alone. */
export type Log = (line: string) => void;

export interface Benchmark {
  name: string;
  run(log: Log): Promise<Row[]>;
}

/** A benchmark that cannot measure what it should (wrong output, failed run) stops the whole run. */
export class BenchError extends Error {
  override name = 'BenchError';
}

export interface ProcessRun {
  /** Wall time from spawn to exit, seconds. */
  wall: number;
  /** User + system CPU time of the process, seconds, where the platform tells it (Linux). */
  cpu?: number;
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a whole process to completion and times it. spawnSync keeps the parent's event loop out of
 * the measurement; the child's CPU time comes from the kernel's count of reaped children.
 */
export function timeProcess(command: string, args: string[], options: SpawnSyncOptions = {}): ProcessRun {
  const cpuBefore = childrenCpuSeconds();
  const started = process.hrtime.bigint();
  const r = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: 120_000, ...options });
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  const cpuAfter = childrenCpuSeconds();
  if (r.error) throw new BenchError(`${command} ${args.join(' ')}: ${r.error.message}`);
  return {
    wall,
    cpu: cpuBefore !== undefined && cpuAfter !== undefined ? cpuAfter - cpuBefore : undefined,
    status: r.status,
    stdout: String(r.stdout ?? ''),
    stderr: String(r.stderr ?? ''),
  };
}

/** cutime + cstime of this process (Linux /proc), in seconds; undefined elsewhere. */
function childrenCpuSeconds(): number | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // Fields after the parenthesised command name; cutime and cstime are fields 16 and 17.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}
/** USER_HZ: 100 on every Linux architecture Node supports. */
const CLOCK_TICKS = 100;

/** Times `fn` (synchronous or not) in this process, seconds. */
export async function timeInProcess<T>(fn: () => T | Promise<T>): Promise<{ seconds: number; value: T }> {
  const started = process.hrtime.bigint();
  const value = await fn();
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, value };
}

export interface Stats {
  n: number;
  min: number;
  median: number;
  p90: number;
  max: number;
}

/** Nearest-rank percentiles over the samples. */
export function stats(samples: readonly number[]): Stats {
  if (samples.length === 0) throw new BenchError('no samples');
  const s = [...samples].sort((a, b) => a - b);
  const rank = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))];
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { n: s.length, min: s[0], median, p90: rank(0.9), max: s[s.length - 1] };
}

/** Seconds with sensible precision: 0.284 s, 4.91 s, 12.3 s. */
export function seconds(s: number): string {
  return s < 1 ? `${s.toFixed(3)} s` : s < 10 ? `${s.toFixed(2)} s` : `${s.toFixed(1)} s`;
}

/** "median 0.284 s, p90 0.301 s, min 0.270 s (10 runs; CPU 0.25 s)". */
export function describeRuns(wall: Stats, cpu?: Stats, options: { p90?: boolean } = {}): string {
  const parts = [`median ${seconds(wall.median)}`];
  if (options.p90 !== false) parts.push(`p90 ${seconds(wall.p90)}`);
  parts.push(`min ${seconds(wall.min)}`);
  const extra = [`${wall.n} runs`];
  if (cpu) extra.push(`CPU ${seconds(cpu.median)}`);
  return `${parts.join(', ')} (${extra.join('; ')})`;
}

/** Wall-time and CPU-time statistics of repeated process runs. */
export function runStats(runs: readonly ProcessRun[]): { wall: Stats; cpu?: Stats } {
  const cpus = runs.map((r) => r.cpu).filter((c): c is number => c !== undefined);
  return { wall: stats(runs.map((r) => r.wall)), cpu: cpus.length === runs.length ? stats(cpus) : undefined };
}

export function verdict(pass: boolean | undefined): string {
  return pass === undefined ? 'info' : pass ? 'PASS' : 'OVER';
}

/** The results as a markdown table. */
export function table(rows: readonly Row[]): string {
  const cells = [['what', 'measured', 'budget', 'verdict'], ...rows.map((r) => [r.what, r.measured, r.budget, verdict(r.pass)])];
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const lines = cells.map((c) => `| ${c.map(esc).join(' | ')} |`);
  lines.splice(1, 0, '| --- | --- | --- | --- |');
  return lines.join('\n');
}
