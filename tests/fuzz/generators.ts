// What the fuzzer feeds the validator: the real sample project mutated, generated projects (valid
// to start with, then bent), SDK v1 `.runconfig` files, and random documents. Paths in every field
// that takes one are drawn partly from hostile values: `..`, absolute, Windows, NUL, symlinks.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { OUTSIDE, type CaseTree, type FuzzCase } from './harness';
import { byteMutation, mutateBytes, mutateStructure, mutateText, textMutation, type StructuralMutation } from './mutate';

const SAMPLE_DIR = join(__dirname, '..', '..', 'samples', 'credit-risk');
/** The project sits one folder down, so a single `..` stays in the repository and two leave it. */
export const PROJECT = 'ml';

/** samples/credit-risk as a case tree under ml/ (data files shrunk: their content is never read). */
export const SAMPLE_TREE: CaseTree = (() => {
  const tree: CaseTree = {};
  const names = ['mlsteps.yml', ...['data_preparation', 'data_preparation_subset', 'data_profiling', 'data_validation', 'fullmodel_step', 'sklearn_full', 'sklearn_subset'].map((n) => `runconfigs/${n}.yml`), ...['data_preparation', 'fullmodel', 'sklearn'].map((n) => `environments/conda_dependencies_${n}.yml`), ...['common', 'prep', 'prep_spark', 'profile_data', 'train_fullmodel', 'train_sklearn', 'validate_data'].map((n) => `src/${n}.py`)];
  for (const name of names) tree[`${PROJECT}/${name}`] = readFileSync(join(SAMPLE_DIR, name), 'utf8');
  tree[`${PROJECT}/data/subset.csv`] = 'a,b\n1,2\n';
  tree[`${PROJECT}/data/full/part-000.csv`] = 'a,b\n1,2\n';
  return tree;
})();

export const SAMPLE_FILES = Object.keys(SAMPLE_TREE).filter((p) => p.endsWith('.yml'));

/** An SDK v1 run configuration as `RunConfiguration.save()` writes it. */
export const V1_TEXT = `script: train.py
arguments: [--data, DatasetConsumptionConfig:training, --epochs, '10']
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
  docker:
    enabled: true
    baseImage: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04
history:
  outputCollection: true
data:
  training:
    dataLocation:
      dataset:
        name: credit-training
        version: '3'
    mechanism: Mount
outputData:
  model:
    outputLocation:
      dataPath:
        datastoreName: workspaceblobstore
        relativePath: models/credit
    mechanism: Upload
`;

export const V1_TREE: CaseTree = {
  'project/train.py': 'print(1)\n',
  'project/.azureml/train.runconfig': V1_TEXT,
  'project/.azureml/conda_dependencies.yml': 'name: project_environment\ndependencies:\n  - python=3.8.13\n  - pip:\n    - azureml-defaults\n',
};
export const V1_FILE = 'project/.azureml/train.runconfig';

/**
 * Values for fields that take a path, each of which must stay in the repository: climbing out
 * with `..` (also with Windows separators and after a real folder), absolute paths, drive letters
 * and UNC shares, NUL bytes, `~`, URL-encoded dots, the root, and very long paths.
 */
export const HOSTILE_PATHS = [
  '..',
  '../..',
  '../../..',
  '../../../outside/secret.yml',
  '../'.repeat(40) + 'etc/passwd',
  'src/../../../outside/conda.yml',
  `${OUTSIDE}/secret.yml`,
  `${OUTSIDE}/conda.yml`,
  `${OUTSIDE}/src`,
  '/etc/passwd',
  '/',
  '/proc/self/environ',
  'C:\\Windows\\win.ini',
  'C:/Windows/win.ini',
  'c:secret.yml',
  'D:',
  '\\\\server\\share\\conda.yml',
  '..\\..\\..\\outside\\secret.yml',
  'src\\..\\..\\..\\outside',
  'src\0.py',
  '\0',
  '../\0/../../outside',
  '~/secret.yml',
  '%2e%2e/%2e%2e/%2e%2e/outside',
  'file:../../../outside/secret.yml',
  'file:///etc/passwd',
  ' ../../../outside ',
  '',
  '.',
  'a/'.repeat(2000) + 'x.yml',
  'link-out',
  'link-out-dir',
];

/** Glob patterns for `runconfigs`, where a walk that starts outside is itself a read outside. */
export const HOSTILE_GLOBS = ['../**/*.yml', '../../*.yml', '../../../outside/*.yml', `${OUTSIDE}/*.yml`, '/**/*.yml', '/etc/*', 'C:/**/*.yml', 'C:\\runconfigs\\*.yml', '..\\..\\*.yml', '**/../../*.yml', '{..,runconfigs}/*.yml', '../*/*.yml', '**/*', '\0*.yml', 'runconfigs/\0/*.yml', 'link-out-dir/*.yml', '**/link-out.yml', '[', '*'.repeat(200), '{'.repeat(50) + 'a'];

/** Symlinks a case may add, next to the files that name them. */
const LINKS: Record<string, { symlink: string }> = {
  'link-out': { symlink: `${OUTSIDE}/secret.yml` },
  'link-out-dir': { symlink: `${OUTSIDE}/src` },
};

/** Where a symlink out of the repository can replace a file or folder of the sample. */
const LINK_PLACES = [`${PROJECT}/mlsteps.yml`, `${PROJECT}/runconfigs/sklearn_full.yml`, `${PROJECT}/runconfigs/leak.yml`, `${PROJECT}/environments/conda_dependencies_sklearn.yml`, `${PROJECT}/src`, `${PROJECT}/src/leak.py`, `${PROJECT}/src/train_sklearn.py`, `${PROJECT}/src/sub`, `${PROJECT}/data/subset.csv`, `${PROJECT}/data/full`, `${PROJECT}/runconfigs`, `${PROJECT}/environments`, 'project/train.py', 'project/.azureml/conda_dependencies.yml', 'project/.azureml/train.runconfig'];
const LINK_TARGETS = ['../other', '../../other', '..', `../other/leak`, '../src', `${OUTSIDE}/secret.yml`, `${OUTSIDE}/src`, `${OUTSIDE}/mlsteps.yml`, `${OUTSIDE}/conda.yml`, `${OUTSIDE}/secret.runconfig`, `${OUTSIDE}`, '/etc/passwd', '/', '../../../outside/secret.yml', '../../outside/src', 'nowhere/at/all', '.', 'loop', '../loop'];

/**
 * Long repetitive text (up to ~60 kB, well inside the 2 MiB file limit): what makes a regular
 * expression backtrack or an edit distance blow up, e.g. `${{` and then thousands of spaces.
 */
export const longText = fc
  .tuple(fc.constantFrom('', '${{', '${{inputs.', 'needs.', 'python ', 'bash -c "', "sh -c '", 'cd ', 'a', 'azureml:'), fc.constantFrom(' ', 'a', '${{', '{', '}}', '"', 'sh -c "', '../', '\\', ':', '- ', 'x.py ', 'a.', '${{ '), fc.integer({ min: 1_000, max: 60_000 }))
  .map(([prefix, unit, length]) => prefix + unit.repeat(Math.ceil(length / unit.length)));

/**
 * A mapping of thousands of keys, unique or repeated: what makes a per-key linear scan quadratic.
 * Up to 12,000 keys (~120 kB): a quadratic pass blows the 1 s deadline there (the parser's
 * duplicate-key check alone took 1.2 s at 12,000 keys, the search for each duplicate's first
 * line 8 s), while linear validation of the same document stays near 0.3 s, far enough under the
 * deadline on a loaded 2-core machine not to make the suite flaky.
 */
export const wideMapping = fc.tuple(fc.integer({ min: 2_000, max: 12_000 }), fc.constantFrom('unique', 'repeated', 'every other')).map(([keys, kind]) => {
  const value: Record<string, unknown> = {};
  for (let i = 0; i < keys; i++) value[kind === 'unique' ? `k${i}` : kind === 'repeated' ? 'k' : `k${i % 2}${'_'.repeat(i % 7)}`] = i;
  return { keys, kind, value };
});

/** The same as text, where repeated keys survive (a JavaScript object cannot hold them). */
export const wideMappingText = fc.tuple(fc.integer({ min: 2_000, max: 12_000 }), fc.constantFrom('unique', 'repeated', 'tab-indented', 'flow')).map(([keys, kind]) => {
  const key = (i: number) => (kind === 'unique' ? `k${i}` : 'k');
  if (kind === 'flow') return `inputs: {${Array.from({ length: keys }, (_, i) => `k${i % 100}: ${i}`).join(', ')}}\n`;
  return 'inputs:\n' + Array.from({ length: keys }, (_, i) => `${kind === 'tab-indented' ? '\t' : '  '}${key(i)}: ${i}`).join('\n') + '\n';
});

const hostilePath = fc.constantFrom(...HOSTILE_PATHS);
const pathValue = (...valid: string[]) => fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...valid) }, { weight: 2, arbitrary: hostilePath });
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 3 });

/** Tree-level damage: a symlink out of the repository in place of a file or folder. */
const linkMutation = fc.record({ place: fc.constantFrom(...LINK_PLACES), target: fc.constantFrom(...LINK_TARGETS) });

/**
 * A folder inside the repository that itself links out: harmless alone, a leak once something a
 * step uses links to it (`src/sub -> ../other`, then `other/leak -> outside`).
 */
const SECOND_HOP: CaseTree = { [`${PROJECT}/other/leak`]: { symlink: `${OUTSIDE}/src` }, [`${PROJECT}/other/fine.py`]: 'print(1)\n', 'project/other/leak': { symlink: `${OUTSIDE}/src` } };

function withLinks(tree: CaseTree, links: { place: string; target: string }[]): CaseTree {
  const out: CaseTree = { ...tree };
  for (const { place, target } of links) {
    // A place under a folder an earlier link replaced does not exist any more.
    const ancestors = place.split('/').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('/'));
    if (ancestors.some((a) => typeof out[a] === 'object' && 'symlink' in (out[a] as object))) continue;
    for (const key of Object.keys(out)) if (key === place || key.startsWith(place + '/')) delete out[key];
    out[place] = { symlink: target };
  }
  return out;
}

const NAMES = ['train', 'prep', 'sweep', 'spark', 'data_preparation', 'sklearn_subset', '', 'a'.repeat(300), '../x', 'x\0y', 'train.yml', '$(rm -rf /)', '${{x}}'];
const STRUCTURE_KEYS = ['code', 'command', 'type', 'inputs', 'outputs', 'trial', 'search_space', 'compute', 'environment', 'needs', 'extends', 'entry', 'file', 'py_files', 'jars', 'files', 'archives', 'conda_file', 'local_path', 'path', 'dataset', 'runconfigs', 'computes', 'datasets', 'profiles', 'environments', 'build', 'dependencies', 'script', 'condaDependenciesFile', 'name', '<<', '__proto__', 'constructor', 'toString', 'hasOwnProperty'];

const structuralMutation: fc.Arbitrary<StructuralMutation> = fc.record({
  pick: fc.nat(),
  op: fc.constantFrom('set', 'set', 'set', 'delete', 'addKey', 'wrapInList', 'nest'),
  key: fc.constantFrom(...STRUCTURE_KEYS),
  value: fc.oneof({ weight: 3, arbitrary: hostilePath }, { weight: 1, arbitrary: fc.constantFrom(...HOSTILE_GLOBS) }, { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) }, { weight: 1, arbitrary: fc.constantFrom(...NAMES) }, { weight: 1, arbitrary: longText }, { weight: 1, arbitrary: wideMapping.map((w) => w.value) }),
});

/** Any damage to one file's content. */
const fileDamage = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('text' as const), mutations: fc.array(textMutation, { minLength: 1, maxLength: 5 }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('structure' as const), mutations: fc.array(structuralMutation, { minLength: 1, maxLength: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('bytes' as const), mutations: fc.array(byteMutation, { minLength: 1, maxLength: 3 }) }) },
);
type FileDamage = typeof fileDamage extends fc.Arbitrary<infer T> ? T : never;

function damage(text: string, d: FileDamage): string | Uint8Array {
  switch (d.kind) {
    case 'text':
      return d.mutations.reduce(mutateText, text);
    case 'structure':
      return mutateStructure(text, d.mutations);
    case 'bytes':
      return d.mutations.reduce(mutateBytes, new Uint8Array(Buffer.from(text, 'utf8')));
  }
}

/** How a case is checked: the project folder, its project file, one run configuration, or all of these. */
const sampleAction = fc.constantFrom<FuzzCase['action']>(
  { kind: 'validate', paths: [PROJECT] },
  { kind: 'validate', paths: [PROJECT] },
  { kind: 'validate', paths: [`${PROJECT}/mlsteps.yml`] },
  { kind: 'validate', paths: [`${PROJECT}/runconfigs/sklearn_full.yml`] },
  { kind: 'validate', paths: [`${PROJECT}/runconfigs/data_preparation.yml`, `${PROJECT}/runconfigs/sklearn_subset.yml`] },
);

/** The real sample undamaged, with links in and out of it: these cases pass validation and reach the plan. */
export const linkedSample: fc.Arbitrary<FuzzCase> = fc
  .tuple(fc.array(linkMutation, { minLength: 1, maxLength: 2 }), fc.constantFrom<FuzzCase['action']>({ kind: 'validate', paths: [PROJECT] }, { kind: 'validate', paths: [`${PROJECT}/runconfigs/sklearn_full.yml`] }))
  .map(([links, action]) => ({ label: `linked sample: ${links.map((l) => `${l.place} -> ${l.target}`).join(', ')}`, tree: withLinks({ ...SAMPLE_TREE, ...SECOND_HOP }, links), action }));

/** The real sample, one to three of its files damaged, sometimes a symlink out of the repository. */
export const mutatedSample: fc.Arbitrary<FuzzCase> = fc
  .tuple(fc.array(fc.tuple(fc.constantFrom(...SAMPLE_FILES), fileDamage), { minLength: 1, maxLength: 3 }), fc.array(linkMutation, { maxLength: 1 }), sampleAction, fc.boolean())
  .map(([damages, links, action, withLinkFiles]) => {
    const tree: CaseTree = { ...SAMPLE_TREE, ...(withLinkFiles ? prefixed(LINKS, PROJECT) : {}) };
    for (const [file, d] of damages) {
      const before = tree[file];
      if (typeof before === 'string') tree[file] = damage(before, d);
    }
    return { label: `sample: ${damages.map(([f, d]) => `${d.kind} ${f}`).join(', ')}${links.length ? `, link ${links[0].place} -> ${links[0].target}` : ''}`, tree: withLinks(tree, links), action };
  });

function prefixed(tree: CaseTree, dir: string): CaseTree {
  return Object.fromEntries(Object.entries(tree).flatMap(([p, c]) => [[`${dir}/${p}`, c], [`${dir}/runconfigs/${p}`, c], [`${dir}/src/${p}`, c]]));
}

// ---------- generated projects ----------

const COMPUTES = ['cpu', 'here', 'local', 'spark-pool', 'azureml:cpu', 'gpu', '', 'constructor', '__proto__'];
const ENVIRONMENT_NAMES = ['sk', 'azureml:sk@latest', 'azureml:sk:3', 'missing', 'toString'];

const expressionText = fc.constantFrom('${{inputs.constructor}}', '${{outputs.__proto__}}', '${{inputs.data}}', '${{outputs.model}}', '${{search_space.C}}', '${{needs.prep.outputs.out}}', '${{needs.sweep.best.C}}', '${{inputs.}}', '${{', '${{needs..best.}}', '${{' + 'inputs.x'.repeat(200) + '}}', '${{parent.inputs.x}}');
const scriptCommand0 = fc.tuple(fc.constantFrom('python', 'bash', 'Rscript', 'cd .. && python', 'sh -c "python', 'python -m', 'cd / && python'), pathValue('train.py', 'sub/train.py', 'prep.py'), fc.array(expressionText, { maxLength: 3 })).map(([run, script, exprs]) => `${run} ${script} ${exprs.join(' ')}${run.includes('"') ? '"' : ''}`);

const scriptCommand = fc.oneof({ weight: 5, arbitrary: scriptCommand0 }, { weight: 1, arbitrary: longText });

const environmentValue = fc.oneof(
  fc.constantFrom(...ENVIRONMENT_NAMES),
  pathValue('../env/conda.yml').filter((p) => p !== '').map((p) => (p.endsWith('.yml') ? p : `${p}.yml`)),
  pathValue('../env/asset.yml').map((p) => `file:${p}`),
  fc.record({ conda_file: pathValue('../env/conda.yml'), image: fc.constant('mcr.microsoft.com/azureml/minimal-ubuntu22.04-py39-cpu-inference') }),
  fc.record({ build: fc.record({ path: pathValue('../docker', '../env') }) }),
  fc.record({ conda_file: fc.record({ dependencies: fc.array(fc.constantFrom('python=3.10', 'numpy', 'pip', { pip: ['x'] }), { maxLength: 3 }) }), image: fc.constant('x') }),
);

const inputValue = fc.oneof(
  fc.record({ dataset: fc.constantFrom('subset', 'remote', 'missing', 'hostile', 'hasOwnProperty') }),
  fc.record({ type: fc.constantFrom('uri_file', 'uri_folder'), path: pathValue('../data/x.csv', '../data', 'azureml://datastores/x/paths/y') }),
  expressionText,
  fc.jsonValue({ maxDepth: 2 }),
);

const common = {
  name: maybe(fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...NAMES) }, { weight: 1, arbitrary: longText })),
  compute: maybe(fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...COMPUTES) }, { weight: 1, arbitrary: longText })),
  inputs: maybe(fc.dictionary(fc.constantFrom('data', 'train', 'x', 'C', '__proto__'), inputValue, { maxKeys: 3 })),
  outputs: maybe(fc.dictionary(fc.constantFrom('model', 'out'), fc.oneof(fc.constant({ type: 'uri_folder' }), fc.constant(null)), { maxKeys: 2 })),
  needs: maybe(fc.oneof(fc.constantFrom(...NAMES), fc.array(fc.constantFrom(...NAMES), { maxLength: 3 }), longText)),
  extends: maybe(fc.oneof(fc.constantFrom('train', 'sweep', 'spark', 'prep'), hostilePath)),
};

const commandJob = fc.record({ ...common, code: pathValue('../src', '../src/', '.././src', '..'), command: scriptCommand, environment: environmentValue }, { requiredKeys: [] });

const sweepJob = fc.record(
  {
    ...common,
    type: fc.constant('sweep'),
    sampling_algorithm: fc.constantFrom('grid', 'random', 'bayesian', 'sobol'),
    search_space: fc.constant({ C: { type: 'choice', values: [0.1, 1] } }),
    objective: fc.constant({ goal: 'maximize', primary_metric: 'auc' }),
    limits: fc.constant({ max_total_trials: 2 }),
    trial: fc.record({ code: pathValue('../src'), command: scriptCommand, environment: environmentValue }, { requiredKeys: [] }),
  },
  { requiredKeys: ['type'] },
);

const sparkJob = fc.record(
  {
    ...common,
    type: fc.constant('spark'),
    code: pathValue('../src'),
    entry: fc.oneof(fc.record({ file: pathValue('train.py', 'prep.py') }), fc.record({ class_name: fc.constant('com.x.Main') })),
    py_files: maybe(fc.array(pathValue('prep.py'), { maxLength: 3 })),
    jars: maybe(fc.array(pathValue('lib/a.jar'), { maxLength: 2 })),
    files: maybe(fc.array(pathValue('conf.json'), { maxLength: 2 })),
    archives: maybe(fc.array(pathValue('env.zip#env'), { maxLength: 2 })),
    args: maybe(expressionText),
    environment: maybe(environmentValue),
    resources: maybe(fc.constant({ instance_type: 'standard_e4s_v3', runtime_version: '3.4' })),
  },
  { requiredKeys: ['type', 'entry'] },
);

const projectDoc = fc.record(
  {
    runconfigs: fc.oneof(fc.constant(['runconfigs/*.yml']), fc.array(fc.oneof(fc.constantFrom('runconfigs/*.yml', 'runconfigs/train.yml'), fc.constantFrom(...HOSTILE_GLOBS), hostilePath), { minLength: 1, maxLength: 3 }), fc.constantFrom(...HOSTILE_GLOBS)),
    computes: fc.constant({ cpu: { type: 'amlcompute', size: 'Standard_D4s_v3', max_instances: 1 }, 'spark-pool': { type: 'spark', instance_type: 'standard_e4s_v3', runtime_version: '3.4' }, here: { type: 'local' } }),
    environments: fc.record({ sk: fc.oneof(fc.record({ conda_file: pathValue('env/conda.yml') }), fc.record({ build: fc.record({ path: pathValue('docker') }) }), fc.record({ image: fc.constant('x'), conda_file: pathValue('env/conda.yml') })) }),
    datasets: fc.record({
      subset: fc.constant({ type: 'uri_file', path: 'azureml://datastores/workspaceblobstore/paths/x.csv', local_path: 'data/x.csv' }),
      remote: fc.constant({ type: 'uri_folder', path: 'azureml://datastores/workspaceblobstore/paths/full/' }),
      hostile: fc.record({ type: fc.constant('uri_folder'), path: fc.constant('azureml://datastores/workspaceblobstore/paths/h/'), local_path: pathValue('data', 'data/x.csv') }),
    }),
    profiles: maybe(fc.dictionary(fc.constantFrom('pr', 'full'), fc.array(fc.constantFrom(...NAMES), { maxLength: 3 }), { maxKeys: 2 })),
  },
  { requiredKeys: ['runconfigs', 'computes', 'environments', 'datasets'] },
);

const condaDoc = fc.oneof(
  fc.record({ name: fc.constant('sk'), channels: fc.constant(['conda-forge']), dependencies: fc.array(fc.oneof(fc.constantFrom('python=3.10', 'python', 'conda-forge::python>=3.9', 'pythonx', 'numpy', 'pip'), fc.record({ pip: fc.array(fc.constantFrom('mlflow', '-r ../../../outside/req.txt', '-e ..'), { maxLength: 2 }) }), fc.jsonValue({ maxDepth: 2 })), { maxLength: 5 }) }, { requiredKeys: [] }),
  fc.jsonValue({ maxDepth: 3 }),
);

const assetDoc = fc.record({ image: fc.constant('x'), conda_file: pathValue('conda.yml'), build: fc.record({ path: pathValue('../docker') }) }, { requiredKeys: [] });

/** A generated project: catalogs and run configurations built from the grammar, then damaged. */
export const generatedProject: fc.Arbitrary<FuzzCase> = fc
  .tuple(
    projectDoc,
    fc.array(fc.oneof(commandJob, sweepJob, sparkJob), { minLength: 1, maxLength: 4 }),
    condaDoc,
    assetDoc,
    fc.array(fc.tuple(fc.nat(), fileDamage), { maxLength: 1 }),
    fc.array(linkMutation, { maxLength: 1 }),
    fc.boolean(),
    fc.constantFrom<FuzzCase['action']>({ kind: 'validate', paths: [PROJECT] }, { kind: 'validate', paths: [`${PROJECT}/runconfigs/train.yml`] }, { kind: 'validate', paths: [`${PROJECT}/runconfigs/train.yml`, `${PROJECT}/runconfigs/sweep.yml`] }),
  )
  .map(([project, jobs, conda, asset, damages, links, withLinkFiles, action]) => {
    const names = ['train', 'sweep', 'spark', 'prep'];
    const tree: CaseTree = {
      [`${PROJECT}/mlsteps.yml`]: stringify(project),
      [`${PROJECT}/env/conda.yml`]: stringify(conda),
      [`${PROJECT}/env/asset.yml`]: stringify(asset),
      [`${PROJECT}/docker/Dockerfile`]: 'FROM scratch\n',
      [`${PROJECT}/src/train.py`]: 'print(1)\n',
      [`${PROJECT}/src/prep.py`]: 'print(1)\n',
      [`${PROJECT}/src/sub/train.py`]: 'print(1)\n',
      [`${PROJECT}/src/conf.json`]: '{}\n',
      [`${PROJECT}/data/x.csv`]: 'a\n1\n',
      ...(withLinkFiles ? prefixed(LINKS, PROJECT) : {}),
    };
    jobs.forEach((job, i) => (tree[`${PROJECT}/runconfigs/${names[i]}.yml`] = stringify(job)));
    const files = Object.keys(tree).filter((p) => p.endsWith('.yml') && typeof tree[p] === 'string');
    for (const [pick, d] of damages) {
      const file = files[pick % files.length];
      tree[file] = damage(tree[file] as string, d);
    }
    return { label: `generated: ${jobs.length} run configurations${damages.length ? `, ${damages[0][1].kind} damage` : ''}${links.length ? `, link ${links[0].place} -> ${links[0].target}` : ''}`, tree: withLinks(tree, links), action };
  });

// ---------- many run configurations ----------

/** One small run configuration of a large project, tied to others by `needs` and `extends`. */
const linkedRunConfig = fc.record({
  needs: fc.array(fc.nat(), { maxLength: 3 }),
  extends: fc.option(fc.nat(), { nil: undefined, freq: 2 }),
  command: fc.constantFrom('python train.py', 'python train.py ${{inputs.x}}', 'python missing.py', 'cd .. && python src/train.py'),
  compute: fc.constantFrom('cpu', 'here', 'spark-pool', 'azureml:x'),
  input: fc.option(fc.tuple(fc.nat(), fc.constantFrom('outputs.out', 'best.C', 'outputs.missing')), { nil: undefined, freq: 2 }),
});

/** A project of 20 to 200 run configurations: graphs with cycles, long chains and many stages. */
export const manyRunConfigs: fc.Arbitrary<FuzzCase> = fc
  .tuple(fc.array(linkedRunConfig, { minLength: 20, maxLength: 200 }), fc.constantFrom<FuzzCase['action']>({ kind: 'validate', paths: [PROJECT] }, { kind: 'validate', paths: [`${PROJECT}/runconfigs/r0.yml`] }))
  .map(([configs, action]) => {
    const n = configs.length;
    const tree: CaseTree = {
      [`${PROJECT}/mlsteps.yml`]: stringify({ runconfigs: ['runconfigs/*.yml'], computes: { cpu: { type: 'amlcompute', size: 'Standard_D4s_v3' }, 'spark-pool': { type: 'spark', instance_type: 'standard_e4s_v3', runtime_version: '3.4' }, here: { type: 'local' } }, environments: { sk: { conda_file: 'env/conda.yml' } }, datasets: {}, profiles: { pr: ['r0', `r${n - 1}`] } }),
      [`${PROJECT}/env/conda.yml`]: 'dependencies:\n  - python=3.10\n',
      [`${PROJECT}/src/train.py`]: 'print(1)\n',
    };
    configs.forEach((c, i) => {
      const doc: Record<string, unknown> = c.extends !== undefined ? { extends: `r${c.extends % n}` } : { code: '../src', command: c.command, environment: 'sk', compute: c.compute, outputs: { out: { type: 'uri_folder' } } };
      if (c.needs.length > 0) doc.needs = c.needs.map((k) => `r${k % n}`);
      if (c.input) doc.inputs = { x: `\${{needs.r${c.input[0] % n}.${c.input[1]}}}` };
      tree[`${PROJECT}/runconfigs/r${i}.yml`] = stringify(doc);
    });
    return { label: `many: ${n} run configurations`, tree, action };
  });

// ---------- SDK v1 ----------

const v1Doc = fc.record(
  {
    script: pathValue('train.py'),
    arguments: fc.array(fc.oneof(fc.constantFrom('--data', 'DatasetConsumptionConfig:training', '$AZUREML_DATAREFERENCE_training', "it's", '${{inputs.x}}'), hostilePath, fc.jsonValue({ maxDepth: 1 })), { maxLength: 4 }),
    command: maybe(fc.array(fc.oneof(fc.string({ maxLength: 8 }), hostilePath), { maxLength: 3 })),
    target: fc.oneof(fc.constantFrom('local', 'cpu-cluster', ''), hostilePath),
    framework: fc.constantFrom('Python', 'PySpark', 'PyTorch', 'TensorFlow', 'CNTK', 'x'),
    communicator: fc.constantFrom('None', 'Mpi', 'ParameterServer', 'Nccl', 'Gloo'),
    nodeCount: fc.oneof(fc.integer({ min: -2, max: 1000 }), fc.constantFrom(0, Number.MAX_SAFE_INTEGER, 1.5)),
    maxRunDurationSeconds: fc.oneof(fc.nat(), fc.constant(-1)),
    environment: fc.record({
      name: fc.constantFrom('credit-env', 'Experiment x Environment', ''),
      version: fc.constantFrom(null, '3', 'Autosave'),
      python: fc.record({ condaDependenciesFile: pathValue('.azureml/conda_dependencies.yml') }),
      docker: fc.record({ baseImage: fc.constantFrom('mcr.microsoft.com/azureml/base', ''), shmSize: fc.constantFrom('2g', '') }),
      environmentVariables: fc.dictionary(fc.constantFrom('A', '__proto__', ''), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 }),
    }, { requiredKeys: [] }),
    pytorch: fc.record({ processCount: fc.oneof(fc.integer({ min: -1, max: 64 }), fc.constant(0)) }),
    mpi: fc.record({ processCountPerNode: fc.integer({ min: -1, max: 8 }) }),
    spark: fc.record({ configuration: fc.dictionary(fc.constantFrom('spark.a', 'spark.b'), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 }) }),
    data: fc.dictionary(fc.constantFrom('training', 'x', '__proto__'), fc.record({ dataLocation: fc.record({ dataset: fc.record({ name: fc.constantFrom('d', ''), version: fc.constantFrom(null, 1, '2') }), dataPath: fc.record({ datastoreName: fc.constantFrom('ws'), relativePath: pathValue('models') }) }, { requiredKeys: [] }), mechanism: fc.constantFrom('Mount', 'Download', 'Direct', 'Hdfs', 'x') }, { requiredKeys: [] }), { maxKeys: 2 }),
    outputData: fc.dictionary(fc.constantFrom('model'), fc.record({ outputLocation: fc.record({ dataPath: fc.record({ datastoreName: fc.constant('ws'), relativePath: pathValue('m') }) }), mechanism: fc.constantFrom('Upload', 'Mount', 'x') }, { requiredKeys: [] }), { maxKeys: 1 }),
    priority: maybe(fc.integer()),
    unknownSetting: maybe(fc.jsonValue({ maxDepth: 1 })),
  },
  { requiredKeys: [] },
);

const v1LinkMutation = fc.record({ place: fc.constantFrom(...LINK_PLACES.filter((p) => p.startsWith('project/')), 'project/.azureml', 'project'), target: fc.constantFrom(...LINK_TARGETS) });

const v1Action = fc.constantFrom<FuzzCase['action']>({ kind: 'import', file: V1_FILE }, { kind: 'validate', paths: [V1_FILE] });

/** SDK v1 `.runconfig` files: generated from the format, or the real one damaged; imported and validated. */
export const v1Case: fc.Arbitrary<FuzzCase> = fc
  .tuple(fc.oneof(v1Doc.map((d) => stringify(d)), fc.constant(V1_TEXT)), fc.array(fileDamage, { maxLength: 2 }), fc.array(v1LinkMutation, { maxLength: 1 }), v1Action)
  .map(([text, damages, links, action]) => {
    const content = damages.reduce<string | Uint8Array>((t, d) => (typeof t === 'string' ? damage(t, d) : t), text);
    const tree = { ...V1_TREE, ...prefixed(LINKS, 'project'), [V1_FILE]: content };
    return { label: `v1 ${action.kind}${damages.length ? `: ${damages.map((d) => d.kind).join(', ')}` : ''}${links.length ? `, link ${links[0].place} -> ${links[0].target}` : ''}`, tree: withLinks(tree, links), action };
  });

// ---------- random documents ----------

const randomDocument = fc.oneof(
  fc.jsonValue({ maxDepth: 6 }).map((v) => stringify(v)),
  fc.dictionary(fc.constantFrom(...STRUCTURE_KEYS), fc.oneof(fc.jsonValue({ maxDepth: 4 }), hostilePath), { maxKeys: 8 }).map((v) => stringify(v)),
  fc.string({ maxLength: 300 }),
  fc.array(fc.constantFrom(...[...new Set(['\n', ...textFragments()])]), { maxLength: 60 }).map((parts) => parts.join('')),
  fc.uint8Array({ maxLength: 300 }),
  wideMappingText,
);

function textFragments(): string[] {
  return ['a', 'b: ', '- ', '[', ']', '{', '}', '&x ', '*x', '<<: *x', '!!str ', '!!map ', '? ', '|\n  ', '"\\0"', "'", '#', '${{', '}}', '\t', '---\n', '  '];
}

/** A random document in the place of the project file, a run configuration, a conda file or a v1 file. */
export const randomDocumentCase: fc.Arbitrary<FuzzCase> = fc
  .tuple(fc.constantFrom(`${PROJECT}/mlsteps.yml`, `${PROJECT}/runconfigs/sklearn_full.yml`, `${PROJECT}/environments/conda_dependencies_sklearn.yml`, V1_FILE), randomDocument)
  .map(([file, content]) => ({
    label: `random document as ${file}`,
    tree: { ...SAMPLE_TREE, ...V1_TREE, [file]: content },
    action: file === V1_FILE ? { kind: 'import', file } : { kind: 'validate', paths: [PROJECT] },
  }));

/** Everything, in proportions that favour the sample and the grammar (they reach the deep checks). */
export const anyCase: fc.Arbitrary<FuzzCase> = fc.oneof({ weight: 4, arbitrary: mutatedSample }, { weight: 1, arbitrary: linkedSample }, { weight: 4, arbitrary: generatedProject }, { weight: 2, arbitrary: v1Case }, { weight: 1, arbitrary: randomDocumentCase }, { weight: 1, arbitrary: manyRunConfigs });
