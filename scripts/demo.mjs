// `npm run demo`: the sample project, end to end on this machine. It validates
// samples/credit-risk, then runs its `pr` profile locally — data preparation on the subset, data
// validation, the scikit-learn sweep — and then sklearn_full on the entire data with the sweep's
// best parameters, printing each step's output and the metrics.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const cli = join(root, 'bin', 'mlsteps.js');
if (!existsSync(join(root, 'dist', 'cli.js'))) spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: 'inherit' });

const bold = (s) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const mlsteps = (title, args) => {
  console.log(`\n${bold(`$ mlsteps ${args.join(' ')}`)}   # ${title}`);
  return spawnSync(process.execPath, [cli, ...args], { cwd: root, stdio: 'inherit' }).status ?? 1;
};

const validated = mlsteps('check every run configuration, as the pull-request gate does', ['validate', 'samples/credit-risk']);
if (validated !== 0) process.exit(validated);
const ran = mlsteps('run the pr profile, then sklearn_full with the best parameters of the sweep', ['run', 'samples/credit-risk', '--profile', 'pr', '--step', 'sklearn_full']);
process.exit(ran);
