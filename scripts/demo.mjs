// `npm run demo`: shows mlsteps on the sample project. It validates samples/credit-risk, then a
// copy with three typical mistakes, so you see what a pull request gate reports.
// (Local runs of the sample's steps arrive with `mlsteps run --backend local`.)
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const cli = join(root, 'bin', 'mlsteps.js');
if (!existsSync(join(root, 'dist', 'cli.js'))) spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: 'inherit' });

const run = (title, args, cwd = root) => {
  console.log(`\n\x1b[1m$ mlsteps ${args.join(' ')}\x1b[0m   # ${title}`);
  return spawnSync(process.execPath, [cli, ...args], { cwd, stdio: 'inherit' }).status;
};

const clean = run('the sample: seven run configurations, three environments, two profiles', ['validate', 'samples/credit-risk']);

const scratch = mkdtempSync(join(tmpdir(), 'mlsteps-demo-'));
try {
  mkdirSync(join(scratch, '.git'));
  cpSync(join(root, 'samples', 'credit-risk'), join(scratch, 'credit-risk'), { recursive: true });
  const edit = (file, from, to) => {
    const path = join(scratch, 'credit-risk', file);
    writeFileSync(path, readFileSync(path, 'utf8').replace(from, to));
  };
  edit('runconfigs/sklearn_full.yml', 'compute: cpu-cluster', 'compute: cpu-clustr');
  edit('runconfigs/fullmodel_step.yml', 'distribution:', 'distribtion:');
  edit('runconfigs/sklearn_subset.yml', 'train_sklearn.py', 'train_sklern.py');
  const broken = run('a copy with three typical mistakes', ['validate', 'credit-risk'], scratch);
  const ok = clean === 0 && broken === 1;
  console.log(ok ? '\n\x1b[32mdemo finished: the sample is clean and the three mistakes were caught\x1b[0m' : '\n\x1b[31mdemo did not behave as expected\x1b[0m');
  process.exitCode = ok ? 0 : 1;
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
