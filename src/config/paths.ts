import { existsSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

/** The repository a project lives in: the nearest folder with `.git`, else the project folder. */
export function findRepoRoot(start: string): string {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, '.git'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return resolve(start);
    dir = parent;
  }
}

export function isInside(root: string, target: string): boolean {
  const r = relative(root, target);
  return r === '' || (!r.startsWith('..' + sep) && r !== '..' && !isAbsolute(r));
}

export type PathCheck =
  | { ok: true; absolute: string; isDirectory: boolean }
  | { ok: false; reason: 'outside' | 'symlink-outside' | 'missing'; absolute: string; realPath?: string };

/**
 * Resolves a path written in a file (relative to that file's folder) and checks it stays in the
 * repository, both as written and after following symlinks.
 */
export function checkPath(repoRoot: string, fromDir: string, written: string): PathCheck {
  const absolute = resolve(fromDir, written);
  if (!isInside(repoRoot, absolute)) return { ok: false, reason: 'outside', absolute };
  let realPath: string;
  try {
    realPath = realpathSync(absolute);
  } catch {
    return { ok: false, reason: 'missing', absolute };
  }
  if (!isInside(realRoot(repoRoot), realPath)) return { ok: false, reason: 'symlink-outside', absolute, realPath };
  return { ok: true, absolute, isDirectory: statSync(realPath).isDirectory() };
}

const realRoots = new Map<string, string>();
export function realRoot(repoRoot: string): string {
  let r = realRoots.get(repoRoot);
  if (r === undefined) {
    try {
      r = realpathSync(repoRoot);
    } catch {
      r = repoRoot;
    }
    realRoots.set(repoRoot, r);
  }
  return r;
}

/** Paths Azure ML resolves itself, not files in the repository. */
export function isRemoteReference(value: string): boolean {
  return /^(azureml:|azureml:\/\/|https?:\/\/|wasbs?:\/\/|abfss?:\/\/|adl:\/\/|s3:\/\/|gs:\/\/|docker:|git\+)/i.test(value) || value.includes('${{');
}
