import { isIP } from 'node:net';
import { posix } from 'node:path';
import type { Datastore } from '@azure/arm-machinelearning';
import type { ContainerClient } from '@azure/storage-blob';
// `require`, not `import`: a bundler then takes the package's CommonJS build. Its ES module build
// reaches `import.meta.url` at load (storage-common's CRC64 wasm glue), which a CommonJS bundle
// does not have, and the whole CLI would fail to start.
import storageBlob = require('@azure/storage-blob');

const { AnonymousCredential, ContainerClient: ContainerClientClass, StorageSharedKeyCredential } = storageBlob;
import { eachAtOnce } from '../../util/concurrency';
import type { ArmClient } from './client';
import { explain } from './errors';

/** The workspace's default datastore, ready for uploads. */
export interface Datastorage {
  /** The datastore's name, e.g. `workspaceblobstore`. */
  name: string;
  /** The blob container, authenticated (account key, SAS, or the Entra ID credential). */
  container: ContainerClient;
  /** `https://<account>.blob.<suffix>/<container>`, without any SAS: what asset URIs name. */
  containerUrl: string;
}

export interface UploadOptions {
  abortSignal?: AbortSignal;
  /** Files uploaded at once (default 8). */
  fileConcurrency?: number;
  /** Block size of large files (default 8 MiB). */
  blockSize?: number;
  /** Blocks of one large file in flight at once (default 4). */
  blockConcurrency?: number;
  /** Called after each file with the bytes sent so far. */
  onProgress?: (sentBytes: number, totalBytes: number) => void;
  /** Storage retries (tries including the first, default 5). */
  maxTries?: number;
  retryDelayInMs?: number;
}

export interface UploadFile {
  /** Path below the blob prefix, forward slashes. */
  path: string;
  absolute: string;
  size: number;
}

/**
 * The default datastore of the workspace and a container client for it: the datastore marked
 * default (one list request), then its secret (`listSecrets`: account key or SAS); a datastore with
 * identity-based access (no secret) is written to with the caller's own token.
 */
export async function defaultDatastore(client: ArmClient, options: DatastoreOptions = {}): Promise<Datastorage> {
  const { resourceGroup, workspace } = client.target;
  let datastore: Datastore | undefined;
  try {
    for await (const d of client.sdk.datastores.list(resourceGroup, workspace, { isDefault: true, abortSignal: options.abortSignal })) {
      datastore = d;
      break;
    }
  } catch (err) {
    throw explain(err, 'finding the workspace\'s default datastore', client.target);
  }
  if (!datastore?.name) {
    throw explain(Object.assign(new Error('the workspace has no default datastore'), { code: 'DatastoreNotFound' }), 'finding the workspace\'s default datastore', client.target);
  }
  return datastoreStorage(client, { ...datastore, name: datastore.name }, 'finding the workspace\'s default datastore', options);
}

/** A datastore of the workspace by name (e.g. where a job's outputs are), ready for reads and writes. */
export async function namedDatastore(client: ArmClient, name: string, options: DatastoreOptions = {}): Promise<Datastorage> {
  const { resourceGroup, workspace } = client.target;
  let datastore: Datastore;
  try {
    datastore = await client.sdk.datastores.get(resourceGroup, workspace, name, { abortSignal: options.abortSignal });
  } catch (err) {
    throw explain(err, `finding datastore "${name}"`, client.target);
  }
  return datastoreStorage(client, { ...datastore, name: datastore.name ?? name }, `finding datastore "${name}"`, options);
}

export interface DatastoreOptions {
  abortSignal?: AbortSignal;
  maxTries?: number;
  retryDelayInMs?: number;
}

async function datastoreStorage(client: ArmClient, datastore: Datastore & { name: string }, doing: string, options: DatastoreOptions): Promise<Datastorage> {
  const { resourceGroup, workspace } = client.target;
  const props = datastore.properties as unknown as { datastoreType?: string; accountName?: string; containerName?: string; endpoint?: string; protocol?: string; credentials?: { credentialsType?: string } };
  if (props.datastoreType !== 'AzureBlob' || !props.accountName || !props.containerName) {
    throw explain(
      Object.assign(new Error(`datastore "${datastore.name}" is of type ${props.datastoreType ?? 'unknown'}; mlsteps reads and writes Azure Blob datastores only`), { code: 'UnsupportedDatastore' }),
      doing,
      client.target,
    );
  }
  const accountUrl = blobAccountUrl(props.accountName, props.endpoint, props.protocol);
  const containerUrl = `${accountUrl}/${props.containerName}`;
  const pipelineOptions = { retryOptions: { maxTries: options.maxTries ?? 5, retryDelayInMs: options.retryDelayInMs ?? 1000 }, userAgentOptions: { userAgentPrefix: 'mlsteps' } };
  let container: ContainerClient;
  const credentialsType = props.credentials?.credentialsType;
  if (credentialsType === 'None') {
    container = new ContainerClientClass(containerUrl, client.credential, pipelineOptions);
  } else {
    let secrets: { secretsType?: string; key?: string; sasToken?: string };
    try {
      secrets = (await client.sdk.datastores.listSecrets(resourceGroup, workspace, datastore.name, { abortSignal: options.abortSignal })) as typeof secrets;
    } catch (err) {
      throw explain(err, `reading the secret of datastore "${datastore.name}"`, client.target);
    }
    if (secrets.secretsType === 'AccountKey' && secrets.key) {
      container = new ContainerClientClass(containerUrl, new StorageSharedKeyCredential(props.accountName, secrets.key), pipelineOptions);
    } else if (secrets.secretsType === 'Sas' && secrets.sasToken) {
      container = new ContainerClientClass(`${containerUrl}?${secrets.sasToken.replace(/^\?/, '')}`, new AnonymousCredential(), pipelineOptions);
    } else {
      container = new ContainerClientClass(containerUrl, client.credential, pipelineOptions);
    }
  }
  return { name: datastore.name, container, containerUrl };
}

/**
 * The blob service URL of a storage account: `<protocol>://<account>.blob.<endpoint suffix>`; an
 * endpoint that is an IP address or `localhost` (a storage emulator, some private deployments) is
 * addressed path style, `<protocol>://<host:port>/<account>`, as Azure Storage does for IP endpoints.
 */
export function blobAccountUrl(accountName: string, endpoint = 'core.windows.net', protocol = 'https'): string {
  const host = endpoint.replace(/^[a-z]+:\/\//i, '').replace(/\/+$/, '');
  const hostname = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.split(':')[0];
  if (isIP(hostname) !== 0 || hostname.toLowerCase() === 'localhost') return `${protocol}://${host}/${accountName}`;
  return `${protocol}://${accountName}.blob.${host}`;
}

/**
 * Uploads files below `prefix` in the container, several at once, each large file in parallel
 * blocks. Blobs are overwritten: the prefix holds a content hash, so two writers of one prefix
 * write the same bytes, and neither fails because the other was first (the "blob already exists"
 * of Azure ML's own client). Returns the bytes sent.
 */
export async function uploadFiles(container: ContainerClient, prefix: string, files: readonly UploadFile[], options: UploadOptions = {}): Promise<number> {
  const total = files.reduce((n, f) => n + f.size, 0);
  let sent = 0;
  await eachAtOnce(files, options.fileConcurrency ?? 8, async (file) => {
    options.abortSignal?.throwIfAborted();
    const blob = container.getBlockBlobClient(posix.join(prefix, file.path));
    try {
      await blob.uploadFile(file.absolute, {
        blockSize: options.blockSize ?? 8 * 1024 * 1024,
        concurrency: options.blockConcurrency ?? 4,
        ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
      });
    } catch (err) {
      throw explain(err, `uploading ${file.path} to ${container.containerName}/${prefix}`);
    }
    sent += file.size;
    options.onProgress?.(sent, total);
  });
  return sent;
}
