import { isObject, str } from './http';
import { mulberry32 } from '../../src/backends/local/sampling';

export type TrialParams = Record<string, string | number | boolean>;

/** Seeded, so the same seed gives the same numbers on every run and machine. */
const prng = mulberry32;

/**
 * Parameter sets of a sweep job, from its ARM `searchSpace` (`{"C": ["choice", [[0.1, 1]]],
 * "lr": ["uniform", [0.01, 0.1]]}`), `samplingAlgorithm` and `limits.maxTotalTrials`. Grid:
 * every combination of `choice` values; otherwise random with the algorithm's seed (default 42).
 */
export function sampleTrials(job: Record<string, unknown>, defaultRandomCount: number): TrialParams[] {
  const space = isObject(job.searchSpace) ? job.searchSpace : {};
  const sampling = isObject(job.samplingAlgorithm) ? job.samplingAlgorithm : {};
  const limits = isObject(job.limits) ? job.limits : {};
  const max = typeof limits.maxTotalTrials === 'number' ? limits.maxTotalTrials : undefined;
  const type = (str(sampling.samplingAlgorithmType) ?? 'Random').toLowerCase();
  const entries = Object.entries(space).map(([name, expr]) => [name, parseExpression(expr)] as const);
  if (entries.length === 0) return [{}];
  const allChoice = entries.every(([, e]) => e.kind === 'choice');
  if (type === 'grid' || (allChoice && type !== 'random' && type !== 'bayesian')) {
    let combos: TrialParams[] = [{}];
    for (const [name, e] of entries) {
      const values = e.kind === 'choice' ? e.values : [e.sample(() => 0.5)];
      combos = combos.flatMap((c) => values.map((v) => ({ ...c, [name]: v })));
    }
    return max !== undefined ? combos.slice(0, max) : combos;
  }
  const rand = prng(typeof sampling.seed === 'number' ? sampling.seed : 42);
  const count = Math.min(max ?? defaultRandomCount, 100);
  return Array.from({ length: count }, () => Object.fromEntries(entries.map(([name, e]) => [name, e.kind === 'choice' ? e.values[Math.floor(rand() * e.values.length)] : e.sample(rand)])));
}

type Expression = { kind: 'choice'; values: Array<string | number | boolean> } | { kind: 'continuous'; sample: (rand: () => number) => number };

function parseExpression(expr: unknown): Expression & { sample: (rand: () => number) => string | number | boolean } {
  const [fn, args] = Array.isArray(expr) ? expr : [undefined, undefined];
  const a = Array.isArray(args) ? args : [];
  const num = (i: number, d = 0) => (typeof a[i] === 'number' ? (a[i] as number) : d);
  switch (String(fn).toLowerCase()) {
    case 'choice': {
      const values = (Array.isArray(a[0]) ? a[0] : a).filter((v): v is string | number | boolean => ['string', 'number', 'boolean'].includes(typeof v));
      return { kind: 'choice', values, sample: (r) => values[Math.floor(r() * values.length)] };
    }
    case 'randint':
      return { kind: 'continuous', sample: (r) => Math.floor(r() * num(0, 10)) };
    case 'uniform':
      return { kind: 'continuous', sample: (r) => num(0) + r() * (num(1, 1) - num(0)) };
    case 'quniform':
      return { kind: 'continuous', sample: (r) => Math.round((num(0) + r() * (num(1, 1) - num(0))) / num(2, 1)) * num(2, 1) };
    case 'loguniform':
      return { kind: 'continuous', sample: (r) => Math.exp(num(0) + r() * (num(1, 1) - num(0))) };
    case 'qloguniform':
      return { kind: 'continuous', sample: (r) => Math.round(Math.exp(num(0) + r() * (num(1, 1) - num(0))) / num(2, 1)) * num(2, 1) };
    case 'normal':
    case 'lognormal':
    case 'qnormal':
    case 'qlognormal': {
      const lognormal = String(fn).toLowerCase().includes('log');
      return {
        kind: 'continuous',
        sample: (r) => {
          const z = Math.sqrt(-2 * Math.log(Math.max(r(), 1e-12))) * Math.cos(2 * Math.PI * r());
          const v = num(0) + num(1, 1) * z;
          return lognormal ? Math.exp(v) : v;
        },
      };
    }
    default:
      return { kind: 'choice', values: [String(expr)], sample: () => String(expr) };
  }
}
