// `npm run bench`: runs each benchmark of DESIGN §7 and prints its figures beside their budgets
// as one markdown table on stdout (progress goes to stderr). Budgets are reported, never
// asserted: an OVER is a finding, not a failure. The run fails only when a benchmark cannot
// measure what it should (the build is missing, a generated project does not validate cleanly…).
//
//   npm run bench                 every benchmark
//   npm run bench -- cold         only those whose name contains "cold"
//
// To add a benchmark: a module exporting `name` and `run(log): Promise<Row[]>` (see bench/lib.ts),
// listed in BENCHMARKS below.
import * as os from 'node:os';
import * as coldStart from './cold-start';
import { removeSharedProjects } from './generate';
import * as hash from './hash';
import { BenchError, type Benchmark, type Row, seconds, table } from './lib';
import * as planScale from './plan-scale';
import * as size from './size';
import * as submit from './submit';
import * as validateScale from './validate-scale';
import * as watch from './watch';

const BENCHMARKS: Benchmark[] = [coldStart, size, validateScale, planScale, submit, watch, hash];

function machine(): string {
  const cpus = os.cpus();
  const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  return [
    `machine: ${os.availableParallelism()} CPUs (${cpus[0]?.model.trim() ?? 'unknown model'}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.type()} ${os.release()} ${os.arch()}`,
    `node ${process.version}; load average ${load}`,
  ].join('\n');
}

async function main(): Promise<number> {
  const filters = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const selected = BENCHMARKS.filter((b) => filters.length === 0 || filters.some((f) => b.name.includes(f)));
  if (selected.length === 0) {
    process.stderr.write(`no benchmark matches ${filters.join(', ')}; there are: ${BENCHMARKS.map((b) => b.name).join(', ')}\n`);
    return 2;
  }
  const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
  const busy = os.loadavg()[0] > os.availableParallelism() / 2;
  if (busy) log(`warning: load average ${os.loadavg()[0].toFixed(2)} on ${os.availableParallelism()} CPUs; other processes inflate wall times (the CPU times shown are less affected)`);
  const started = process.hrtime.bigint();
  const rows: Row[] = [];
  try {
    for (const b of selected) {
      try {
        rows.push(...(await b.run(log)));
      } catch (err) {
        if (err instanceof BenchError || (err instanceof Error && /npm run build/.test(err.message))) {
          process.stderr.write(`bench: ${b.name}: ${err.message}\n`);
          return 1;
        }
        throw err;
      }
    }
  } finally {
    removeSharedProjects(); // the generated projects the scale benchmarks share
  }
  const total = Number(process.hrtime.bigint() - started) / 1e9;
  const over = rows.filter((r) => r.pass === false).length;
  process.stdout.write(
    [
      machine(),
      '',
      table(rows),
      '',
      `${rows.filter((r) => r.pass !== undefined).length} budgets: ${over === 0 ? 'all within budget' : `${over} OVER`}. ` +
        `Wall times are medians of whole-process runs; the bench took ${seconds(total)}.`,
      '',
    ].join('\n'),
  );
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  },
);
