import { basename, resolve } from 'node:path';
import type { EnvironmentVersionProperties } from '@azure/arm-machinelearning';
import type { ResolvedEnvironment } from '../../model/step';
import { normalizeConda } from '../../plan/fingerprint';
import { listSnapshot } from '../../plan/snapshot';
import { uploadSnapshot } from './code';
import type { Context } from './context';
import { AzureMLError, explain, isConflict, isNotFound, statusOf } from './errors';
import { contentHash, sha256Hex } from './hash';
import { anonymousEnvironmentName, assetName } from './names';

export interface EnvironmentAsset {
  /** What the job's `environmentId` is: an ARM id, or a registry asset id as written. */
  id: string;
  name?: string;
  version?: string;
  /** `reused`: that version existed; `registered`: PUT now; `referenced`: a registered environment, verified. */
  action: 'reused' | 'registered' | 'referenced';
}

/** The content of a conda environment, as registered: normalised conda text, image, build context. */
export interface EnvironmentContent {
  conda?: string;
  image?: string;
  build?: { hash: string; dockerfilePath?: string; path: string };
}

/**
 * The version of an environment's content: a hash of the normalised conda text, the image and the
 * build context's content hash (24 hex digits: 96 bits, within the 30 characters an asset version
 * may have). Unchanged content, unchanged version: no PUT, no image build.
 */
export function environmentVersion(content: EnvironmentContent): string {
  const text = [`conda:${content.conda ?? ''}`, `image:${content.image ?? ''}`, `build:${content.build?.hash ?? ''}`, `dockerfile:${content.build?.dockerfilePath ?? ''}`].join('\n');
  return sha256Hex(text).slice(0, 24);
}

/** The environment name: the catalog name, else `mlsteps-<hash8>`. */
export function environmentName(env: Extract<ResolvedEnvironment, { kind: 'conda' }>, version: string): string {
  return env.name ? assetName(env.name) : anonymousEnvironmentName(version);
}

/**
 * The environment a step's job uses. A catalog or inline conda environment is registered once per
 * content (GET its version first; PUT only when missing; a concurrent submission's 409 → GET). A
 * registered reference (`azureml:name:version`, `azureml:name@latest`) is checked to exist.
 */
export async function ensureEnvironment(ctx: Context, env: ResolvedEnvironment, projectDir: string): Promise<EnvironmentAsset | undefined> {
  if (env.kind === 'none') return undefined;
  if (env.kind === 'registered') return ctx.once(`env-ref:${env.reference}`, () => resolveRegisteredEnvironment(ctx, env.reference));
  const key = `env:${JSON.stringify([env.name, env.conda !== undefined ? normalizeConda(env.conda) : undefined, env.image, env.build])}`;
  return ctx.once(key, async () => {
    const content: EnvironmentContent = {};
    if (env.conda !== undefined) content.conda = normalizeConda(env.conda) + '\n';
    if (env.image) content.image = env.image;
    let buildFiles: ReturnType<typeof listSnapshot> | undefined;
    if (env.build) {
      const dir = resolve(projectDir, env.build.path);
      buildFiles = listSnapshot(dir);
      if (buildFiles.length === 0) {
        throw new AzureMLError(`registering environment ${env.name ?? ''}`.trim(), `the Docker build context ${env.build.path} has no files`, { code: 'EmptyBuildContext', hint: 'check build.path and its ignore files' });
      }
      content.build = { hash: await contentHash(buildFiles, ctx.abortSignal), path: dir, ...(env.build.dockerfile_path ? { dockerfilePath: env.build.dockerfile_path } : {}) };
    }
    const version = environmentVersion(content);
    const name = environmentName(env, version);
    const doing = `registering environment ${name}:${version}`;
    const { resourceGroup, workspace } = ctx.target;
    const existing = await getEnvironmentVersion(ctx, name, version, doing);
    if (existing) return { id: existing.id ?? ctx.armId(`environments/${name}/versions/${version}`), name, version, action: 'reused' };

    const body: EnvironmentVersionProperties = { description: 'Registered by mlsteps; the version is a hash of the conda file, the image and the build context.' };
    if (content.conda !== undefined) body.condaFile = content.conda;
    if (content.image) body.image = content.image;
    if (content.build && buildFiles) {
      const uploaded = await uploadSnapshot(ctx, buildFiles, content.build.hash, basename(content.build.path) || 'context');
      body.build = { contextUri: `${uploaded.url}/`, ...(content.build.dockerfilePath ? { dockerfilePath: content.build.dockerfilePath } : {}) };
    }
    ctx.progress(`registering environment ${name}:${version}${content.image ? ` on ${content.image}` : ''}`);
    try {
      const created = await ctx.client.sdk.environmentVersions.createOrUpdate(resourceGroup, workspace, name, version, { properties: body }, { abortSignal: ctx.abortSignal });
      ctx.stats.environmentsRegistered++;
      return { id: created.id ?? ctx.armId(`environments/${name}/versions/${version}`), name, version, action: 'registered' };
    } catch (err) {
      if (isConflict(err) || statusOf(err) === 400) {
        const again = await getEnvironmentVersion(ctx, name, version, doing);
        if (again) return { id: again.id ?? ctx.armId(`environments/${name}/versions/${version}`), name, version, action: 'reused' };
      }
      throw explain(err, doing, ctx.target);
    }
  });
}

async function getEnvironmentVersion(ctx: Context, name: string, version: string, doing: string): Promise<{ id?: string } | undefined> {
  try {
    return await ctx.client.sdk.environmentVersions.get(ctx.target.resourceGroup, ctx.target.workspace, name, version, { abortSignal: ctx.abortSignal });
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw explain(err, doing, ctx.target);
  }
}

/** `azureml:name:version`, `azureml:name@latest`, `azureml:<ARM id>` or `azureml://registries/…` → its parts. */
export function parseAssetReference(reference: string): { kind: 'version'; name: string; version: string } | { kind: 'label'; name: string; label: string } | { kind: 'id'; id: string } | { kind: 'registry'; uri: string } {
  if (reference.startsWith('azureml://')) return { kind: 'registry', uri: reference };
  const body = reference.replace(/^azureml:/, '');
  if (body.startsWith('/subscriptions/')) return { kind: 'id', id: body };
  const at = body.lastIndexOf('@');
  if (at > 0) return { kind: 'label', name: body.slice(0, at), label: body.slice(at + 1) };
  const colon = body.lastIndexOf(':');
  if (colon > 0) return { kind: 'version', name: body.slice(0, colon), version: body.slice(colon + 1) };
  return { kind: 'label', name: body, label: 'latest' };
}

async function resolveRegisteredEnvironment(ctx: Context, reference: string): Promise<EnvironmentAsset> {
  const ref = parseAssetReference(reference);
  const { workspace } = ctx.target;
  const doing = `looking up environment ${reference}`;
  if (ref.kind === 'registry') return { id: ref.uri, action: 'referenced' };
  if (ref.kind === 'id') return { id: ref.id, action: 'referenced' };
  const missing = (detail: string) =>
    new AzureMLError(doing, detail, {
      code: 'EnvironmentNotFound',
      hint: `register it in workspace "${workspace}" (az ml environment create), or use an environment from the project's catalog (environments: in mlsteps.yml)`,
    });
  if (ref.kind === 'version') {
    const found = await getEnvironmentVersion(ctx, ref.name, ref.version, doing);
    if (!found) throw missing(`environment ${ref.name} has no version ${ref.version} in workspace "${workspace}"`);
    return { id: found.id ?? ctx.armId(`environments/${ref.name}/versions/${ref.version}`), name: ref.name, version: ref.version, action: 'referenced' };
  }
  if (ref.label !== 'latest') throw new AzureMLError(doing, `the label "@${ref.label}" is not supported; use @latest or :VERSION`, { code: 'UnsupportedLabel' });
  const version = await latestVersion(ctx, 'environment', ref.name, doing);
  if (!version) throw missing(`environment ${ref.name} does not exist (or has no versions) in workspace "${workspace}"`);
  return { id: ctx.armId(`environments/${ref.name}/versions/${version}`), name: ref.name, version, action: 'referenced' };
}

/**
 * The latest version of an asset: the container's `latestVersion`, else (older services leave it
 * empty) the most recently created version.
 */
export async function latestVersion(ctx: Context, kind: 'environment' | 'data', name: string, doing: string): Promise<string | undefined> {
  const { resourceGroup, workspace } = ctx.target;
  const sdk = ctx.client.sdk;
  try {
    const container = kind === 'environment' ? await sdk.environmentContainers.get(resourceGroup, workspace, name, { abortSignal: ctx.abortSignal }) : await sdk.dataContainers.get(resourceGroup, workspace, name, { abortSignal: ctx.abortSignal });
    if (container.properties?.latestVersion) return container.properties.latestVersion;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw explain(err, doing, ctx.target);
  }
  try {
    const list = kind === 'environment' ? sdk.environmentVersions.list(resourceGroup, workspace, name, { orderBy: 'createdtime desc', top: 1, abortSignal: ctx.abortSignal }) : sdk.dataVersions.list(resourceGroup, workspace, name, { orderBy: 'createdtime desc', top: 1, abortSignal: ctx.abortSignal });
    for await (const v of list) return v.name ?? undefined;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw explain(err, doing, ctx.target);
  }
  return undefined;
}
