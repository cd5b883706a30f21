// The parent side of the fuzz suite: bundles the worker, starts it under Node's permission model,
// writes each case's files into the worker's repository, runs the case with a deadline, and
// checks the properties every case must have whatever its input.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';
import { oneLine } from '../../src/config/diagnostics';
import { DIAGNOSTIC_CODES } from '../../src/model/codes';
import type { FuzzAction, WorkerReply, WorkerRequest } from './worker';

/** Stands for the folder beside the repository (outside it) in symlink targets and file text. */
export const OUTSIDE = '@@outside@@';

export type FileContent = string | Uint8Array | { symlink: string } | { repeat: string; bytes: number };
/** Files of a case's repository, by path relative to it; `.git` is always there. */
export type CaseTree = Record<string, FileContent>;

export interface FuzzCase {
  /** Which generator or named case it is, for the report. */
  label: string;
  tree: CaseTree;
  action: FuzzAction;
  /** Codes that must be among the diagnostics (named cases; generated cases have none). */
  expectCodes?: string[];
  /** Findings that must be among the diagnostics: a code, in a file, whose message names a value. */
  expectFindings?: { code: string; file?: string; mentions?: string }[];
  /** The input is bad: at least one error must say so (named cases). */
  expectNotOk?: boolean;
  /** The input is good: nothing may be reported (named cases). */
  expectNoDiagnostics?: boolean;
}

export interface CaseOutcome {
  reply?: WorkerReply;
  /** No reply within the watchdog (this many ms): the worker was killed, and starts afresh for the next case. */
  hung?: number;
  /** What the worker wrote on its own stdout/stderr (outside the capture of a case) while it ran. */
  stray?: string;
  /** The worker died while running the case. */
  died?: string;
}

/** More than this per case is a hang. Cases are measured, and one over it is run again to confirm. */
export const CASE_DEADLINE_MS = 1000;
/** With no reply by then the worker is killed: a loop that never ends must not stall the suite. */
export const WATCHDOG_MS = 15_000;

/** What sits outside the repository: readable content, so a leak would parse and go on. */
const OUTSIDE_FILES: Record<string, string> = {
  'secret.yml': 'code: .\ncommand: python secret.py\nenvironment: {image: secret}\ncompute: local\n',
  'mlsteps.yml': 'runconfigs: ["*.yml"]\n',
  'conda.yml': 'name: outside\ndependencies:\n  - python=3.10\n',
  'secret.py': 'print("secret")\n',
  'secret.runconfig': 'script: secret.py\ntarget: local\n',
  'src/train.py': 'print("outside")\n',
  'src/conf.yml': 'a: 1\n',
};

/** The worker is the product's code plus the watch, bundled into one file it may read (one per sandbox, removed with it). */
async function bundleWorker(root: string): Promise<string> {
  const outfile = join(root, 'worker.js');
  await build({ entryPoints: [join(__dirname, 'worker.ts')], bundle: true, platform: 'node', target: 'node20', format: 'cjs', outfile, logLevel: 'error', sourcemap: 'inline' });
  return outfile;
}

/** A worker process and the repository folder it may read; cases run one at a time. */
export class Sandbox {
  private child?: ChildProcess;
  private nextId = 1;
  private pending?: { id: number; resolve: (o: CaseOutcome) => void; timer: NodeJS.Timeout };
  private stderr = '';

  private constructor(readonly root: string, readonly repoDir: string, readonly outsideDir: string, private readonly workerFile: string, private readonly watchdogMs: number) {}

  static async start(options: { watchdogMs?: number } = {}): Promise<Sandbox> {
    const root = mkdtempSync(join(tmpdir(), 'mlsteps-fuzz-'));
    const repoDir = join(root, 'repo');
    const outsideDir = join(root, 'outside');
    mkdirSync(join(repoDir, '.git'), { recursive: true });
    for (const [path, text] of Object.entries(OUTSIDE_FILES)) {
      mkdirSync(dirname(join(outsideDir, path)), { recursive: true });
      writeFileSync(join(outsideDir, path), text);
    }
    const sandbox = new Sandbox(root, repoDir, outsideDir, await bundleWorker(root), options.watchdogMs ?? WATCHDOG_MS);
    await sandbox.spawn();
    return sandbox;
  }

  private spawn(): Promise<void> {
    this.stderr = '';
    const child = fork(this.workerFile, [this.repoDir], {
      execArgv: ['--experimental-permission', '--no-warnings', '--max-old-space-size=512', `--allow-fs-read=${this.workerFile}`, `--allow-fs-read=${this.repoDir}/`],
      env: { ...process.env, NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    this.child = child;
    child.stdout?.on('data', (d: Buffer) => (this.stderr += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()));
    child.on('exit', (code, signal) => {
      if (this.child !== child) return;
      this.child = undefined;
      const p = this.pending;
      if (p) {
        clearTimeout(p.timer);
        this.pending = undefined;
        p.resolve({ died: `worker exited (${signal ?? code}): ${this.stderr.slice(-4000)}` });
      }
    });
    return new Promise((resolve, reject) => {
      const onMessage = (m: unknown) => {
        if ((m as { ready?: boolean }).ready) {
          child.off('message', onMessage);
          child.on('message', (reply: WorkerReply) => this.onReply(reply));
          resolve();
        }
      };
      child.on('message', onMessage);
      child.once('exit', (code) => reject(new Error(`fuzz worker did not start (${code}): ${this.stderr}`)));
    });
  }

  private onReply(reply: WorkerReply): void {
    const p = this.pending;
    if (!p || p.id !== reply.id) return;
    clearTimeout(p.timer);
    this.pending = undefined;
    p.resolve({ reply });
  }

  /** Replaces the repository's files (all but `.git`) with the case's. */
  writeTree(tree: CaseTree): void {
    for (const entry of readdirSync(this.repoDir)) if (entry !== '.git') rmSync(join(this.repoDir, entry), { recursive: true, force: true });
    for (const [path, content] of Object.entries(tree)) {
      const abs = join(this.repoDir, path);
      mkdirSync(dirname(abs), { recursive: true });
      rmSync(abs, { recursive: true, force: true });
      if (typeof content === 'string') writeFileSync(abs, content.split(OUTSIDE).join(this.outsideDir));
      else if (content instanceof Uint8Array) writeFileSync(abs, content);
      else if ('symlink' in content) symlinkSync(content.symlink.split(OUTSIDE).join(this.outsideDir), abs);
      else writeLarge(abs, content.repeat, content.bytes);
    }
  }

  async run(testCase: FuzzCase): Promise<CaseOutcome> {
    this.writeTree(testCase.tree);
    if (!this.child) await this.spawn();
    const child = this.child!;
    const id = this.nextId++;
    this.stderr = '';
    const outcome = await new Promise<CaseOutcome>((resolve) => {
      const timer = setTimeout(() => {
        this.pending = undefined;
        this.child = undefined;
        child.kill('SIGKILL');
        resolve({ hung: this.watchdogMs });
      }, this.watchdogMs);
      this.pending = { id, resolve, timer };
      const request: WorkerRequest = { id, action: testCase.action };
      child.send(request);
    });
    if (outcome.reply && this.stderr) outcome.stray = this.stderr;
    return outcome;
  }

  async close(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill();
      await exited;
    }
    rmSync(this.root, { recursive: true, force: true });
  }
}

function writeLarge(abs: string, unit: string, bytes: number): void {
  const chunk = unit.repeat(Math.max(1, Math.floor(65536 / unit.length)));
  const parts: string[] = [];
  for (let size = 0; size < bytes; size += chunk.length) parts.push(chunk);
  writeFileSync(abs, parts.join(''));
}

/** The properties every case must have; an empty list means it passed. */
export function problemsOf(testCase: FuzzCase, outcome: CaseOutcome): string[] {
  if (outcome.hung) return [`no answer within ${outcome.hung / 1000} s: a hang`];
  if (outcome.died) return [outcome.died];
  const reply = outcome.reply!;
  const problems: string[] = [];
  if (reply.error) problems.push(`threw: ${reply.error}`);
  if (reply.output) problems.push(`wrote to stdout/stderr: ${reply.output.slice(0, 2000)}`);
  if (outcome.stray) problems.push(`the worker wrote: ${outcome.stray.slice(0, 2000)}`);
  for (const v of reply.violations) problems.push(`file system: ${v.why} — ${v.call}(${v.path})`);
  if (reply.wallMs > CASE_DEADLINE_MS) problems.push(`took ${reply.wallMs.toFixed(0)} ms (deadline ${CASE_DEADLINE_MS} ms)`);
  const texts = new Map<string, string>();
  for (const [path, content] of Object.entries(testCase.tree)) if (typeof content === 'string') texts.set(path, content);
  for (const d of reply.diagnostics) {
    const where = `${d.file}:${d.line}:${d.column} ${d.code}`;
    if (!(d.code in DIAGNOSTIC_CODES)) problems.push(`${where}: unknown code`);
    else if (DIAGNOSTIC_CODES[d.code].severity !== d.severity) problems.push(`${where}: severity ${d.severity} is not the code's`);
    if (!Number.isInteger(d.line) || d.line < 1 || !Number.isInteger(d.column) || d.column < 1) problems.push(`${where}: position is not 1-based`);
    if (typeof d.message !== 'string' || d.message.length === 0) problems.push(`${where}: no message`);
    // One line of text each: a newline or an escape sequence from a file would forge lines (or a
    // `##vso[` command) in a build log, and repaint a terminal.
    for (const [part, text] of [['message', d.message], ['hint', d.hint ?? '']] as const) {
      if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(text)) problems.push(`${where}: the ${part} holds a control character: ${JSON.stringify(text.slice(0, 300))}`);
    }
    if (d.file.startsWith('..') || d.file.startsWith('/')) problems.push(`${where}: names a file outside the repository`);
    const text = texts.get(d.file);
    if (text !== undefined && d.line > text.split('\n').length + 1) problems.push(`${where}: line is past the end of the file`);
  }
  if (testCase.expectNotOk && !reply.diagnostics.some((d) => d.severity === 'error')) problems.push(`expected an error; got ${JSON.stringify(reply.diagnostics.map((d) => `${d.file}:${d.line} ${d.code} ${d.message}`))}`);
  if (testCase.expectNoDiagnostics && reply.diagnostics.length > 0) problems.push(`expected no diagnostics; got ${JSON.stringify(reply.diagnostics.map((d) => `${d.file}:${d.line} ${d.code} ${d.message}`))}`);
  for (const want of testCase.expectFindings ?? []) {
    // Messages show control characters as escapes; the value is looked for as it is shown.
    const shownValue = want.mentions === undefined ? undefined : oneLine(want.mentions.split(OUTSIDE).join(''));
    const found = reply.diagnostics.some((d) => d.code === want.code && (want.file === undefined || d.file === want.file) && (shownValue === undefined || d.message.includes(shownValue)));
    if (!found) problems.push(`expected ${want.code}${want.file ? ` in ${want.file}` : ''}${want.mentions !== undefined ? ` naming ${JSON.stringify(want.mentions)}` : ''}; got ${JSON.stringify(reply.diagnostics.map((d) => `${d.file}:${d.line} ${d.code} ${d.message}`))}`);
  }
  for (const code of testCase.expectCodes ?? []) {
    if (!reply.diagnostics.some((d) => d.code === code)) problems.push(`expected ${code}; got ${JSON.stringify(reply.diagnostics.map((d) => `${d.file}:${d.line} ${d.code} ${d.message}`))}`);
  }
  return problems;
}
