import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

type Json = Record<string, unknown>;

const schemaDir = path.join(__dirname, '..', 'schemas');
const runConfigSchema = JSON.parse(fs.readFileSync(path.join(schemaDir, 'runconfig.schema.json'), 'utf8')) as Json;
const projectSchema = JSON.parse(fs.readFileSync(path.join(schemaDir, 'mlsteps.schema.json'), 'utf8')) as Json;

const RC_ID = 'https://mlsteps.dev/schemas/runconfig.schema.json';
const PROJECT_ID = 'https://mlsteps.dev/schemas/mlsteps.schema.json';

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
ajv.addSchema(runConfigSchema);
ajv.addSchema(projectSchema);

function get(ref: string): ValidateFunction {
  const fn = ajv.getSchema(ref);
  assert.ok(fn, `schema ${ref} does not compile or is missing`);
  return fn;
}

const rootValidator = get(RC_ID);
const projectValidator = get(PROJECT_ID);
const jobValidators = {
  command: get(`${RC_ID}#/definitions/commandJob`),
  sweep: get(`${RC_ID}#/definitions/sweepJob`),
  spark: get(`${RC_ID}#/definitions/sparkJob`),
};

function show(errors: ErrorObject[] | null | undefined): string {
  return JSON.stringify((errors ?? []).map((e) => `${e.instancePath || '/'} ${e.keyword}: ${e.message} ${JSON.stringify(e.params)}`), null, 1);
}

/** Validates through the root schema (what an editor does) and through the job definition (what mlsteps does). */
function check(doc: Json): { root: ErrorObject[]; job: ErrorObject[] } {
  const type = (typeof doc.type === 'string' ? doc.type : 'command') as keyof typeof jobValidators;
  const root = rootValidator(doc) ? [] : [...(rootValidator.errors ?? [])];
  const jobFn = jobValidators[type];
  const job = !jobFn ? [] : jobFn(doc) ? [] : [...(jobFn.errors ?? [])];
  return { root, job };
}

function assertValid(name: string, doc: Json): void {
  const { root, job } = check(doc);
  assert.equal(root.length, 0, `${name} should be valid (root schema): ${show(root)}`);
  assert.equal(job.length, 0, `${name} should be valid (job definition): ${show(job)}`);
}

function assertInvalid(name: string, doc: Json, expect: (e: ErrorObject) => boolean): void {
  const { root, job } = check(doc);
  assert.ok(root.length > 0, `${name} should be rejected by the root schema`);
  assert.ok(root.some(expect), `${name}: expected error missing from root errors ${show(root)}`);
  if (typeof doc.type !== 'string' || doc.type in jobValidators) {
    assert.ok(job.some(expect), `${name}: expected error missing from job-definition errors ${show(job)}`);
  }
}

// ---------------------------------------------------------------------------------------- valid

const validJobs: Record<string, Json> = {
  'command, PyTorch distribution (azureml-examples single-step/pytorch/cifar-distributed)': {
    $schema: 'https://azuremlschemas.azureedge.net/latest/commandJob.schema.json',
    code: 'src',
    command: 'python train.py --epochs ${{inputs.epochs}} --learning-rate ${{inputs.learning_rate}} --data-dir ${{inputs.cifar}}',
    inputs: { epochs: 1, learning_rate: 0.2, cifar: { type: 'uri_folder', path: 'azureml:cifar-10-example@latest' } },
    environment: 'azureml:AzureML-acpt-pytorch-2.8-cuda12.6@latest',
    compute: 'azureml:gpu-cluster',
    distribution: { type: 'pytorch', process_count_per_instance: 1 },
    resources: { instance_count: 2, shm_size: '16g' },
    display_name: 'pytorch-cifar-distributed-example',
    experiment_name: 'pytorch-cifar-distributed-example',
    description: 'Train a CNN on CIFAR-10, distributed via PyTorch.',
  },
  'command, inputs and outputs of several types and modes': {
    name: 'sklearn_full',
    step: 'train',
    needs: ['data_preparation', 'sklearn_subset'],
    framework: 'python',
    type: 'command',
    code: '../src',
    command: 'python train.py --data ${{inputs.train}} --alpha ${{inputs.alpha}} --model ${{outputs.model}}',
    environment: 'sklearn',
    compute: 'cpu-cluster',
    inputs: {
      train: { dataset: 'entire' },
      subset: { dataset: 'subset', mode: 'download' },
      alpha: '${{needs.sklearn_subset.best.alpha}}',
      prepared: '${{needs.data_preparation.outputs.prepared}}',
      iris: { type: 'uri_file', path: 'https://azuremlexamples.blob.core.windows.net/datasets/iris.csv', mode: 'ro_mount' },
      folder: { type: 'uri_folder', path: 'azureml://datastores/workspaceblobstore/paths/example-data/', mode: 'download' },
      table: { type: 'mltable', path: 'azureml:credit-table:3', mode: 'eval_mount' },
      base_model: { type: 'mlflow_model', path: 'azureml:credit-model@latest', mode: 'direct' },
      epochs: { type: 'integer', default: 10, min: 1, max: 100, optional: true, description: 'training epochs' },
      kernel: { type: 'string', default: 'rbf', enum: ['rbf', 'linear'] },
      verbose: true,
      lr: 0.01,
      local_dir: { path: 'data', mode: 'ro_mount' },
    },
    outputs: {
      model: { type: 'mlflow_model', mode: 'upload', name: 'credit-model', version: 3 },
      report: { type: 'uri_folder', mode: 'rw_mount', path: 'azureml://datastores/workspaceblobstore/paths/reports/' },
      metrics: { type: 'uri_file', mode: 'direct' },
      scratch: null,
    },
    resources: { instance_count: 1 },
    limits: { timeout: 7200 },
    tags: { team: 'credit', epochs: 10, nightly: true },
  },
  'sweep, random sampling (string) with a bandit policy': {
    type: 'sweep',
    trial: {
      code: 'src',
      command: 'python main.py --iris-csv ${{inputs.iris_csv}} --C ${{search_space.C}} --kernel ${{search_space.kernel}}',
      environment: 'azureml:AzureML-sklearn-1.5@latest',
    },
    inputs: { iris_csv: { type: 'uri_file', path: 'wasbs://datasets@azuremlexamples.blob.core.windows.net/iris.csv' } },
    compute: 'azureml:cpu-cluster',
    sampling_algorithm: 'random',
    search_space: {
      C: { type: 'uniform', min_value: 0.5, max_value: 0.9 },
      kernel: { type: 'choice', values: ['rbf', 'linear', 'poly'] },
      coef0: { type: 'quniform', min_value: 0, max_value: 1, q: 0.1 },
      depth: { type: 'randint', upper: 10 },
    },
    objective: { goal: 'minimize', primary_metric: 'training_f1_score' },
    early_termination: { type: 'bandit', slack_factor: 0.1, evaluation_interval: 1, delay_evaluation: 5 },
    limits: { max_total_trials: 20, max_concurrent_trials: 10, timeout: 7200, trial_timeout: 600 },
  },
  'sweep, grid sampling (object) with a median stopping policy': {
    type: 'sweep',
    name: 'sklearn_subset',
    needs: 'data_preparation_subset',
    trial: {
      code: '../src',
      command: 'python train_sklearn.py --C ${{search_space.C}} --penalty ${{search_space.penalty}}',
      environment: { conda_file: 'environments/conda_dependencies_sklearn.yml' },
      resources: { instance_count: 1 },
    },
    compute: 'cpu-cluster',
    sampling_algorithm: { type: 'grid' },
    search_space: { C: { type: 'choice', values: [0.01, 0.1, 1.0] }, penalty: { type: 'choice', values: ['l1', 'l2'] } },
    objective: { goal: 'maximize', primary_metric: 'auc' },
    early_termination: { type: 'median_stopping', evaluation_interval: 1, delay_evaluation: 2 },
    limits: { max_total_trials: 6, max_concurrent_trials: 2 },
  },
  'sweep, bayesian sampling with a truncation selection policy and every expression type': {
    type: 'sweep',
    trial: {
      command: 'python train.py --lr ${{search_space.lr}}',
      environment: 'azureml:pytorch-env:4',
      distribution: { type: 'pytorch', process_count_per_instance: 4 },
      resources: { instance_count: 2 },
      environment_variables: { NCCL_DEBUG: 'INFO' },
    },
    compute: 'gpu-cluster',
    sampling_algorithm: { type: 'bayesian' },
    search_space: {
      lr: { type: 'loguniform', min_value: -6, max_value: -1 },
      wd: { type: 'qloguniform', min_value: -6, max_value: -1, q: 0.0001 },
      m: { type: 'normal', mu: 0.9, sigma: 0.05 },
      n: { type: 'lognormal', mu: 0, sigma: 1 },
      b: { type: 'qnormal', mu: 64, sigma: 16, q: 8 },
      c: { type: 'qlognormal', mu: 2, sigma: 0.5, q: 1 },
      arch: { type: 'choice', values: [{ depth: 3, width: { type: 'choice', values: [64, 128] } }, { depth: 5 }] },
    },
    objective: { goal: 'maximize', primary_metric: 'val_accuracy' },
    early_termination: { type: 'truncation_selection', truncation_percentage: 20, evaluation_interval: 1, delay_evaluation: 5, exclude_finished_jobs: true },
    limits: { max_total_trials: 40, max_concurrent_trials: 4, timeout: 36000 },
  },
  'sweep, random sampling object with seed and sobol rule': {
    type: 'sweep',
    trial: { command: 'python t.py --x ${{search_space.x}}', environment: 'azureml:env:1' },
    sampling_algorithm: { type: 'random', seed: 42, rule: 'sobol' },
    search_space: { x: { type: 'uniform', min_value: 0, max_value: 1 } },
    objective: { goal: 'minimize', primary_metric: 'loss' },
  },
  'spark, entry file with conf on serverless Spark': {
    name: 'data_preparation',
    type: 'spark',
    step: 'prep',
    framework: 'spark',
    code: '../src',
    entry: { file: 'prep_spark.py' },
    py_files: ['common.py'],
    files: ['config.json'],
    archives: ['deps.zip'],
    args: '--raw ${{inputs.raw}} --out ${{outputs.prepared}}',
    environment: 'data-prep',
    conf: {
      'spark.driver.cores': 1,
      'spark.driver.memory': '2g',
      'spark.executor.cores': 2,
      'spark.executor.memory': '2g',
      'spark.executor.instances': 2,
      'spark.dynamicAllocation.enabled': true,
      'spark.dynamicAllocation.minExecutors': 1,
      'spark.dynamicAllocation.maxExecutors': 4,
      'spark.sql.shuffle.partitions': 64,
    },
    inputs: { raw: { dataset: 'entire', mode: 'direct' } },
    outputs: { prepared: { type: 'uri_folder', mode: 'direct' } },
    resources: { instance_type: 'standard_e4s_v3', runtime_version: '3.4' },
    identity: { type: 'managed', client_id: '00000000-0000-0000-0000-000000000001' },
  },
  'spark, Scala class_name on an attached Synapse pool': {
    type: 'spark',
    code: './jars',
    entry: { class_name: 'org.apache.spark.examples.SparkPi' },
    jars: ['spark-examples.jar'],
    args: '100',
    compute: 'azureml:synapse-pool',
    identity: { type: 'user_identity' },
    conf: { 'spark.driver.cores': 2, 'spark.driver.memory': '4g', 'spark.executor.cores': 4, 'spark.executor.memory': '8g', 'spark.executor.instances': 4 },
  },
  // The next ones mirror files of Azure/azureml-examples cli/jobs/ key for key.
  'azureml-examples basics/hello-interactive.yml': {
    $schema: 'https://azuremlschemas.azureedge.net/latest/commandJob.schema.json',
    command: 'python hello-interactive.py && sleep 600',
    code: 'src',
    environment: 'azureml:AzureML-tensorflow-2.16-cuda12@latest',
    services: { my_vscode: { type: 'vs_code' }, my_jupyter_lab: { type: 'jupyter_lab' }, my_tensorboard: { type: 'tensor_board', log_dir: 'outputs/tblogs' } },
  },
  'azureml-examples deepspeed/deepspeed-training/job.yml': {
    $schema: 'https://azuremlschemas.azureedge.net/latest/commandJob.schema.json',
    command: 'python train.py --with_aml_log=True --deepspeed --deepspeed_config ds_config.json',
    experiment_name: 'DistributedJob-DeepsSpeed-Training-cifar',
    display_name: 'deepspeed-training-example',
    code: 'src',
    environment: { build: { path: 'docker-context' } },
    limits: { timeout: 900 },
    outputs: { output: { type: 'uri_folder', mode: 'rw_mount', path: 'azureml://datastores/workspaceblobstore/paths/outputs/training_results' } },
    compute: 'azureml:gpu-v100-cluster',
    distribution: { type: 'pytorch', process_count_per_instance: 8 },
    resources: { instance_count: 2 },
  },
  'azureml-examples single-step/dask/nyctaxi/job.yml': {
    $schema: 'https://azuremlschemas.azureedge.net/latest/commandJob.schema.json',
    code: 'src',
    command: 'python startDask.py --script prep-nyctaxi.py --nyc_taxi_dataset ${{inputs.nyc_taxi_dataset}} --output_folder ${{outputs.output_folder}}',
    inputs: { nyc_taxi_dataset: { path: 'wasbs://datasets@azuremlexamples.blob.core.windows.net/nyctaxi/', mode: 'ro_mount' } },
    outputs: { output_folder: { type: 'uri_folder' } },
    environment: { image: 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04', conda_file: 'conda.yaml' },
    compute: 'azureml:cpu-cluster-lg',
    resources: { instance_count: 4 },
    distribution: { type: 'pytorch' },
    display_name: 'dask-nyctaxi-example',
    experiment_name: 'dask-nyctaxi-example',
    description: 'Distributed DASK job on AzureML.',
  },
  'azureml-examples single-step/gpu_perf/gpu_perf_job.yml': {
    type: 'command',
    code: 'src',
    command: '/bin/bash ./gpu_perf.sh',
    environment: 'file:./environments/azureml/env.yml',
    environment_variables: { NCCL_DEBUG: 'INFO' },
    compute: 'azureml:gpu-cluster',
    distribution: { type: 'mpi', process_count_per_instance: 1 },
    resources: { instance_count: 1 },
    experiment_name: 'nccl-test',
    display_name: 'Gpu Diag (NCCL tests)',
    description: 'Runs NCCL-tests on gpu nodes.',
  },
  'azureml-examples single-step/tensorflow/mnist-distributed/job.yml': {
    $schema: 'https://azuremlschemas.azureedge.net/latest/commandJob.schema.json',
    code: 'src',
    command: 'python train.py --epochs ${{inputs.epochs}} --model-dir ${{inputs.model_dir}}',
    inputs: { epochs: 1, model_dir: 'outputs/keras-model' },
    environment: 'azureml:AzureML-tensorflow-2.16-cuda12@latest',
    compute: 'azureml:gpu-cluster',
    resources: { instance_count: 2 },
    distribution: { type: 'tensorflow', worker_count: 2 },
  },
  'azureml-examples basics/hello-world-output-data.yml and hello-iris-literal.yml': {
    $schema: 'https://azuremlschemas.azureedge.net/latest/commandJob.schema.json',
    command: 'echo "hello world" > ${{outputs.hello_output}}/helloworld.txt',
    outputs: { hello_output: null },
    inputs: { type: 'uri_file', iris_csv: 'https://azuremlexamples.blob.core.windows.net/datasets/iris.csv' },
    environment: { image: 'python' },
  },
  'azureml-examples basics/hello-sweep.yml': {
    $schema: 'https://azuremlschemas.azureedge.net/latest/sweepJob.schema.json',
    type: 'sweep',
    trial: {
      command: 'python hello-sweep.py --A ${{inputs.A}} --B ${{search_space.B}} --C ${{search_space.C}}',
      code: 'src',
      environment: 'azureml:AzureML-sklearn-1.5@latest',
    },
    inputs: { A: 0.5 },
    sampling_algorithm: 'random',
    search_space: { B: { type: 'choice', values: ['hello', 'world', 'hello_world'] }, C: { type: 'uniform', min_value: 0.1, max_value: 1.0 } },
    objective: { goal: 'minimize', primary_metric: 'random_metric' },
    limits: { max_total_trials: 4, max_concurrent_trials: 2, timeout: 3600 },
    display_name: 'hello-sweep-example',
    experiment_name: 'hello-sweep-example',
    description: 'Hello sweep job example.',
  },
  'azureml-examples spark/serverless-spark-standalone-user-identity.yml': {
    $schema: 'https://azuremlschemas.azureedge.net/latest/sparkJob.schema.json',
    type: 'spark',
    code: './src',
    entry: { file: 'titanic.py' },
    conf: { 'spark.driver.cores': 1, 'spark.driver.memory': '2g', 'spark.executor.cores': 2, 'spark.executor.memory': '2g', 'spark.executor.instances': 2 },
    inputs: { titanic_data: { type: 'uri_file', path: 'azureml://datastores/workspaceblobstore/paths/data/titanic.csv', mode: 'direct' } },
    outputs: { wrangled_data: { type: 'uri_folder', path: 'azureml://datastores/workspaceblobstore/paths/data/wrangled/', mode: 'direct' } },
    args: '--titanic_data ${{inputs.titanic_data}} --wrangled_data ${{outputs.wrangled_data}}',
    identity: { type: 'user_identity' },
    resources: { instance_type: 'standard_e4s_v3', runtime_version: '3.4' },
  },
  'command with identity, queue settings, services and an inline conda environment': {
    command: 'python train.py',
    code: 'src',
    environment: {
      image: 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04',
      conda_file: { name: 'train', channels: ['conda-forge'], dependencies: ['python=3.11', 'pip', { pip: ['mlflow', 'scikit-learn'] }] },
      os_type: 'linux',
    },
    identity: { type: 'managed_identity', msi_resource_id: '/subscriptions/x/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id' },
    queue_settings: { job_tier: 'spot', priority: 'low' },
    resources: { instance_type: 'Standard_NC6s_v3', instance_count: '${{parent.inputs.nodes}}', docker_args: '--ipc=host', locations: ['westeurope'] },
    services: { ssh: { type: 'ssh', ssh_public_keys: 'ssh-rsa AAAA...', nodes: 'all' } },
  },
};

test('realistic run configurations validate against the root schema and their job definition', () => {
  assert.ok(Object.keys(validJobs).length >= 8);
  for (const [name, doc] of Object.entries(validJobs)) assertValid(name, doc);
});

test('every environment reference form is accepted', () => {
  for (const environment of [
    'sklearn',
    'environments/conda.yml',
    'azureml:AzureML-sklearn-1.5:3',
    'azureml:AzureML-sklearn-1.5@latest',
    'azureml://registries/azureml/environments/sklearn-1.5/labels/latest',
    'azureml://registries/azureml/environments/sklearn-1.5/versions/20',
    { conda_file: 'environments/conda.yml' },
    { image: 'library/python:3.11' },
    { build: { path: 'docker-context', dockerfile_path: 'Dockerfile.gpu' } },
    { name: 'dropped', version: 2, image: 'python:3.11', conda_file: 'conda.yml', description: 'd', tags: { a: 'b' } },
  ]) {
    assertValid(`environment ${JSON.stringify(environment)}`, { command: 'python x.py', environment });
  }
});

// ---------------------------------------------------------------------------------------- invalid

const isUnknownKey = (key: string) => (e: ErrorObject) => e.keyword === 'additionalProperties' && (e.params as { additionalProperty: string }).additionalProperty === key;
const isMissing = (key: string, at = '') => (e: ErrorObject) => e.keyword === 'required' && (e.params as { missingProperty: string }).missingProperty === key && e.instancePath === at;
const isEnum = (at: string) => (e: ErrorObject) => e.keyword === 'enum' && e.instancePath === at;
const isType = (at: string) => (e: ErrorObject) => e.keyword === 'type' && e.instancePath === at;
const at = (where: string, keyword: string) => (e: ErrorObject) => e.keyword === keyword && e.instancePath === where;

const base = { command: 'python train.py', environment: 'sklearn', compute: 'cpu-cluster' };
const sweepBase = {
  type: 'sweep',
  trial: { command: 'python t.py --x ${{search_space.x}}', environment: 'sklearn' },
  sampling_algorithm: 'random',
  search_space: { x: { type: 'uniform', min_value: 0, max_value: 1 } },
  objective: { goal: 'maximize', primary_metric: 'auc' },
};
const sparkBase = { type: 'spark', code: 'src', entry: { file: 'main.py' }, resources: { instance_type: 'standard_e4s_v3', runtime_version: '3.4' } };

test('typical mistakes are rejected with a precise error', () => {
  assertInvalid('unknown key compte', { ...base, compte: 'cpu-cluster' }, isUnknownKey('compte'));
  assertInvalid('input mode readonly', { ...base, inputs: { data: { type: 'uri_folder', path: 'data', mode: 'readonly' } } }, isEnum('/inputs/data/mode'));
  assertInvalid('dataset input mode readonly', { ...base, inputs: { data: { dataset: 'entire', mode: 'readonly' } } }, isEnum('/inputs/data/mode'));
  assertInvalid('spark without entry', { type: 'spark', code: 'src', conf: {} }, isMissing('entry'));
  const { objective: _objective, ...sweepWithoutObjective } = sweepBase;
  assertInvalid('sweep without objective', sweepWithoutObjective, isMissing('objective'));
  assertInvalid('string where a number is needed (limits.timeout)', { ...base, limits: { timeout: '2h' } }, isType('/limits/timeout'));
  assertInvalid('string where a number is needed (process_count_per_instance)', { ...base, distribution: { type: 'pytorch', process_count_per_instance: 'four' } }, isType('/distribution/process_count_per_instance'));
  assertInvalid('string where a number is needed (max_total_trials)', { ...sweepBase, limits: { max_total_trials: 'many' } }, isType('/limits/max_total_trials'));
  assertInvalid('command job without command', { environment: 'sklearn' }, isMissing('command'));
  assertInvalid('unknown key in resources', { ...base, resources: { instance_cont: 2 } }, isUnknownKey('instance_cont'));
  assertInvalid('output mode ro_mount', { ...base, outputs: { model: { type: 'uri_folder', mode: 'ro_mount' } } }, isEnum('/outputs/model/mode'));
  assertInvalid('unknown input type', { ...base, inputs: { d: { type: 'uri_files', path: 'x' } } }, isEnum('/inputs/d/type'));
  assertInvalid('input name with a dash', { ...base, inputs: { 'train-data': 'x' } }, at('/inputs', 'propertyNames'));
  assertInvalid('unknown distribution type', { ...base, distribution: { type: 'horovod' } }, isEnum('/distribution/type'));
  assertInvalid('TensorFlow key on a PyTorch distribution', { ...base, distribution: { type: 'pytorch', worker_count: 2 } }, isUnknownKey('worker_count'));
  assertInvalid('client_id on a user identity', { ...base, identity: { type: 'user_identity', client_id: '00000000-0000-0000-0000-000000000001' } }, isUnknownKey('client_id'));
  assertInvalid('unknown identity type', { ...base, identity: { type: 'service_principal' } }, isEnum('/identity/type'));
  assertInvalid('unknown framework', { ...base, framework: 'jax' }, isEnum('/framework'));
  assertInvalid('step with capitals', { ...base, step: 'Train' }, at('/step', 'pattern'));
  assertInvalid('needs with an invalid name', { ...base, needs: ['ok', 'not ok'] }, at('/needs/1', 'pattern'));
  assertInvalid('duplicate needs', { ...base, needs: ['a', 'a'] }, at('/needs', 'uniqueItems'));
  assertInvalid('inline environment with nothing to run in', { ...base, environment: { os_type: 'linux' } }, isMissing('image', '/environment'));
  assertInvalid('inline environment with an unknown key', { ...base, environment: { image: 'python', dockerfile: 'x' } }, isUnknownKey('dockerfile'));
  assertInvalid('inline environment with both image and build', { ...base, environment: { image: 'python', build: { path: 'ctx' } } }, at('/environment', 'not'));
  assertInvalid('spark entry with both file and class_name', { ...sparkBase, entry: { file: 'a.py', class_name: 'A' } }, at('/entry', 'maxProperties'));
  assertInvalid('spark entry empty', { ...sparkBase, entry: {} }, at('/entry', 'minProperties'));
  assertInvalid('spark memory without unit', { ...sparkBase, conf: { 'spark.driver.memory': '2' } }, at('/conf/spark.driver.memory', 'pattern'));
  assertInvalid('spark conf key without spark. prefix', { ...sparkBase, conf: { 'driver.cores': 1 } }, isUnknownKey('driver.cores'));
  assertInvalid('command key on a spark job', { ...sparkBase, command: 'python x.py' }, isUnknownKey('command'));
  assertInvalid('spark key on a command job', { ...base, entry: { file: 'x.py' } }, isUnknownKey('entry'));
  assertInvalid('unknown sampling algorithm', { ...sweepBase, sampling_algorithm: 'sobol' }, isEnum('/sampling_algorithm'));
  assertInvalid('unknown search expression', { ...sweepBase, search_space: { x: { type: 'gaussian', mu: 0 } } }, isEnum('/search_space/x/type'));
  assertInvalid('uniform without max_value', { ...sweepBase, search_space: { x: { type: 'uniform', min_value: 0 } } }, isMissing('max_value', '/search_space/x'));
  assertInvalid('choice with a stray key', { ...sweepBase, search_space: { x: { type: 'choice', values: [1], default: 1 } } }, isUnknownKey('default'));
  assertInvalid('goal maximise', { ...sweepBase, objective: { goal: 'maximise', primary_metric: 'auc' } }, isEnum('/objective/goal'));
  assertInvalid('truncation policy without percentage', { ...sweepBase, early_termination: { type: 'truncation_selection' } }, isMissing('truncation_percentage', '/early_termination'));
  assertInvalid('bandit with a truncation key', { ...sweepBase, early_termination: { type: 'bandit', slack_factor: 0.1, truncation_percentage: 10 } }, isUnknownKey('truncation_percentage'));
  assertInvalid('sweep trial without command', { ...sweepBase, trial: { environment: 'sklearn' } }, isMissing('command', '/trial'));
  assertInvalid('sweep trial with a typo', { ...sweepBase, trial: { ...sweepBase.trial, enviroment: 'x' } }, isUnknownKey('enviroment'));
  assertInvalid('queue job tier', { ...base, queue_settings: { job_tier: 'lowpriority' } }, isEnum('/queue_settings/job_tier'));
});

test('the root schema restricts type to command, sweep and spark', () => {
  const { root } = check({ ...base, type: 'pipeline' });
  assert.ok(root.some(isEnum('/type')), show(root));
  assert.deepEqual((runConfigSchema.properties as Json).type && ((runConfigSchema.properties as Json).type as Json).enum, ['command', 'sweep', 'spark']);
  // A missing type means a command job: spark keys are unknown there.
  assert.ok(!rootValidator({ ...base, py_files: ['a.py'] }));
  // A sweep dispatches to the sweep definition.
  assert.ok(!rootValidator({ type: 'sweep', command: 'python x.py' }));
});

test('a file that extends another may leave required keys to its parent; the merged document may not', () => {
  // In the editor a child holds only its overrides; mlsteps validates the merged document
  // without `extends`, which must be complete.
  assertValid('child with only overrides', { extends: 'parent', name: 'child', inputs: { train: { dataset: 'subset' } } });
  assertInvalid('merged document turned into a spark job without entry', { environment: 'data-prep', compute: 'spark-cluster', type: 'spark', code: 'src' }, isMissing('entry'));
  assertInvalid('child with a typo', { extends: 'parent', compte: 'x' }, isUnknownKey('compte'));
});

// ---------------------------------------------------------------------------------------- project file

const validProject: Json = {
  $schema: 'https://mlsteps.dev/schemas/mlsteps.schema.json',
  runconfigs: ['runconfigs/*.yml'],
  workspace: { subscription_id: '00000000-0000-0000-0000-000000000000', resource_group: 'ml-rg', name: 'ml-ws' },
  experiment_name: 'credit-risk',
  computes: {
    'small-aml-compute': { type: 'amlcompute', size: 'Standard_DS3_v2', min_instances: 0, max_instances: 2 },
    'spark-cluster': { type: 'spark', instance_type: 'standard_e4s_v3', runtime_version: '3.4' },
    'gpu-cluster': { type: 'amlcompute', size: 'Standard_NC6s_v3', max_instances: 4, tier: 'low_priority', idle_time_before_scale_down: 600, location: 'westeurope', description: 'GPUs' },
    synapse: { type: 'synapsespark', resource_id: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Synapse/workspaces/w/bigDataPools/p' },
    k8s: { type: 'kubernetes', resource_id: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Kubernetes/connectedClusters/c', namespace: 'ml' },
    ci: { type: 'computeinstance', size: 'Standard_DS3_v2' },
    here: { type: 'local' },
  },
  environments: {
    'data-prep': { conda_file: 'environments/conda_dependencies_data_preparation.yml' },
    fullmodel: { conda_file: 'environments/conda_dependencies_fullmodel.yml', image: 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04', os_type: 'linux', tags: { gpu: true } },
    docker: { build: { path: 'docker', dockerfile_path: 'Dockerfile' }, description: 'custom image' },
  },
  datasets: {
    entire: { type: 'uri_folder', path: 'azureml://datastores/workspaceblobstore/paths/credit/full/', local_path: 'data/full' },
    subset: { type: 'uri_file', path: 'azureml://datastores/workspaceblobstore/paths/credit/subset.csv', local_path: 'data/subset.csv', mode: 'download', description: 'the subset' },
    table: { type: 'mltable', path: 'azureml:credit-table:1' },
  },
  profiles: {
    pr: ['data_preparation_subset', 'data_validation', 'sklearn_subset'],
    full: ['data_preparation', 'data_profiling', 'data_validation', 'sklearn_subset', 'sklearn_full', 'fullmodel_step'],
  },
};

function projectErrors(doc: Json): ErrorObject[] {
  return projectValidator(doc) ? [] : [...(projectValidator.errors ?? [])];
}

test('the project file schema accepts a complete mlsteps.yml and a single runconfigs glob', () => {
  assert.deepEqual(projectErrors(validProject), []);
  assert.deepEqual(projectErrors({ runconfigs: 'jobs/**/*.yml' }), []);
  assert.deepEqual(projectErrors({}), []);
});

test('the project file schema rejects typical mistakes', () => {
  const cases: [string, Json, (e: ErrorObject) => boolean][] = [
    ['unknown top-level key', { ...validProject, compute: {} }, isUnknownKey('compute')],
    ['unknown compute type', { computes: { c: { type: 'amlcluster' } } }, isEnum('/computes/c/type')],
    ['amlcompute key typo', { computes: { c: { type: 'amlcompute', sise: 'Standard_DS3_v2' } } }, isUnknownKey('sise')],
    ['amlcompute key on serverless spark', { computes: { c: { type: 'spark', max_instances: 2 } } }, isUnknownKey('max_instances')],
    ['bad tier', { computes: { c: { type: 'amlcompute', tier: 'spot' } } }, isEnum('/computes/c/tier')],
    ['negative min_instances', { computes: { c: { type: 'amlcompute', min_instances: -1 } } }, at('/computes/c/min_instances', 'minimum')],
    ['synapse without resource_id', { computes: { c: { type: 'synapsespark' } } }, isMissing('resource_id', '/computes/c')],
    ['dataset without path', { datasets: { d: { type: 'uri_file', local_path: 'x.csv' } } }, isMissing('path', '/datasets/d')],
    ['dataset type folder', { datasets: { d: { type: 'folder', path: 'x' } } }, isEnum('/datasets/d/type')],
    ['environment with image and build', { environments: { e: { image: 'python', build: { path: 'x' } } } }, at('/environments/e', 'not')],
    ['empty environment', { environments: { e: {} } }, isMissing('conda_file', '/environments/e')],
    ['catalog name with a space', { computes: { 'my cluster': { type: 'local' } } }, (e) => e.keyword === 'pattern' || e.keyword === 'propertyNames'],
    ['empty profile', { profiles: { pr: [] } }, at('/profiles/pr', 'minItems')],
    ['subscription id not a GUID', { workspace: { subscription_id: 'my-subscription' } }, at('/workspace/subscription_id', 'format')],
  ];
  for (const [name, doc, expect] of cases) {
    const errors = projectErrors(doc);
    assert.ok(errors.some(expect), `${name}: ${show(errors)}`);
  }
});

// ---------------------------------------------------------------------------------------- structure

test('schemas have stable ids and draft-07', () => {
  assert.equal(runConfigSchema.$id, RC_ID);
  assert.equal(projectSchema.$id, PROJECT_ID);
  assert.equal(runConfigSchema.$schema, 'http://json-schema.org/draft-07/schema#');
  assert.equal(projectSchema.$schema, 'http://json-schema.org/draft-07/schema#');
});

test('commandJob, sweepJob and sparkJob are closed object definitions listing every key', () => {
  const defs = runConfigSchema.definitions as Record<string, Json>;
  const mlstepsKeys = ['$schema', 'name', 'step', 'needs', 'extends', 'framework'];
  const common = ['type', 'display_name', 'experiment_name', 'description', 'tags', 'properties', 'compute', 'inputs', 'outputs', 'identity', 'services'];
  const specific: Record<string, string[]> = {
    commandJob: ['code', 'command', 'environment', 'environment_variables', 'distribution', 'resources', 'limits', 'queue_settings'],
    sweepJob: ['trial', 'search_space', 'sampling_algorithm', 'objective', 'early_termination', 'limits', 'resources', 'queue_settings'],
    sparkJob: ['code', 'entry', 'py_files', 'jars', 'files', 'archives', 'args', 'conf', 'environment', 'resources'],
  };
  for (const name of ['commandJob', 'sweepJob', 'sparkJob']) {
    const def = defs[name];
    assert.ok(def, `definitions.${name} is missing`);
    assert.equal(def.type, 'object', `${name}.type`);
    assert.equal(def.additionalProperties, false, `${name}.additionalProperties`);
    const keys = Object.keys(def.properties as Json);
    for (const key of [...mlstepsKeys, ...common, ...specific[name]]) assert.ok(keys.includes(key), `${name} lacks ${key}`);
  }
});

/**
 * Every property of every `properties` object, with its JSON pointer. Walks the schema by keyword, so
 * a definition named "properties" is not mistaken for a properties object; `if` conditions are
 * predicates, not definitions, and are skipped.
 */
function* propertiesOf(schema: unknown, where: string): Generator<[string, Json]> {
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) return;
  const node = schema as Json;
  for (const [prop, sub] of Object.entries((node.properties as Json | undefined) ?? {})) {
    yield [`${where}/properties/${prop}`, sub as Json];
    yield* propertiesOf(sub, `${where}/properties/${prop}`);
  }
  for (const keyword of ['definitions', 'patternProperties']) {
    for (const [name, sub] of Object.entries((node[keyword] as Json | undefined) ?? {})) yield* propertiesOf(sub, `${where}/${keyword}/${name}`);
  }
  for (const keyword of ['items', 'additionalProperties', 'propertyNames', 'not', 'then', 'else', 'contains']) {
    const sub = node[keyword];
    if (Array.isArray(sub)) for (let k = 0; k < sub.length; k++) yield* propertiesOf(sub[k], `${where}/${keyword}/${k}`);
    else yield* propertiesOf(sub, `${where}/${keyword}`);
  }
  for (const keyword of ['allOf', 'anyOf', 'oneOf']) {
    const list = (node[keyword] as unknown[] | undefined) ?? [];
    for (let k = 0; k < list.length; k++) yield* propertiesOf(list[k], `${where}/${keyword}/${k}`);
  }
}

test('every property in both schemas has a description', () => {
  let count = 0;
  for (const [schema, label] of [[runConfigSchema, 'runconfig'], [projectSchema, 'mlsteps']] as const) {
    for (const [where, prop] of propertiesOf(schema, label)) {
      count++;
      assert.equal(typeof prop, 'object', `${where} is not a schema`);
      assert.ok(typeof prop.description === 'string' && prop.description.trim().length > 0, `${where} has no description`);
    }
  }
  assert.ok(count > 200, `only ${count} properties found; the walk is broken`);
});

test('editors read framework: spark without a type as a spark job, as mlsteps does', () => {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  const validate = ajv.compile(JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'schemas', 'runconfig.schema.json'), 'utf8')));
  assert.equal(validate({ framework: 'spark', code: 'src', entry: { file: 'prep.py' }, compute: 'spark-pool' }), true, JSON.stringify(validate.errors));
  assert.equal(validate({ framework: 'spark', command: 'python x.py' }), false);
  assert.equal(validate({ framework: 'pytorch', command: 'python x.py' }), true, JSON.stringify(validate.errors));
});
