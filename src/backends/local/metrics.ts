import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export type Metrics = Record<string, number>;

/**
 * `outputs/metrics.json`: an object of metric name → number. A list of numbers counts as a
 * metric's history (its last value is the metric); other values are ignored.
 */
export function readMetricsJson(file: string): Metrics {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return {};
  }
  const metrics: Metrics = {};
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return metrics;
  for (const [name, value] of Object.entries(data)) {
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    const n = typeof last === 'number' ? last : typeof last === 'string' && last.trim() !== '' ? Number(last) : NaN;
    if (Number.isFinite(n)) metrics[name] = n;
  }
  return metrics;
}

/**
 * An MLflow file store (`MLFLOW_TRACKING_URI=file:…`): `<experiment id>/<run id>/metrics/<name>`,
 * each a file of `timestamp value step` lines, one per logged value. A metric's value is its
 * latest (highest step, then latest timestamp, as MLflow's `get_run` reports); names with `/`
 * are nested folders. When several runs log the same metric, the latest logged value wins.
 */
export function readMlflowFileStore(root: string): Metrics {
  const latest = new Map<string, { step: number; timestamp: number; value: number }>();
  for (const experiment of list(root)) {
    if (experiment.startsWith('.') || experiment === 'models') continue;
    for (const run of list(join(root, experiment))) {
      const metricsDir = join(root, experiment, run, 'metrics');
      if (!isDir(metricsDir)) continue;
      for (const name of metricFiles(metricsDir, '')) {
        const point = lastPoint(join(metricsDir, ...name.split('/')));
        if (!point) continue;
        const seen = latest.get(name);
        if (!seen || point.timestamp > seen.timestamp || (point.timestamp === seen.timestamp && point.step >= seen.step)) latest.set(name, point);
      }
    }
  }
  const metrics: Metrics = {};
  for (const [name, point] of [...latest].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) metrics[name] = point.value;
  return metrics;
}

/** Metrics of a finished command: the MLflow file store, then `outputs/metrics.json` (which wins a tie). */
export function readRunMetrics(options: { cwd: string; mlruns: string }): Metrics {
  return { ...readMlflowFileStore(options.mlruns), ...readMetricsJson(join(options.cwd, 'outputs', 'metrics.json')) };
}

function lastPoint(file: string): { step: number; timestamp: number; value: number } | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  let best: { step: number; timestamp: number; value: number } | undefined;
  for (const line of text.split(/\r?\n/)) {
    const [ts, v, st] = line.trim().split(/\s+/);
    if (ts === undefined || v === undefined) continue;
    const timestamp = Number(ts);
    const value = Number(v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v);
    const step = st === undefined ? 0 : Number(st);
    if (!Number.isFinite(timestamp) || Number.isNaN(value) || !Number.isFinite(step)) continue;
    if (!best || step > best.step || (step === best.step && timestamp >= best.timestamp)) best = { step, timestamp, value };
  }
  return best;
}

function metricFiles(dir: string, prefix: string): string[] {
  const out: string[] = [];
  for (const entry of list(dir)) {
    const abs = join(dir, entry);
    if (isDir(abs)) out.push(...metricFiles(abs, `${prefix}${entry}/`));
    else out.push(`${prefix}${entry}`);
  }
  return out;
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
