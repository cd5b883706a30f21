// MLStepsValidate@1 end to end, run as the agent runs it: `node dist/tasks/MLStepsValidateV1/index.js`
// with INPUT_*, BUILD_*, SYSTEM_*, AGENT_* set, and its logging commands read back from stdout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { validatePaths } from '../src/config/index';
import { projectRoot } from './helpers/fixtures';
import type { LoggingCommand } from './helpers/logging-commands';
import { agentEnv, runTaskBundle, stackTraceLines, type TaskRun } from './helpers/task-runner';
import { TASK_PROJECT_BASE } from './helpers/project';

const TASK = 'MLStepsValidateV1';

/** A valid project: two run configurations sharing a compute, an environment and a dataset. */
const VALID: Record<string, string> = {
  ...TASK_PROJECT_BASE,
  'runconfigs/prep.yml': [
    'command: python train.py --data ${{inputs.data}}',
    'code: ../src',
    'environment: sklearn',
    'compute: cpu-cluster',
    'inputs:',
    '  data: {dataset: subset}',
    '',
  ].join('\n'),
  'runconfigs/train.yml': [
    'command: python train.py --data ${{inputs.data}} --alpha ${{inputs.alpha}}',
    'code: ../src',
    'environment: sklearn',
    'compute: cpu-cluster',
    'inputs:',
    '  data: {dataset: subset}',
    '  alpha: 0.5',
    '',
  ].join('\n'),
};

/** An unknown key (line 5) and an environment that is not in the catalog (line 3, column 14). */
const BROKEN: Record<string, string> = {
  ...VALID,
  'runconfigs/train.yml': [
    'command: python train.py --data ${{inputs.data}} --alpha ${{inputs.alpha}}',
    'code: ../src',
    'environment: sklern',
    'compute: cpu-cluster',
    'tagz: {team: credit}',
    'inputs:',
    '  data: {dataset: subset}',
    '  alpha: 0.5',
    '',
  ].join('\n'),
};

/** Only a warning: input `alpha` (line 7, column 3) is never used by the command. */
const WARNING_ONLY: Record<string, string> = {
  ...VALID,
  'runconfigs/train.yml': [
    'command: python train.py --data ${{inputs.data}}',
    'code: ../src',
    'environment: sklearn',
    'compute: cpu-cluster',
    'inputs:',
    '  data: {dataset: subset}',
    '  alpha: 0.5',
    '',
  ].join('\n'),
};

interface Sandbox {
  sources: string;
  agentTemp: string;
  cleanup(): void;
}

/** A sources directory (projects written under it at `at`) and an agent temp directory. */
function sandbox(projects: Record<string, Record<string, string>>): Sandbox {
  // Real path: on macOS the temp folder is behind a symlink, on Windows maybe an 8.3 short name.
  const root = realpathSync.native(mkdtempSync(path.join(os.tmpdir(), 'mlsteps-task-')));
  const sources = path.join(root, 's');
  const agentTemp = path.join(root, '_temp');
  mkdirSync(agentTemp, { recursive: true });
  for (const [at, files] of Object.entries(projects)) {
    for (const [name, content] of Object.entries(files)) {
      const file = path.join(sources, at, name);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, content);
    }
  }
  mkdirSync(sources, { recursive: true });
  return { sources, agentTemp, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

function run(box: Sandbox, inputs: { project: string; failOnWarnings?: string; publishTestResults?: string }): Promise<TaskRun> {
  return runTaskBundle(
    TASK,
    agentEnv({
      sourcesDir: box.sources,
      tempDir: box.agentTemp,
      inputs: { failOnWarnings: 'false', publishTestResults: 'true', ...inputs },
    }),
  );
}

const only = (r: TaskRun, command: string): LoggingCommand[] => r.commands.filter((c) => c.command === command);
const issues = (r: TaskRun) => only(r, 'task.logissue');

/** What went wrong, for assertion messages: the output without debug lines. */
const shown = (r: TaskRun) => r.stdout.split(/\r?\n/).filter((l) => !l.startsWith('##vso[task.debug]')).join('\n') + r.stderr;

function publishedJUnit(r: TaskRun): string {
  const published = only(r, 'results.publish');
  assert.equal(published.length, 1, `expected one results.publish:\n${shown(r)}`);
  assert.equal(published[0].properties.type, 'JUnit');
  const file = published[0].properties.resultFiles;
  assert.ok(file && existsSync(file), `the published JUnit file ${file} does not exist`);
  return readFileSync(file, 'utf8');
}

function uploadedSummary(r: TaskRun, agentTemp: string): string {
  const uploads = only(r, 'task.uploadsummary');
  assert.equal(uploads.length, 1, `expected one task.uploadsummary:\n${shown(r)}`);
  const file = uploads[0].message;
  assert.ok(existsSync(file), `the uploaded summary ${file} does not exist`);
  assert.ok(path.resolve(file).startsWith(path.resolve(agentTemp) + path.sep), `summary ${file} is not under Agent.TempDirectory`);
  assert.ok(file.endsWith('.md'));
  return readFileSync(file, 'utf8');
}

const testcaseNames = (junit: string) => [...junit.matchAll(/<testcase name="([^"]*)"/g)].map((m) => m[1]).sort();

test('a valid project: Succeeded, one JUnit test case per run configuration, a summary', async () => {
  const box = sandbox({ ml: VALID });
  try {
    const r = await run(box, { project: 'ml' });
    assert.equal(r.result?.result, 'Succeeded', shown(r));
    assert.match(r.result!.message, /no problems in 2 run configurations/);
    assert.deepEqual(issues(r), []);
    const junit = publishedJUnit(r);
    assert.deepEqual(testcaseNames(junit), ['prep', 'train']);
    assert.ok(!junit.includes('<failure'), junit);
    assert.ok(path.resolve(only(r, 'results.publish')[0].properties.resultFiles).startsWith(path.resolve(box.agentTemp)));
    assert.ok(uploadedSummary(r, box.agentTemp).trim().length > 0);
    assert.equal(r.stderr, '');
    assert.equal(only(r, 'task.complete').length, 1);
  } finally {
    box.cleanup();
  }
});

test('an unknown key and a bad catalog reference: one issue per diagnostic on its file, line and column; Failed', async () => {
  const box = sandbox({ ml: BROKEN });
  try {
    const r = await run(box, { project: 'ml' });
    assert.equal(r.result?.result, 'Failed', shown(r));
    assert.match(r.result!.message, /2 errors in 2 run configurations/);

    // Exactly what the core reports, one task.logissue each, in order.
    const expected = await validatePaths([path.join(box.sources, 'ml')], { cwd: box.sources });
    const got = issues(r);
    assert.equal(got.length, expected.diagnostics.length, shown(r));
    expected.diagnostics.forEach((d, i) => {
      assert.deepEqual(got[i].properties, {
        type: d.severity,
        code: d.code,
        sourcepath: path.join(expected.base, d.file),
        linenumber: String(d.line),
        columnnumber: String(d.column),
      });
      assert.ok(got[i].message.startsWith(d.message), `${got[i].message} does not start with ${d.message}`);
    });

    // And the two findings this project was written to have.
    const train = path.join(box.sources, 'ml', 'runconfigs', 'train.yml');
    const at = (code: string) => got.find((c) => c.properties.code === code)?.properties;
    assert.deepEqual(at('MLS104'), { type: 'error', code: 'MLS104', sourcepath: train, linenumber: '3', columnnumber: '14' });
    assert.deepEqual(at('MLS101'), { type: 'error', code: 'MLS101', sourcepath: train, linenumber: '5', columnnumber: '1' });
    assert.match(got.find((c) => c.properties.code === 'MLS101')!.message, /did you mean "tags"/);

    // The failing run configuration fails on the Tests tab too, and the summary is still uploaded.
    const junit = publishedJUnit(r);
    assert.deepEqual(testcaseNames(junit), ['prep', 'train']);
    assert.match(junit, /<testcase name="train"[^>]*>\s*<failure/);
    uploadedSummary(r, box.agentTemp);
  } finally {
    box.cleanup();
  }
});

test('warnings only: SucceededWithIssues, or Failed with failOnWarnings', async () => {
  const box = sandbox({ ml: WARNING_ONLY });
  try {
    const lenient = await run(box, { project: 'ml', failOnWarnings: 'false' });
    assert.equal(lenient.result?.result, 'SucceededWithIssues', shown(lenient));
    assert.match(lenient.result!.message, /1 warning in 2 run configurations/);
    assert.deepEqual(
      issues(lenient).map((c) => c.properties),
      [{ type: 'warning', code: 'MLS121', sourcepath: path.join(box.sources, 'ml', 'runconfigs', 'train.yml'), linenumber: '7', columnnumber: '3' }],
    );

    const strict = await run(box, { project: 'ml', failOnWarnings: 'true' });
    assert.equal(strict.result?.result, 'Failed', shown(strict));
    // Still reported as a warning: failOnWarnings changes the verdict, not the finding.
    assert.deepEqual(issues(strict).map((c) => c.properties.type), ['warning']);
  } finally {
    box.cleanup();
  }
});

test('a project path that does not exist: Failed with a readable message, no stack trace', async () => {
  const box = sandbox({ ml: VALID });
  try {
    const r = await run(box, { project: 'no/such/folder' });
    assert.equal(r.result?.result, 'Failed', shown(r));
    assert.match(r.result!.message, /project path "no\/such\/folder" does not exist/);
    assert.ok(r.result!.message.includes(path.join(box.sources, 'no', 'such', 'folder')), r.result!.message);
    assert.deepEqual(stackTraceLines(shown(r)), []);
    assert.equal(r.stderr, '');
    assert.deepEqual(only(r, 'results.publish'), []);
    assert.deepEqual(only(r, 'task.uploadsummary'), []);
    // The one error the run shows is the result's own message.
    assert.deepEqual(only(r, 'task.issue').map((c) => c.message), [r.result!.message]);
  } finally {
    box.cleanup();
  }
});

test('a glob that matches nothing: Failed with a readable message', async () => {
  const box = sandbox({ ml: VALID });
  try {
    const r = await run(box, { project: 'other/**/mlsteps.yml' });
    assert.equal(r.result?.result, 'Failed', shown(r));
    assert.match(r.result!.message, /No file matches the project pattern "other\/\*\*\/mlsteps\.yml"/);
    assert.deepEqual(stackTraceLines(shown(r)), []);
  } finally {
    box.cleanup();
  }
});

test('a glob matching two projects validates both, and skips node_modules', async () => {
  // A dependency shipping an mlsteps.yml (here a broken one) is not the user's project.
  const box = sandbox({ 'teams/a': VALID, 'teams/b': BROKEN, 'node_modules/some-package': BROKEN });
  try {
    const r = await run(box, { project: '**/mlsteps.yml' });
    assert.equal(r.result?.result, 'Failed', shown(r));
    assert.match(r.result!.message, /2 errors in 4 run configurations/);
    const paths = new Set(issues(r).map((c) => c.properties.sourcepath));
    assert.deepEqual([...paths], [path.join(box.sources, 'teams', 'b', 'runconfigs', 'train.yml')]);
    assert.equal(testcaseNames(publishedJUnit(r)).length, 4);
  } finally {
    box.cleanup();
  }
});

test('an absolute path (as the agent passes filePath inputs), and publishTestResults false', async () => {
  const box = sandbox({ ml: VALID });
  try {
    const r = await run(box, { project: path.join(box.sources, 'ml', 'mlsteps.yml'), publishTestResults: 'false' });
    assert.equal(r.result?.result, 'Succeeded', shown(r));
    assert.deepEqual(only(r, 'results.publish'), []);
    uploadedSummary(r, box.agentTemp);
  } finally {
    box.cleanup();
  }
});

test('the credit-risk sample: Succeeded', async (t) => {
  const sample = path.join(projectRoot, 'samples', 'credit-risk');
  if (!existsSync(path.join(sample, 'mlsteps.yml'))) {
    t.skip(`samples/credit-risk/mlsteps.yml does not exist yet`);
    return;
  }
  // The sample inside a throwaway sources directory, so the run cannot write into the repository.
  const box = sandbox({});
  try {
    cpSync(sample, path.join(box.sources, 'samples', 'credit-risk'), { recursive: true });
    const r = await run(box, { project: 'samples/credit-risk' });
    assert.equal(r.result?.result, 'Succeeded', shown(r));
    assert.deepEqual(issues(r), []);
    assert.equal(testcaseNames(publishedJUnit(r)).length, 7);
    t.diagnostic(`task process wall time on the sample: ${r.ms.toFixed(0)} ms (budget 300 ms, measured by npm run bench)`);
  } finally {
    box.cleanup();
  }
});
