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
  // A profile and steps together select both: "the pr profile, and sklearn_full too".
  const roots: string[] = [];
  if (options.profile !== undefined) {
    // Own keys only: `--profile constructor` is not a profile.
    const profile = Object.hasOwn(profiles, options.profile) ? profiles[options.profile] : undefined;
    if (!Array.isArray(profile)) {
      const names = Object.keys(profiles);
      throw new PlanError(`no profile "${options.profile}" in mlsteps.yml`, didYouMean(options.profile, names, names.length ? undefined : 'the project defines no `profiles:`'));
    }
    roots.push(...profile);
  }
  for (const name of options.steps ?? []) {
    if (!byName.has(name)) throw new PlanError(`no run configuration "${name}" in the project`, didYouMean(name, byName.keys()));
    roots.push(name);
  }
  if (options.profile === undefined && !options.steps?.length) roots.push(...nodes.map((n) => n.name));
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

/** Kahn's algorithm, taking the ready item with the lowest rank first, so the order is stable. O(n log n). */
function topological<T>(items: readonly T[], key: (t: T) => string, deps: (t: T) => string[], rank: (t: T) => [number, string]): T[] | undefined {
  const byKey = new Map(items.map((t) => [key(t), t]));
  const indegree = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const t of items) {
    const k = key(t);
    const ds = new Set(deps(t).filter((d) => byKey.has(d) && d !== k));
    indegree.set(k, ds.size);
    for (const d of ds) dependents.set(d, [...(dependents.get(d) ?? []), k]);
  }
  const ranks = new Map(items.map((t) => [key(t), rank(t)]));
  const before = (a: string, b: string) => {
    const [ra, na] = ranks.get(a)!;
    const [rb, nb] = ranks.get(b)!;
    return ra !== rb ? ra < rb : na < nb;
  };
  const ready = new MinHeap<string>(before);
  for (const [k, n] of indegree) if (n === 0) ready.push(k);
  const out: T[] = [];
  while (ready.size > 0) {
    const k = ready.pop()!;
    out.push(byKey.get(k)!);
    for (const dependent of dependents.get(k) ?? []) {
      const n = indegree.get(dependent)! - 1;
      indegree.set(dependent, n);
      if (n === 0) ready.push(dependent);
    }
  }
  return out.length === items.length ? out : undefined;
}

class MinHeap<T> {
  private readonly items: T[] = [];
  constructor(private readonly before: (a: T, b: T) => boolean) {}
  get size(): number {
    return this.items.length;
  }
  push(item: T): void {
    const a = this.items;
    a.push(item);
    for (let i = a.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!this.before(a[i], a[parent])) break;
      [a[i], a[parent]] = [a[parent], a[i]];
      i = parent;
    }
  }
  pop(): T | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      a[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.before(a[l], a[m])) m = l;
        if (r < a.length && this.before(a[r], a[m])) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m], a[i]];
        i = m;
      }
    }
    return top;
  }
}

/** Steps after the steps they need (well-known stages first among those ready, then by name). */
export function orderSteps<T extends Node>(nodes: readonly T[]): T[] {
  const ordered = topological(nodes, (n) => n.name, (n) => n.needs, (n) => [stageRank(n.stage), n.name]);
  if (!ordered) throw new PlanError('the steps\' `needs` form a cycle'); // validation reports it first (MLS112)
  return ordered;
}

/** A step that needs a step of a later stage: a pipeline cannot run it in stage order. */
export interface StageConflict {
  step: string;
  stage: string;
  need: string;
  needStage: string;
}

/**
 * Stage names in graph order: a stage comes after every stage it needs a step from. When stages
 * need each other (a loop), the order falls back to the well-known stage order and the steps
 * that break it are returned: local runs do not care, a generated pipeline must refuse them.
 */
export function orderStages<T extends Node>(nodes: readonly T[]): { stages: string[]; conflicts: StageConflict[] } {
  const stageOf = new Map(nodes.map((n) => [n.name, n.stage]));
  const stages = [...new Set(nodes.map((n) => n.stage))];
  const deps = new Map(stages.map((s) => [s, new Set<string>()]));
  for (const n of nodes) for (const need of n.needs) {
    const from = stageOf.get(need);
    if (from !== undefined && from !== n.stage) deps.get(n.stage)!.add(from);
  }
  const rank = (s: string): [number, string] => [stageRank(s), s];
  const ordered = topological(stages, (s) => s, (s) => [...deps.get(s)!], rank) ?? [...stages].sort((a, b) => stageRank(a) - stageRank(b) || (a < b ? -1 : 1));
  const index = new Map(ordered.map((s, i) => [s, i]));
  const conflicts: StageConflict[] = [];
  for (const n of nodes) for (const need of n.needs) {
    const needStage = stageOf.get(need);
    if (needStage !== undefined && index.get(needStage)! > index.get(n.stage)!) conflicts.push({ step: n.name, stage: n.stage, need, needStage });
  }
  return { stages: ordered, conflicts };
}
