// DESIGN §2.1: "every valid `az ml` job file of those types [command, sweep, spark] is a valid run
// configuration". Each tests/fixtures/cli-v2-jobs/*.yml is a valid Azure ML CLI v2 job file (written
// after the CLI v2 YAML reference and Azure/azureml-examples cli/jobs, see each file's first comment)
// whose referenced files exist; validated on its own (no mlsteps.yml, so empty catalogs) it must
// give no error. The same files with one mistake each must be caught, at the right place.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { validatePaths } from '../src/config';
import type { Diagnostic } from '../src/model/diagnostic';

const fixturesDir = join(__dirname, 'fixtures', 'cli-v2-jobs');
const fixtures = readdirSync(fixturesDir)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();

/**
 * Valid job files the validator wrongly rejects today. They run as `todo` tests (reported, not
 * failing the run) until fixed; remove an entry once its fixture validates.
 */
const KNOWN_GAPS: Record<string, string> = {};

const show = (ds: Diagnostic[]) => ds.map((d) => `  ${d.severity} ${d.code} ${d.file}:${d.line}:${d.column} ${d.message}${d.hint ? ` (${d.hint})` : ''}`).join('\n');
const errorsOf = (ds: Diagnostic[]) => ds.filter((d) => d.severity === 'error');

test('the fixture folder holds 15–25 job files of each type', () => {
  assert.ok(fixtures.length >= 15 && fixtures.length <= 25, `${fixtures.length} fixtures`);
  const types = fixtures.map((f) => (parse(readFileSync(join(fixturesDir, f), 'utf8')) as { type?: string }).type ?? 'command');
  for (const t of ['command', 'sweep', 'spark']) assert.ok(types.filter((x) => x === t).length >= 3, `fewer than 3 ${t} fixtures`);
});

for (const file of fixtures) {
  const todo = KNOWN_GAPS[file];
  test(`valid CLI v2 job ${file} validates with no error`, todo ? { todo } : {}, async () => {
    const result = await validatePaths([file], { cwd: fixturesDir });
    const errors = errorsOf(result.diagnostics);
    assert.deepEqual(errors, [], `${file} is a valid CLI v2 job file, but:\n${show(result.diagnostics)}`);
    assert.equal(result.ok, true);
    assert.equal(result.runConfigs.length, 1, JSON.stringify(result.runConfigs));
  });
}

test('all valid fixtures validated together: no error and no warning', async () => {
  const files = fixtures.filter((f) => !KNOWN_GAPS[f]);
  const result = await validatePaths(files, { cwd: fixturesDir });
  assert.deepEqual(result.diagnostics, [], show(result.diagnostics));
  assert.equal(result.runConfigs.length, files.length);
});

// ---------------------------------------------------------------------------------------------
// Coverage: every field of the CLI v2 command / sweep / spark job references (and the values of
// its enumerations) appears in at least one fixture, so "every valid job file" is not a claim
// about a handful of hello-worlds.

/** Mappings whose keys are user-chosen names; their keys are collected as `*`. */
const NAMED_MAPS = new Set(['inputs', 'outputs', 'services', 'search_space', 'tags', 'properties', 'environment_variables', 'trial.environment_variables']);
/** Scalar keys whose values are enumerations worth covering one by one. */
const ENUM_KEYS = new Set(['type', 'mode', 'goal', 'rule', 'job_tier', 'priority', 'nodes', 'os_type']);

function features(doc: Record<string, unknown>): Set<string> {
  const out = new Set<string>();
  const walk = (value: unknown, path: string) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      const key = path.split('.').pop()!;
      if (ENUM_KEYS.has(key) && typeof value === 'string') out.add(`${path}=${value}`);
      return;
    }
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const child = NAMED_MAPS.has(path) ? `${path}.*` : path ? `${path}.${k}` : k;
      out.add(child);
      walk(v, child);
    }
  };
  walk(doc, '');
  // Forms of values that are strings rather than keys.
  const envForm = (env: unknown, at: string) => {
    if (typeof env !== 'string') return;
    if (env.startsWith('file:')) out.add(`${at}:file`);
    else if (/^azureml:\/\/registries\/.+\/labels\//.test(env)) out.add(`${at}:registry-label`);
    else if (/^azureml:\/\/registries\/.+\/versions\//.test(env)) out.add(`${at}:registry-version`);
    else if (/^azureml:[^/]+@latest$/.test(env)) out.add(`${at}:name@latest`);
    else if (/^azureml:[^/:]+:[^/:]+$/.test(env)) out.add(`${at}:name:version`);
  };
  const trial = (doc.trial ?? {}) as Record<string, unknown>;
  envForm(doc.environment, 'environment');
  envForm(trial.environment, 'environment');
  for (const env of [doc.environment, trial.environment]) {
    if (env && typeof env === 'object') {
      const conda = (env as Record<string, unknown>).conda_file;
      if (typeof conda === 'string') out.add('environment.conda_file:path');
      else if (conda && typeof conda === 'object') out.add('environment.conda_file:inline');
    }
  }
  const compute = doc.compute;
  out.add(compute === undefined ? 'compute:serverless' : compute === 'local' ? 'compute:local' : String(compute).startsWith('azureml:') ? 'compute:azureml:name' : 'compute:name');
  const sampling = doc.sampling_algorithm;
  if (typeof sampling === 'string') out.add(`sampling_algorithm:string=${sampling}`);
  else if (sampling && typeof sampling === 'object') out.add(`sampling_algorithm:object=${(sampling as { type?: string }).type}`);
  for (const [, v] of Object.entries((doc.inputs ?? {}) as Record<string, unknown>)) {
    if (v === null || typeof v !== 'object') out.add(`inputs.*:literal-${typeof v}`);
    else if (typeof (v as { path?: unknown }).path === 'string') {
      const p = (v as { path: string }).path;
      const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(p)?.[1];
      out.add(`inputs.*.path:${scheme === 'azureml' ? (p.startsWith('azureml://datastores/') ? 'datastore' : p.startsWith('azureml://registries/') ? 'registry' : p.includes('@latest') ? 'asset@latest' : 'asset:version') : (scheme ?? 'local')}`);
    }
  }
  for (const [, v] of Object.entries((doc.outputs ?? {}) as Record<string, unknown>)) if (v === null) out.add('outputs.*:empty');
  return out;
}

const REFERENCE: Record<'command' | 'sweep' | 'spark', string[]> = {
  // reference-yaml-job-command (YAML syntax, distribution, job inputs/outputs, identity, queue
  // settings) + reference-yaml-environment (inline environment).
  command: [
    '$schema', 'type', 'name', 'display_name', 'experiment_name', 'description', 'tags', 'properties', 'command', 'code',
    'environment', 'environment_variables', 'distribution', 'compute', 'resources.instance_count', 'resources.instance_type',
    'resources.shm_size', 'resources.docker_args', 'resources.locations', 'resources.max_instance_count', 'limits.timeout',
    'inputs', 'inputs.*', 'inputs.*.type', 'inputs.*.path', 'inputs.*.mode', 'inputs.*.datastore', 'outputs', 'outputs.*',
    'outputs.*.type', 'outputs.*.mode', 'outputs.*.path', 'outputs.*.name', 'outputs.*.version',
    'queue_settings.job_tier', 'queue_settings.priority', 'services', 'services.*.type', 'services.*.log_dir',
    'services.*.ssh_public_keys', 'services.*.nodes', 'services.*.port', 'identity.type', 'identity.client_id',
    'identity.object_id', 'identity.msi_resource_id',
    'distribution.type=mpi', 'distribution.type=pytorch', 'distribution.type=tensorflow', 'distribution.type=ray',
    'distribution.process_count_per_instance', 'distribution.worker_count', 'distribution.parameter_server_count',
    'distribution.address', 'distribution.port', 'distribution.dashboard_port', 'distribution.include_dashboard',
    'distribution.head_node_additional_args', 'distribution.worker_node_additional_args',
    'environment.image', 'environment.conda_file:path', 'environment.conda_file:inline', 'environment.build.path',
    'environment.build.dockerfile_path', 'environment.os_type=linux', 'environment:name@latest', 'environment:name:version',
    'environment:registry-label', 'environment:registry-version', 'environment:file',
    'compute:azureml:name', 'compute:name', 'compute:local', 'compute:serverless',
    'inputs.*:literal-number', 'inputs.*:literal-string', 'inputs.*:literal-boolean',
    'inputs.*.type=uri_file', 'inputs.*.type=uri_folder', 'inputs.*.type=mltable', 'inputs.*.type=mlflow_model',
    'inputs.*.type=custom_model', 'inputs.*.type=triton_model',
    'inputs.*.path:https', 'inputs.*.path:wasbs', 'inputs.*.path:abfss', 'inputs.*.path:datastore', 'inputs.*.path:asset@latest',
    'inputs.*.path:asset:version', 'inputs.*.path:registry', 'inputs.*.path:local',
    'inputs.*.mode=ro_mount', 'inputs.*.mode=download', 'inputs.*.mode=direct', 'inputs.*.mode=eval_mount',
    'outputs.*:empty', 'outputs.*.type=uri_folder', 'outputs.*.type=uri_file', 'outputs.*.type=mltable',
    'outputs.*.type=mlflow_model', 'outputs.*.type=custom_model', 'outputs.*.type=triton_model',
    'outputs.*.mode=rw_mount', 'outputs.*.mode=upload',
    'identity.type=user_identity', 'identity.type=managed', 'identity.type=managed_identity', 'identity.type=aml_token',
    'queue_settings.job_tier=spot', 'queue_settings.job_tier=basic', 'queue_settings.job_tier=standard', 'queue_settings.job_tier=premium',
    'queue_settings.priority=low', 'queue_settings.priority=medium', 'queue_settings.priority=high',
    'services.*.type=vs_code', 'services.*.type=jupyter_lab', 'services.*.type=tensor_board', 'services.*.type=ssh', 'services.*.nodes=all',
  ],
  // reference-yaml-job-sweep (YAML syntax, sampling algorithms, early termination policies,
  // parameter expressions, limits, trial).
  sweep: [
    '$schema', 'type', 'name', 'display_name', 'experiment_name', 'description', 'tags', 'sampling_algorithm', 'search_space',
    'search_space.*', 'objective.primary_metric', 'objective.goal=maximize', 'objective.goal=minimize', 'early_termination',
    'limits.max_total_trials', 'limits.max_concurrent_trials', 'limits.timeout', 'limits.trial_timeout', 'compute', 'trial',
    'inputs', 'outputs', 'identity.type=user_identity', 'identity.type=managed', 'identity.type=managed_identity',
    'sampling_algorithm:string=random', 'sampling_algorithm:string=grid', 'sampling_algorithm:object=random',
    'sampling_algorithm:object=bayesian', 'sampling_algorithm.seed', 'sampling_algorithm.rule=sobol', 'sampling_algorithm.rule=random',
    'early_termination.type=bandit', 'early_termination.slack_factor', 'early_termination.slack_amount',
    'early_termination.evaluation_interval', 'early_termination.delay_evaluation', 'early_termination.type=median_stopping',
    'early_termination.type=truncation_selection', 'early_termination.truncation_percentage',
    ...['choice', 'randint', 'uniform', 'loguniform', 'quniform', 'qloguniform', 'normal', 'lognormal', 'qnormal', 'qlognormal'].map((t) => `search_space.*.type=${t}`),
    'search_space.*.values', 'search_space.*.upper', 'search_space.*.min_value', 'search_space.*.max_value', 'search_space.*.mu',
    'search_space.*.sigma', 'search_space.*.q',
    'trial.command', 'trial.code', 'trial.environment', 'trial.environment_variables', 'trial.resources.instance_count',
    'trial.distribution.type=mpi', 'trial.distribution.type=pytorch', 'trial.distribution.type=tensorflow',
    'trial.distribution.process_count_per_instance', 'trial.distribution.worker_count', 'trial.distribution.parameter_server_count',
    'trial.environment.image', 'trial.environment.conda_file', 'trial.environment.build.path',
    'inputs.*.type=uri_file', 'inputs.*.type=uri_folder', 'inputs.*.type=mltable', 'inputs.*.mode=download', 'inputs.*.mode=eval_download',
    'outputs.*.type=uri_folder', 'outputs.*.mode=upload',
  ],
  // reference-yaml-job-spark (YAML syntax, conf, job inputs/outputs, identity) + entry.class_name
  // of the azure-ai-ml Spark job schema.
  spark: [
    '$schema', 'type', 'name', 'display_name', 'experiment_name', 'description', 'tags', 'code', 'entry.file', 'entry.class_name',
    'py_files', 'jars', 'files', 'archives', 'environment', 'args', 'resources.instance_type', 'resources.runtime_version',
    'compute', 'compute:serverless', 'inputs', 'outputs',
    ...['spark.driver.cores', 'spark.driver.memory', 'spark.executor.cores', 'spark.executor.memory', 'spark.executor.instances',
      'spark.dynamicAllocation.enabled', 'spark.dynamicAllocation.minExecutors', 'spark.dynamicAllocation.maxExecutors'].map((k) => `conf.${k}`),
    'inputs.*.type=uri_file', 'inputs.*.type=uri_folder', 'inputs.*.path', 'inputs.*.mode=direct',
    'outputs.*.type=uri_file', 'outputs.*.type=uri_folder', 'outputs.*.path', 'outputs.*.mode=direct',
    'identity.type=user_identity', 'identity.type=managed',
  ],
};

test('together the fixtures cover every field of the command, sweep and spark job references', () => {
  const seen: Record<string, Set<string>> = { command: new Set(), sweep: new Set(), spark: new Set() };
  for (const f of fixtures) {
    const doc = parse(readFileSync(join(fixturesDir, f), 'utf8')) as Record<string, unknown>;
    const type = typeof doc.type === 'string' ? doc.type : 'command';
    for (const feature of features(doc)) seen[type].add(feature);
  }
  for (const [type, fields] of Object.entries(REFERENCE)) {
    const missing = fields.filter((f) => !seen[type].has(f));
    assert.deepEqual(missing, [], `${type} reference fields no fixture covers`);
  }
});

test('each fixture starts with a comment naming what it mirrors and the fields it covers', () => {
  for (const f of fixtures) {
    const head = readFileSync(join(fixturesDir, f), 'utf8').split('\n').slice(0, 12).join('\n');
    assert.match(head, /^# Mirrors /, `${f} must start with "# Mirrors …"`);
    assert.match(head, /Reference fields:/, `${f} must name the reference fields it covers`);
  }
});

// ---------------------------------------------------------------------------------------------
// The same kind of files with one mistake each: caught, once, where the mistake is.

type Tree = Record<string, string>;

function withRepo<T>(tree: Tree, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'mlsteps-cliv2-'));
  mkdirSync(join(dir, '.git'));
  for (const [path, content] of Object.entries(tree)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return fn(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

const SUPPORT: Tree = {
  'src/train.py': 'print("train")\n',
  'src/sweep_trial.py': 'print("trial")\n',
  'spark-src/titanic_prep.py': 'print("spark")\n',
  'spark-src/spark_helpers.py': 'def clean(df):\n    return df\n',
  'spark-src/lib/deps.jar': 'placeholder jar\n',
  'environments/conda.yml': 'name: e\nchannels: [conda-forge]\ndependencies:\n  - python=3.10\n  - scikit-learn\n',
  'docker-context/Dockerfile': 'FROM python:3.11-slim\n',
};

const COMMAND_JOB = `$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
code: src
command: >-
  python train.py
  --iris-csv \${{inputs.iris_csv}}
  --C \${{inputs.C}}
inputs:
  iris_csv:
    type: uri_file
    path: https://azuremlexamples.blob.core.windows.net/datasets/iris.csv
  C: 0.8
environment:
  image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04
  conda_file: environments/conda.yml
compute: azureml:cpu-cluster
distribution:
  type: pytorch
  process_count_per_instance: 2
resources:
  instance_count: 2
`;

const SWEEP_JOB = `$schema: https://azuremlschemas.azureedge.net/latest/sweepJob.schema.json
type: sweep
trial:
  code: src
  command: >-
    python sweep_trial.py
    --learning-rate \${{search_space.learning_rate}}
    --boosting \${{search_space.boosting}}
  environment: azureml:AzureML-lightgbm-3.3@latest
compute: azureml:cpu-cluster
sampling_algorithm: random
search_space:
  learning_rate:
    type: uniform
    min_value: 0.01
    max_value: 0.9
  boosting:
    type: choice
    values: ["gbdt", "dart"]
objective:
  goal: minimize
  primary_metric: test-multi_logloss
early_termination:
  type: bandit
  slack_factor: 0.1
limits:
  max_total_trials: 20
`;

const SPARK_JOB = `$schema: https://azuremlschemas.azureedge.net/latest/sparkJob.schema.json
type: spark
code: ./spark-src
entry:
  file: titanic_prep.py
py_files:
  - spark_helpers.py
jars:
  - lib/deps.jar
conf:
  spark.driver.cores: 1
  spark.driver.memory: 2g
  spark.executor.cores: 2
  spark.executor.memory: 2g
  spark.executor.instances: 2
inputs:
  titanic_data:
    type: uri_file
    path: azureml://datastores/workspaceblobstore/paths/data/titanic.csv
    mode: direct
outputs:
  wrangled_data:
    type: uri_folder
    path: azureml://datastores/workspaceblobstore/paths/data/wrangled/
    mode: direct
args: >-
  --titanic_data \${{inputs.titanic_data}}
  --wrangled_data \${{outputs.wrangled_data}}
identity:
  type: managed
resources:
  instance_type: standard_e4s_v3
  runtime_version: "3.4"
`;

/** Replaces exactly one occurrence of `from` (so each negative case changes one thing). */
function mutate(text: string, from: string, to: string): string {
  const at = text.indexOf(from);
  assert.ok(at >= 0 && text.indexOf(from, at + 1) < 0, `"${from}" must occur exactly once`);
  return text.slice(0, at) + to + text.slice(at + from.length);
}

async function validateJob(job: string, extra: Tree = {}) {
  return withRepo({ ...SUPPORT, ...extra, 'job.yml': job }, (dir) => validatePaths(['job.yml'], { cwd: dir }));
}

test('the unmodified negative-case bases are valid', async () => {
  for (const job of [COMMAND_JOB, SWEEP_JOB, SPARK_JOB]) {
    const result = await validateJob(job);
    assert.deepEqual(result.diagnostics, [], show(result.diagnostics));
  }
});

type Expect = { code: string; file?: string; line: number; column: number; message?: RegExp; hint?: RegExp };

const NEGATIVE: { name: string; job: string; extra?: Tree; expect: Expect; warnings?: Omit<Expect, 'message' | 'hint'>[] }[] = [
  {
    name: 'misspelled top-level key (enviroment)',
    job: mutate(COMMAND_JOB, 'environment:\n  image', 'enviroment:\n  image'),
    expect: { code: 'MLS101', line: 12, column: 1, message: /unknown key "enviroment"/, hint: /environment/ },
  },
  {
    name: 'misspelled nested key (distribution.process_count_per_node)',
    job: mutate(COMMAND_JOB, 'process_count_per_instance: 2', 'process_count_per_node: 2'),
    expect: { code: 'MLS101', line: 18, column: 3, message: /unknown key "process_count_per_node"/, hint: /process_count_per_instance/ },
  },
  {
    name: 'misspelled sweep policy key (early_termination.slack_factr)',
    job: mutate(SWEEP_JOB, 'slack_factor: 0.1', 'slack_factr: 0.1'),
    expect: { code: 'MLS101', line: 25, column: 3, message: /unknown key "slack_factr"/, hint: /slack_factor/ },
  },
  {
    name: 'misspelled spark key (py_file)',
    job: mutate(SPARK_JOB, 'py_files:', 'py_file:'),
    expect: { code: 'MLS101', line: 6, column: 1, message: /unknown key "py_file"/, hint: /py_files/ },
  },
  {
    name: 'misspelled enum value (objective.goal: minimise)',
    job: mutate(SWEEP_JOB, 'goal: minimize', 'goal: minimise'),
    expect: { code: 'MLS103', line: 21, column: 9, message: /minimise/, hint: /minimize/ },
  },
  {
    name: 'command runs a script that is not in the code folder',
    job: mutate(COMMAND_JOB, 'python train.py', 'python trian.py'),
    expect: { code: 'MLS130', line: 4, column: 10, message: /trian\.py/ },
  },
  {
    name: 'sweep trial runs a script that is not in trial.code',
    job: mutate(SWEEP_JOB, 'python sweep_trial.py', 'python sweep.py'),
    expect: { code: 'MLS130', line: 6, column: 12, message: /sweep\.py/ },
  },
  {
    name: 'spark entry file does not exist',
    job: mutate(SPARK_JOB, 'file: titanic_prep.py', 'file: titanic.py'),
    expect: { code: 'MLS130', line: 5, column: 9, message: /titanic\.py/ },
  },
  {
    name: 'spark py_files entry does not exist',
    job: mutate(SPARK_JOB, '- spark_helpers.py', '- helpers.py'),
    expect: { code: 'MLS130', line: 7, column: 5, message: /helpers\.py/ },
  },
  {
    name: 'spark jar does not exist',
    job: mutate(SPARK_JOB, '- lib/deps.jar', '- lib/dep.jar'),
    expect: { code: 'MLS130', line: 9, column: 5, message: /lib\/dep\.jar/ },
  },
  {
    name: 'conda file does not exist',
    job: mutate(COMMAND_JOB, 'conda_file: environments/conda.yml', 'conda_file: environments/conda-env.yml'),
    expect: { code: 'MLS130', line: 14, column: 15, message: /conda file/ },
  },
  {
    name: 'docker build context does not exist',
    job: mutate(COMMAND_JOB, '  image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04\n  conda_file: environments/conda.yml', '  build:\n    path: docker-ctx'),
    expect: { code: 'MLS130', line: 14, column: 11, message: /docker build context/ },
  },
  {
    name: '${{inputs.x}} with no input x',
    job: mutate(COMMAND_JOB, '--C ${{inputs.C}}', '--C ${{inputs.c}}'),
    expect: { code: 'MLS120', line: 6, column: 7, message: /no input "c"/, hint: /"C"/ },
    // and, rightly, the input the command no longer reads:
    warnings: [{ code: 'MLS121', line: 11, column: 3 }],
  },
  {
    name: 'spark args use an undeclared output',
    job: mutate(SPARK_JOB, '--wrangled_data ${{outputs.wrangled_data}}', '--wrangled_data ${{outputs.wrangled}}'),
    expect: { code: 'MLS123', line: 28, column: 19 },
  },
];

for (const { name, job, extra, expect, warnings = [] } of NEGATIVE) {
  test(`caught: ${name}`, async () => {
    const result = await validateJob(job, extra);
    const got = result.diagnostics.map(({ file, line, column, code }) => ({ file, line, column, code }));
    const want = [expect, ...warnings].map(({ file, line, column, code }) => ({ file: file ?? 'job.yml', line, column, code }));
    assert.deepEqual(got, want, show(result.diagnostics));
    assert.equal(result.ok, false);
    if (expect.message) assert.match(result.diagnostics[0].message, expect.message);
    if (expect.hint) assert.match(result.diagnostics[0].hint ?? '', expect.hint);
  });
}

// ---------------------------------------------------------------------------------------------
// Valid job files (minimal reproductions) that an earlier validator wrongly rejected.

const FORMER_FALSE_POSITIVES: { name: string; job: string; extra?: Tree }[] = [
  {
    name: 'command that changes directory first (cd sub && python score.py)',
    job: 'code: src\ncommand: cd sub && python score.py\nenvironment:\n  image: library/python:3.11\n',
    extra: { 'src/sub/score.py': 'print(1)\n' },
  },
  {
    name: 'command wrapped in bash -c "…"',
    job: 'code: src\ncommand: bash -c "python train.py"\nenvironment:\n  image: library/python:3.11\n',
  },
  {
    name: 'conda file pinning Python from a named channel (anaconda::python=3.10)',
    job: 'code: src\ncommand: python train.py\nenvironment:\n  image: library/python:3.11\n  conda_file: env.yml\n',
    extra: { 'env.yml': 'name: e\ndependencies:\n  - anaconda::python=3.10\n' },
  },
  {
    name: 'conda file pinning Python with a space-separated MatchSpec (python 3.10)',
    job: 'code: src\ncommand: python train.py\nenvironment:\n  image: library/python:3.11\n  conda_file: env.yml\n',
    extra: { 'env.yml': 'name: e\ndependencies:\n  - python 3.10\n' },
  },
  {
    name: "conda file pinning Python with a bracket MatchSpec (python[version='>=3.10'])",
    job: 'code: src\ncommand: python train.py\nenvironment:\n  image: library/python:3.11\n  conda_file: env.yml\n',
    extra: { 'env.yml': "name: e\ndependencies:\n  - python[version='>=3.10,<3.12']\n" },
  },
];

for (const { name, job, extra } of FORMER_FALSE_POSITIVES) {
  test(`valid, and accepted: ${name}`, async () => {
    const result = await validateJob(job, extra);
    assert.deepEqual(errorsOf(result.diagnostics), [], show(result.diagnostics));
  });
}
