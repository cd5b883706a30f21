// What every benchmark module shares: the row it returns, timing of whole processes, statistics
// and formatting. A benchmark is a module exporting `async function run(log): Promise<Row[]>`;
// bench/run.ts calls each and prints one table. Timings are reported, never asserted.
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
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
  /** Peak resident set size of the process, bytes, when measured (`timeNodeProcess` with `maxRss`). */
  maxRss?: number;
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

/** The preload that reports a Node process's peak RSS (see bench/max-rss.cjs). */
const MAX_RSS_PRELOAD = path.join(__dirname, 'max-rss.cjs');

/**
 * Runs `node <args>` like timeProcess; with `maxRss`, also measures the process's peak resident
 * set size (the figure DESIGN's memory budget is about: what the OS had to give the process).
 */
export function timeNodeProcess(args: string[], options: SpawnSyncOptions & { maxRss?: boolean } = {}): ProcessRun {
  const { maxRss, ...spawnOptions } = options;
  if (!maxRss) return timeProcess(process.execPath, args, spawnOptions);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mlsteps-bench-rss-'));
  const file = path.join(dir, 'maxrss');
  try {
    const env = { ...(spawnOptions.env ?? process.env), MLSTEPS_BENCH_MAXRSS_FILE: file };
    const run = timeProcess(process.execPath, ['--require', MAX_RSS_PRELOAD, ...args], { ...spawnOptions, env });
    let kib: number;
    try {
      kib = Number(readFileSync(file, 'utf8'));
    } catch {
      throw new BenchError(`node ${args.join(' ')} exited ${run.status} without reporting its peak memory:\n${run.stderr.slice(0, 2000)}`);
    }
    return { ...run, maxRss: kib * 1024 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Megabytes (10^6 bytes, as the memory budget and the hashing figures are written): 287 MB. */
export function megabytes(bytes: number): string {
  const m = bytes / 1e6;
  return m < 100 ? `${m.toFixed(1)} MB` : `${m.toFixed(0)} MB`;
}

/** The peak RSS of every measured run: "peak RSS 287 MB (max of 3 runs)". */
export function describePeak(runs: readonly ProcessRun[]): string {
  const peaks = runs.map((r) => r.maxRss).filter((b): b is number => b !== undefined);
  if (peaks.length === 0) return '';
  return `peak RSS ${megabytes(Math.max(...peaks))}${peaks.length > 1 ? ` (max of ${peaks.length} runs)` : ''}`;
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

/** Peak memory of validate, plan and pipeline on 10,000 run configurations (issue 6): 512 MB. */
export const SCALE_MEMORY_BUDGET_BYTES = 512e6;

/**
 * The memory row of one command at scale: the largest peak RSS of its runs beside the budget,
 * and the smaller project's peak for reference (how memory grows with the project).
 */
export function memoryRow(command: string, largest: { n: number; runs: readonly ProcessRun[] }, smaller?: { n: number; runs: readonly ProcessRun[] }): Row {
  const peak = (runs: readonly ProcessRun[]) => Math.max(...runs.map((r) => r.maxRss ?? NaN));
  const top = peak(largest.runs);
  if (!Number.isFinite(top)) throw new BenchError(`no peak memory was measured for ${command}`);
  const count = (n: number) => n.toLocaleString('en-US');
  const reference = smaller ? `; ${count(smaller.n)}: ${megabytes(peak(smaller.runs))}` : '';
  return {
    what: `peak memory: \`${command}\`, ${count(largest.n)} generated run configs (max RSS of the whole CLI process)`,
    measured: `${megabytes(top)} (max of ${largest.runs.length} run${largest.runs.length === 1 ? '' : 's'}${reference})`,
    budget: `≤ ${megabytes(SCALE_MEMORY_BUDGET_BYTES)}`,
    pass: top <= SCALE_MEMORY_BUDGET_BYTES,
  };
}
