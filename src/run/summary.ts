import type { LocalRunResult, StepResult } from '../backends/local';

export const paint = (on: boolean | undefined, code: string) => (s: string) => (on ? `\x1b[${code}m${s}\x1b[0m` : s);

/** 0.4 s, 12.3 s, 2 min 05 s. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return '';
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

/** Integers as they are; others with 4 decimals (or 6 significant digits when large). */
export function formatMetric(value: number | undefined): string {
  if (value === undefined) return '';
  if (Number.isInteger(value)) return String(value);
  if (!Number.isFinite(value)) return String(value);
  return Math.abs(value) >= 1e4 ? String(Number(value.toPrecision(6))) : value.toFixed(4);
}

export function formatParameters(parameters: Record<string, unknown> | undefined): string {
  return parameters ? Object.entries(parameters).map(([k, v]) => `${k}=${String(v)}`).join(' ') : '';
}

/** The table at the end of a run: step, status, duration, one column per metric, best parameters. */
export function formatSummary(result: LocalRunResult, options: { color?: boolean } = {}): string {
  const green = paint(options.color, '32');
  const red = paint(options.color, '31');
  const yellow = paint(options.color, '33');
  const dim = paint(options.color, '2');
  const bold = paint(options.color, '1');
  const metricNames: string[] = [];
  for (const step of result.steps) for (const name of Object.keys(step.metrics)) if (!metricNames.includes(name)) metricNames.push(name);
  const hasBest = result.steps.some((s) => s.sweep?.best);
  const header = ['step', 'status', 'duration', ...metricNames, ...(hasBest ? ['best parameters'] : [])];
  const rows = result.steps.map((s) => [s.name, statusText(s), formatDuration(s.durationMs), ...metricNames.map((m) => formatMetric(s.metrics[m])), ...(hasBest ? [formatParameters(s.sweep?.best?.parameters)] : [])]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const numeric = (i: number) => i >= 2 && i < 3 + metricNames.length;
  const line = (cells: string[], colorFor?: (i: number, cell: string) => string) =>
    cells
      .map((c, i) => {
        const padded = numeric(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]);
        return colorFor ? colorFor(i, padded) : padded;
      })
      .join('  ')
      .trimEnd();
  const out: string[] = [bold(line(header)), dim(widths.map((w) => '─'.repeat(w)).join('  '))];
  result.steps.forEach((s, r) => {
    const color = s.status === 'succeeded' ? green : s.status === 'failed' ? red : s.status === 'skipped' || s.status === 'cancelled' ? yellow : (x: string) => x;
    out.push(line(rows[r], (i, cell) => (i === 1 ? color(cell) : cell)));
  });
  const explained = result.steps.filter((s) => s.reason && s.status !== 'succeeded');
  if (explained.length > 0) {
    out.push('');
    for (const s of explained) out.push(`${s.status === 'failed' ? red('failed') : yellow(s.status)}: ${s.name} — ${s.reason}`);
  }
  out.push('');
  out.push(closingLine(result, options));
  return out.join('\n') + '\n';
}

function statusText(s: StepResult): string {
  if (s.status === 'skipped' && s.skip === 'packages') return 'skipped (packages)';
  if (s.status === 'skipped' && s.skip === 'unsupported') return 'skipped (not local)';
  if (s.status === 'not-run') return 'dry run';
  return s.status;
}

export function closingLine(result: LocalRunResult, options: { color?: boolean } = {}): string {
  const count = (f: (s: StepResult) => boolean) => result.steps.filter(f).length;
  const succeeded = count((s) => s.status === 'succeeded');
  const failed = count((s) => s.status === 'failed');
  const skipped = count((s) => s.status === 'skipped');
  const cancelled = count((s) => s.status === 'cancelled');
  const parts = [`${succeeded} succeeded`, `${failed} failed`];
  if (skipped) parts.push(`${skipped} skipped`);
  if (cancelled) parts.push(`${cancelled} cancelled`);
  if (result.dryRun) {
    const wouldRun = count((s) => s.status === 'not-run');
    return `dry run: ${wouldRun} step${wouldRun === 1 ? '' : 's'} would run${skipped ? `, ${skipped} would be skipped` : ''}${failed ? `, ${failed} cannot run` : ''}`;
  }
  const where = ` — run folder ${result.runDir}`;
  if (result.cancelled) return paint(options.color, '33')(`■ run cancelled: ${parts.join(', ')}${where}`);
  if (result.status === 'failed') return paint(options.color, '31')(`✖ ${result.timedOut ? 'run timed out' : 'run failed'}: ${parts.join(', ')}${where}`);
  return paint(options.color, '32')(`✔ ${parts.join(', ')}${where}`);
}
