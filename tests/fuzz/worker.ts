// The fuzz worker: a child process, bundled into one file and started under Node's permission
// model with read access to that bundle and to its own repository folder only. The parent writes
// each case's files into the repository and sends the action; the worker runs the product's code
// on it, exactly as `mlsteps validate`, `mlsteps plan` and `mlsteps import` do, and replies with
// what happened: diagnostics, an exception, output on stdout/stderr, file-system violations, time.
import { relative, resolve, sep } from 'node:path';
import { parse } from 'yaml';
import { validatePaths } from '../../src/config';
import { importV1RunConfig } from '../../src/config/import';
import { validateProjectData } from '../../src/config/schema';
import type { Diagnostic } from '../../src/model/diagnostic';
import { planProject } from '../../src/plan';
import { formatJson, formatJunit, formatMarkdown, formatPlanJson, formatPlanText, formatText } from '../../src/report';
import { installFileSystemWatch, unwatched, watchFileSystem, type Violation } from './sandbox';

/** What the parent asks for; paths are relative to the worker's repository. */
export type FuzzAction =
  | { kind: 'validate'; paths: string[] }
  | { kind: 'import'; file: string }
  /** The self-test: a deliberate fault (a read outside the repository, a throw, a hang…), which must be caught. */
  | { kind: 'probe'; probe: ProbeKind; path: string };

export type ProbeKind = 'read-swallowed' | 'readdir-swallowed' | 'read-through-symlink' | 'read-unwatched' | 'throw' | 'write-stderr' | 'slow' | 'hang';

export interface WorkerRequest {
  id: number;
  action: FuzzAction;
}

export interface WorkerReply {
  id: number;
  /** Diagnostics, with `file` made relative to the repository (the product's are relative to the folder it was given). */
  diagnostics: Diagnostic[];
  /** An exception that escaped the product's code, with its stack. */
  error?: string;
  /** Anything written to stdout or stderr while the case ran. */
  output: string;
  violations: Violation[];
  /** Whether `plan` resolved a plan (only tried when validation passed). */
  planned: boolean;
  /** `mlsteps import`'s run configuration, when it wrote one. */
  importText?: string;
  wallMs: number;
  cpuMs: number;
}

const repoDir = process.argv[2];
if (!repoDir) throw new Error('usage: worker.js REPO_DIR');

async function perform(action: FuzzAction): Promise<Pick<WorkerReply, 'diagnostics' | 'planned' | 'importText'>> {
  if (action.kind === 'probe') return { diagnostics: [], planned: false, ...probe(action.probe, action.path) };
  if (action.kind === 'import') {
    const imported = importV1RunConfig(`${repoDir}/${action.file}`, { outputDir: `${repoDir}/runconfigs`, base: repoDir });
    // The import must write YAML that reads back: a run configuration nobody can parse is a crash later.
    if (imported.text !== undefined) parse(imported.text);
    return { diagnostics: imported.diagnostics.map((d) => ({ ...d, file: fromRepo(repoDir, d.file) })), planned: false, importText: imported.text };
  }
  const result = await validatePaths(action.paths, { cwd: repoDir });
  // Every report format the CLI and the tasks print must cope with whatever the diagnostics say.
  formatText(result, { color: true });
  JSON.parse(formatJson(result));
  formatJunit(result);
  formatMarkdown(result);
  let planned = false;
  if (result.ok && action.paths.length === 1) {
    const planResult = await planProject(action.paths[0], { cwd: repoDir });
    if (planResult.plan) {
      formatPlanText(planResult.plan, { color: true });
      JSON.parse(formatPlanJson(planResult.plan));
      planned = true;
    }
  }
  return { diagnostics: result.diagnostics.map((d) => ({ ...d, file: fromRepo(result.base, d.file) })), planned };
}

function fromRepo(base: string, file: string): string {
  return relative(repoDir, resolve(base, file)).split(sep).join('/');
}

/** Deliberate outside reads for the self-test; each must show up as a violation or an error. */
function probe(kind: ProbeKind, path: string): { importText?: string } {
  const fs = require('node:fs') as typeof import('node:fs');
  switch (kind) {
    case 'read-swallowed':
      // The permission model refuses this, but the refusal is swallowed: only the watch sees it.
      try {
        fs.readFileSync(path);
      } catch {
        /* swallowed on purpose */
      }
      return {};
    case 'readdir-swallowed':
      try {
        fs.readdirSync(path);
      } catch {
        /* swallowed on purpose */
      }
      return {};
    case 'read-through-symlink':
      // `path` is a link inside the repository to a file outside: the permission model lets it through.
      return { importText: fs.readFileSync(path, 'utf8') };
    case 'read-unwatched':
      // As if through a call the watch does not wrap: the permission model must refuse it (and the
      // refusal escapes as an error, since nothing swallows it here).
      return { importText: unwatched(() => fs.readFileSync(path, 'utf8')) };
    case 'throw':
      throw new TypeError(`deliberate failure reading ${path}`);
    case 'write-stderr':
      console.error(new Error('deliberate stack trace').stack);
      return {};
    case 'slow':
    case 'hang': {
      // Synchronous, as a runaway regular expression or loop would be: nothing else can run.
      const until = kind === 'slow' ? Date.now() + 1200 : Infinity;
      while (Date.now() < until) {
        /* spin */
      }
      return {};
    }
  }
}

function capture(): { restore: () => string } {
  const chunks: string[] = [];
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const grab = (chunk: unknown) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    return true;
  };
  process.stdout.write = grab as typeof process.stdout.write;
  process.stderr.write = grab as typeof process.stderr.write;
  return {
    restore: () => {
      process.stdout.write = out;
      process.stderr.write = err;
      return chunks.join('');
    },
  };
}

installFileSystemWatch();
process.on('message', (message: WorkerRequest) => {
  void (async () => {
    const output = capture();
    const cpu = process.cpuUsage();
    const started = performance.now();
    const watched = await watchFileSystem(repoDir, () => perform(message.action));
    const wallMs = performance.now() - started;
    const used = process.cpuUsage(cpu);
    const reply: WorkerReply = {
      id: message.id,
      diagnostics: watched.value?.diagnostics ?? [],
      planned: watched.value?.planned ?? false,
      importText: watched.value?.importText,
      output: output.restore(),
      violations: watched.violations,
      wallMs,
      cpuMs: (used.user + used.system) / 1000,
    };
    if (watched.error !== undefined) {
      const error = watched.error as NodeJS.ErrnoException;
      reply.error = error instanceof Error ? `${error.code ? `${error.code}: ` : ''}${error.stack ?? error.message}` : String(error);
    }
    process.send!(reply);
  })();
});
// Compile the schemas before the first case, so its time is the validation's, not the set-up's.
validateProjectData({});
process.send!({ ready: true });
