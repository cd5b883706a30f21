// DESIGN §7 "task cold start, validate the sample project ≤ 0.30 s wall, whole process": runs
// the bundled MLStepsValidate@1 the way the Azure Pipelines agent does — `node <bundle>` with the
// inputs as INPUT_*, the job's SYSTEM_* / BUILD_* / AGENT_* variables, working directory
// System.DefaultWorkingDirectory (the repository root) — on samples/credit-risk, and checks each
// run Succeeded with no problem found.
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseLoggingCommands, taskResult } from '../tests/helpers/logging-commands';
import { agentEnv, taskBundle } from '../tests/helpers/task-runner';
import { BenchError, type Log, type ProcessRun, projectRoot, type Row, describeRuns, runStats, timeProcess } from './lib';

const TASK = 'MLStepsValidateV1';
const SAMPLE = 'samples/credit-risk';
const BUDGET_SECONDS = 0.3;
const WARMUP = 1;
const RUNS = 10;

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
    return [
      {
        what: `task cold start: MLStepsValidate@1 bundle validates ${SAMPLE} (whole process)`,
        measured: describeRuns(task.wall, task.cpu),
        budget: `≤ ${BUDGET_SECONDS.toFixed(2)} s wall`,
        pass: task.wall.median <= BUDGET_SECONDS,
      },
      { what: `reference: \`mlsteps validate ${SAMPLE} --format json\` (whole process)`, measured: describeRuns(cli.wall, cli.cpu), budget: '—' },
      { what: 'reference: `node -e 0` (Node start-up floor)', measured: describeRuns(floor.wall, floor.cpu), budget: '—' },
    ];
  } finally {
    rmSync(agentTemp, { recursive: true, force: true });
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
