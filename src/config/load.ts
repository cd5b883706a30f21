import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname } from 'node:path';
import { DEFAULT_RUNCONFIG_GLOBS, type ProjectSpec } from '../model/project';
import { defaultStep, type RunConfigDocument } from '../model/runconfig';
import { shown, type DiagnosticSink } from './diagnostics';
import { expandGlobs } from './discover';
import { deepMerge, isMapping, originOf } from './extends';
import { checkPath } from './paths';
import { didYouMean } from '../util/suggest';
import { validateJobData, validateProjectData, type JobType } from './schema';
import { fromV1RunConfig } from './v1';
import { MAX_FILE_BYTES, parseYaml, pointer, type YamlFile } from './yamlFile';

export interface RunConfigEntry {
  name: string;
  /** The file itself (for a v1 `.runconfig`, its translation with positions of the original). */
  file: YamlFile;
  own: RunConfigDocument;
  /** This file, then the files it extends, nearest first. */
  chain: YamlFile[];
  /** After `extends`; undefined when the chain is broken. */
  merged?: RunConfigDocument;
  type: JobType;
  step: string;
  needs: string[];
  /** Whether the merged document passed the schema (semantic checks need its shape). */
  schemaOk: boolean;
}

export interface LoadedProject {
  /** Folder the project file is in (or the run config's folder for a lone file). */
  dir: string;
  repoRoot: string;
  projectFile?: YamlFile;
  spec: ProjectSpec;
  specOk: boolean;
  runConfigs: RunConfigEntry[];
  /** Names of run configurations whose files could not be read; they exist, so nothing else reports them missing. */
  unreadableNames: Set<string>;
  files: string[];
}

const EMPTY_SPEC: ProjectSpec = { runconfigs: [], computes: {}, environments: {}, datasets: {}, profiles: {} };

export function readYamlFile(path: string, sink: DiagnosticSink): YamlFile | undefined {
  let bytes: Buffer;
  try {
    const size = statSync(path).size;
    if (size > MAX_FILE_BYTES) {
      // Refuse before reading: a hostile 10 GB file must not be loaded into memory.
      sink.atPosition(path, { line: 1, column: 1 }, 'MLS003', `file is ${(size / 1048576).toFixed(1)} MiB; run configurations and project files are limited to ${MAX_FILE_BYTES / 1048576} MiB`, 'keep data out of configuration files; reference it as a dataset instead');
      return undefined;
    }
    bytes = readFileSync(path);
  } catch (err) {
    sink.atPosition(path, { line: 1, column: 1 }, 'MLS003', `cannot read file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    return undefined;
  }
  const file = parseYaml(path, bytes);
  for (const p of file.problems) sink.atPosition(path, p.at, p.code, p.message, p.hint);
  return file.problems.length > 0 ? undefined : file;
}

export function loadProject(projectPath: string, repoRoot: string, sink: DiagnosticSink): LoadedProject {
  const dir = dirname(projectPath);
  const project: LoadedProject = { dir, repoRoot, spec: EMPTY_SPEC, specOk: false, runConfigs: [], unreadableNames: new Set(), files: [projectPath] };
  // The project file may itself be a symlink: what it points to must be in the repository too.
  const itself = checkPath(repoRoot, dir, projectPath);
  if (!itself.ok && itself.reason !== 'missing') {
    sink.atPosition(projectPath, { line: 1, column: 1 }, 'MLS131', `${basename(projectPath)} leaves the repository${itself.reason === 'symlink-outside' ? ' through a symlink' : ''}`, 'keep the project file inside the repository');
    return project;
  }
  const file = readYamlFile(projectPath, sink);
  if (!file) return project;
  project.projectFile = file;
  if (!isMapping(file.data)) {
    sink.at(file, '', 'value', 'MLS005', file.data == null ? 'the project file is empty' : 'the project file must be a mapping of keys to values', 'start from samples/credit-risk/mlsteps.yml');
    return project;
  }
  const problems = validateProjectData(file.data);
  for (const p of problems) sink.at(file, p.at, p.prefer, p.code, p.message, p.hint);
  project.specOk = problems.length === 0;
  const data = file.data as Record<string, unknown>;
  const mapOr = <T>(v: unknown): Record<string, T> => (isMapping(v) ? (v as Record<string, T>) : {});
  const rawGlobs = data.runconfigs;
  const globs = typeof rawGlobs === 'string' ? [rawGlobs] : Array.isArray(rawGlobs) ? rawGlobs.filter((g): g is string => typeof g === 'string') : DEFAULT_RUNCONFIG_GLOBS;
  project.spec = {
    runconfigs: globs,
    workspace: isMapping(data.workspace) ? (data.workspace as ProjectSpec['workspace']) : undefined,
    experiment_name: typeof data.experiment_name === 'string' ? data.experiment_name : undefined,
    computes: mapOr(data.computes),
    environments: mapOr(data.environments),
    datasets: mapOr(data.datasets),
    profiles: mapOr(data.profiles),
  };

  const seen = new Set<string>();
  expandGlobs(dir, globs, repoRoot).forEach((match, i) => {
    const at = typeof rawGlobs === 'string' ? '/runconfigs' : Array.isArray(rawGlobs) ? pointer(['runconfigs', i]) : '';
    const candidates = [...match.files, ...match.symlinks];
    if (match.outside) {
      sink.at(file, at, 'value', 'MLS131', `"${match.pattern}" leaves the repository${match.outside === 'symlink-outside' ? ' through a symlink' : ''}`, 'patterns are relative to the folder of mlsteps.yml, and run configurations must be inside the repository');
    } else if (candidates.length === 0) {
      sink.at(file, at, 'value', 'MLS116', `"${match.pattern}" matches no run configuration`, 'patterns are relative to the folder of mlsteps.yml');
    }
    for (const candidate of candidates) {
      const check = checkPath(repoRoot, dir, candidate);
      if (!check.ok) {
        if (check.reason === 'missing') {
          sink.at(file, at, 'value', 'MLS130', `run configuration "${match.pattern}" does not exist`);
        } else {
          sink.at(file, at, 'value', 'MLS131', `run configuration ${sink.rel(candidate)} leaves the repository${check.reason === 'symlink-outside' ? ' through a symlink' : ''}`, 'keep run configurations inside the repository');
        }
        continue;
      }
      if (seen.has(check.absolute) || check.isDirectory) continue;
      seen.add(check.absolute);
      project.files.push(check.absolute);
    }
  });
  const runConfigFiles = project.files.slice(1);
  project.runConfigs = readRunConfigs(runConfigFiles, repoRoot, sink, project.unreadableNames);
  resolveExtends(project.runConfigs, sink);
  return project;
}

/** A run configuration (or several) given on their own, with no project file: catalogs are empty. */
export function loadLoneRunConfigs(paths: string[], repoRoot: string, sink: DiagnosticSink): LoadedProject {
  const project: LoadedProject = { dir: dirname(paths[0]), repoRoot, spec: EMPTY_SPEC, specOk: true, runConfigs: [], unreadableNames: new Set(), files: [...paths] };
  project.runConfigs = readRunConfigs(paths, repoRoot, sink, project.unreadableNames);
  resolveExtends(project.runConfigs, sink);
  return project;
}

function readRunConfigs(paths: string[], repoRoot: string, sink: DiagnosticSink, unreadable: Set<string>): RunConfigEntry[] {
  const entries: RunConfigEntry[] = [];
  const byName = new Map<string, RunConfigEntry>();
  for (const path of paths) {
    // A file named on the command line was not found by a walk of the repository: check it here.
    const itself = checkPath(repoRoot, dirname(path), path);
    if (!itself.ok && itself.reason !== 'missing') {
      sink.atPosition(path, { line: 1, column: 1 }, 'MLS131', `${basename(path)} leaves the repository${itself.reason === 'symlink-outside' ? ' through a symlink' : ''}`, 'keep run configurations inside the repository');
      unreadable.add(stemOf(path));
      continue;
    }
    let file = readYamlFile(path, sink);
    if (!file) {
      unreadable.add(stemOf(path));
      continue;
    }
    if (!isMapping(file.data)) {
      unreadable.add(stemOf(path));
      sink.at(file, '', 'value', 'MLS005', file.data == null ? 'the run configuration is empty' : 'a run configuration must be a mapping of keys to values');
      continue;
    }
    if (extname(path) === '.runconfig') {
      const v1 = fromV1RunConfig(file.data as Record<string, unknown>, { stem: stemOf(path), fileDir: dirname(path), targetDir: dirname(path) });
      for (const w of v1.warnings) sink.at(file, w.at, 'key', 'MLS160', w.message);
      const locations = new Map(file.locations);
      for (const [to, from] of v1.origins) {
        const loc = file.locations.get(from);
        if (loc) locations.set(to, loc);
      }
      file = { ...file, data: v1.document, locations };
    }
    const own = file.data as RunConfigDocument;
    const name = typeof own.name === 'string' ? own.name : stemOf(path);
    const entry: RunConfigEntry = { name, file, own, chain: [file], type: 'command', step: 'train', needs: [], schemaOk: false };
    const clash = byName.get(name);
    if (clash) {
      sink.at(file, typeof own.name === 'string' ? '/name' : '', 'value', 'MLS114', `run configuration name "${name}" is already used by ${sink.rel(clash.file.path)}`, 'names default to the file name without extension; set a unique `name`');
      continue;
    }
    byName.set(name, entry);
    entries.push(entry);
  }
  return entries;
}

function stemOf(path: string): string {
  const base = basename(path);
  const ext = extname(base);
  return ext ? base.slice(0, -ext.length) : base;
}

/**
 * Longer `extends` chains are refused: real ones are one to three links, and every run
 * configuration of a 5,000-link chain merging its whole chain took 20 s (quadratic).
 */
export const MAX_EXTENDS_DEPTH = 32;

function resolveExtends(entries: RunConfigEntry[], sink: DiagnosticSink): void {
  const byName = new Map(entries.map((e) => [e.name, e]));
  const reportedCycles = new Set<string>();
  for (const entry of entries) {
    const chain: RunConfigEntry[] = [entry];
    let broken = false;
    for (let cur = entry; cur.own.extends !== undefined; ) {
      const parentName = cur.own.extends;
      if (typeof parentName !== 'string') {
        // Said here: without a chain there is no merged document, so the schema never sees it.
        if (cur === entry) sink.at(cur.file, '/extends', 'value', 'MLS102', `extends must be the name of a run configuration, not ${parentName === null ? 'null' : Array.isArray(parentName) ? 'a list' : typeof parentName === 'object' ? 'a mapping' : `the ${typeof parentName} ${shown(parentName)}`}`, 'write `extends: NAME`, the name of another run configuration of this project');
        broken = true;
        break;
      }
      const parent = byName.get(parentName);
      if (!parent) {
        if (cur === entry) {
          const candidates = [...byName.keys()].filter((n) => n !== entry.name);
          const hint = didYouMean(parentName, candidates);
          sink.at(cur.file, '/extends', 'value', 'MLS111', `extends "${parentName}", which is not a run configuration of this project`, hint);
        }
        broken = true;
        break;
      }
      const loopAt = chain.indexOf(parent);
      if (loopAt >= 0) {
        const cycle = chain.slice(loopAt).map((e) => e.name);
        const key = [...cycle].sort().join('>');
        if (!reportedCycles.has(key)) {
          reportedCycles.add(key);
          sink.at(cur.file, '/extends', 'value', 'MLS113', `extends forms a cycle: ${[...cycle, parent.name].join(' → ')}`, 'a run configuration cannot inherit from itself, directly or through others');
        }
        broken = true;
        break;
      }
      if (chain.length >= MAX_EXTENDS_DEPTH) {
        sink.at(entry.file, '/extends', 'value', 'MLS004', `the extends chain of "${entry.name}" is more than ${MAX_EXTENDS_DEPTH} run configurations long`, 'extend a run configuration that extends at most a few others');
        broken = true;
        break;
      }
      chain.push(parent);
      cur = parent;
    }
    entry.chain = chain.map((e) => e.file);
    if (broken) continue;
    let merged: Record<string, unknown> = {};
    for (const link of [...chain].reverse()) merged = deepMerge(merged, link.own as Record<string, unknown>);
    merged.name = entry.name;
    if (entry.own.extends === undefined) delete merged.extends;
    else merged.extends = entry.own.extends;
    entry.merged = merged as RunConfigDocument;
  }
  for (const entry of entries) {
    if (!entry.merged) continue;
    // `framework: spark` makes a Spark job of a run configuration that names no type (DESIGN §2.1).
    const type = entry.merged.type ?? (entry.merged.framework === 'spark' ? 'spark' : 'command');
    if (type !== 'command' && type !== 'sweep' && type !== 'spark') {
      const from = originOf(entry.chain, '/type');
      sink.at(from, '/type', 'value', 'MLS103', `job type "${shown(type)}" is not supported`, didYouMean(shown(type), ['command', 'sweep', 'spark'], 'mlsteps runs command, sweep and spark jobs'));
      continue;
    }
    entry.type = type;
    entry.step = typeof entry.merged.step === 'string' ? entry.merged.step : defaultStep(type);
    const needs = entry.merged.needs;
    entry.needs = typeof needs === 'string' ? [needs] : Array.isArray(needs) ? needs.filter((n): n is string => typeof n === 'string') : [];
    // The merged document must be complete on its own: drop `extends` so the schema's
    // "required unless it extends another" relaxation (for editors) does not apply here.
    const { extends: _inherited, ...complete } = entry.merged;
    const problems = validateJobData(type, type === 'spark' && complete.type === undefined ? { ...complete, type } : complete);
    for (const p of problems) sink.at(originOf(entry.chain, p.at), p.at, p.prefer, p.code, p.message, p.hint);
    entry.schemaOk = problems.length === 0;
  }
}

