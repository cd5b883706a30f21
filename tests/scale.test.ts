// Issue 6, scale: `mlsteps validate`, `plan` and `pipeline` on a generated project of 1,000 run
// configurations (bench/generate.ts: shared catalogs of computes, environments and datasets, six
// conda files, `extends` variants, `needs` across stages with output and best-trial bindings, pr
// and full profiles) succeed, and what they print is right. No timing is asserted (timings are
// for `npm run bench`, which runs the same commands on 10,000); the one memory check has a wide
// margin: the budget for 10,000 run configurations, 512 MB, held at 1,000 (they take ~150 MB).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { parse } from 'yaml';
import { generateProject, type GeneratedProject } from '../bench/generate';
import { CLI, PROJECT_ROOT } from './helpers/cli';
import { pipelineSchema } from './helpers/pipeline-schema';

const RUN_CONFIGS = 1_000;
const MEMORY_BOUND_BYTES = 512e6;
const MAX_RSS_PRELOAD = path.join(PROJECT_ROOT, 'bench', 'max-rss.cjs');

interface PlannedStep {
  name: string;
  stage: string;
  needs: string[];
  type: 'command' | 'sweep' | 'spark';
  file: string;
  compute: { kind: string; name: string };
  environment: { kind: string; name?: string; condaFile?: string; conda?: string; reference?: string };
  inputs: Record<string, { kind: string; step?: string; parameter?: string; output?: string; dataset?: string }>;
  outputs: Record<string, unknown>;
  sweep?: { searchSpace: Record<string, unknown> };
  fingerprint: string;
}
interface PlanJson {
  stages: string[];
  steps: PlannedStep[];
  stageConflicts?: unknown[];
}
interface PipelineYaml {
  stages: { stage: string; dependsOn?: string[] | string; jobs: { job: string; dependsOn?: string[] }[] }[];
}

let project: GeneratedProject;
let scratch: string;

before(() => {
  project = generateProject(RUN_CONFIGS);
  scratch = mkdtempSync(path.join(os.tmpdir(), 'mlsteps-scale-test-'));
});
after(() => {
  project?.cleanup();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** The built CLI, with its peak RSS (bench/max-rss.cjs writes it at exit), in bytes. */
function mlsteps(args: string[]): { code: number | null; stdout: string; stderr: string; maxRss: number } {
  const rssFile = path.join(scratch, `maxrss-${args[0]}`);
  const r = spawnSync(process.execPath, ['--require', MAX_RSS_PRELOAD, CLI, ...args], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    timeout: 180_000,
    env: { ...process.env, MLSTEPS_BENCH_MAXRSS_FILE: rssFile },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, maxRss: Number(readFileSync(rssFile, 'utf8')) * 1024 };
}

let planned: PlanJson | undefined;
/** `mlsteps plan --format json` of the whole project, run once for the tests that read it. */
function wholePlan(): PlanJson {
  if (!planned) {
    const r = mlsteps(['plan', project.dir, '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    planned = JSON.parse(r.stdout) as PlanJson;
  }
  return planned;
}

const isVariant = (name: string) => /_(subset|small)_\d{5}$/.test(name);

function profiles(): Record<string, string[]> {
  return (parse(readFileSync(path.join(project.dir, 'mlsteps.yml'), 'utf8')) as { profiles: Record<string, string[]> }).profiles;
}

/** The profiles' run configurations and everything they need, transitively. */
function closure(steps: readonly PlannedStep[], roots: readonly string[]): Set<string> {
  const needs = new Map(steps.map((s) => [s.name, s.needs]));
  const out = new Set<string>();
  const stack = [...roots];
  while (stack.length > 0) {
    const name = stack.pop()!;
    if (out.has(name)) continue;
    out.add(name);
    stack.push(...(needs.get(name) ?? []));
  }
  return out;
}

test(`validate: ${RUN_CONFIGS.toLocaleString('en-US')} run configurations sharing catalogs, clean`, (t) => {
  const r = mlsteps(['validate', project.dir, '--format', 'json']);
  t.diagnostic(`peak RSS ${(r.maxRss / 1e6).toFixed(0)} MB`);
  assert.equal(r.code, 0, r.stdout.slice(0, 2000) + r.stderr);
  const result = JSON.parse(r.stdout) as { ok: boolean; files: string[]; diagnostics: unknown[]; runConfigs: { name: string; file: string }[] };
  assert.equal(result.ok, true);
  assert.deepEqual(result.diagnostics, []);
  assert.equal(result.runConfigs.length, RUN_CONFIGS);
  assert.equal(new Set(result.runConfigs.map((rc) => rc.name)).size, RUN_CONFIGS, 'names are unique');
  // Every run configuration is named after its file, in its team's folder.
  for (const rc of result.runConfigs) assert.equal(rc.file, `runconfigs/${rc.name.slice(0, 7)}/${rc.name}.yml`);
  assert.ok(result.files.includes('mlsteps.yml'));
  assert.ok(r.maxRss < MEMORY_BOUND_BYTES, `peak RSS ${r.maxRss} bytes`);
});

test('plan: every run configuration becomes a step, after the steps it needs, resolved against the catalogs', (t) => {
  const plan = wholePlan();
  const { steps } = plan;
  assert.equal(steps.length, RUN_CONFIGS);
  assert.deepEqual(plan.stages, ['prep', 'profile', 'validate', 'tune', 'train', 'score']);
  assert.equal(plan.stageConflicts, undefined, 'needs only point to the same or an earlier stage');

  // The generator's mix, as the plan sees it.
  const byType = (type: string) => steps.filter((s) => s.type === type).length;
  assert.deepEqual({ command: byType('command'), sweep: byType('sweep'), spark: byType('spark') }, { command: project.mix.command, sweep: project.mix.sweep, spark: project.mix.spark });
  assert.equal(steps.filter((s) => isVariant(s.name)).length, project.mix.extends);
  assert.equal(steps.filter((s) => !isVariant(s.name) && s.needs.length > 0).length, project.mix.needs);

  const position = new Map(steps.map((s, i) => [s.name, i]));
  const byName = new Map(steps.map((s) => [s.name, s]));
  const stageIndex = (stage: string) => plan.stages.indexOf(stage);
  let bestBindings = 0;
  let crossStage = 0;
  for (const step of steps) {
    assert.match(step.fingerprint, /^[0-9a-f]{64}$/);
    for (const need of step.needs) {
      assert.ok(position.get(need)! < position.get(step.name)!, `${step.name} comes after ${need}`);
      assert.ok(stageIndex(byName.get(need)!.stage) <= stageIndex(step.stage), `${step.name} (${step.stage}) needs ${need} of a later stage`);
      if (byName.get(need)!.stage !== step.stage) crossStage++;
    }
    for (const [input, bound] of Object.entries(step.inputs)) {
      if (bound.kind === 'output') {
        assert.ok(step.needs.includes(bound.step!), `${step.name}.${input} binds an output of a step it needs`);
        assert.ok(bound.output! in byName.get(bound.step!)!.outputs, `${bound.step} has an output ${bound.output}`);
      } else if (bound.kind === 'best') {
        bestBindings++;
        const sweep = byName.get(bound.step!)!;
        assert.equal(sweep.type, 'sweep');
        assert.ok(bound.parameter! in sweep.sweep!.searchSpace, `${bound.step} searches ${bound.parameter}`);
      } else if (bound.kind === 'dataset') {
        assert.ok(['entire', 'subset', 'holdout', 'events'].includes(bound.dataset!), `${step.name}.${input}: dataset ${bound.dataset}`);
      }
    }
    // Catalog environments resolve to their conda file's text; azureml:…@latest stays a reference.
    if (step.environment.kind === 'conda') {
      assert.match(step.environment.condaFile ?? '', /^environments\/\w+\.yml$/);
      assert.match(step.environment.conda ?? '', /^dependencies:\n {2}- python=3\.10$/m);
    } else assert.match(step.environment.reference ?? '', /^azureml:[\w-]+@latest$/);
    if (step.type === 'spark') assert.deepEqual([step.compute.kind, step.compute.name], ['catalog', 'spark-pool'], step.name);
  }
  assert.ok(bestBindings > 0 && crossStage > 0, `the project binds best trials (${bestBindings}) and needs across stages (${crossStage})`);
  // A `*_subset` variant inherits its base and swaps in the subset.
  const subsets = steps.filter((s) => /_subset_\d{5}$/.test(s.name));
  assert.ok(subsets.length > 0);
  for (const s of subsets) assert.equal(s.inputs.data?.dataset, 'subset', s.name);
  t.diagnostic(`${steps.length} steps, ${crossStage} needs across stages, ${bestBindings} best-trial bindings`);
});

test('plan --profile pr: the profile and everything it needs, fingerprinted as in the whole plan', () => {
  const whole = wholePlan();
  const r = mlsteps(['plan', project.dir, '--profile', 'pr', '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const pr = JSON.parse(r.stdout) as PlanJson;
  const expected = closure(whole.steps, profiles().pr);
  assert.deepEqual(new Set(pr.steps.map((s) => s.name)), expected);
  const fingerprints = new Map(whole.steps.map((s) => [s.name, s.fingerprint]));
  for (const s of pr.steps) assert.equal(s.fingerprint, fingerprints.get(s.name), s.name);
});

test('pipeline: a Validate stage, then one stage per step kind, a job per step of the pr and full profiles', (t) => {
  const output = path.join(scratch, 'azure-pipelines.yml');
  const r = mlsteps(['pipeline', project.dir, '--output', output]);
  t.diagnostic(`peak RSS ${(r.maxRss / 1e6).toFixed(0)} MB`);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^wrote /m);
  const text = readFileSync(output, 'utf8');
  assert.match(text, /--profile pr --profile full/);
  const pipeline = parse(text, { maxAliasCount: -1 }) as PipelineYaml;
  const stages = pipeline.stages;
  assert.equal(stages.length, 7);
  assert.equal(stages[0].stage, 'Validate');

  const { steps } = wholePlan();
  const defined = profiles();
  const expected = closure(steps, [...defined.pr, ...defined.full]);
  const stageOfJob = new Map<string, string>();
  for (const stage of stages.slice(1)) for (const job of stage.jobs) stageOfJob.set(job.job, stage.stage);
  assert.deepEqual(new Set(stageOfJob.keys()), expected);
  assert.ok(expected.size > RUN_CONFIGS / 2, `the full profile runs most steps (${expected.size})`);

  // Jobs wait for the jobs of their stage they need; stages wait for the stages they need.
  const stageDeps = new Map(stages.map((s) => [s.stage, typeof s.dependsOn === 'string' ? [s.dependsOn] : (s.dependsOn ?? [])]));
  const reaches = (from: string, to: string): boolean => from === to || stageDeps.get(from)!.some((d) => reaches(d, to));
  const byName = new Map(steps.map((s) => [s.name, s]));
  for (const stage of stages.slice(1)) {
    assert.ok(reaches(stage.stage, 'Validate'), `${stage.stage} runs after Validate`);
    for (const job of stage.jobs) {
      for (const dep of job.dependsOn ?? []) assert.equal(stageOfJob.get(dep), stage.stage, `${job.job} depends on ${dep} of its own stage`);
      for (const need of byName.get(job.job)!.needs) {
        assert.ok(reaches(stage.stage, stageOfJob.get(need)!), `${job.job} (${stage.stage}) runs after ${need} (${stageOfJob.get(need)})`);
        if (stageOfJob.get(need) === stage.stage) assert.ok(job.dependsOn?.includes(need), `${job.job} depends on ${need}`);
      }
    }
  }
  assert.ok(r.maxRss < MEMORY_BOUND_BYTES, `peak RSS ${r.maxRss} bytes`);

  const { schema, skip } = pipelineSchema();
  if (!schema) return t.skip(skip!);
  const check = schema.check(pipeline);
  assert.ok(check.ok, check.summary);
});
