// The local backend on small projects of shell scripts: graph order and parallelism, failures,
// sweeps, metrics, missing packages, virtual environments, Spark, dry runs, time limits.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { localProject, planOf, runCli, runLocal } from './helpers/local';

const posix = process.platform !== 'win32';

function scratch(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'mlsteps-scratch-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

test('independent steps run at the same time, a step that needs both runs after them', { skip: !posix }, async () => {
  const sync = scratch();
  // Each of a and b writes when it started, then waits (up to 20 s) for the other to start: if
  // they ran one after the other, the first would give up and fail. c checks both ended before it.
  // (A stamp is written to a temporary file and renamed, so a file that exists is complete.)
  const rendezvous = `me=$1; other=$2; dir=$3
stamp() { date +%s%N > "$dir/$1.tmp" && mv "$dir/$1.tmp" "$dir/$1"; }
stamp $me.start
i=0; while [ ! -f "$dir/$other.start" ]; do i=$((i+1)); [ $i -gt 400 ] && { echo "$other never started"; exit 1; }; sleep 0.05; done
echo "$me saw $other running"
stamp $me.end
`;
  const p = localProject({
    'src/rendezvous.sh': rendezvous,
    'src/after.sh': 'dir=$1; for s in a b; do [ -f "$dir/$s.end" ] || { echo "$s has not ended"; exit 1; }; done; date +%s%N > "$dir/c.start"; echo "both done"\n',
    'runconfigs/a.yml': `command: sh rendezvous.sh a b \${{inputs.sync}}\ncode: ../src\ncompute: local\ninputs: {sync: "${sync.dir}"}\n`,
    'runconfigs/b.yml': `command: sh rendezvous.sh b a \${{inputs.sync}}\ncode: ../src\ncompute: local\ninputs: {sync: "${sync.dir}"}\n`,
    'runconfigs/c.yml': `command: sh after.sh \${{inputs.sync}}\ncode: ../src\ncompute: local\nneeds: [a, b]\ninputs: {sync: "${sync.dir}"}\n`,
  });
  try {
    const { result, lines } = await runLocal(await planOf(p.dir), { concurrency: 4 });
    assert.deepEqual(result.steps.map((s) => [s.name, s.status]), [['a', 'succeeded'], ['b', 'succeeded'], ['c', 'succeeded']], JSON.stringify(result.steps, null, 1));
    const t = (name: string) => BigInt(readFileSync(join(sync.dir, name), 'utf8').trim());
    // Overlap: each started before the other ended.
    assert.ok(t('a.start') < t('b.end') && t('b.start') < t('a.end'));
    assert.ok(t('c.start') > t('a.end') && t('c.start') > t('b.end'));
    // Output lines carry their step's name.
    assert.ok(lines.some((l) => l.label === 'a' && l.text === 'a saw b running'));
    assert.ok(lines.some((l) => l.label === 'c' && l.text === 'both done'));
    // Each step ran in its own work folder, in a copy of the code folder.
    for (const s of result.steps) assert.ok(existsSync(join(s.workDir!, 'code', 'rendezvous.sh')), s.workDir);
    assert.equal(new Set(result.steps.map((s) => s.workDir)).size, 3);
  } finally {
    p.cleanup();
    sync.cleanup();
  }
});

test('with concurrency 1, independent steps run one at a time', { skip: !posix }, async () => {
  const sync = scratch();
  const p = localProject({
    'src/one.sh': 'dir=$1; me=$2; [ -f "$dir/running" ] && { echo "another step is running"; exit 1; }; touch "$dir/running"; sleep 0.2; rm "$dir/running"; echo ok\n',
    'runconfigs/a.yml': `command: sh one.sh \${{inputs.sync}} a\ncode: ../src\ncompute: local\ninputs: {sync: "${sync.dir}"}\n`,
    'runconfigs/b.yml': `command: sh one.sh \${{inputs.sync}} b\ncode: ../src\ncompute: local\ninputs: {sync: "${sync.dir}"}\n`,
    'runconfigs/c.yml': `command: sh one.sh \${{inputs.sync}} c\ncode: ../src\ncompute: local\ninputs: {sync: "${sync.dir}"}\n`,
  });
  try {
    const { result } = await runLocal(await planOf(p.dir), { concurrency: 1 });
    assert.deepEqual(result.steps.map((s) => s.status), ['succeeded', 'succeeded', 'succeeded'], JSON.stringify(result.steps, null, 1));
  } finally {
    p.cleanup();
    sync.cleanup();
  }
});

test('a failing step: its dependents are skipped, independent steps finish, exit 1, its last 20 lines are shown', { skip: !posix }, async () => {
  const p = localProject({
    'src/bad.sh': 'i=1; while [ $i -le 30 ]; do echo "line $i"; i=$((i+1)); done; echo "boom: the data is bad" >&2; exit 3\n',
    'src/ok.sh': 'sleep 0.3; echo fine\n',
    'runconfigs/bad.yml': 'command: sh bad.sh\ncode: ../src\ncompute: local\n',
    'runconfigs/after.yml': 'command: sh ok.sh\ncode: ../src\ncompute: local\nneeds: [bad]\n',
    'runconfigs/after2.yml': 'command: sh ok.sh\ncode: ../src\ncompute: local\nneeds: [after]\n',
    'runconfigs/independent.yml': 'command: sh ok.sh\ncode: ../src\ncompute: local\n',
  });
  try {
    const { code, out } = await runCli({ path: p.dir });
    assert.equal(code, 1, out);
    assert.match(out, /✗ bad failed: exit code 3/);
    assert.match(out, /⊘ after skipped: needs bad, which failed/);
    assert.match(out, /⊘ after2 skipped: needs after, which was skipped because a step before it failed/);
    assert.match(out, /✓ independent succeeded/);
    // The last 20 lines: line 12 … line 30 and the error; not line 11.
    assert.match(out, /last 20 lines \(all in .*std_log\.txt\):\n {2}│ line 12\n[\s\S]*│ line 30\n {2}│ boom: the data is bad\n/);
    assert.doesNotMatch(out, /│ line 11\n/);
    assert.match(out, /failed: bad — exit code 3/);
    assert.match(out, /✖ run failed: 1 succeeded, 1 failed, 2 skipped/);
    // The whole log is kept in the step's work folder.
    const runs = join(p.dir, '.mlsteps', 'runs');
    const [run] = readdirSync(runs);
    assert.match(readFileSync(join(runs, run, 'bad', 'std_log.txt'), 'utf8'), /^line 1\n[\s\S]*boom/);
  } finally {
    p.cleanup();
  }
});

test("a sweep's best parameters and best outputs flow into a later step", { skip: !posix }, async () => {
  // score = -(x - 3)^2: the best trial has x = 3. Each trial writes its x into its model folder.
  const p = localProject({
    'src/trial.sh': 'x=$1; model=$2\nmkdir -p outputs "$model"\necho "$x" > "$model/x.txt"\necho "{\\"score\\": $(( -(x - 3) * (x - 3) )), \\"x\\": $x}" > outputs/metrics.json\necho "x=$x"\n',
    'src/use.sh': 'mkdir -p outputs; echo "{\\"best_x\\": $1, \\"model_x\\": $(cat "$2/x.txt")}" > outputs/metrics.json\n',
    'runconfigs/tune.yml': `type: sweep
compute: local
sampling_algorithm: grid
search_space:
  x: {type: choice, values: [1, 2, 3, 4, 5]}
objective: {goal: maximize, primary_metric: score}
limits: {max_total_trials: 5, max_concurrent_trials: 2}
outputs:
  model: {type: uri_folder}
trial:
  code: ../src
  command: sh trial.sh \${{search_space.x}} \${{outputs.model}}
`,
    'runconfigs/use.yml': `command: sh use.sh \${{inputs.x}} \${{inputs.model}}
code: ../src
compute: local
needs: [tune]
inputs:
  x: \${{needs.tune.best.x}}
  model: \${{needs.tune.outputs.model}}
`,
  });
  try {
    const { result, lines, events } = await runLocal(await planOf(p.dir), { concurrency: 4 });
    const [tune, use] = result.steps;
    assert.equal(tune.status, 'succeeded', JSON.stringify(tune, null, 1));
    assert.equal(tune.sweep?.trials.length, 5);
    assert.deepEqual(tune.sweep?.trials.map((t) => t.metrics.score), [-4, -1, 0, -1, -4]);
    assert.deepEqual(tune.sweep?.best, { trial: 'trial-3', parameters: { x: 3 }, metrics: { score: 0, x: 3 } });
    assert.equal(tune.outputs.model, join(tune.workDir!, 'trial-3', 'outputs', 'model'));
    assert.equal(use.status, 'succeeded', JSON.stringify(use, null, 1));
    assert.deepEqual(use.metrics, { best_x: 3, model_x: 3 });
    assert.match(use.command ?? '', / 3 .*trial-3\/outputs\/model$/);
    assert.ok(lines.some((l) => l.label === 'tune/trial-4' && l.text === 'x=4'));
    // Never more than max_concurrent_trials at once.
    let running = 0;
    let most = 0;
    for (const e of events) {
      if (e.type === 'trial-start') most = Math.max(most, ++running);
      if (e.type === 'trial-end') running--;
    }
    assert.equal(most, 2);
  } finally {
    p.cleanup();
  }
});

test('random sampling through the backend: the same trials for the same seed', { skip: !posix }, async () => {
  const p = localProject({
    'src/trial.sh': 'mkdir -p outputs; echo "{\\"m\\": 1}" > outputs/metrics.json\n',
    'runconfigs/tune.yml': `type: sweep
compute: local
sampling_algorithm: {type: random, seed: 11}
search_space:
  lr: {type: loguniform, min_value: -6, max_value: -1}
  layers: {type: choice, values: [1, 2, 3]}
objective: {goal: maximize, primary_metric: m}
limits: {max_total_trials: 4}
trial:
  code: ../src
  command: sh trial.sh \${{search_space.lr}} \${{search_space.layers}}
`,
  });
  try {
    const plan = await planOf(p.dir);
    const first = (await runLocal(plan)).result.steps[0].sweep!.trials.map((t) => t.parameters);
    const second = (await runLocal(plan)).result.steps[0].sweep!.trials.map((t) => t.parameters);
    assert.equal(first.length, 4);
    assert.deepEqual(first, second);
    assert.ok(first.every((t) => (t.lr as number) >= Math.exp(-6) && (t.lr as number) <= Math.exp(-1)));
  } finally {
    p.cleanup();
  }
});

test('metrics from outputs/metrics.json and from an MLflow file store; the code folder stays clean', { skip: !posix }, async () => {
  const p = localProject({
    'src/json.sh': 'mkdir -p outputs; echo \'{"auc": 0.91, "rows": 1200}\' > outputs/metrics.json\n',
    // What mlflow.log_metric writes with MLFLOW_TRACKING_URI=file:…: <exp>/<run>/metrics/<name>.
    'src/mlflow.sh': `store="\${MLFLOW_TRACKING_URI#file://}"
[ "$PYTHONUNBUFFERED" = 1 ] || exit 9
mkdir -p "$store/0/abc123/metrics/train"
printf '1700000000000 0.5 0\\n1700000000100 0.42 1\\n' > "$store/0/abc123/metrics/train/loss"
printf '1700000000200 0.77 0\\n' > "$store/0/abc123/metrics/auc"
`,
    'runconfigs/json.yml': 'command: sh json.sh\ncode: ../src\ncompute: local\n',
    'runconfigs/mlflow.yml': 'command: sh mlflow.sh\ncode: ../src\ncompute: local\n',
  });
  try {
    const { result } = await runLocal(await planOf(p.dir));
    const [json, mlflow] = result.steps;
    assert.deepEqual(json.metrics, { auc: 0.91, rows: 1200 });
    assert.deepEqual(mlflow.metrics, { auc: 0.77, 'train/loss': 0.42 });
    assert.ok(existsSync(join(mlflow.workDir!, 'mlruns', '0', 'abc123')));
    assert.ok(!existsSync(join(p.dir, 'src', 'outputs')), 'scripts write into their copy of the code folder');
    assert.deepEqual(JSON.parse(readFileSync(join(result.runDir, 'run.json'), 'utf8')).steps.map((s: { metrics: unknown }) => s.metrics), [json.metrics, mlflow.metrics]);
  } finally {
    p.cleanup();
  }
});

test('inputs: a dataset binds to its local_path, a local uri to its absolute path, literals as written', { skip: !posix }, async () => {
  const p = localProject({
    'mlsteps.yml': `runconfigs: [runconfigs/*.yml]
datasets:
  subset: {type: uri_file, path: azureml://datastores/x/paths/subset.csv, local_path: data/my subset.csv}
  remote: {type: uri_folder, path: azureml://datastores/x/paths/full/}
`,
    'data/my subset.csv': 'a,b\n1,2\n',
    'data/folder/f.txt': 'x',
    'src/show.sh': 'for a in "$@"; do echo "arg: $a"; done\n',
    'runconfigs/show.yml': `command: sh show.sh \${{inputs.data}} \${{inputs.folder}} \${{inputs.n}} \${{outputs.out}}
code: ../src
compute: local
inputs:
  data: {dataset: subset}
  folder: {type: uri_folder, path: ../data/folder}
  n: 5
outputs:
  out: {type: uri_folder}
`,
    'runconfigs/remote.yml': `command: sh show.sh \${{inputs.full}}
code: ../src
compute: cpu
inputs:
  full: {dataset: remote}
`,
  });
  try {
    writeFileSync(join(p.dir, 'mlsteps.yml'), readFileSync(join(p.dir, 'mlsteps.yml'), 'utf8') + 'computes:\n  cpu: {type: amlcompute, size: Standard_D4s_v3}\n');
    const { result, lines } = await runLocal(await planOf(p.dir));
    const show = result.steps.find((s) => s.name === 'show')!;
    assert.equal(show.status, 'succeeded', JSON.stringify(show, null, 1));
    const args = lines.filter((l) => l.step === 'show').map((l) => l.text);
    assert.deepEqual(args, [`arg: ${join(p.dir, 'data', 'my subset.csv')}`, `arg: ${join(p.dir, 'data', 'folder')}`, 'arg: 5', `arg: ${join(show.workDir!, 'outputs', 'out')}`]);
    assert.ok(existsSync(join(show.workDir!, 'outputs', 'out')), 'the output folder is made fresh');
    const remote = result.steps.find((s) => s.name === 'remote')!;
    assert.equal(remote.status, 'skipped');
    assert.equal(remote.skip, 'unsupported');
    assert.match(remote.reason ?? '', /dataset remote has no local_path/);
    assert.equal(result.status, 'succeeded');
  } finally {
    p.cleanup();
  }
});

const condaWith = (...deps: string[]) => `name: t\ndependencies:\n  - python=3.10\n  - pip\n${deps.map((d) => `  - ${d}\n`).join('')}`;

test('missing packages: the step is skipped naming each one and how to install it; --require-packages fails it', async () => {
  const p = localProject({
    'env/conda.yml': condaWith('definitely-not-installed-pkg', 'pyspark-for-nothing', '{pip: [mlflow==2.9.2, azureml-mlflow==1.55.0]}'),
    // The script imports the missing package; it never imports pyspark-for-nothing (declared,
    // unused: not needed), and mlflow only inside try/except ImportError (optional).
    'src/uses.py': 'import json\nimport definitely_not_installed_pkg\nfrom helper import x\n',
    'src/helper.py': 'try:\n    import mlflow\nexcept ImportError:\n    mlflow = None\nx = 1\n',
    'src/plain.py': 'import json\nprint("plain ran")\n',
    'src/run.sh': 'echo "shell ran"\n',
    'runconfigs/uses.yml': 'command: python uses.py\ncode: ../src\ncompute: local\nenvironment: ../env/conda.yml\noutputs:\n  model: {type: uri_folder}\n',
    'runconfigs/after.yml': 'command: python plain.py --model ${{inputs.m}}\ncode: ../src\ncompute: local\nneeds: [uses]\ninputs:\n  m: ${{needs.uses.outputs.model}}\n',
    'runconfigs/waits.yml': 'command: python plain.py\ncode: ../src\ncompute: local\nneeds: [uses]\n',
    // A shell command cannot be analysed: every declared package is needed.
    'runconfigs/shell.yml': 'command: sh run.sh\ncode: ../src\ncompute: local\nenvironment: ../env/conda.yml\n',
  });
  try {
    const { code, out } = await runCli({ path: p.dir });
    assert.equal(code, 0, out);
    // Exactly what is missing (not the declared-but-unused package, not the optional mlflow), and how to get it.
    assert.match(
      out,
      /⊘ uses skipped: missing Python package: definitely-not-installed-pkg\n {2}missing Python package for \S+ \(Python 3\.\d+\.\d+\): definitely-not-installed-pkg \(import definitely_not_installed_pkg\)\n {4}install with pip: +\S+ -m pip install definitely-not-installed-pkg\n {4}or let mlsteps make a virtual environment from env\/conda\.yml: --prepare-env; or choose an interpreter that has them: --python PATH\n/,
    );
    assert.match(out, /note \[uses\]: declared but not imported by this step's code, so not needed here: pyspark-for-nothing/);
    assert.match(out, /note \[\w+\]: optional, not installed: mlflow/);
    assert.match(out, /⊘ after skipped: needs the results of uses, which was skipped \(missing Python package: definitely-not-installed-pkg\)/);
    assert.match(out, /\[waits\] plain ran/, 'a step that only waits for a skipped step runs');
    assert.match(out, /⊘ shell skipped: missing Python packages: definitely-not-installed-pkg, pyspark-for-nothing/);
    assert.match(out, /✔ 1 succeeded, 0 failed, 3 skipped/);

    const strict = await runCli({ path: p.dir, requirePackages: true, steps: ['uses'] });
    assert.equal(strict.code, 1, strict.out);
    assert.match(strict.out, /✗ uses failed: missing Python package: definitely-not-installed-pkg/);
  } finally {
    p.cleanup();
  }
});

test('--prepare-env: pip failing (no package index) fails the step with a clear message; reused environments', { skip: !posix }, async () => {
  const fake = scratch();
  const python = join(fake.dir, 'python');
  // A stand-in for python3 on a machine without network: `-m venv DIR` makes DIR/bin/python (this
  // script again), `-m pip install` fails as pip does offline.
  writeFileSync(
    python,
    `#!/bin/sh
if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then mkdir -p "$3/bin" && cp "$0" "$3/bin/python" && exit 0; fi
if [ "$1" = "-m" ] && [ "$2" = "pip" ]; then
  echo "WARNING: Retrying (Retry(total=0, connect=None, read=None, redirect=None, status=None)) after connection broken by 'NewConnectionError: Failed to establish a new connection: [Errno -3] Temporary failure in name resolution'"
  echo "ERROR: Could not find a version that satisfies the requirement pandas==2.1.* (from versions: none)" >&2
  echo "ERROR: No matching distribution found for pandas==2.1.*" >&2
  exit 1
fi
echo "unexpected: $*" >&2; exit 2
`,
  );
  chmodSync(python, 0o755);
  const p = localProject({
    'env/conda.yml': condaWith('pandas=2.1', '{pip: [mlflow==2.9.2]}'),
    'src/t.py': 'import pandas\n',
    'runconfigs/t.yml': 'command: python t.py\ncode: ../src\ncompute: local\nenvironment: ../env/conda.yml\n',
  });
  try {
    const { code, out } = await runCli({ path: p.dir, prepareEnv: true, python });
    assert.equal(code, 1, out);
    assert.match(out, /✗ t failed: pip install failed in the virtual environment .*\.mlsteps\/venvs\/[0-9a-f]{16} \(exit 1\) for: pandas==2\.1\.\* mlflow==2\.9\.2\. pip could not download them: is the package index \(PyPI\) reachable from this machine\?/);
    assert.match(out, /│ ERROR: No matching distribution found for pandas==2\.1\.\*/);
    assert.match(out, /^\[venv env\/conda\.yml\] ERROR: Could not find a version/m, "pip's output is streamed");

    // When making the environment itself fails, the message says so.
    writeFileSync(python, '#!/bin/sh\necho "Error: ensurepip is not available" >&2; exit 1\n');
    const noVenv = await runCli({ path: p.dir, prepareEnv: true, python });
    assert.equal(noVenv.code, 1, noVenv.out);
    assert.match(noVenv.out, /✗ t failed: could not make a virtual environment with .*python -m venv .* \(exit 1\)/);

    // A completed environment is reused: its python is used as is.
    const real = 'python3';
    const venvs = join(p.dir, '.mlsteps', 'venvs');
    const ready = await runCli({ path: p.dir, prepareEnv: true, python: real, dryRun: true });
    const dir = /would make a virtual environment in (\S+)/.exec(ready.out)?.[1];
    assert.ok(dir?.startsWith(venvs), ready.out);
    mkdirSync(join(dir!, 'bin'), { recursive: true });
    writeFileSync(join(dir!, 'bin', 'python'), `#!/bin/sh\nexec ${real} "$@"\n`);
    chmodSync(join(dir!, 'bin', 'python'), 0o755);
    writeFileSync(join(dir!, 'mlsteps-venv.json'), JSON.stringify({ requirements: ['pandas==2.1.*', 'mlflow==2.9.2'] }));
    const reused = await runCli({ path: p.dir, prepareEnv: true, python: real });
    assert.match(reused.out, /reusing the virtual environment/);
    assert.doesNotMatch(reused.out, /pip install failed/);
  } finally {
    p.cleanup();
    fake.cleanup();
  }
});

test('Spark steps: skipped when spark-submit is not on PATH, run with spark-submit in local mode when it is', { skip: !posix }, async () => {
  const bin = scratch();
  const p = localProject({
    'mlsteps.yml': 'runconfigs: [runconfigs/*.yml]\ncomputes:\n  spark: {type: spark, instance_type: standard_e4s_v3, runtime_version: "3.4"}\ndatasets:\n  raw: {type: uri_folder, path: azureml://datastores/x/paths/raw/, local_path: data}\n',
    'data/a.csv': 'x\n1\n',
    'src/job.py': 'import sys\nprint(sys.argv)\n',
    'src/lib.py': 'x = 1\n',
    'runconfigs/prep.yml': `type: spark
code: ../src
entry: {file: job.py}
py_files: [lib.py]
args: --raw \${{inputs.raw}} --out \${{outputs.prepared}}
compute: spark
conf: {spark.driver.memory: 2g, spark.executor.instances: 2}
inputs:
  raw: {dataset: raw}
outputs:
  prepared: {type: uri_folder}
`,
  });
  try {
    const env = { ...process.env, PATH: '/usr/bin:/bin' };
    const skipped = await runLocal(await planOf(p.dir), { env });
    assert.equal(skipped.result.steps[0].status, 'skipped');
    assert.match(skipped.result.steps[0].reason ?? '', /spark-submit is not on PATH/);

    writeFileSync(join(bin.dir, 'spark-submit'), '#!/bin/sh\necho "spark-submit $*"\necho "PYSPARK_PYTHON=$PYSPARK_PYTHON"\n');
    chmodSync(join(bin.dir, 'spark-submit'), 0o755);
    const ran = await runLocal(await planOf(p.dir), { env: { ...env, PATH: `${bin.dir}:/usr/bin:/bin` } });
    const step = ran.result.steps[0];
    assert.equal(step.status, 'succeeded', JSON.stringify(step, null, 1));
    const text = ran.lines.map((l) => l.text).join('\n');
    assert.match(text, new RegExp(`^spark-submit --master local\\[\\*\\] --name prep --py-files lib\\.py --conf spark\\.driver\\.memory=2g job\\.py --raw ${join(p.dir, 'data')} --out ${step.workDir}/outputs/prepared$`, 'm'));
    assert.match(text, /PYSPARK_PYTHON=\/\S+python/);
  } finally {
    p.cleanup();
    bin.cleanup();
  }
});

test('--dry-run prints each bound command, work folder, interpreter and environment, and runs nothing', { skip: !posix }, async () => {
  const marker = scratch();
  const p = localProject({
    'src/touch.sh': `touch "${marker.dir}/ran-$1"\n`,
    'runconfigs/a.yml': 'command: sh touch.sh a ${{outputs.out}}\ncode: ../src\ncompute: local\noutputs:\n  out: {type: uri_folder}\n',
    'runconfigs/b.yml': 'command: sh touch.sh b ${{inputs.from_a}}\ncode: ../src\ncompute: local\nneeds: [a]\ninputs:\n  from_a: ${{needs.a.outputs.out}}\n',
    'runconfigs/s.yml': `type: sweep
compute: local
sampling_algorithm: grid
search_space: {k: {type: choice, values: [1, 2]}}
objective: {goal: maximize, primary_metric: m}
trial:
  code: ../src
  command: sh touch.sh s\${{search_space.k}}
`,
  });
  try {
    const workDir = join(marker.dir, 'run');
    const { code, out } = await runCli({ path: p.dir, dryRun: true, workDir });
    assert.equal(code, 0, out);
    assert.match(out, /^a\n {2}command: sh touch\.sh a \S+\/run\/a\/outputs\/out\n {2}work folder: \S+\/run\/a\/code \(a copy of src\)\n {2}interpreter: \S*python\S* \(Python 3\.\d+\.\d+\)\n {2}environment: none/m);
    assert.match(out, /^b\n {2}command: sh touch\.sh b \S+\/run\/a\/outputs\/out\n/m);
    assert.match(out, /^s\n {2}trial command: sh touch\.sh s<k>\n[\s\S]*trials: 2 \(grid sampling[^\n]*\n {4}trial-1: k=1\n {4}trial-2: k=2\n/m);
    assert.match(out, /dry run: 3 steps would run/);
    assert.deepEqual(readdirSync(marker.dir), [], 'no script ran and no folder was made');
    assert.ok(!existsSync(join(p.dir, '.mlsteps')));
  } finally {
    p.cleanup();
    marker.cleanup();
  }
});

test("a step's limits.timeout and the run's --timeout fail the step (exit 1)", { skip: !posix }, async () => {
  const p = localProject({
    'src/slow.sh': 'echo started; sleep 30\n',
    'runconfigs/slow.yml': 'command: sh slow.sh\ncode: ../src\ncompute: local\nlimits: {timeout: 1}\n',
    'runconfigs/later.yml': 'command: sh slow.sh\ncode: ../src\ncompute: local\nneeds: [slow]\n',
  });
  try {
    const started = Date.now();
    const { code, out } = await runCli({ path: p.dir, steps: ['slow'] });
    assert.equal(code, 1, out);
    assert.match(out, /✗ slow failed: timed out after 1 s \(limits\.timeout\)/);
    assert.ok(Date.now() - started < 15_000);

    writeFileSync(join(p.dir, 'runconfigs', 'slow.yml'), 'command: sh slow.sh\ncode: ../src\ncompute: local\n');
    const run = await runCli({ path: p.dir, timeoutMinutes: 0.02 });
    assert.equal(run.code, 1, run.out);
    assert.match(run.out, /✗ slow failed: timed out: the run's time limit expired/);
    assert.match(run.out, /■ later cancelled: not started: the run timed out|⊘ later skipped: needs slow, which failed/);
    assert.match(run.out, /✖ run timed out/);
  } finally {
    p.cleanup();
  }
});

test('usage errors exit 2: an unknown profile or step, an invalid project, the azureml backend', async () => {
  const p = localProject({
    'mlsteps.yml': 'runconfigs: [runconfigs/*.yml]\nprofiles:\n  pr: [a]\n',
    'src/a.sh': 'echo a\n',
    'runconfigs/a.yml': 'command: sh a.sh\ncode: ../src\ncompute: local\n',
  });
  try {
    const profile = await runCli({ path: p.dir, profile: 'prr' });
    assert.equal(profile.code, 2);
    assert.match(profile.err, /no profile "prr" in mlsteps\.yml\n {2}hint: did you mean "pr"\?/);
    const step = await runCli({ path: p.dir, steps: ['b'] });
    assert.equal(step.code, 2);
    assert.match(step.err, /no run configuration "b"/);
    const azure = await runCli({ path: p.dir, backend: 'azureml' });
    assert.equal(azure.code, 2);
    assert.match(azure.err, /missing the subscription|runs on compute "local", which Azure ML cannot run/);
    writeFileSync(join(p.dir, 'runconfigs', 'a.yml'), 'command: sh a.sh\ncode: ../src\ncompute: local\ncomand: x\n');
    const invalid = await runCli({ path: p.dir });
    assert.equal(invalid.code, 2);
    assert.match(invalid.err, /runconfigs\/a\.yml:4:1: error MLS\d+/);
  } finally {
    p.cleanup();
  }
});

test('a sweep: failed trials are noted; when every trial fails the step fails with the last lines of one', { skip: !posix }, async () => {
  const sweep = (failWhen: string) => `type: sweep
compute: local
sampling_algorithm: grid
search_space: {x: {type: choice, values: [1, 2, 3]}}
objective: {goal: minimize, primary_metric: loss}
trial:
  code: ../src
  command: sh trial.sh \${{search_space.x}} ${failWhen}
`;
  const p = localProject({
    'src/trial.sh': 'x=$1; fail=$2\nif [ "$fail" = all ] || [ "$fail" = "$x" ]; then echo "trial $x: out of memory" >&2; exit 137; fi\nmkdir -p outputs; echo "{\\"loss\\": $x}" > outputs/metrics.json\n',
    'runconfigs/some.yml': sweep('1'),
    'runconfigs/every.yml': sweep('all'),
  });
  try {
    const { code, out } = await runCli({ path: p.dir, concurrency: 1 });
    assert.equal(code, 1, out);
    assert.match(out, /\[some\/trial-1\] ✗ failed \(exit code 137\)/);
    assert.match(out, /✓ some succeeded in [\d.]+ s; best trial-2: x=2 — loss=2/);
    assert.match(out, /✗ every failed: all 3 trials failed \(trial-3: exit code 137\)\n {2}last 1 line \(all in \S+\/every\/<trial>\/std_log\.txt\):\n {2}│ trial 3: out of memory\n/);
    const { result } = await runLocal(await planOf(p.dir, { steps: ['some'] }));
    assert.match(result.steps.find((s) => s.name === 'some')!.notes.join('\n'), /1 of 3 trials failed/);
  } finally {
    p.cleanup();
  }
});

test("a step runs in a copy of its code folder holding what Azure ML's snapshot holds (.amlignore honoured)", { skip: !posix }, async () => {
  const p = localProject({
    'src/.amlignore': 'scratch/\n*.log\n',
    'src/job.sh': 'pwd; ls -A | sort | tr "\\n" " "; echo; ls pkg\n',
    'src/pkg/mod.py': 'x = 1\n',
    'src/scratch/big.bin': 'xxxx',
    'src/debug.log': 'old log',
    'src/__pycache__/c.pyc': 'cache',
    'runconfigs/job.yml': 'command: sh job.sh\ncode: ../src\ncompute: local\n',
  });
  try {
    const { result, lines } = await runLocal(await planOf(p.dir));
    const step = result.steps[0];
    assert.equal(step.status, 'succeeded', JSON.stringify(step, null, 1));
    assert.deepEqual(lines.map((l) => l.text), [join(step.workDir!, 'code'), '.amlignore job.sh pkg ', 'mod.py']);
  } finally {
    p.cleanup();
  }
});

test('environment_variables and the run configuration\'s experiment_name reach the command; --work-dir is relative to where the command is typed', { skip: !posix }, async () => {
  const p = localProject({
    'src/env.sh': 'echo "FOO=$FOO EXP=$MLFLOW_EXPERIMENT_NAME"\n',
    'runconfigs/a.yml': 'command: sh env.sh\ncode: ../src\ncompute: local\nexperiment_name: step-exp\nenvironment_variables: {FOO: bar}\n',
  });
  const here = scratch();
  try {
    const { lines } = await runLocal(await planOf(p.dir));
    assert.ok(lines.some((l) => l.text === 'FOO=bar EXP=step-exp'), JSON.stringify(lines));
    const { code } = await runCli({ path: p.dir, workDir: 'my-run', cwd: here.dir });
    assert.equal(code, 0);
    assert.ok(existsSync(join(here.dir, 'my-run', 'a')), 'the run folder is under the current folder');
  } finally {
    p.cleanup();
    here.cleanup();
  }
});
