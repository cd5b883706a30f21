import { mulberry32 } from '../../src/backends/local/sampling';
import type { FaultHandle, FaultKind, FaultRule, RandomFaultHandle, RandomFaultRule } from './types';

const ALL_KINDS: FaultKind[] = ['latency', '429', '429-retry-after', '500', '503', 'reset'];

function urlRegex(url: RegExp | string | undefined): RegExp | undefined {
  return url === undefined ? undefined : typeof url === 'string' ? new RegExp(url) : url;
}

function matches(rule: { method?: string }, regex: RegExp | undefined, method: string, pathAndQuery: string): boolean {
  if (rule.method && rule.method.toUpperCase() !== method.toUpperCase()) return false;
  if (regex) {
    regex.lastIndex = 0;
    if (!regex.test(pathAndQuery)) return false;
  }
  return true;
}

class Handle implements FaultHandle {
  matched = 0;
  hits = 0;
  readonly regex?: RegExp;
  constructor(readonly rule: FaultRule) {
    this.regex = urlRegex(rule.url);
  }

  /** Whether this rule applies to the request (counting it), in the given phase. */
  take(method: string, pathAndQuery: string, phase: 'before' | 'after'): boolean {
    if ((this.rule.phase ?? 'before') !== phase) return false;
    if (!matches(this.rule, this.regex, method, pathAndQuery)) return false;
    this.matched += 1;
    if (this.matched <= (this.rule.skip ?? 0)) return false;
    const limit = this.rule.times ?? this.rule.count ?? Infinity;
    if (this.hits >= limit) return false;
    this.hits += 1;
    return true;
  }
}

/** What a random rule chose for one request: a delay, a failure now, or a failure of its reply. */
interface RandomChoice {
  latencyMs: number;
  failure?: FaultRule;
  lostReply?: FaultRule;
}

class RandomHandle implements RandomFaultHandle {
  matched = 0;
  hits = 0;
  readonly byKind: Record<string, number> = {};
  private readonly regex?: RegExp;
  private readonly random: () => number;
  private readonly weights: Array<[FaultKind, number]>;
  private readonly totalWeight: number;

  constructor(readonly rule: RandomFaultRule) {
    if (!(rule.rate >= 0 && rule.rate <= 1)) throw new Error(`fault rate ${rule.rate} is not between 0 and 1`);
    this.regex = urlRegex(rule.url);
    this.random = mulberry32(rule.seed);
    this.weights = (rule.kinds ? (Object.entries(rule.kinds) as Array<[FaultKind, number]>) : ALL_KINDS.map((k): [FaultKind, number] => [k, 1])).filter(([, w]) => w > 0);
    this.totalWeight = this.weights.reduce((n, [, w]) => n + w, 0);
    if (this.totalWeight <= 0) throw new Error('random faults need at least one kind with a weight above 0');
  }

  /** Decided once per request, before it is processed. */
  choose(method: string, pathAndQuery: string): RandomChoice | undefined {
    if (!matches(this.rule, this.regex, method, pathAndQuery)) return undefined;
    this.matched += 1;
    if (this.random() >= this.rule.rate) return undefined;
    let pick = this.random() * this.totalWeight;
    let kind = this.weights[this.weights.length - 1][0];
    for (const [k, w] of this.weights) {
      if (pick < w) {
        kind = k;
        break;
      }
      pick -= w;
    }
    this.hits += 1;
    this.count(kind);
    if (kind === 'latency') {
      const [low, high] = this.rule.latencyMs ?? [200, 1500];
      return { latencyMs: Math.round(low + this.random() * (high - low)) };
    }
    const failure: FaultRule = { kind, ...(kind === '429-retry-after' ? { retryAfterSeconds: this.rule.retryAfterSeconds ?? 1 } : {}) };
    if ((kind === '500' || kind === 'reset') && this.random() < (this.rule.lostReplyShare ?? 0)) {
      this.count('lost-reply');
      return { latencyMs: 0, lostReply: { ...failure, phase: 'after' } };
    }
    return { latencyMs: 0, failure };
  }

  private count(kind: string): void {
    this.byKind[kind] = (this.byKind[kind] ?? 0) + 1;
  }
}

/** Fault rules, tried in the order added; the first that applies (per phase) wins, `latency` adds up. */
export class Faults {
  private readonly handles: Array<Handle | RandomHandle> = [];

  add(rule: FaultRule): FaultHandle {
    const h = new Handle(rule);
    this.handles.push(h);
    return h;
  }

  random(rule: RandomFaultRule): RandomFaultHandle {
    const h = new RandomHandle(rule);
    this.handles.push(h);
    return h;
  }

  clear(): void {
    this.handles.length = 0;
  }

  list(): FaultHandle[] {
    return this.handles.filter((h): h is Handle => h instanceof Handle);
  }

  /**
   * The faults to apply to a request now: extra latency, and at most one failure. In the `before`
   * phase, `lostReply` is a failure a random rule chose for the reply: the caller applies it after
   * processing the request.
   */
  pick(method: string, pathAndQuery: string, phase: 'before' | 'after'): { latencyMs: number; failure?: FaultRule; lostReply?: FaultRule } {
    let latencyMs = 0;
    let failure: FaultRule | undefined;
    let lostReply: FaultRule | undefined;
    for (const h of this.handles) {
      if (h instanceof RandomHandle) {
        if (phase !== 'before' || failure || lostReply) continue;
        const choice = h.choose(method, pathAndQuery);
        if (!choice) continue;
        latencyMs += choice.latencyMs;
        failure = choice.failure;
        lostReply = choice.lostReply;
        continue;
      }
      if (h.rule.kind === 'latency') {
        if (h.take(method, pathAndQuery, phase)) latencyMs += h.rule.latencyMs ?? 200;
        continue;
      }
      if (failure) continue;
      if (h.take(method, pathAndQuery, phase)) failure = h.rule;
    }
    return { latencyMs, ...(failure ? { failure } : {}), ...(lostReply ? { lostReply } : {}) };
  }
}
