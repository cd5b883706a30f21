import type { FaultHandle, FaultRule } from './types';

class Handle implements FaultHandle {
  matched = 0;
  hits = 0;
  readonly regex?: RegExp;
  constructor(readonly rule: FaultRule) {
    this.regex = rule.url === undefined ? undefined : typeof rule.url === 'string' ? new RegExp(rule.url) : rule.url;
  }

  /** Whether this rule applies to the request (counting it), in the given phase. */
  take(method: string, pathAndQuery: string, phase: 'before' | 'after'): boolean {
    if ((this.rule.phase ?? 'before') !== phase) return false;
    if (this.rule.method && this.rule.method.toUpperCase() !== method.toUpperCase()) return false;
    if (this.regex) {
      this.regex.lastIndex = 0;
      if (!this.regex.test(pathAndQuery)) return false;
    }
    this.matched += 1;
    if (this.matched <= (this.rule.skip ?? 0)) return false;
    const limit = this.rule.times ?? this.rule.count ?? Infinity;
    if (this.hits >= limit) return false;
    this.hits += 1;
    return true;
  }
}

/** Fault rules, tried in the order added; the first that applies (per phase) wins, `latency` adds up. */
export class Faults {
  private readonly handles: Handle[] = [];

  add(rule: FaultRule): FaultHandle {
    const h = new Handle(rule);
    this.handles.push(h);
    return h;
  }

  clear(): void {
    this.handles.length = 0;
  }

  list(): FaultHandle[] {
    return [...this.handles];
  }

  /** The faults to apply to a request now: extra latency, and at most one failure. */
  pick(method: string, pathAndQuery: string, phase: 'before' | 'after'): { latencyMs: number; failure?: FaultRule } {
    let latencyMs = 0;
    let failure: FaultRule | undefined;
    for (const h of this.handles) {
      if (h.rule.kind === 'latency') {
        if (h.take(method, pathAndQuery, phase)) latencyMs += h.rule.latencyMs ?? 200;
        continue;
      }
      if (failure) continue;
      if (h.take(method, pathAndQuery, phase)) failure = h.rule;
    }
    return { latencyMs, failure };
  }
}
