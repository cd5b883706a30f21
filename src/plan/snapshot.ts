import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, realpathSync, statSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import ignore, { type Ignore } from 'ignore';

/** Never part of a code snapshot: version control, mlsteps' own work folders, Python's caches. */
export const ALWAYS_EXCLUDED = ['.git/', '.mlsteps/', '__pycache__/', '*.pyc', '.ipynb_checkpoints/'];

export interface SnapshotFile {
  /** Path relative to the code folder, with forward slashes. */
  path: string;
  absolute: string;
  size: number;
}

/**
 * The files of a code folder that a job would get, in a stable order: `.amlignore` rules (or,
 * in a folder without one, `.gitignore` rules) apply to the folder they are in and below, as
 * Azure ML applies them when it uploads a snapshot.
 */
export function listSnapshot(folder: string): SnapshotFile[] {
  const files: SnapshotFile[] = [];
  const visited = new Set<string>();
  const walk = (dir: string, rel: string, rules: { base: string; matcher: Ignore }[]) => {
    let real: string;
    try {
      real = realpathSync(dir);
    } catch {
      return;
    }
    if (visited.has(real)) return; // a symlink loop
    visited.add(real);
    const own = ignoreFileIn(dir);
    const active = own ? [...rules, { base: rel, matcher: ignore().add(own) }] : rules;
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      const absolute = join(dir, entry.name);
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        try {
          const st = statSync(absolute);
          isDir = st.isDirectory();
          isFile = st.isFile();
        } catch {
          continue; // a dangling link uploads nothing
        }
      }
      if (!isDir && !isFile) continue;
      if (isIgnored(path, isDir, active)) continue;
      if (isDir) walk(absolute, path, active);
      else files.push({ path, absolute, size: statSync(absolute).size });
    }
  };
  walk(folder, '', [{ base: '', matcher: ignore().add(ALWAYS_EXCLUDED) }]);
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function ignoreFileIn(dir: string): string | undefined {
  for (const name of ['.amlignore', '.gitignore']) {
    try {
      return readFileSync(join(dir, name), 'utf8');
    } catch {
      // not there: try the next one
    }
  }
  return undefined;
}

function isIgnored(path: string, isDir: boolean, rules: { base: string; matcher: Ignore }[]): boolean {
  for (const { base, matcher } of rules) {
    const relative = base ? path.slice(base.length + 1) : path;
    if (matcher.ignores(isDir ? `${relative}/` : relative)) return true;
  }
  return false;
}

/**
 * A content hash of a code folder for fingerprints: the same on every machine and operating
 * system. Text files count with LF line endings, so a Windows checkout (CRLF) hashes like a Linux one.
 */
export function codeFingerprint(folder: string): string {
  const hash = createHash('sha256');
  const files = listSnapshot(folder);
  hash.update(`files ${files.length}\n`);
  for (const file of files) {
    let content = readFileSync(file.absolute);
    if (!content.includes(0)) content = Buffer.from(content.toString('latin1').replace(/\r\n/g, '\n'), 'latin1');
    hash.update(`${file.path}\0${content.length}\0`);
    hash.update(content);
  }
  return hash.digest('hex');
}
