// `mlsteps plan` over 1,000 and 10,000 generated run configurations (issue 3): the whole CLI
// process, printing the plan as JSON. DESIGN §7 sets no budget of its own for planning; the row
// shows the validate budget beside it, since a plan validates first and then resolves and
// fingerprints every step (hashing each code folder once).
import * as path from 'node:path';
import { generateProject } from './generate';
import { BenchError, type Log, type ProcessRun, projectRoot, type Row, describeRuns, runStats, seconds, timeInProcess, timeProcess } from './lib';

const CLI = path.join(projectRoot, 'bin', 'mlsteps.js');
const SIZES = [
  { n: 1_000, warmup: 1, runs: 5 },
  { n: 10_000, warmup: 0, runs: 3 },
];

export const name = 'plan at scale';

export async function run(log: Log): Promise<Row[]> {
  const rows: Row[] = [];
  for (const size of SIZES) {
    const project = (await timeInProcess(() => generateProject(size.n))).value;
    try {
      const once = (): ProcessRun => {
        const r = timeProcess(process.execPath, [CLI, 'plan', project.dir, '--format', 'json'], { cwd: projectRoot });
        let steps = -1;
        try {
          steps = (JSON.parse(r.stdout) as { steps: unknown[] }).steps.length;
        } catch {
          // reported below
        }
        if (r.status !== 0 || steps !== project.runConfigs) {
          throw new BenchError(`mlsteps plan ${project.dir} exited ${r.status} with ${steps} steps (expected ${project.runConfigs}):\n${r.stderr.slice(0, 2000)}`);
        }
        return r;
      };
      log(`${name}: node bin/mlsteps.js plan <${size.n.toLocaleString('en-US')} run configs> --format json, ${size.warmup} warm-up + ${size.runs} runs`);
      for (let i = 0; i < size.warmup; i++) once();
      const cli = runStats(Array.from({ length: size.runs }, once));
      const reference = size.n / 1000;
      rows.push({
        what: `\`mlsteps plan\`, ${size.n.toLocaleString('en-US')} generated run configs (whole CLI process, --format json)`,
        measured: describeRuns(cli.wall, cli.cpu) + `; ${seconds(cli.wall.median / reference)} per 1,000`,
        budget: `— (no budget; validate's is ≤ ${seconds(reference)})`,
      });
    } finally {
      project.cleanup();
    }
  }
  return rows;
}
