import type { SearchExpression, SweepSpec } from '../../model/step';
import type { Metrics } from './metrics';

export type ParameterValue = string | number | boolean;
export type Parameters = Record<string, ParameterValue>;

/** The seed of random sampling when the run configuration sets none, so local runs repeat. */
export const DEFAULT_SEED = 42;
/** Random trials run locally when `limits.max_total_trials` is not set (Azure ML's default is 1,000). */
export const DEFAULT_RANDOM_TRIALS = 10;

export interface TrialPlan {
  trials: Parameters[];
  /** Things a user should know: a sampling done differently here, a default used. */
  notes: string[];
  /** Why the sweep cannot be run locally. */
  error?: string;
}

/** The trials of a sweep: grid (every combination of `choice` values) or random sampling. */
export function planTrials(sweep: SweepSpec): TrialPlan {
  const notes: string[] = [];
  const space = sweep.searchSpace;
  const limit = sweep.limits.max_total_trials;
  if (Object.keys(space).length === 0) return { trials: [], notes, error: 'the sweep has an empty search_space' };
  for (const [name, expr] of Object.entries(space)) {
    const problem = checkExpression(expr);
    if (problem) return { trials: [], notes, error: `search_space.${name}: ${problem}` };
  }
  if (sweep.sampling.type === 'grid') {
    const notChoice = Object.entries(space).find(([, e]) => e.type !== 'choice');
    if (notChoice) return { trials: [], notes, error: `grid sampling takes only \`choice\` parameters; ${notChoice[0]} is \`${notChoice[1].type}\`` };
    const all = grid(space);
    if (limit !== undefined && limit < all.length) notes.push(`limits.max_total_trials is ${limit}: running the first ${limit} of ${all.length} grid points`);
    return { trials: limit !== undefined ? all.slice(0, limit) : all, notes };
  }
  if (sweep.sampling.type === 'bayesian') notes.push('bayesian sampling needs Azure ML\'s optimiser: sampling at random locally instead');
  if (sweep.sampling.rule && sweep.sampling.rule !== 'random') notes.push(`sampling rule "${sweep.sampling.rule}" is not available locally: plain random sampling instead`);
  const seed = sweep.sampling.seed ?? DEFAULT_SEED;
  let count = limit;
  if (count === undefined) {
    count = DEFAULT_RANDOM_TRIALS;
    notes.push(`limits.max_total_trials is not set: running ${count} random trials locally`);
  }
  return { trials: randomTrials(space, count, seed), notes };
}

/** Every combination of the `choice` values, the last parameter changing fastest. */
export function grid(space: Record<string, SearchExpression>): Parameters[] {
  let combos: Parameters[] = [{}];
  for (const [name, expr] of Object.entries(space)) {
    const values = (expr.values ?? []).map(toValue);
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [name]: v })));
  }
  return combos;
}

/** `count` independent draws from the search space, the same for the same seed. */
export function randomTrials(space: Record<string, SearchExpression>, count: number, seed: number): Parameters[] {
  const random = mulberry32(seed);
  const trials: Parameters[] = [];
  for (let i = 0; i < count; i++) {
    const trial: Parameters = {};
    for (const [name, expr] of Object.entries(space)) trial[name] = sample(expr, random);
    trials.push(trial);
  }
  return trials;
}

/**
 * One draw, with Azure ML's (Hyperopt's) meanings: `loguniform(min_value, max_value)` is
 * exp(uniform(min_value, max_value)), `lognormal(mu, sigma)` is exp(normal(mu, sigma)), the `q`
 * variants round to a multiple of q, `randint(upper)` is an integer in [0, upper).
 */
export function sample(expr: SearchExpression, random: () => number): ParameterValue {
  const uniform = () => expr.min_value! + random() * (expr.max_value! - expr.min_value!);
  const normal = () => expr.mu! + expr.sigma! * gaussian(random);
  const q = (x: number) => tidy(Math.round(x / expr.q!) * expr.q!);
  switch (expr.type) {
    case 'choice': {
      const values = expr.values!;
      return toValue(values[Math.min(values.length - 1, Math.floor(random() * values.length))]);
    }
    case 'randint':
      return Math.floor(random() * expr.upper!);
    case 'uniform':
      return tidy(uniform());
    case 'loguniform':
      return tidy(Math.exp(uniform()));
    case 'quniform':
      return q(uniform());
    case 'qloguniform':
      return q(Math.exp(uniform()));
    case 'normal':
      return tidy(normal());
    case 'lognormal':
      return tidy(Math.exp(normal()));
    case 'qnormal':
      return q(normal());
    case 'qlognormal':
      return q(Math.exp(normal()));
    default:
      throw new Error(`unknown search space type ${expr.type}`);
  }
}

const NEEDS: Record<string, (keyof SearchExpression)[]> = {
  choice: ['values'],
  randint: ['upper'],
  uniform: ['min_value', 'max_value'],
  loguniform: ['min_value', 'max_value'],
  quniform: ['min_value', 'max_value', 'q'],
  qloguniform: ['min_value', 'max_value', 'q'],
  normal: ['mu', 'sigma'],
  lognormal: ['mu', 'sigma'],
  qnormal: ['mu', 'sigma', 'q'],
  qlognormal: ['mu', 'sigma', 'q'],
};

function checkExpression(expr: SearchExpression): string | undefined {
  const needs = NEEDS[expr?.type];
  if (!needs) return `unknown type \`${expr?.type}\` (one of ${Object.keys(NEEDS).join(', ')})`;
  for (const key of needs) {
    if (key === 'values') {
      if (!Array.isArray(expr.values) || expr.values.length === 0) return '`choice` needs a non-empty `values` list';
    } else if (typeof expr[key] !== 'number' || !Number.isFinite(expr[key])) return `\`${expr.type}\` needs a number \`${key}\``;
  }
  if (expr.type === 'randint' && !(expr.upper! >= 1)) return '`randint` needs `upper` ≥ 1';
  if (expr.q !== undefined && !(expr.q > 0)) return '`q` must be positive';
  return undefined;
}

/** The best trial by the objective: the highest (maximize) or lowest (minimize) primary metric. */
export function bestTrial<T extends { metrics: Metrics; status: string }>(trials: readonly T[], objective: SweepSpec['objective']): T | undefined {
  let best: T | undefined;
  for (const t of trials) {
    const value = t.metrics[objective.primary_metric];
    if (t.status !== 'succeeded' || typeof value !== 'number' || Number.isNaN(value)) continue;
    const current = best?.metrics[objective.primary_metric];
    if (current === undefined || (objective.goal === 'minimize' ? value < current : value > current)) best = t;
  }
  return best;
}

function toValue(v: unknown): ParameterValue {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : JSON.stringify(v);
}

/** 10 significant digits: 0.30000000000000004 → 0.3, without losing a real value's precision. */
function tidy(x: number): number {
  return Number(x.toPrecision(10));
}

/** A small, fast, seedable PRNG (Mulberry32): the same seed gives the same trials on every machine. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal draw (Box–Muller). */
function gaussian(random: () => number): number {
  let u = 0;
  while (u === 0) u = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}
