import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { CLI, mlsteps } from './helpers/cli';
import { generateProject } from '../bench/generate';
import { makeRepo, VALID_PROJECT } from './helpers/project';

const BROKEN = { 'runconfigs/train.yml': (VALID_PROJECT['runconfigs/train.yml'] as string).replace('compute: cpu', 'compute: gpu') };

test('validate exits 0 on a clean project and says so', () => {
  const repo = makeRepo(VALID_PROJECT);
  try {
    const r = mlsteps(['validate', repo.dir]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /1 run configuration in \d+ files: no problems/);
  } finally {
    repo.cleanup();
  }
});

test('validate exits 1 on errors and shows file:line:column, the line and a caret', () => {
  const repo = makeRepo({ ...VALID_PROJECT, ...BROKEN });
  try {
    const r = mlsteps(['validate'], { cwd: repo.dir });
    assert.equal(r.code, 1);
    const lines = r.stdout.split('\n');
    const at = lines.findIndex((l) => l.startsWith('runconfigs/train.yml:4:10: error MLS104: compute "gpu" is not in the catalog'));
    assert.ok(at >= 0, r.stdout);
    assert.equal(lines[at + 1], '    4 | compute: gpu');
    assert.equal(lines[at + 2], '      |          ^');
    assert.match(lines[at + 3], /hint: /);
    assert.match(r.stdout, /✖ 1 run configuration in \d+ files: 1 error/);
  } finally {
    repo.cleanup();
  }
});

test('--format json prints one object of the documented shape', () => {
  const repo = makeRepo({ ...VALID_PROJECT, ...BROKEN });
  try {
    const r = mlsteps(['validate', '--format', 'json', repo.dir]);
    assert.equal(r.code, 1);
    const out = JSON.parse(r.stdout);
    assert.equal(out.ok, false);
    assert.ok(out.files.includes('runconfigs/train.yml'));
    assert.deepEqual(Object.keys(out.diagnostics[0]).sort(), ['code', 'column', 'file', 'hint', 'line', 'message', 'severity']);
    assert.deepEqual({ ...out.diagnostics[0], hint: undefined, message: undefined }, { file: 'runconfigs/train.yml', line: 4, column: 10, severity: 'error', code: 'MLS104', hint: undefined, message: undefined });
  } finally {
    repo.cleanup();
  }
});

test('--format junit has one test case per run configuration', () => {
  const repo = makeRepo({ ...VALID_PROJECT, ...BROKEN, 'runconfigs/other.yml': VALID_PROJECT['runconfigs/train.yml'] as string });
  try {
    const r = mlsteps(['validate', '--format', 'junit', repo.dir]);
    assert.equal(r.code, 1);
    assert.equal((r.stdout.match(/<testcase /g) ?? []).length, 2);
    assert.match(r.stdout, /<testcase name="train" classname="runconfigs\/train.yml" time="0">\s*<failure message="1 error: compute &quot;gpu&quot; is not in the catalog" type="MLS104">/);
    assert.match(r.stdout, /<testcase name="other" classname="runconfigs\/other.yml" time="0">\s*<\/testcase>/);
  } finally {
    repo.cleanup();
  }
});

test('--strict turns warnings into exit 1; without it they exit 0', () => {
  const rc = (VALID_PROJECT['runconfigs/train.yml'] as string).replace('inputs:\n', 'inputs:\n  unused: 1\n');
  const repo = makeRepo({ ...VALID_PROJECT, 'runconfigs/train.yml': rc });
  try {
    assert.equal(mlsteps(['validate', repo.dir]).code, 0);
    assert.equal(mlsteps(['validate', '--strict', repo.dir]).code, 1);
  } finally {
    repo.cleanup();
  }
});

test('usage errors and unreadable input exit 2 without a stack trace', () => {
  const bad = mlsteps(['validate', '--format', 'xml']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /xml.*Allowed choices are text, json, junit/s);
  const missing = mlsteps(['validate', 'does/not/exist']);
  assert.equal(missing.code, 2);
  assert.match(missing.stdout, /does\/not\/exist.*MLS006/s);
  assert.doesNotMatch(missing.stdout + missing.stderr, /\n\s+at /);
  assert.equal(mlsteps(['frobnicate']).code, 2);
});

test('a folder without mlsteps.yml, or a named file that is not text, is unreadable input: exit 2', () => {
  const repo = makeRepo({ 'src/train.py': '', 'model.bin': '\u0000\u0001\u0002' });
  try {
    const folder = mlsteps(['validate', 'src'], { cwd: repo.dir });
    assert.equal(folder.code, 2);
    assert.match(folder.stdout, /error MLS006: no mlsteps.yml in src/);
    const binary = mlsteps(['validate', 'model.bin'], { cwd: repo.dir });
    assert.equal(binary.code, 2);
    assert.match(binary.stdout, /model\.bin:1:1: error MLS003: file is binary/);
  } finally {
    repo.cleanup();
  }
});

test('output piped into a reader that stops early (| head) ends quietly, without a stack trace', () => {
  const project = generateProject(1500); // JUnit output well over a 64 KiB pipe buffer
  try {
    const errors = `${project.dir}/stderr.txt`;
    const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    const r = spawnSync('sh', ['-c', `${q(process.execPath)} ${q(CLI)} validate --format junit ${q(project.dir)} 2>${q(errors)} | head -c 100 >/dev/null`], { encoding: 'utf8' });
    assert.equal(r.status, 0);
    assert.equal(readFileSync(errors, 'utf8'), '');
  } finally {
    project.cleanup();
  }
});
