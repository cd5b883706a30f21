import { statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { ResolvedInput, Step } from '../../model/step';
import { listSnapshot } from '../../plan/snapshot';
import { uploadSnapshot } from './code';
import type { Context } from './context';
import { AzureMLError, explain, isNotFound } from './errors';
import { latestVersion, parseAssetReference } from './environment';
import { contentHash } from './hash';
import { INPUT_MODES, JobBodyError, type Json } from './job';

/** What a step's inputs bind to outside it: upstream jobs and sweep results. */
export interface InputBindings {
  /** The job name of an upstream step (its outputs are `azureml://jobs/<name>/outputs/<output>`). */
  jobName(step: string): string | undefined;
  /** The type of an upstream step's output (default uri_folder). */
  outputType(step: string, output: string): string | undefined;
  /** The best trial's value of a parameter of an upstream sweep; undefined when not known (yet). */
  best(step: string, parameter: string): Promise<string | number | boolean | undefined>;
}

/** A `${{needs.X.best.P}}` that cannot be bound yet: the sweep has not completed. */
export class BestNotAvailableError extends Error {
  override readonly name = 'BestNotAvailableError';
  constructor(
    readonly step: string,
    readonly sweep: string,
    readonly parameter: string,
    detail: string,
  ) {
    super(`${step}: input needs the best ${parameter} of sweep step ${sweep}, ${detail}`);
  }
}

export function inputMode(mode: string | undefined, where: string): string | undefined {
  if (mode === undefined) return undefined;
  const rest = INPUT_MODES[mode];
  if (!rest) throw new JobBodyError(`${where}: unknown input mode "${mode}" (ro_mount, rw_mount, download, direct, eval_mount, eval_download)`);
  return rest;
}

/**
 * The REST inputs of a step: catalog datasets with their Azure ML `path`; `azureml:` data assets
 * checked to exist (`@latest` resolved to its version); local paths uploaded to the default
 * datastore as `az ml` does; upstream outputs as `azureml://jobs/<job>/outputs/<name>`; a sweep's
 * best parameter as a literal.
 */
export async function resolveInputs(ctx: Context, step: Step, projectDir: string, bindings: InputBindings): Promise<Record<string, Json>> {
  const out: Record<string, Json> = {};
  for (const [name, input] of Object.entries(step.inputs)) out[name] = await resolveInput(ctx, step, name, input, projectDir, bindings);
  return out;
}

async function resolveInput(ctx: Context, step: Step, name: string, input: ResolvedInput, projectDir: string, bindings: InputBindings): Promise<Json> {
  const where = `${step.name}: input ${name}`;
  const withMode = (o: Json, mode: string | undefined) => {
    const m = inputMode(mode, where);
    if (m) o.mode = m;
    return o;
  };
  switch (input.kind) {
    case 'literal':
      return { jobInputType: 'literal', value: String(input.value) };
    case 'expression':
      return { jobInputType: 'literal', value: input.value };
    case 'dataset': {
      const type = input.spec.type ?? 'uri_folder';
      if (!input.spec.path) throw new JobBodyError(`${where}: dataset "${input.dataset}" has no path on Azure ML (datasets.${input.dataset}.path in mlsteps.yml)`);
      const uri = await dataUri(ctx, input.spec.path, where);
      return withMode({ jobInputType: type, uri }, input.mode ?? input.spec.mode);
    }
    case 'uri': {
      if (input.local) {
        const uploaded = await uploadLocalInput(ctx, resolve(projectDir, input.path), input.type, where);
        return withMode({ jobInputType: input.type, uri: uploaded }, input.mode);
      }
      return withMode({ jobInputType: input.type, uri: await dataUri(ctx, input.path, where) }, input.mode);
    }
    case 'output': {
      const job = bindings.jobName(input.step);
      if (!job) throw new JobBodyError(`${where}: step ${input.step}, whose output ${input.output} it reads, has no job`);
      return { jobInputType: bindings.outputType(input.step, input.output) ?? 'uri_folder', uri: `azureml://jobs/${job}/outputs/${input.output}` };
    }
    case 'best': {
      const value = await bindings.best(input.step, input.parameter);
      if (value === undefined) throw new BestNotAvailableError(step.name, input.step, input.parameter, 'which is not known yet');
      return { jobInputType: 'literal', value: String(value) };
    }
  }
}

/** A data URI for a job: `azureml:name:version` and `@latest` are checked (and resolved); other URIs pass as written. */
async function dataUri(ctx: Context, path: string, where: string): Promise<string> {
  if (!/^azureml:(?!\/\/)/.test(path)) return path;
  const ref = parseAssetReference(path);
  if (ref.kind === 'id' || ref.kind === 'registry') return path;
  const { resourceGroup, workspace } = ctx.target;
  const doing = `${where}: looking up data asset ${path}`;
  const missing = (detail: string) =>
    new AzureMLError(doing, detail, { code: 'DataNotFound', hint: `register it in workspace "${workspace}" (az ml data create), or point the input at a datastore path (azureml://datastores/…/paths/…)` });
  if (ref.kind === 'version') {
    return ctx.once(`data:${ref.name}:${ref.version}`, async () => {
      try {
        await ctx.client.sdk.dataVersions.get(resourceGroup, workspace, ref.name, ref.version, { abortSignal: ctx.abortSignal });
      } catch (err) {
        if (isNotFound(err)) throw missing(`data asset ${ref.name} has no version ${ref.version} in workspace "${workspace}"`);
        throw explain(err, doing, ctx.target);
      }
      return `azureml:${ref.name}:${ref.version}`;
    });
  }
  if (ref.label !== 'latest') throw new AzureMLError(doing, `the label "@${ref.label}" is not supported; use @latest or :VERSION`, { code: 'UnsupportedLabel' });
  return ctx.once(`data:${ref.name}@latest`, async () => {
    const version = await latestVersion(ctx, 'data', ref.name, doing);
    if (!version) throw missing(`data asset ${ref.name} does not exist (or has no versions) in workspace "${workspace}"`);
    return `azureml:${ref.name}:${version}`;
  });
}

/**
 * A local input path, uploaded as `az ml` uploads one: to `LocalUpload/<hash>/<name>` in the
 * default datastore (skipped when a complete upload is there), bound as
 * `azureml://datastores/<datastore>/paths/LocalUpload/<hash>/<name>`.
 */
async function uploadLocalInput(ctx: Context, absolute: string, type: string, where: string): Promise<string> {
  return ctx.once(`local-input:${absolute}`, async () => {
    let isDir: boolean;
    try {
      isDir = statSync(absolute).isDirectory();
    } catch {
      throw new AzureMLError(`${where}: uploading ${absolute}`, 'the path does not exist', { code: 'LocalPathNotFound', hint: 'check the input\'s path (relative to the run configuration file)' });
    }
    if (type === 'uri_file' && isDir) throw new AzureMLError(`${where}: uploading ${absolute}`, 'a uri_file input is a folder', { code: 'InvalidInput', hint: 'use type: uri_folder, or point the path at a file' });
    const name = basename(absolute);
    const files = isDir ? listSnapshot(absolute) : [{ path: name, absolute, size: statSync(absolute).size }];
    if (files.length === 0) throw new AzureMLError(`${where}: uploading ${absolute}`, 'the folder has no files', { code: 'EmptyInput' });
    const hash = await contentHash(files, ctx.abortSignal);
    const uploaded = await uploadSnapshot(ctx, files, hash, name, { singleFile: !isDir, onUploadStart: () => ctx.progress(`${where}: uploading ${absolute}`) });
    if (uploaded.alreadyUploaded) ctx.progress(`${where}: ${absolute} is already in the datastore (same content): not uploaded again`);
    return `azureml://datastores/${uploaded.datastore}/paths/${uploaded.path}${isDir ? '/' : ''}`;
  });
}
