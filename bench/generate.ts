// Writes a realistic mlsteps project with N run configurations to a folder, for the validation
// benchmarks: one repository (it has a `.git` folder) with an mlsteps.yml holding catalogs
// (computes, environments with conda files, datasets, profiles), a shared src/ folder with the
// scripts, and run configurations grouped by team under runconfigs/<team>/. The mix is what a big
// mono-repo holds: ~70 % command jobs, ~20 % sweeps, ~10 % Spark jobs; `*_subset` and `*_small`
// variants that `extends` a base; `needs` chains to earlier run configurations of the same team,
// in the same or an earlier stage (prep → profile → validate → tune → train → score), with
// `${{needs.X.outputs.Y}}` and `${{needs.X.best.P}}` bindings; dataset and literal inputs; `pr` and
// `full` profiles, so `mlsteps pipeline` writes its two-profile pipeline.
//
// Every generated project is VALID: mlsteps reports no diagnostic on it (the benchmarks check
// this, so they time the real path and not an early exit). Same N and seed → same files.
//
//   node --import tsx bench/generate.ts 1000 /tmp/bench-project     (writes and prints the folder)
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { mulberry32 } from '../src/backends/local/sampling';

/** Run configurations per team folder (runconfigs/<team>/). */
const TEAM_SIZE = 50;

export interface GeneratedProject {
  dir: string;
  runConfigs: number;
  /** How many of each kind, and how many use extends / needs, for the report. */
  mix: { command: number; sweep: number; spark: number; extends: number; needs: number };
  cleanup(): void;
}

/** The same seed writes the same project. */
const prng = mulberry32;

const COMPUTES = `computes:
  small-cpu:   {type: amlcompute, size: Standard_DS3_v2, min_instances: 0, max_instances: 2}
  cpu-cluster: {type: amlcompute, size: Standard_D4s_v3, min_instances: 0, max_instances: 8}
  gpu-cluster: {type: amlcompute, size: Standard_NC6s_v3, max_instances: 4, tier: low_priority}
  spark-pool:  {type: spark, instance_type: standard_e4s_v3, runtime_version: "3.4"}
`;

const ENVIRONMENTS = `environments:
  data-prep: {conda_file: environments/data_prep.yml}
  sklearn:   {conda_file: environments/sklearn.yml}
  lightgbm:  {conda_file: environments/lightgbm.yml}
  pytorch:   {conda_file: environments/pytorch.yml,
              image: mcr.microsoft.com/azureml/openmpi4.1.0-cuda11.8-cudnn8-ubuntu22.04}
  tensorflow: {conda_file: environments/tensorflow.yml,
               image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04}
`;

const DATASETS = `datasets:
  entire:  {type: uri_folder, path: azureml://datastores/workspaceblobstore/paths/bench/full/,
            local_path: data/full}
  subset:  {type: uri_file, path: azureml://datastores/workspaceblobstore/paths/bench/subset.csv,
            local_path: data/subset.csv}
  holdout: {type: uri_file, path: azureml://datastores/workspaceblobstore/paths/bench/holdout.csv}
  events:  {type: mltable, path: azureml://datastores/workspaceblobstore/paths/bench/events/}
`;

const CONDA: Record<string, string> = {
  'data_prep.yml': conda('bench-data-prep', ['pandas=2.1', 'dask=2023.12', 'pyspark=3.4']),
  'sklearn.yml': conda('bench-sklearn', ['pandas=2.1', 'scikit-learn=1.3', 'matplotlib=3.8']),
  'lightgbm.yml': conda('bench-lightgbm', ['pandas=2.1', 'lightgbm=4.1', 'scikit-learn=1.3']),
  'pytorch.yml': conda('bench-pytorch', ['pytorch=2.1.2', 'pytorch-cuda=11.8', 'pandas=2.1'], ['onnx==1.15.0', 'onnxruntime==1.16.3']),
  'tensorflow.yml': conda('bench-tensorflow', ['pandas=2.1'], ['tensorflow==2.15.0']),
  'evaluation.yml': conda('bench-evaluation', ['pandas=2.1', 'scikit-learn=1.3', 'shap=0.44']),
};

function conda(name: string, deps: string[], pip: string[] = []): string {
  return [
    `# ${name}: generated for the mlsteps benchmarks.`,
    `name: ${name}`,
    'channels:',
    '  - conda-forge',
    'dependencies:',
    '  - python=3.10',
    '  - pip',
    ...deps.map((d) => `  - ${d}`),
    '  - pip:',
    ...['mlflow==2.9.2', 'azureml-mlflow==1.55.0', ...pip].map((p) => `      - ${p}`),
    '',
  ].join('\n');
}

const SCRIPTS = [
  'common.py',
  'prep.py',
  'prep_spark.py',
  'features.py',
  'features_spark.py',
  'profile_data.py',
  'validate_data.py',
  'train_sklearn.py',
  'train_lightgbm.py',
  'train_torch.py',
  'train_tf.py',
  'evaluate.py',
  'score.py',
];

/** What a generated run configuration offers to the ones after it. */
interface Produced {
  name: string;
  kind: 'command' | 'sweep' | 'spark';
  /** Its `step:` (the pipeline stage); needs only point to steps of the same or an earlier stage. */
  stage: Stage;
  outputs: string[];
  params: string[];
  /** A command with a `data: {dataset: …}` input that a `*_subset` variant can swap. */
  subsettable: boolean;
  /** A base sweep (not itself an extends) that a `*_small` variant can shrink. */
  shrinkable: boolean;
}

interface Written {
  text: string;
  produced: Produced;
  usesExtends: boolean;
  usesNeeds: boolean;
}

/**
 * The stages in pipeline order (the well-known steps, then `score`). A step needs only steps of its
 * own or an earlier stage, so the stages have an order and `mlsteps pipeline` can write one stage
 * per step kind, with `dependsOn` across stages, as a real project must.
 */
const STAGES = ['prep', 'profile', 'validate', 'tune', 'train', 'score'] as const;
type Stage = (typeof STAGES)[number];
const notLater = (stage: Stage) => (p: Produced) => STAGES.indexOf(p.stage) <= STAGES.indexOf(stage);

const SCHEMA_COMMENT = '# yaml-language-server: $schema=../../schemas/runconfig.schema.json';
const CODE = '../../src';

/** Writes the project into `dir` (created if needed). */
export function writeProject(dir: string, n: number, seed = 42): Omit<GeneratedProject, 'dir' | 'cleanup'> {
  const rnd = prng(seed + n);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)];
  const mix = { command: 0, sweep: 0, spark: 0, extends: 0, needs: 0 };

  mkdirSync(path.join(dir, '.git'), { recursive: true });
  writeFileSync(path.join(dir, '.git', 'HEAD'), 'ref: refs/heads/main\n');
  write(dir, 'README.md', `# Benchmark project\n\n${n} generated run configurations (bench/generate.ts).\n`);
  for (const [file, text] of Object.entries(CONDA)) write(dir, `environments/${file}`, text);
  for (const script of SCRIPTS) write(dir, `src/${script}`, `"""${script}: generated for the mlsteps benchmarks."""\nimport argparse\n\n\ndef main():\n    argparse.ArgumentParser().parse_known_args()\n\n\nif __name__ == "__main__":\n    main()\n`);
  write(dir, 'data/subset.csv', 'id,amount,label\n1,10.5,0\n2,99.0,1\n');
  write(dir, 'data/full/part-000.csv', 'id,amount,label\n1,10.5,0\n');

  const teams: { name: string; members: string[]; variants: Set<string> }[] = [];
  let all: Produced[] = [];
  for (let i = 0; i < n; i++) {
    const teamIndex = Math.floor(i / TEAM_SIZE);
    if (!teams[teamIndex]) {
      teams[teamIndex] = { name: `team${String(teamIndex).padStart(3, '0')}`, members: [], variants: new Set() };
      all = []; // needs and extends stay inside a team's folder, as in a real mono-repo
    }
    const team = teams[teamIndex];
    const w = runConfig(team.name, i, all, rnd, pick);
    write(dir, `runconfigs/${team.name}/${w.produced.name}.yml`, w.text);
    team.members.push(w.produced.name);
    if (w.usesExtends) team.variants.add(w.produced.name);
    all.push(w.produced);
    mix[w.produced.kind]++;
    if (w.usesExtends) mix.extends++;
    if (w.usesNeeds) mix.needs++;
  }

  const profiles = [
    'profiles:',
    `  pr:   [${teams.map((t) => t.members[0]).join(', ')}]`,
    // The main branch runs every base run configuration (not the quick `*_subset` / `*_small` variants).
    `  full: [${teams.flatMap((t) => t.members.filter((m) => !t.variants.has(m))).join(', ')}]`,
    ...teams.map((t) => `  ${t.name}: [${t.members.filter((_, k) => k % 5 === 0).join(', ')}]`),
  ];
  write(
    dir,
    'mlsteps.yml',
    [
      '# yaml-language-server: $schema=schemas/mlsteps.schema.json',
      `# Generated by bench/generate.ts: ${n} run configurations in ${teams.length} team folders.`,
      'runconfigs: [runconfigs/**/*.yml]',
      'workspace:',
      '  resource_group: ml-rg',
      '  name: ml-ws',
      'experiment_name: bench',
      COMPUTES + ENVIRONMENTS + DATASETS + profiles.join('\n'),
      '',
    ].join('\n'),
  );
  return { runConfigs: n, mix };
}

/** A fresh temp folder with a generated project; `cleanup()` removes it. */
export function generateProject(n: number, seed = 42): GeneratedProject {
  const dir = mkdtempSync(path.join(os.tmpdir(), `mlsteps-bench-${n}-`));
  try {
    const info = writeProject(dir, n, seed);
    return { dir, ...info, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

const shared = new Map<string, GeneratedProject>();

/**
 * The generated project of N run configurations for this bench run, written once and shared by
 * the benchmarks that read it (validate, plan, pipeline): writing 10,000 files takes seconds. Call
 * `removeSharedProjects()` when done; they are removed at exit in any case.
 */
export function sharedProject(n: number, seed = 42): GeneratedProject {
  const key = `${n}:${seed}`;
  let project = shared.get(key);
  if (!project) {
    if (shared.size === 0) process.on('exit', removeSharedProjects);
    project = generateProject(n, seed);
    shared.set(key, project);
  }
  return project;
}

export function removeSharedProjects(): void {
  for (const project of shared.values()) project.cleanup();
  shared.clear();
}

function write(root: string, rel: string, text: string): void {
  const file = path.join(root, rel);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
}

function runConfig(team: string, i: number, earlier: Produced[], rnd: () => number, pick: <T>(items: readonly T[]) => T): Written {
  const id = String(i).padStart(5, '0');
  const recent = earlier.slice(-12);
  const r = rnd();
  // Variants of an earlier base, as teams keep `*_subset` / `*_small` siblings: 12 % + 4 %.
  if (r < 0.12) {
    const base = [...recent].reverse().find((p) => p.subsettable);
    if (!base) return command(team, id, recent, rnd, pick);
    base.subsettable = false; // one variant per base
    return subsetVariant(team, id, base, pick);
  }
  if (r < 0.16) {
    const base = [...recent].reverse().find((p) => p.shrinkable);
    if (!base) return sweep(team, id, recent, rnd, pick);
    base.shrinkable = false;
    return smallSweep(team, id, base, pick);
  }
  if (r < 0.26) return spark(team, id, recent, rnd, pick);
  if (r < 0.42) return sweep(team, id, recent, rnd, pick);
  return command(team, id, recent, rnd, pick);
}

/** Picks up to `max` earlier run configurations with outputs to depend on. */
function chooseNeeds(recent: Produced[], rnd: () => number, max: number, filter: (p: Produced) => boolean = () => true): Produced[] {
  const candidates = recent.filter((p) => p.outputs.length > 0 && filter(p));
  const count = candidates.length === 0 ? 0 : Math.min(candidates.length, Math.floor(rnd() * (max + 1)));
  const chosen: Produced[] = [];
  while (chosen.length < count) {
    const c = candidates[Math.floor(rnd() * candidates.length)];
    if (!chosen.includes(c)) chosen.push(c);
  }
  return chosen;
}

const yamlList = (items: string[]) => `[${items.join(', ')}]`;

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function command(team: string, id: string, recent: Produced[], rnd: () => number, pick: <T>(items: readonly T[]) => T): Written {
  const flavour = pick(['prep', 'features', 'profile', 'validate', 'train_sklearn', 'train_sklearn', 'train_lightgbm', 'train_torch', 'train_tf', 'evaluate', 'score'] as const);
  const name = `${team}_${flavour}_${id}`;
  const step: Stage = flavour === 'prep' || flavour === 'features' ? 'prep' : flavour === 'profile' ? 'profile' : flavour === 'validate' ? 'validate' : flavour === 'score' ? 'score' : 'train';
  const needs = chooseNeeds(recent, rnd, 2, notLater(step));
  const inputs: string[] = [];
  const args: string[] = [];
  const bindings = new Set<string>();
  let subsettable = false;
  if (needs.length === 0) {
    const dataset = pick(['entire', 'subset', 'holdout', 'events']);
    inputs.push(`  data: {dataset: ${dataset}${rnd() < 0.3 ? ', mode: download' : ''}}`);
    args.push('--data ${{inputs.data}}');
    subsettable = true;
  }
  needs.forEach((need, k) => {
    const output = pick(need.outputs);
    const input = `upstream${k}_${output}`;
    inputs.push(`  ${input}: \${{needs.${need.name}.outputs.${output}}}`);
    args.push(`--${input.replace(/_/g, '-')} \${{inputs.${input}}}`);
    bindings.add(need.name);
    // The best hyper-parameters of the (first) sweep this step waits for.
    if (need.kind === 'sweep' && !inputs.some((line) => line.includes('.best.'))) {
      for (const param of need.params.slice(0, 2)) {
        const best = `best_${param}`;
        inputs.push(`  ${best}: \${{needs.${need.name}.best.${param}}}`);
        args.push(`--${param.replace(/_/g, '-')} \${{inputs.${best}}}`);
      }
    }
  });
  const literals: [string, string][] = [
    ['epochs', String(5 + Math.floor(rnd() * 50))],
    ['seed', String(Math.floor(rnd() * 1000))],
    ['test_fraction', '0.2'],
    ['label_column', 'label'],
  ];
  for (const [key, value] of literals.slice(0, 1 + Math.floor(rnd() * literals.length))) {
    inputs.push(`  ${key}: ${value}`);
    args.push(`--${key.replace(/_/g, '-')} \${{inputs.${key}}}`);
  }
  const output = flavour === 'prep' || flavour === 'features' ? 'prepared' : flavour === 'profile' || flavour === 'validate' || flavour === 'evaluate' ? 'report' : flavour === 'score' ? 'scores' : 'model';
  const outputs = rnd() < 0.25 ? [output, 'metrics'] : [output];
  for (const o of outputs) args.push(`--${o} \${{outputs.${o}}}`);
  const script = flavour.startsWith('train_') ? `${flavour}.py` : flavour === 'profile' ? 'profile_data.py' : flavour === 'validate' ? 'validate_data.py' : `${flavour}.py`;
  const env = flavour === 'train_torch' ? 'pytorch' : flavour === 'train_tf' ? 'tensorflow' : flavour === 'train_lightgbm' ? 'lightgbm' : flavour === 'prep' || flavour === 'features' ? 'data-prep' : 'sklearn';
  const compute = flavour === 'train_torch' || flavour === 'train_tf' ? 'gpu-cluster' : rnd() < 0.1 ? 'azureml:shared-cpu' : pick(['cpu-cluster', 'cpu-cluster', 'small-cpu']);
  const lines = [
    SCHEMA_COMMENT,
    `# ${name}: ${flavour.replace(/_/g, ' ')} for ${team}.`,
    `name: ${name}`,
    `step: ${step}`,
    ...(needs.length > 0 ? [`needs: ${yamlList(needs.map((n) => n.name))}`] : []),
    ...(flavour === 'train_torch' ? ['framework: pytorch'] : flavour === 'train_tf' ? ['framework: tensorflow'] : []),
    `description: ${flavour.replace(/_/g, ' ')} step ${id} of ${team}, generated for the benchmarks.`,
    `code: ${CODE}`,
    'command: >-',
    ...chunks(args, 3).map((part, k) => `  ${k === 0 ? `python ${script} ` : ''}${part.join(' ')}`),
    environment(env, rnd),
    `compute: ${compute}`,
    'inputs:',
    ...inputs,
    'outputs:',
    ...outputs.map((o) => `  ${o}: {type: ${o === 'metrics' ? 'uri_file' : 'uri_folder'}}`),
    ...(flavour === 'train_torch'
      ? ['distribution:', '  type: pytorch', '  process_count_per_instance: 2', 'resources:', '  instance_count: 2', '  shm_size: 16g']
      : flavour === 'train_tf'
        ? ['distribution: {type: tensorflow, worker_count: 2}', 'resources: {instance_count: 2}']
        : []),
    ...(rnd() < 0.6 ? [`limits: {timeout: ${3600 * (1 + Math.floor(rnd() * 4))}}`] : []),
    ...(rnd() < 0.3 ? ['environment_variables:', '  MLFLOW_TRACKING_AWAIT: "true"', `  RANDOM_SEED: "${Math.floor(rnd() * 100)}"`] : []),
    `tags: {team: ${team}, flavour: ${flavour}}`,
    '',
  ];
  return {
    text: lines.join('\n'),
    produced: { name, kind: 'command', stage: step, outputs, params: [], subsettable, shrinkable: false },
    usesExtends: false,
    usesNeeds: bindings.size > 0,
  };
}

/** A catalog name most of the time; sometimes an inline conda file or a registered environment. */
function environment(catalogName: string, rnd: () => number, indent = ''): string {
  const r = rnd();
  if (r < 0.08) return `${indent}environment: {conda_file: ../../environments/evaluation.yml, image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04}`;
  if (r < 0.14) return `${indent}environment: azureml:${catalogName}@latest`;
  return `${indent}environment: ${catalogName}`;
}

function subsetVariant(team: string, id: string, base: Produced, pick: <T>(items: readonly T[]) => T): Written {
  const name = `${base.name}_subset_${id}`;
  return {
    text: [
      SCHEMA_COMMENT,
      `# The quick variant of ${base.name} for pull requests: the subset, on a small cluster.`,
      `name: ${name}`,
      `extends: ${base.name}`,
      `description: ${base.name} on the subset.`,
      `compute: ${pick(['small-cpu', 'cpu-cluster'])}`,
      'inputs:',
      '  data: {dataset: subset}',
      'tags: {data: subset}',
      '',
    ].join('\n'),
    produced: { ...base, name, subsettable: false, shrinkable: false },
    usesExtends: true,
    usesNeeds: false,
  };
}

function smallSweep(team: string, id: string, base: Produced, pick: <T>(items: readonly T[]) => T): Written {
  const name = `${base.name}_small_${id}`;
  return {
    text: [
      SCHEMA_COMMENT,
      `# ${base.name} with a smaller trial budget.`,
      `name: ${name}`,
      `extends: ${base.name}`,
      `compute: ${pick(['small-cpu', 'cpu-cluster'])}`,
      'limits:',
      '  max_total_trials: 4',
      '  max_concurrent_trials: 2',
      'tags: {budget: small}',
      '',
    ].join('\n'),
    produced: { ...base, name, subsettable: false, shrinkable: false },
    usesExtends: true,
    usesNeeds: false,
  };
}

const SEARCH_SPACES: Record<string, string[]> = {
  learning_rate: ['{type: loguniform, min_value: -6, max_value: -1}', '{type: uniform, min_value: 0.001, max_value: 0.3}'],
  max_depth: ['{type: choice, values: [3, 5, 7, 9]}', '{type: randint, upper: 12}'],
  n_estimators: ['{type: choice, values: [100, 200, 400]}', '{type: randint, upper: 800}', '{type: quniform, min_value: 50, max_value: 800, q: 50}'],
  C: ['{type: choice, values: [0.01, 0.1, 1.0, 10.0]}'],
  penalty: ['{type: choice, values: [l1, l2]}'],
  dropout: ['{type: uniform, min_value: 0.0, max_value: 0.5}'],
  batch_size: ['{type: choice, values: [32, 64, 128, 256]}'],
};

function sweep(team: string, id: string, recent: Produced[], rnd: () => number, pick: <T>(items: readonly T[]) => T): Written {
  const flavour = pick(['sklearn', 'lightgbm', 'torch'] as const);
  const name = `${team}_tune_${flavour}_${id}`;
  const params = flavour === 'sklearn' ? ['C', 'penalty'] : flavour === 'lightgbm' ? ['learning_rate', 'max_depth', 'n_estimators'] : ['learning_rate', 'dropout', 'batch_size'];
  const needs = chooseNeeds(recent, rnd, 1, (p) => p.kind !== 'sweep' && notLater('tune')(p));
  const inputs: string[] = [];
  const args: string[] = [];
  if (needs.length > 0) {
    const output = pick(needs[0].outputs);
    inputs.push(`  train: \${{needs.${needs[0].name}.outputs.${output}}}`);
  } else inputs.push(`  train: {dataset: ${pick(['subset', 'entire'])}}`);
  args.push('--train ${{inputs.train}}');
  for (const p of params) args.push(`--${p.replace(/_/g, '-')} \${{search_space.${p}}}`);
  args.push('--model ${{outputs.model}}');
  // What Azure ML accepts: grid searches choices only; bayesian searches choice, uniform and
  // quniform and has no early termination; random takes any distribution.
  const algorithm = flavour === 'sklearn' ? 'grid' : pick(['random', 'random', 'bayesian'] as const);
  const space = (p: string) => (algorithm === 'grid' ? SEARCH_SPACES[p][0] : pick(SEARCH_SPACES[p].filter((e) => algorithm === 'random' || /type: (choice|uniform|quniform)[,}]/.test(e))));
  const lines = [
    SCHEMA_COMMENT,
    `# Hyper-parameter sweep (${flavour}) for ${team}.`,
    `name: ${name}`,
    'type: sweep',
    'step: tune',
    ...(needs.length > 0 ? [`needs: [${needs[0].name}]`] : []),
    `description: ${algorithm === 'grid' ? 'Grid' : algorithm === 'bayesian' ? 'Bayesian' : 'Random'} search over ${params.join(', ')}.`,
    `compute: ${flavour === 'torch' ? 'gpu-cluster' : 'cpu-cluster'}`,
    'inputs:',
    ...inputs,
    'outputs:',
    '  model: {type: uri_folder}',
    `sampling_algorithm: ${algorithm}`,
    'search_space:',
    ...params.map((p) => `  ${p}: ${space(p)}`),
    'objective:',
    `  goal: ${flavour === 'torch' ? 'minimize' : 'maximize'}`,
    `  primary_metric: ${flavour === 'torch' ? 'val_loss' : 'auc'}`,
    ...(algorithm === 'random' && rnd() < 0.5 ? ['early_termination: {type: bandit, slack_factor: 0.1, evaluation_interval: 2, delay_evaluation: 5}'] : []),
    'limits:',
    `  max_total_trials: ${algorithm === 'grid' ? 8 : 20 + Math.floor(rnd() * 40)}`,
    `  max_concurrent_trials: ${2 + Math.floor(rnd() * 4)}`,
    '  timeout: 14400',
    'trial:',
    `  code: ${CODE}`,
    '  command: >-',
    ...chunks(args, 3).map((part, k) => `    ${k === 0 ? `python train_${flavour === 'torch' ? 'torch' : flavour}.py ` : ''}${part.join(' ')}`),
    environment(flavour === 'torch' ? 'pytorch' : flavour, rnd, '  '),
    ...(flavour === 'torch' ? ['  resources: {instance_count: 1, shm_size: 8g}'] : []),
    `tags: {team: ${team}, sweep: ${flavour}}`,
    '',
  ];
  return {
    text: lines.join('\n'),
    produced: { name, kind: 'sweep', stage: 'tune', outputs: ['model'], params, subsettable: false, shrinkable: true },
    usesExtends: false,
    usesNeeds: needs.length > 0,
  };
}

function spark(team: string, id: string, recent: Produced[], rnd: () => number, pick: <T>(items: readonly T[]) => T): Written {
  const features = rnd() < 0.4;
  const name = `${team}_${features ? 'features' : 'prep'}_spark_${id}`;
  const needs = features ? chooseNeeds(recent, rnd, 1, (p) => p.kind === 'spark') : [];
  const input = needs.length > 0 ? `  raw: \${{needs.${needs[0].name}.outputs.prepared}}` : `  raw: {dataset: ${pick(['entire', 'events'])}, mode: direct}`;
  const lines = [
    SCHEMA_COMMENT,
    `# Data preparation on Spark for ${team}.`,
    `name: ${name}`,
    'type: spark',
    'step: prep',
    'framework: spark',
    ...(needs.length > 0 ? [`needs: [${needs[0].name}]`] : []),
    'description: Clean, encode and split the data on Spark.',
    `code: ${CODE}`,
    'entry:',
    `  file: ${features ? 'features_spark.py' : 'prep_spark.py'}`,
    'py_files: [common.py]',
    'args: --raw ${{inputs.raw}} --out ${{outputs.prepared}}',
    'environment: data-prep',
    'compute: spark-pool',
    'conf:',
    '  spark.driver.cores: 1',
    '  spark.driver.memory: 2g',
    '  spark.executor.cores: 2',
    `  spark.executor.memory: ${2 + Math.floor(rnd() * 6)}g`,
    `  spark.executor.instances: ${2 + Math.floor(rnd() * 6)}`,
    '  spark.dynamicAllocation.enabled: false',
    'inputs:',
    input,
    'outputs:',
    '  prepared: {type: uri_folder, mode: direct}',
    `tags: {team: ${team}}`,
    '',
  ];
  return {
    text: lines.join('\n'),
    // Only Spark steps consume a Spark step's folder here; the others take its output like any other.
    produced: { name, kind: 'spark', stage: 'prep', outputs: ['prepared'], params: [], subsettable: false, shrinkable: false },
    usesExtends: false,
    usesNeeds: needs.length > 0,
  };
}

if (require.main === module) {
  const n = Number(process.argv[2] ?? 1000);
  const target = process.argv[3];
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write('usage: node --import tsx bench/generate.ts N [FOLDER]\n');
    process.exit(2);
  }
  if (target) {
    const info = writeProject(path.resolve(target), n);
    process.stdout.write(`${path.resolve(target)}\n${JSON.stringify(info.mix)}\n`);
  } else {
    const p = generateProject(n);
    process.stdout.write(`${p.dir}\n${JSON.stringify(p.mix)}\n`);
  }
}
