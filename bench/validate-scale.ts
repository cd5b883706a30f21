// DESIGN §7 "validate 1,000 run configs ≤ 1.0 s wall; linear to 10,000": generates a realistic
// project (bench/generate.ts) of 1,000 and of 10,000 run configurations, checks that validation
// finds nothing wrong in it (so the whole path is timed, not an early exit), then times the whole
// CLI process `node bin/mlsteps.js validate <dir> --format json` and its peak memory (max RSS;
// issue 6: ≤ 512 MB at 10,000), and `validatePaths` in this process for reference.
import * as path from 'node:path';
import { validatePaths } from '../src/config/index';
import type { ValidationResult } from '../src/model/diagnostic';
import { sharedProject, type GeneratedProject } from './generate';
import { BenchError, type Log, type ProcessRun, projectRoot, type Row, describePeak, describeRuns, memoryRow, runStats, seconds, stats, timeInProcess, timeNodeProcess } from './lib';

const CLI = path.join(projectRoot, 'bin', 'mlsteps.js');
/** Seconds per 1,000 run configurations: 1.0 s for 1,000, and linear from there. */
const BUDGET_PER_1000 = 1.0;

interface Size {
  n: number;
  /** Untimed CLI runs first (the in-process check has already read every file once). */
  warmup: number;
  runs: number;
  /** Warm in-process runs after the first (checking) one. */
  inProcessRuns: number;
}

const SIZES: Size[] = [
  { n: 1_000, warmup: 1, runs: 5, inProcessRuns: 3 },
  { n: 10_000, warmup: 0, runs: 3, inProcessRuns: 1 },
];

export const name = 'validate at scale';

const count = (n: number) => n.toLocaleString('en-US');

export async function run(log: Log): Promise<Row[]> {
  const rows: Row[] = [];
  const cliMedian = new Map<number, number>();
  const cliCpuMedian = new Map<number, number>();
  const cliRuns = new Map<number, ProcessRun[]>();
  for (const size of SIZES) {
    const generated = await timeInProcess(() => sharedProject(size.n));
    const project = generated.value;
    const { mix } = project;
    log(
      `${name}: project of ${count(size.n)} run configs (${seconds(generated.seconds)} to write) at ${project.dir} ` +
        `(${mix.command} command, ${mix.sweep} sweep, ${mix.spark} spark; ${mix.extends} with extends, ${mix.needs} with needs bindings)`,
    );

    // The generated project must be valid: a diagnostic means the benchmark times the wrong thing.
    const first = await timeInProcess(() => validatePaths([project.dir], { cwd: project.dir }));
    checkClean(first.value, project, 'validatePaths');
    log(`${name}: validatePaths, first call in this process (cold caches, ajv compile if first): ${seconds(first.seconds)}`);
    const inProcess: number[] = [];
    for (let i = 0; i < size.inProcessRuns; i++) {
      const r = await timeInProcess(() => validatePaths([project.dir], { cwd: project.dir }));
      checkClean(r.value, project, 'validatePaths');
      inProcess.push(r.seconds);
    }

    const once = (): ProcessRun => {
      const r = timeNodeProcess([CLI, 'validate', project.dir, '--format', 'json'], { cwd: projectRoot, maxRss: true });
      checkCliClean(r, project);
      return r;
    };
    log(`${name}: node bin/mlsteps.js validate <${count(size.n)} run configs> --format json, ${size.warmup} warm-up + ${size.runs} runs`);
    for (let i = 0; i < size.warmup; i++) once();
    const runs = Array.from({ length: size.runs }, once);
    const cli = runStats(runs);
    cliMedian.set(size.n, cli.wall.median);
    if (cli.cpu) cliCpuMedian.set(size.n, cli.cpu.median);
    cliRuns.set(size.n, runs);

    const budget = (BUDGET_PER_1000 * size.n) / 1000;
    const perThousand = cli.wall.median / (size.n / 1000);
    rows.push({
      what: `\`mlsteps validate\`, ${count(size.n)} generated run configs (whole CLI process, --format json)`,
      measured: describeRuns(cli.wall, cli.cpu) + (size.n > 1000 ? `; ${seconds(perThousand)} per 1,000` : '') + `; ${describePeak(runs)}`,
      budget: size.n === 1000 ? `≤ ${seconds(budget)} wall` : `≤ ${seconds(budget)} wall (linear: ${seconds(BUDGET_PER_1000)} per 1,000)`,
      pass: cli.wall.median <= budget,
    });
    const warm = stats(inProcess);
    rows.push({
      what: `reference: \`validatePaths\` in process, ${count(size.n)} run configs (warm: schemas compiled, conda files cached)`,
      measured: `median ${seconds(warm.median)} (${warm.n} run${warm.n === 1 ? '' : 's'}; first call ${seconds(first.seconds)})`,
      budget: '—',
    });
  }
  const small = cliMedian.get(1_000);
  const large = cliMedian.get(10_000);
  if (small !== undefined && large !== undefined) {
    rows.push(memoryRow('mlsteps validate', { n: 10_000, runs: cliRuns.get(10_000)! }, { n: 1_000, runs: cliRuns.get(1_000)! }));
    rows.push({
      what: 'reference: scaling 1,000 → 10,000 (CLI medians)',
      measured:
        `wall ×${(large / small).toFixed(1)} for ×10 run configs, marginal ${seconds((large - small) / 9)} per extra 1,000` +
        (cliCpuMedian.has(1_000) && cliCpuMedian.has(10_000) ? `; CPU ×${(cliCpuMedian.get(10_000)! / cliCpuMedian.get(1_000)!).toFixed(1)}` : ''),
      budget: '—',
    });
  }
  return rows;
}

function checkClean(result: ValidationResult, project: GeneratedProject, what: string): void {
  if (result.diagnostics.length > 0 || !result.ok || result.runConfigs.length !== project.runConfigs) {
    const shown = result.diagnostics.slice(0, 20).map((d) => `  ${d.file}:${d.line}:${d.column}: ${d.severity} ${d.code}: ${d.message}`);
    throw new BenchError(
      `${what} on the generated project (${project.dir}) found ${result.runConfigs.length} of ${project.runConfigs} run configurations ` +
        `and ${result.diagnostics.length} diagnostics; bench/generate.ts must write a valid project:\n${shown.join('\n')}`,
    );
  }
}

function checkCliClean(r: ProcessRun, project: GeneratedProject): void {
  let parsed: { ok?: boolean; diagnostics?: unknown[]; runConfigs?: unknown[] } | undefined;
  try {
    parsed = JSON.parse(r.stdout);
  } catch {
    parsed = undefined;
  }
  if (r.status !== 0 || !parsed?.ok || parsed.diagnostics?.length !== 0 || parsed.runConfigs?.length !== project.runConfigs) {
    throw new BenchError(
      `mlsteps validate ${project.dir} --format json exited ${r.status} with ${parsed ? `${parsed.diagnostics?.length} diagnostics and ${parsed.runConfigs?.length} run configs` : 'output that is not JSON'}:\n` +
        `${r.stdout.slice(0, 2000)}${r.stderr.slice(0, 2000)}`,
    );
  }
}
