import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { validatePaths } from '../src/config';
import { DiagnosticSink } from '../src/config/diagnostics';
import { loadLoneRunConfigs } from '../src/config/load';
import { mlsteps } from './helpers/cli';
import { makeRepo } from './helpers/project';

/** An SDK v1 run configuration as `RunConfiguration.save()` writes it, trimmed to what matters. */
const V1 = `script: train.py
arguments: [--data, DatasetConsumptionConfig:training, --epochs, '10', --learning-rate, '0.01']
target: cpu-cluster
framework: Python
communicator: None
maxRunDurationSeconds: 3600
nodeCount: 1
environment:
  name: credit-env
  version: null
  environmentVariables:
    EXAMPLE_ENV_VAR: EXAMPLE_VALUE
  python:
    userManagedDependencies: false
    interpreterPath: python
    condaDependenciesFile: .azureml/conda_dependencies.yml
    baseCondaEnvironment:
  docker:
    enabled: true
    baseImage: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04
    arguments: []
history:
  outputCollection: true
  snapshotProject: true
data:
  training:
    dataLocation:
      dataset:
        id:
        name: credit-training
        version: '3'
      dataPath:
    mechanism: Mount
    environmentVariableName: training
    pathOnCompute:
    overwrite: false
outputData:
  model:
    outputLocation:
      dataset:
      dataPath:
        datastoreName: workspaceblobstore
        relativePath: models/credit
    mechanism: Upload
`;

const PYTORCH_V1 = `script: train_dist.py
arguments: []
target: gpu-cluster
framework: PyTorch
communicator: Nccl
nodeCount: 2
pytorch:
  communicationBackend: nccl
  processCount: 8
environment:
  name: AzureML-pytorch-1.13
  version: '12'
`;

const REPO = {
  'project/train.py': 'print(1)\n',
  'project/train_dist.py': 'print(2)\n',
  'project/.azureml/train.runconfig': V1,
  'project/.azureml/dist.runconfig': PYTORCH_V1,
  'project/.azureml/conda_dependencies.yml': 'name: project_environment\ndependencies:\n  - python=3.8.13\n  - pip:\n    - azureml-defaults\n',
};

test('mlsteps import writes a run configuration that validates and means the same job', () => {
  const repo = makeRepo(REPO);
  try {
    const out = join(repo.dir, 'project', 'runconfigs', 'train.yml');
    const r = mlsteps(['import', join(repo.dir, 'project/.azureml/train.runconfig'), '--output', out]);
    assert.equal(r.code, 0, r.stderr);
    const written = readFileSync(out, 'utf8');
    assert.match(written, /^# yaml-language-server: \$schema=.*schemas\/runconfig\.schema\.json\n/);
    assert.deepEqual(parse(written), {
      name: 'train',
      framework: 'python',
      code: '..',
      command: 'python train.py --data ${{inputs.training}} --epochs 10 --learning-rate 0.01',
      compute: 'azureml:cpu-cluster',
      environment: { conda_file: '../.azureml/conda_dependencies.yml', image: 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04' },
      environment_variables: { EXAMPLE_ENV_VAR: 'EXAMPLE_VALUE' },
      limits: { timeout: 3600 },
      inputs: { training: { type: 'uri_folder', path: 'azureml:credit-training:3', mode: 'ro_mount' } },
      outputs: { model: { type: 'uri_folder', mode: 'upload', path: 'azureml://datastores/workspaceblobstore/paths/models/credit' } },
    });
    const v = mlsteps(['validate', out]);
    assert.equal(v.code, 0, v.stdout);
  } finally {
    repo.cleanup();
  }
});

test('a .runconfig read in place and its import resolve to the same job (round trip)', async () => {
  const repo = makeRepo(REPO);
  try {
    const v1Path = join(repo.dir, 'project/.azureml/train.runconfig');
    const out = join(repo.dir, 'project', 'jobs', 'deep', 'train.yml');
    assert.equal(mlsteps(['import', v1Path, '--output', out]).code, 0);
    const sink = new DiagnosticSink(repo.dir);
    const [direct] = loadLoneRunConfigs([v1Path], repo.dir, sink).runConfigs;
    const [imported] = loadLoneRunConfigs([out], repo.dir, sink).runConfigs;
    const absolutize = (doc: Record<string, unknown>, from: string) => ({
      ...doc,
      code: resolve(from, doc.code as string),
      environment: { ...(doc.environment as object), conda_file: resolve(from, (doc.environment as { conda_file: string }).conda_file) },
    });
    assert.deepEqual(absolutize(imported.merged!, join(repo.dir, 'project/jobs/deep')), absolutize(direct.merged!, join(repo.dir, 'project/.azureml')));
    assert.deepEqual(sink.list.filter((d) => d.severity === 'error'), []);
  } finally {
    repo.cleanup();
  }
});

test('distributed PyTorch v1 settings become a pytorch distribution; unknown keys are reported, not lost silently', () => {
  const repo = makeRepo({ ...REPO, 'project/.azureml/dist.runconfig': PYTORCH_V1 + 'tensorboardLogDir: logs\n' });
  try {
    const r = mlsteps(['import', join(repo.dir, 'project/.azureml/dist.runconfig')], { cwd: join(repo.dir, 'project') });
    assert.equal(r.code, 0, r.stderr);
    const doc = parse(r.stdout);
    assert.deepEqual(doc.distribution, { type: 'pytorch', process_count_per_instance: 4 });
    assert.deepEqual(doc.resources, { instance_count: 2 });
    assert.equal(doc.environment, 'azureml:AzureML-pytorch-1.13:12');
    assert.equal(doc.framework, 'pytorch');
    assert.match(r.stderr, /dist\.runconfig:13:1: warning MLS160: "tensorboardLogDir" has no run-configuration equivalent/);
  } finally {
    repo.cleanup();
  }
});

test('a project can list .runconfig files directly; diagnostics land on the v1 lines', async () => {
  const repo = makeRepo({
    ...REPO,
    'project/mlsteps.yml': 'runconfigs: [.azureml/*.runconfig]\ncomputes:\n  cpu-cluster: {type: amlcompute, size: Standard_D4s_v3}\n',
    'project/.azureml/train.runconfig': V1.replace('script: train.py', 'script: trian.py'),
  });
  try {
    const result = await validatePaths(['project'], { cwd: repo.dir });
    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    assert.deepEqual(errors.map((d) => [d.file, d.line, d.code]), [['.azureml/train.runconfig', 1, 'MLS130']]);
    assert.deepEqual(result.runConfigs.map((r) => r.name).sort(), ['dist', 'train']);
  } finally {
    repo.cleanup();
  }
});

test('import of a file that is not a run configuration exits non-zero with a diagnostic', () => {
  const repo = makeRepo({ 'bad.runconfig': '- just\n- a list\n', 'binary.runconfig': '\u0000\u0001' });
  try {
    const list = mlsteps(['import', join(repo.dir, 'bad.runconfig')], { cwd: repo.dir });
    assert.equal(list.code, 1);
    assert.match(list.stderr, /bad\.runconfig:1:1: error MLS005/);
    const bin = mlsteps(['import', join(repo.dir, 'binary.runconfig')], { cwd: repo.dir });
    assert.equal(bin.code, 2);
    assert.match(bin.stderr, /MLS003/);
    assert.equal(mlsteps(['import', join(repo.dir, 'missing.runconfig')], { cwd: repo.dir }).code, 2);
  } finally {
    repo.cleanup();
  }
});

test('v1 shared memory, instance type and credential passthrough are translated; priority is reported', () => {
  const extra = PYTORCH_V1.replace("environment:\n  name: AzureML-pytorch-1.13\n  version: '12'\n", "environment:\n  name: AzureML-pytorch-1.13\n  version: '12'\n  docker:\n    shmSize: 16g\n") + 'credentialPassthrough: true\ninstanceTypes: [Standard_NC6s_v3]\npriority: 100\n';
  const repo = makeRepo({ ...REPO, 'project/.azureml/dist.runconfig': extra });
  try {
    const r = mlsteps(['import', join(repo.dir, 'project/.azureml/dist.runconfig')], { cwd: join(repo.dir, 'project') });
    assert.equal(r.code, 0, r.stderr);
    const doc = parse(r.stdout);
    assert.deepEqual(doc.resources, { instance_count: 2, shm_size: '16g', instance_type: 'Standard_NC6s_v3' });
    assert.deepEqual(doc.identity, { type: 'user_identity' });
    assert.match(r.stderr, /warning MLS160: "priority" has no run-configuration equivalent/);
    // Written outside the mlsteps installation's repository: the schema is named by its stable $id.
    assert.match(r.stdout, /^# yaml-language-server: \$schema=https:\/\/mlsteps\.dev\/schemas\/runconfig\.schema\.json\n/);
  } finally {
    repo.cleanup();
  }
});
