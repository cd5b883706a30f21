import assert from 'node:assert/strict';
import { test } from 'node:test';
import projectSchema from '../schemas/mlsteps.schema.json';
import runConfigSchema from '../schemas/runconfig.schema.json';
import { DIAGNOSTIC_CODES } from '../src/model/codes';
import { COMPUTE_TYPES, DATASET_KEYS, ENVIRONMENT_KEYS, PROJECT_KEYS } from '../src/model/project';
import { MLSTEPS_KEYS } from '../src/model/runconfig';

type Schema = { properties?: Record<string, Schema>; definitions?: Record<string, Schema>; enum?: unknown[] };
const project = projectSchema as Schema;
const runConfig = runConfigSchema as Schema;
const sorted = (xs: Iterable<string>) => [...xs].sort();

test('the project model has exactly the keys of mlsteps.schema.json', () => {
  assert.deepEqual(sorted(PROJECT_KEYS), sorted(Object.keys(project.properties!).filter((k) => k !== '$schema')));
  assert.deepEqual(sorted(ENVIRONMENT_KEYS), sorted(Object.keys(project.definitions!.environment.properties!)));
  assert.deepEqual(sorted(DATASET_KEYS), sorted(Object.keys(project.definitions!.dataset.properties!)));
  assert.deepEqual(sorted(COMPUTE_TYPES), sorted(project.definitions!.compute.properties!.type.enum as string[]));
});

test('every job type of runconfig.schema.json has the mlsteps keys', () => {
  for (const job of ['commandJob', 'sweepJob', 'sparkJob']) {
    const keys = Object.keys(runConfig.definitions![job].properties!);
    for (const key of MLSTEPS_KEYS) assert.ok(keys.includes(key), `${job} lacks ${key}`);
  }
});

test('diagnostic codes are unique, well formed and titled', () => {
  for (const [code, info] of Object.entries(DIAGNOSTIC_CODES)) {
    assert.match(code, /^MLS\d{3}$/);
    assert.ok(info.title.length > 5);
  }
});
