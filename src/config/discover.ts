import { readdirSync, type Dirent } from 'node:fs';
import { join, posix, resolve } from 'node:path';
import picomatch from 'picomatch';
import { checkPath, portablePath } from './paths';

const SKIPPED_FOLDERS = new Set(['node_modules', '.git', '__pycache__', '.venv', 'venv']);

export interface GlobMatch {
  pattern: string;
  files: string[];
  /** Symlinked entries the walk found but did not follow. */
  symlinks: string[];
  /** The pattern's folder is outside the repository (as written, or through a symlink): not walked. */
  outside?: 'outside' | 'symlink-outside';
}

/**
 * Expands `runconfigs` patterns relative to a folder. Walks only below each pattern's static
 * base, only when that base is inside the repository (listing a folder outside it is reading
 * outside it), and never follows symlinked folders, so a link cannot pull files from outside.
 */
export function expandGlobs(fromDir: string, patterns: readonly string[], repoRoot: string): GlobMatch[] {
  return patterns.map((pattern) => {
    const normalized = posix.normalize(portablePath(pattern));
    const scan = picomatch.scan(normalized);
    const match: GlobMatch = { pattern, files: [], symlinks: [] };
    if (!scan.isGlob) {
      const file = checkPath(repoRoot, fromDir, normalized);
      // A file outside by name is reported here; one that leaves through a symlink, by the caller.
      if (!file.ok && file.reason === 'outside') match.outside = 'outside';
      else match.files.push(resolve(fromDir, normalized));
      return match;
    }
    const base = checkPath(repoRoot, fromDir, scan.base || '.');
    if (!base.ok) {
      if (base.reason !== 'missing') match.outside = base.reason;
      return match;
    }
    const baseDir = base.absolute;
    const isMatch = picomatch(scan.glob, { dot: false });
    const maxDepth = scan.glob.includes('**') ? 32 : scan.glob.split('/').length;
    walk(baseDir, '', 1, maxDepth, (rel, entry, abs) => {
      if (isMatch(rel)) (entry.isSymbolicLink() ? match.symlinks : match.files).push(abs);
    });
    match.files.sort();
    return match;
  });
}

function walk(dir: string, prefix: string, depth: number, maxDepth: number, visit: (rel: string, entry: Dirent, abs: string) => void): void {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    const abs = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (depth < maxDepth && !SKIPPED_FOLDERS.has(entry.name)) walk(abs, rel, depth + 1, maxDepth, visit);
    } else if (entry.isFile() || entry.isSymbolicLink()) {
      visit(rel, entry, abs);
    }
  }
}
