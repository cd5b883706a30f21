// Runs every tests/**/*.test.ts with Node's built-in runner (Node 20's --test takes no globs).
// Extra arguments are passed through, e.g. `npm test -- --test-name-pattern=MLS101`.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..');
const files = [];
(function collect(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const abs = join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'fixtures' && !entry.name.startsWith('.')) collect(abs);
    else if (entry.isFile() && entry.name.endsWith('.test.ts')) files.push(relative(root, abs));
  }
})(join(root, 'tests'));
files.sort();

const args = ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-reporter-destination=stdout', ...process.argv.slice(2), ...files];
const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
