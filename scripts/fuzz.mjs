// `npm run fuzz`: runs the hostile-input fuzz suite (tests/fuzz) at full size, 10,000 cases by
// default; arguments after `--` go to tests/fuzz/main.ts (--runs, --seed, --path).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const result = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'tests/fuzz/main.ts'), ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
