import { WELL_KNOWN_STEPS } from '../model/runconfig';
import { didYouMean } from '../util/suggest';

/** A selection or ordering the plan cannot honour; the CLI reports it as a usage error. */
export class PlanError extends Error {
  override name = 'PlanError';
  constructor(message: string, readonly hint?: string) {
    super(message);
  }
}

interface Node {
  name: string;
  stage: string;
  needs: string[];
}

/** The names to run: a profile's or the given steps, plus everything they need, transitively. */
export function select<T extends Node>(nodes: readonly T[], profiles: Record<string, string[]>, options: { profile?: string; steps?: readonly string[] }): Set<string> {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  let roots: string[];
  if (options.profile !== undefined && options.steps?.length) throw new PlanError('choose either --profile or --step, not both');
  if (options.profile !== undefined) {
    const profile = profiles[options.profile];
    if (!profile) {
      const names = Object.keys(profiles);
      throw new PlanError(`no profile "${options.profile}" in mlsteps.yml`, didYouMean(options.profile, names, names.length ? undefined : 'the project defines no `profiles:`'));
    }
    roots = profile;
  } else if (options.steps?.length) {
    for (const name of options.steps) {
      if (!byName.has(name)) throw new PlanError(`no run configuration "${name}" in the project`, didYouMean(name, byName.keys()));
    }
    roots = [...options.steps];
  } else roots = nodes.map((n) => n.name);
  const selected = new Set<string>();
  const stack = [...roots];
  while (stack.length > 0) {
    const name = stack.pop()!;
    if (selected.has(name)) continue;
    selected.add(name);
    for (const need of byName.get(name)?.needs ?? []) stack.push(need);
  }
  return selected;
}

const stageRank = (stage: string) => {
  const i = (WELL_KNOWN_STEPS as readonly string[]).indexOf(stage);
  return i < 0 ? WELL_KNOWN_STEPS.length : i;
};

/** Kahn's algorithm, taking the ready node with the lowest key first, so the order is stable. */
function topological<T>(items: readonly T[], key: (t: T) => string, deps: (t: T) => string[], rank: (t: T) => [number, string]): T[] | undefined {
  const byKey = new Map(items.map((t) => [key(t), t]));
  const remaining = new Map(items.map((t) => [key(t), new Set(deps(t).filter((d) => byKey.has(d) && d !== key(t)))]));
  const out: T[] = [];
  while (remaining.size > 0) {
    const ready = [...remaining].filter(([, d]) => d.size === 0).map(([k]) => byKey.get(k)!);
    if (ready.length === 0) return undefined;
    ready.sort((a, b) => {
      const [ra, na] = rank(a);
      const [rb, nb] = rank(b);
      return ra - rb || (na < nb ? -1 : na > nb ? 1 : 0);
    });
    const next = ready[0];
    out.push(next);
    remaining.delete(key(next));
    for (const d of remaining.values()) d.delete(key(next));
  }
  return out;
}

/** Steps after the steps they need (well-known stages first among those ready, then by name). */
export function orderSteps<T extends Node>(nodes: readonly T[]): T[] {
  const ordered = topological(nodes, (n) => n.name, (n) => n.needs, (n) => [stageRank(n.stage), n.name]);
  if (!ordered) throw new PlanError('the steps\' `needs` form a cycle'); // validation reports it first (MLS112)
  return ordered;
}

/** Stage names in graph order: a stage comes after every stage it needs a step from. */
export function orderStages<T extends Node>(nodes: readonly T[]): string[] {
  const stageOf = new Map(nodes.map((n) => [n.name, n.stage]));
  const stages = [...new Set(nodes.map((n) => n.stage))];
  const deps = new Map(stages.map((s) => [s, new Set<string>()]));
  for (const n of nodes) for (const need of n.needs) {
    const from = stageOf.get(need);
    if (from !== undefined && from !== n.stage) deps.get(n.stage)!.add(from);
  }
  const ordered = topological(stages, (s) => s, (s) => [...deps.get(s)!], (s) => [stageRank(s), s]);
  if (!ordered) {
    const cyclic = stages.filter((s) => [...deps.get(s)!].some((d) => deps.get(d)!.has(s)));
    throw new PlanError(
      `stages ${cyclic.map((s) => `"${s}"`).join(' and ')} need each other's steps, so no stage order exists`,
      'a pipeline runs stages one after another; move the step that causes the loop to another `step:` (stage)',
    );
  }
  return ordered;
}
