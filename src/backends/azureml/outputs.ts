import { mkdirSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { eachAtOnce } from '../../util/concurrency';
import { readJob } from './cancel';
import type { Context } from './context';
import { AzureMLError, explain } from './errors';
import type { Json } from './job';
import { namedDatastore } from './storage';

export interface DownloadedOutput {
  /** The output's name in the job (`outputs.<name>`). */
  name: string;
  /** Where Azure ML keeps it. */
  uri?: string;
  /** The folder written, absolute. */
  path?: string;
  files: number;
  bytes: number;
  /** Why it was not (completely) downloaded. */
  error?: string;
}

export interface DownloadOutputsOptions {
  abortSignal?: AbortSignal;
  /** Only these outputs (default: every named output of the job). */
  names?: readonly string[];
  /** Blobs downloaded at once (default 8). */
  concurrency?: number;
  onProgress?: (message: string) => void;
}

/** Output types that are files in a datastore (literals and the like are not). */
const DOWNLOADABLE = new Set(['uri_folder', 'uri_file', 'mltable', 'custom_model', 'mlflow_model', 'triton_model']);
const OUTPUT_TYPES: Record<string, string> = { UriFolder: 'uri_folder', UriFile: 'uri_file', MLTable: 'mltable', CustomModel: 'custom_model', MLFlowModel: 'mlflow_model', TritonModel: 'triton_model' };

/**
 * Downloads a finished job's named outputs into `dest/<output>/` (what `az ml job download
 * --all` does for named outputs): reads the job for each output's datastore URI
 * (`azureml://datastores/<ds>/paths/<prefix>`; the service fills in the default path of outputs
 * the job did not place), then every blob under that prefix with the datastore's credential.
 * `dest/<output>` is emptied first, so a re-run never mixes two jobs' files. A blob whose name
 * would land outside `dest` is refused. One output failing does not stop the others: its error is
 * in the result.
 */
export async function downloadJobOutputs(ctx: Context, jobName: string, dest: string, options: DownloadOutputsOptions = {}): Promise<DownloadedOutput[]> {
  const signal = options.abortSignal ?? ctx.abortSignal;
  const job = await readJob(ctx, jobName, signal);
  const declared = (((job.properties ?? {}) as Json).outputs ?? {}) as Record<string, Json | null>;
  const results: DownloadedOutput[] = [];
  for (const [name, output] of Object.entries(declared)) {
    if (name === 'default' || !output || (options.names && !options.names.includes(name))) continue;
    const type = OUTPUT_TYPES[String(output.jobOutputType)] ?? String(output.jobOutputType ?? 'uri_folder');
    if (!DOWNLOADABLE.has(type)) continue;
    const uri = typeof output.uri === 'string' ? output.uri : undefined;
    const folder = path.join(dest, safeSegment(name));
    if (!uri) {
      results.push({ name, files: 0, bytes: 0, error: 'the job names no location for it' });
      continue;
    }
    // A uri_file output's URI names the file; a default one (ending in `/`) the folder holding it.
    const location = parseDatastoreUri(uri);
    if (!location) {
      results.push({ name, uri, files: 0, bytes: 0, error: `${uri} is not a datastore path (azureml://datastores/<name>/paths/<path>)` });
      continue;
    }
    try {
      signal?.throwIfAborted();
      const store = await ctx.once(`datastore:${location.datastore}`, () => namedDatastore(ctx.client, location.datastore, { ...(signal ? { abortSignal: signal } : {}) }));
      rmSync(folder, { recursive: true, force: true });
      mkdirSync(folder, { recursive: true });
      const { files, bytes } = await downloadPrefix(store.container, location.path, folder, type === 'uri_file' && !location.path.endsWith('/'), { ...(signal ? { abortSignal: signal } : {}), concurrency: options.concurrency ?? 8 });
      options.onProgress?.(`downloaded output ${name}: ${files} file${files === 1 ? '' : 's'}, ${bytes} bytes → ${folder}`);
      results.push({ name, uri, path: folder, files, bytes, ...(files === 0 ? { error: 'nothing is stored there (did the job write to it?)' } : {}) });
    } catch (err) {
      if (signal?.aborted) throw err;
      const e = err instanceof AzureMLError ? err : explain(err, `downloading output ${name} of job ${jobName}`, ctx.target);
      results.push({ name, uri, path: folder, files: 0, bytes: 0, error: e.message });
    }
  }
  return results;
}

/** `azureml://[subscriptions/…/resourcegroups/…/workspaces/…/]datastores/<ds>/paths/<path>`. */
export function parseDatastoreUri(uri: string): { datastore: string; path: string } | undefined {
  const m = /^azureml:\/\/(?:subscriptions\/[^/]+\/resource[gG]roups\/[^/]+\/(?:providers\/Microsoft\.MachineLearningServices\/)?workspaces\/[^/]+\/)?datastores\/([^/]+)\/paths\/(.*)$/i.exec(uri);
  if (!m) return undefined;
  return { datastore: decodeURIComponent(m[1]), path: m[2].split('/').map(decodeURIComponent).join('/') };
}

interface BlobContainer {
  listBlobsFlat(options: { prefix: string; abortSignal?: AbortSignal }): AsyncIterable<{ name: string; properties: { contentLength?: number }; metadata?: Record<string, string> }>;
  getBlobClient(name: string): { downloadToFile(file: string, offset?: number, count?: number, options?: { abortSignal?: AbortSignal }): Promise<unknown> };
}

/**
 * Every blob under `prefix` into `folder`, keeping the relative layout (a `uri_file`: the one blob
 * named by the prefix). Folder markers of hierarchical-namespace accounts are skipped.
 */
async function downloadPrefix(container: BlobContainer, prefix: string, folder: string, single: boolean, o: { abortSignal?: AbortSignal; concurrency: number }): Promise<{ files: number; bytes: number }> {
  const base = single ? prefix : prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
  const wanted: { name: string; file: string; size: number }[] = [];
  for await (const blob of container.listBlobsFlat({ prefix: base, ...(o.abortSignal ? { abortSignal: o.abortSignal } : {}) })) {
    if (blob.metadata?.hdi_isfolder === 'true') continue;
    if (single && blob.name !== prefix) continue;
    const file = blobDestination(folder, base, blob.name, single);
    if (!file) throw new AzureMLError(`downloading ${blob.name}`, 'its name would write outside the download folder', { code: 'UnsafeBlobName' });
    wanted.push({ name: blob.name, file, size: blob.properties.contentLength ?? 0 });
  }
  let bytes = 0;
  await eachAtOnce(wanted, o.concurrency, async (item) => {
    mkdirSync(path.dirname(item.file), { recursive: true });
    await container.getBlobClient(item.name).downloadToFile(item.file, 0, undefined, o.abortSignal ? { abortSignal: o.abortSignal } : {});
    bytes += item.size;
  });
  return { files: wanted.length, bytes };
}

/**
 * Where a blob under `prefix` lands inside `folder` (a `uri_file`: its base name); undefined when
 * its name would land outside `folder` (`..` segments, absolute names) or on `folder` itself.
 */
export function blobDestination(folder: string, prefix: string, blobName: string, single = false): string | undefined {
  const relative = single ? path.posix.basename(blobName) : blobName.startsWith(prefix) ? blobName.slice(prefix.length) : '';
  if (!relative || relative.startsWith('/') || /^[a-zA-Z]:/.test(relative)) return undefined;
  const root = path.resolve(folder);
  const file = path.resolve(root, ...relative.split(/[\\/]/));
  return file.startsWith(root + path.sep) ? file : undefined;
}

/** An output name as one folder name. */
const safeSegment = (name: string) => name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+$/, '_');
