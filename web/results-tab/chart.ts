// The sweep chart of the results tab: the objective metric of every trial, in the order the trials
// started, with the best trial marked and the best-so-far line. Pure: data in, SVG markup out (no
// charting library — the tab must stay a few kilobytes).
import type { StepReport } from '../../tasks/MLStepsRunV1/results';
import { escapeHtml } from './html';

const WIDTH = 640;
const HEIGHT = 240;
const PAD = { left: 70, right: 20, top: 22, bottom: 40 };

/** Round tick steps (1, 2, 2.5, 5 × 10^k) so the axis reads 0.70, 0.75, 0.80 rather than 0.7134. */
function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 2.5 ? 2.5 : fraction <= 5 ? 5 : 10;
  return nice * power;
}

function tickLabel(value: number, step: number): string {
  const decimals = Math.max(0, Math.min(6, -Math.floor(Math.log10(step)) + (step / 10 ** Math.floor(Math.log10(step)) === 2.5 ? 1 : 0)));
  return value.toFixed(decimals);
}

const round = (n: number) => Math.round(n * 10) / 10;

/**
 * One point per trial (a trial without the metric — failed, cancelled — sits on the axis as a
 * cross), the best trial (StepReport.bestTrial) ringed and labelled. Undefined when the step is not
 * a sweep with trials.
 */
export function renderSweepChart(step: StepReport, id: string): string | undefined {
  const trials = step.trials ?? [];
  if (trials.length === 0) return undefined;
  const metric = step.objective?.metric ?? step.bestTrial?.metric?.name;
  if (!metric) return undefined;
  const goal = step.objective?.goal ?? 'maximize';
  const values = trials.map((t) => {
    const v = t.metrics?.[metric];
    return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
  });
  const present = values.filter((v): v is number => v !== undefined);
  const bestName = step.bestTrial?.trial;
  const bestIndex = trials.findIndex((t) => t.name === bestName);

  let lo = present.length ? Math.min(...present) : 0;
  let hi = present.length ? Math.max(...present) : 1;
  if (hi - lo < 1e-12) {
    const pad = Math.abs(hi) > 0 ? Math.abs(hi) * 0.05 : 0.5;
    lo -= pad;
    hi += pad;
  }
  const step10 = niceStep(hi - lo, 4);
  const yMin = Math.floor(lo / step10) * step10;
  const yMax = Math.ceil(hi / step10) * step10;
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const x = (i: number) => PAD.left + (trials.length === 1 ? plotW / 2 : (i * plotW) / (trials.length - 1));
  const y = (v: number) => PAD.top + plotH - ((v - yMin) / (yMax - yMin)) * plotH;
  const baseline = PAD.top + plotH;

  const out: string[] = [];
  const titleId = `${id}-title`;
  const descId = `${id}-desc`;
  const best = bestIndex >= 0 ? values[bestIndex] : undefined;
  const summary =
    `${trials.length} trial${trials.length === 1 ? '' : 's'} of ${step.step}, ${metric} (${goal}) by trial in start order` +
    (bestIndex >= 0 ? `; best: trial ${bestIndex + 1} (${bestName})${best !== undefined ? ` with ${metric} ${best}` : ''}` : '') +
    (present.length < trials.length ? `; ${trials.length - present.length} without a value` : '');
  out.push(
    `<svg class="mls-chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-labelledby="${titleId} ${descId}" data-metric="${escapeHtml(metric)}">`,
    `<title id="${titleId}">${escapeHtml(metric)} by trial</title>`,
    `<desc id="${descId}">${escapeHtml(summary)}</desc>`,
  );

  // Grid and y axis labels.
  for (let v = yMin, n = 0; v <= yMax + step10 / 2 && n < 20; v += step10, n++) {
    const gy = round(y(v));
    out.push(`<line class="mls-chart-grid" x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${gy}" y2="${gy}"/>`);
    out.push(`<text class="mls-chart-tick" x="${PAD.left - 8}" y="${gy}" text-anchor="end" dominant-baseline="middle">${tickLabel(v, step10)}</text>`);
  }
  out.push(`<line class="mls-chart-axis" x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${baseline}" y2="${baseline}"/>`);
  // x labels: every trial while they fit, else about 12 of them.
  const every = Math.max(1, Math.ceil(trials.length / 12));
  trials.forEach((_, i) => {
    if (i % every === 0 || i === trials.length - 1) {
      out.push(`<text class="mls-chart-tick" x="${round(x(i))}" y="${baseline + 16}" text-anchor="middle">${i + 1}</text>`);
    }
  });
  out.push(`<text class="mls-chart-label" x="${PAD.left + plotW / 2}" y="${HEIGHT - 4}" text-anchor="middle">trial (in start order)</text>`);
  out.push(
    `<text class="mls-chart-label" transform="translate(12 ${PAD.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeHtml(metric)} ${goal === 'minimize' ? '(lower is better)' : '(higher is better)'}</text>`,
  );

  // Best so far: how the sweep converged.
  let running: number | undefined;
  const path: string[] = [];
  values.forEach((v, i) => {
    if (v === undefined) return;
    const improved = running === undefined || (goal === 'minimize' ? v < running : v > running);
    if (improved) {
      if (running !== undefined) path.push(`H${round(x(i))}`);
      running = v;
      path.push(`${path.length ? 'V' : `M${round(x(i))} `}${round(y(v))}`);
    }
  });
  if (running !== undefined) {
    path.push(`H${round(x(trials.length - 1))}`);
    out.push(`<path class="mls-chart-running" d="${path.join(' ')}"/>`);
  }

  trials.forEach((t, i) => {
    const v = values[i];
    const isBest = i === bestIndex;
    const label =
      `Trial ${i + 1}: ${t.name} — ${t.status}` +
      (v !== undefined ? `, ${metric} = ${v}` : `, no ${metric}`) +
      (Object.keys(t.parameters ?? {}).length ? `; ${Object.entries(t.parameters).map(([k, p]) => `${k}=${String(p)}`).join(', ')}` : '') +
      (isBest ? ' (best)' : '');
    const attrs = `class="mls-trial${isBest ? ' mls-best' : ''}${v === undefined ? ' mls-trial-missing' : ''}" data-trial="${escapeHtml(t.name)}" data-index="${i + 1}"${v !== undefined ? ` data-value="${v}"` : ''}`;
    const cx = round(x(i));
    if (v === undefined) {
      const cy = baseline - 6;
      out.push(`<g ${attrs}><title>${escapeHtml(label)}</title><path class="mls-chart-cross" d="M${cx - 4} ${cy - 4}L${cx + 4} ${cy + 4}M${cx + 4} ${cy - 4}L${cx - 4} ${cy + 4}"/></g>`);
      return;
    }
    const cy = round(y(v));
    if (isBest) {
      out.push(
        `<g ${attrs}><title>${escapeHtml(label)}</title><circle class="mls-chart-best-ring" cx="${cx}" cy="${cy}" r="9"/><circle class="mls-chart-point" cx="${cx}" cy="${cy}" r="5"/>` +
          `<text class="mls-chart-best-label" x="${cx}" y="${Math.max(12, cy - 14)}" text-anchor="middle">best</text></g>`,
      );
    } else {
      out.push(`<g ${attrs}><title>${escapeHtml(label)}</title><circle class="mls-chart-point" cx="${cx}" cy="${cy}" r="4.5"/></g>`);
    }
  });
  out.push('</svg>');
  return out.join('');
}
