import assert from 'node:assert/strict';
import { closeSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { validatePaths } from '../src/config';
import { DIAGNOSTIC_CODES } from '../src/model/codes';
import type { ValidationResult } from '../src/model/diagnostic';
import { makeRepo, VALID_PROJECT } from './helpers/project';

const SEED = 20261126;
const SAMPLE = join(__dirname, '..', 'samples', 'credit-risk', 'runconfigs');

/** What every answer must look like, whatever the input: diagnostics that point into the file, or OK. */
function assertWellFormed(result: ValidationResult, texts: Map<string, string>): void {
  assert.equal(typeof result.ok, 'boolean');
  for (const d of result.diagnostics) {
    assert.ok(d.code in DIAGNOSTIC_CODES, `unknown code ${d.code}`);
    assert.ok(Number.isInteger(d.line) && d.line >= 1, `line ${d.line}`);
    assert.ok(Number.isInteger(d.column) && d.column >= 1, `column ${d.column}`);
    assert.ok(d.message.length > 0);
    assert.ok(d.severity === 'error' || d.severity === 'warning');
    const text = texts.get(d.file);
    if (text !== undefined) assert.ok(d.line <= text.split('\n').length + 1, `${d.file}:${d.line} is past the end of the file`);
  }
  if (!result.ok) assert.ok(result.diagnostics.some((d) => d.severity === 'error'));
}

const seeds = (() => {
  const texts = [VALID_PROJECT['runconfigs/train.yml'] as string];
  try {
    for (const name of ['sklearn_subset.yml', 'data_preparation.yml', 'fullmodel_step.yml', 'sklearn_full.yml']) texts.push(readFileSync(join(SAMPLE, name), 'utf8'));
  } catch {
    // the sample is optional for this test: the built-in project is enough to mutate
  }
  return texts;
})();

const FRAGMENTS = ['\n', ':', ': ', '- ', '[', ']', '{', '}', '&a ', '*a', '!!binary ', '? ', '|', '>-', '"', "'", '#', '${{', '}}', '${{inputs.', '~', 'null', '\t', '\u0000', '\ufeff', '<<: *a', '---\n', '...\n', '  ', 'type: sweep\n', 'type: spark\n', 'extends: train\n', 'needs: [train]\n'];

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ maxLength: 12 })) }),
  fc.record({ kind: fc.constant('swapLines' as const), a: fc.nat(), b: fc.nat() }),
  fc.record({ kind: fc.constant('duplicateLine' as const), a: fc.nat() }),
  fc.record({ kind: fc.constant('replaceValue' as const), a: fc.nat(), value: fc.jsonValue({ maxDepth: 2 }) }),
);

type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(text: string, m: Mutation): string {
  const lines = text.split('\n');
  switch (m.kind) {
    case 'delete': {
      const at = m.at % (text.length + 1);
      return text.slice(0, at) + text.slice(at + m.length);
    }
    case 'insert': {
      const at = m.at % (text.length + 1);
      return text.slice(0, at) + m.text + text.slice(at);
    }
    case 'swapLines': {
      const a = m.a % lines.length;
      const b = m.b % lines.length;
      [lines[a], lines[b]] = [lines[b], lines[a]];
      return lines.join('\n');
    }
    case 'duplicateLine': {
      const a = m.a % lines.length;
      lines.splice(a, 0, lines[a]);
      return lines.join('\n');
    }
    case 'replaceValue': {
      const a = m.a % lines.length;
      const i = lines[a].indexOf(': ');
      if (i >= 0) lines[a] = lines[a].slice(0, i + 2) + JSON.stringify(m.value);
      return lines.join('\n');
    }
  }
}

test('thousands of mutated run configurations get diagnostics or OK, never a throw', { timeout: 120_000 }, async () => {
  const repo = makeRepo(VALID_PROJECT);
  const rc = join(repo.dir, 'runconfigs', 'train.yml');
  try {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 6 }), async (seed, mutations) => {
        const text = mutations.reduce(mutate, seed);
        writeFileSync(rc, text);
        const result = await validatePaths([repo.dir]);
        assertWellFormed(result, new Map([['runconfigs/train.yml', text]]));
      }),
      { seed: SEED, numRuns: 2500 },
    );
  } finally {
    repo.cleanup();
  }
});

test('random documents as run configurations and as project files get diagnostics or OK', { timeout: 120_000 }, async () => {
  const repo = makeRepo(VALID_PROJECT);
  try {
    const anything = fc.oneof(
      fc.jsonValue({ maxDepth: 6 }).map((v) => stringify(v)),
      fc.dictionary(fc.constantFrom('code', 'command', 'type', 'inputs', 'outputs', 'trial', 'search_space', 'compute', 'environment', 'needs', 'extends', 'entry', 'runconfigs', 'computes', 'datasets', 'profiles', 'environments'), fc.jsonValue({ maxDepth: 4 })).map((v) => stringify(v)),
      fc.string({ maxLength: 300 }),
      fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('runconfigs/train.yml', 'mlsteps.yml'), anything, async (target, text) => {
        writeFileSync(join(repo.dir, target), text);
        const result = await validatePaths([repo.dir]);
        assertWellFormed(result, new Map([[target, text]]));
        writeFileSync(join(repo.dir, target), VALID_PROJECT[target] as string);
      }),
      { seed: SEED + 1, numRuns: 1500 },
    );
  } finally {
    repo.cleanup();
  }
});

test('hostile files: alias bomb, 10 MB, 10,000 levels of nesting, binary bytes, a symlink out of the repository', { timeout: 60_000 }, async () => {
  const bomb = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  'bcdefghi'.split('').forEach((name, i) => bomb.push(`${name}: &${name} [${Array(9).fill('*' + (i === 0 ? 'a' : 'bcdefghi'[i - 1])).join(',')}]`));
  const cases: { name: string; content: string | { symlink: string } | 'huge'; code: string }[] = [
    { name: 'bomb.yml', content: bomb.join('\n') + '\n', code: 'MLS004' },
    // 10,000 levels of block indentation is 50 MB of spaces: refused by size before parsing.
    { name: 'deep-block.yml', content: Array.from({ length: 10_000 }, (_, i) => ' '.repeat(i) + 'k:').join('\n') + ' 1\n', code: 'MLS003' },
    { name: 'deep-block-1500.yml', content: 'tags:\n' + Array.from({ length: 1500 }, (_, i) => ' '.repeat(i + 1) + 'k:').join('\n') + ' 1\n', code: 'MLS004' },
    { name: 'deep-flow.yml', content: 'tags: ' + '['.repeat(10_000) + ']'.repeat(10_000) + '\n', code: 'MLS004' },
    { name: 'deep-seq.yml', content: '- '.repeat(10_000) + 'x\n', code: 'MLS004' },
    { name: 'deep-map.yml', content: 'a: ' + '{b: '.repeat(10_000) + '1' + '}'.repeat(10_000) + '\n', code: 'MLS004' },
    { name: 'binary.yml', content: '\u0000\u0001\u0002\u0003garbage\u00ff', code: 'MLS003' },
    { name: 'escape.yml', content: { symlink: '/etc/passwd' }, code: 'MLS131' },
    { name: 'huge.yml', content: 'huge', code: 'MLS003' },
  ];
  for (const c of cases) {
    const repo = makeRepo({ ...VALID_PROJECT, ...(c.content === 'huge' ? {} : { [`runconfigs/${c.name}`]: c.content }) });
    try {
      if (c.content === 'huge') {
        // 10 MB of valid-looking YAML, written in chunks
        const fd = openSync(join(repo.dir, 'runconfigs', c.name), 'w');
        const chunk = Array.from({ length: 1000 }, (_, i) => `k${i}: value value value value value value value\n`).join('');
        for (let written = 0; written < 10 * 1024 * 1024; written += chunk.length) writeSync(fd, chunk);
        closeSync(fd);
      }
      const result = await validatePaths([repo.dir]);
      assertWellFormed(result, new Map());
      assert.ok(result.diagnostics.some((d) => d.code === c.code), `${c.name}: expected ${c.code}, got ${JSON.stringify(result.diagnostics)}`);
      assert.equal(result.ok, false, c.name);
    } finally {
      repo.cleanup();
    }
  }
});

test('a deep but legal document (within the limit) validates normally', async () => {
  const repo = makeRepo({ ...VALID_PROJECT, 'runconfigs/train.yml': (VALID_PROJECT['runconfigs/train.yml'] as string) + 'properties:\n' + Array.from({ length: 20 }, (_, i) => '  '.repeat(i + 1) + `k${i}:`).join('\n') + ' 1\n' });
  try {
    const result = await validatePaths([repo.dir]);
    assert.deepEqual(result.diagnostics.filter((d) => d.code === 'MLS004'), []);
  } finally {
    repo.cleanup();
  }
});
