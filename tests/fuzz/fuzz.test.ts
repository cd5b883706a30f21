// The hostile-input fuzz suite at `npm test` size (500 cases; `npm run fuzz` runs 10,000 of the
// same), and the self-test showing each property it checks can fail.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SAMPLE_TREE, PROJECT } from './generators';
import { OUTSIDE, problemsOf, Sandbox, type FuzzCase } from './harness';
import { DEFAULT_SEED, formatReport, runFuzz } from './run';
import type { ProbeKind } from './worker';

/** Cases in `npm test`; `npm run fuzz` runs the same generators at full size. */
const TEST_RUNS = 500;

let sandbox: Sandbox;
before(async () => {
  sandbox = await Sandbox.start({ watchdogMs: 3000 });
});
after(async () => {
  await sandbox?.close();
});

const probe = (kind: ProbeKind, path: string): FuzzCase => ({ label: `probe ${kind}`, tree: { ...SAMPLE_TREE, 'ml/link.yml': { symlink: `${OUTSIDE}/secret.yml` } }, action: { kind: 'probe', probe: kind, path } });

test('the sandbox passes the real sample: no finding is invented', async () => {
  const outcome = await sandbox.run({ label: 'sample', tree: SAMPLE_TREE, action: { kind: 'validate', paths: [PROJECT] } });
  assert.deepEqual(problemsOf({ label: 'sample', tree: SAMPLE_TREE, action: { kind: 'validate', paths: [PROJECT] } }, outcome), []);
  assert.equal(outcome.reply?.planned, true, 'the sample validates and plans');
  assert.deepEqual(outcome.reply?.diagnostics, []);
});

test('the sandbox catches a read outside the repository, even one whose error is swallowed', async () => {
  const outsideFile = `${sandbox.outsideDir}/secret.yml`;
  const swallowed = problemsOf(probe('read-swallowed', outsideFile), await sandbox.run(probe('read-swallowed', outsideFile)));
  assert.ok(swallowed.some((p) => p.includes('outside-by-name') && p.includes('readFileSync') && p.includes(outsideFile)), swallowed.join('\n'));
  const listing = problemsOf(probe('readdir-swallowed', sandbox.outsideDir), await sandbox.run(probe('readdir-swallowed', sandbox.outsideDir)));
  assert.ok(listing.some((p) => p.includes('outside-by-name') && p.includes('readdirSync')), listing.join('\n'));
});

test('the sandbox catches a read through a symlink, which the permission model lets through', async () => {
  const link = `${sandbox.repoDir}/ml/link.yml`;
  const outcome = await sandbox.run(probe('read-through-symlink', link));
  // The read succeeded (Node's permission model follows links anywhere): only the watch sees it.
  assert.match(outcome.reply?.importText ?? '', /python secret\.py/);
  const problems = problemsOf(probe('read-through-symlink', link), outcome);
  assert.ok(problems.some((p) => p.includes('outside-through-symlink') && p.includes('secret.yml')), problems.join('\n'));
});

test('the permission model refuses an outside read the watch does not see', async () => {
  const outsideFile = `${sandbox.outsideDir}/secret.yml`;
  const problems = problemsOf(probe('read-unwatched', outsideFile), await sandbox.run(probe('read-unwatched', outsideFile)));
  assert.ok(problems.some((p) => p.startsWith('threw: ERR_ACCESS_DENIED')), problems.join('\n'));
});

test('the sandbox reports an exception, a stack trace on stderr, a slow case and a hang', async () => {
  const thrown = problemsOf(probe('throw', 'x'), await sandbox.run(probe('throw', 'x')));
  assert.ok(thrown.some((p) => p.startsWith('threw: TypeError: deliberate failure')), thrown.join('\n'));
  const printed = problemsOf(probe('write-stderr', 'x'), await sandbox.run(probe('write-stderr', 'x')));
  assert.ok(printed.some((p) => p.startsWith('wrote to stdout/stderr:') && p.includes('deliberate stack trace')), printed.join('\n'));
  const slow = problemsOf(probe('slow', 'x'), await sandbox.run(probe('slow', 'x')));
  assert.ok(slow.some((p) => /^took \d+ ms \(deadline 1000 ms\)$/.test(p)), slow.join('\n'));
  const hung = problemsOf(probe('hang', 'x'), await sandbox.run(probe('hang', 'x')));
  assert.deepEqual(hung, ['no answer within 3 s: a hang']);
  // The worker is replaced after a hang, and the next case runs normally.
  const next = await sandbox.run({ label: 'sample', tree: SAMPLE_TREE, action: { kind: 'validate', paths: [PROJECT] } });
  assert.deepEqual(next.reply?.diagnostics, []);
});

test(`${TEST_RUNS} fuzz cases: diagnostics only, no exception, no output, no read outside the repository, no hang`, { timeout: 240_000 }, async (t) => {
  const report = await runFuzz({ runs: TEST_RUNS, seed: DEFAULT_SEED });
  for (const line of formatReport(report).split('\n')) t.diagnostic(line);
  assert.equal(report.failure, undefined, formatReport(report));
  assert.equal(report.runs, TEST_RUNS);
  // Each generator took part: the suite does not silently fuzz only one kind of input.
  for (const kind of ['sample', 'generated', 'v1 import', 'v1 validate']) assert.ok((report.byKind[kind] ?? 0) > 10, `${kind}: ${report.byKind[kind]}`);
  assert.ok(Object.keys(report.byKind).some((k) => k.startsWith('random document')), JSON.stringify(report.byKind));
});
