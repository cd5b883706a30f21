// File-system watch for the fuzz worker: records every file-system call the validator makes while
// a case runs and flags the ones that touch anything outside the case's repository.
//
// Node's permission model (the worker runs under `--experimental-permission` with read access to
// its bundle and its repository only) stops reads of outside paths by name, but two gaps remain
// that only an in-process watch closes:
//  - the permission model follows symbolic links anywhere (documented in Node 20), so a read
//    through `repo/link -> /elsewhere` succeeds; here every content read is resolved with
//    realpath and must land in the repository;
//  - a denied call throws ERR_ACCESS_DENIED, and code that swallows errors (`try { readdirSync }
//    catch { return }`) would hide the attempt; here the attempt is recorded before the call.
import { isAbsolute, relative, resolve, sep } from 'node:path';

export interface Violation {
  call: string;
  path: string;
  why: 'outside-by-name' | 'outside-through-symlink' | 'write';
}

/** Calls that read a file's or a folder's content: these must resolve into the repository. */
const CONTENT_READS = new Set(['readFile', 'readFileSync', 'open', 'openSync', 'opendir', 'opendirSync', 'readdir', 'readdirSync', 'createReadStream', 'watch', 'watchFile', 'openAsBlob', 'cp', 'cpSync', 'copyFile', 'copyFileSync']);
/** Validation only reads: any of these is a finding wherever it points. */
const WRITES = /^(write|append|mkdir|mkdtemp|rm|rmdir|unlink|rename|copyFile|cp|symlink|link|chmod|chown|lchmod|lchown|utimes|lutimes|truncate|createWriteStream)/;

type AnyFunction = (...args: unknown[]) => unknown;

// The module object itself (not an ES namespace copy), so wrapping its properties reaches every caller.
const fs = require('node:fs') as typeof import('node:fs');

let active: { root: string; realRoot: string; violations: Violation[] } | undefined;
const originalRealpath = fs.realpathSync.native;

function pathOf(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (Buffer.isBuffer(arg)) return arg.toString('utf8');
  if (arg instanceof URL && arg.protocol === 'file:') return decodeURIComponent(arg.pathname);
  return undefined;
}

function inside(root: string, target: string): boolean {
  const r = relative(root, target);
  // `...yml` is a file name in the root, not a way out of it.
  return r === '' || (r !== '..' && !r.startsWith('..' + sep) && !isAbsolute(r));
}

function inspect(call: string, args: unknown[]): void {
  if (!active) return;
  const written = pathOf(args[0]);
  if (WRITES.test(call)) {
    active.violations.push({ call, path: written ?? String(args[0]), why: 'write' });
    return;
  }
  if (written === undefined || written.includes('\0')) return; // fd-based, or a path Node refuses outright
  const absolute = resolve(written);
  if (!inside(active.root, absolute)) {
    active.violations.push({ call, path: absolute, why: 'outside-by-name' });
    return;
  }
  if (!CONTENT_READS.has(call)) return; // stat, lstat, realpath, exists: how the validator finds escapes
  let real: string;
  try {
    real = originalRealpath(absolute);
  } catch {
    return; // does not exist: nothing can be read
  }
  if (!inside(active.realRoot, real)) active.violations.push({ call, path: `${absolute} -> ${real}`, why: 'outside-through-symlink' });
}

function wrap(target: Record<string, unknown>, prefix: string): void {
  for (const name of Object.keys(target)) {
    const original = target[name];
    if (typeof original !== 'function' || /^[A-Z]/.test(name) || name.startsWith('_')) continue;
    const wrapped = function (this: unknown, ...args: unknown[]) {
      inspect(prefix + name, args);
      return (original as AnyFunction).apply(this, args);
    };
    // realpathSync.native and realpath.native are their own functions.
    const native = (original as { native?: unknown }).native;
    if (typeof native === 'function') {
      Object.defineProperty(wrapped, 'native', {
        value: function (this: unknown, ...args: unknown[]) {
          inspect(`${prefix}${name}.native`, args);
          return (native as AnyFunction).apply(this, args);
        },
      });
    }
    try {
      Object.defineProperty(target, name, { value: wrapped, writable: true, configurable: true, enumerable: true });
    } catch {
      // a non-configurable export cannot be wrapped; the permission model still guards it
    }
  }
}

let installed = false;

/** Wraps node:fs (sync, callback and promise forms) once per process. */
export function installFileSystemWatch(): void {
  if (installed) return;
  installed = true;
  wrap(fs.promises as unknown as Record<string, unknown>, 'promises.');
  wrap(fs as unknown as Record<string, unknown>, '');
}

/** Runs `body` with the watch armed for one repository; returns what it found. */
export async function watchFileSystem<T>(repoRoot: string, body: () => Promise<T>): Promise<{ value?: T; error?: unknown; violations: Violation[] }> {
  const violations: Violation[] = [];
  active = { root: resolve(repoRoot), realRoot: originalRealpath(repoRoot), violations };
  try {
    return { value: await body(), violations };
  } catch (error) {
    return { error, violations };
  } finally {
    active = undefined;
  }
}

/** Runs `body` with the watch disarmed: only the self-test uses it, to show the permission model's own refusal. */
export function unwatched<T>(body: () => T): T {
  const armed = active;
  active = undefined;
  try {
    return body();
  } finally {
    active = armed;
  }
}
