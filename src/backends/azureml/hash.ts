import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import type { SnapshotFile } from '../../plan/snapshot';

/**
 * The version of Azure ML's content hash: azure-ai-ml's `get_content_hash_version()`. A code version
 * carries it beside the hash (`properties.hash_version`), and the code-version list filters on both.
 */
export const CONTENT_HASH_VERSION = '202208';

const CHUNK = 1 << 20;
/** How much to hash between turns of the event loop. */
const YIELD_BYTES = 16 << 20;

/**
 * The content hash Azure ML computes for a code snapshot: azure-ai-ml's `get_content_hash` /
 * `_get_file_list_content_hash` (azure/ai/ml/_utils/_asset_utils.py), re-implemented:
 *
 *  1. SHA-256 over: the number of files as decimal text;
 *  2. for each file, sorted by its lower-cased relative path (forward slashes): `#<path>#` then
 *     its size in bytes as decimal text;
 *  3. then, in the same order, every file's bytes, as they are (no line-ending changes: what is
 *     uploaded is what is hashed).
 *
 * Text is UTF-8 (Python's `str.encode()`). Python compares the lower-cased paths by code point and
 * sorts stably; ties (paths equal but for case) keep `files`' order, which listSnapshot makes
 * stable (azure-ai-ml's own order there is the file system's).
 */
export async function contentHash(files: readonly SnapshotFile[], abortSignal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  const sorted = sortLikeAzureML(files);
  hash.update(String(sorted.length), 'utf8');
  for (const file of sorted) {
    hash.update(`#${file.path}#`, 'utf8');
    hash.update(String(file.size), 'utf8');
  }
  // Synchronous reads into one buffer: a round trip to the thread pool per chunk costs more than
  // the read itself. The event loop gets a turn every YIELD_BYTES, so an abort is still noticed.
  const buffer = Buffer.allocUnsafe(CHUNK);
  let sinceYield = 0;
  for (const file of sorted) {
    abortSignal?.throwIfAborted();
    const fd = openSync(file.absolute, 'r');
    try {
      for (;;) {
        const bytesRead = readSync(fd, buffer, 0, CHUNK, null);
        if (bytesRead === 0) break;
        hash.update(bytesRead === CHUNK ? buffer : buffer.subarray(0, bytesRead));
        sinceYield += bytesRead;
        if (sinceYield >= YIELD_BYTES) {
          sinceYield = 0;
          await new Promise<void>((resolve) => setImmediate(resolve));
          abortSignal?.throwIfAborted();
        }
      }
    } finally {
      closeSync(fd);
    }
  }
  return hash.digest('hex');
}

/** The files in the order Azure ML hashes them: by lower-cased path, compared by code point, stable. */
export function sortLikeAzureML<T extends { path: string }>(files: readonly T[]): T[] {
  return files
    .map((file, index) => ({ file, index, key: file.path.toLowerCase() }))
    .sort((a, b) => compareCodePoints(a.key, b.key) || a.index - b.index)
    .map((e) => e.file);
}

function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const ca = ia.next();
    const cb = ib.next();
    if (ca.done) return cb.done ? 0 : -1;
    if (cb.done) return 1;
    const d = ca.value.codePointAt(0)! - cb.value.codePointAt(0)!;
    if (d !== 0) return d;
  }
}

/** SHA-256 (hex) of text: environment versions and other small content keys. */
export function sha256Hex(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}
