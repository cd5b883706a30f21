import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { ValidationResult } from '../model/diagnostic';
import { PROJECT_FILE_NAME } from '../model/project';
import { checkProject } from './checks';
import { DiagnosticSink } from './diagnostics';
import { loadLoneRunConfigs, loadProject, type LoadedProject, type RunConfigEntry } from './load';
import { checkPath, findRepoRoot, startRun } from './paths';

export { loadProject, loadLoneRunConfigs } from './load';
export type { LoadedProject, RunConfigEntry } from './load';

export interface ValidateOptions {
  /** Folder relative paths are resolved from; default `process.cwd()`. */
  cwd?: string;
  /** Treat warnings as failures (`ok` is false when any warning exists). */
  strict?: boolean;
  abortSignal?: AbortSignal;
}

const PROJECT_FILE_NAMES = [PROJECT_FILE_NAME, 'mlsteps.yaml'];

/**
 * Validates projects and run configurations. PATHs are folders (their mlsteps.yml), project
 * files, or run configuration files (`.yml`, `.yaml`, SDK v1 `.runconfig`) checked on their own.
 */
export async function validatePaths(paths: readonly string[], options: ValidateOptions = {}): Promise<ValidationResult> {
  return loadAndValidate(paths, options).result;
}

/** Validation, keeping what was loaded: the plan resolves the same projects it validated. */
export function loadAndValidate(paths: readonly string[], options: ValidateOptions = {}): { result: ValidationResult; projects: LoadedPaths['projects'] } {
  const { projects, sink, unreadable } = loadPaths(paths, options);
  const runConfigs: ValidationResult['runConfigs'] = [];
  const files = new Set<string>();
  // Run configurations of a project that were not asked for: their findings are not reported.
  const notAskedFor = new Set<string>();
  for (const { project, hasProjectFile, only } of projects) {
    options.abortSignal?.throwIfAborted();
    checkProject(project, sink, { hasProjectFile });
    const selected = only ? project.runConfigs.filter((rc) => only.has(rc.file.path)) : project.runConfigs;
    const needed = new Set(withWhatTheyNeed(project.runConfigs, selected).flatMap((rc) => rc.chain.map((f) => f.path)));
    for (const rc of project.runConfigs) if (!needed.has(rc.file.path)) notAskedFor.add(sink.rel(rc.file.path));
    for (const f of project.files) if (!notAskedFor.has(sink.rel(f))) files.add(sink.rel(f));
    for (const rc of selected) runConfigs.push({ name: rc.name, file: sink.rel(rc.file.path) });
  }
  const diagnostics = sink.sorted().filter((d) => !notAskedFor.has(d.file));
  for (const d of diagnostics) if (d.code !== 'MLS006') files.add(d.file);
  const failing = diagnostics.some((d) => d.severity === 'error' || (options.strict && d.severity === 'warning'));
  const result: ValidationResult = { ok: !failing, base: sink.base, files: [...files].sort(), diagnostics, runConfigs };
  if (unreadable) result.unreadableInput = true;
  return { result, projects };
}

export interface LoadedPaths {
  sink: DiagnosticSink;
  /** `only`: the run configuration files asked for, when single files of a project were given. */
  projects: { project: LoadedProject; hasProjectFile: boolean; only?: Set<string> }[];
  /** A path given on the command line does not exist or cannot be read as text. */
  unreadable: boolean;
}

/** Reads what the paths name, reporting unreadable input as diagnostics; shared by validate and plan. */
export function loadPaths(paths: readonly string[], options: ValidateOptions = {}): LoadedPaths {
  startRun();
  const cwd = resolve(options.cwd ?? process.cwd());
  // The same path twice (or a folder and its mlsteps.yml) is one project, validated once.
  const given = [...new Map((paths.length > 0 ? paths : ['.']).map((p) => [resolve(cwd, p), p] as const)).entries()];
  const targets = given.map(([abs]) => abs);
  const escaping = new Set(targets.filter(leavesItsRepository));
  const base = targets.length === 1 && existsSync(targets[0]) && !escaping.has(targets[0]) ? (isDirectory(targets[0]) ? targets[0] : dirname(targets[0])) : cwd;
  const sink = new DiagnosticSink(base);
  const projects: LoadedPaths['projects'] = [];
  const loneFiles: string[] = [];
  const filesOfProjects = new Map<string, string[]>();
  let unreadable = false;
  const loaded = new Set<string>();
  targets.forEach((target, i) => {
    options.abortSignal?.throwIfAborted();
    if (!existsSync(target)) {
      sink.atPosition(target, { line: 1, column: 1 }, 'MLS006', `${given[i][1]} does not exist`);
      unreadable = true;
      return;
    }
    if (escaping.has(target)) {
      // A PR gate validates the folder it is given; a link in the pull request must not point it elsewhere.
      sink.atPosition(target, { line: 1, column: 1 }, 'MLS131', `${given[i][1]} leaves the repository through a symlink`, 'validate the folder the link points to from its own repository, or replace the link with the files');
      unreadable = true;
      return;
    }
    if (isDirectory(target)) {
      const projectFile = PROJECT_FILE_NAMES.map((n) => join(target, n)).find((p) => existsSync(p));
      if (projectFile && loaded.has(projectFile)) return;
      if (projectFile) loaded.add(projectFile);
      if (!projectFile) {
        sink.atPosition(join(target, PROJECT_FILE_NAME), { line: 1, column: 1 }, 'MLS006', `no ${PROJECT_FILE_NAME} in ${given[i][1]}`, 'pass run configuration files, or create mlsteps.yml with `runconfigs: [runconfigs/*.yml]` and the catalogs your run configurations use');
        unreadable = true;
        return;
      }
      projects.push({ project: loadProject(projectFile, findRepoRoot(target), sink), hasProjectFile: true });
    } else if (PROJECT_FILE_NAMES.includes(basename(target))) {
      if (loaded.has(target)) return;
      loaded.add(target);
      projects.push({ project: loadProject(target, findRepoRoot(dirname(target)), sink), hasProjectFile: true });
    } else {
      // A run configuration of a project is checked against that project's catalogs.
      const projectFile = enclosingProjectFile(target);
      if (projectFile) filesOfProjects.set(projectFile, [...(filesOfProjects.get(projectFile) ?? []), target]);
      else loneFiles.push(target);
    }
  });
  for (const [projectFile, files] of filesOfProjects) {
    const project = loadProject(projectFile, findRepoRoot(dirname(projectFile)), sink);
    const members = new Set(project.files);
    const inProject = files.filter((f) => members.has(f));
    loneFiles.push(...files.filter((f) => !members.has(f)));
    if (inProject.length > 0) projects.push({ project, hasProjectFile: true, only: new Set(inProject) });
  }
  if (loneFiles.length > 0) {
    const lone = loadLoneRunConfigs(loneFiles, findRepoRoot(dirname(loneFiles[0])), sink);
    projects.push({ project: lone, hasProjectFile: false });
  }
  // A file named on the command line that cannot be read as text is unreadable input, not a finding.
  const named = new Set(targets.map((t) => sink.rel(t)));
  if (sink.list.some((d) => d.code === 'MLS003' && named.has(d.file))) unreadable = true;
  return { sink, projects, unreadable };
}

/**
 * The run configurations asked for and, transitively, those they `need`: these run first, and
 * `plan` resolves them, so their findings count (a broken one must not pass unseen).
 */
function withWhatTheyNeed(all: readonly RunConfigEntry[], selected: readonly RunConfigEntry[]): RunConfigEntry[] {
  const byName = new Map(all.map((rc) => [rc.name, rc]));
  const closure = new Set(selected);
  const pending = [...selected];
  while (pending.length > 0) {
    for (const name of neededNames(pending.pop()!)) {
      const dep = byName.get(name);
      if (dep && !closure.has(dep)) {
        closure.add(dep);
        pending.push(dep);
      }
    }
  }
  return [...closure];
}

/** `needs` as written (an entry whose `extends` chain is broken has no resolved `needs`). */
function neededNames(rc: RunConfigEntry): string[] {
  const needs = rc.merged?.needs ?? rc.own.needs;
  return typeof needs === 'string' ? [needs] : Array.isArray(needs) ? needs.filter((n): n is string => typeof n === 'string') : [];
}

/** Whether a path given to validate is a symlink (or inside a linked folder) that resolves outside its repository. */
function leavesItsRepository(target: string): boolean {
  if (!existsSync(target)) return false;
  const repoRoot = findRepoRoot(isDirectory(target) ? target : dirname(target));
  const check = checkPath(repoRoot, repoRoot, target);
  return !check.ok && check.reason === 'symlink-outside';
}

/** The mlsteps.yml of the nearest folder above a run configuration, up to its repository's root. */
function enclosingProjectFile(file: string): string | undefined {
  const repoRoot = findRepoRoot(dirname(file));
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const found = PROJECT_FILE_NAMES.map((n) => join(dir, n)).find((p) => existsSync(p));
    if (found) return found;
    if (dir === repoRoot || dirname(dir) === dir) return undefined;
  }
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}
