import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { ValidationResult } from '../model/diagnostic';
import { PROJECT_FILE_NAME } from '../model/project';
import { checkProject } from './checks';
import { DiagnosticSink } from './diagnostics';
import { loadLoneRunConfigs, loadProject, type LoadedProject } from './load';
import { findRepoRoot } from './paths';

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
  const { projects, sink } = loadPaths(paths, options);
  const runConfigs: ValidationResult['runConfigs'] = [];
  const files = new Set<string>();
  for (const { project, hasProjectFile } of projects) {
    options.abortSignal?.throwIfAborted();
    checkProject(project, sink, { hasProjectFile });
    for (const f of project.files) files.add(sink.rel(f));
    for (const rc of project.runConfigs) runConfigs.push({ name: rc.name, file: sink.rel(rc.file.path) });
  }
  const diagnostics = sink.sorted();
  for (const d of diagnostics) files.add(d.file);
  const failing = diagnostics.some((d) => d.severity === 'error' || (options.strict && d.severity === 'warning'));
  return { ok: !failing, base: sink.base, files: [...files].sort(), diagnostics, runConfigs };
}

export interface LoadedPaths {
  sink: DiagnosticSink;
  projects: { project: LoadedProject; hasProjectFile: boolean }[];
}

/** Reads what the paths name, reporting unreadable input as diagnostics; shared by validate and plan. */
export function loadPaths(paths: readonly string[], options: ValidateOptions = {}): LoadedPaths {
  const cwd = resolve(options.cwd ?? process.cwd());
  const targets = (paths.length > 0 ? paths : ['.']).map((p) => resolve(cwd, p));
  const base = targets.length === 1 && existsSync(targets[0]) ? (isDirectory(targets[0]) ? targets[0] : dirname(targets[0])) : cwd;
  const sink = new DiagnosticSink(base);
  const projects: LoadedPaths['projects'] = [];
  const loneFiles: string[] = [];
  for (const target of targets) {
    options.abortSignal?.throwIfAborted();
    if (!existsSync(target)) {
      sink.atPosition(target, { line: 1, column: 1 }, 'MLS006', `${sink.rel(target)} does not exist`);
      continue;
    }
    if (isDirectory(target)) {
      const projectFile = PROJECT_FILE_NAMES.map((n) => join(target, n)).find((p) => existsSync(p));
      if (!projectFile) {
        sink.atPosition(join(target, PROJECT_FILE_NAME), { line: 1, column: 1 }, 'MLS006', `no ${PROJECT_FILE_NAME} in ${sink.rel(target)}`, 'pass a run configuration file, or create mlsteps.yml (see samples/credit-risk/mlsteps.yml)');
        continue;
      }
      projects.push({ project: loadProject(projectFile, findRepoRoot(target), sink), hasProjectFile: true });
    } else if (PROJECT_FILE_NAMES.includes(basename(target))) {
      projects.push({ project: loadProject(target, findRepoRoot(dirname(target)), sink), hasProjectFile: true });
    } else {
      loneFiles.push(target);
    }
  }
  if (loneFiles.length > 0) {
    projects.push({ project: loadLoneRunConfigs(loneFiles, findRepoRoot(dirname(loneFiles[0])), sink), hasProjectFile: false });
  }
  return { sink, projects };
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}
