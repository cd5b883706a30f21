import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BlobSASPermissions,
  BlobServiceClient,
  ContainerSASPermissions,
  StorageSharedKeyCredential,
  generateBlobSASQueryParameters,
  type ContainerClient,
} from '@azure/storage-blob';

/** Azurite's well-known development account (public, documented by Microsoft). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface Azurite {
  /** `http://127.0.0.1:PORT` */
  serviceUrl: string;
  /** `http://127.0.0.1:PORT/devstoreaccount1` */
  endpoint: string;
  port: number;
  pid: number;
  accountName: string;
  accountKey: string;
  connectionString: string;
  service: BlobServiceClient;
  container(name: string): ContainerClient;
  /** A read (or read/write) SAS URL for a blob. */
  blobSasUrl(container: string, blob: string, options?: { write?: boolean; expiresInSeconds?: number }): string;
  /** A container SAS URL (read, add, create, write, list). */
  containerSasUrl(container: string, options?: { write?: boolean; expiresInSeconds?: number }): string;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) {
      try {
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

/** Starts Azurite's blob service on 127.0.0.1 (a free port unless given), in memory, and creates the containers. */
export async function startAzurite(options: { port?: number; containers: string[]; timeoutMs?: number; /** Removed by Azurite's process if ours dies first. */ cleanupDir?: string }): Promise<Azurite> {
  installExitHook();
  const cwd = mkdtempSync(join(tmpdir(), 'mlsteps-azurite-'));
  const main = require.resolve('azurite/dist/src/blob/main.js');
  const args = [
    join(__dirname, 'azurite-child.cjs'),
    '--blobHost',
    '127.0.0.1',
    '--blobPort',
    String(options.port ?? 0),
    '--inMemoryPersistence',
    '--extentMemoryLimit',
    '1024',
    '--disableTelemetry',
    '--silent',
    '--skipApiVersionCheck',
    '--loose',
    '--disableProductStyleUrl',
  ];
  const child = spawn(process.execPath, args, {
    cwd,
    env: { ...process.env, MLSTEPS_AZURITE_MAIN: main, NODE_OPTIONS: '', MLSTEPS_EMULATOR_TMP: options.cleanupDir ?? '' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  live.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  exited.then(() => live.delete(child)).catch(() => undefined);

  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Azurite did not start within ${options.timeoutMs ?? 20000} ms:\n${output}`)), options.timeoutMs ?? 20000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const m = /successfully listens on https?:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Azurite exited (${code}) before listening:\n${output}`));
    });
  }).catch(async (err) => {
    child.kill('SIGKILL');
    await exited;
    rmSync(cwd, { recursive: true, force: true });
    throw err;
  });
  // Keep draining its output so it never blocks on a full pipe.
  child.stdout?.resume();
  child.stderr?.resume();

  const serviceUrl = `http://127.0.0.1:${port}`;
  const endpoint = `${serviceUrl}/${AZURITE_ACCOUNT}`;
  const credential = new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY);
  const service = new BlobServiceClient(endpoint, credential, { retryOptions: { maxTries: 3, retryDelayInMs: 50 } });
  for (const name of options.containers) {
    await service.getContainerClient(name).createIfNotExists();
  }

  const expiry = (seconds = 3600) => ({ startsOn: new Date(Date.now() - 300_000), expiresOn: new Date(Date.now() + seconds * 1000) });
  let stopped: Promise<void> | undefined;
  return {
    serviceUrl,
    endpoint,
    port,
    pid: child.pid ?? -1,
    accountName: AZURITE_ACCOUNT,
    accountKey: AZURITE_KEY,
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=${endpoint};`,
    service,
    container: (name) => service.getContainerClient(name),
    blobSasUrl(container, blob, opts = {}) {
      const sas = generateBlobSASQueryParameters(
        { containerName: container, blobName: blob, permissions: BlobSASPermissions.parse(opts.write ? 'racwd' : 'r'), ...expiry(opts.expiresInSeconds) },
        credential,
      ).toString();
      return `${endpoint}/${container}/${blob.split('/').map(encodeURIComponent).join('/')}?${sas}`;
    },
    containerSasUrl(container, opts = {}) {
      const sas = generateBlobSASQueryParameters(
        { containerName: container, permissions: ContainerSASPermissions.parse(opts.write ? 'racwdl' : 'rl'), ...expiry(opts.expiresInSeconds) },
        credential,
      ).toString();
      return `${endpoint}/${container}?${sas}`;
    },
    stop() {
      stopped ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.stdin?.end();
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
          await exited;
          clearTimeout(timer);
        }
        rmSync(cwd, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}
