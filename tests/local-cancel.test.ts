// Cancelling a local run: SIGINT (Ctrl-C) or SIGTERM (an agent cancelling the job) to the process
// running `mlsteps run` kills the running step's process and what it started, and exits 130.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PROJECT_ROOT } from './helpers/cli';
import { isRunning, localProject } from './helpers/local';

const RUNNER = join(PROJECT_ROOT, 'tests', 'helpers', 'local-run.ts');

async function waitFor(what: string, check: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function cancelRun(signal: NodeJS.Signals, script: string, killGraceMs?: number) {
  const pids = mkdtempSync(join(tmpdir(), 'mlsteps-pids-'));
  const p = localProject({
    'src/long.sh': script,
    'src/quick.sh': 'echo quick\n',
    'runconfigs/long.yml': `command: sh long.sh \${{inputs.pids}}\ncode: ../src\ncompute: local\ninputs: {pids: "${pids}"}\n`,
    'runconfigs/next.yml': 'command: sh quick.sh\ncode: ../src\ncompute: local\nneeds: [long]\n',
  });
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', RUNNER, JSON.stringify({ path: p.dir, ...(killGraceMs ? { killGraceMs } : {}) })], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await waitFor('the long step to start its processes', () => existsSync(join(pids, 'grandchild')) && existsSync(join(pids, 'child')) && out.includes('[long] long step running'));
    const stepPid = Number(readFileSync(join(pids, 'child'), 'utf8'));
    const grandchildPid = Number(readFileSync(join(pids, 'grandchild'), 'utf8'));
    assert.ok(isRunning(stepPid) && isRunning(grandchildPid));
    child.kill(signal);
    const code = await exited;
    return { code, out, err, stepPid, grandchildPid };
  } finally {
    p.cleanup();
    rmSync(pids, { recursive: true, force: true });
  }
}

// The step's script starts a grandchild (sleep) and waits for it. Pids are written to a temporary
// file and renamed, so a file that exists is complete.
const LONG = `dir=$1
sleep 300 &
echo $! > "$dir/grandchild.tmp" && mv "$dir/grandchild.tmp" "$dir/grandchild"
echo $$ > "$dir/child.tmp" && mv "$dir/child.tmp" "$dir/child"
echo "long step running"
wait
`;

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  test(`${signal} while a step runs: the step's process and its grandchild are gone, exit 130`, { skip: process.platform === 'win32' }, async () => {
    const r = await cancelRun(signal, LONG);
    assert.equal(r.code, 130, r.out + r.err);
    assert.ok(!isRunning(r.stepPid), `the step's process ${r.stepPid} still runs`);
    assert.ok(!isRunning(r.grandchildPid), `the grandchild ${r.grandchildPid} still runs`);
    assert.match(r.err, new RegExp(`${signal}: stopping the running steps`));
    assert.match(r.out, /■ long cancelled/);
    assert.match(r.out, /⊘ next skipped: needs long, which was cancelled/);
    assert.match(r.out, /■ run cancelled: 0 succeeded, 0 failed, 1 skipped, 1 cancelled/);
  });
}

test('a step that ignores SIGTERM is killed after the grace period, with what it started', { skip: process.platform === 'win32' }, async () => {
  // An ignored signal stays ignored in the children: neither the script nor sleep stops on SIGTERM.
  const r = await cancelRun('SIGINT', `trap '' TERM\n${LONG}`, 500);
  assert.equal(r.code, 130, r.out + r.err);
  assert.ok(!isRunning(r.stepPid), `the step's process ${r.stepPid} still runs`);
  assert.ok(!isRunning(r.grandchildPid), `the grandchild ${r.grandchildPid} still runs`);
});
