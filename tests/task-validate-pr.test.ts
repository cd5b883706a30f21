// MLStepsValidate@1 on a pull-request build with commentOnPullRequest, run as the agent runs it
// (`node dist/tasks/MLStepsValidateV1/index.js` with the job's variables in the environment and
// System.AccessToken handed over as a secret), against a local stand-in for the Azure DevOps REST
// routes. Every request the task makes is recorded and asserted.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { LoggingCommand } from './helpers/logging-commands';
import { startPullRequestStandIn, type RecordedRequest, type StandIn } from './helpers/pull-request-standin';
import { agentEnv, runTaskBundle, type TaskRun } from './helpers/task-runner';
import { TASK_PROJECT_BASE } from './helpers/project';

const TASK = 'MLStepsValidateV1';
const TOKEN = `pr-threads-test-token-${randomUUID()}`;
const PROJECT = 'Credit Risk'; // a space, so the route must encode it
const REPOSITORY_ID = 'c2a3b0a4-5f0e-4f7e-9a53-6a1a8b2b9f11';
const PULL_REQUEST = 17;
const DOCS = 'https://github.com/mlsteps/mlsteps/blob/main/docs/diagnostics.md';
const THREADS = `/${PROJECT}/_apis/git/repositories/${REPOSITORY_ID}/pullRequests/${PULL_REQUEST}/threads`;
const DISCOVERY = ['OPTIONS /_apis/Location', 'GET /_apis/ResourceAreas', 'OPTIONS /_apis/git', `GET ${THREADS}`];

const PROJECT_FILES: Record<string, string> = {
  ...TASK_PROJECT_BASE,
};

/**
 * Three problems: MLS104 (3:14, error), MLS101 (5:1, error), MLS121 (8:3, warning). `moved` adds a
 * line before `tagz`, moving the last two down by one; `fixed` corrects the environment.
 */
function trainYml(o: { fixed?: boolean; moved?: boolean; warningOnly?: boolean } = {}): string {
  return [
    'command: python train.py --data ${{inputs.data}}',
    'code: ../src',
    `environment: ${o.fixed || o.warningOnly ? 'sklearn' : 'sklern'}`,
    'compute: cpu-cluster',
    ...(o.moved ? ['description: trains the model'] : []),
    ...(o.warningOnly ? [] : ['tagz: {team: credit}']),
    'inputs:',
    '  data: {dataset: subset}',
    '  alpha: 0.5',
    '',
  ].join('\n');
}

interface Box {
  root: string;
  sources: string;
  agentTemp: string;
}

const boxes: Box[] = [];
const runs: { run: TaskRun; box: Box }[] = [];
after(() => {
  for (const b of boxes) rmSync(b.root, { recursive: true, force: true });
});

function sandbox(train: string): Box {
  const root = realpathSync.native(mkdtempSync(path.join(os.tmpdir(), 'mlsteps-pr-')));
  const box = { root, sources: path.join(root, 's'), agentTemp: path.join(root, '_temp') };
  mkdirSync(box.agentTemp, { recursive: true });
  for (const [name, content] of Object.entries({ ...PROJECT_FILES, 'runconfigs/train.yml': train })) {
    const file = path.join(box.sources, 'ml', name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
  boxes.push(box);
  return box;
}

function prVariables(collectionUri: string, buildNumber: string): Record<string, string> {
  return {
    'Build.Reason': 'PullRequest',
    'Build.BuildNumber': buildNumber,
    'Build.Repository.Provider': 'TfsGit',
    'Build.Repository.ID': REPOSITORY_ID,
    'System.PullRequest.PullRequestId': String(PULL_REQUEST),
    'System.TeamFoundationCollectionUri': collectionUri,
    'System.TeamProject': PROJECT,
  };
}

interface RunOptions {
  inputs?: Record<string, string>;
  variables?: Record<string, string>;
  /** How the agent hands over the token: as the System.AccessToken secret (default) or only as the SystemVssConnection endpoint. */
  token?: 'secret' | 'endpoint';
}

async function run(box: Box, collectionUri: string, buildNumber: string, o: RunOptions = {}): Promise<TaskRun> {
  const env = agentEnv({
    sourcesDir: box.sources,
    tempDir: box.agentTemp,
    inputs: { project: 'ml', failOnWarnings: 'false', publishTestResults: 'true', commentOnPullRequest: 'true', ...o.inputs },
    variables: { ...prVariables(collectionUri, buildNumber), ...o.variables },
  });
  if ((o.token ?? 'secret') === 'secret') {
    // System.AccessToken is a secret variable: the agent hands it over as SECRET_*, into task-lib's vault.
    env.SECRET_SYSTEM_ACCESSTOKEN = TOKEN;
    env.VSTS_SECRET_VARIABLES = JSON.stringify(['System.AccessToken']);
  }
  env.ENDPOINT_AUTH_SYSTEMVSSCONNECTION = JSON.stringify({ parameters: { AccessToken: TOKEN }, scheme: 'OAuth' });
  const r = await runTaskBundle(TASK, env);
  runs.push({ run: r, box });
  return r;
}

const only = (r: TaskRun, command: string): LoggingCommand[] => r.commands.filter((c) => c.command === command);
const shown = (r: TaskRun) => r.stdout.split(/\r?\n/).filter((l) => !l.startsWith('##vso[task.debug]')).join('\n') + r.stderr;
const warnings = (r: TaskRun) => only(r, 'task.logissue').filter((c) => c.properties.type === 'warning' && !c.properties.code);
const routes = (requests: RecordedRequest[]) => requests.map((q) => `${q.method} ${q.path}`);

/** The requests of one run: those made while `body` ran. */
async function requestsDuring(standIn: StandIn, body: () => Promise<TaskRun>): Promise<{ r: TaskRun; requests: RecordedRequest[] }> {
  const from = standIn.requests.length;
  const r = await body();
  return { r, requests: standIn.requests.slice(from) };
}

function assertBuildTagged(r: TaskRun) {
  assert.deepEqual(only(r, 'build.addbuildtag').map((c) => c.message), ['mlsteps'], shown(r));
}

test('a pull-request build: a thread per problem on its file and line; then moved ones follow, fixed ones close, returning ones reopen', async () => {
  const standIn = await startPullRequestStandIn({ token: TOKEN, project: PROJECT, repositoryId: REPOSITORY_ID });
  try {
    const box = sandbox(trainYml());

    // Run 1: three problems, three new threads.
    const first = await requestsDuring(standIn, () => run(box, standIn.collectionUri, '20261126.1'));
    assert.equal(first.r.result?.result, 'Failed', shown(first.r));
    assert.match(first.r.result!.message, /2 errors and 1 warning in 1 run configuration/);
    assertBuildTagged(first.r);
    assert.deepEqual(routes(first.requests), [...DISCOVERY, `POST ${THREADS}`, `POST ${THREADS}`, `POST ${THREADS}`]);
    for (const q of first.requests) assert.equal(q.authorization, `Bearer ${TOKEN}`, `${q.method} ${q.path} without the token`);
    for (const q of first.requests.slice(3)) assert.equal(q.apiVersion, '7.2-preview.1');

    const posted = first.requests.slice(4).map((q) => q.body);
    const at = (line: number, offset: number) => ({ filePath: '/ml/runconfigs/train.yml', rightFileStart: { line, offset }, rightFileEnd: { line, offset } });
    assert.deepEqual(posted.map((b) => b.threadContext), [at(3, 14), at(5, 1), at(8, 3)]);
    assert.deepEqual(posted.map((b) => b.status), [1, 1, 1], 'active');
    assert.deepEqual(
      posted.map((b) => b.comments),
      [
        [
          {
            parentCommentId: 0,
            commentType: 1,
            content: [
              '**Error MLS104**: environment "sklern" is not in the catalog',
              '',
              'Hint: did you mean "sklearn"?',
              '',
              `[MLS104 — Catalog reference does not resolve](${DOCS}#mls104--catalog-reference-does-not-resolve) · reported by MLStepsValidate@1`,
            ].join('\n'),
          },
        ],
        [
          {
            parentCommentId: 0,
            commentType: 1,
            content: [
              '**Error MLS101**: unknown key "tagz"',
              '',
              'Hint: did you mean "tags"?',
              '',
              `[MLS101 — Unknown key](${DOCS}#mls101--unknown-key) · reported by MLStepsValidate@1`,
            ].join('\n'),
          },
        ],
        [
          {
            parentCommentId: 0,
            commentType: 1,
            content: [
              '**Warning MLS121**: input "alpha" is never used by the command',
              '',
              'Hint: pass it with ${{inputs.alpha}} or remove it',
              '',
              `[MLS121 — Input declared but never used by the command](${DOCS}#mls121--input-declared-but-never-used-by-the-command) · reported by MLStepsValidate@1`,
            ].join('\n'),
          },
        ],
      ],
    );
    const fingerprints = posted.map((b) => {
      assert.deepEqual(Object.keys(b.properties), ['mlsteps.fingerprint']);
      assert.equal(b.properties['mlsteps.fingerprint'].$type, 'System.String');
      assert.match(b.properties['mlsteps.fingerprint'].$value, /^[0-9a-f]{40}$/);
      return b.properties['mlsteps.fingerprint'].$value as string;
    });
    assert.equal(new Set(fingerprints).size, 3);
    const [envThread, keyThread, inputThread] = standIn.threads.get(PULL_REQUEST)!.map((t) => t.id);
    assert.match(shown(first.r), /Pull request 17: 3 threads created, 0 updated, 0 reopened, 0 closed, 0 unchanged\./);
    assert.deepEqual(warnings(first.r), []);

    // Run 2: the environment fixed, the other two problems one line further down.
    writeFileSync(path.join(box.sources, 'ml', 'runconfigs', 'train.yml'), trainYml({ fixed: true, moved: true }));
    const second = await requestsDuring(standIn, () => run(box, standIn.collectionUri, '20261126.2'));
    assert.equal(second.r.result?.result, 'Failed', shown(second.r));
    assert.match(second.r.result!.message, /1 error and 1 warning/);
    assert.deepEqual(routes(second.requests), [
      ...DISCOVERY,
      `PATCH ${THREADS}/${keyThread}`,
      `PATCH ${THREADS}/${inputThread}`,
      `PATCH ${THREADS}/${envThread}`,
      `POST ${THREADS}/${envThread}/comments`,
    ]);
    const bodies = second.requests.slice(4).map((q) => q.body);
    assert.deepEqual(bodies[0], { threadContext: at(6, 1) }, 'moved, not duplicated');
    assert.deepEqual(bodies[1], { threadContext: at(9, 3) });
    assert.deepEqual(bodies[2], { status: 2 }, 'fixed');
    assert.deepEqual(bodies[3], { parentCommentId: 0, commentType: 1, content: 'Fixed: MLStepsValidate@1 no longer reports this problem (build 20261126.2).' });
    assert.equal(standIn.threads.get(PULL_REQUEST)!.length, 3);
    assert.match(shown(second.r), /Pull request 17: 0 threads created, 2 updated, 0 reopened, 1 closed, 0 unchanged\./);

    // Run 3: nothing changed, nothing written.
    const third = await requestsDuring(standIn, () => run(box, standIn.collectionUri, '20261126.3'));
    assert.deepEqual(routes(third.requests), DISCOVERY);

    // Run 4: the environment typo is back: its thread reopens.
    writeFileSync(path.join(box.sources, 'ml', 'runconfigs', 'train.yml'), trainYml({ moved: true }));
    const fourth = await requestsDuring(standIn, () => run(box, standIn.collectionUri, '20261126.4'));
    assert.deepEqual(routes(fourth.requests), [...DISCOVERY, `PATCH ${THREADS}/${envThread}`, `POST ${THREADS}/${envThread}/comments`]);
    assert.deepEqual(fourth.requests[4].body, { status: 1 }, 'active again');
    assert.equal(fourth.requests[5].body.content, 'Reported again by MLStepsValidate@1 (build 20261126.4).');
    assert.deepEqual(
      standIn.threads.get(PULL_REQUEST)!.map((t) => [t.status, t.threadContext?.rightFileStart?.line]),
      [['active', 3], ['active', 6], ['active', 9]],
    );
  } finally {
    await standIn.close();
  }
});

test('without "Contribute to pull requests" (403): a warning naming the permission; the result is validation\'s', async () => {
  const standIn = await startPullRequestStandIn({ token: TOKEN, project: PROJECT, repositoryId: REPOSITORY_ID });
  standIn.refuseWrites = 403;
  try {
    const box = sandbox(trainYml({ warningOnly: true }));
    const { r, requests } = await requestsDuring(standIn, () => run(box, standIn.collectionUri, '20261126.5'));
    assert.equal(r.result?.result, 'SucceededWithIssues', shown(r));
    assert.match(r.result!.message, /1 warning in 1 run configuration/);
    assert.deepEqual(routes(requests), [...DISCOVERY, `POST ${THREADS}`]);
    const [warning, ...more] = warnings(r);
    assert.deepEqual(more, []);
    assert.match(warning.message, /Could not comment on pull request 17: Azure DevOps refused the build's access token \(HTTP 403\)/);
    assert.match(warning.message, /"Credit Risk Build Service \(contoso\)"/);
    assert.match(warning.message, /"Contribute to pull requests" permission on the repository/);
    assert.match(warning.message, /The validation result is not affected\.$/);
    // The validation's own finding is still reported as before.
    assert.deepEqual(only(r, 'task.logissue').filter((c) => c.properties.code).map((c) => c.properties.code), ['MLS121']);

    // With failOnWarnings the verdict is validation's too: Failed, for the warning, not for the 403.
    const strict = await run(box, standIn.collectionUri, '20261126.6', { inputs: { failOnWarnings: 'true' } });
    assert.equal(strict.result?.result, 'Failed', shown(strict));
    assert.match(strict.result!.message, /^mlsteps validate: 1 warning/);
  } finally {
    await standIn.close();
  }
});

test('Azure DevOps unreachable: a warning, and the result is validation\'s', async () => {
  // A port that was free a moment ago: nothing listens there.
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const p = (probe.address() as { port: number }).port;
      probe.close(() => resolve(p));
    });
  });
  const box = sandbox(trainYml({ warningOnly: true }));
  const r = await run(box, `http://127.0.0.1:${port}/contoso/`, '20261126.7');
  assert.equal(r.result?.result, 'SucceededWithIssues', shown(r));
  const [warning] = warnings(r);
  assert.match(warning?.message ?? '', new RegExp(`Azure DevOps at http://127\\.0\\.0\\.1:${port}/contoso/ could not be reached \\(ECONNREFUSED\\)`), shown(r));
});

test('no request at all: not a pull-request build, the input off or absent, or a GitHub pull request', async () => {
  const standIn = await startPullRequestStandIn({ token: TOKEN, project: PROJECT, repositoryId: REPOSITORY_ID });
  try {
    const box = sandbox(trainYml());
    const cases: [string, RunOptions][] = [
      ['a CI build', { variables: { 'Build.Reason': 'IndividualCI' } }],
      ['a manual build', { variables: { 'Build.Reason': 'Manual' } }],
      ['the input off', { inputs: { commentOnPullRequest: 'false' } }],
      ['the input absent (default false)', { inputs: { commentOnPullRequest: '' } }],
      ['a GitHub pull request', { variables: { 'Build.Repository.Provider': 'GitHub' } }],
    ];
    for (const [what, options] of cases) {
      const r = await run(box, standIn.collectionUri, '20261126.8', options);
      assert.equal(r.result?.result, 'Failed', `${what}:\n${shown(r)}`);
      assertBuildTagged(r);
      assert.deepEqual(standIn.requests, [], `${what}: made requests`);
      assert.deepEqual(warnings(r), [], `${what}: warned`);
      assert.deepEqual(only(r, 'task.setsecret'), [], `${what}: read the token`);
    }
  } finally {
    await standIn.close();
  }
});

test('the token from the SystemVssConnection endpoint when System.AccessToken is not a task secret', async () => {
  const standIn = await startPullRequestStandIn({ token: TOKEN, project: PROJECT, repositoryId: REPOSITORY_ID });
  try {
    const box = sandbox(trainYml({ warningOnly: true }));
    const { r, requests } = await requestsDuring(standIn, () => run(box, standIn.collectionUri, '20261126.9', { token: 'endpoint' }));
    assert.equal(r.result?.result, 'SucceededWithIssues', shown(r));
    assert.deepEqual(routes(requests), [...DISCOVERY, `POST ${THREADS}`]);
    assert.ok(requests.every((q) => q.authorization === `Bearer ${TOKEN}`));
  } finally {
    await standIn.close();
  }
});

test('the access token appears in no output and no file (only in the task.setsecret command the agent consumes)', () => {
  assert.ok(runs.length >= 10, `only ${runs.length} runs`);
  let registered = 0;
  for (const { run: r, box } of runs) {
    const lines = r.stdout.split(/\r?\n/);
    registered += lines.filter((l) => l === `##vso[task.setsecret]${TOKEN}`).length;
    assert.ok(!lines.filter((l) => !l.startsWith('##vso[task.setsecret]')).join('\n').includes(TOKEN), 'stdout holds the token');
    assert.ok(!r.stderr.includes(TOKEN), 'stderr holds the token');
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, e.name);
        if (e.isDirectory()) walk(file);
        else if (statSync(file).size < 20_000_000) assert.ok(!readFileSync(file, 'latin1').includes(TOKEN), `${file} holds the token`);
      }
    };
    if (existsSync(box.root)) walk(box.root);
  }
  assert.ok(registered >= 8, `the token was registered with task.setsecret in ${registered} runs`);
});
