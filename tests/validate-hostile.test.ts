// Hostile input (DESIGN §5.1: "bad input of any kind … gets a diagnostic, never a stack trace"),
// as named cases: each runs in the fuzz sandbox (tests/fuzz/harness.ts), so besides the code it
// must produce it is checked for exceptions, output, hangs and reads outside the repository. The
// generated cases, the same properties over thousands of inputs, are in tests/fuzz/fuzz.test.ts.
import assert from 'node:assert/strict';
import { symlinkSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { validatePaths } from '../src/config';
import { checkProject } from '../src/config/checks';
import { DiagnosticSink } from '../src/config/diagnostics';
import type { LoadedProject, RunConfigEntry } from '../src/config/load';
import { importV1RunConfig } from '../src/config/import';
import { Sandbox } from './fuzz/harness';
import { namedCases } from './fuzz/named';
import { runCase } from './fuzz/run';
import { makeRepo, VALID_PROJECT } from './helpers/project';

let sandbox: Sandbox;
before(async () => {
  sandbox = await Sandbox.start();
});
after(async () => {
  await sandbox?.close();
});

for (const [group, cases] of Object.entries(namedCases())) {
  test(`${group} (${cases.length} cases)`, { timeout: 120_000 }, async (t) => {
    const failures: string[] = [];
    let slowest = { ms: 0, label: '' };
    for (const testCase of cases) {
      const { problems, ms } = await runCase(sandbox, testCase);
      if (ms > slowest.ms) slowest = { ms, label: testCase.label };
      if (problems.length > 0) failures.push(`${testCase.label}:\n  ${problems.join('\n  ')}`);
    }
    t.diagnostic(`slowest: ${slowest.ms.toFixed(0)} ms (${slowest.label})`);
    assert.deepEqual(failures, []);
  });
}

test('a deep but legal document (within the limit) validates normally', async () => {
  const repo = makeRepo({ ...VALID_PROJECT, 'runconfigs/train.yml': (VALID_PROJECT['runconfigs/train.yml'] as string) + 'properties:\n' + Array.from({ length: 20 }, (_, i) => '  '.repeat(i + 1) + `k${i}:`).join('\n') + ' 1\n' });
  try {
    const result = await validatePaths([repo.dir]);
    assert.deepEqual(result.diagnostics.filter((d) => d.code === 'MLS004'), []);
  } finally {
    repo.cleanup();
  }
});

test('import after validate in one process: file-system facts from the earlier run are not reused', async () => {
  // Found by the fuzzer: the path cache of a validation made import trust a file that had since
  // become a symlink out of the repository, and read it.
  const repo = makeRepo({ 'p/.azureml/x.runconfig': 'script: train.py\n', 'p/train.py': 'print(1)\n' });
  const outside = makeRepo({ 'secret.runconfig': 'script: secret.py\n' });
  try {
    const file = join(repo.dir, 'p/.azureml/x.runconfig');
    assert.equal((await validatePaths([file])).ok, true);
    unlinkSync(file);
    symlinkSync(join(outside.dir, 'secret.runconfig'), file);
    const imported = importV1RunConfig(file, { outputDir: repo.dir, base: repo.dir });
    assert.equal(imported.text, undefined);
    assert.deepEqual(imported.diagnostics.map((d) => [d.file, d.code]), [['p/.azureml/x.runconfig', 'MLS131']]);
  } finally {
    repo.cleanup();
    outside.cleanup();
  }
});

test('a needs chain of 20,000 run configurations, closed into one cycle, is checked without overflowing the stack', () => {
  // Found probing long chains: the recursive depth-first search threw "Maximum call stack size
  // exceeded" from `mlsteps validate` at about 10,000 links. Built in memory: 20,000 files on disk
  // would make this a benchmark rather than a test.
  const count = 20_000;
  const file = { path: '/repo/runconfigs/r.yml', text: 'needs: [x]\n', data: {}, locations: new Map(), problems: [] };
  const runConfigs: RunConfigEntry[] = Array.from({ length: count }, (_, i) => ({ name: `r${i}`, file, own: {}, chain: [file], type: 'command', step: 'train', needs: [`r${(i + 1) % count}`], schemaOk: true }));
  const project: LoadedProject = { dir: '/repo', repoRoot: '/repo', spec: { runconfigs: [], computes: {}, environments: {}, datasets: {}, profiles: {} }, specOk: true, runConfigs, unreadableNames: new Set(), files: [] };
  const sink = new DiagnosticSink('/repo');
  checkProject(project, sink, { hasProjectFile: true });
  assert.deepEqual(sink.list.map((d) => d.code), ['MLS112']);
  assert.match(sink.list[0].message, /^needs forms a cycle: r19999 → r0 → r1 → .* → r19998 → r19999$/);
});
