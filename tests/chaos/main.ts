// `npm run chaos [-- --runs 100 --seed 6 --concurrency 3 --fault-rate 0.2 --max-minutes 15]`: the
// chaos suite at full size (tests/chaos/chaos.ts; tests/chaos.test.ts runs it small). Prints each
// run as it ends, then what was injected and checked; exit 1 when a check failed.
import { parseArgs } from 'node:util';
import { formatChaosReport, runChaos } from './chaos';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '100' },
    seed: { type: 'string', default: '6' },
    concurrency: { type: 'string', default: '3' },
    'fault-rate': { type: 'string', default: '0.2' },
    'max-minutes': { type: 'string', default: '15' },
  },
});
const number = (name: keyof typeof values): number => {
  const n = Number(values[name]);
  if (!Number.isFinite(n) || n < 0) {
    console.error(`chaos: --${name} must be a number ≥ 0, not "${values[name]}"`);
    process.exit(2);
  }
  return n;
};

runChaos({
  runs: number('runs'),
  seed: number('seed'),
  concurrency: number('concurrency'),
  faultRate: number('fault-rate'),
  maxMs: number('max-minutes') * 60_000,
  log: (line) => console.log(line),
}).then(
  (report) => {
    console.log(formatChaosReport(report));
    process.exit(report.violations.length ? 1 : 0);
  },
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
