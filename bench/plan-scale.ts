// `mlsteps plan` and `mlsteps pipeline` over 1,000 and 10,000 generated run configurations
// (issues 3 and 6): the whole CLI process, its wall time and its peak memory (max RSS; issue 6:
// ≤ 512 MB at 10,000). DESIGN §7 sets no time budget for planning; the rows show the validate
// budget beside them, since both validate first, then resolve and fingerprint every step (each
// code folder is hashed once per run). `pipeline` plans everything, then the `pr` and `full`
// profiles, and writes the two-profile azure-pipelines.yml (DESIGN §3.3).
//
// The runs are checked, so the figures are of the real path: the plan has every run configuration
// as a step, and the pipeline has a job for exactly the steps the `pr` and `full` profiles select
// (with everything they need), worked out here from the plan's steps and the project's profiles.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { sharedProject, type GeneratedProject } from './generate';
import { BenchError, type Log, type ProcessRun, projectRoot, type Row, describePeak, describeRuns, memoryRow, runStats, seconds, timeNodeProcess } from './lib';

const CLI = path.join(projectRoot, 'bin', 'mlsteps.js');
const SIZES = [
  { n: 1_000, warmup: 1, runs: 5 },
  { n: 10_000, warmup: 0, runs: 3 },
];

export const name = 'plan and pipeline at scale';

const count = (n: number) => n.toLocaleString('en-US');

interface PlannedStep {
  name: string;
  needs: string[];
}

export async function run(log: Log): Promise<Row[]> {
  const rows: Row[] = [];
  const measured = { plan: new Map<number, ProcessRun[]>(), pipeline: new Map<number, ProcessRun[]>() };
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'mlsteps-bench-pipeline-'));
  try {
    for (const size of SIZES) {
      const project = sharedProject(size.n);
      const reference = size.n / 1000;

      let steps: PlannedStep[] = [];
      const plan = (): ProcessRun => {
        const r = timeNodeProcess([CLI, 'plan', project.dir, '--format', 'json'], { cwd: projectRoot, maxRss: true });
        try {
          steps = (JSON.parse(r.stdout) as { steps: PlannedStep[] }).steps;
        } catch {
          steps = [];
        }
        if (r.status !== 0 || steps.length !== project.runConfigs) {
          throw new BenchError(`mlsteps plan ${project.dir} exited ${r.status} with ${steps.length} steps (expected ${project.runConfigs}):\n${r.stderr.slice(0, 2000)}`);
        }
        return r;
      };
      log(`${name}: node bin/mlsteps.js plan <${count(size.n)} run configs> --format json, ${size.warmup} warm-up + ${size.runs} runs`);
      for (let i = 0; i < size.warmup; i++) plan();
      const planRuns = Array.from({ length: size.runs }, plan);
      measured.plan.set(size.n, planRuns);
      const planStats = runStats(planRuns);
      rows.push({
        what: `\`mlsteps plan\`, ${count(size.n)} generated run configs (whole CLI process, --format json)`,
        measured: `${describeRuns(planStats.wall, planStats.cpu)}; ${seconds(planStats.wall.median / reference)} per 1,000; ${describePeak(planRuns)}`,
        budget: `— (no budget; validate's is ≤ ${seconds(reference)})`,
      });

      const expectedJobs = profileClosure(project, steps, ['pr', 'full']);
      const output = path.join(scratch, `azure-pipelines-${size.n}.yml`);
      const pipeline = (): ProcessRun => {
        rmSync(output, { force: true });
        const r = timeNodeProcess([CLI, 'pipeline', project.dir, '--output', output], { cwd: projectRoot, maxRss: true });
        if (r.status !== 0) throw new BenchError(`mlsteps pipeline ${project.dir} exited ${r.status}:\n${r.stderr.slice(0, 2000)}`);
        checkPipeline(readFileSync(output, 'utf8'), expectedJobs, project);
        return r;
      };
      log(`${name}: node bin/mlsteps.js pipeline <${count(size.n)} run configs> --output <file> (profiles pr and full), ${size.warmup} warm-up + ${size.runs} runs`);
      for (let i = 0; i < size.warmup; i++) pipeline();
      const pipelineRuns = Array.from({ length: size.runs }, pipeline);
      measured.pipeline.set(size.n, pipelineRuns);
      const pipelineStats = runStats(pipelineRuns);
      rows.push({
        what: `\`mlsteps pipeline\`, ${count(size.n)} generated run configs: pr and full profiles, ${count(expectedJobs.size)} jobs (whole CLI process)`,
        measured: `${describeRuns(pipelineStats.wall, pipelineStats.cpu)}; ${seconds(pipelineStats.wall.median / reference)} per 1,000; ${describePeak(pipelineRuns)}`,
        budget: `— (no budget; validate's is ≤ ${seconds(reference)})`,
      });
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  for (const command of ['plan', 'pipeline'] as const) {
    const small = measured[command].get(1_000);
    const large = measured[command].get(10_000);
    if (!small || !large) continue;
    rows.push(memoryRow(`mlsteps ${command}`, { n: 10_000, runs: large }, { n: 1_000, runs: small }));
    const s = runStats(small);
    const l = runStats(large);
    // CPU time too: on a loaded machine it shows the growth better than wall time does.
    const cpu = s.cpu && l.cpu ? `; CPU ×${(l.cpu.median / s.cpu.median).toFixed(1)}` : '';
    rows.push({
      what: `reference: \`mlsteps ${command}\` scaling 1,000 → 10,000 (CLI medians)`,
      measured: `wall ×${(l.wall.median / s.wall.median).toFixed(1)} for ×10 run configs, marginal ${seconds((l.wall.median - s.wall.median) / 9)} per extra 1,000${cpu}`,
      budget: '—',
    });
  }
  return rows;
}

/** The steps the profiles select, with everything they need, transitively. */
function profileClosure(project: GeneratedProject, steps: readonly PlannedStep[], profiles: readonly string[]): Set<string> {
  const spec = parse(readFileSync(path.join(project.dir, 'mlsteps.yml'), 'utf8')) as { profiles?: Record<string, string[]> };
  const needs = new Map(steps.map((s) => [s.name, s.needs]));
  const selected = new Set<string>();
  const stack = profiles.flatMap((p) => spec.profiles?.[p] ?? []);
  if (stack.length === 0) throw new BenchError(`the generated project at ${project.dir} has no ${profiles.join(' or ')} profile`);
  while (stack.length > 0) {
    const name = stack.pop()!;
    if (selected.has(name)) continue;
    selected.add(name);
    stack.push(...(needs.get(name) ?? []));
  }
  return selected;
}

/** The written pipeline must hold the Validate stage and one job per selected step, nothing else. */
function checkPipeline(text: string, expectedJobs: ReadonlySet<string>, project: GeneratedProject): void {
  const pipeline = parse(text, { maxAliasCount: -1 }) as { stages?: { stage: string; jobs?: { job: string }[] }[] };
  const stages = pipeline.stages ?? [];
  const jobs = stages.filter((s) => s.stage !== 'Validate').flatMap((s) => (s.jobs ?? []).map((j) => j.job));
  const written = new Set(jobs);
  const missing = [...expectedJobs].filter((j) => !written.has(j));
  if (stages[0]?.stage !== 'Validate' || jobs.length !== expectedJobs.size || missing.length > 0) {
    throw new BenchError(
      `mlsteps pipeline ${project.dir} wrote ${stages.length} stages (first ${stages[0]?.stage ?? 'none'}) and ${jobs.length} jobs; ` +
        `expected the Validate stage and ${expectedJobs.size} jobs${missing.length ? `, missing ${missing.slice(0, 5).join(', ')}` : ''}`,
    );
  }
}
