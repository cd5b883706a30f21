// tasks/common/agent.ts in-process: how runTask turns outcomes and errors into the task result.
import './helpers/agent-temp';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tl from 'azure-pipelines-task-lib/task';
import { type Outcome, runTask } from '../tasks/common/agent';
import { InputError } from '../tasks/common/project-input';
import { parseLoggingCommands, taskResult } from './helpers/logging-commands';

let out = '';
tl.setStdStream({ write: (s: string) => ((out += s), true) } as unknown as NodeJS.WritableStream);

async function resultOf(body: (signal: AbortSignal) => Promise<Outcome>) {
  out = '';
  await runTask(body);
  const commands = parseLoggingCommands(out);
  return { complete: taskResult(commands), commands, out };
}

test('runTask reports the outcome as the task result', async () => {
  for (const result of ['Succeeded', 'SucceededWithIssues', 'Failed'] as const) {
    const r = await resultOf(async () => ({ result, message: `outcome ${result}` }));
    assert.deepEqual(r.complete, { result, message: `outcome ${result}` });
    assert.equal(r.commands.filter((c) => c.command === 'task.complete').length, 1);
  }
});

test('runTask shows an InputError as the failure message', async () => {
  const r = await resultOf(async () => {
    throw new InputError('The project path "x" does not exist.');
  });
  assert.deepEqual(r.complete, { result: 'Failed', message: 'The project path "x" does not exist.' });
});

test('runTask turns an unexpected error into one readable line; the stack only in the debug log', async () => {
  const r = await resultOf(async () => {
    throw new TypeError('boom');
  });
  assert.equal(r.complete?.result, 'Failed');
  assert.match(r.complete!.message, /^mlsteps failed unexpectedly: boom\. .*System\.Debug=true/);
  const visible = r.commands.filter((c) => c.command !== 'task.debug');
  assert.ok(visible.every((c) => !/\n\s+at /.test(c.message)), r.out);
  assert.ok(r.commands.some((c) => c.command === 'task.debug' && /\n\s+at /.test(c.message)), 'the stack is in the debug log');
});

test('runTask reports Cancelled when the agent sends SIGINT', async () => {
  const r = await resultOf(
    (signal) =>
      new Promise<Outcome>((_, reject) => {
        signal.addEventListener('abort', () => reject(signal.reason));
        process.emit('SIGINT');
      }),
  );
  assert.deepEqual(r.complete, { result: 'Cancelled', message: 'Cancelled.' });
  assert.equal(process.listenerCount('SIGINT'), 0, 'runTask removes its signal handlers');
});
