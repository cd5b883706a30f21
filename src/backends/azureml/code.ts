import { basename, resolve } from 'node:path';
import type { CodeVersionProperties } from '@azure/arm-machinelearning';
import { listSnapshot, type SnapshotFile } from '../../plan/snapshot';
import { NEWER_API_VERSION } from './client';
import type { Context } from './context';
import { AzureMLError, explain, isConflict, isNotFound, statusOf } from './errors';
import { CONTENT_HASH_VERSION, contentHash, sortLikeAzureML } from './hash';
import { uploadFiles } from './storage';

/** The folder azure-ai-ml uploads local assets to in the default datastore: `LocalUpload/<hash>/<folder name>/…`. */
export const UPLOAD_ROOT = 'LocalUpload';
/** The confirmation azure-ai-ml writes as metadata on an upload's first blob once every file is up. */
export const UPLOAD_CONFIRMATION = { upload_status: 'completed' } as const;

export interface CodeAsset {
  /** ARM id of the code version: the job's `codeId`. */
  id: string;
  name: string;
  version: string;
  /** Azure ML's content hash of the snapshot. */
  hash: string;
  /** `reused`: a code version with this hash existed; `registered`: uploaded (if needed) and registered now. */
  action: 'reused' | 'registered';
  uploadedBytes: number;
}

/** An uploaded snapshot: where its files are. */
export interface UploadedSnapshot {
  /** `https://<account>.blob…/<container>/LocalUpload/<hash>/<name>` (no SAS). */
  url: string;
  /** The path inside the datastore: `LocalUpload/<hash>/<name>`. */
  path: string;
  datastore: string;
  uploadedBytes: number;
  /** A complete upload of the same content was there: nothing was sent. */
  alreadyUploaded: boolean;
}

/**
 * A code version for a code folder, uploading and registering it only when no code version with
 * its content hash exists. The version is named by the hash (`<sha256>` version `1`), so
 * concurrent submissions of the same folder meet at one name: whoever registers second finds the
 * first's version (a 409, or a PUT of identical content) and uses it.
 */
export async function ensureCode(ctx: Context, folder: string): Promise<CodeAsset> {
  const absolute = resolve(folder);
  return ctx.once(`code:${absolute}`, async () => {
    const files = listSnapshot(absolute);
    if (files.length === 0) {
      throw new AzureMLError(`uploading code folder ${folder}`, 'the folder has no files to upload (everything in it is ignored by .amlignore/.gitignore, or it is empty)', {
        code: 'EmptyCodeFolder',
        hint: 'check the run configuration\'s code: path and the ignore files in that folder',
      });
    }
    const hash = await contentHash(files, ctx.abortSignal);
    const name = hash;
    const version = '1';
    const { resourceGroup, workspace } = ctx.target;
    const doing = `registering code ${folder} (${hash.slice(0, 12)}…)`;
    const found = await getCodeVersion(ctx, name, version, doing);
    if (found) return { id: found.id ?? ctx.armId(`codes/${name}/versions/${version}`), name, version, hash, action: 'reused', uploadedBytes: 0 };
    const byHash = await findCodeByHash(ctx, name, hash, doing);
    if (byHash) return { ...byHash, hash, action: 'reused', uploadedBytes: 0 };

    const uploaded = await uploadSnapshot(ctx, files, hash, basename(absolute) || 'code', {
      onUploadStart: () => ctx.progress(`uploading code ${folder}: ${files.length} file${files.length === 1 ? '' : 's'}, ${formatBytes(files.reduce((n, f) => n + f.size, 0))}`),
    });
    if (uploaded.alreadyUploaded) ctx.progress(`code ${folder} is already in the datastore (same content): registering it without uploading`);
    const body: CodeVersionProperties = { codeUri: uploaded.url, isAnonymous: true, properties: { hash_sha256: hash, hash_version: CONTENT_HASH_VERSION } };
    try {
      const created = await ctx.client.sdk.codeVersions.createOrUpdate(resourceGroup, workspace, name, version, { properties: body }, { abortSignal: ctx.abortSignal });
      ctx.stats.codeVersionsRegistered++;
      return { id: created.id ?? ctx.armId(`codes/${name}/versions/${version}`), name, version, hash, action: 'registered', uploadedBytes: uploaded.uploadedBytes };
    } catch (err) {
      // Another submission registered the same content first.
      if (isConflict(err) || statusOf(err) === 400) {
        const again = await getCodeVersion(ctx, name, version, doing);
        if (again) return { id: again.id ?? ctx.armId(`codes/${name}/versions/${version}`), name, version, hash, action: 'reused', uploadedBytes: uploaded.uploadedBytes };
      }
      throw explain(err, doing, ctx.target);
    }
  });
}

async function getCodeVersion(ctx: Context, name: string, version: string, doing: string): Promise<{ id?: string } | undefined> {
  try {
    return await ctx.client.sdk.codeVersions.get(ctx.target.resourceGroup, ctx.target.workspace, name, version, { abortSignal: ctx.abortSignal });
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw explain(err, doing, ctx.target);
  }
}

/**
 * A code version registered by someone else (e.g. `az ml`, whose anonymous code versions have
 * random names) with the same content hash: the code-version list filtered by `hash` and
 * `hashVersion`, as azure-ai-ml looks it up (api-version 2024-10-01; the SDK's 2022-10-01 has no
 * such filter). Not found, or a service that does not know the filter: undefined.
 */
async function findCodeByHash(ctx: Context, name: string, hash: string, doing: string): Promise<{ id: string; name: string; version: string } | undefined> {
  try {
    const page = await ctx.client.send<{ value?: { id?: string; name?: string; properties?: { properties?: Record<string, string> } }[] }>({
      method: 'GET',
      path: `/codes/${encodeURIComponent(name)}/versions`,
      apiVersion: NEWER_API_VERSION,
      query: { hash, hashVersion: CONTENT_HASH_VERSION },
      abortSignal: ctx.abortSignal,
    });
    for (const v of page?.value ?? []) {
      const props = v.properties?.properties ?? {};
      if (!v.id || (props.hash_sha256 !== undefined && props.hash_sha256 !== hash)) continue;
      const m = /\/codes\/([^/]+)\/versions\/([^/]+)$/.exec(v.id);
      if (m) return { id: v.id, name: m[1], version: m[2] };
    }
    return undefined;
  } catch (err) {
    const status = statusOf(err);
    if (status === 404 || status === 400) return undefined;
    throw explain(err, doing, ctx.target);
  }
}

/**
 * Uploads a snapshot to the default datastore at `LocalUpload/<hash>/<name>/…` (a single file:
 * `LocalUpload/<hash>/<name>`), unless a complete upload is there already: azure-ai-ml's
 * convention, `upload_status: completed` in the metadata of the first blob, written last.
 */
export async function uploadSnapshot(ctx: Context, files: readonly SnapshotFile[], hash: string, name: string, options: { singleFile?: boolean; onUploadStart?: () => void } = {}): Promise<UploadedSnapshot> {
  const datastore = await ctx.datastore();
  const path = `${UPLOAD_ROOT}/${hash}/${name}`;
  const entries = options.singleFile ? [{ ...files[0], path: '' }] : sortLikeAzureML(files);
  const blobName = (file: { path: string }) => (file.path ? `${path}/${file.path}` : path);
  const indicator = datastore.container.getBlockBlobClient(blobName(entries[0]));
  let complete = false;
  try {
    const props = await indicator.getProperties({ abortSignal: ctx.abortSignal });
    complete = props.metadata?.upload_status === UPLOAD_CONFIRMATION.upload_status;
  } catch (err) {
    if (!isNotFound(err)) throw explain(err, `checking ${datastore.container.containerName}/${path}`, ctx.target);
  }
  let uploadedBytes = 0;
  if (!complete) {
    options.onUploadStart?.();
    uploadedBytes = await uploadFiles(
      datastore.container,
      options.singleFile ? '' : path,
      entries.map((f) => ({ path: options.singleFile ? path : f.path, absolute: f.absolute, size: f.size })),
      { ...ctx.options.upload, abortSignal: ctx.abortSignal },
    );
    try {
      await indicator.setMetadata({ ...UPLOAD_CONFIRMATION }, { abortSignal: ctx.abortSignal });
    } catch (err) {
      throw explain(err, `confirming the upload of ${datastore.container.containerName}/${path}`, ctx.target);
    }
    ctx.stats.uploadedBytes += uploadedBytes;
    ctx.stats.uploadedFiles += entries.length;
  }
  return { url: `${datastore.containerUrl}/${path}`, path, datastore: datastore.name, uploadedBytes, alreadyUploaded: complete };
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GiB`;
}
