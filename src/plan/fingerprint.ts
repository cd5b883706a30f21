import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import type { ResolvedEnvironment, Step } from '../model/step';
import type { ResolvedStep } from './resolve';
import { codeFingerprint } from './snapshot';

/** Job keys that describe a job without changing what it computes. */
const COSMETIC = new Set(['description', 'display_name', 'tags', 'experiment_name', 'properties']);
/** Job keys whose resolved form is hashed instead (paths as written depend on where the file is). */
const RESOLVED_ELSEWHERE = new Set(['code', 'environment', 'inputs']);

/** JSON with object keys sorted at every level: the same data always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export interface FingerprintContext {
  /** Absolute project folder, to read code and build contexts. */
  dir: string;
  /** Fingerprints of steps already done: a step binding another's outputs changes when it does. */
  upstream: Map<string, string>;
  /** Per-run cache of folder hashes: a thousand steps share one code folder. */
  folders: Map<string, string>;
}

/**
 * What a step computes, and nothing else: its resolved job, its code's content, its environment's
 * content and the fingerprints of the steps it takes data from. Formatting, comments, key order,
 * the folder the checkout is in, the operating system and cosmetic keys do not count.
 */
export function fingerprintStep(step: ResolvedStep, ctx: FingerprintContext): string {
  const folder = (projectRelative: string) => {
    let hash = ctx.folders.get(projectRelative);
    if (hash === undefined) {
      hash = codeFingerprint(resolve(ctx.dir, projectRelative));
      ctx.folders.set(projectRelative, hash);
    }
    return hash;
  };
  const job: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(step.job)) {
    if (COSMETIC.has(key) || RESOLVED_ELSEWHERE.has(key)) continue;
    if (key === 'trial' && value && typeof value === 'object') {
      const { code: _code, environment: _environment, ...trial } = value as Record<string, unknown>;
      job.trial = trial;
    } else job[key] = value;
  }
  const upstream: Record<string, string> = {};
  for (const input of Object.values(step.inputs)) {
    if (input.kind === 'output' || input.kind === 'best') upstream[input.step] = ctx.upstream.get(input.step) ?? 'unknown';
  }
  // Catalog entries carry descriptions too; they describe, they do not change what runs.
  const withoutDescription = <T>(spec: T): T => {
    if (!spec || typeof spec !== 'object') return spec;
    const { description: _description, ...rest } = spec as Record<string, unknown>;
    return rest as T;
  };
  const inputs = Object.fromEntries(Object.entries(step.inputs).map(([k, v]) => [k, v.kind === 'dataset' ? { ...v, spec: withoutDescription(v.spec) } : v]));
  const compute = step.compute.kind === 'catalog' ? { ...step.compute, spec: withoutDescription(step.compute.spec) } : step.compute;
  const payload = {
    v: 1,
    name: step.name,
    type: step.type,
    framework: step.framework,
    compute,
    command: step.command,
    spark: step.spark,
    sweep: step.sweep,
    outputs: step.outputs,
    inputs,
    job,
    code: step.code === undefined ? undefined : /^[a-z][a-z0-9+.-]*:/i.test(step.code) ? step.code : folder(step.code),
    environment: environmentFingerprint(step.environment, folder),
    upstream,
  };
  return sha256(canonicalJson(payload));
}

/** Conda text compared as content: line endings, trailing spaces and a final newline do not count. */
export function normalizeConda(text: string): string {
  return text.replace(/\r\n?/g, '\n').split('\n').map((l) => l.trimEnd()).join('\n').trim();
}

function environmentFingerprint(env: ResolvedEnvironment, folder: (p: string) => string): unknown {
  if (env.kind !== 'conda') return env;
  return {
    kind: env.kind,
    conda: env.conda === undefined ? undefined : normalizeConda(env.conda),
    image: env.image,
    build: env.build ? { context: folder(env.build.path), dockerfile_path: env.build.dockerfile_path } : undefined,
  };
}

export type { Step };
