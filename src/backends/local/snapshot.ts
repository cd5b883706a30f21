import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { isInside } from '../../config/paths';
import { listSnapshot } from '../../plan/snapshot';

/**
 * Copies a step's code folder to `dest`, its working directory: the same files Azure ML's
 * snapshot of it holds (`.amlignore`, else `.gitignore`, rules; no `.git`, `.mlsteps`, caches).
 * A copy, not the folder itself: scripts write `./outputs` and `./logs` relative to where they
 * run, so parallel steps and sweep trials that share a code folder would overwrite each other's
 * files (and leave them in the repository); a copy also keeps a run from seeing edits made while
 * it runs, as on Azure ML. `exclude` holds absolute folders to leave out (the run folder, when
 * `--work-dir` puts it inside the code folder).
 */
export function snapshotCode(src: string, dest: string, exclude: string[] = []): void {
  mkdirSync(dest, { recursive: true });
  const excluded = exclude.map((e) => resolve(e));
  const made = new Set<string>([dest]);
  for (const file of listSnapshot(src)) {
    if (excluded.some((e) => isInside(e, resolve(file.absolute)))) continue;
    const to = join(dest, ...file.path.split('/'));
    const dir = dirname(to);
    if (!made.has(dir)) {
      mkdirSync(dir, { recursive: true });
      made.add(dir);
    }
    copyFileSync(file.absolute, to);
  }
}


