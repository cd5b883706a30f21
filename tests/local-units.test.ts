// The local backend's small parts: metrics readers, sampling, conda parsing and Python names,
// command binding, line splitting.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { bindCommand, quote } from '../src/backends/local/bind';
import { parseCondaDependencies } from '../src/backends/local/conda';
import { LineSplitter } from '../src/backends/local/lines';
import { readMetricsJson, readMlflowFileStore, readRunMetrics } from '../src/backends/local/metrics';
import { pythonPackage } from '../src/backends/local/pythonNames';
import { bestTrial, grid, mulberry32, planTrials, randomTrials, sample } from '../src/backends/local/sampling';
import { Semaphore } from '../src/backends/local/semaphore';
import { venvRequirements } from '../src/backends/local/venv';
import type { SweepSpec } from '../src/model/step';

function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'mlsteps-local-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

test('metrics.json: numbers, the last value of a list, nothing else', () => {
  const t = tempDir();
  try {
    const file = join(t.dir, 'metrics.json');
    writeFileSync(file, JSON.stringify({ auc: 0.81, loss: [0.9, 0.5, 0.25], rows: 1200, note: 'text', nested: { a: 1 }, flag: true, asText: '0.5' }));
    assert.deepEqual(readMetricsJson(file), { auc: 0.81, loss: 0.25, rows: 1200, asText: 0.5 });
    writeFileSync(file, '{not json');
    assert.deepEqual(readMetricsJson(file), {});
    assert.deepEqual(readMetricsJson(join(t.dir, 'missing.json')), {});
  } finally {
    t.cleanup();
  }
});

test('MLflow file store: the latest value of each metric (highest step, then timestamp), nested names, several runs', () => {
  const t = tempDir();
  try {
    const run = (exp: string, id: string) => join(t.dir, exp, id, 'metrics');
    mkdirSync(join(run('0', 'r1'), 'train'), { recursive: true });
    mkdirSync(run('1', 'r2'), { recursive: true });
    mkdirSync(join(t.dir, '.trash', 'old', 'metrics'), { recursive: true });
    writeFileSync(join(t.dir, '0', 'meta.yaml'), 'name: Default\n');
    // Lines are `timestamp value step`; the highest step wins even when it was written first.
    writeFileSync(join(run('0', 'r1'), 'auc'), '1700000000003 0.70 2\n1700000000001 0.60 1\n');
    writeFileSync(join(run('0', 'r1'), 'train', 'loss'), '1700000000001 0.9 0\n1700000000002 0.4 1\n\n');
    writeFileSync(join(run('0', 'r1'), 'bad'), 'garbage\n1700000000001 nan 0\n');
    writeFileSync(join(run('1', 'r2'), 'accuracy'), '1700000000005 0.88 0\n');
    writeFileSync(join(t.dir, '.trash', 'old', 'metrics', 'auc'), '1800000000000 0.99 9\n');
    assert.deepEqual(readMlflowFileStore(t.dir), { accuracy: 0.88, auc: 0.7, 'train/loss': 0.4 });
    // outputs/metrics.json is read too, and wins a tie.
    mkdirSync(join(t.dir, 'cwd', 'outputs'), { recursive: true });
    writeFileSync(join(t.dir, 'cwd', 'outputs', 'metrics.json'), '{"auc": 0.75}');
    assert.deepEqual(readRunMetrics({ cwd: join(t.dir, 'cwd'), mlruns: t.dir }), { accuracy: 0.88, auc: 0.75, 'train/loss': 0.4 });
    assert.deepEqual(readMlflowFileStore(join(t.dir, 'nowhere')), {});
  } finally {
    t.cleanup();
  }
});

const space = {
  C: { type: 'choice', values: [0.01, 0.1, 1] },
  penalty: { type: 'choice', values: ['l1', 'l2'] },
};

test('grid sampling: every combination, the last parameter changing fastest; max_total_trials cuts it', () => {
  assert.deepEqual(grid(space), [
    { C: 0.01, penalty: 'l1' },
    { C: 0.01, penalty: 'l2' },
    { C: 0.1, penalty: 'l1' },
    { C: 0.1, penalty: 'l2' },
    { C: 1, penalty: 'l1' },
    { C: 1, penalty: 'l2' },
  ]);
  const sweep = (over: Partial<SweepSpec>): SweepSpec => ({ sampling: { type: 'grid' }, searchSpace: space, objective: { goal: 'maximize', primary_metric: 'auc' }, limits: {}, ...over });
  assert.equal(planTrials(sweep({})).trials.length, 6);
  const cut = planTrials(sweep({ limits: { max_total_trials: 4 } }));
  assert.equal(cut.trials.length, 4);
  assert.match(cut.notes.join(), /first 4 of 6/);
  assert.match(planTrials(sweep({ searchSpace: { lr: { type: 'uniform', min_value: 0, max_value: 1 } } })).error ?? '', /grid sampling takes only `choice`.*lr is `uniform`/);
  assert.match(planTrials(sweep({ searchSpace: { lr: { type: 'uniform', min_value: 0 } } })).error ?? '', /needs a number `max_value`/);
  assert.match(planTrials(sweep({ searchSpace: { lr: { type: 'gamma' } } })).error ?? '', /unknown type `gamma`/);
});

const everyKind = {
  c: { type: 'choice', values: ['a', 'b', 'c'] },
  n: { type: 'randint', upper: 5 },
  u: { type: 'uniform', min_value: -1, max_value: 1 },
  lu: { type: 'loguniform', min_value: -5, max_value: 0 },
  qu: { type: 'quniform', min_value: 0, max_value: 10, q: 2 },
  qlu: { type: 'qloguniform', min_value: 0, max_value: 3, q: 0.5 },
  nrm: { type: 'normal', mu: 10, sigma: 1 },
  ln: { type: 'lognormal', mu: 0, sigma: 0.5 },
  qn: { type: 'qnormal', mu: 100, sigma: 10, q: 5 },
  qln: { type: 'qlognormal', mu: 1, sigma: 0.5, q: 0.1 },
};

test('random sampling: the same trials for the same seed, others for another seed', () => {
  const a = randomTrials(everyKind, 8, 7);
  const b = randomTrials(everyKind, 8, 7);
  const c = randomTrials(everyKind, 8, 8);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  // Through planTrials: the seed of sampling_algorithm, else a fixed default.
  const sweep = (seed?: number): SweepSpec => ({ sampling: { type: 'random', ...(seed !== undefined ? { seed } : {}) }, searchSpace: everyKind, objective: { goal: 'minimize', primary_metric: 'loss' }, limits: { max_total_trials: 5 } });
  assert.deepEqual(planTrials(sweep(3)).trials, planTrials(sweep(3)).trials);
  assert.deepEqual(planTrials(sweep()).trials, planTrials(sweep()).trials);
  assert.notDeepEqual(planTrials(sweep(3)).trials, planTrials(sweep(4)).trials);
  const unlimited = planTrials({ ...sweep(1), limits: {} });
  assert.equal(unlimited.trials.length, 10);
  assert.match(unlimited.notes.join(), /max_total_trials is not set/);
  const bayes = planTrials({ ...sweep(1), sampling: { type: 'bayesian' } });
  assert.equal(bayes.trials.length, 5);
  assert.match(bayes.notes.join(), /bayesian sampling .* at random locally/);
});

test('random sampling: each distribution stays in its range and on its grid of q', () => {
  const random = mulberry32(123);
  for (let i = 0; i < 500; i++) {
    const s = (k: keyof typeof everyKind) => sample(everyKind[k], random) as number;
    assert.ok(['a', 'b', 'c'].includes(sample(everyKind.c, random) as string));
    const n = s('n');
    assert.ok(Number.isInteger(n) && n >= 0 && n < 5, `randint ${n}`);
    const u = s('u');
    assert.ok(u >= -1 && u <= 1, `uniform ${u}`);
    const lu = s('lu');
    assert.ok(lu >= Math.exp(-5) - 1e-12 && lu <= 1, `loguniform ${lu}`);
    const qu = s('qu');
    assert.ok(qu % 2 === 0 && qu >= 0 && qu <= 10, `quniform ${qu}`);
    const qlu = s('qlu');
    assert.ok(Number.isInteger(qlu * 2) && qlu >= 0.5 && qlu <= 20.5, `qloguniform ${qlu}`);
    assert.ok(s('ln') > 0);
    assert.ok(s('qn') % 5 === 0);
    const qln = s('qln');
    assert.ok(Math.abs(qln * 10 - Math.round(qln * 10)) < 1e-9, `qlognormal ${qln}`);
  }
  // normal: mean and spread about right over many draws.
  const draws = Array.from({ length: 4000 }, () => sample(everyKind.nrm, random) as number);
  const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
  const sd = Math.sqrt(draws.reduce((a, b) => a + (b - mean) ** 2, 0) / draws.length);
  assert.ok(Math.abs(mean - 10) < 0.1 && Math.abs(sd - 1) < 0.1, `normal mean ${mean} sd ${sd}`);
});

test('the best trial: by goal and primary metric, among succeeded trials that report it', () => {
  const trials: { name: string; status: string; metrics: Record<string, number> }[] = [
    { name: 't1', status: 'succeeded', metrics: { auc: 0.7 } },
    { name: 't2', status: 'failed', metrics: { auc: 0.99 } },
    { name: 't3', status: 'succeeded', metrics: { auc: 0.8 } },
    { name: 't4', status: 'succeeded', metrics: { loss: 0.1 } },
    { name: 't5', status: 'succeeded', metrics: { auc: NaN } },
  ];
  assert.equal(bestTrial(trials, { goal: 'maximize', primary_metric: 'auc' })?.name, 't3');
  assert.equal(bestTrial(trials, { goal: 'minimize', primary_metric: 'auc' })?.name, 't1');
  assert.equal(bestTrial(trials, { goal: 'maximize', primary_metric: 'f1' }), undefined);
});

test('conda files: conda and pip entries, the pinned Python, names mapped to modules and install names', () => {
  const env = parseCondaDependencies(`name: x
channels: [conda-forge]
dependencies:
  - python=3.10
  - pip
  - pandas=2.1
  - scikit-learn>=1.3
  - conda-forge::pytorch=2.1.2
  - pytorch-cuda=11.8
  - pyyaml
  - opencv
  - pip:
      - mlflow==2.9.2
      - azureml-mlflow==1.55.0
      - Pillow[extra]>=10
      - python_dateutil
      - -r requirements.txt
      - git+https://example.invalid/repo.git#egg=my-lib
`);
  assert.equal(env.python, '3.10');
  assert.deepEqual(env.unparsed, ['-r requirements.txt']);
  const byName = Object.fromEntries(env.dependencies.map((d) => [d.name, pythonPackage(d)]));
  const view = (name: string) => {
    const p = byName[name];
    return { importName: p.importName, pip: p.pipRequirement, role: p.role, apt: p.aptName };
  };
  assert.deepEqual(view('pip'), { importName: 'pip', pip: 'pip', role: 'skip', apt: undefined });
  assert.deepEqual(view('pandas'), { importName: 'pandas', pip: 'pandas==2.1.*', role: 'required', apt: 'python3-pandas' });
  assert.deepEqual(view('scikit-learn'), { importName: 'sklearn', pip: 'scikit-learn>=1.3', role: 'required', apt: 'python3-sklearn' });
  assert.deepEqual(view('pytorch'), { importName: 'torch', pip: 'torch==2.1.2', role: 'required', apt: 'python3-torch' });
  assert.equal(view('pytorch-cuda').role, 'skip');
  assert.equal(view('pyyaml').importName, 'yaml');
  assert.deepEqual(view('opencv'), { importName: 'cv2', pip: 'opencv-python', role: 'required', apt: 'python3-opencv' });
  assert.deepEqual(view('mlflow'), { importName: 'mlflow', pip: 'mlflow==2.9.2', role: 'optional', apt: undefined });
  assert.equal(view('azureml-mlflow').role, 'skip');
  assert.deepEqual(view('pillow'), { importName: 'PIL', pip: 'pillow>=10', role: 'required', apt: 'python3-pil' });
  assert.equal(view('python-dateutil').importName, 'dateutil');
  assert.equal(view('my-lib').importName, 'my_lib');
  // What --prepare-env installs: pip's names and pins, nothing conda-only or Azure-only.
  assert.deepEqual(venvRequirements(`dependencies: [python=3.10, pip, pandas=2.1, pytorch=2.1.2, pytorch-cuda=11.8, {pip: [mlflow==2.9.2, azureml-mlflow==1.55.0]}]`), ['pandas==2.1.*', 'torch==2.1.2', 'mlflow==2.9.2']);
  assert.deepEqual(parseCondaDependencies('dependencies: [').dependencies, []);
});

test('binding a command: inputs, outputs and search space; paths quoted only when they must be', () => {
  const r = bindCommand(
    'python t.py --data ${{inputs.data}} --lr ${{ search_space.lr }} --name ${{inputs.name}} --out ${{outputs.model}}/m.onnx --x ${{inputs.nope}} --b ${{needs.s.best.p}}',
    {
      inputs: { data: { value: "/tmp/my data/it's.csv", path: true }, name: { value: 'two words' } },
      outputs: { model: { value: '/tmp/out/model', path: true } },
      searchSpace: { lr: { value: '0.01' } },
      needs: (step, kind, name) => (step === 's' && kind === 'best' ? { value: `best-${name}` } : undefined),
    },
    'sh',
  );
  assert.equal(r.command, `python t.py --data '/tmp/my data/it'\\''s.csv' --lr 0.01 --name two words --out /tmp/out/model/m.onnx --x \${{inputs.nope}} --b best-p`);
  assert.deepEqual(r.unbound, ['${{inputs.nope}}']);
  assert.equal(quote('C:\\work dir\\x', 'cmd'), '"C:\\work dir\\x"');
  assert.equal(quote('/plain/path-1.csv', 'sh'), '/plain/path-1.csv');
});

test('line splitting: chunks cut anywhere, CRLF, progress bars redrawn with CR, a last line without newline', () => {
  const lines: string[] = [];
  const s = new LineSplitter((l) => lines.push(l));
  const text = 'first\r\nsecond line\nprogress 10%\rprogress 100%\nh\u00e9llo\nlast';
  const bytes = Buffer.from(text, 'utf8');
  for (let i = 0; i < bytes.length; i += 3) s.push(bytes.subarray(i, i + 3));
  s.end();
  assert.deepEqual(lines, ['first', 'second line', 'progress 100%', 'h\u00e9llo', 'last']);
});

test('semaphore: at most N holders, waiters served in order, an aborted waiter leaves the queue', async () => {
  const sem = new Semaphore(2);
  const order: string[] = [];
  const r1 = await sem.acquire();
  const r2 = await sem.acquire();
  const controller = new AbortController();
  const aborted = sem.acquire(controller.signal).then(
    () => order.push('aborted-got-it'),
    () => order.push('aborted'),
  );
  const third = sem.acquire().then((release) => {
    order.push('third');
    return release;
  });
  controller.abort();
  await aborted;
  r1();
  (await third)();
  r2();
  assert.deepEqual(order, ['aborted', 'third']);
});
