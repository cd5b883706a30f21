import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export type Tree = Record<string, string | { symlink: string }>;

/** A throwaway repository (it has a `.git` folder) holding the given files. */
export function makeRepo(tree: Tree): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'mlsteps-test-'));
  mkdirSync(join(dir, '.git'));
  writeTree(dir, tree);
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function writeTree(dir: string, tree: Tree): void {
  for (const [path, content] of Object.entries(tree)) {
    const abs = join(dir, path);
    mkdirSync(dirname(abs), { recursive: true });
    rmSync(abs, { force: true, recursive: true });
    if (typeof content === 'string') writeFileSync(abs, content);
    else symlinkSync(content.symlink, abs);
  }
}

/** A small valid project: every check passes on it, and each test breaks one thing. */
export const VALID_PROJECT: Tree = {
  'mlsteps.yml': `runconfigs: [runconfigs/*.yml]
workspace: {resource_group: ml-rg, name: ml-ws}
experiment_name: demo
computes:
  cpu: {type: amlcompute, size: Standard_D4s_v3, max_instances: 1}
  spark-pool: {type: spark, instance_type: standard_e4s_v3, runtime_version: "3.4"}
  here: {type: local}
environments:
  sk: {conda_file: env/conda.yml}
datasets:
  subset: {type: uri_file, path: azureml://datastores/workspaceblobstore/paths/x.csv, local_path: data/x.csv}
  remote: {type: uri_folder, path: azureml://datastores/workspaceblobstore/paths/full/}
profiles:
  pr: [train]
`,
  'env/conda.yml': 'name: sk\nchannels: [conda-forge]\ndependencies:\n  - python=3.10\n  - scikit-learn\n',
  'src/train.py': 'print("train")\n',
  'src/prep.py': 'print("prep")\n',
  'data/x.csv': 'a,b\n1,2\n',
  'runconfigs/train.yml': `code: ../src
command: python train.py --data \${{inputs.data}} --model \${{outputs.model}}
environment: sk
compute: cpu
inputs:
  data: {dataset: subset}
outputs:
  model: {type: uri_folder}
`,
};

/** What the task tests' projects share: a project file with a compute, an environment and a dataset, and their files. */
export const TASK_PROJECT_BASE: Record<string, string> = {
  'mlsteps.yml': [
    'runconfigs: [runconfigs/*.yml]',
    'computes:',
    '  cpu-cluster: {type: amlcompute, size: Standard_D4s_v3, max_instances: 1}',
    'environments:',
    '  sklearn: {conda_file: environments/sklearn.yml}',
    'datasets:',
    '  subset: {type: uri_file, path: azureml://datastores/workspaceblobstore/paths/x/subset.csv, local_path: data/subset.csv}',
    '',
  ].join('\n'),
  'environments/sklearn.yml': 'name: sk\ndependencies:\n  - python=3.10\n  - scikit-learn=1.3\n',
  'src/train.py': 'print("train")\n',
  'data/subset.csv': 'a,b\n1,2\n',
};
