// `mlsteps pipeline` (DESIGN §3.3): the generated azure-pipelines.yml validates against Azure
// DevOps' own schema extended with this extension's tasks, for the sample and for synthetic
// projects; its stages, jobs, dependencies and conditions are as designed; the output is
// deterministic; and the sample's committed pipeline is up to date.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { DEFAULT_SERVICE_CONNECTION, IDENTIFIER, pipelineCommand, type PipelineCommandOptions } from '../src/pipeline';
import { planProject } from '../src/plan';
import { projectRoot } from './helpers/fixtures';
import { pipelineSchema } from './helpers/pipeline-schema';
import { makeRepo, VALID_PROJECT, type Tree } from './helpers/project';

const SAMPLE = 'samples/credit-risk';
const SAMPLE_PIPELINE = `${SAMPLE}/azure-pipelines.yml`;
const SAMPLE_OPTIONS: PipelineCommandOptions = {
  path: SAMPLE,
  profiles: ['pr', 'full'],
  serviceConnection: DEFAULT_SERVICE_CONNECTION,
  output: SAMPLE_PIPELINE,
  cwd: projectRoot,
};

interface Job {
  job: string;
  displayName: string;
  dependsOn?: string[];
  condition?: string;
  steps: { task: string; displayName?: string; inputs: Record<string, string> }[];
}
interface Stage {
  stage: string;
  displayName: string;
  dependsOn: string[];
  condition?: string;
  jobs: Job[];
}
interface Pipeline {
  trigger: unknown;
  pr: unknown;
  parameters: { name: string; type: string; default: string }[];
  variables?: Record<string, string>;
  pool: unknown;
  stages: Stage[];
}

/** Runs `pipelineCommand` in memory: what it printed, and the files it would have written. */
export async function runPipelineCommand(options: PipelineCommandOptions) {
  let stdout = '';
  let stderr = '';
  const files = new Map<string, string>();
  const code = await pipelineCommand(options, {
    out: (s) => (stdout += s),
    err: (s) => (stderr += s),
    writeFile: (file, text) => files.set(file, text),
  });
  return { code, stdout, stderr, files };
}

/** Generates to standard output and parses; fails the test on a non-zero exit. */
async function generated(options: PipelineCommandOptions): Promise<{ text: string; pipeline: Pipeline; stderr: string }> {
  const r = await runPipelineCommand({ ...options, output: undefined });
  assert.equal(r.code, 0, `mlsteps pipeline exited ${r.code}:\n${r.stderr}`);
  return { text: r.stdout, pipeline: parse(r.stdout) as Pipeline, stderr: r.stderr };
}

function assertSchemaValid(t: { skip: (m: string) => void }, text: string, what: string): boolean {
  const { schema, skip } = pipelineSchema();
  if (!schema) {
    t.skip(skip!);
    return false;
  }
  const r = schema.check(text);
  assert.ok(r.ok, `${what} does not validate against service-schema.json:\n${r.summary}\n\n${text}`);
  return true;
}

const stage = (p: Pipeline, id: string) => {
  const s = p.stages.find((x) => x.stage === id);
  assert.ok(s, `no stage ${id} in ${p.stages.map((x) => x.stage).join(', ')}`);
  return s;
};
const job = (p: Pipeline, id: string) => {
  const j = p.stages.flatMap((s) => s.jobs).find((x) => x.job === id);
  assert.ok(j, `no job ${id}`);
  return j;
};
const PR = "eq(variables['Build.Reason'], 'PullRequest')";
const MAIN = "eq(variables['Build.SourceBranch'], 'refs/heads/main')";

/** Identifiers are valid, unique without regard to case, and every dependsOn names one. */
function assertWellFormed(p: Pipeline) {
  const stageIds = p.stages.map((s) => s.stage);
  assert.equal(new Set(stageIds.map((s) => s.toLowerCase())).size, stageIds.length, `stage names clash: ${stageIds}`);
  assert.equal(stageIds[0], 'Validate');
  for (const [i, s] of p.stages.entries()) {
    assert.match(s.stage, IDENTIFIER);
    for (const d of s.dependsOn) assert.ok(stageIds.slice(0, i).includes(d), `stage ${s.stage} depends on ${d}, which is not an earlier stage`);
    const jobIds = s.jobs.map((j) => j.job);
    assert.equal(new Set(jobIds.map((j) => j.toLowerCase())).size, jobIds.length, `job names clash in ${s.stage}: ${jobIds}`);
    for (const [k, j] of s.jobs.entries()) {
      assert.match(j.job, IDENTIFIER);
      for (const d of j.dependsOn ?? []) assert.ok(jobIds.slice(0, k).includes(d), `job ${j.job} depends on ${d}, not an earlier job of ${s.stage}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The sample

test('samples/credit-risk/azure-pipelines.yml is what `mlsteps pipeline` generates now', async () => {
  const r = await runPipelineCommand(SAMPLE_OPTIONS);
  assert.equal(r.code, 0, r.stderr);
  const fresh = r.files.get(path.join(projectRoot, SAMPLE_PIPELINE));
  assert.ok(fresh, `nothing written to ${SAMPLE_PIPELINE}`);
  const command = /^# {3}(mlsteps pipeline .*)$/m.exec(fresh)?.[1];
  assert.ok(command, 'the header names the command that regenerates the file');
  const regenerate = `npm run build && ${command.replace(/^mlsteps /, 'node bin/mlsteps.js ')}`;
  let committed: string | undefined;
  try {
    committed = readFileSync(path.join(projectRoot, SAMPLE_PIPELINE), 'utf8');
  } catch {
    assert.fail(`${SAMPLE_PIPELINE} is missing; generate it (from the repository root) with:\n  ${regenerate}`);
  }
  assert.ok(committed === fresh, `${SAMPLE_PIPELINE} is out of date; regenerate it (from the repository root) with:\n  ${regenerate}`);
});

test("the sample's pipeline validates against Azure DevOps' schema with the extension's tasks", async (t) => {
  const { text } = await generated(SAMPLE_OPTIONS);
  assertSchemaValid(t, text, SAMPLE_PIPELINE);
});

test('the pipeline YAML the README gives users to paste, and the one in docs/tasks.md, validate with the tasks\' real inputs', (t) => {
  const readme = readFileSync(path.join(projectRoot, 'README.md'), 'utf8');
  const pasted = /## In your pipeline[\s\S]*?```yaml\n([\s\S]*?)```/.exec(readme);
  assert.ok(pasted, 'README.md has a YAML block under "In your pipeline"');
  if (!assertSchemaValid(t, pasted[1], 'the README pipeline')) return;
  assert.match(pasted[1], /MLStepsValidate@1[\s\S]*MLStepsRun@1/);
  const tasksDoc = readFileSync(path.join(projectRoot, 'docs', 'tasks.md'), 'utf8');
  const runExample = /## MLStepsRun@1[\s\S]*?```yaml\n([\s\S]*?)```/.exec(tasksDoc);
  assert.ok(runExample, 'docs/tasks.md has an MLStepsRun@1 example');
  assertSchemaValid(t, `steps:\n${runExample[1].replace(/^/gm, '  ')}`, 'the MLStepsRun@1 example of docs/tasks.md');
});

test("the sample's pipeline: a Validate stage, then a stage per step kind in graph order, a job per run configuration", async () => {
  const { pipeline: p } = await generated(SAMPLE_OPTIONS);
  assertWellFormed(p);
  // `validate` (the sample's data validation step kind) cannot be called Validate as well.
  assert.deepEqual(p.stages.map((s) => s.stage), ['Validate', 'prep', 'profile', 'validate_step', 'tune', 'train']);
  assert.deepEqual(p.stages.map((s) => s.displayName), ['Validate run configurations', 'prep', 'profile', 'validate', 'tune', 'train']);
  const jobs = Object.fromEntries(p.stages.map((s) => [s.stage, s.jobs.map((j) => j.job).sort()]));
  assert.deepEqual(jobs, {
    Validate: ['Validate'],
    prep: ['data_preparation', 'data_preparation_subset'],
    profile: ['data_profiling'],
    validate_step: ['data_validation'],
    tune: ['sklearn_subset'],
    train: ['fullmodel_step', 'sklearn_full'],
  });

  const validate = stage(p, 'Validate');
  assert.deepEqual(validate.dependsOn, []);
  assert.equal(validate.condition, undefined, 'Validate runs on every build');
  assert.deepEqual(validate.jobs[0].steps, [{ task: 'MLStepsValidate@1', displayName: 'Validate run configurations', inputs: { project: SAMPLE } }]);

  // Stage dependsOn: Validate, and the stages of the steps needed (transitively).
  assert.deepEqual(stage(p, 'prep').dependsOn, ['Validate']);
  assert.deepEqual(stage(p, 'profile').dependsOn, ['Validate', 'prep']);
  assert.deepEqual(stage(p, 'validate_step').dependsOn, ['Validate', 'prep']);
  assert.deepEqual(stage(p, 'tune').dependsOn, ['Validate', 'prep']);
  assert.deepEqual(stage(p, 'train').dependsOn, ['Validate', 'prep', 'tune']);
  // Jobs depend only on jobs of their own stage; the sample's needs all cross stages.
  for (const s of p.stages) for (const j of s.jobs) assert.equal(j.dependsOn, undefined, `${j.job} dependsOn`);

  // The pr profile on pull requests, the full profile on main, data_preparation_subset,
  // data_validation and sklearn_subset (in both) on either.
  const both = `and(succeeded(), or(${PR}, ${MAIN}))`;
  assert.equal(job(p, 'data_preparation_subset').condition, both);
  assert.equal(job(p, 'data_validation').condition, both);
  assert.equal(job(p, 'sklearn_subset').condition, both);
  for (const name of ['data_preparation', 'data_profiling', 'sklearn_full', 'fullmodel_step']) assert.equal(job(p, name).condition, `and(succeeded(), ${MAIN})`, name);

  // A stage that runs only on main is skipped on pull requests, and that fails nothing after it.
  const train = stage(p, 'train').condition!;
  assert.match(train, /not\(canceled\(\)\)/);
  assert.ok(train.includes("in(dependencies.Validate.result, 'Succeeded', 'SucceededWithIssues')"), train);
  assert.ok(train.includes("in(dependencies.tune.result, 'Succeeded', 'SucceededWithIssues', 'Skipped')"), train);
  assert.ok(train.includes(MAIN) && !train.includes(PR), train);
  assert.ok(stage(p, 'profile').condition!.includes(MAIN));

  // The service connection is a parameter; the workspace comes from mlsteps.yml, as variables.
  assert.deepEqual(p.parameters, [{ name: 'azureSubscription', displayName: 'Azure Resource Manager service connection', type: 'string', default: DEFAULT_SERVICE_CONNECTION }]);
  assert.deepEqual(p.variables, { resourceGroup: 'ml-rg', workspace: 'ml-ws' });
  assert.deepEqual(p.trigger, { branches: { include: ['main'] } });
  assert.deepEqual(p.pr, { branches: { include: ['main'] } });
  assert.deepEqual(p.pool, { vmImage: 'ubuntu-latest' });

  const full = job(p, 'sklearn_full');
  assert.equal(full.displayName, 'sklearn_full (compute cpu-cluster, environment sklearn)');
  // Each Azure ML step runs with the extension's own task, with its real inputs.
  const run = full.steps.find((s) => s.task === 'MLStepsRun@1')!;
  assert.deepEqual(run.inputs, { azureSubscription: '${{ parameters.azureSubscription }}', resourceGroup: '$(resourceGroup)', workspace: '$(workspace)', project: SAMPLE, step: 'sklearn_full' });
  assert.equal(job(p, 'data_preparation').displayName, 'data_preparation (compute spark-cluster, environment data-prep)');
});

// ---------------------------------------------------------------------------------------------
// The schema check can fail

test('the schema check fails on a misspelled or missing input of MLStepsValidate@1, and on an unknown task', async (t) => {
  const { schema, skip } = pipelineSchema();
  if (!schema) return t.skip(skip!);
  t.diagnostic(`service-schema.json (extended) compiled in ${schema.compileMs.toFixed(0)} ms`);
  const { pipeline } = await generated(SAMPLE_OPTIONS);
  const withValidateStep = (step: unknown) => {
    const copy = structuredClone(pipeline);
    copy.stages[0].jobs[0].steps = [step as Job['steps'][0]];
    return schema.check(copy);
  };
  // The same pipeline with correct inputs passes, also with the optional ones.
  assert.ok(withValidateStep({ task: 'MLStepsValidate@1', inputs: { project: SAMPLE } }).ok);
  const optional = withValidateStep({ task: 'MLStepsValidate@1', inputs: { project: SAMPLE, failOnWarnings: true, publishTestResults: false } });
  assert.ok(optional.ok, optional.summary);

  const misspelled = withValidateStep({ task: 'MLStepsValidate@1', inputs: { projct: SAMPLE } });
  assert.equal(misspelled.ok, false, 'a misspelled input must fail the check');
  assert.ok(
    misspelled.errors.some((e) => e.keyword === 'additionalProperties' && (e.params as { additionalProperty: string }).additionalProperty === 'projct'),
    misspelled.summary,
  );
  assert.match(misspelled.summary, /"projct"/);

  const missing = withValidateStep({ task: 'MLStepsValidate@1' });
  assert.equal(missing.ok, false, 'the required input `project` must be given');
  const wrongType = withValidateStep({ task: 'MLStepsValidate@1', inputs: { project: SAMPLE, failOnWarnings: 'sometimes' } });
  assert.equal(wrongType.ok, false, 'a boolean input takes a boolean');
  const unknownTask = withValidateStep({ task: 'MLStepsValidat@1', inputs: { project: SAMPLE } });
  assert.equal(unknownTask.ok, false, 'an unknown task name must fail the check');
  const wrongMajor = withValidateStep({ task: 'MLStepsValidate@2', inputs: { project: SAMPLE } });
  assert.equal(wrongMajor.ok, false, 'a task major version that does not exist must fail the check');
});

test('the schema check fails on a misspelled key of the pipeline and of a built-in task', async (t) => {
  const { schema, skip } = pipelineSchema();
  if (!schema) return t.skip(skip!);
  const { pipeline } = await generated(SAMPLE_OPTIONS);

  const stageKey = structuredClone(pipeline) as unknown as { stages: Record<string, unknown>[] };
  stageKey.stages[1].dependOn = stageKey.stages[1].dependsOn;
  delete stageKey.stages[1].dependsOn;
  const r1 = schema.check(stageKey);
  assert.equal(r1.ok, false, 'a stage with `dependOn` must fail');
  assert.match(r1.summary, /"dependOn"/);

  // A built-in task with a misspelled input, added to a job.
  const taskInput = structuredClone(pipeline);
  taskInput.stages[1].jobs[0].steps.push({ task: 'AzureCLI@2', inputs: { azureSubscription: 'x', scriptTyp: 'bash', scriptLocation: 'inlineScript', inlineScript: 'echo' } });
  const r2 = schema.check(taskInput);
  assert.equal(r2.ok, false, 'AzureCLI@2 with `scriptTyp` must fail');
  assert.match(r2.summary, /"scriptTyp"/);

  // This extension's run task with a misspelled input.
  const runInput = structuredClone(pipeline);
  const run = runInput.stages[1].jobs[0].steps.find((s) => s.task === 'MLStepsRun@1')!;
  run.inputs.stp = run.inputs.step;
  delete run.inputs.step;
  const r3 = schema.check(runInput);
  assert.equal(r3.ok, false, 'MLStepsRun@1 with `stp` must fail');
  assert.match(r3.summary, /"stp"/);

  const topLevel = { ...pipeline, tigger: pipeline.trigger };
  assert.equal(schema.check(topLevel).ok, false, 'a top-level `tigger` must fail');
});

// ---------------------------------------------------------------------------------------------
// Synthetic projects

const PROJECT_HEAD = (VALID_PROJECT['mlsteps.yml'] as string).replace(/profiles:[\s\S]*$/, '');

/** A run configuration of the synthetic projects: trains on the subset, on `cpu`. */
function rc(o: { name?: string; step?: string; needs?: string[]; compute?: string } = {}): string {
  return [
    o.name ? `name: ${o.name}` : '',
    o.step ? `step: ${o.step}` : '',
    o.needs?.length ? `needs: [${o.needs.join(', ')}]` : '',
    'code: ../src',
    'command: python train.py --data ${{inputs.data}} --model ${{outputs.model}}',
    'environment: sk',
    `compute: ${o.compute ?? 'cpu'}`,
    'inputs:',
    '  data: {dataset: subset}',
    'outputs:',
    '  model: {type: uri_folder}',
  ]
    .filter(Boolean)
    .join('\n') + '\n';
}

/** A project (in `folder` of a fresh repository) with these run configurations and profiles. */
function synthetic(runconfigs: Record<string, string>, profiles?: Record<string, string[]>, folder = ''): Tree {
  const prefix = folder ? `${folder}/` : '';
  const tree: Tree = {};
  for (const [file, content] of Object.entries(VALID_PROJECT)) if (!file.startsWith('runconfigs/') && file !== 'mlsteps.yml') tree[prefix + file] = content;
  const profileText = profiles ? `profiles:\n${Object.entries(profiles).map(([k, v]) => `  ${k}: [${v.join(', ')}]`).join('\n')}\n` : '';
  tree[`${prefix}mlsteps.yml`] = PROJECT_HEAD + profileText;
  for (const [file, content] of Object.entries(runconfigs)) tree[`${prefix}runconfigs/${file}.yml`] = content;
  return tree;
}

/** The synthetic projects: each shape, and the options it is generated with. */
const SHAPES: Record<string, { tree: Tree; options?: PipelineCommandOptions }> = {
  'a single step': { tree: synthetic({ train: rc() }, { pr: ['train'] }), options: { profiles: ['pr'] } },
  'cross-stage needs': {
    tree: synthetic(
      {
        prep_small: rc({ step: 'prep' }),
        prep_all: rc({ step: 'prep' }),
        features: rc({ step: 'prep', needs: ['prep_all'] }),
        tune: rc({ step: 'tune', needs: ['prep_small'] }),
        model: rc({ step: 'train', needs: ['features', 'tune'] }),
        report: rc({ step: 'evaluate', needs: ['model'] }),
        // A main-only stage before a stage that runs on pull requests too.
        stats: rc({ step: 'profile', needs: ['prep_all'] }),
        tune_full: rc({ step: 'tune', needs: ['stats'] }),
      },
      { pr: ['tune'], full: ['report', 'tune_full'] },
      'ml/credit',
    ),
    // No --profile: the project's pr and full profiles.
    options: { path: 'ml/credit', serviceConnection: 'prod-arm' },
  },
  'names with dashes': {
    tree: synthetic({
      'my-step': rc({ step: 'my-stage' }),
      my_step: rc({ step: 'my-stage', needs: ['my-step'] }),
      '3d.model': rc({ step: 'my-stage', needs: ['my_step'] }),
      'check-it': rc({ step: 'validate' }),
    }),
  },
  'no profiles': { tree: synthetic({ a: rc({ step: 'prep' }), b: rc({ needs: ['a'] }) }) },
  'a step on the agent': { tree: synthetic({ check: rc({ step: 'validate', compute: 'local' }), train: rc({ needs: ['check'] }) }) },
};

/** Generates the pipeline of a synthetic project shape, in a fresh repository. */
async function shape(name: keyof typeof SHAPES & string): Promise<{ text: string; pipeline: Pipeline; stderr: string; dir: string }> {
  const { tree, options } = SHAPES[name];
  return withRepo(tree, async (dir) => ({ ...(await generated({ ...options, cwd: dir })), dir }));
}

test('every synthetic pipeline validates against the extended schema', async (t) => {
  for (const name of Object.keys(SHAPES)) {
    await t.test(name, async (st) => {
      const { text } = await shape(name);
      assertSchemaValid(st, text, `the pipeline of "${name}"`);
    });
  }
});

async function withRepo<T>(tree: Tree, fn: (dir: string) => Promise<T>): Promise<T> {
  const repo = makeRepo(tree);
  try {
    return await fn(repo.dir);
  } finally {
    repo.cleanup();
  }
}

test('a step on compute local runs with MLStepsRun@1 on the agent: no service connection, no workspace', async () => {
  const { pipeline: p, text } = await shape('a step on the agent');
  assertWellFormed(p);
  const check = job(p, 'check').steps;
  assert.deepEqual(check, [{ task: 'MLStepsRun@1', displayName: 'Run check on the agent', inputs: { project: '.', step: 'check' } }]);
  assert.equal(job(p, 'train').steps[0].inputs.azureSubscription, '${{ parameters.azureSubscription }}');
  assert.doesNotMatch(text, /npx|AzureCLI@2|NodeTool@0/, 'nothing outside the extension is needed');
});

test('a single step: Validate, then one stage with one job that runs on every build', async () => {
  const { text, pipeline: p, dir } = await shape('a single step');
  assertWellFormed(p);
  assert.deepEqual(p.stages.map((s) => s.stage), ['Validate', 'train']);
  const train = stage(p, 'train');
  assert.deepEqual(train.dependsOn, ['Validate']);
  assert.deepEqual(train.jobs.map((j) => j.job), ['train']);
  assert.equal(train.jobs[0].condition, undefined, 'one profile runs on every build');
  assert.ok(!train.condition!.includes('Build.Reason') && !train.condition!.includes('Build.SourceBranch'), train.condition);
  assert.equal(stage(p, 'Validate').jobs[0].steps[0].inputs.project, '.', 'the project is the repository root');
  assert.ok(!text.includes(dir), 'no absolute path of this machine in the pipeline');
  assert.match(text, /^# {3}mlsteps pipeline \. --profile pr --service-connection azure-ml$/m);
});

test('cross-stage needs: stage dependsOn (with Validate), job dependsOn within a stage, per-trigger conditions', async () => {
  const { text, pipeline: p } = await shape('cross-stage needs');
  assertWellFormed(p);
  assert.deepEqual(p.stages.map((s) => s.stage), ['Validate', 'prep', 'profile', 'tune', 'train', 'evaluate']);
  assert.deepEqual(stage(p, 'profile').dependsOn, ['Validate', 'prep']);
  assert.deepEqual(stage(p, 'tune').dependsOn, ['Validate', 'prep', 'profile']);
  assert.deepEqual(stage(p, 'train').dependsOn, ['Validate', 'prep', 'profile', 'tune']);
  // evaluate needs only train's model, but also waits for (and checks) the stages upstream of it.
  assert.deepEqual(stage(p, 'evaluate').dependsOn, ['Validate', 'prep', 'profile', 'tune', 'train']);
  // tune runs on pull requests although profile, which it depends on, does not.
  assert.ok(stage(p, 'tune').condition!.includes(`or(${PR}, ${MAIN})`));
  assert.ok(stage(p, 'tune').condition!.includes("in(dependencies.profile.result, 'Succeeded', 'SucceededWithIssues', 'Skipped')"));
  assert.equal(job(p, 'tune_full').dependsOn, undefined);
  assert.deepEqual(job(p, 'features').dependsOn, ['prep_all']);
  assert.equal(job(p, 'model').dependsOn, undefined, "model's needs are in other stages");
  assert.equal(job(p, 'prep_small').condition, `and(succeeded(), or(${PR}, ${MAIN}))`);
  assert.equal(job(p, 'tune').condition, `and(succeeded(), or(${PR}, ${MAIN}))`);
  for (const name of ['prep_all', 'features', 'model', 'report', 'stats', 'tune_full']) assert.equal(job(p, name).condition, `and(succeeded(), ${MAIN})`, name);
  assert.ok(stage(p, 'train').condition!.includes(MAIN) && !stage(p, 'train').condition!.includes(PR));
  assert.equal(p.parameters[0].default, 'prod-arm');
  assert.equal(stage(p, 'Validate').jobs[0].steps[0].inputs.project, 'ml/credit');
  assert.match(text, /^# {3}mlsteps pipeline ml\/credit --profile pr --profile full --service-connection prod-arm$/m);
});

test('names with dashes, dots or a leading digit become identifiers; display names keep them', async () => {
  const { pipeline: p } = await shape('names with dashes');
  assertWellFormed(p);
  assert.deepEqual(p.stages.map((s) => s.stage), ['Validate', 'validate_step', 'my_stage']);
  const s = stage(p, 'my_stage');
  assert.equal(s.displayName, 'my-stage');
  assert.deepEqual(s.jobs.map((j) => [j.job, j.displayName.split(' ')[0], j.dependsOn]), [
    ['my_step', 'my-step', undefined],
    ['my_step_2', 'my_step', ['my_step']],
    ['_3d_model', '3d.model', ['my_step_2']],
  ]);
  assert.equal(job(p, '_3d_model').steps[0].inputs.step, '3d.model');
});

test('a project without profiles: one plan of everything, on pull requests and on main alike', async () => {
  const { text, pipeline: p, stderr } = await shape('no profiles');
  assertWellFormed(p);
  assert.equal(stderr, '');
  assert.deepEqual(p.stages.map((s) => s.stage), ['Validate', 'prep', 'train']);
  for (const s of p.stages) for (const j of s.jobs) assert.equal(j.condition, undefined, `${j.job} runs on every build`);
  for (const s of p.stages.slice(1)) assert.ok(!/Build\.(Reason|SourceBranch)/.test(s.condition!), s.condition);
  assert.match(text, /^# Every build runs every run configuration\.$/m);
});

test('the output is deterministic; --main-branch sets the triggers and the main-branch conditions', async () => {
  const first = await generated(SAMPLE_OPTIONS);
  const second = await generated(SAMPLE_OPTIONS);
  assert.equal(first.text, second.text);
  const release = await generated({ ...SAMPLE_OPTIONS, mainBranch: 'release' });
  assert.deepEqual(release.pipeline.trigger, { branches: { include: ['release'] } });
  assert.equal(job(release.pipeline, 'sklearn_full').condition, "and(succeeded(), eq(variables['Build.SourceBranch'], 'refs/heads/release'))");
  assert.match(release.text, /--main-branch release/);
});

// ---------------------------------------------------------------------------------------------
// The command

test('pipelineCommand writes --output (creating its folder) or standard output', async () => {
  await withRepo(synthetic({ a: rc() }), async (dir) => {
    const r = await runPipelineCommand({ cwd: dir, output: 'ci/azure-pipelines.yml' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    const text = r.files.get(path.join(dir, 'ci', 'azure-pipelines.yml'));
    assert.ok(text);
    assert.match(text, /--output ci\/azure-pipelines\.yml$/m);
    assert.match(r.stderr, /wrote ci\/azure-pipelines\.yml/);
    const real = await pipelineCommand({ cwd: dir, output: 'ci/azure-pipelines.yml' }, { out: () => {}, err: () => {} });
    assert.equal(real, 0);
    assert.equal(readFileSync(path.join(dir, 'ci', 'azure-pipelines.yml'), 'utf8'), text);
  });
});

test('pipelineCommand: exit 2 for an unknown profile, more than two profiles, or a project with errors', async () => {
  await withRepo(synthetic({ a: rc() }, { pr: ['a'], full: ['a'] }), async (dir) => {
    const unknown = await runPipelineCommand({ cwd: dir, profiles: ['pr', 'ful'] });
    assert.equal(unknown.code, 2);
    assert.equal(unknown.stdout, '');
    assert.match(unknown.stderr, /ful/);

    const three = await runPipelineCommand({ cwd: dir, profiles: ['pr', 'full', 'nightly'] });
    assert.equal(three.code, 2);
    assert.match(three.stderr, /at most two/);
  });
  await withRepo(synthetic({ a: rc().replace('compute: cpu', 'compute: gpu') }), async (dir) => {
    const broken = await runPipelineCommand({ cwd: dir });
    assert.equal(broken.code, 2);
    assert.equal(broken.stdout, '');
    assert.match(broken.stderr, /runconfigs\/a\.yml:\d+:\d+: error MLS\d+/, 'diagnostics in text form, with file:line:column');
    assert.match(broken.stderr, /gpu/);
  });
});

test('a project that names no workspace: a warning, and the jobs leave the workspace to `mlsteps run`', async () => {
  const tree = synthetic({ a: rc() });
  tree['mlsteps.yml'] = (tree['mlsteps.yml'] as string).replace(/^workspace:.*\n/m, '');
  await withRepo(tree, async (dir) => {
    const { pipeline: p, stderr } = await generated({ cwd: dir });
    assert.match(stderr, /warning: the project names no resource group/);
    assert.equal(p.variables, undefined);
    const flags = await generated({ cwd: dir, resourceGroup: 'rg', workspace: 'ws', subscription: '00000000-0000-0000-0000-000000000000' });
    assert.deepEqual(flags.pipeline.variables, { subscriptionId: '00000000-0000-0000-0000-000000000000', resourceGroup: 'rg', workspace: 'ws' });
    // The run task takes the subscription from the service connection, the workspace from the variables.
    assert.equal(job(flags.pipeline, 'a').steps[0].inputs.resourceGroup, '$(resourceGroup)');
    assert.equal(job(flags.pipeline, 'a').steps[0].inputs.workspace, '$(workspace)');
    assert.equal(job(p, 'a').steps[0].inputs.workspace, undefined);
  });
});

// ---------------------------------------------------------------------------------------------
// What runs: the conditions evaluated the way Azure Pipelines evaluates them, build by build

type Result = 'Succeeded' | 'SucceededWithIssues' | 'Failed' | 'Canceled' | 'Skipped';
type Value = string | boolean | undefined;
type Expr = { call: string; args: Expr[] } | { literal: Value } | { ref: string[] };

/** Parses the expressions the generator writes: calls, 'strings', a.b.c and x['y'] references. */
function parseExpression(text: string): Expr {
  let i = 0;
  const ws = () => {
    while (/\s/.test(text[i] ?? '')) i++;
  };
  const expr = (): Expr => {
    ws();
    if (text[i] === "'") {
      let value = '';
      for (i++; ; i++) {
        if (i >= text.length) throw new Error(`unterminated string in ${text}`);
        if (text[i] === "'" && text[i + 1] === "'") {
          value += "'";
          i++;
        } else if (text[i] === "'") break;
        else value += text[i];
      }
      i++;
      return { literal: value };
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))?.[0];
    if (!name) throw new Error(`unexpected "${text.slice(i, i + 10)}" in ${text}`);
    i += name.length;
    ws();
    if (text[i] === '(') {
      i++;
      const args: Expr[] = [];
      ws();
      if (text[i] === ')') i++;
      else
        for (;;) {
          args.push(expr());
          ws();
          if (text[i] === ',') i++;
          else if (text[i] === ')') {
            i++;
            break;
          } else throw new Error(`expected , or ) at ${i} in ${text}`);
        }
      return { call: name.toLowerCase(), args };
    }
    const ref = [name];
    for (;;) {
      if (text[i] === '.') {
        const part = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i + 1))?.[0];
        if (!part) throw new Error(`bad reference in ${text}`);
        ref.push(part);
        i += 1 + part.length;
      } else if (text[i] === '[') {
        i++;
        const key = expr() as { literal: string };
        ws();
        if (text[i++] !== ']') throw new Error(`expected ] in ${text}`);
        ref.push(key.literal);
      } else break;
    }
    return { ref };
  };
  const e = expr();
  ws();
  if (i !== text.length) throw new Error(`trailing text "${text.slice(i)}" in ${text}`);
  return e;
}

interface Context {
  variables: Record<string, string>;
  dependencies: Record<string, Result>;
  /** What succeeded() means here: every dependency succeeded. */
  succeeded: boolean;
}

function evaluate(e: Expr, ctx: Context): Value {
  if ('literal' in e) return e.literal;
  if ('ref' in e) {
    const [root, ...rest] = e.ref;
    if (root === 'variables' && rest.length === 1) return ctx.variables[rest[0]];
    if (root === 'dependencies' && rest.length === 2 && rest[1] === 'result') {
      assert.ok(rest[0] in ctx.dependencies, `a condition reads dependencies.${rest[0]}, which is not in dependsOn`);
      return ctx.dependencies[rest[0]];
    }
    throw new Error(`unknown reference ${e.ref.join('.')}`);
  }
  const args = e.args.map((a) => evaluate(a, ctx));
  const same = (a: Value, b: Value) => String(a).toLowerCase() === String(b).toLowerCase();
  switch (e.call) {
    case 'and':
      return args.every(Boolean);
    case 'or':
      return args.some(Boolean);
    case 'not':
      return !args[0];
    case 'eq':
      return same(args[0], args[1]);
    case 'in':
      return args.slice(1).some((a) => same(args[0], a));
    case 'succeeded':
      return ctx.succeeded;
    case 'canceled':
      return false;
    default:
      throw new Error(`unknown function ${e.call}`);
  }
}

interface Build {
  reason: 'PullRequest' | 'IndividualCI' | 'Manual';
  branch: string;
  /** Jobs (by step name, or Validate) that fail when they run. */
  failing?: ReadonlySet<string>;
}

/** Runs a pipeline's stages and jobs the way Azure Pipelines decides what runs; returns the steps run. */
function simulate(p: Pipeline, build: Build): { ran: Map<string, Result>; emptyStages: string[] } {
  const variables = {
    'Build.Reason': build.reason,
    'Build.SourceBranch': build.reason === 'PullRequest' ? 'refs/pull/7/merge' : `refs/heads/${build.branch}`,
  };
  const ok = (r: Result | undefined) => r === 'Succeeded' || r === 'SucceededWithIssues';
  const stageResults: Record<string, Result> = {};
  const ran = new Map<string, Result>();
  const emptyStages: string[] = [];
  const stepOf = (j: Job) => (j.job === 'Validate' ? 'Validate' : (j.steps.at(-1)!.inputs.step ?? /--step (\S+)/.exec(j.steps.at(-1)!.inputs.inlineScript)![1]));
  for (const s of p.stages) {
    const dependencies = Object.fromEntries(s.dependsOn.map((d) => [d, stageResults[d]]));
    const ctx = { variables, dependencies, succeeded: s.dependsOn.every((d) => ok(stageResults[d])) };
    if (!(s.condition ? evaluate(parseExpression(s.condition), ctx) : ctx.succeeded)) {
      stageResults[s.stage] = 'Skipped';
      continue;
    }
    const jobResults: Record<string, Result> = {};
    for (const j of s.jobs) {
      const deps = j.dependsOn ?? [];
      const jctx = { variables, dependencies: Object.fromEntries(deps.map((d) => [d, jobResults[d]])), succeeded: deps.every((d) => ok(jobResults[d])) };
      if (!(j.condition ? evaluate(parseExpression(j.condition), jctx) : jctx.succeeded)) {
        jobResults[j.job] = 'Skipped';
        continue;
      }
      jobResults[j.job] = build.failing?.has(stepOf(j)) ? 'Failed' : 'Succeeded';
      ran.set(stepOf(j), jobResults[j.job]);
    }
    const results = Object.values(jobResults);
    if (results.every((r) => r === 'Skipped')) emptyStages.push(s.stage);
    stageResults[s.stage] = results.includes('Failed') ? 'Failed' : results.every((r) => r === 'Skipped') ? 'Skipped' : 'Succeeded';
  }
  return { ran, emptyStages };
}

/**
 * For each kind of build: exactly the profile's steps run (no stage runs with nothing to do),
 * and when any one step (or Validate) fails, no step runs whose needs did not all succeed.
 */
async function assertRunsAsDesigned(p: Pipeline, dir: string, path: string, plans: { profile?: string; builds: Build[] }[], idle: Build[]) {
  for (const { profile, builds } of plans) {
    const result = await planProject(path, { cwd: dir, profile });
    assert.ok(result.plan, `no plan for ${profile}`);
    const steps = result.plan.steps;
    const needs = new Map(steps.map((s) => [s.name, s.needs]));
    for (const build of builds) {
      const what = `a build of ${build.branch} (${build.reason})`;
      const { ran, emptyStages } = simulate(p, build);
      assert.deepEqual([...ran.keys()].sort(), ['Validate', ...steps.map((s) => s.name)].sort(), `${what} runs the ${profile ?? 'whole'} plan`);
      assert.deepEqual(emptyStages, [], `${what}: stages that ran with every job skipped`);
      for (const failing of ['Validate', ...steps.map((s) => s.name)]) {
        const failed = simulate(p, { ...build, failing: new Set([failing]) }).ran;
        for (const [step, r] of failed) {
          if (step === 'Validate') continue;
          assert.notEqual(failing, 'Validate', `${step} ran although Validate failed (${what})`);
          for (const need of needs.get(step) ?? []) assert.equal(failed.get(need), 'Succeeded', `${step} ran (${r}) although ${need} did not succeed, when ${failing} failed in ${what}`);
        }
        assert.ok(!failed.has(failing) || failed.get(failing) === 'Failed');
      }
    }
  }
  for (const build of idle) {
    assert.deepEqual([...simulate(p, build).ran.keys()], ['Validate'], `a build of ${build.branch} (${build.reason}) runs only Validate`);
  }
}

const PR_BUILD: Build = { reason: 'PullRequest', branch: 'feature/x' };
const MAIN_BUILD: Build = { reason: 'IndividualCI', branch: 'main' };
const MANUAL_MAIN: Build = { reason: 'Manual', branch: 'main' };
const OTHER_BRANCH: Build = { reason: 'Manual', branch: 'feature/x' };

test('the sample: pull requests run exactly the pr profile, main exactly full; a failure stops every step that needs it', async () => {
  const { pipeline: p } = await generated(SAMPLE_OPTIONS);
  await assertRunsAsDesigned(p, projectRoot, SAMPLE, [
    { profile: 'pr', builds: [PR_BUILD] },
    { profile: 'full', builds: [MAIN_BUILD, MANUAL_MAIN] },
  ], [OTHER_BRANCH]);
});

test('synthetic projects run as designed on every kind of build', async () => {
  const cases: Record<string, { path: string; plans: { profile?: string; builds: Build[] }[]; idle: Build[] }> = {
    'a single step': { path: '.', plans: [{ profile: 'pr', builds: [PR_BUILD, MAIN_BUILD, OTHER_BRANCH] }], idle: [] },
    'cross-stage needs': { path: 'ml/credit', plans: [{ profile: 'pr', builds: [PR_BUILD] }, { profile: 'full', builds: [MAIN_BUILD] }], idle: [OTHER_BRANCH] },
    'names with dashes': { path: '.', plans: [{ builds: [PR_BUILD, MAIN_BUILD] }], idle: [] },
    'no profiles': { path: '.', plans: [{ builds: [PR_BUILD, MAIN_BUILD, OTHER_BRANCH] }], idle: [] },
  };
  for (const [name, c] of Object.entries(cases)) {
    const { tree, options } = SHAPES[name];
    await withRepo(tree, async (dir) => {
      const { pipeline: p } = await generated({ ...options, cwd: dir });
      await assertRunsAsDesigned(p, dir, c.path, c.plans, c.idle);
    });
  }
});

test('the condition simulator can tell a wrong pipeline from a right one', async () => {
  // Without accepting a skipped stage, a pull request would skip tune, after the main-only profile.
  const { tree, options } = SHAPES['cross-stage needs'];
  await withRepo(tree, async (dir) => {
    const { pipeline } = await generated({ ...options, cwd: dir });
    const strict = structuredClone(pipeline);
    for (const s of strict.stages) if (s.condition) s.condition = s.condition.replace(/, 'Skipped'/g, '');
    await assertRunsAsDesigned(strict, dir, 'ml/credit', [{ profile: 'full', builds: [MAIN_BUILD] }], []);
    await assert.rejects(assertRunsAsDesigned(strict, dir, 'ml/credit', [{ profile: 'pr', builds: [PR_BUILD] }], []), /runs the pr plan/);
  });
  const { pipeline } = await generated(SAMPLE_OPTIONS);
  // Without the transitive stage dependencies, a failure two stages up would not stop a step.
  const direct = structuredClone(pipeline);
  const train = direct.stages.find((s) => s.stage === 'train')!;
  train.dependsOn = train.dependsOn.filter((d) => d !== 'prep');
  train.condition = train.condition!.replace(/\s*in\(dependencies\.prep\.result[^)]*\),/, '');
  const tune = direct.stages.find((s) => s.stage === 'tune')!;
  assert.ok(tune.dependsOn.includes('prep'));
  // train's steps need data_preparation (prep, failing); tune is skipped when prep fails, and a
  // skipped tune alone would let train run.
  await assert.rejects(assertRunsAsDesigned(direct, projectRoot, SAMPLE, [{ profile: 'full', builds: [MAIN_BUILD] }], []), /ran \(Succeeded\) although data_preparation did not succeed/);
});
