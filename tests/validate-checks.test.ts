import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validatePaths } from '../src/config';
import { makeRepo, VALID_PROJECT, type Tree } from './helpers/project';

type Expected = { file: string; line: number; column: number; code: string; hint?: RegExp; message?: RegExp };

async function check(overrides: Tree, expected: Expected[], options: { paths?: string[]; strict?: boolean } = {}) {
  const repo = makeRepo({ ...VALID_PROJECT, ...overrides });
  try {
    const result = await validatePaths(options.paths ?? ['.'], { cwd: repo.dir, strict: options.strict });
    const got = result.diagnostics.map(({ file, line, column, code }) => ({ file, line, column, code }));
    assert.deepEqual(got, expected.map(({ file, line, column, code }) => ({ file, line, column, code })), JSON.stringify(result.diagnostics, null, 1));
    expected.forEach((e, i) => {
      if (e.hint) assert.match(result.diagnostics[i].hint ?? '', e.hint);
      if (e.message) assert.match(result.diagnostics[i].message, e.message);
    });
    return result;
  } finally {
    repo.cleanup();
  }
}

const RC = 'runconfigs/train.yml';
const trainWith = (extra: string) => ({ [RC]: (VALID_PROJECT[RC] as string) + extra });

test('the valid project has no diagnostics', async () => {
  const result = await check({}, []);
  assert.equal(result.ok, true);
  assert.deepEqual(result.runConfigs, [{ name: 'train', file: RC }]);
});

test('MLS001 YAML syntax error at its line', async () => {
  await check({ [RC]: 'code: ../src\ncommand: [unclosed\n' }, [{ file: RC, line: 2, column: 10, code: 'MLS001', message: /never closed/ }]);
});

test('MLS002 duplicate key at the second occurrence', async () => {
  await check({ [RC]: (VALID_PROJECT[RC] as string) + 'compute: cpu\n' }, [{ file: RC, line: 9, column: 1, code: 'MLS002' }]);
});

test('MLS003 binary file', async () => {
  await check({ [RC]: 'code: ../src\n\u0000\u0001\u0002' }, [{ file: RC, line: 1, column: 1, code: 'MLS003', message: /binary/ }]);
});

test('MLS004 alias bomb', async () => {
  const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
  for (const [name, prev] of [['b', 'a'], ['c', 'b'], ['d', 'c'], ['e', 'd'], ['f', 'e']]) bomb.push(`${name}: &${name} [${Array(10).fill('*' + prev).join(',')}]`);
  await check({ [RC]: bomb.join('\n') + '\n' }, [{ file: RC, line: 1, column: 1, code: 'MLS004', message: /alias/ }]);
});

test('MLS004 nesting too deep', async () => {
  await check({ [RC]: 'tags:\n' + Array.from({ length: 80 }, (_, i) => '  '.repeat(i + 1) + `k${i}:`).join('\n') + ' 1\n' }, [{ file: RC, line: 65, column: 129, code: 'MLS004', message: /deeper than 64/ }]);
});

test('MLS005 empty run configuration', async () => {
  await check({ [RC]: '# nothing yet\n' }, [{ file: RC, line: 1, column: 1, code: 'MLS005' }]);
});

test('MLS006 missing path exits as unreadable input', async () => {
  await check({}, [{ file: 'nope', line: 1, column: 1, code: 'MLS006' }], { paths: ['nope'] });
});

test('MLS101 unknown key with a did-you-mean', async () => {
  await check({ [RC]: (VALID_PROJECT[RC] as string).replace('compute: cpu', 'compte: cpu') }, [{ file: RC, line: 4, column: 1, code: 'MLS101', hint: /did you mean "compute"/ }]);
});

test('MLS101 unknown key in a nested mapping', async () => {
  await check(trainWith('limits: {timeout: 60, max_nodes: 2}\n'), [{ file: RC, line: 9, column: 23, code: 'MLS101' }]);
});

test('MLS101 unknown key in the project file', async () => {
  await check({ 'mlsteps.yml': (VALID_PROJECT['mlsteps.yml'] as string).replace('experiment_name', 'experiment') }, [{ file: 'mlsteps.yml', line: 3, column: 1, code: 'MLS101', hint: /experiment_name/ }]);
});

test('MLS102 wrong type', async () => {
  await check(trainWith('limits: {timeout: soon}\n'), [{ file: RC, line: 9, column: 19, code: 'MLS102', message: /must be an integer/ }]);
});

test('MLS103 value not in an enum, with a suggestion', async () => {
  await check({ [RC]: (VALID_PROJECT[RC] as string).replace('{type: uri_folder}', '{type: uri_folder, mode: rw_mnt}') }, [{ file: RC, line: 8, column: 35, code: 'MLS103', hint: /rw_mount/ }]);
});

test('MLS103 unsupported job type', async () => {
  await check(trainWith('type: pipeline\n'), [{ file: RC, line: 9, column: 7, code: 'MLS103' }]);
});

test('MLS104 compute not in the catalog', async () => {
  await check({ [RC]: (VALID_PROJECT[RC] as string).replace('compute: cpu', 'compute: cpu-cluster') }, [{ file: RC, line: 4, column: 10, code: 'MLS104', hint: /"cpu"/ }]);
});

test('MLS104 environment not in the catalog', async () => {
  await check({ [RC]: (VALID_PROJECT[RC] as string).replace('environment: sk', 'environment: sklearn') }, [{ file: RC, line: 3, column: 14, code: 'MLS104' }]);
});

test('MLS104 dataset not in the catalog', async () => {
  await check({ [RC]: (VALID_PROJECT[RC] as string).replace('dataset: subset', 'dataset: subst') }, [{ file: RC, line: 6, column: 19, code: 'MLS104', hint: /"subset"/ }]);
});

test('azureml: references are not catalog references', async () => {
  await check({ [RC]: (VALID_PROJECT[RC] as string).replace('compute: cpu', 'compute: azureml:gpu-cluster').replace('environment: sk', 'environment: azureml:AzureML-sklearn-1.5@latest') }, []);
});

test('MLS105 required key missing', async () => {
  await check({ [RC]: (VALID_PROJECT[RC] as string).replace(/^command: .*\n/m, '').replace('inputs:\n  data: {dataset: subset}\n', '') }, [{ file: RC, line: 1, column: 1, code: 'MLS105', message: /command/ }]);
});

test('MLS106 invalid name pattern', async () => {
  await check({ 'runconfigs/other.yml': (VALID_PROJECT[RC] as string) + 'name: "bad name!"\n' }, [{ file: 'runconfigs/other.yml', line: 9, column: 7, code: 'MLS106' }]);
});

test('MLS110 unknown needs', async () => {
  await check(trainWith('needs: [prep]\n'), [{ file: RC, line: 9, column: 9, code: 'MLS110' }]);
});

test('MLS111 unknown extends', async () => {
  await check(trainWith('extends: base\n'), [{ file: RC, line: 9, column: 10, code: 'MLS111' }]);
});

test('MLS112 needs cycle', async () => {
  await check(
    {
      ...trainWith('needs: [prep]\n'),
      'runconfigs/prep.yml': 'code: ../src\ncommand: python prep.py\nenvironment: sk\ncompute: cpu\nneeds: [train]\n',
    },
    [{ file: RC, line: 9, column: 9, code: 'MLS112', message: /train → prep → train/ }],
  );
});

test('MLS113 extends cycle', async () => {
  await check(
    {
      ...trainWith('extends: other\n'),
      'runconfigs/other.yml': 'extends: train\ncode: ../src\ncommand: python prep.py\nenvironment: sk\ncompute: cpu\n',
    },
    [{ file: RC, line: 9, column: 10, code: 'MLS113', message: /other → train → other/ }],
  );
});

test('extends merges mappings, replaces lists, and reports errors in the file that wrote them', async () => {
  await check(
    {
      'runconfigs/train_subset.yml': 'extends: train\ninputs:\n  data: {dataset: remote}\ncompute: here\ntags: {variant: subset}\n',
    },
    [{ file: 'runconfigs/train_subset.yml', line: 3, column: 19, code: 'MLS142' }],
  );
});

test('MLS114 duplicate run configuration name', async () => {
  await check({ 'runconfigs/zzz.yml': (VALID_PROJECT[RC] as string) + 'name: train\n' }, [{ file: 'runconfigs/zzz.yml', line: 9, column: 7, code: 'MLS114', message: /already used by runconfigs\/train.yml/ }]);
});

test('MLS115 profile names an unknown run configuration', async () => {
  await check({ 'mlsteps.yml': (VALID_PROJECT['mlsteps.yml'] as string).replace('pr: [train]', 'pr: [train, trian_full]') }, [{ file: 'mlsteps.yml', line: 14, column: 15, code: 'MLS115', hint: /"train"/ }]);
});

test('MLS116 runconfigs pattern matches nothing', async () => {
  await check({ 'mlsteps.yml': (VALID_PROJECT['mlsteps.yml'] as string).replace('[runconfigs/*.yml]', '[runconfigs/*.yml, jobs/*.yml]') }, [{ file: 'mlsteps.yml', line: 1, column: 32, code: 'MLS116' }]);
});

test('MLS120 input used but not declared, pointing at the expression', async () => {
  await check({ [RC]: (VALID_PROJECT[RC] as string).replace('${{inputs.data}}', '${{inputs.dataa}} ${{inputs.data}}') }, [{ file: RC, line: 2, column: 33, code: 'MLS120', hint: /"data"/ }]);
});

test('MLS121 input never used is a warning; --strict fails on it', async () => {
  const withUnused = { [RC]: (VALID_PROJECT[RC] as string).replace('inputs:\n', 'inputs:\n  unused: 3\n') };
  const r = await check(withUnused, [{ file: RC, line: 6, column: 3, code: 'MLS121' }]);
  assert.equal(r.ok, true);
  const strict = await check(withUnused, [{ file: RC, line: 6, column: 3, code: 'MLS121' }], { strict: true });
  assert.equal(strict.ok, false);
});

const SWEEP = `type: sweep
compute: cpu
inputs:
  data: {dataset: subset}
sampling_algorithm: grid
search_space:
  C: {type: choice, values: [0.1, 1]}
  penalty: {type: choice, values: [l1, l2]}
objective: {goal: maximize, primary_metric: auc}
limits: {max_total_trials: 4}
trial:
  code: ../src
  command: python train.py --data \${{inputs.data}} --C \${{search_space.C}}
  environment: sk
`;

test('MLS122 search-space parameter never read', async () => {
  await check({ 'runconfigs/tune.yml': SWEEP }, [{ file: 'runconfigs/tune.yml', line: 8, column: 3, code: 'MLS122' }]);
});

test('MLS123 output used but not declared', async () => {
  await check({ [RC]: (VALID_PROJECT[RC] as string).replace('${{outputs.model}}', '${{outputs.modle}}') }, [{ file: RC, line: 2, column: 58, code: 'MLS123', hint: /"model"/ }]);
});

test('MLS124 search_space expression without a parameter', async () => {
  await check({ 'runconfigs/tune.yml': SWEEP.replace('${{search_space.C}}', '${{search_space.C}} --p ${{search_space.penalty}} --lr ${{search_space.lr}}') }, [{ file: 'runconfigs/tune.yml', line: 13, column: 111, code: 'MLS124' }]);
});

test('MLS125 needs binding to a step not in needs, to a missing output, and best of a non-sweep', async () => {
  const prep = 'code: ../src\ncommand: python prep.py --out ${{outputs.prepared}}\nenvironment: sk\ncompute: cpu\noutputs:\n  prepared: {type: uri_folder}\n';
  const base = (VALID_PROJECT[RC] as string).replace('data: {dataset: subset}', 'data: ${{needs.prep.outputs.prepared}}');
  await check({ 'runconfigs/prep.yml': prep, [RC]: base }, [{ file: RC, line: 6, column: 9, code: 'MLS125', message: /not in `needs`/ }]);
  await check({ 'runconfigs/prep.yml': prep, [RC]: base.replace('prepared}}', 'prepped}}') + 'needs: [prep]\n' }, [{ file: RC, line: 6, column: 9, code: 'MLS125', hint: /"prepared"/ }]);
  await check({ 'runconfigs/prep.yml': prep, [RC]: base.replace('outputs.prepared', 'best.C') + 'needs: [prep]\n' }, [{ file: RC, line: 6, column: 9, code: 'MLS125', message: /needs a sweep/ }]);
});

test('needs.X.best.P from a sweep resolves', async () => {
  await check(
    {
      'runconfigs/tune.yml': SWEEP.replace('${{search_space.C}}', '${{search_space.C}} --p ${{search_space.penalty}}'),
      [RC]: (VALID_PROJECT[RC] as string).replace('--model', '--C ${{inputs.C}} --model').replace('inputs:\n', 'inputs:\n  C: ${{needs.tune.best.C}}\n') + 'needs: [tune]\n',
    },
    [],
  );
});

test('MLS126 unknown expression in a command', async () => {
  await check({ [RC]: (VALID_PROJECT[RC] as string).replace('--model', '--seed ${{search_space.seed}} --model') }, [{ file: RC, line: 2, column: 57, code: 'MLS126' }]);
});

test('MLS130 code folder, script, conda file and spark entry that do not exist', async () => {
  await check({ [RC]: (VALID_PROJECT[RC] as string).replace('code: ../src', 'code: ../scr') }, [{ file: RC, line: 1, column: 7, code: 'MLS130' }]);
  await check({ [RC]: (VALID_PROJECT[RC] as string).replace('python train.py', 'python trian.py') }, [{ file: RC, line: 2, column: 17, code: 'MLS130', message: /trian\.py/ }]);
  await check({ 'mlsteps.yml': (VALID_PROJECT['mlsteps.yml'] as string).replace('env/conda.yml', 'env/condа.yml') }, [{ file: 'mlsteps.yml', line: 9, column: 20, code: 'MLS130' }]);
  await check(
    { 'runconfigs/spark.yml': 'type: spark\ncode: ../src\nentry: {file: prep_spark.py}\ncompute: spark-pool\nenvironment: sk\n' },
    [{ file: 'runconfigs/spark.yml', line: 3, column: 15, code: 'MLS130' }],
  );
});

test('MLS131 paths that leave the repository, directly and through a symlink', async () => {
  await check({ [RC]: (VALID_PROJECT[RC] as string).replace('code: ../src', 'code: ../../../etc') }, [{ file: RC, line: 1, column: 7, code: 'MLS131' }]);
  await check({ 'src/escape': { symlink: '/etc' } }, [{ file: RC, line: 1, column: 7, code: 'MLS131', message: /symlink/ }]);
  await check({ 'runconfigs/linked.yml': { symlink: '/etc/hostname' } }, [{ file: 'mlsteps.yml', line: 1, column: 14, code: 'MLS131', message: /symlink/ }]);
});

test('MLS132 conda file that does not parse and MLS133 one without Python', async () => {
  await check({ 'env/conda.yml': 'name: sk\ndependencies: [python=3.10\n' }, [{ file: 'env/conda.yml', line: 2, column: 15, code: 'MLS132', message: /never closed/ }]);
  await check({ 'env/conda.yml': 'name: sk\ndependencies:\n  - scikit-learn\n' }, [{ file: 'env/conda.yml', line: 2, column: 1, code: 'MLS133' }]);
});

test('MLS140 spark job on a non-Spark compute; MLS141 the reverse', async () => {
  await check(
    { 'runconfigs/spark.yml': 'type: spark\ncode: ../src\nentry: {file: prep.py}\ncompute: cpu\nenvironment: sk\n' },
    [{ file: 'runconfigs/spark.yml', line: 4, column: 10, code: 'MLS140', hint: /spark-pool/ }],
  );
  await check({ [RC]: (VALID_PROJECT[RC] as string).replace('compute: cpu', 'compute: spark-pool') }, [{ file: RC, line: 4, column: 10, code: 'MLS141' }]);
});

test('MLS142 dataset without local_path used by a local step', async () => {
  await check({ [RC]: (VALID_PROJECT[RC] as string).replace('compute: cpu', 'compute: local').replace('dataset: subset', 'dataset: remote') }, [{ file: RC, line: 6, column: 19, code: 'MLS142' }]);
});

test('one YAML syntax error gives one diagnostic, not its cascade', async () => {
  await check({ [RC]: 'trial: {command: python main.py ${{search_space.m}}, code: src}\ncompute: cpu\n' }, [{ file: RC, line: 1, column: 34, code: 'MLS001' }]);
});

test('environment: file:… names an environment asset file, checked with its conda file', async () => {
  const env = { [RC]: (VALID_PROJECT[RC] as string).replace('environment: sk', 'environment: file:../env/asset.yml') };
  await check({ ...env, 'env/asset.yml': 'name: e\nimage: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04\nconda_file: conda.yml\n' }, []);
  await check(env, [{ file: RC, line: 3, column: 14, code: 'MLS130', message: /environment file "..\/env\/asset.yml" does not exist/ }]);
  await check({ ...env, 'env/asset.yml': 'name: e\nimage: x\nconda_file: missing.yml\n' }, [{ file: 'env/asset.yml', line: 3, column: 13, code: 'MLS130' }]);
});

test('scripts are found after `cd` and inside `bash -c "…"`, and missing ones reported there', async () => {
  await check({ 'src/sub/score.py': '', [RC]: (VALID_PROJECT[RC] as string).replace('python train.py', 'cd sub && python score.py') }, []);
  await check({ [RC]: (VALID_PROJECT[RC] as string).replace('python train.py', 'cd sub && python score.py') }, [{ file: RC, line: 2, column: 27, code: 'MLS130', message: /sub\/score\.py/ }]);
  await check({ [RC]: (VALID_PROJECT[RC] as string).replace(/command: (.*)/, 'command: bash -c "python train.py $1"') }, []);
  await check({ [RC]: (VALID_PROJECT[RC] as string).replace(/command: python train.py(.*)/, 'command: bash -c "python tran.py$1"') }, [{ file: RC, line: 2, column: 26, code: 'MLS130' }]);
});

test('MLS127 grid sampling over a continuous parameter; bayesian with early termination', async () => {
  const grid = SWEEP.replace('${{search_space.C}}', '${{search_space.C}} --p ${{search_space.penalty}}').replace('C: {type: choice, values: [0.1, 1]}', 'C: {type: loguniform, min_value: -3, max_value: 1}');
  await check({ 'runconfigs/tune.yml': grid }, [{ file: 'runconfigs/tune.yml', line: 7, column: 13, code: 'MLS127', hint: /choice/ }]);
  const bayes = SWEEP.replace('${{search_space.C}}', '${{search_space.C}} --p ${{search_space.penalty}}').replace('sampling_algorithm: grid', 'sampling_algorithm: bayesian\nearly_termination: {type: median_stopping}');
  await check({ 'runconfigs/tune.yml': bayes }, [{ file: 'runconfigs/tune.yml', line: 6, column: 1, code: 'MLS127', message: /early termination/ }]);
});

test('MLS143 spark job with no compute and no serverless resources', async () => {
  const spark = 'type: spark\ncode: ../src\nentry: {file: prep.py}\nenvironment: sk\n';
  await check({ 'runconfigs/spark.yml': spark }, [{ file: 'runconfigs/spark.yml', line: 1, column: 1, code: 'MLS143', hint: /spark-pool/ }]);
  await check({ 'runconfigs/spark.yml': spark + 'resources: {instance_type: standard_e4s_v3, runtime_version: "3.4"}\n' }, []);
});

test('a run configuration given on its own is checked against its project catalogs', async () => {
  const repo = makeRepo({ ...VALID_PROJECT, 'runconfigs/other.yml': (VALID_PROJECT[RC] as string).replace('compute: cpu', 'compute: gpu') });
  try {
    const alone = await validatePaths(['runconfigs/train.yml'], { cwd: repo.dir });
    assert.deepEqual(alone.diagnostics, []);
    assert.deepEqual(alone.runConfigs, [{ name: 'train', file: 'train.yml' }]);
    const other = await validatePaths(['runconfigs/other.yml'], { cwd: repo.dir });
    assert.deepEqual(other.diagnostics.map((d) => [d.file, d.code]), [['other.yml', 'MLS104']]);
  } finally {
    repo.cleanup();
  }
});

test('a hint lists the catalog when nothing is close, and suggests azureml: for workspace assets', async () => {
  await check({ [RC]: (VALID_PROJECT[RC] as string).replace('compute: cpu', 'compute: big-gpu-box') }, [{ file: RC, line: 4, column: 10, code: 'MLS104', hint: /computes in the catalog: "local", "cpu", "spark-pool", "here"; .*azureml:big-gpu-box/ }]);
});

test('MLS003 for a UTF-16 file says how to fix it', async () => {
  const utf16 = '\ufeffcode: ../src\n';
  const repo = makeRepo(VALID_PROJECT);
  try {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(`${repo.dir}/runconfigs/train.yml`, Buffer.from(utf16, 'utf16le'));
    const result = await validatePaths(['.'], { cwd: repo.dir });
    assert.deepEqual(result.diagnostics.map((d) => [d.code, d.message, d.hint]), [['MLS003', 'file is UTF-16 text; YAML files here must be UTF-8', 'save the file with UTF-8 encoding']]);
  } finally {
    repo.cleanup();
  }
});

test('framework: spark makes a spark job when no type is given', async () => {
  await check({ 'runconfigs/spark.yml': 'framework: spark\ncode: ../src\nenvironment: sk\ncompute: spark-pool\n' }, [{ file: 'runconfigs/spark.yml', line: 1, column: 1, code: 'MLS105', message: /entry/ }]);
  await check({ 'runconfigs/spark.yml': 'framework: spark\ncode: ../src\nentry: {file: prep.py}\nenvironment: sk\ncompute: spark-pool\n' }, []);
});

test('extends: an input or output written with no value stays declared; null elsewhere removes the key', async () => {
  const child = 'extends: train\ncommand: python train.py --data ${{inputs.data}} --model ${{outputs.model}} --log ${{outputs.log}}\noutputs:\n  log:\nlimits: null\n';
  await check({ [RC]: (VALID_PROJECT[RC] as string) + 'limits: {timeout: 60}\n', 'runconfigs/child.yml': child }, []);
});

test('the default runconfigs pattern finds .yml and .yaml files without warning', async () => {
  await check({ 'mlsteps.yml': (VALID_PROJECT['mlsteps.yml'] as string).replace('runconfigs: [runconfigs/*.yml]\n', '') }, []);
});

test('"local" is reserved in the compute catalog', async () => {
  await check({ 'mlsteps.yml': (VALID_PROJECT['mlsteps.yml'] as string).replace('  here: {type: local}', '  local: {type: amlcompute, size: Standard_D4s_v3}') }, [{ file: 'mlsteps.yml', line: 7, column: 3, code: 'MLS106', message: /reserved/ }]);
});

test('MLS133 for an inline conda specification without Python', async () => {
  await check({ [RC]: (VALID_PROJECT[RC] as string).replace('environment: sk', 'environment:\n  image: python:3.11\n  conda_file: {dependencies: [numpy]}').replace('compute: cpu', 'compute: cpu') }, [{ file: RC, line: 5, column: 16, code: 'MLS133' }]);
});
