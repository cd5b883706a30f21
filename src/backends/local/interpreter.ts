import { createHash } from 'node:crypto';
import { accessSync, chmodSync, constants, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const isWindows = process.platform === 'win32';

/**
 * The interpreters to try when none is given: `python3` on PATH, then the system's
 * `/usr/bin/python3` (where Debian's python3-* packages install), so a pyenv or other Python
 * first on PATH that lacks the packages does not hide the one that has them.
 */
export function interpreterCandidates(python?: string): string[] {
  if (python) return [python];
  if (isWindows) return ['python', 'py'];
  return existsSync('/usr/bin/python3') ? ['python3', '/usr/bin/python3'] : ['python3'];
}

/**
 * A folder to put first on PATH so that the command's `python` and `python3` are the chosen
 * interpreter (Azure ML's images have both; Debian has only `python3`). Small scripts that
 * `exec` the interpreter, not symlinks, so a virtual environment's Python stays in its venv.
 */
export function writeShim(root: string, executable: string): string {
  const dir = join(root, createHash('sha256').update(executable).digest('hex').slice(0, 12));
  if (existsSync(dir)) return dir;
  mkdirSync(dir, { recursive: true });
  for (const name of ['python', 'python3']) {
    if (isWindows) writeFileSync(join(dir, `${name}.cmd`), `@"${executable}" %*\r\n`);
    else {
      const file = join(dir, name);
      writeFileSync(file, `#!/bin/sh\nexec '${executable.replace(/'/g, `'\\''`)}' "$@"\n`);
      chmodSync(file, 0o755);
    }
  }
  return dir;
}

/** PATH with `dirs` first. */
export function prependPath(env: NodeJS.ProcessEnv, dirs: string[]): NodeJS.ProcessEnv {
  const key = Object.keys(env).find((k) => k.toUpperCase() === 'PATH') ?? 'PATH';
  const sep = isWindows ? ';' : ':';
  return { ...env, [key]: [...dirs, env[key] ?? ''].filter(Boolean).join(sep) };
}

/** The first `name` on PATH, as an absolute path. */
export function which(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const key = Object.keys(env).find((k) => k.toUpperCase() === 'PATH') ?? 'PATH';
  const exts = isWindows ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : [''];
  for (const dir of (env[key] ?? '').split(isWindows ? ';' : ':')) {
    if (!dir) continue;
    for (const ext of exts) {
      const file = join(dir, name + ext);
      try {
        if (!statSync(file).isFile()) continue;
        if (!isWindows) accessSync(file, constants.X_OK);
        return file;
      } catch {
        continue;
      }
    }
  }
  return undefined;
}
