import { existsSync } from 'node:fs';
import * as path from 'node:path';

/** The repository root (the folder with package.json). */
export const projectRoot = path.resolve(__dirname, '..', '..');

/**
 * The shared third-party fixtures (official schemas and specs), which stay outside the project:
 * `$MLSTEPS_FIXTURES`, else `../shared/fixtures` beside the repository. Undefined when absent.
 */
export function fixturesDir(): string | undefined {
  const dir = path.resolve(process.env.MLSTEPS_FIXTURES ?? path.join(projectRoot, '..', 'shared', 'fixtures'));
  return existsSync(dir) ? dir : undefined;
}

/** A fixture file's absolute path, or undefined when it (or the fixtures folder) is absent. */
export function fixturePath(relative: string): string | undefined {
  const dir = fixturesDir();
  const file = dir && path.join(dir, relative);
  return file && existsSync(file) ? file : undefined;
}

/**
 * The line a test prints when it skips for want of a fixture: what, where it looked, where to get
 * it (the public URLs in the fixture folder's SOURCE.md, or `url` when given).
 */
export function fixtureSkipMessage(relative: string, url?: string): string {
  const looked = path.resolve(process.env.MLSTEPS_FIXTURES ?? path.join(projectRoot, '..', 'shared', 'fixtures'), relative);
  const source = path.join(path.dirname(relative), 'SOURCE.md');
  return (
    `fixtures not found at ${looked}; get them from the URLs in ${source}${url ? ` (${url})` : ''} ` +
    'and point MLSTEPS_FIXTURES at their folder'
  );
}
