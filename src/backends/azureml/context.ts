import type { Workspace } from '@azure/arm-machinelearning';
import type { ArmClient } from './client';
import { explain } from './errors';
import { defaultDatastore, type Datastorage, type UploadOptions } from './storage';
import type { Target } from './target';
import { workspaceId } from './target';

/** What one submission counts: the proof that an unchanged re-run does no work. */
export interface SubmitStats {
  uploadedBytes: number;
  uploadedFiles: number;
  environmentsRegistered: number;
  codeVersionsRegistered: number;
  computesCreated: number;
  jobsSubmitted: number;
}

/**
 * Shared by everything one submission does: the client, progress, and per-submission caches, so
 * steps sharing a compute, an environment or a code folder resolve it once.
 */
export class Context {
  readonly stats: SubmitStats = { uploadedBytes: 0, uploadedFiles: 0, environmentsRegistered: 0, codeVersionsRegistered: 0, computesCreated: 0, jobsSubmitted: 0 };
  private readonly cache = new Map<string, Promise<unknown>>();

  constructor(
    readonly client: ArmClient,
    readonly options: { abortSignal?: AbortSignal; onProgress?: (message: string, step?: string) => void; upload?: UploadOptions; pollIntervalMs?: number } = {},
  ) {}

  get target(): Target {
    return this.client.target;
  }

  get abortSignal(): AbortSignal | undefined {
    return this.options.abortSignal;
  }

  progress(message: string, step?: string): void {
    this.options.onProgress?.(message, step);
  }

  /** The ARM id of something in the workspace, e.g. `computes/cpu-cluster`. */
  armId(relative: string): string {
    return `${workspaceId(this.target)}/${relative}`;
  }

  /** Runs `make` once per key per submission; later callers share its promise (and its failure). */
  once<T>(key: string, make: () => Promise<T>): Promise<T> {
    let p = this.cache.get(key) as Promise<T> | undefined;
    if (!p) {
      p = make();
      this.cache.set(key, p);
      // A failure is reported by every caller; keep it from being an unhandled rejection meanwhile.
      p.catch(() => undefined);
    }
    return p;
  }

  /** The workspace (location, MLflow tracking URI): read once; the first request that needs permissions. */
  workspace(): Promise<Workspace> {
    return this.once('workspace', async () => {
      try {
        return await this.client.sdk.workspaces.get(this.target.resourceGroup, this.target.workspace, { abortSignal: this.abortSignal });
      } catch (err) {
        throw explain(err, `reading workspace "${this.target.workspace}" (resource group "${this.target.resourceGroup}", subscription ${this.target.subscriptionId})`, this.target);
      }
    });
  }

  datastore(): Promise<Datastorage> {
    return this.once('datastore', () => defaultDatastore(this.client, { abortSignal: this.abortSignal, maxTries: this.options.upload?.maxTries, retryDelayInMs: this.options.upload?.retryDelayInMs }));
  }
}
