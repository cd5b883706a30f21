// Runs a bundled task the way the agent does: `node dist/tasks/<Task>/index.js` with the inputs as
// INPUT_* and the job's variables as SYSTEM_*, BUILD_*, AGENT_* in an otherwise clean environment,
// then reads the logging commands it printed.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { projectRoot } from './fixtures';
import { type LoggingCommand, parseLoggingCommands, taskResult } from './logging-commands';

export interface TaskRun {
  code: number | null;
  stdout: string;
  stderr: string;
  commands: LoggingCommand[];
  result?: { result: string; message: string };
  /** Wall time of the whole process, milliseconds. */
  ms: number;
}

/** The task's bundle; throws a clear error when the build has not produced it. */
export function taskBundle(task: string): string {
  const file = path.join(projectRoot, 'dist', 'tasks', task, 'index.js');
  if (!existsSync(file)) throw new Error(`${path.relative(projectRoot, file)} is missing: run \`npm run build\` first (npm test does).`);
  return file;
}

export interface AgentEnvOptions {
  sourcesDir: string;
  tempDir: string;
  /** Input name → value, as the agent passes them (INPUT_<NAME upper-cased>). */
  inputs: Record<string, string>;
  variables?: Record<string, string>;
}

/** Agent variables become env vars upper-cased with '.' → '_', as the agent does. */
export function agentEnv(o: AgentEnvOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    SYSTEMROOT: process.env.SYSTEMROOT, // Windows needs it for crypto and sockets
    TF_BUILD: 'True',
    AGENT_VERSION: '4.266.2',
    AGENT_TEMPDIRECTORY: o.tempDir,
    AGENT_WORKFOLDER: path.dirname(o.tempDir),
    AGENT_OS: process.platform === 'win32' ? 'Windows_NT' : process.platform === 'darwin' ? 'Darwin' : 'Linux',
    AGENT_JOBNAME: 'Validate',
    BUILD_SOURCESDIRECTORY: o.sourcesDir,
    BUILD_BUILDID: '4242',
    BUILD_REPOSITORY_LOCALPATH: o.sourcesDir,
    SYSTEM_DEFAULTWORKINGDIRECTORY: o.sourcesDir,
    SYSTEM_TEAMFOUNDATIONCOLLECTIONURI: 'https://dev.azure.com/contoso/',
    SYSTEM_TEAMPROJECT: 'ml',
    SYSTEM_HOSTTYPE: 'build',
    SYSTEM_CULTURE: 'en-US',
  };
  for (const [name, value] of Object.entries(o.inputs)) env[`INPUT_${name.replace(/\./g, '_').toUpperCase()}`] = value;
  for (const [name, value] of Object.entries(o.variables ?? {})) env[name.replace(/\./g, '_').toUpperCase()] = value;
  return env;
}

const isolated = new Map<string, string>();

/**
 * A copy of the built task folder outside the repository, as the agent unpacks it: the bundle
 * must not lean on the repository's node_modules. Made once per test process.
 */
export function isolatedTaskBundle(task: string): string {
  let bundle = isolated.get(task);
  if (!bundle) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mlsteps-bundle-'));
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    cpSync(path.dirname(taskBundle(task)), path.join(dir, task), { recursive: true });
    bundle = path.join(dir, task, 'index.js');
    isolated.set(task, bundle);
  }
  return bundle;
}

/** Runs the task's bundle to its end (killed after `timeoutMs`, default 60 s). */
export function runTaskBundle(task: string, env: NodeJS.ProcessEnv, cwd?: string, options: { timeoutMs?: number } = {}): Promise<TaskRun> {
  const bundle = isolatedTaskBundle(task);
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    // The agent starts tasks in System.DefaultWorkingDirectory.
    const child = spawn(process.execPath, [bundle], { env, cwd: cwd ?? env.SYSTEM_DEFAULTWORKINGDIRECTORY ?? path.dirname(bundle), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => child.kill(), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const commands = parseLoggingCommands(stdout);
      resolve({ code, stdout, stderr, commands, result: taskResult(commands), ms: Number(process.hrtime.bigint() - started) / 1e6 });
    });
  });
}

/** Stack-trace lines ("    at fn (file.js:1:2)") anywhere in the output. */
export function stackTraceLines(text: string): string[] {
  return text.split(/\r?\n/).filter((l) => /^\s*at .+[:(]\d+:\d+\)?\s*$/.test(l) || /%0A\s*at .+:\d+:\d+/.test(l));
}
