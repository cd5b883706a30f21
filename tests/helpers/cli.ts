import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const PROJECT_ROOT = join(__dirname, '..', '..');
export const CLI = join(PROJECT_ROOT, 'bin', 'mlsteps.js');

/** Runs the built `mlsteps` command as a user would. */
export function mlsteps(args: string[], options: { cwd?: string; input?: string } = {}) {
  if (!existsSync(join(PROJECT_ROOT, 'dist', 'cli.js'))) throw new Error('dist/cli.js is missing: run `npm run build` (npm test does) first');
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: options.cwd ?? PROJECT_ROOT, encoding: 'utf8', input: options.input, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
