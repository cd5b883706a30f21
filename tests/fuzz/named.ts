// The named hostile cases of issue 6: hostile files in every role a file plays, and hostile paths
// in every field that takes a path. Each runs in the fuzz sandbox (so it is also checked for
// crashes, output, hangs and reads outside the repository) and names the code it must produce.
import { stringify } from 'yaml';
import { OUTSIDE, type CaseTree, type FuzzCase } from './harness';
import { V1_FILE, V1_TEXT, V1_TREE } from './generators';

/** A small valid project under ml/: one `..` stays in the repository, three leave it. */
export const NAMED_PROJECT: CaseTree = {
  'ml/mlsteps.yml': `runconfigs: [runconfigs/*.yml]
computes:
  cpu: {type: amlcompute, size: Standard_D4s_v3, max_instances: 1}
  spark-pool: {type: spark, instance_type: standard_e4s_v3, runtime_version: "3.4"}
  here: {type: local}
environments:
  sk: {conda_file: env/conda.yml}
  asset: {image: x}
datasets:
  subset: {type: uri_file, path: azureml://datastores/workspaceblobstore/paths/x.csv, local_path: data/x.csv}
`,
  'ml/env/conda.yml': 'name: sk\nchannels: [conda-forge]\ndependencies:\n  - python=3.10\n',
  'ml/env/asset.yml': 'image: mcr.microsoft.com/azureml/minimal-ubuntu22.04-py39-cpu-inference\nconda_file: conda.yml\n',
  'ml/docker/Dockerfile': 'FROM scratch\n',
  'ml/src/train.py': 'print("train")\n',
  'ml/data/x.csv': 'a\n1\n',
  'ml/runconfigs/train.yml': `code: ../src
command: python train.py --data \${{inputs.data}}
environment: sk
compute: cpu
inputs:
  data: {dataset: subset}
`,
};

/** In-repository links out of it, beside the file whose field names them (and only in that case). */
function linksIn(dir: string): CaseTree {
  return { [`${dir}/links/out.yml`]: { symlink: `${OUTSIDE}/secret.yml` }, [`${dir}/links/out.py`]: { symlink: `${OUTSIDE}/secret.py` }, [`${dir}/links/out-dir`]: { symlink: `${OUTSIDE}/src` }, [`${dir}/links/out-dir.yml`]: { symlink: `${OUTSIDE}/src` } };
}

/** Hostile values for a path, and whether each must be reported as leaving the repository. */
export const HOSTILE_PATH_VALUES: { name: string; value: string; leaves: boolean }[] = [
  { name: '..', value: '../../../../outside/secret.yml', leaves: true },
  { name: '.. with backslashes', value: '..\\..\\..\\..\\outside\\secret.yml', leaves: true },
  { name: 'absolute', value: `${OUTSIDE}/secret.yml`, leaves: true },
  { name: '/etc/passwd', value: '/etc/passwd', leaves: true },
  { name: 'drive letter C:\\', value: 'C:\\Windows\\win.ini', leaves: true },
  { name: 'drive letter C:/', value: 'C:/Windows/win.ini', leaves: true },
  { name: 'UNC share', value: '\\\\server\\share\\secret.yml', leaves: true },
  { name: 'symlink to a file outside', value: 'links/out.yml', leaves: true },
  { name: 'symlink to a folder outside', value: 'links/out-dir', leaves: true },
  { name: 'NUL byte', value: 'src\0.yml', leaves: false },
  { name: 'NUL byte then ..', value: '\0/../../../../outside/secret.yml', leaves: false },
];

type Doc = Record<string, unknown>;
const TRAIN: Doc = { code: '../src', command: 'python train.py', environment: 'sk', compute: 'cpu' };
const SWEEP: Doc = { type: 'sweep', compute: 'cpu', sampling_algorithm: 'random', search_space: { C: { type: 'choice', values: [1, 2] } }, objective: { goal: 'maximize', primary_metric: 'auc' }, limits: { max_total_trials: 2 }, trial: { code: '../src', command: 'python train.py --C ${{search_space.C}}', environment: 'sk' } };
const SPARK: Doc = { type: 'spark', code: '../src', entry: { file: 'train.py' }, compute: 'spark-pool', environment: 'sk' };
const PROJECT_DOC = (edit: (p: Doc) => void): string => {
  const doc: Doc = {
    runconfigs: ['runconfigs/*.yml'],
    computes: { cpu: { type: 'amlcompute', size: 'Standard_D4s_v3', max_instances: 1 }, 'spark-pool': { type: 'spark', instance_type: 'standard_e4s_v3', runtime_version: '3.4' }, here: { type: 'local' } },
    environments: { sk: { conda_file: 'env/conda.yml' } },
    datasets: { subset: { type: 'uri_file', path: 'azureml://datastores/workspaceblobstore/paths/x.csv', local_path: 'data/x.csv' } },
  };
  edit(doc);
  return stringify(doc);
};

/**
 * Every field that takes a path: where it is written, and what it must say when the path leaves
 * the repository (`extends` and `needs` take names, so a path there is an unknown name).
 */
const PATH_FIELDS: { field: string; leaves: string; put: (value: string) => CaseTree; from?: string; file?: string; existenceCheckedWhenUsedLocally?: boolean }[] = [
  { field: 'code', leaves: 'MLS131', put: (v) => ({ 'ml/runconfigs/train.yml': stringify({ ...TRAIN, code: v }) }) },
  { field: 'trial.code', leaves: 'MLS131', put: (v) => ({ 'ml/runconfigs/train.yml': stringify({ ...SWEEP, trial: { ...(SWEEP.trial as Doc), code: v } }) }) },
  { field: 'environment.conda_file', leaves: 'MLS131', put: (v) => ({ 'ml/runconfigs/train.yml': stringify({ ...TRAIN, environment: { conda_file: v, image: 'x' } }) }) },
  { field: 'environment (a conda file path)', leaves: 'MLS131', put: (v) => ({ 'ml/runconfigs/train.yml': stringify({ ...TRAIN, environment: v.endsWith('.yml') ? v : `${v}.yml` }) }) },
  { field: 'environment: file:', leaves: 'MLS131', put: (v) => ({ 'ml/runconfigs/train.yml': stringify({ ...TRAIN, environment: `file:${v}` }) }) },
  { field: 'environment.build.path', leaves: 'MLS131', put: (v) => ({ 'ml/runconfigs/train.yml': stringify({ ...TRAIN, environment: { build: { path: v } } }) }) },
  { field: 'trial.environment.conda_file', leaves: 'MLS131', put: (v) => ({ 'ml/runconfigs/train.yml': stringify({ ...SWEEP, trial: { ...(SWEEP.trial as Doc), environment: { conda_file: v, image: 'x' } } }) }) },
  { field: 'inputs.x.path', leaves: 'MLS131', put: (v) => ({ 'ml/runconfigs/train.yml': stringify({ ...TRAIN, command: 'python train.py ${{inputs.x}}', inputs: { x: { type: 'uri_file', path: v } } }) }) },
  { field: 'entry.file', leaves: 'MLS131', from: 'ml/src', put: (v) => ({ 'ml/runconfigs/train.yml': stringify({ ...SPARK, entry: { file: v } }) }) },
  ...(['py_files', 'jars', 'files', 'archives'] as const).map((key) => ({ field: key, leaves: 'MLS131', from: 'ml/src', put: (v: string) => ({ 'ml/runconfigs/train.yml': stringify({ ...SPARK, [key]: [v] }) }) })),
  { field: 'extends', leaves: 'MLS111', put: (v) => ({ 'ml/runconfigs/train.yml': stringify({ ...TRAIN, extends: v }) }) },
  { field: 'needs', leaves: 'MLS110', put: (v) => ({ 'ml/runconfigs/train.yml': stringify({ ...TRAIN, needs: [v] }) }) },
  { field: 'mlsteps.yml runconfigs', leaves: 'MLS131', from: 'ml', file: 'ml/mlsteps.yml', put: (v) => ({ 'ml/mlsteps.yml': PROJECT_DOC((p) => (p.runconfigs = ['runconfigs/*.yml', v])) }) },
  { field: 'mlsteps.yml runconfigs glob', leaves: 'MLS131', from: 'ml', file: 'ml/mlsteps.yml', put: (v) => ({ 'ml/mlsteps.yml': PROJECT_DOC((p) => (p.runconfigs = ['runconfigs/*.yml', `${v}/*.yml`])) }) },
  { field: 'mlsteps.yml environments.x.conda_file', leaves: 'MLS131', from: 'ml', file: 'ml/mlsteps.yml', put: (v) => ({ 'ml/mlsteps.yml': PROJECT_DOC((p) => ((p.environments as Doc).sk = { conda_file: v })) }) },
  { field: 'mlsteps.yml environments.x.build.path', leaves: 'MLS131', from: 'ml', file: 'ml/mlsteps.yml', put: (v) => ({ 'ml/mlsteps.yml': PROJECT_DOC((p) => ((p.environments as Doc).sk = { build: { path: v } })) }) },
  { field: 'mlsteps.yml datasets.x.local_path', leaves: 'MLS131', from: 'ml', file: 'ml/mlsteps.yml', existenceCheckedWhenUsedLocally: true, put: (v) => ({ 'ml/mlsteps.yml': PROJECT_DOC((p) => ((p.datasets as Doc).subset = { type: 'uri_file', path: 'azureml://datastores/workspaceblobstore/paths/x.csv', local_path: v })) }) },
  { field: 'environment file conda_file', leaves: 'MLS131', from: 'ml/env', file: 'ml/env/asset.yml', put: (v) => ({ 'ml/env/asset.yml': stringify({ image: 'x', conda_file: v }), 'ml/runconfigs/train.yml': stringify({ ...TRAIN, environment: 'file:../env/asset.yml' }) }) },
  { field: 'environment file build.path', leaves: 'MLS131', from: 'ml/env', file: 'ml/env/asset.yml', put: (v) => ({ 'ml/env/asset.yml': stringify({ build: { path: v } }), 'ml/runconfigs/train.yml': stringify({ ...TRAIN, environment: 'file:../env/asset.yml' }) }) },
];

/** The script a command runs is a path too, resolved from the code folder. */
const COMMAND_SCRIPTS: { name: string; script: string; prefix?: string }[] = [
  { name: '..', script: '../../../../outside/secret.py' },
  { name: '.. with backslashes', script: '..\\..\\..\\..\\outside\\secret.py' },
  { name: 'drive letter', script: 'C:\\outside\\secret.py' },
  { name: 'symlink to a file outside', script: 'links/out.py' },
  { name: 'cd .. first', script: 'secret.py', prefix: 'cd ../../../../outside && ' },
];

/** SDK v1 fields that take a path: the script and the conda file, checked when the v1 file is validated. */
const V1_FIELDS: { field: string; put: (v: string) => string }[] = [
  { field: 'v1 script', put: (v) => V1_TEXT.replace('script: train.py', `script: ${JSON.stringify(v.endsWith('.yml') ? v.replace(/\.yml$/, '.py') : v)}`) },
  { field: 'v1 condaDependenciesFile', put: (v) => V1_TEXT.replace('condaDependenciesFile: .azureml/conda_dependencies.yml', `condaDependenciesFile: ${JSON.stringify(v)}`) },
];

function pathCases(): FuzzCase[] {
  const cases: FuzzCase[] = [];
  for (const { name, value, leaves } of HOSTILE_PATH_VALUES) {
    for (const { field, leaves: code, put, from = 'ml/runconfigs', file = 'ml/runconfigs/train.yml', existenceCheckedWhenUsedLocally = false } of PATH_FIELDS) {
      // The finding must be the field's own (its message names the value), not another one's.
      const findings = leaves || code !== 'MLS131' ? [{ code, file, mentions: value }] : [];
      const tree = { ...NAMED_PROJECT, ...(value.startsWith('links/') ? linksIn(from) : {}), ...put(value) };
      // A path with a NUL byte cannot exist: it is missing (MLS130), or a pattern that matches nothing
      // (MLS116, a warning); a dataset's local_path must exist only for a step that runs locally.
      const missingIsAnError = !field.startsWith('mlsteps.yml runconfigs') && !existenceCheckedWhenUsedLocally;
      cases.push({ label: `${name} in ${field}`, tree, action: { kind: 'validate', paths: ['ml'] }, expectFindings: findings, expectNotOk: leaves || missingIsAnError });
    }
    for (const { field, put } of V1_FIELDS) {
      // v1 paths are relative to the project folder, the parent of .azureml/.
      const tree = { ...V1_TREE, ...linksIn('project'), [V1_FILE]: put(value) };
      // A script that is a folder is not one the command can run, so it is not checked as a script.
      const scriptIsFolder = field === 'v1 script' && value.endsWith('out-dir');
      cases.push({ label: `${name} in ${field} (validate)`, tree, action: { kind: 'validate', paths: [V1_FILE] }, expectCodes: leaves && !scriptIsFolder ? ['MLS131'] : [], expectNotOk: leaves && !scriptIsFolder });
      cases.push({ label: `${name} in ${field} (import)`, tree, action: { kind: 'import', file: V1_FILE } });
    }
  }
  for (const { name, script, prefix } of COMMAND_SCRIPTS) {
    const tree = { ...NAMED_PROJECT, ...(script.startsWith('links/') ? linksIn('ml/src') : {}), 'ml/runconfigs/train.yml': stringify({ ...TRAIN, command: `${prefix ?? ''}python ${script}` }) };
    cases.push({ label: `${name} in the command's script`, tree, action: { kind: 'validate', paths: ['ml'] }, expectFindings: [{ code: 'MLS131', file: 'ml/runconfigs/train.yml', mentions: script.replace(/\\/g, '/').split('/').pop()! }], expectNotOk: true });
  }
  return cases;
}

/** Content that must be refused whatever file it is in. */
function aliasBomb(): string {
  const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  'bcdefghi'.split('').forEach((name, i) => lines.push(`${name}: &${name} [${Array(9).fill('*' + (i === 0 ? 'a' : 'bcdefghi'[i - 1])).join(',')}]`));
  return lines.join('\n') + '\n';
}

type Content = CaseTree[string];
const HOSTILE_CONTENT: { name: string; content: Content; code: string; bySize?: boolean }[] = [
  { name: 'an alias bomb', content: aliasBomb(), code: 'MLS004' },
  { name: 'a 10 MB file', content: { repeat: 'key: value value value value value value value\n', bytes: 10 * 1024 * 1024 }, code: 'MLS003', bySize: true },
  { name: '10,000 levels of flow nesting', content: 'tags: ' + '['.repeat(10_000) + ']'.repeat(10_000) + '\n', code: 'MLS004' },
  { name: '10,000 levels of mappings', content: 'a: ' + '{b: '.repeat(10_000) + '1' + '}'.repeat(10_000) + '\n', code: 'MLS004' },
  { name: '10,000 levels of block sequences', content: '- '.repeat(10_000) + 'x\n', code: 'MLS004' },
  // 10,000 levels of block indentation is 50 MB of spaces: refused by its size before parsing.
  { name: '10,000 levels of block indentation', content: { repeat: ' ', bytes: 10_000 * 5_000 }, code: 'MLS003', bySize: true },
  { name: '1,500 levels of block indentation', content: 'tags:\n' + Array.from({ length: 1500 }, (_, i) => ' '.repeat(i + 1) + 'k:').join('\n') + ' 1\n', code: 'MLS004' },
  { name: 'binary bytes', content: Uint8Array.from([0x00, 0x01, 0x02, 0x03, 0x67, 0x61, 0x72, 0xff, 0xfe, 0x00]), code: 'MLS003' },
  { name: 'invalid UTF-8', content: Uint8Array.from([...Buffer.from('code: ../src\ncommand: python '), 0xc3, 0x28, 0xa0, 0xa1, 0xed, 0xa0, 0x80, ...Buffer.from('.py\n')]), code: 'MLS003' },
  { name: 'UTF-16 text', content: Uint8Array.from([0xff, 0xfe, ...Buffer.from('code: ../src\n', 'utf16le')]), code: 'MLS003' },
  { name: 'a NUL byte in the text', content: 'code: ../src\ncommand: python train.py\u0000\n', code: 'MLS003' },
];

/** Where hostile content can be: each file role, how it is reached, and the code a conda file turns a read failure into. */
const FILE_ROLES: { role: string; file: string; action: FuzzCase['action']; tree: CaseTree; codeFor: (code: string, bySize: boolean) => string }[] = [
  { role: 'project file', file: 'ml/mlsteps.yml', action: { kind: 'validate', paths: ['ml'] }, tree: NAMED_PROJECT, codeFor: (c) => c },
  { role: 'run configuration', file: 'ml/runconfigs/train.yml', action: { kind: 'validate', paths: ['ml'] }, tree: NAMED_PROJECT, codeFor: (c) => c },
  { role: 'run configuration named on its own', file: 'ml/runconfigs/train.yml', action: { kind: 'validate', paths: ['ml/runconfigs/train.yml'] }, tree: NAMED_PROJECT, codeFor: (c) => c },
  // A conda file that is not YAML text "does not parse" (MLS132); one too large to read is MLS003.
  { role: 'conda file', file: 'ml/env/conda.yml', action: { kind: 'validate', paths: ['ml'] }, tree: NAMED_PROJECT, codeFor: (c, bySize) => (bySize ? 'MLS003' : 'MLS132') },
  { role: 'environment file', file: 'ml/env/asset.yml', action: { kind: 'validate', paths: ['ml'] }, tree: { ...NAMED_PROJECT, 'ml/runconfigs/train.yml': stringify({ ...TRAIN, environment: 'file:../env/asset.yml' }) }, codeFor: (c) => c },
  { role: 'SDK v1 .runconfig (validate)', file: V1_FILE, action: { kind: 'validate', paths: [V1_FILE] }, tree: V1_TREE, codeFor: (c) => c },
  { role: 'SDK v1 .runconfig (import)', file: V1_FILE, action: { kind: 'import', file: V1_FILE }, tree: V1_TREE, codeFor: (c) => c },
];

function contentCases(): FuzzCase[] {
  const cases: FuzzCase[] = [];
  for (const { name, content, code, bySize = false } of HOSTILE_CONTENT) {
    for (const { role, file, action, tree, codeFor } of FILE_ROLES) {
      cases.push({ label: `${name} as the ${role}`, tree: { ...tree, [file]: content }, action, expectFindings: [{ code: codeFor(code, bySize), file }], expectNotOk: true });
    }
  }
  return cases;
}

/** Files that are themselves symlinks out of the repository, in each role. */
function linkedFileCases(): FuzzCase[] {
  const out = (target: string) => ({ symlink: `${OUTSIDE}/${target}` });
  const rc = (edit: Doc) => stringify({ ...TRAIN, ...edit });
  return [
    { label: 'mlsteps.yml is a symlink out of the repository', tree: { ...NAMED_PROJECT, 'ml/mlsteps.yml': out('mlsteps.yml') }, action: { kind: 'validate', paths: ['ml'] }, expectCodes: ['MLS131'], expectNotOk: true },
    { label: 'mlsteps.yml named on its own is a symlink out', tree: { ...NAMED_PROJECT, 'ml/mlsteps.yml': out('mlsteps.yml') }, action: { kind: 'validate', paths: ['ml/mlsteps.yml'] }, expectCodes: ['MLS131'], expectNotOk: true },
    { label: 'the project folder is a symlink out', tree: { ...NAMED_PROJECT, 'linked': out('') }, action: { kind: 'validate', paths: ['linked'] }, expectCodes: ['MLS131'], expectNotOk: true },
    { label: 'a run configuration matched by the glob is a symlink out', tree: { ...NAMED_PROJECT, 'ml/runconfigs/leak.yml': out('secret.yml') }, action: { kind: 'validate', paths: ['ml'] }, expectCodes: ['MLS131'], expectNotOk: true },
    { label: 'a run configuration named on its own is a symlink out', tree: { ...NAMED_PROJECT, 'ml/runconfigs/leak.yml': out('secret.yml') }, action: { kind: 'validate', paths: ['ml/runconfigs/leak.yml'] }, expectCodes: ['MLS131'], expectNotOk: true },
    { label: 'the runconfigs folder is a symlink out', tree: { ...Object.fromEntries(Object.entries(NAMED_PROJECT).filter(([p]) => !p.startsWith('ml/runconfigs/'))), 'ml/runconfigs': out('') }, action: { kind: 'validate', paths: ['ml'] }, expectCodes: ['MLS131'], expectNotOk: true },
    { label: 'the conda file is a symlink out', tree: { ...NAMED_PROJECT, 'ml/env/conda.yml': out('conda.yml') }, action: { kind: 'validate', paths: ['ml'] }, expectCodes: ['MLS131'], expectNotOk: true },
    { label: 'the code folder is a symlink out', tree: { ...NAMED_PROJECT, 'ml/src': out('src') }, action: { kind: 'validate', paths: ['ml'] }, expectCodes: ['MLS131'], expectNotOk: true },
    { label: 'the code folder holds a symlink out', tree: { ...NAMED_PROJECT, 'ml/src/leak': out('src') }, action: { kind: 'validate', paths: ['ml'] }, expectCodes: ['MLS131'], expectNotOk: true },
    // Found by the fuzzer (seed 20261126, case 2021): a link to a folder inside the repository that
    // itself holds a link out passed validation, and the code snapshot read (and would upload) it.
    { label: 'the code folder links to a folder in the repository that links out', tree: { ...NAMED_PROJECT, 'ml/src/lib': { symlink: '../other' }, 'ml/other/leak': out('src') }, action: { kind: 'validate', paths: ['ml'] }, expectFindings: [{ code: 'MLS131', file: 'ml/runconfigs/train.yml', mentions: 'src/lib/leak' }], expectNotOk: true },
    { label: 'the code folder links to its own parent, which links out', tree: { ...NAMED_PROJECT, 'ml/src/up': { symlink: '..' }, 'ml/leak': out('src') }, action: { kind: 'validate', paths: ['ml'] }, expectFindings: [{ code: 'MLS131', file: 'ml/runconfigs/train.yml', mentions: 'src/up/leak' }], expectNotOk: true },
    { label: 'a link loop inside the code folder is walked once', tree: { ...NAMED_PROJECT, 'ml/src/loop': { symlink: '.' }, 'ml/src/sub/back': { symlink: '..' } }, action: { kind: 'validate', paths: ['ml'] }, expectNoDiagnostics: true },
    { label: 'the script is a symlink out', tree: { ...NAMED_PROJECT, 'ml/src/train.py': out('secret.py') }, action: { kind: 'validate', paths: ['ml'] }, expectCodes: ['MLS131'], expectNotOk: true },
    { label: 'a dataset local_path is a symlink out', tree: { ...NAMED_PROJECT, 'ml/data/x.csv': out('secret.yml') }, action: { kind: 'validate', paths: ['ml'] }, expectCodes: ['MLS131'], expectNotOk: true },
    { label: 'the environment file is a symlink out', tree: { ...NAMED_PROJECT, 'ml/env/asset.yml': out('secret.yml'), 'ml/runconfigs/train.yml': rc({ environment: 'file:../env/asset.yml' }) }, action: { kind: 'validate', paths: ['ml'] }, expectCodes: ['MLS131'], expectNotOk: true },
    { label: 'the .runconfig is a symlink out (validate)', tree: { ...V1_TREE, [V1_FILE]: out('secret.runconfig') }, action: { kind: 'validate', paths: [V1_FILE] }, expectCodes: ['MLS131'], expectNotOk: true },
    { label: 'the .runconfig is a symlink out (import)', tree: { ...V1_TREE, [V1_FILE]: out('secret.runconfig') }, action: { kind: 'import', file: V1_FILE }, expectCodes: ['MLS131'], expectNotOk: true },
    { label: 'the .azureml folder is a symlink out (import)', tree: { 'project/train.py': 'print(1)\n', 'project/.azureml': out('') }, action: { kind: 'import', file: 'project/.azureml/secret.runconfig' }, expectCodes: ['MLS131'], expectNotOk: true },
  ];
}

/** Values the v1 import and the messages turn into text: `String()` throws on some of them. */
function unprintableValueCases(): FuzzCase[] {
  const v1 = (text: string): FuzzCase => ({ label: `v1 import of ${JSON.stringify(text.slice(0, 60))}`, tree: { ...V1_TREE, [V1_FILE]: text }, action: { kind: 'import', file: V1_FILE } });
  return [
    v1('script: train.py\narguments: [{toString: x}, {valueOf: 1}]\n'),
    v1('command: [python, {toString: 1}]\n'),
    v1('environmentVariables: {A: {toString: x}}\n'),
    v1('framework: PySpark\nspark: {configuration: {spark.a: {toString: x}}}\n'),
    v1('data: {d: {dataLocation: {dataset: {name: n, version: {toString: x}}}}}\n'),
    v1('data: {d: {dataLocation: {dataPath: {datastoreName: ws, relativePath: {toString: x}}}}}\n'),
    v1('outputData: {m: {outputLocation: {dataPath: {datastoreName: ws, relativePath: {toString: x}}}}}\n'),
    { label: 'job type {toString: x}', tree: { ...NAMED_PROJECT, 'ml/runconfigs/train.yml': stringify({ ...TRAIN, type: { toString: 'x' } }) }, action: { kind: 'validate', paths: ['ml'] }, expectCodes: ['MLS103'], expectNotOk: true },
    { label: 'compute "local" of type {toString: x}', tree: { ...NAMED_PROJECT, 'ml/mlsteps.yml': PROJECT_DOC((p) => ((p.computes as Doc).local = { type: { toString: 'x' } })) }, action: { kind: 'validate', paths: ['ml'] }, expectNotOk: true },
  ];
}

/**
 * `extends` that is not a name. Found by the fuzzer (seed 20261126, case 8679): such a run
 * configuration got no diagnostic at all, so validating it alone passed and the plan went on to
 * snapshot code folders through a symlink out of the repository.
 */
function extendsNotANameCases(): FuzzCase[] {
  const values: [string, unknown][] = [['false', false], ['a number', 3], ['a list', ['train']], ['a mapping', { name: 'train' }], ['null', null]];
  return values.flatMap(([name, value]) => {
    const tree = { ...NAMED_PROJECT, 'ml/src/leak': { symlink: `${OUTSIDE}/src` }, 'ml/runconfigs/other.yml': stringify({ ...TRAIN, name: 'other' }), 'ml/runconfigs/train.yml': stringify({ ...TRAIN, extends: value }) };
    return [
      { label: `extends: ${name} (the run configuration alone)`, tree, action: { kind: 'validate', paths: ['ml/runconfigs/train.yml'] }, expectFindings: [{ code: 'MLS102', file: 'ml/runconfigs/train.yml', mentions: 'extends' }], expectNotOk: true },
      { label: `extends: ${name} (the project)`, tree, action: { kind: 'validate', paths: ['ml'] }, expectFindings: [{ code: 'MLS102', file: 'ml/runconfigs/train.yml', mentions: 'extends' }], expectNotOk: true },
    ] satisfies FuzzCase[];
  });
}

/**
 * Long repetitive text, found by the fuzzer once it generated it (seed 20261126, cases 16, 154 and
 * 679): each of these hung or ran the worker out of memory before the fix.
 */
function longTextCases(): FuzzCase[] {
  const project = (files: Record<string, Doc>): CaseTree => ({ ...NAMED_PROJECT, ...Object.fromEntries(Object.entries(files).map(([name, doc]) => [`ml/runconfigs/${name}.yml`, stringify(doc, { lineWidth: 0 })])) });
  const longName = 'azureml:' + ' '.repeat(30_000);
  return [
    // `\s*([^{}]*?)\s*` backtracked quadratically: minutes for 10,000 spaces.
    { label: '${{ and 5,000 spaces in a command', tree: project({ train: { ...TRAIN, command: 'python train.py ${{' + ' '.repeat(5_000) } }), action: { kind: 'validate', paths: ['ml'] } },
    { label: '${{ and 5,000 spaces in an input', tree: project({ train: { ...TRAIN, inputs: { x: '${{' + ' '.repeat(5_000) } } }), action: { kind: 'validate', paths: ['ml'] } },
    // The edit distance of two 30,000-character names is 900 million cells: gigabytes.
    { label: 'a 30,000-character needs beside a 30,000-character name', tree: project({ train: { ...TRAIN, needs: longName + 'x' }, other: { ...TRAIN, name: longName } }), action: { kind: 'validate', paths: ['ml'] }, expectFindings: [{ code: 'MLS110', file: 'ml/runconfigs/train.yml' }], expectNotOk: true },
    // Rebuilding the folder for each `cd ..` was quadratic: 18 s for 30,000 of them.
    { label: '30,000 `cd ../` in a command', tree: project({ train: { ...TRAIN, command: 'cd ../;'.repeat(30_000) + 'python x.py' } }), action: { kind: 'validate', paths: ['ml'] }, expectFindings: [{ code: 'MLS131', file: 'ml/runconfigs/train.yml' }], expectNotOk: true },
    { label: '20,000 scripts in a command', tree: project({ train: { ...TRAIN, command: 'python missing.py;'.repeat(20_000) } }), action: { kind: 'validate', paths: ['ml'] }, expectFindings: [{ code: 'MLS130', file: 'ml/runconfigs/train.yml' }], expectNotOk: true },
  ];
}

/**
 * A run configuration validated on its own is validated with what it needs (found by the fuzzer,
 * seed 20261126 case 226): the findings of a needed run configuration were dropped as "not asked
 * for", validation passed, and the plan then read the broken one's conda file and threw ENOENT.
 */
function neededRunConfigCases(): FuzzCase[] {
  const tree = { ...NAMED_PROJECT, 'ml/runconfigs/train.yml': stringify({ ...TRAIN, needs: ['prep'] }), 'ml/runconfigs/prep.yml': stringify({ ...TRAIN, needs: 'base' }), 'ml/runconfigs/base.yml': stringify({ ...TRAIN, environment: { conda_file: 'c:secret.yml', image: 'x' } }) };
  return [
    { label: 'the run configuration alone, two needs away from a broken one', tree, action: { kind: 'validate', paths: ['ml/runconfigs/train.yml'] }, expectFindings: [{ code: 'MLS131', file: 'ml/runconfigs/base.yml', mentions: 'c:secret.yml' }], expectNotOk: true },
    { label: 'a broken run configuration nobody needs stays unreported', tree: { ...tree, 'ml/runconfigs/train.yml': stringify(TRAIN) }, action: { kind: 'validate', paths: ['ml/runconfigs/train.yml'] }, expectNoDiagnostics: true },
  ];
}

/**
 * Names of Object.prototype's members: `compute: constructor` and `environment: toString` passed
 * as catalog entries, `${{inputs.constructor}}` as a declared input, and a `__proto__` key
 * vanished in the `extends` merge (it became the merged document's prototype) unreported.
 */
function prototypeNameCases(): FuzzCase[] {
  const rc = (doc: Doc, label: string, code: string, mentions: string): FuzzCase => ({ label, tree: { ...NAMED_PROJECT, 'ml/runconfigs/train.yml': stringify(doc) }, action: { kind: 'validate', paths: ['ml'] }, expectFindings: [{ code, file: 'ml/runconfigs/train.yml', mentions }], expectNotOk: true });
  const withProto = (doc: Doc, value: unknown): Doc => {
    const out = { ...doc };
    Object.defineProperty(out, '__proto__', { value, enumerable: true, writable: true, configurable: true });
    return out;
  };
  return [
    rc({ ...TRAIN, compute: 'constructor' }, 'compute: constructor', 'MLS104', 'constructor'),
    rc({ ...TRAIN, compute: '__proto__' }, 'compute: __proto__', 'MLS104', '__proto__'),
    rc({ ...TRAIN, environment: 'toString' }, 'environment: toString', 'MLS104', 'toString'),
    rc({ ...TRAIN, command: 'python train.py ${{inputs.data}}', inputs: { data: { dataset: 'hasOwnProperty' } } }, 'dataset: hasOwnProperty', 'MLS104', 'hasOwnProperty'),
    rc({ ...TRAIN, command: 'python train.py ${{inputs.constructor}}' }, '${{inputs.constructor}}', 'MLS120', 'constructor'),
    rc({ ...TRAIN, command: 'python train.py ${{outputs.toString}}' }, '${{outputs.toString}}', 'MLS123', 'toString'),
    rc({ ...SWEEP, trial: { ...(SWEEP.trial as Doc), command: 'python train.py --C ${{search_space.C}} ${{search_space.valueOf}}' } }, '${{search_space.valueOf}}', 'MLS124', 'valueOf'),
    rc(withProto(TRAIN, { code: '../../../../outside' }), 'a __proto__ key in a run configuration', 'MLS101', '__proto__'),
    { label: 'a __proto__ key in a run configuration that extends another', tree: { ...NAMED_PROJECT, 'ml/runconfigs/base.yml': stringify({ ...TRAIN, name: 'base' }), 'ml/runconfigs/train.yml': stringify(withProto({ extends: 'base' }, { compute: 'cpu' })) }, action: { kind: 'validate', paths: ['ml'] }, expectFindings: [{ code: 'MLS101', file: 'ml/runconfigs/train.yml', mentions: '__proto__' }], expectNotOk: true },
    { label: 'v1 data and outputData named __proto__', tree: { ...V1_TREE, [V1_FILE]: 'script: train.py\ndata:\n  __proto__: {dataLocation: {dataset: {name: d}}}\noutputData:\n  __proto__: {outputLocation: {dataPath: {datastoreName: ws}}}\n' }, action: { kind: 'import', file: V1_FILE } },
  ];
}

/** An `extends` chain longer than any real one (merging every chain made 5,000 links take 20 s). */
function longExtendsChainCases(): FuzzCase[] {
  const chain = (links: number): CaseTree => ({
    ...NAMED_PROJECT,
    ...Object.fromEntries(Array.from({ length: links }, (_, i) => [`ml/runconfigs/r${i}.yml`, i === 0 ? stringify(TRAIN) : `extends: r${i - 1}\n`])),
  });
  return [
    { label: 'an extends chain of 33 run configurations', tree: chain(33), action: { kind: 'validate', paths: ['ml'] }, expectFindings: [{ code: 'MLS004', file: 'ml/runconfigs/r32.yml', mentions: 'extends chain of "r32"' }], expectNotOk: true },
    { label: 'an extends chain of 32 run configurations is fine', tree: chain(32), action: { kind: 'validate', paths: ['ml'] }, expectNoDiagnostics: true },
    { label: 'an extends chain of 400 run configurations', tree: chain(400), action: { kind: 'validate', paths: ['ml/runconfigs/r399.yml'] }, expectFindings: [{ code: 'MLS004', file: 'ml/runconfigs/r399.yml' }], expectNotOk: true },
  ];
}

/**
 * Control characters in values that messages quote (found by the fuzzer once messages were
 * required to be one line): a newline could forge a `##vso[` logging command or a fake finding in
 * a build log, an escape sequence repaint a terminal. They are shown as escapes.
 */
function controlCharacterCases(): FuzzCase[] {
  const rc = (doc: Doc, label: string, code: string, mentions: string): FuzzCase => ({ label, tree: { ...NAMED_PROJECT, 'ml/runconfigs/train.yml': stringify(doc) }, action: { kind: 'validate', paths: ['ml'] }, expectFindings: [{ code, file: 'ml/runconfigs/train.yml', mentions }], expectNotOk: true });
  return [
    rc({ ...TRAIN, needs: ['x\n##vso[task.setvariable variable=secret]leaked'] }, 'a newline and ##vso[ in needs', 'MLS110', 'x\n##vso[task.setvariable'),
    rc({ ...TRAIN, compute: '\u001b[2J\u001b[31mcpu' }, 'an escape sequence in compute', 'MLS104', '\u001b[2J'),
    rc({ ...TRAIN, environment: { conda_file: 'env\r\nconda.yml', image: 'x' } }, 'CR LF in a conda file path', 'MLS130', 'env\r\nconda.yml'),
    rc({ ...TRAIN, extends: 'base\u2028next' }, 'a line separator in extends', 'MLS111', 'base\u2028next'),
  ];
}

/**
 * Wide mappings (found by the fuzzer once it generated them, seed 20261126 case 38): the parser's
 * duplicate-key check compared each key with every earlier one (3 s for 20,000 keys, minutes for
 * more), and each duplicate then searched the text above it for the first one (quadratic again).
 */
function wideMappingCases(): FuzzCase[] {
  const withTags = (lines: (i: number) => string, count: number) => `${stringify(TRAIN)}tags:\n${Array.from({ length: count }, (_, i) => lines(i)).join('\n')}\n`;
  const rc = (label: string, text: string, extra: Partial<FuzzCase> = {}): FuzzCase => ({ label, tree: { ...NAMED_PROJECT, 'ml/runconfigs/train.yml': text }, action: { kind: 'validate', paths: ['ml'] }, ...extra });
  const firstTagLine = stringify(TRAIN).split('\n').length + 1;
  return [
    rc('20,000 different keys in one mapping', withTags((i) => `  k${i}: ${i}`, 20_000), { expectNoDiagnostics: true }),
    rc('20,000 times the same key', withTags((i) => `  k: ${i}`, 20_000), { expectFindings: [{ code: 'MLS002', file: 'ml/runconfigs/train.yml', mentions: `duplicate key "k" (first on line ${firstTagLine})` }], expectNotOk: true }),
    rc('20,000 keys indented with tabs', withTags((i) => `\tk${i}: ${i}`, 20_000), { expectNotOk: true }),
    rc('20,000 keys in a flow mapping, 100 different', `${stringify(TRAIN)}tags: {${Array.from({ length: 20_000 }, (_, i) => `k${i % 100}: ${i}`).join(', ')}}\n`, { expectFindings: [{ code: 'MLS002', file: 'ml/runconfigs/train.yml' }], expectNotOk: true }),
  ];
}

/** The named cases by group, for one test each. */
export function namedCases(): Record<string, FuzzCase[]> {
  return {
    'hostile paths (.., absolute, drive letters, UNC, NUL, symlinks) in every field that takes a path': pathCases(),
    'hostile files (alias bomb, 10 MB, 10,000 levels, binary, invalid UTF-8, UTF-16, NUL) in every file role': contentCases(),
    'files and folders that are symlinks out of the repository': linkedFileCases(),
    'values String() cannot print, in the v1 import and in messages': unprintableValueCases(),
    '`extends` that is not a name': extendsNotANameCases(),
    'long repetitive text (regular expressions, edit distances, `cd` chains)': longTextCases(),
    'a run configuration validated alone is validated with what it needs': neededRunConfigCases(),
    "names of Object.prototype's members (constructor, toString, __proto__)": prototypeNameCases(),
    'long extends chains': longExtendsChainCases(),
    'control characters in quoted values': controlCharacterCases(),
    'mappings of 20,000 keys, different or repeated': wideMappingCases(),
  };
}
