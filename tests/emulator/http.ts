import type { IncomingHttpHeaders } from 'node:http';
import type { SpecError } from './types';

/** One request as the routes see it. */
export interface Req {
  method: string;
  /** Path without query, percent-decoded per segment in `segments`. */
  path: string;
  segments: string[];
  query: Record<string, string>;
  /** Query parameters that appear more than once (e.g. `names`). */
  queryAll: Record<string, string[]>;
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
  /** Parsed JSON, form fields (object of strings), raw text, or undefined when empty. */
  body: unknown;
  /** Filled in as the request is handled, for the record. */
  info: { operationId?: string; specErrors: SpecError[]; responseSpecErrors: SpecError[]; principal?: string; apiVersion?: string };
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Send `body` (a string) as is, with this content type. */
  contentType?: string;
}

export function json(status: number, body: unknown, headers?: Record<string, string>): Reply {
  return { status, body, headers };
}

/** ARM's error body: `{"error": {"code", "message", "target"?, "details"?}}`. */
export function armError(status: number, code: string, message: string, extra: { target?: string; details?: unknown[]; headers?: Record<string, string> } = {}): Reply {
  const error: Record<string, unknown> = { code, message };
  if (extra.target) error.target = extra.target;
  if (extra.details) error.details = extra.details;
  return { status, body: { error }, headers: extra.headers };
}

export function parseBody(raw: Buffer, contentType: string | undefined): unknown {
  if (raw.length === 0) return undefined;
  const text = raw.toString('utf8');
  const type = (contentType ?? '').toLowerCase();
  if (type.includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(text));
  if (type.includes('json') || /^\s*[[{]/.test(text)) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** Stable JSON (sorted keys) for comparing bodies. */
export function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (isObject(v)) {
    return `{${Object.keys(v)
      .filter((k) => v[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable(v[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

export function nowIso(ms = Date.now()): string {
  return new Date(ms).toISOString();
}

/** ISO 8601 duration (PT1H30M, P1D, PT45S) or a number of seconds → seconds. */
export function durationSeconds(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v !== 'string') return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v);
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(v);
  if (!m) return undefined;
  return Number(m[1] ?? 0) * 86400 + Number(m[2] ?? 0) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0);
}
