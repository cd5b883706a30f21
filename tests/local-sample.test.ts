// The sample project run for real on this machine: pandas and scikit-learn read the data, train
// models and report metrics (Debian: apt-get install python3-pandas python3-sklearn).
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { localProject, planOf, pythonWith, runCli, runLocal, SAMPLE } from './helpers/local';

const python = pythonWith(['sklearn', 'pandas', 'joblib']);
const skip = python ? false : 'neither python3 nor /usr/bin/python3 can import sklearn and pandas (Debian: apt-get install python3-pandas python3-sklearn)';
if (skip) console.log(`# skipping the sample's local runs: ${skip}`);

function scratch(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'mlsteps-sample-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Every file under a folder, except the run folders of earlier local runs. */
function listing(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name === '.mlsteps' || e.name === '__pycache__') continue;
      if (e.isDirectory()) walk(join(d, e.name), `${rel}${e.name}/`);
      else out.push(`${rel}${e.name}`);
    }
  };
  walk(dir, '');
  return out.sort();
}

test('the `pr` profile of samples/credit-risk runs: preparation, validation, the sweep', { skip }, async () => {
  const work = scratch();
  const before = listing(SAMPLE);
  try {
    const { code, out } = await runCli({ path: SAMPLE, profile: 'pr', workDir: work.dir });
    assert.equal(code, 0, out);
    assert.match(out, /✓ data_preparation_subset succeeded/);
    assert.match(out, /\[data_validation\] validation passed/);
    assert.match(out, /\[sklearn_subset\/trial-6\] metrics: \{"auc": 0\.\d+/);
    const best = /✓ sklearn_subset succeeded in [\d.]+ s; best (trial-\d): C=(\S+) penalty=(l1|l2) — auc=(0\.\d+) accuracy=(0\.\d+)/.exec(out);
    assert.ok(best, out);
    assert.ok(Number(best[4]) > 0.7, `auc ${best[4]}`);
    assert.ok(existsSync(join(work.dir, 'sklearn_subset', best[1], 'outputs', 'model', 'model.pkl')));
    assert.ok(existsSync(join(work.dir, 'data_validation', 'outputs', 'report', 'validation.json')));
    // The summary table: one column per metric.
    assert.match(out, /^step +status +duration +rules_failed +auc +accuracy +best parameters$/m);
    assert.match(out, /✔ 3 succeeded, 0 failed/);
    // With --work-dir, nothing is written into the sample (a demo run may have left .mlsteps/ before).
    assert.deepEqual(listing(SAMPLE), before, 'nothing is written into the sample');
  } finally {
    work.cleanup();
  }
});

test('sklearn_full trains on the entire raw data with the best parameters of sklearn_subset', { skip }, async () => {
  const work = scratch();
  try {
    const { code, out } = await runCli({ path: SAMPLE, steps: ['sklearn_full'], workDir: work.dir });
    assert.equal(code, 0, out);
    const best = /best trial-\d: C=(\S+) penalty=(l1|l2)/.exec(out);
    assert.ok(best, out);
    assert.match(out, new RegExp(`\\$ python train_sklearn\\.py --train \\S+/data/full --C ${best[1].replace('.', '\\.')} --penalty ${best[2]} --model `));
    assert.match(out, /\[sklearn_full\] \S+\/data\/full holds raw data: preparing it as prep\.py does/);
    assert.match(out, /\[sklearn_full\] trained on 4800 rows, tested on 1200/);
    assert.match(out, /✓ sklearn_full succeeded in [\d.]+ s — auc=0\.\d+ accuracy=0\.\d+/);
    // data_preparation (Spark) cannot run here, and sklearn_full only waits for it.
    assert.match(out, /⊘ data_preparation skipped: /);
  } finally {
    work.cleanup();
  }
});

test('a changed hyper-parameter changes the metric (train_sklearn.py through the backend, C = 0.001 and 1)', { skip }, async () => {
  const aucFor = async (C: number) => {
    const p = localProject({
      'mlsteps.yml': `runconfigs: [runconfigs/*.yml]\ndatasets:\n  subset: {type: uri_file, path: azureml://datastores/x/paths/subset.csv, local_path: data/subset.csv}\n`,
      'env/conda.yml': 'name: t\ndependencies:\n  - python=3.10\n  - pandas\n  - scikit-learn\n',
      'runconfigs/train.yml': `code: ../src
command: python train_sklearn.py --train \${{inputs.train}} --C \${{inputs.C}} --penalty l1 --model \${{outputs.model}}
environment: ../env/conda.yml
compute: local
inputs:
  train: {dataset: subset}
  C: ${C}
outputs:
  model: {type: uri_folder}
`,
    });
    try {
      cpSync(join(SAMPLE, 'src'), join(p.dir, 'src'), { recursive: true, filter: (f) => !f.includes('__pycache__') });
      cpSync(join(SAMPLE, 'data', 'subset.csv'), join(p.dir, 'data', 'subset.csv'));
      const { result } = await runLocal(await planOf(p.dir));
      const step = result.steps[0];
      assert.equal(step.status, 'succeeded', JSON.stringify(step, null, 1));
      assert.match(step.command ?? '', new RegExp(`--C ${C} --penalty l1`));
      return step.metrics.auc;
    } finally {
      p.cleanup();
    }
  };
  const weak = await aucFor(0.001);
  const strong = await aucFor(1);
  // With C = 0.001 the L1 penalty zeroes every coefficient: the model cannot rank (AUC 0.5).
  assert.ok(Math.abs(weak - 0.5) < 0.01, `auc with C=0.001: ${weak}`);
  assert.ok(strong > 0.75, `auc with C=1: ${strong}`);
});
