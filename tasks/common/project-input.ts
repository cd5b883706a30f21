import { existsSync } from 'node:fs';
import * as path from 'node:path';

/** A mistake in the task's inputs: its message is shown to the user as is, without a stack. */
export class InputError extends Error {
  override name = 'InputError';
}

/** Characters that make a `project` input a glob pattern rather than a path. */
const GLOB_MAGIC = /[*?[{]/;

export function isGlob(input: string): boolean {
  return GLOB_MAGIC.test(input) || input.startsWith('!');
}

/** task-lib's findMatch, or a stand-in with the same meaning. */
export type FindMatch = (root: string, patterns: string[]) => string[];

/**
 * Turns the `project` input into the absolute paths to validate: an existing path (folder,
 * mlsteps.yml or run configuration) as is, otherwise a glob matched from `root` (the sources
 * directory). Throws an InputError that says what was looked for, and where, when nothing is found.
 */
export function resolveProjectInput(input: string, root: string, findMatch: FindMatch): string[] {
  // Windows users paste quoted paths; the agent strips quotes only on Windows agents.
  const raw = input.trim().replace(/^"(.*)"$/, '$1').trim() || '.';
  const absolute = path.resolve(root, raw);
  if (existsSync(absolute)) return [absolute];
  if (!isGlob(raw)) {
    throw new InputError(
      `The project path "${raw}" does not exist (looked for ${absolute}). Set the "project" input to a folder ` +
        'that holds an mlsteps.yml, an mlsteps.yml, a run configuration, or a glob such as **/mlsteps.yml.',
    );
  }
  // Dependencies and VCS folders never hold the user's projects, and walking them is slow.
  const skipped = ['!**/node_modules/**', '!**/.git/**'];
  const matches = [...new Set(findMatch(root, [raw, ...skipped]).map((p) => path.resolve(root, p)))].sort();
  if (matches.length === 0) {
    throw new InputError(`No file matches the project pattern "${raw}" (searched from ${root}).`);
  }
  return matches;
}
