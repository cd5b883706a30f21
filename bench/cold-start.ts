// DESIGN §7 "task cold start, validate the sample project ≤ 0.30 s wall, whole process": runs
// the bundled MLStepsValidate@1 the way the Azure Pipelines agent does — `node <bundle>` with the
// inputs as INPUT_*, the job's SYSTEM_* / BUILD_* / AGENT_* variables, working directory
// System.DefaultWorkingDirectory (the repository root) — on samples/credit-risk, and checks each
// run Succeeded with no problem found.
//
// The peer, measured in the same run when installed: the Azure CLI (`az`, Debian's azure-cli
// package), which DESIGN §7's budget is set against ("az needs 0.75 s just to load one command
// module"). `az ml` itself is a Python extension from PyPI and cannot be installed here, so the
// peer runs `az group list` with a fresh configuration folder (not signed in, telemetry off): it
// loads one command module (resource, behind `az group`), parses the command line and stops where
// it would need a credential ("Please run 'az login'"), without touching the network, which is
// the same distance the task goes before its first request. When `az` is absent the row says so.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseLoggingCommands, taskResult } from '../tests/helpers/logging-commands';
import { agentEnv, taskBundle } from '../tests/helpers/task-runner';
import { BenchError, type Log, type ProcessRun, projectRoot, type Row, describeRuns, runStats, seconds, timeProcess } from './lib';

const TASK = 'MLStepsValidateV1';
const SAMPLE = 'samples/credit-risk';
const BUDGET_SECONDS = 0.3;
const WARMUP = 1;
const RUNS = 10;
/** The peer's command and how many times it runs (it takes several times longer than the task). */
const PEER_ARGS = ['group', 'list'];
const PEER_RUNS = 5;

export const name = 'task cold start';

export async function run(log: Log): Promise<Row[]> {
  const bundle = taskBundle(TASK); // throws "run npm run build" when missing
  const agentTemp = mkdtempSync(path.join(os.tmpdir(), 'mlsteps-bench-agent-'));
  try {
    const env = agentEnv({
      sourcesDir: projectRoot,
      tempDir: agentTemp,
      inputs: { project: SAMPLE, failOnWarnings: 'false', publishTestResults: 'true' },
    });
    const once = (): ProcessRun => {
      const r = timeProcess(process.execPath, [bundle], { cwd: projectRoot, env });
      checkSucceeded(r);
      return r;
    };
    log(`${name}: node ${path.relative(projectRoot, bundle)} on ${SAMPLE}, ${WARMUP} warm-up + ${RUNS} runs`);
    for (let i = 0; i < WARMUP; i++) once();
    const runs = Array.from({ length: RUNS }, once);
    const task = runStats(runs);

    // For reference: what any Node process costs here, and the CLI on the same project.
    const floor = runStats(Array.from({ length: RUNS }, () => timeProcess(process.execPath, ['-e', '0'])));
    const cli = runStats(
      Array.from({ length: RUNS }, () => {
        const r = timeProcess(process.execPath, [path.join(projectRoot, 'bin', 'mlsteps.js'), 'validate', SAMPLE, '--format', 'json'], { cwd: projectRoot });
        if (r.status !== 0) throw new BenchError(`mlsteps validate ${SAMPLE} exited ${r.status}:\n${r.stdout}${r.stderr}`);
        return r;
      }),
    );
    const peer = azurePeer(log, task.wall.median);
    return [
      {
        what: `task cold start: MLStepsValidate@1 bundle validates ${SAMPLE} (whole process)`,
        measured: describeRuns(task.wall, task.cpu),
        budget: `≤ ${BUDGET_SECONDS.toFixed(2)} s wall`,
        pass: task.wall.median <= BUDGET_SECONDS,
      },
      peer,
      { what: `reference: \`mlsteps validate ${SAMPLE} --format json\` (whole process)`, measured: describeRuns(cli.wall, cli.cpu), budget: '—' },
      { what: 'reference: `node -e 0` (Node start-up floor)', measured: describeRuns(floor.wall, floor.cpu), budget: '—' },
    ];
  } finally {
    rmSync(agentTemp, { recursive: true, force: true });
  }
}

/** The Azure CLI on PATH, if installed (looked up without running it: `az --version` goes online). */
function findAz(): string | undefined {
  const names = process.platform === 'win32' ? ['az.cmd', 'az.exe'] : ['az'];
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    for (const n of names) if (dir && existsSync(path.join(dir, n))) return path.join(dir, n);
  }
  return undefined;
}

/** The peer's row: `az group list`, not signed in, timed like the task; or why it is missing. */
function azurePeer(log: Log, taskMedian: number): Row {
  const what = `peer: Azure CLI \`az ${PEER_ARGS.join(' ')}\`, not signed in (loads one command module, stops before the network; whole process)`;
  const az = findAz();
  if (!az) {
    log(`${name}: peer not installed: apt-get install azure-cli`);
    return { what, measured: 'peer not installed: apt-get install azure-cli', budget: '—' };
  }
  // A configuration folder of its own: no sign-in of this machine's user (which would make the
  // command go online), no telemetry upload at exit, and a command index built by the warm-up.
  const config = mkdtempSync(path.join(os.tmpdir(), 'mlsteps-bench-az-'));
  try {
    const env = { ...process.env, AZURE_CONFIG_DIR: config, AZURE_CORE_COLLECT_TELEMETRY: 'no', AZURE_CORE_NO_COLOR: 'true' };
    const version = spawnSync(az, ['version', '--output', 'json'], { env, encoding: 'utf8', timeout: 60_000 });
    let cli = 'unknown version';
    try {
      cli = `azure-cli ${(JSON.parse(version.stdout) as Record<string, string>)['azure-cli']}`;
    } catch {
      // keep "unknown version"
    }
    const once = (): ProcessRun => {
      const r = timeProcess(az, PEER_ARGS, { env });
      if (!/az login/.test(r.stderr)) throw new BenchError(`az ${PEER_ARGS.join(' ')} did not stop at the sign-in (exit ${r.status}):\n${r.stdout.slice(0, 1000)}${r.stderr.slice(0, 1000)}`);
      return r;
    };
    log(`${name}: peer ${az} ${PEER_ARGS.join(' ')} (${cli}), 1 warm-up (builds its command index) + ${PEER_RUNS} runs`);
    once();
    const peer = runStats(Array.from({ length: PEER_RUNS }, once));
    return {
      what,
      measured: `${describeRuns(peer.wall, peer.cpu)}; ${cli}; ×${(peer.wall.median / taskMedian).toFixed(1)} the task's median (${seconds(taskMedian)})`,
      budget: '—',
    };
  } finally {
    rmSync(config, { recursive: true, force: true });
  }
}

/** A run that did not validate the sample cleanly measured something else: stop. */
function checkSucceeded(r: ProcessRun): void {
  const result = taskResult(parseLoggingCommands(r.stdout));
  if (r.status !== 0 || result?.result !== 'Succeeded' || !/^mlsteps validate: no problems in [1-9]\d* run configurations/.test(result.message)) {
    throw new BenchError(
      `the task did not validate ${SAMPLE} cleanly (exit ${r.status}, result ${result?.result ?? 'none'}: ${result?.message ?? ''}):\n` +
        r.stdout.split('\n').filter((l) => !l.startsWith('##vso[task.debug]')).join('\n') + r.stderr,
    );
  }
}
