// Validation errors in words, and the error bodies Azure answers with.
import type { ErrorObject } from 'ajv';

/** One way a request (or response) departs from the spec. */
export interface SpecError {
  /**
   * Where: `body` (the whole body), `body.properties.inputs["my-input"].jobInputType`,
   * `body.properties.resources.instanceCount`, `body.tags[0]`; `query.api-version`;
   * `path.workspaceName`; `header.x-ms-foo`; `status` (a response status the operation does not
   * declare).
   */
  path: string;
  /** What is wrong, for a person. */
  message: string;
}

/** The ARM error body (common-types v3 `ErrorResponse` / `ErrorDetail`). */
export interface ArmErrorBody {
  error: {
    code: string;
    message: string;
    target?: string;
    details: { code: string; message: string; target?: string }[];
    additionalInfo?: { type: string; info: Record<string, unknown> }[];
  };
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function decodeToken(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** `prefix` plus the JSON pointer `pointer` into `data`, written as a JSON path. */
export function jsonPath(prefix: string, pointer: string, data: unknown, extra?: string): string {
  let out = prefix;
  let cur: unknown = data;
  const tokens = pointer ? pointer.split('/').slice(1).map(decodeToken) : [];
  if (extra !== undefined) tokens.push(extra);
  for (const token of tokens) {
    if (Array.isArray(cur) && /^\d+$/.test(token)) {
      out += `[${token}]`;
      cur = cur[Number(token)];
    } else {
      out += IDENTIFIER.test(token) ? `.${token}` : `[${JSON.stringify(token)}]`;
      cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[token] : undefined;
    }
  }
  return out;
}

/** A short rendering of a value for a message. */
export function preview(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    text = JSON.stringify(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number') return Number.isInteger(value) ? `the integer ${value}` : `the number ${value}`;
  return `the ${typeof value} ${preview(value)}`;
}

function modelOf(e: ErrorObject): string {
  const title = (e.parentSchema as { title?: unknown } | undefined)?.title;
  return typeof title === 'string' ? ` of ${title}` : '';
}

/** ajv's errors for `data` as SpecErrors, with paths under `prefix` ('body', 'query.x', ...). */
export function toSpecErrors(errors: ErrorObject[] | null | undefined, data: unknown, prefix: string): SpecError[] {
  const out: SpecError[] = [];
  const all = errors ?? [];
  const mistyped = new Set(all.filter((e) => e.keyword === 'type').map((e) => e.instancePath));
  const missing = new Set(all.filter((e) => e.keyword === 'required').map((e) => `${e.instancePath}/${(e.params as { missingProperty: string }).missingProperty}`));
  for (const e of all) {
    const at = (extra?: string) => jsonPath(prefix, e.instancePath, data, extra);
    const params = e.params as Record<string, unknown>;
    switch (e.keyword) {
      case 'if': // the "must match else" companion of a nullable wrapper: the inner error says it all
        break;
      case 'required':
        out.push({ path: at(String(params.missingProperty)), message: `missing required property '${params.missingProperty}'${modelOf(e)}` });
        break;
      case 'additionalProperties':
        out.push({ path: at(String(params.additionalProperty)), message: `unknown property '${params.additionalProperty}'${modelOf(e).replace(' of ', ', not in ')}` });
        break;
      case 'discriminator': {
        const tag = String(params.tag);
        if (params.error === 'tag' && missing.has(`${e.instancePath}/${tag}`)) break;
        const values = ((e.parentSchema as Record<string, unknown>)['x-discriminator-values'] as string[] | undefined) ?? [];
        const model = (e.parentSchema as { title?: string }).title ?? 'this object';
        if (params.error === 'mapping') {
          out.push({ path: at(tag), message: `unknown ${tag} ${preview(params.tagValue)} for ${model}; expected one of: ${values.join(', ')}` });
        } else {
          out.push({ path: at(tag), message: `${tag} must be a string naming the kind of ${model} (one of: ${values.join(', ')}), not ${typeName((e.data as Record<string, unknown>)?.[tag])}` });
        }
        break;
      }
      case 'type':
        out.push({ path: at(), message: `must be ${String(params.type).replace(',null', ' or null')}, not ${typeName(e.data)}` });
        break;
      case 'enum':
        out.push({ path: at(), message: `must be one of: ${(params.allowedValues as unknown[]).filter((v) => v !== null).join(', ')}; not ${preview(e.data)}` });
        break;
      case 'const':
        out.push({ path: at(), message: `must be ${preview(params.allowedValue)}, not ${preview(e.data)}` });
        break;
      case 'format':
        if (mistyped.has(e.instancePath)) break; // "must be integer" says it already
        out.push({ path: at(), message: `${preview(e.data)} is not a valid ${params.format}` });
        break;
      case 'pattern':
        out.push({ path: at(), message: `${preview(e.data)} does not match the pattern ${params.pattern}` });
        break;
      default:
        out.push({ path: at(), message: `${e.message ?? e.keyword}${e.data !== undefined && typeof e.data !== 'object' ? ` (${preview(e.data)})` : ''}` });
    }
  }
  const seen = new Set<string>();
  return out.filter((x) => {
    const k = `${x.path}\n${x.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/**
 * What Azure ML answers (HTTP 400) to a request that does not conform to its spec.
 *
 * Shape: ARM's `ErrorResponse` from common-types v3 types.json (`error` = `ErrorDetail`: code,
 * message, target, details[], additionalInfo[]), which every Azure ML operation names as its
 * `default` response. Content: the Azure ML control plane answers an invalid body with
 * `{"error":{"code":"UserError","message":"Request is invalid and/or missing fields.","details":
 * [{"code":"RequestInvalid","message":"The value provided is not a valid enum value. Field:
 * containerType. Allowed values: StorageInitializer,InferenceServer."}]}}` — a response body
 * quoted verbatim in a public test suite (search code for "Request is invalid and/or missing
 * fields"); the same top-level message is what @azure/arm-machinelearning 2.1.1 users report for
 * bodies the service rejects (Azure/azure-sdk-for-js#29328). So: code UserError, that message,
 * one RequestInvalid detail per problem with its path as `target`, and the operation in
 * `additionalInfo` (an ErrorDetail field ARM defines; the emulator's addition, for debugging).
 */
export function armErrorBody(errors: SpecError[], operationId: string): ArmErrorBody {
  return {
    error: {
      code: 'UserError',
      message: 'Request is invalid and/or missing fields.',
      details: errors.map((e) => ({ code: 'RequestInvalid', message: `${e.path}: ${e.message}`, target: e.path })),
      additionalInfo: [{ type: 'SpecValidation', info: { operationId, errors: errors.length } }],
    },
  };
}

/**
 * What ARM answers (HTTP 400) to a request without an api-version, or with one it does not know
 * (for this emulator: one the spec files do not define). Codes and wording as ARM sends them:
 * MissingApiVersionParameter "The api-version query parameter (?api-version=) is required for all
 * requests." and InvalidApiVersionParameter "The api-version '…' is invalid. The supported
 * versions are '…'." (both quoted in many public client tests and issue reports).
 */
export function apiVersionErrorBody(apiVersion: string | undefined, supported: string[]): ArmErrorBody {
  if (apiVersion === undefined || apiVersion === '') {
    return { error: { code: 'MissingApiVersionParameter', message: 'The api-version query parameter (?api-version=) is required for all requests.', details: [] } };
  }
  return {
    error: {
      code: 'InvalidApiVersionParameter',
      message: `The api-version '${apiVersion}' is invalid. The supported versions are '${[...supported].reverse().join(',')}'.`,
      details: [],
    },
  };
}
