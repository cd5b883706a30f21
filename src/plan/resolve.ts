import { readFileSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { parse } from 'yaml';
import type { LoadedProject, RunConfigEntry } from '../config/load';
import { isMapping, originOf } from '../config/extends';
import { isRemoteReference } from '../config/paths';
import { LOCAL_COMPUTE, type ComputeSpec } from '../model/project';
import { MLSTEPS_KEYS, type RunConfigDocument } from '../model/runconfig';
import type { ResolvedCompute, ResolvedEnvironment, ResolvedInput, ResolvedOutput, Step, SweepSpec } from '../model/step';

/** The image Azure ML builds a conda-only environment on, as `az ml` does for a bare conda file. */
export const DEFAULT_IMAGE = 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest';

/** A step before its fingerprint: the resolved run configuration. */
export type ResolvedStep = Omit<Step, 'fingerprint'>;

export function resolveStep(entry: RunConfigEntry, project: LoadedProject): ResolvedStep {
  const doc = entry.merged!;
  const rel = (abs: string) => {
    const r = relative(project.dir, abs).split(sep).join('/');
    return r === '' ? '.' : r;
  };
  /** A path written in the run configuration (relative to the file that wrote it) → project-relative. */
  const pathFrom = (at: string, written: string) => rel(resolve(dirname(originOf(entry.chain, at).path), written));
  const isSweep = entry.type === 'sweep';
  const codeAt = isSweep ? '/trial/code' : '/code';
  const code = isSweep ? doc.trial?.code : doc.code;
  const envAt = isSweep ? '/trial/environment' : '/environment';

  const step: ResolvedStep = {
    name: entry.name,
    file: rel(entry.file.path),
    stage: entry.step,
    needs: entry.needs,
    type: entry.type,
    compute: resolveCompute(doc, project),
    environment: resolveEnvironment(isSweep ? doc.trial?.environment : doc.environment, project, (written) => pathFrom(envAt, written)),
    inputs: resolveInputs(doc, project, (at, written) => pathFrom(at, written)),
    outputs: resolveOutputs(doc),
    job: jobDocument(doc),
  };
  if (doc.framework) step.framework = doc.framework;
  if (typeof code === 'string') step.code = isRemoteReference(code) ? code : pathFrom(codeAt, code);
  const command = isSweep ? doc.trial?.command : doc.command;
  if (typeof command === 'string') step.command = command;
  if (entry.type === 'spark') {
    step.spark = { entry: doc.entry ?? {} };
    for (const key of ['args', 'py_files', 'jars', 'files', 'archives', 'conf'] as const) {
      if (doc[key] !== undefined) (step.spark as Record<string, unknown>)[key] = doc[key];
    }
  }
  if (isSweep) step.sweep = sweepSpec(doc);
  return step;
}

function resolveCompute(doc: RunConfigDocument, project: LoadedProject): ResolvedCompute {
  const name = doc.compute;
  if (typeof name !== 'string') return { kind: 'serverless', name: 'serverless' };
  if (name === LOCAL_COMPUTE) return { kind: 'local', name: LOCAL_COMPUTE };
  if (name.startsWith('azureml:')) return { kind: 'workspace', name: name.slice('azureml:'.length) };
  const spec: ComputeSpec | undefined = project.spec.computes[name];
  if (spec?.type === 'local') return { kind: 'local', name: LOCAL_COMPUTE };
  return spec ? { kind: 'catalog', name, spec } : { kind: 'workspace', name };
}

function resolveEnvironment(env: unknown, project: LoadedProject, pathFrom: (written: string) => string): ResolvedEnvironment {
  const read = (projectRelative: string) => readFileSync(resolve(project.dir, projectRelative), 'utf8');
  const conda = (spec: { conda_file?: unknown; image?: unknown; build?: unknown }, toProject: (p: string) => string, name?: string): ResolvedEnvironment => {
    const out: Extract<ResolvedEnvironment, { kind: 'conda' }> = { kind: 'conda' };
    if (name) out.name = name;
    if (typeof spec.conda_file === 'string') {
      out.condaFile = toProject(spec.conda_file);
      out.conda = read(out.condaFile);
    } else if (isMapping(spec.conda_file)) {
      out.conda = JSON.stringify(spec.conda_file);
    }
    if (isMapping(spec.build) && typeof spec.build.path === 'string') {
      out.build = { path: toProject(spec.build.path), ...(typeof spec.build.dockerfile_path === 'string' ? { dockerfile_path: spec.build.dockerfile_path } : {}) };
    } else out.image = typeof spec.image === 'string' ? spec.image : DEFAULT_IMAGE;
    return out;
  };
  if (typeof env === 'string') {
    if (env.startsWith('file:')) {
      const assetPath = pathFrom(env.slice('file:'.length));
      const asset = parse(read(assetPath)) as Record<string, unknown>;
      const assetDir = dirname(resolve(project.dir, assetPath));
      return conda(asset, (p) => relative(project.dir, resolve(assetDir, p)).split(sep).join('/'), typeof asset.name === 'string' ? asset.name : undefined);
    }
    if (isRemoteReference(env)) return { kind: 'registered', reference: env };
    if (/\.ya?ml$/i.test(env)) return conda({ conda_file: env }, pathFrom);
    const spec = project.spec.environments[env];
    const projectFileDir = project.projectFile ? dirname(project.projectFile.path) : project.dir;
    if (spec) return conda(spec, (p) => relative(project.dir, resolve(projectFileDir, p)).split(sep).join('/'), env);
    return { kind: 'registered', reference: `azureml:${env}@latest` };
  }
  if (isMapping(env)) return conda(env, pathFrom, typeof env.name === 'string' ? env.name : undefined);
  return { kind: 'none' };
}

function resolveInputs(doc: RunConfigDocument, project: LoadedProject, pathFrom: (at: string, written: string) => string): Record<string, ResolvedInput> {
  const inputs: Record<string, ResolvedInput> = {};
  for (const [name, value] of Object.entries(isMapping(doc.inputs) ? doc.inputs : {})) {
    const at = `/inputs/${name}`;
    if (typeof value === 'number' || typeof value === 'boolean') inputs[name] = { kind: 'literal', value };
    else if (typeof value === 'string') inputs[name] = bindingOrLiteral(value);
    else if (isMapping(value)) {
      if (typeof value.dataset === 'string') {
        const spec = project.spec.datasets[value.dataset];
        inputs[name] = { kind: 'dataset', dataset: value.dataset, spec: { ...spec, type: spec?.type ?? 'uri_folder' }, ...(typeof value.mode === 'string' ? { mode: value.mode } : {}) };
      } else if (typeof value.path === 'string') {
        const bound = bindingOrLiteral(value.path);
        if (bound.kind === 'output' || bound.kind === 'best') inputs[name] = bound;
        else {
          const local = !isRemoteReference(value.path) && !/^[a-z][a-z0-9+.-]*:/i.test(value.path);
          inputs[name] = { kind: 'uri', type: typeof value.type === 'string' ? value.type : 'uri_folder', path: local ? pathFrom(`${at}/path`, value.path) : value.path, local, ...(typeof value.mode === 'string' ? { mode: value.mode } : {}) };
        }
      } else if (isLiteral(value.value) || isLiteral(value.default)) {
        // A typed literal: `{type: integer, value: 4}` (or a `default` when no value is given).
        const literal = (isLiteral(value.value) ? value.value : value.default) as string | number | boolean;
        inputs[name] = { kind: 'literal', value: literal, ...(typeof value.type === 'string' ? { type: value.type } : {}) };
      } else inputs[name] = { kind: 'expression', value: JSON.stringify(value) };
    }
  }
  return inputs;
}

function isLiteral(v: unknown): v is string | number | boolean {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

function bindingOrLiteral(value: string): ResolvedInput {
  const m = /^\$\{\{\s*needs\.([A-Za-z0-9][A-Za-z0-9_.-]*?)\.(outputs|best)\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$/.exec(value.trim());
  if (m) return m[2] === 'outputs' ? { kind: 'output', step: m[1], output: m[3] } : { kind: 'best', step: m[1], parameter: m[3] };
  if (value.includes('${{')) return { kind: 'expression', value };
  return { kind: 'literal', value };
}

function resolveOutputs(doc: RunConfigDocument): Record<string, ResolvedOutput> {
  const outputs: Record<string, ResolvedOutput> = {};
  for (const [name, value] of Object.entries(isMapping(doc.outputs) ? doc.outputs : {})) {
    const spec = isMapping(value) ? value : {};
    const out: ResolvedOutput = { type: typeof spec.type === 'string' ? spec.type : 'uri_folder' };
    if (typeof spec.mode === 'string') out.mode = spec.mode;
    if (typeof spec.path === 'string') out.path = spec.path;
    outputs[name] = out;
  }
  return outputs;
}

function sweepSpec(doc: RunConfigDocument): SweepSpec {
  const sampling = doc.sampling_algorithm;
  const samplingObj = isMapping(sampling) ? sampling : { type: sampling };
  const spec: SweepSpec = {
    sampling: { type: (samplingObj.type as SweepSpec['sampling']['type']) ?? 'random' },
    searchSpace: (isMapping(doc.search_space) ? doc.search_space : {}) as SweepSpec['searchSpace'],
    objective: (isMapping(doc.objective) ? doc.objective : { goal: 'maximize', primary_metric: '' }) as SweepSpec['objective'],
    limits: (isMapping(doc.limits) ? doc.limits : {}) as SweepSpec['limits'],
  };
  if (typeof samplingObj.seed === 'number') spec.sampling.seed = samplingObj.seed;
  if (typeof samplingObj.rule === 'string') spec.sampling.rule = samplingObj.rule;
  if (isMapping(doc.early_termination)) spec.earlyTermination = doc.early_termination;
  return spec;
}

/** The Azure ML job's YAML: the merged run configuration without mlsteps' own keys. */
function jobDocument(doc: RunConfigDocument): RunConfigDocument {
  const job: RunConfigDocument = { ...doc };
  for (const key of MLSTEPS_KEYS) delete job[key];
  delete job.$schema;
  return job;
}
