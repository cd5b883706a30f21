// `npm run fuzz [-- --runs N] [--seed S|random] [--path P]`: the fuzz suite at full size.
// --keep-going surveys: one failing case per kind of problem, no shrinking.
// FUZZ_RUNS and FUZZ_SEED set the same knobs from the environment. Exit 1 when a case fails.
import { DEFAULT_SEED, formatReport, runFuzz } from './run';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<number> {
  const runs = Number(option('runs') ?? process.env.FUZZ_RUNS ?? 10_000);
  const seedText = option('seed') ?? process.env.FUZZ_SEED ?? String(DEFAULT_SEED);
  const seed = seedText === 'random' ? Date.now() % 2 ** 31 : Number(seedText);
  const path = option('path');
  if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(seed)) {
    process.stderr.write('usage: npm run fuzz -- [--runs N] [--seed S|random] [--path P]\n');
    return 2;
  }
  process.stdout.write(`fuzz: ${path ? `replaying path ${path}` : `${runs} cases`}, seed ${seed}\n`);
  const report = await runFuzz({ runs, seed, path, keepGoing: process.argv.includes('--keep-going'), progress: (line) => process.stdout.write(`  ${line}\n`) });
  process.stdout.write(formatReport(report) + '\n');
  return report.failure || report.survey?.size ? 1 : 0;
}

main().then((code) => (process.exitCode = code));
