// Every task's task.json against Azure Pipelines' own schema (tfx only warns on a bad one), plus
// what the schema cannot say: both Node handlers, restrictions, inputs in step with index.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import Ajv04 from 'ajv-draft-04';
import { fixturePath, fixtureSkipMessage, projectRoot } from './helpers/fixtures';

const SCHEMA = 'azure-pipelines/tasks.schema.json';
const SCHEMA_URL =
  'https://raw.githubusercontent.com/microsoft/azure-pipelines-task-lib/a5e7ee0f29dbcfd3772a8882795777d60b0198bf/tasks.schema.json';
const tasksDir = path.join(projectRoot, 'tasks');

interface TaskJson {
  id: string;
  name: string;
  friendlyName: string;
  version: { Major: number; Minor: number; Patch: number };
  minimumAgentVersion?: string;
  inputs?: { name: string; type: string; defaultValue?: string | boolean }[];
  execution?: Record<string, { target: string }>;
  restrictions?: { commands?: { mode?: string }; settableVariables?: { allowed?: string[] } };
}

const tasks = readdirSync(tasksDir, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(path.join(tasksDir, d.name, 'task.json')))
  .map((d) => d.name)
  .sort();

const read = (task: string): TaskJson => JSON.parse(readFileSync(path.join(tasksDir, task, 'task.json'), 'utf8'));

/** Input names a task's sources read through task-lib or the common helpers. */
function inputsReadBy(task: string): Set<string> {
  const names = new Set<string>();
  for (const file of readdirSync(path.join(tasksDir, task)).filter((f) => f.endsWith('.ts'))) {
    const source = readFileSync(path.join(tasksDir, task, file), 'utf8');
    for (const m of source.matchAll(/\b(?:getInput|getInputRequired|getBoolInput|getPathInput|getPathInputRequired|getDelimitedInput|boolInput|intInput)\(\s*['"]([^'"]+)['"]/g)) {
      names.add(m[1]);
    }
  }
  return names;
}

test('there is at least one task', () => {
  assert.ok(tasks.includes('MLStepsValidateV1'), `tasks found: ${tasks.join(', ')}`);
});

test('every task.json validates against tasks.schema.json', (t) => {
  const schemaFile = fixturePath(SCHEMA);
  if (!schemaFile) {
    t.skip(fixtureSkipMessage(SCHEMA, SCHEMA_URL));
    return;
  }
  const schema = JSON.parse(readFileSync(schemaFile, 'utf8'));
  // The schema escapes ":" in a pattern, which a /u regular expression rejects.
  const ajv = new Ajv04({ allErrors: true, strict: false, unicodeRegExp: false });
  const validate = ajv.compile(schema);
  for (const task of tasks) {
    const ok = validate(read(task));
    assert.ok(ok, `tasks/${task}/task.json:\n${ajv.errorsText(validate.errors, { separator: '\n' })}`);
  }
});

for (const task of tasks) {
  test(`${task}: identity, handlers, restrictions`, () => {
    const json = read(task);
    const major = Number(/V(\d+)$/.exec(task)?.[1]);
    assert.equal(json.version.Major, major, 'version.Major must match the folder suffix');
    assert.ok(json.friendlyName.length <= 40, `friendlyName is ${json.friendlyName.length} characters; Azure DevOps allows 40`);
    for (const handler of ['Node20_1', 'Node24']) {
      assert.equal(json.execution?.[handler]?.target, 'index.js', `execution.${handler}.target must be index.js`);
    }
    // Node20_1 needs agent 3.232.1 or later.
    const [a, b, c] = (json.minimumAgentVersion ?? '0.0.0').split('.').map(Number);
    assert.ok(a > 3 || (a === 3 && (b > 232 || (b === 232 && (c ?? 0) >= 1))), `minimumAgentVersion ${json.minimumAgentVersion} < 3.232.1`);
    assert.ok(json.restrictions?.commands?.mode, 'restrictions.commands.mode must be set');
    assert.ok(Array.isArray(json.restrictions?.settableVariables?.allowed), 'restrictions.settableVariables.allowed must be a list');
  });

  test(`${task}: the inputs index.ts reads are the inputs task.json declares`, () => {
    const declared = new Set((read(task).inputs ?? []).map((i) => i.name));
    const used = inputsReadBy(task);
    assert.ok(used.size > 0, 'found no input reads in the task sources');
    for (const name of used) assert.ok(declared.has(name), `the task reads input "${name}", which task.json does not declare`);
    for (const name of declared) assert.ok(used.has(name), `task.json declares input "${name}", which the task never reads`);
  });

  test(`${task}: icon.png is a 32x32 or 128x128 PNG`, () => {
    const png = readFileSync(path.join(tasksDir, task, 'icon.png'));
    assert.equal(png.toString('latin1', 1, 4), 'PNG');
    const [w, h] = [png.readUInt32BE(16), png.readUInt32BE(20)];
    assert.ok(w === h && (w === 32 || w === 128), `icon is ${w}x${h}`);
  });
}

test('task ids and names are unique', () => {
  const all = tasks.map(read);
  assert.equal(new Set(all.map((j) => j.id.toLowerCase())).size, all.length);
  assert.equal(new Set(all.map((j) => j.name)).size, all.length);
});

test('vss-extension.json contributes every task folder, and nothing else', () => {
  const manifest = JSON.parse(readFileSync(path.join(projectRoot, 'vss-extension.json'), 'utf8'));
  const contributed = manifest.contributions
    .filter((c: { type: string }) => c.type === 'ms.vss-distributed-task.task')
    .map((c: { properties: { name: string } }) => c.properties.name)
    .sort();
  assert.deepEqual(contributed, tasks.map((t) => `tasks/${t}`));
});
