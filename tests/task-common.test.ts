// The pieces the pipeline tasks share (tasks/common/) and the logging-command parser the task
// tests rely on, checked without running a task.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TaskCommand } from 'azure-pipelines-task-lib/taskcommand';
import type { ValidationResult } from '../src/model/diagnostic';
import { countDiagnostics, describeCounts, diagnosticsToIssues, neutralize } from '../tasks/common/issues';
import { InputError, isGlob, resolveProjectInput } from '../tasks/common/project-input';
import { parseLoggingCommand, parseLoggingCommands, taskResult } from './helpers/logging-commands';

test('the parser undoes task-lib escaping of properties and messages', () => {
  const tricky = 'a%b;c]d\r\ne %AZP25 %3B';
  const line = new TaskCommand('task.logissue', { type: 'error', sourcepath: tricky, code: 'MLS101' }, tricky).toString();
  const parsed = parseLoggingCommand(line);
  assert.equal(parsed?.command, 'task.logissue');
  assert.deepEqual(parsed?.properties, { type: 'error', sourcepath: tricky, code: 'MLS101' });
  assert.equal(parsed?.message, tricky);
});

test('the parser reads commands among plain lines and finds the final result', () => {
  const out = [
    'plain text',
    '##vso[task.debug]x',
    '##vso[task.complete result=SucceededWithIssues;]first',
    '##vso[task.complete result=Failed;]last',
    '',
  ].join('\n');
  const commands = parseLoggingCommands(out);
  assert.deepEqual(commands.map((c) => c.command), ['task.debug', 'task.complete', 'task.complete']);
  assert.deepEqual(taskResult(commands), { result: 'Failed', message: 'last' });
  assert.equal(parseLoggingCommand('no command here'), undefined);
});

test('isGlob tells patterns from paths', () => {
  for (const p of ['**/mlsteps.yml', 'ml/*/mlsteps.yml', 'a?.yml', '{a,b}/mlsteps.yml', '!x']) assert.ok(isGlob(p), p);
  for (const p of ['.', 'ml/credit-risk', 'C:\\repo\\mlsteps.yml', 'runconfigs/a.yml']) assert.ok(!isGlob(p), p);
});

test('resolveProjectInput: paths, globs, and clear errors', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'mlsteps-input-'));
  try {
    mkdirSync(path.join(root, 'a'));
    writeFileSync(path.join(root, 'a', 'mlsteps.yml'), 'runconfigs: []\n');
    const none = () => [];
    assert.deepEqual(resolveProjectInput('.', root, none), [root]);
    assert.deepEqual(resolveProjectInput('', root, none), [root]);
    assert.deepEqual(resolveProjectInput(' "a" ', root, none), [path.join(root, 'a')]);
    assert.deepEqual(resolveProjectInput(path.join(root, 'a', 'mlsteps.yml'), '/elsewhere', none), [path.join(root, 'a', 'mlsteps.yml')]);

    const seen: [string, string[]][] = [];
    const find = (r: string, p: string[]) => (seen.push([r, p]), ['b/mlsteps.yml', path.join(root, 'a', 'mlsteps.yml'), 'b/mlsteps.yml']);
    assert.deepEqual(resolveProjectInput('**/mlsteps.yml', root, find), [path.join(root, 'a', 'mlsteps.yml'), path.join(root, 'b', 'mlsteps.yml')]);
    assert.deepEqual(seen, [[root, ['**/mlsteps.yml', '!**/node_modules/**', '!**/.git/**']]]);

    assert.throws(() => resolveProjectInput('missing/folder', root, none), (e: unknown) => {
      assert.ok(e instanceof InputError);
      assert.match(e.message, /project path "missing\/folder" does not exist/);
      assert.ok(e.message.includes(path.join(root, 'missing', 'folder')));
      return true;
    });
    assert.throws(() => resolveProjectInput('**/nothing.yml', root, none), /No file matches the project pattern "\*\*\/nothing\.yml"/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

const result: ValidationResult = {
  ok: false,
  base: path.resolve('/repo/ml'),
  files: ['mlsteps.yml', 'runconfigs/a.yml'],
  runConfigs: [{ name: 'a', file: 'runconfigs/a.yml' }],
  diagnostics: [
    { file: 'runconfigs/a.yml', line: 4, column: 3, severity: 'error', code: 'MLS101', message: 'unknown key "comptue"', hint: 'did you mean "compute"?' },
    { file: 'runconfigs/a.yml', line: 9, column: 5, severity: 'warning', code: 'MLS121', message: 'input "x ##vso[task.setvariable variable=a]b" is never used' },
    { file: '', line: 0, column: 0, severity: 'error', code: 'MLS006', message: 'no project file' },
  ],
};

test('diagnosticsToIssues: one issue per diagnostic, absolute source path, hint, no smuggled commands', () => {
  const issues = diagnosticsToIssues(result);
  assert.equal(issues.length, 3);
  assert.deepEqual(issues[0], {
    type: 'error',
    message: 'unknown key "comptue" (did you mean "compute"?)',
    sourcePath: path.resolve('/repo/ml/runconfigs/a.yml'),
    line: 4,
    column: 3,
    code: 'MLS101',
  });
  assert.equal(issues[1].type, 'warning');
  assert.ok(!issues[1].message.includes('##vso['));
  assert.deepEqual(issues[2], { type: 'error', message: 'no project file', sourcePath: undefined, line: undefined, column: undefined, code: 'MLS006' });
  assert.equal(neutralize('a ##vso[x] ##vso[y]'), 'a ##_vso[x] ##_vso[y]');
});

test('describeCounts reads well', () => {
  assert.equal(describeCounts(countDiagnostics(result)), '2 errors and 1 warning in 1 run configuration (2 files)');
  assert.equal(describeCounts({ errors: 0, warnings: 0, runConfigs: 7, files: 9 }), 'no problems in 7 run configurations (9 files)');
  assert.equal(describeCounts({ errors: 0, warnings: 2, runConfigs: 2, files: 1 }), '2 warnings in 2 run configurations (1 file)');
});
