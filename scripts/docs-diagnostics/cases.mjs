// Case data: each code's example (files changed from BASE) and fix.
export const BASE = {
  'mlsteps.yml': `runconfigs: [runconfigs/*.yml]
computes:
  cpu: {type: amlcompute, size: Standard_D4s_v3}
environments:
  sk: {conda_file: env/conda.yml}
`,
  'env/conda.yml': `name: sk
channels: [conda-forge]
dependencies:
  - python=3.10
  - scikit-learn
`,
  'src/train.py': 'print("train")\n',
  'runconfigs/train.yml': `code: ../src
command: python train.py
environment: sk
compute: cpu
`,
};

const TRAIN = BASE['runconfigs/train.yml'];
const PROJECT = BASE['mlsteps.yml'];

const SWEEP = `type: sweep
compute: cpu
sampling_algorithm: grid
search_space:
  C: {type: choice, values: [0.1, 1]}
  penalty: {type: choice, values: [l1, l2]}
objective: {goal: maximize, primary_metric: auc}
limits: {max_total_trials: 4}
trial:
  code: ../src
  command: python train.py --C \${{search_space.C}}
  environment: sk
`;

export const CASES = [
  {
    code: 'MLS001',
    example: { 'runconfigs/train.yml': `code: ../src
command: python train.py --note a: b
environment: sk
compute: cpu
` },
    fix: { 'runconfigs/train.yml': `code: ../src
command: "python train.py --note a: b"
environment: sk
compute: cpu
` },
  },
  {
    code: 'MLS002',
    example: { 'runconfigs/train.yml': TRAIN + 'compute: gpu\n' },
    fix: { 'runconfigs/train.yml': TRAIN },
  },
  {
    code: 'MLS003',
    binary: true,
    example: { 'runconfigs/train.yml': { utf16: TRAIN } },
    fix: { 'runconfigs/train.yml': TRAIN },
  },
  {
    code: 'MLS004',
    example: { 'runconfigs/train.yml': `a: &a [x, x, x, x, x, x, x, x, x, x]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
` },
    fix: { 'runconfigs/train.yml': TRAIN },
  },
  {
    code: 'MLS005',
    example: { 'runconfigs/train.yml': '# TODO: the training step\n' },
    fix: { 'runconfigs/train.yml': TRAIN },
  },
  {
    code: 'MLS006',
    args: ['runconfigs/trian.yml'],
    example: {},
    fixArgs: ['.'],
    fix: {},
  },
  {
    code: 'MLS101',
    example: { 'runconfigs/train.yml': TRAIN.replace('compute: cpu', 'compte: cpu') },
    fix: { 'runconfigs/train.yml': TRAIN },
  },
  {
    code: 'MLS102',
    example: { 'runconfigs/train.yml': TRAIN + 'limits: {timeout: 2h}\n' },
    fix: { 'runconfigs/train.yml': TRAIN + 'limits: {timeout: 7200}\n' },
  },
  {
    code: 'MLS103',
    example: { 'runconfigs/train.yml': `code: ../src
command: python train.py --model \${{outputs.model}}
environment: sk
compute: cpu
outputs:
  model: {type: uri_folder, mode: rw_mnt}
` },
    fix: { 'runconfigs/train.yml': `code: ../src
command: python train.py --model \${{outputs.model}}
environment: sk
compute: cpu
outputs:
  model: {type: uri_folder, mode: rw_mount}
` },
  },
  {
    code: 'MLS104',
    example: { 'runconfigs/train.yml': TRAIN.replace('compute: cpu', 'compute: cpu-cluster') },
    fix: { 'runconfigs/train.yml': TRAIN.replace('compute: cpu', 'compute: azureml:cpu-cluster') },
  },
  {
    code: 'MLS105',
    example: { 'runconfigs/train.yml': `code: ../src
environment: sk
compute: cpu
` },
    fix: { 'runconfigs/train.yml': TRAIN },
  },
  {
    code: 'MLS106',
    example: { 'runconfigs/train.yml': TRAIN + 'name: train model\n' },
    fix: { 'runconfigs/train.yml': TRAIN + 'name: train-model\n' },
  },
  {
    code: 'MLS110',
    example: { 'runconfigs/train.yml': TRAIN + 'needs: [prepare]\n', 'runconfigs/prep.yml': TRAIN },
    fix: { 'runconfigs/train.yml': TRAIN + 'needs: [prep]\n', 'runconfigs/prep.yml': TRAIN },
  },
  {
    code: 'MLS111',
    example: { 'runconfigs/train_small.yml': 'extends: trian\ncompute: local\n' },
    fix: { 'runconfigs/train_small.yml': 'extends: train\ncompute: local\n' },
  },
  {
    code: 'MLS112',
    example: { 'runconfigs/train.yml': TRAIN + 'needs: [prep]\n', 'runconfigs/prep.yml': TRAIN + 'needs: [train]\n' },
    fix: { 'runconfigs/train.yml': TRAIN + 'needs: [prep]\n', 'runconfigs/prep.yml': TRAIN },
  },
  {
    code: 'MLS113',
    example: { 'runconfigs/train.yml': TRAIN + 'extends: train_small\n', 'runconfigs/train_small.yml': 'extends: train\ncompute: local\n' },
    fix: { 'runconfigs/train.yml': TRAIN, 'runconfigs/train_small.yml': 'extends: train\ncompute: local\n' },
  },
  {
    code: 'MLS114',
    example: { 'runconfigs/train_v2.yml': TRAIN + 'name: train\n' },
    fix: { 'runconfigs/train_v2.yml': TRAIN + 'name: train-v2\n' },
  },
  {
    code: 'MLS115',
    example: { 'mlsteps.yml': PROJECT + 'profiles:\n  pr: [trian]\n' },
    fix: { 'mlsteps.yml': PROJECT + 'profiles:\n  pr: [train]\n' },
  },
  {
    code: 'MLS116',
    example: { 'mlsteps.yml': PROJECT.replace('[runconfigs/*.yml]', '[runconfigs/*.yml, jobs/*.yml]') },
    fix: { 'mlsteps.yml': PROJECT },
    strictToo: true,
  },
  {
    code: 'MLS120',
    example: { 'runconfigs/train.yml': TRAIN.replace('python train.py', 'python train.py --data ${{inputs.data}}') },
    fix: { 'runconfigs/train.yml': TRAIN.replace('python train.py', 'python train.py --data ${{inputs.data}}') + 'inputs:\n  data: {type: uri_folder, path: azureml://datastores/workspaceblobstore/paths/credit/}\n' },
  },
  {
    code: 'MLS121',
    example: { 'runconfigs/train.yml': TRAIN + 'inputs:\n  epochs: 10\n' },
    fix: { 'runconfigs/train.yml': TRAIN.replace('python train.py', 'python train.py --epochs ${{inputs.epochs}}') + 'inputs:\n  epochs: 10\n' },
    strictToo: true,
  },
  {
    code: 'MLS122',
    example: { 'runconfigs/tune.yml': SWEEP },
    fix: { 'runconfigs/tune.yml': SWEEP.replace('${{search_space.C}}', '${{search_space.C}} --penalty ${{search_space.penalty}}') },
  },
  {
    code: 'MLS123',
    example: { 'runconfigs/train.yml': TRAIN.replace('python train.py', 'python train.py --model ${{outputs.modle}}') + 'outputs:\n  model: {type: uri_folder}\n' },
    fix: { 'runconfigs/train.yml': TRAIN.replace('python train.py', 'python train.py --model ${{outputs.model}}') + 'outputs:\n  model: {type: uri_folder}\n' },
  },
  {
    code: 'MLS124',
    example: { 'runconfigs/tune.yml': SWEEP.replace('${{search_space.C}}', '${{search_space.C}} --penalty ${{search_space.penalty}} --lr ${{search_space.lr}}') },
    fix: { 'runconfigs/tune.yml': SWEEP.replace('${{search_space.C}}', '${{search_space.C}} --penalty ${{search_space.penalty}} --lr ${{search_space.lr}}').replace('objective:', '  lr: {type: choice, values: [0.01, 0.1]}\nobjective:') },
  },
  {
    code: 'MLS125',
    example: {
      'runconfigs/prep.yml': 'code: ../src\ncommand: python prep.py --out ${{outputs.prepared}}\nenvironment: sk\ncompute: cpu\noutputs:\n  prepared: {type: uri_folder}\n',
      'src/prep.py': 'print("prep")\n',
      'runconfigs/train.yml': TRAIN.replace('python train.py', 'python train.py --data ${{inputs.data}}') + 'inputs:\n  data: ${{needs.prep.outputs.prepared}}\n',
    },
    fix: {
      'runconfigs/prep.yml': 'code: ../src\ncommand: python prep.py --out ${{outputs.prepared}}\nenvironment: sk\ncompute: cpu\noutputs:\n  prepared: {type: uri_folder}\n',
      'src/prep.py': 'print("prep")\n',
      'runconfigs/train.yml': TRAIN.replace('python train.py', 'python train.py --data ${{inputs.data}}') + 'inputs:\n  data: ${{needs.prep.outputs.prepared}}\nneeds: [prep]\n',
    },
  },
  {
    code: 'MLS126',
    example: { 'runconfigs/train.yml': TRAIN.replace('python train.py', 'python train.py --run ${{run.id}}') },
    fix: { 'runconfigs/train.yml': TRAIN },
  },
  {
    code: 'MLS127',
    example: { 'runconfigs/tune.yml': SWEEP.replace('  C: {type: choice, values: [0.1, 1]}\n  penalty: {type: choice, values: [l1, l2]}\n', '  C: {type: loguniform, min_value: -3, max_value: 1}\n') },
    fix: { 'runconfigs/tune.yml': SWEEP.replace('  C: {type: choice, values: [0.1, 1]}\n  penalty: {type: choice, values: [l1, l2]}\n', '  C: {type: loguniform, min_value: -3, max_value: 1}\n').replace('sampling_algorithm: grid', 'sampling_algorithm: random') },
  },
  {
    code: 'MLS130',
    example: { 'runconfigs/train.yml': TRAIN.replace('python train.py', 'python trian.py') },
    fix: { 'runconfigs/train.yml': TRAIN },
  },
  {
    code: 'MLS131',
    example: { 'runconfigs/train.yml': TRAIN.replace('code: ../src', 'code: ../../shared/src') },
    fix: { 'runconfigs/train.yml': TRAIN },
  },
  {
    code: 'MLS132',
    example: { 'env/conda.yml': 'name: sk\nchannels: [conda-forge]\ndependencies: [python=3.10, scikit-learn\n' },
    fix: { 'env/conda.yml': BASE['env/conda.yml'] },
  },
  {
    code: 'MLS133',
    example: { 'env/conda.yml': 'name: sk\nchannels: [conda-forge]\ndependencies:\n  - scikit-learn\n' },
    fix: { 'env/conda.yml': BASE['env/conda.yml'] },
  },
  {
    code: 'MLS140',
    example: { 'runconfigs/prep.yml': 'type: spark\ncode: ../src\nentry: {file: prep.py}\ncompute: cpu\nenvironment: sk\n', 'src/prep.py': 'print("prep")\n' },
    fix: {
      'mlsteps.yml': PROJECT.replace('environments:', '  spark-pool: {type: spark, instance_type: standard_e4s_v3, runtime_version: "3.4"}\nenvironments:'),
      'runconfigs/prep.yml': 'type: spark\ncode: ../src\nentry: {file: prep.py}\ncompute: spark-pool\nenvironment: sk\n', 'src/prep.py': 'print("prep")\n',
    },
  },
  {
    code: 'MLS141',
    example: {
      'mlsteps.yml': PROJECT.replace('environments:', '  spark-pool: {type: spark, instance_type: standard_e4s_v3, runtime_version: "3.4"}\nenvironments:'),
      'runconfigs/train.yml': TRAIN.replace('compute: cpu', 'compute: spark-pool'),
    },
    fix: {
      'mlsteps.yml': PROJECT.replace('environments:', '  spark-pool: {type: spark, instance_type: standard_e4s_v3, runtime_version: "3.4"}\nenvironments:'),
      'runconfigs/train.yml': TRAIN,
    },
  },
  {
    code: 'MLS142',
    example: {
      'mlsteps.yml': PROJECT + 'datasets:\n  credit: {type: uri_file, path: azureml://datastores/workspaceblobstore/paths/credit.csv}\n',
      'runconfigs/train.yml': 'code: ../src\ncommand: python train.py --data ${{inputs.data}}\nenvironment: sk\ncompute: local\ninputs:\n  data: {dataset: credit}\n',
    },
    fix: {
      'mlsteps.yml': PROJECT + 'datasets:\n  credit: {type: uri_file, path: azureml://datastores/workspaceblobstore/paths/credit.csv, local_path: data/credit.csv}\n',
      'data/credit.csv': 'a,b\n1,2\n',
      'runconfigs/train.yml': 'code: ../src\ncommand: python train.py --data ${{inputs.data}}\nenvironment: sk\ncompute: local\ninputs:\n  data: {dataset: credit}\n',
    },
  },
  {
    code: 'MLS143',
    example: { 'runconfigs/prep.yml': 'type: spark\ncode: ../src\nentry: {file: prep.py}\nenvironment: sk\n', 'src/prep.py': 'print("prep")\n' },
    fix: { 'runconfigs/prep.yml': 'type: spark\ncode: ../src\nentry: {file: prep.py}\nenvironment: sk\nresources: {instance_type: standard_e4s_v3, runtime_version: "3.4"}\n', 'src/prep.py': 'print("prep")\n' },
  },
  {
    code: 'MLS160',
    args: ['.azureml/train.runconfig'],
    example: { '.azureml/train.runconfig': `script: src/train.py
arguments: []
target: cpu-cluster
framework: Python
environment:
  python:
    condaDependenciesFile: env/conda.yml
tensorboard: {}
` },
    fix: { '.azureml/train.runconfig': `script: src/train.py
arguments: []
target: cpu-cluster
framework: Python
environment:
  python:
    condaDependenciesFile: env/conda.yml
` },
  },
];
