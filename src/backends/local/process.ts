import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readdirSync, readFileSync, type WriteStream } from 'node:fs';
import { LineSplitter, Tail } from './lines';

export type Stream = 'stdout' | 'stderr';

export interface ProcessOptions {
  /** A shell command (`sh -c` on POSIX, `cmd /d /s /c` on Windows)… */
  command?: string;
  /** …or a program and its arguments, run without a shell. */
  file?: string;
  args?: string[];
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Stops the process and everything it started (its process group). */
  abortSignal?: AbortSignal;
  /** Stops it after this long; the result says `timed-out`. */
  timeoutMs?: number;
  onLine?: (text: string, stream: Stream) => void;
  /** Every line is appended here too (the step's `std_log.txt`). */
  logFile?: string;
  /** How many of the last lines the result keeps; default 20. */
  tailLines?: number;
  /** After SIGTERM, how long the process group gets before SIGKILL; default 5 s. */
  killGraceMs?: number;
}

export interface ProcessResult {
  outcome: 'exited' | 'cancelled' | 'timed-out' | 'spawn-error';
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Why the process could not start (spawn-error). */
  error?: string;
  lastLines: string[];
  pid?: number;
  durationMs: number;
}

const isWindows = process.platform === 'win32';

/**
 * Runs one command as a child process, streaming its output line by line.
 *
 * On POSIX the child leads a process group of its own (`detached`), so cancelling kills the
 * command *and* whatever it started (a Python script's worker processes, `sleep`, …): SIGTERM to
 * the group, then SIGKILL after the grace period, and the promise settles only when the group is
 * gone. The same clean-up runs when the command exits normally and leaves background processes.
 */
export function runProcess(options: ProcessOptions): Promise<ProcessResult> {
  const started = Date.now();
  const tail = new Tail(options.tailLines ?? 20);
  const grace = options.killGraceMs ?? 5000;
  let log: WriteStream | undefined;
  if (options.logFile) {
    log = createWriteStream(options.logFile, { flags: 'a' });
    log.on('error', () => undefined); // a full disk must not crash the run; the lines still stream
  }
  const line = (stream: Stream) => (text: string) => {
    tail.push(text);
    log?.write(text + '\n');
    options.onLine?.(text, stream);
  };

  return new Promise<ProcessResult>((resolvePromise) => {
    let outcome: ProcessResult['outcome'] = 'exited';
    let child: ChildProcess;
    let settled = false;
    let cleanup = () => undefined as void;
    const finish = (result: Omit<ProcessResult, 'lastLines' | 'durationMs'>) => {
      if (settled) return;
      settled = true;
      cleanup();
      const done = () => resolvePromise({ ...result, lastLines: tail.get(), durationMs: Date.now() - started });
      if (log) log.end(done);
      else done();
    };
    if (options.abortSignal?.aborted) {
      finish({ outcome: 'cancelled', exitCode: null, signal: null });
      return;
    }
    try {
      const spawnOptions = { cwd: options.cwd, env: options.env ?? process.env, detached: !isWindows, windowsHide: true, stdio: ['ignore', 'pipe', 'pipe'] as ['ignore', 'pipe', 'pipe'] };
      if (options.command !== undefined) {
        child = isWindows
          ? spawn(process.env.ComSpec ?? 'cmd.exe', ['/d', '/s', '/c', `"${options.command}"`], { ...spawnOptions, windowsVerbatimArguments: true })
          : spawn('/bin/sh', ['-c', options.command], spawnOptions);
      } else child = spawn(options.file!, options.args ?? [], spawnOptions);
    } catch (err) {
      finish({ outcome: 'spawn-error', exitCode: null, signal: null, error: (err as Error).message });
      return;
    }
    const pid = child.pid;
    const out = new LineSplitter(line('stdout'));
    const err = new LineSplitter(line('stderr'));
    child.stdout!.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => err.push(chunk));

    let killTimer: NodeJS.Timeout | undefined;
    let stopping = false;
    const stop = (why: 'cancelled' | 'timed-out') => {
      if (stopping) return;
      stopping = true;
      outcome = why;
      killGroup(child, 'SIGTERM');
      killTimer = setTimeout(() => killGroup(child, 'SIGKILL'), grace);
    };
    const onAbort = () => stop('cancelled');
    options.abortSignal?.addEventListener('abort', onAbort, { once: true });
    const timeout = options.timeoutMs !== undefined ? setTimeout(() => stop('timed-out'), options.timeoutMs) : undefined;
    cleanup = () => {
      options.abortSignal?.removeEventListener('abort', onAbort);
      if (timeout) clearTimeout(timeout);
      if (killTimer) clearTimeout(killTimer);
    };

    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (exit === undefined && pid === undefined) finish({ outcome: 'spawn-error', exitCode: null, signal: null, error: e.code === 'ENOENT' ? `${options.file ?? 'sh'}: not found` : e.message });
    });
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      // The command is over: background processes it left in its group go too (Azure ML
      // tears the container down at the same point).
      if (!isWindows) killGroup(child, 'SIGTERM');
    });
    child.on('close', async () => {
      out.end();
      err.end();
      if (!isWindows && pid !== undefined) await waitForGroup(pid, stopping ? grace + 2000 : 2000);
      finish({ outcome, exitCode: exit?.code ?? null, signal: exit?.signal ?? null, pid });
    });
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  if (isWindows) {
    // No process groups: taskkill /T walks the tree.
    spawn('taskkill', ['/pid', String(child.pid), '/T', '/F'], { stdio: 'ignore', windowsHide: true }).on('error', () => undefined);
    return;
  }
  try {
    process.kill(-child.pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/** Waits until no process of the group is left, sending SIGKILL when it takes longer than `ms`. */
async function waitForGroup(pgid: number, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (groupAlive(pgid)) {
    if (Date.now() > deadline) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        return;
      }
      await new Promise((r) => setTimeout(r, 50));
      return;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Whether a process of the group still runs. A zombie does not count: an orphan whose parent
 * died is reaped by init, and where init does not reap (some containers) it stays a zombie.
 */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch {
    return false;
  }
  if (process.platform !== 'linux') return true;
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const fields = procStat(Number(entry));
      if (fields && fields.pgrp === pgid && fields.state !== 'Z' && fields.state !== 'X') return true;
    }
    return false;
  } catch {
    return true;
  }
}

/** State and process group of a process from /proc/PID/stat (Linux), undefined when it is gone. */
export function procStat(pid: number): { state: string; pgrp: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0], pgrp: Number(fields[2]) };
  } catch {
    return undefined;
  }
}
