import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { planProject } from '../src/plan';
import { mlsteps } from './helpers/cli';
import { makeRepo, VALID_PROJECT, type Tree } from './helpers/project';

const SAMPLE = join(__dirname, '..', 'samples', 'credit-risk');

/** A copy of the sample in a fresh repository folder, optionally changed. */
function sampleCopy(change?: (dir: string) => void) {
  const repo = makeRepo({});
  const dir = join(repo.dir, 'ml', 'credit-risk');
  cpSync(SAMPLE, dir, { recursive: true, filter: (src) => !/[\\/](\.mlsteps|__pycache__)([\\/]|$)/.test(src) });
  change?.(dir);
  return { dir, cleanup: repo.cleanup };
}

async function fingerprints(dir: string, profile = 'full'): Promise<Record<string, string>> {
  const { plan, validation, error } = await planProject(dir, { profile });
  assert.ok(plan, JSON.stringify(validation.diagnostics) + (error?.message ?? ''));
  return Object.fromEntries(plan.steps.map((s) => [s.name, s.fingerprint]));
}

const edit = (file: string, from: string | RegExp, to: string) => {
  const text = readFileSync(file, 'utf8');
  const next = text.replace(from, to);
  assert.notEqual(next, text, `edit of ${file} changed nothing`);
  writeFileSync(file, next);
};

/** Which steps' fingerprints differ between two plans. */
const changed = (a: Record<string, string>, b: Record<string, string>) => Object.keys(a).filter((k) => a[k] !== b[k]).sort();

test('fingerprints are equal across two checkouts in different folders, and with CRLF line endings', async () => {
  const a = sampleCopy();
  const b = sampleCopy((dir) => {
    // A Windows checkout: every text file with CRLF line endings.
    const walk = (d: string) => {
      for (const name of readdirSync(d)) {
        const p = join(d, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (/\.(py|yml|yaml|md)$/.test(name)) writeFileSync(p, readFileSync(p, 'utf8').replace(/\n/g, '\r\n'));
      }
    };
    walk(dir);
  });
  try {
    const fa = await fingerprints(a.dir);
    assert.equal(Object.keys(fa).length, 7);
    assert.deepEqual(await fingerprints(b.dir), fa);
  } finally {
    a.cleanup();
    b.cleanup();
  }
});

test('fingerprints change with the code, the conda file, the configuration or a dataset reference — and only then', async () => {
  const base = sampleCopy();
  try {
    const before = await fingerprints(base.dir);
    const variant = async (change: (dir: string) => void) => {
      const copy = sampleCopy(change);
      try {
        return changed(before, await fingerprints(copy.dir));
      } finally {
        copy.cleanup();
      }
    };
    const everyStepUsingSrc = ['data_preparation', 'data_preparation_subset', 'data_profiling', 'data_validation', 'fullmodel_step', 'sklearn_full', 'sklearn_subset'];
    // Code: every step runs code from src/.
    assert.deepEqual(await variant((d) => edit(join(d, 'src', 'train_sklearn.py'), /$/, '\n# a comment\n')), everyStepUsingSrc);
    // Conda file: the sklearn environment's steps, and steps that take data from them.
    assert.deepEqual(await variant((d) => edit(join(d, 'environments', 'conda_dependencies_sklearn.yml'), 'matplotlib', 'matplotlib-base')), ['data_profiling', 'data_validation', 'sklearn_full', 'sklearn_subset']);
    // Configuration: one run configuration's command, and the steps bound to its outputs or best trial.
    assert.deepEqual(await variant((d) => edit(join(d, 'runconfigs', 'sklearn_subset.yml'), 'values: [0.01, 0.1, 1.0]', 'values: [0.01, 0.1, 10.0]')), ['sklearn_full', 'sklearn_subset']);
    // Dataset reference: the steps that read the subset, and their dependents.
    assert.deepEqual(await variant((d) => edit(join(d, 'mlsteps.yml'), 'paths/credit/subset.csv', 'paths/credit/subset-v2.csv')), ['data_preparation_subset', 'data_validation', 'sklearn_full', 'sklearn_subset']);
    // Not a change: comments, key order, quoting, cosmetic keys, files outside the code folder,
    // Python caches and ignored files in it.
    assert.deepEqual(
      await variant((d) => {
        edit(join(d, 'runconfigs', 'sklearn_full.yml'), /^(name: sklearn_full)\n(step: train)$/m, '$2\n# moved around\n$1');
        edit(join(d, 'runconfigs', 'sklearn_full.yml'), 'compute: cpu-cluster', 'compute: "cpu-cluster"');
        edit(join(d, 'runconfigs', 'sklearn_full.yml'), /^description: .*$/m, 'description: a new description');
        writeFileSync(join(d, 'README.md'), 'changed\n');
        mkdirSync(join(d, 'src', '__pycache__'), { recursive: true });
        writeFileSync(join(d, 'src', '__pycache__', 'common.cpython-311.pyc'), 'bytecode');
        writeFileSync(join(d, 'src', '.amlignore'), 'scratch/\n');
        mkdirSync(join(d, 'src', 'scratch'));
        writeFileSync(join(d, 'src', 'scratch', 'notes.txt'), 'ignored\n');
      }),
      everyStepUsingSrc, // .amlignore itself is part of the snapshot, so adding it changes the code
    );
  } finally {
    base.cleanup();
  }
});

test('ignored and cached files do not change the fingerprint once an ignore file exists', async () => {
  const base = sampleCopy((d) => writeFileSync(join(d, 'src', '.amlignore'), 'scratch/\n*.log\n'));
  try {
    const before = await fingerprints(base.dir);
    mkdirSync(join(base.dir, 'src', 'scratch'));
    writeFileSync(join(base.dir, 'src', 'scratch', 'notes.txt'), 'ignored\n');
    writeFileSync(join(base.dir, 'src', 'train.log'), 'ignored\n');
    mkdirSync(join(base.dir, 'src', '__pycache__'));
    writeFileSync(join(base.dir, 'src', '__pycache__', 'x.pyc'), 'cache');
    assert.deepEqual(await fingerprints(base.dir), before);
  } finally {
    base.cleanup();
  }
});

test('a profile or a step pulls in what it needs; steps come after their needs, stages in graph order', async () => {
  const pr = await planProject(SAMPLE, { profile: 'pr' });
  assert.deepEqual(pr.plan!.steps.map((s) => s.name), ['data_preparation_subset', 'data_validation', 'sklearn_subset']);
  assert.deepEqual(pr.plan!.stages, ['prep', 'validate', 'tune']);
  const full = await planProject(SAMPLE, { steps: ['sklearn_full'] });
  assert.deepEqual(full.plan!.steps.map((s) => s.name), ['data_preparation', 'data_preparation_subset', 'sklearn_subset', 'sklearn_full']);
  const all = await planProject(SAMPLE);
  const names = all.plan!.steps.map((s) => s.name);
  for (const step of all.plan!.steps) for (const need of step.needs) assert.ok(names.indexOf(need) < names.indexOf(step.name), `${need} before ${step.name}`);
  assert.deepEqual(all.plan!.stages, ['prep', 'profile', 'validate', 'tune', 'train']);
});

test('steps are resolved against the catalogs', async () => {
  const { plan } = await planProject(SAMPLE, { steps: ['sklearn_full'] });
  const full = plan!.steps.find((s) => s.name === 'sklearn_full')!;
  assert.equal(full.stage, 'train');
  assert.deepEqual(full.compute, { kind: 'catalog', name: 'cpu-cluster', spec: { type: 'amlcompute', size: 'Standard_D4s_v3', max_instances: 1 } });
  assert.equal(full.environment.kind, 'conda');
  assert.match((full.environment as { conda: string }).conda, /scikit-learn/);
  assert.equal((full.environment as { condaFile: string }).condaFile, 'environments/conda_dependencies_sklearn.yml');
  assert.deepEqual(full.inputs.C, { kind: 'best', step: 'sklearn_subset', parameter: 'C' });
  assert.equal(full.code, 'src');
  const sweep = plan!.steps.find((s) => s.name === 'sklearn_subset')!;
  assert.equal(sweep.sweep!.sampling.type, 'grid');
  assert.deepEqual(sweep.sweep!.objective, { goal: 'maximize', primary_metric: 'auc' });
});

test('stages that need each other: the plan still runs locally, and names the steps a pipeline cannot order', async () => {
  const tree: Tree = {
    ...VALID_PROJECT,
    'runconfigs/a.yml': 'step: prep\ncode: ../src\ncommand: python prep.py\nenvironment: sk\ncompute: cpu\n',
    'runconfigs/b.yml': 'step: train\nneeds: [a]\ncode: ../src\ncommand: python prep.py\nenvironment: sk\ncompute: cpu\n',
    'runconfigs/c.yml': 'step: prep\nneeds: [b]\ncode: ../src\ncommand: python prep.py\nenvironment: sk\ncompute: cpu\n',
  };
  const repo = makeRepo(tree);
  try {
    const r = await planProject(repo.dir);
    assert.deepEqual(r.plan!.steps.map((s) => s.name), ['a', 'b', 'c', 'train']);
    assert.deepEqual(r.plan!.stages, ['prep', 'train']);
    assert.deepEqual(r.plan!.stageConflicts, [{ step: 'c', stage: 'prep', need: 'b', needStage: 'train' }]);
    const cli = mlsteps(['plan', repo.dir]);
    assert.equal(cli.code, 0);
    assert.match(cli.stdout, /note: c \(stage prep\) needs b of the later stage train/);
  } finally {
    repo.cleanup();
  }
});

test('mlsteps plan: JSON shape, text, and exit codes', () => {
  const json = mlsteps(['plan', 'samples/credit-risk', '--profile', 'pr', '--format', 'json']);
  assert.equal(json.code, 0, json.stderr);
  const out = JSON.parse(json.stdout);
  assert.deepEqual(out.stages, ['prep', 'validate', 'tune']);
  for (const step of out.steps) for (const key of ['name', 'stage', 'needs', 'type', 'compute', 'environment', 'inputs', 'outputs', 'fingerprint']) assert.ok(key in step, `${step.name} lacks ${key}`);
  assert.match(out.steps[0].fingerprint, /^[0-9a-f]{64}$/);
  // --step repeats, and a PATH after it is still the PATH.
  const afterStep = mlsteps(['plan', '--step', 'data_validation', '--step', 'data_preparation', 'samples/credit-risk', '--format', 'json']);
  assert.equal(afterStep.code, 0, afterStep.stderr);
  assert.deepEqual(JSON.parse(afterStep.stdout).steps.map((s: { name: string }) => s.name), ['data_preparation', 'data_preparation_subset', 'data_validation']);
  const text = mlsteps(['plan', 'samples/credit-risk', '--step', 'data_validation']);
  assert.equal(text.code, 0);
  assert.match(text.stdout, /stage validate\n {2}data_validation {2}command job on cpu-cluster/);
  const badProfile = mlsteps(['plan', 'samples/credit-risk', '--profile', 'nightly']);
  assert.equal(badProfile.code, 2);
  assert.match(badProfile.stderr, /no profile "nightly"/);
  for (const member of ['constructor', 'toString', '__proto__']) {
    const prototypeMember = mlsteps(['plan', 'samples/credit-risk', '--profile', member]);
    assert.equal(prototypeMember.code, 2, `--profile ${member}: ${prototypeMember.stdout}`);
    assert.match(prototypeMember.stderr, new RegExp(`no profile "${member}"`));
  }
  const badStep = mlsteps(['plan', 'samples/credit-risk', '--step', 'sklearn_ful']);
  assert.equal(badStep.code, 2);
  assert.match(badStep.stderr, /did you mean "sklearn_full"/);
  // A profile and steps together: the profile, and those steps too (with what they need).
  const both = mlsteps(['plan', 'samples/credit-risk', '--step', 'sklearn_full', '--profile', 'pr', '--format', 'json']);
  assert.equal(both.code, 0, both.stderr);
  assert.deepEqual(JSON.parse(both.stdout).steps.map((s: { name: string }) => s.name), ['data_preparation', 'data_preparation_subset', 'data_validation', 'sklearn_subset', 'sklearn_full']);
});

test('mlsteps plan on a project with errors prints them and exits 1', () => {
  const repo = makeRepo({ ...VALID_PROJECT, 'runconfigs/train.yml': (VALID_PROJECT['runconfigs/train.yml'] as string).replace('compute: cpu', 'compute: gpu') });
  try {
    const r = mlsteps(['plan', repo.dir]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /MLS104/);
  } finally {
    repo.cleanup();
  }
});

test('catalog descriptions do not change fingerprints; typed literal inputs resolve to their value', async () => {
  const base = sampleCopy();
  const described = sampleCopy((d) => edit(join(d, 'mlsteps.yml'), /(subset: \{type: uri_file,)/, '$1 description: the cheap subset,'));
  try {
    assert.deepEqual(await fingerprints(described.dir), await fingerprints(base.dir));
  } finally {
    base.cleanup();
    described.cleanup();
  }
  const repo = makeRepo({ ...VALID_PROJECT, 'runconfigs/train.yml': (VALID_PROJECT['runconfigs/train.yml'] as string).replace('--model', '--epochs ${{inputs.epochs}} --model').replace('inputs:\n', 'inputs:\n  epochs: {type: integer, value: 4}\n') });
  try {
    const { plan } = await planProject(repo.dir);
    assert.deepEqual(plan!.steps[0].inputs.epochs, { kind: 'literal', value: 4, type: 'integer' });
  } finally {
    repo.cleanup();
  }
});

test('planning a run configuration file plans that run configuration and what it needs', async () => {
  const { plan } = await planProject(join(SAMPLE, 'runconfigs', 'data_validation.yml'));
  assert.deepEqual(plan!.steps.map((s) => s.name), ['data_preparation_subset', 'data_validation']);
});
