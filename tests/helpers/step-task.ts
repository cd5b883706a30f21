// MLStepsRun@1 as the agent runs it against the emulator: a sources folder with the credit-risk
// sample, an agent temp folder, the agent's environment with the service connection
// (emulator-connection.ts), and the bundle run as a child process whose stdout is read line by
// line, so a test can signal it at a chosen moment (the agent cancels with SIGINT, then SIGTERM).
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import type { Emulator } from '../emulator';
import { emulatorConnectionEnv, type ConnectionScheme } from './emulator-connection';
import { projectRoot } from './fixtures';
import { parseLoggingCommands, taskResult } from './logging-commands';
import { agentEnv, isolatedTaskBundle, type TaskRun } from './task-runner';

export const RUN_TASK = 'MLStepsRunV1';

export interface StepTaskBox {
  /** Build.SourcesDirectory: the sample is its `ml` folder. */
  sources: string;
  /** Agent.TempDirectory. */
  tempDir: string;
  env: NodeJS.ProcessEnv;
}

/**
 * A folder `root/name` holding the sample and an agent temp folder, and the environment the agent
 * gives MLStepsRun@1: the inputs (project `ml`, wait, streamLogs, createCompute on by default), the
 * build's variables (Build.BuildId = `name` unless `variables` say otherwise) and the connection.
 */
export function stepTaskBox(em: Emulator, root: string, name: string, scheme: ConnectionScheme, inputs: Record<string, string>, variables: Record<string, string> = {}): StepTaskBox {
  const dir = path.join(root, name);
  const sources = path.join(dir, 's');
  const tempDir = path.join(dir, '_temp');
  mkdirSync(tempDir, { recursive: true });
  cpSync(path.join(projectRoot, 'samples', 'credit-risk'), path.join(sources, 'ml'), { recursive: true });
  const env = agentEnv({
    sourcesDir: sources,
    tempDir,
    inputs: { azureSubscription: em.ids.serviceConnectionId, project: 'ml', wait: 'true', streamLogs: 'true', timeoutMinutes: '0', createCompute: 'true', ...inputs },
    variables: {
      'Build.BuildId': name,
      'Build.SourceVersion': '0123456789abcdef0123456789abcdef01234567',
      'Build.Repository.Name': 'contoso/credit',
      'Build.SourceBranch': 'refs/heads/main',
      'System.JobAttempt': '1',
      'System.JobId': `job-${name}`,
      'System.StageName': 'prep',
      ...variables,
    },
  });
  Object.assign(env, emulatorConnectionEnv(em, scheme));
  return { sources, tempDir, env };
}

export interface StreamedRunOptions {
  /** Sees each stdout line as it comes; may signal the child. */
  onLine?: (line: string, child: ChildProcess) => void;
  /** Called once the child is started (e.g. to signal it on a timer). */
  onSpawn?: (child: ChildProcess) => void;
  /** Killed (SIGKILL) after this long; default 90 s. */
  timeoutMs?: number;
}

/** Runs MLStepsRun@1's bundle in `box` to its end, as the agent does, reading stdout line by line. */
export function runStepTaskStreamed(box: StepTaskBox, options: StreamedRunOptions = {}): Promise<TaskRun> {
  const bundle = isolatedTaskBundle(RUN_TASK);
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    // The agent starts tasks in System.DefaultWorkingDirectory, the sources folder.
    const child = spawn(process.execPath, [bundle], { env: box.env, cwd: box.sources, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let pending = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      stdout += s;
      pending += s;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const l of lines) options.onLine?.(l.replace(/\r$/, ''), child);
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 90_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const commands = parseLoggingCommands(stdout);
      resolve({ code, stdout, stderr, commands, result: taskResult(commands), ms: Number(process.hrtime.bigint() - started) / 1e6 });
    });
    options.onSpawn?.(child);
  });
}
