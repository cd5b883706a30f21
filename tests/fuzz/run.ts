// The fuzz run shared by `npm test` (a few hundred cases) and `npm run fuzz` (ten thousand): the
// same generators, the same sandbox, the same properties; only the number of cases differs.
import fc from 'fast-check';
import { anyCase } from './generators';
import { CASE_DEADLINE_MS, problemsOf, Sandbox, type CaseOutcome, type FuzzCase } from './harness';

/** The seed `npm test` and `npm run fuzz` use unless told otherwise, so a failure reproduces. */
export const DEFAULT_SEED = 20261126;

export interface FuzzOptions {
  runs: number;
  seed: number;
  /** fast-check's replay path of one case (printed with a failure or the slowest case). */
  path?: string;
  /** Progress lines, e.g. every thousand cases. */
  progress?: (line: string) => void;
  /** Survey mode: record failing cases (one per kind of problem) and go on, without shrinking. */
  keepGoing?: boolean;
}

export interface FuzzReport {
  runs: number;
  seed: number;
  elapsedMs: number;
  slowest: { ms: number; label: string; path: string };
  /** Cases per generator label prefix ("sample", "generated", "v1 import", …). */
  byKind: Record<string, number>;
  /** How deep the cases went: validation passed (no error), and a plan was made. */
  passedValidation: number;
  planned: number;
  /** The first failing case, shrunk, with how to replay it. */
  failure?: { label: string; problems: string; path: string; replay: string; tree: string[] };
  /** Survey mode: the first failing case of each kind of problem, with its replay path. */
  survey?: Map<string, { label: string; problems: string; path: string; count: number }>;
}

/** Runs one case; a case over the deadline is run again, and only counts as slow if it is slow twice. */
export async function runCase(sandbox: Sandbox, testCase: FuzzCase): Promise<{ outcome: CaseOutcome; problems: string[]; ms: number }> {
  let outcome = await sandbox.run(testCase);
  if (outcome.reply && outcome.reply.wallMs > CASE_DEADLINE_MS) {
    const again = await sandbox.run(testCase);
    if (again.reply && again.reply.wallMs < outcome.reply.wallMs) outcome = again;
  }
  return { outcome, problems: problemsOf(testCase, outcome), ms: outcome.reply?.wallMs ?? Infinity };
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const sandbox = await Sandbox.start();
  const started = performance.now();
  const report: FuzzReport = { runs: 0, seed: options.seed, elapsedMs: 0, slowest: { ms: 0, label: '', path: '' }, byKind: {}, passedValidation: 0, planned: 0 };
  let index = 0;
  let shrinking = false;
  try {
    const property = fc.asyncProperty(anyCase, async (testCase) => {
      const path = options.path ?? String(index);
      if (!shrinking) {
        index++;
        report.runs++;
        const kind = testCase.label.split(/[:,]/)[0];
        report.byKind[kind] = (report.byKind[kind] ?? 0) + 1;
        if (options.progress && report.runs % 1000 === 0) options.progress(`${report.runs} cases, ${((performance.now() - started) / 1000).toFixed(1)} s`);
      }
      const { outcome, problems, ms } = await runCase(sandbox, testCase);
      if (!shrinking) {
        if (ms > report.slowest.ms) report.slowest = { ms, label: testCase.label, path };
        if (outcome.reply && testCase.action.kind === 'validate' && !outcome.reply.diagnostics.some((d) => d.severity === 'error')) report.passedValidation++;
        if (outcome.reply?.planned) report.planned++;
      }
      if (problems.length > 0 && options.keepGoing) {
        report.survey ??= new Map();
        const kind = problems.map((p) => p.replace(/\/tmp\/[^ )]*/g, '…').replace(/\d+/g, 'N').slice(0, 80)).join(' | ');
        const seen = report.survey.get(kind);
        if (seen) seen.count++;
        else report.survey.set(kind, { label: testCase.label, problems: problems.join('\n'), path, count: 1 });
        return;
      }
      if (problems.length > 0) {
        shrinking = true;
        throw new Error(problems.join('\n'));
      }
    });
    const details = await fc.check(property, { seed: options.seed, numRuns: options.runs, path: options.path, endOnFailure: false });
    if (details.failed && details.counterexample) {
      const [testCase] = details.counterexample;
      const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
      report.failure = {
        label: testCase.label,
        problems: error,
        path: details.counterexamplePath ?? '',
        replay: `npm run fuzz -- --seed ${options.seed} --path ${details.counterexamplePath ?? ''}`,
        tree: Object.entries(testCase.tree).map(([file, content]) => `${file}: ${describe(content)}`),
      };
      report.failure.tree.push(`action: ${JSON.stringify(testCase.action)}`);
    }
  } finally {
    report.elapsedMs = performance.now() - started;
    await sandbox.close();
  }
  return report;
}

function describe(content: FuzzCase['tree'][string]): string {
  if (typeof content === 'string') return JSON.stringify(content.length > 600 ? content.slice(0, 600) + '…' : content);
  if (content instanceof Uint8Array) return `bytes ${Buffer.from(content.slice(0, 200)).toString('hex')}${content.length > 200 ? '…' : ''}`;
  if ('symlink' in content) return `symlink -> ${content.symlink}`;
  return `${content.bytes} bytes of ${JSON.stringify(content.repeat.slice(0, 40))}`;
}

export function formatReport(report: FuzzReport): string {
  const lines = [
    `fuzz: ${report.runs} cases, seed ${report.seed}, ${(report.elapsedMs / 1000).toFixed(1)} s (${Object.entries(report.byKind).map(([k, n]) => `${k} ${n}`).join(', ')})`,
    `validation passed in ${report.passedValidation} cases, a plan was made in ${report.planned}`,
    `slowest case: ${report.slowest.ms.toFixed(1)} ms — ${report.slowest.label} (replay: --seed ${report.seed} --path ${report.slowest.path})`,
  ];
  if (report.failure) {
    lines.push(`FAILED: ${report.failure.label}`, report.failure.problems, `replay: ${report.failure.replay}`, 'case:', ...report.failure.tree.map((l) => `  ${l}`));
  } else if (report.survey?.size) {
    lines.push(`FAILED: ${report.survey.size} kinds of problem`);
    for (const s of report.survey.values()) lines.push(`- ${s.count}× ${s.label} (--path ${s.path})`, ...s.problems.split('\n').map((l) => `    ${l.slice(0, 400)}`));
  } else lines.push('every case: diagnostics only, no exception, no output, nothing read outside the repository, under the deadline');
  return lines.join('\n');
}
