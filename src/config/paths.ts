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
  const portable = portablePath(written);
  const absolute = resolve(fromDir, portable);
  // On Windows `resolve` understands drive letters itself; elsewhere `C:/x` would pass for a relative path.
  if ((sep === '/' && isWindowsAbsolute(portable)) || !isInside(repoRoot, absolute)) return { ok: false, reason: 'outside', absolute };
  const found = lookup(absolute);
  if (!found) return { ok: false, reason: 'missing', absolute };
  if (!isInside(realRoot(repoRoot), found.realPath)) return { ok: false, reason: 'symlink-outside', absolute, realPath: found.realPath };
  return { ok: true, absolute, isDirectory: found.isDirectory };
}

/**
 * A path written in a repository file means the same on every agent, so it is read as a Windows
 * agent reads it too: a backslash separates folders (`..\..\secrets` climbs out on Windows).
 */
export function portablePath(written: string): string {
  return written.replace(/\\/g, '/');
}

/** `C:/…`, `C:…` (relative to drive C's current folder) and `//server/share`: outside any repository. */
export function isWindowsAbsolute(portable: string): boolean {
  return /^[A-Za-z]:/.test(portable) || portable.startsWith('//');
}

/**
 * What the file system says about a path, remembered for one validation run: a thousand run
 * configurations name the same code folder and conda file, and each look-up costs an lstat per
 * path component. validatePaths clears it, so a long-lived process sees changes between runs.
 */
const lookups = new Map<string, { realPath: string; isDirectory: boolean } | null>();

function lookup(absolute: string): { realPath: string; isDirectory: boolean } | undefined {
  const cached = lookups.get(absolute);
  if (cached !== undefined) return cached ?? undefined;
  try {
    const realPath = realpathSync.native(absolute);
    // Stat the path as written (it follows the same links): the real path may be outside the
    // repository, and validation touches nothing outside it, not even to stat it.
    const entry = { realPath, isDirectory: statSync(absolute).isDirectory() };
    lookups.set(absolute, entry);
    return entry;
  } catch {
    lookups.set(absolute, null);
    return undefined;
  }
}

const clearers: (() => void)[] = [() => lookups.clear(), () => realRoots.clear()];

/** Registers a cache of file-system facts that must not outlive one validation run. */
export function onRunStart(clear: () => void): void {
  clearers.push(clear);
}

export function startRun(): void {
  for (const clear of clearers) clear();
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
