// Pull-request threads without a server: diagnostics → problems, the sync against a recording
// client, and the pipeline glue (which build comments, and how failures become warnings).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { DIAGNOSTIC_CODES } from '../src/model/codes';
import type { Diagnostic, ValidationResult } from '../src/model/diagnostic';
import { commentOnPullRequest, findPullRequest, type ConnectThreads, type PullRequestPipeline } from '../tasks/common/pr-comments';
import { PullRequestApiError } from '../tasks/common/pr-threads-client';
import {
  DIAGNOSTICS_DOC_URL,
  diagnosticDocsUrl,
  escapeMarkdown,
  headingAnchor,
  problemsFromDiagnostics,
  syncThreads,
  type ExistingThread,
  type Problem,
  type PullRequestThreadClient,
  type ThreadChange,
  type ThreadDraft,
} from '../tasks/common/pr-threads';
import { projectRoot } from './helpers/fixtures';

const repo = path.resolve('/agent/_work/1/s');

function result(diagnostics: Partial<Diagnostic>[], base = path.join(repo, 'ml')): ValidationResult {
  return {
    ok: false,
    base,
    files: [],
    runConfigs: [],
    diagnostics: diagnostics.map((d) => ({ file: 'runconfigs/train.yml', line: 3, column: 14, severity: 'error', code: 'MLS104', message: 'environment "sklern" is not in the catalog', ...d })),
  };
}

test('a diagnostic becomes a problem on its repository path, line and column, with code, message, hint and docs link', () => {
  const [p] = problemsFromDiagnostics(result([{ hint: 'did you mean "sklearn"?' }]), repo);
  assert.deepEqual(p.location, { filePath: '/ml/runconfigs/train.yml', line: 3, column: 14 });
  assert.match(p.fingerprint, /^[0-9a-f]{40}$/);
  assert.equal(
    p.content,
    [
      '**Error MLS104**: environment "sklern" is not in the catalog',
      '',
      'Hint: did you mean "sklearn"?',
      '',
      `[MLS104 — Catalog reference does not resolve](${DIAGNOSTICS_DOC_URL}#mls104--catalog-reference-does-not-resolve) · reported by MLStepsValidate@1`,
    ].join('\n'),
  );
});

test('the fingerprint ignores the line, and tells apart code, file, message and repeats', () => {
  const fp = (d: Partial<Diagnostic>[]) => problemsFromDiagnostics(result(d), repo).map((p) => p.fingerprint);
  const [base] = fp([{}]);
  assert.equal(fp([{ line: 40, column: 2 }])[0], base, 'a moved problem keeps its fingerprint');
  assert.equal(fp([{ hint: 'a new hint' }])[0], base, 'a reworded hint keeps its fingerprint');
  assert.notEqual(fp([{ code: 'MLS101' }])[0], base);
  assert.notEqual(fp([{ file: 'runconfigs/other.yml' }])[0], base);
  assert.notEqual(fp([{ message: 'environment "x" is not in the catalog' }])[0], base);
  const twice = fp([{ line: 3 }, { line: 9 }]);
  assert.equal(twice[0], base);
  assert.notEqual(twice[1], base, 'the same problem twice in a file gets two threads');
});

test('a file outside the repository, or no file: a pull-request-wide thread that names the file', () => {
  const outside = problemsFromDiagnostics(result([{ file: '../../elsewhere/x.yml', line: 2, column: 5 }]), repo)[0];
  assert.equal(outside.location, undefined);
  assert.match(outside.content, /In `\.\.\/\.\.\/elsewhere\/x\.yml`, line 2, column 5\./);
  const noFile = problemsFromDiagnostics(result([{ file: '', line: 0, column: 0, code: 'MLS006', message: 'no project' }]), repo)[0];
  assert.equal(noFile.location, undefined);
  // A file-level problem (line 0) inside the repository stays on its file.
  const fileLevel = problemsFromDiagnostics(result([{ line: 0, column: 0, code: 'MLS003', message: 'binary' }]), repo)[0];
  assert.deepEqual(fileLevel.location, { filePath: '/ml/runconfigs/train.yml', line: 0, column: 1 });
});

test('repository content cannot add markup or mentions to a comment', () => {
  assert.equal(escapeMarkdown('key "[x](http://e)" <img> #12 !3 @<id> *a* `c` a|b ~s_'), 'key "\\[x\\](http://e)" \\<img\\> \\#12 \\!3 \\@\\<id\\> \\*a\\* \\`c\\` a\\|b \\~s\\_');
  assert.equal(escapeMarkdown('two\nlines'), 'two lines');
  const [p] = problemsFromDiagnostics(result([{ message: 'unknown key "[click](https://evil)"' }]), repo);
  assert.ok(!p.content.includes('[click]'), p.content);
});

test('every code links to a heading that exists in docs/diagnostics.md', () => {
  const doc = readFileSync(path.join(projectRoot, 'docs', 'diagnostics.md'), 'utf8');
  const anchors = new Set([...doc.matchAll(/^#{1,6} (.+)$/gm)].map((m) => headingAnchor(m[1].replace(/`/g, ''))));
  for (const code of Object.keys(DIAGNOSTIC_CODES)) {
    const url = diagnosticDocsUrl(code);
    const anchor = url.slice(DIAGNOSTICS_DOC_URL.length + 1);
    assert.ok(anchors.has(anchor), `${code}: #${anchor} is not a heading of docs/diagnostics.md`);
  }
  assert.equal(diagnosticDocsUrl('MLS120'), `${DIAGNOSTICS_DOC_URL}#mls120--inputsx-used-but-input-x-is-not-declared`);
});

/** A client over an in-memory list that records each call. */
function recordingClient(threads: ExistingThread[]) {
  const calls: string[] = [];
  const created: ThreadDraft[] = [];
  const client: PullRequestThreadClient = {
    listThreads: async () => threads,
    createThread: async (d) => void (calls.push(`create ${d.location?.filePath}:${d.location?.line}`), created.push(d)),
    updateThread: async (id, c: ThreadChange) =>
      void calls.push(`update ${id}${c.status ? ` status=${c.status}` : ''}${c.location ? ` line=${c.location.line}` : ''}`),
    addComment: async (id, content) => void calls.push(`comment ${id}: ${content}`),
    editComment: async (id, commentId) => void calls.push(`edit ${id}/${commentId}`),
  };
  return { client, calls, created };
}

const notes = { fixed: 'fixed!', reopened: 'again!' };
const problem = (fingerprint: string, line: number, content = `c-${fingerprint}`): Problem => ({
  fingerprint,
  location: { filePath: '/ml/a.yml', line, column: 1 },
  content,
});
const thread = (id: number, fingerprint: string | undefined, status: ExistingThread['status'], line: number, content = `c-${fingerprint}`): ExistingThread => ({
  id,
  fingerprint,
  status,
  location: { filePath: '/ml/a.yml', line, column: 1 },
  firstComment: { id: 1, content },
});

test('sync: creates new, moves moved, leaves unchanged, closes fixed, reopens returning, keeps reviewers\' decisions', async () => {
  const { client, calls, created } = recordingClient([
    thread(1, 'moved', 'active', 5),
    thread(2, 'same', 'active', 7),
    thread(3, 'gone', 'active', 9),
    thread(4, 'back', 'fixed', 11),
    thread(5, 'wontfix', 'wontFix', 13),
    thread(6, 'gone-wontfix', 'byDesign', 15),
    thread(7, undefined, 'active', 3), // a reviewer's own thread
    thread(8, 'reworded', 'active', 20, 'old text'),
    { ...thread(9, 'deleted', 'active', 22), isDeleted: true },
  ]);
  const report = await syncThreads(
    [problem('new', 1), problem('moved', 6), problem('same', 7), problem('back', 11), problem('wontfix', 13), problem('reworded', 20), problem('deleted', 22)],
    client,
    notes,
  );
  assert.deepEqual(calls, [
    'create /ml/a.yml:1',
    'update 1 line=6',
    'update 4 status=active',
    'comment 4: again!',
    'edit 8/1',
    'create /ml/a.yml:22', // a deleted thread is not ours any more
    'update 3 status=fixed',
    'comment 3: fixed!',
  ]);
  assert.deepEqual(report, { created: 2, updated: 2, reopened: 1, closed: 1, unchanged: 2 });
  assert.equal(created[0].fingerprint, 'new');
});

test('sync: a second thread for the same problem (two builds racing) is closed, the older one kept', async () => {
  const { client, calls } = recordingClient([thread(12, 'p', 'active', 1), thread(10, 'p', 'active', 1)]);
  await syncThreads([problem('p', 1)], client, notes);
  assert.deepEqual(calls, ['update 12 status=fixed', 'comment 12: fixed!']);
});

test('sync: nothing to do means no write', async () => {
  const { client, calls } = recordingClient([thread(1, 'a', 'active', 1), thread(2, 'b', 'fixed', 2)]);
  const report = await syncThreads([problem('a', 1)], client, notes);
  assert.deepEqual(calls, []);
  assert.deepEqual(report, { created: 0, updated: 0, reopened: 0, closed: 0, unchanged: 1 });
});

const PR_VARIABLES: Record<string, string> = {
  'Build.Reason': 'PullRequest',
  'Build.Repository.Provider': 'TfsGit',
  'System.PullRequest.PullRequestId': '17',
  'System.TeamFoundationCollectionUri': 'https://dev.azure.com/contoso/',
  'System.TeamProject': 'ml',
  'Build.Repository.ID': 'repo-1',
  'Build.Repository.LocalPath': repo,
  'Build.BuildNumber': '20261126.3',
};

function fakePipeline(variables: Record<string, string>, token: string | undefined) {
  const out = { warnings: [] as string[], printed: [] as string[], secrets: [] as string[] };
  const pipeline: PullRequestPipeline = {
    variable: (name) => variables[name],
    accessToken: () => token,
    setSecret: (v) => void out.secrets.push(v),
    print: (t) => void out.printed.push(t),
    warning: (m) => void out.warnings.push(m),
    debug: () => undefined,
    requestOptions: () => ({}),
  };
  return { pipeline, out };
}

test('which builds comment: only Azure Repos pull-request builds', () => {
  assert.ok('target' in findPullRequest((n) => PR_VARIABLES[n]));
  const skip = (overrides: Record<string, string | undefined>) => {
    const found = findPullRequest((n) => (n in overrides ? overrides[n] : PR_VARIABLES[n]));
    assert.ok('skip' in found);
    return found;
  };
  assert.deepEqual(skip({ 'Build.Reason': 'IndividualCI' }), { skip: 'not a pull-request build (Build.Reason is IndividualCI)', warn: false });
  assert.equal(skip({ 'Build.Repository.Provider': 'GitHub' }).warn, false);
  assert.equal(skip({ 'System.PullRequest.PullRequestId': undefined }).warn, true);
  assert.equal(skip({ 'System.PullRequest.PullRequestId': 'abc' }).warn, true);
  assert.match(skip({ 'Build.Repository.ID': undefined, 'System.TeamProject': undefined }).skip, /Build\.Repository\.ID, System\.TeamProject/);
});

test('commentOnPullRequest: no connection outside a pull-request build; the token is masked before use', async () => {
  let connected = 0;
  const connect: ConnectThreads = async () => {
    connected++;
    return recordingClient([]).client;
  };
  const ci = fakePipeline({ ...PR_VARIABLES, 'Build.Reason': 'Manual' }, 'tok');
  assert.equal(await commentOnPullRequest(result([]), ci.pipeline, connect), undefined);
  assert.equal(connected, 0);
  assert.deepEqual(ci.out.warnings, []);
  assert.deepEqual(ci.out.secrets, []);

  const pr = fakePipeline(PR_VARIABLES, 'tok');
  const report = await commentOnPullRequest(result([{}]), pr.pipeline, connect);
  assert.equal(connected, 1);
  assert.equal(report?.created, 1);
  assert.deepEqual(pr.out.secrets, ['tok']);
  assert.deepEqual(pr.out.printed, ['Pull request 17: 1 thread created, 0 updated, 0 reopened, 0 closed, 0 unchanged.']);

  const noToken = fakePipeline(PR_VARIABLES, undefined);
  await commentOnPullRequest(result([{}]), noToken.pipeline, connect);
  assert.equal(connected, 1);
  assert.match(noToken.out.warnings[0], /no System\.AccessToken/);
});

test('commentOnPullRequest: a refused token, a network failure or a server error is a warning, never a throw', async () => {
  const failing = (err: Error): ConnectThreads => async () => ({
    ...recordingClient([]).client,
    createThread: async () => {
      throw err;
    },
  });
  for (const status of [401, 403]) {
    const { pipeline, out } = fakePipeline(PR_VARIABLES, 'tok');
    await commentOnPullRequest(result([{}]), pipeline, failing(new PullRequestApiError('creating a thread failed', status)));
    assert.equal(out.warnings.length, 1);
    assert.match(out.warnings[0], new RegExp(`HTTP ${status}\\).*"ml Build Service \\(contoso\\)".*"Contribute to pull requests".*not affected\\.$`));
  }
  const net = fakePipeline(PR_VARIABLES, 'tok');
  await commentOnPullRequest(result([{}]), net.pipeline, failing(new PullRequestApiError('connect ECONNREFUSED', undefined, 'ECONNREFUSED')));
  assert.match(net.out.warnings[0], /https:\/\/dev\.azure\.com\/contoso\/ could not be reached \(ECONNREFUSED\)/);
  const other = fakePipeline(PR_VARIABLES, 'tok');
  await commentOnPullRequest(result([{}]), other.pipeline, async () => {
    throw new Error('##vso[task.complete result=Failed]boom');
  });
  assert.match(other.out.warnings[0], /Could not comment on pull request 17: ##_vso\[task\.complete result=Failed\]boom\. The validation result is not affected\./);
});
