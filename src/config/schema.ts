import type { ErrorObject, ValidateFunction } from 'ajv';
import type { DiagnosticCode } from '../model/codes';
import { didYouMean } from '../util/suggest';
import { pointer } from './yamlFile';

export type JobType = 'command' | 'sweep' | 'spark';

/** The stable `$id` of schemas/runconfig.schema.json, for editors' `$schema` comments. */
export const RUNCONFIG_SCHEMA_ID = 'https://mlsteps.dev/schemas/runconfig.schema.json';

/** A schema finding, before it is anchored to a file. */
export interface SchemaProblem {
  code: DiagnosticCode;
  message: string;
  hint?: string;
  /** JSON pointer of the offending value. */
  at: string;
  /** Whether to point at the key that names the value (unknown keys, missing keys) or the value. */
  prefer: 'key' | 'value';
}

type Validators = { project: ValidateFunction; jobs: Record<JobType, ValidateFunction> };
let compiled: Validators | undefined;

/** Set by the bundler: bundles carry validators compiled at build time (scripts/generate-validators.mjs). */
declare const __MLSTEPS_BUNDLE__: boolean | undefined;

function precompiled(): Validators {
  const generated = require('./validators.generated.js') as Record<'project' | JobType, ValidateFunction>;
  return { project: generated.project, jobs: { command: generated.command, sweep: generated.sweep, spark: generated.spark } };
}

/** Outside a bundle (tests, tsx), the schemas are compiled when first needed, so edits show at once. */
function compileNow(): Validators {
  const { default: Ajv } = require('ajv') as typeof import('ajv');
  const { default: addFormats } = require('ajv-formats') as typeof import('ajv-formats');
  const runConfigSchema = require('../../schemas/runconfig.schema.json') as { $id: string };
  const projectSchema = require('../../schemas/mlsteps.schema.json') as { $id: string };
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: false, allowUnionTypes: true });
  addFormats(ajv);
  ajv.addSchema(runConfigSchema);
  ajv.addSchema(projectSchema);
  const get = (name: string) => {
    const fn = ajv.getSchema(`${runConfigSchema.$id}#/definitions/${name}`);
    if (!fn) throw new Error(`schema definition ${name} is missing from ${runConfigSchema.$id}`);
    return fn;
  };
  return { project: ajv.getSchema(projectSchema.$id)!, jobs: { command: get('commandJob'), sweep: get('sweepJob'), spark: get('sparkJob') } };
}

/** Once per process: compiling is the expensive part of validation. */
function validators(): Validators {
  // The constant condition lets the bundler drop the compiler (and ajv's code generator) from bundles.
  compiled ??= typeof __MLSTEPS_BUNDLE__ !== 'undefined' && __MLSTEPS_BUNDLE__ ? precompiled() : compileNow();
  return compiled;
}

export function validateProjectData(data: unknown): SchemaProblem[] {
  const fn = validators().project;
  return fn(data) ? [] : translate(fn.errors ?? [], data);
}

export function validateJobData(type: JobType, data: unknown): SchemaProblem[] {
  const fn = validators().jobs[type];
  return fn(data) ? [] : translate(fn.errors ?? [], data);
}

const SUMMARY_KEYWORDS = new Set(['oneOf', 'anyOf', 'if', 'not', 'allOf', 'then', 'else']);

/**
 * Turns ajv's errors into one finding per real mistake. Alternatives (oneOf/anyOf) make ajv
 * report every branch; the branch whose shape matches the data is the one the user meant, so
 * type mismatches from the other branches are dropped and summaries are kept only when nothing
 * more precise exists.
 */
export function translate(errors: ErrorObject[], data: unknown): SchemaProblem[] {
  // Errors inside `propertyNames` repeat what the propertyNames error itself says.
  const specific = errors.filter((e) => !SUMMARY_KEYWORDS.has(e.keyword) && (e as { propertyName?: string }).propertyName === undefined);
  const namePatterns = new Map<string, string>();
  for (const e of errors) {
    const name = (e as { propertyName?: string }).propertyName;
    if (name !== undefined && e.keyword === 'pattern') namePatterns.set(name, String((e.params as { pattern: string }).pattern));
  }
  const out: SchemaProblem[] = [];
  // Alternatives that each require a different key: one finding naming them all.
  const alternativesRequired = new Map<string, Set<string>>();
  for (const e of specific) {
    if (e.keyword === 'required' && /\/(anyOf|oneOf)\//.test(e.schemaPath)) {
      const set = alternativesRequired.get(e.instancePath) ?? new Set();
      set.add(String((e.params as { missingProperty: string }).missingProperty));
      alternativesRequired.set(e.instancePath, set);
    }
  }
  for (const [path, keys] of alternativesRequired) {
    if (keys.size < 2) continue;
    const list = [...keys].map((k) => `"${k}"`);
    out.push({ code: 'MLS105', message: `${path ? describe(path) : 'the document'} needs one of the keys ${list.slice(0, -1).join(', ')} or ${list[list.length - 1]}`, at: path, prefer: 'key' });
  }
  for (const e of errors) {
    if (e.keyword !== 'not') continue;
    const forbidden = (e.schema as { required?: string[] } | undefined)?.required;
    if (forbidden && forbidden.length > 1) {
      out.push({ code: 'MLS106', message: `${describe(e.instancePath)} sets ${forbidden.map((k) => `"${k}"`).join(' and ')}, which cannot be used together`, hint: `keep one of ${forbidden.join(', ')}`, at: e.instancePath, prefer: 'value' });
    }
  }
  const pathHasDetail = (path: string) =>
    specific.some((e) => e.keyword !== 'type' && (e.instancePath === path || e.instancePath.startsWith(path + '/')));
  const kept: ErrorObject[] = [];
  const typeErrors = new Map<string, ErrorObject[]>();
  for (const e of specific) {
    if (e.keyword === 'type') {
      if (pathHasDetail(e.instancePath)) continue;
      const list = typeErrors.get(e.instancePath) ?? [];
      list.push(e);
      typeErrors.set(e.instancePath, list);
      continue;
    }
    // An enum or const failing in one branch while another branch matched the data's type is noise.
    kept.push(e);
  }
  for (const [path, list] of typeErrors) {
    const expected = [...new Set(list.flatMap((e) => String((e.params as { type: string | string[] }).type).split(',')))];
    out.push({
      code: 'MLS102',
      message: `${describe(path)} must be ${joinOr(expected)}, not ${kindOf(valueAt(data, path))}`,
      at: path,
      prefer: 'value',
    });
  }
  // Enum errors from sibling branches at one path merge into one list of allowed values.
  const enums = new Map<string, Set<unknown>>();
  for (const e of kept) {
    if (e.keyword === 'enum' || e.keyword === 'const') {
      const set = enums.get(e.instancePath) ?? new Set();
      const values = e.keyword === 'enum' ? (e.params as { allowedValues: unknown[] }).allowedValues : [(e.params as { allowedValue: unknown }).allowedValue];
      values.forEach((v) => set.add(v));
      enums.set(e.instancePath, set);
    }
  }
  for (const [path, values] of enums) {
    const actual = valueAt(data, path);
    const names = [...values].map(String);
    out.push({
      code: 'MLS103',
      message: `${describe(path)} is ${JSON.stringify(actual)}, which is not allowed`,
      hint: typeof actual === 'string' ? didYouMean(actual, names) : `expected one of: ${names.map((n) => JSON.stringify(n)).join(', ')}`,
      at: path,
      prefer: 'value',
    });
  }
  const seen = new Set<string>();
  for (const e of kept) {
    if (e.keyword === 'enum' || e.keyword === 'const') continue;
    if (e.keyword === 'required' && (alternativesRequired.get(e.instancePath)?.size ?? 0) > 1 && /\/(anyOf|oneOf)\//.test(e.schemaPath)) continue;
    const problem = translateOne(e, data, namePatterns);
    const key = `${problem.code}|${problem.at}|${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(problem);
  }
  if (out.length === 0 && errors.length > 0) {
    const e = errors[errors.length - 1];
    out.push({ code: 'MLS102', message: `${describe(e.instancePath)} does not match any allowed form`, at: e.instancePath, prefer: 'value' });
  }
  return out;
}

function translateOne(e: ErrorObject, data: unknown, namePatterns: Map<string, string>): SchemaProblem {
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const allowed = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      const at = e.instancePath + pointer([key]);
      return { code: 'MLS101', message: `unknown key "${key}"${e.instancePath ? ` in ${describe(e.instancePath)}` : ''}`, hint: didYouMean(key, allowed), at, prefer: 'key' };
    }
    case 'required': {
      const key = String(params.missingProperty);
      return { code: 'MLS105', message: `${e.instancePath ? describe(e.instancePath) : 'the document'} is missing the required key "${key}"`, at: e.instancePath, prefer: 'key' };
    }
    case 'propertyNames': {
      const name = String(params.propertyName);
      const pattern = (e.schema as { pattern?: string } | undefined)?.pattern ?? namePatterns.get(name);
      return { code: 'MLS106', message: `"${name}" is not a valid name in ${describe(e.instancePath)}`, hint: namePatternHint(pattern), at: e.instancePath + pointer([name]), prefer: 'key' };
    }
    case 'pattern': {
      const rule = PATTERN_RULES[String(params.pattern)];
      const example = hintFor(e);
      return {
        code: 'MLS106',
        message: `${describe(e.instancePath)} is ${JSON.stringify(valueAt(data, e.instancePath))}, which ${rule ? `is not ${rule.what}` : 'does not match the expected form'}`,
        hint: rule ? `${rule.rule}${example ? `; ${example}` : ''}` : `it must match ${String(params.pattern)}${example ? `; ${example}` : ''}`,
        at: e.instancePath,
        prefer: 'value',
      };
    }
    default:
      return { code: 'MLS106', message: `${describe(e.instancePath)} ${e.message ?? 'is invalid'}`, hint: hintFor(e), at: e.instancePath, prefer: 'value' };
  }
}

/** Plain words for the schemas' patterns, so a user reads the rule rather than a regular expression. */
const PATTERN_RULES: Record<string, { what: string; rule: string }> = {
  '^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$': { what: 'a valid run configuration name', rule: 'use letters, digits, "_", "-" and "." (no spaces), starting with a letter or digit' },
  '^[a-z][a-z0-9_-]*$': { what: 'a valid step name', rule: 'use lower-case letters, digits, "_" and "-", starting with a letter, e.g. prep, train' },
  '^[A-Za-z0-9][A-Za-z0-9_-]{2,32}$': { what: 'a valid workspace name', rule: 'Azure ML workspace names have 3 to 33 letters, digits, "_" or "-", starting with a letter or digit' },
  '^[-\\w._()]{1,90}$': { what: 'a valid resource group name', rule: 'resource group names have 1 to 90 letters, digits, "_", "-", ".", "(" or ")"' },
  '^\\$\\{\\{\\s*[^{}]+?\\s*\\}\\}$': { what: 'a single ${{…}} expression', rule: 'write one expression such as ${{needs.prep.outputs.data}}' },
  '^/subscriptions/': { what: 'an Azure resource id', rule: 'a resource id starts with /subscriptions/' },
};

function namePatternHint(pattern: string | undefined): string {
  if (pattern === '^[A-Za-z_][A-Za-z0-9_]*$') return 'names start with a letter or "_" and use only letters, digits and "_" (they become ${{inputs.NAME}})';
  if (pattern && /^\^\[A-Za-z0-9\]/.test(pattern)) return 'names start with a letter or digit and use letters, digits, "_", "-" and "."';
  return pattern ? `names must match ${pattern}` : 'not a valid name';
}

function hintFor(e: ErrorObject): string | undefined {
  const schema = e.parentSchema as { description?: string; examples?: unknown[] } | undefined;
  if (schema?.examples?.length) return `for example ${JSON.stringify(schema.examples[0])}`;
  return undefined;
}

export function describe(path: string): string {
  if (path === '') return 'the document';
  const parts = path.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  return '"' + parts.map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : (i > 0 ? '.' : '') + p)).join('') + '"';
}

function joinOr(items: string[]): string {
  const words = items.map((t) => (t === 'object' ? 'a mapping' : t === 'array' ? 'a list' : t === 'integer' ? 'an integer' : `a ${t}`));
  return words.length <= 1 ? words.join('') : words.slice(0, -1).join(', ') + ' or ' + words[words.length - 1];
}

function kindOf(v: unknown): string {
  if (v === null || v === undefined) return 'empty';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'number') return Number.isInteger(v) ? `the number ${v}` : `the number ${v}`;
  if (typeof v === 'boolean') return `${v}`;
  return `the string ${JSON.stringify(v).slice(0, 60)}`;
}

function valueAt(data: unknown, path: string): unknown {
  let cur = data;
  for (const part of path === '' ? [] : path.slice(1).split('/')) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    if (cur && typeof cur === 'object') cur = (cur as Record<string, unknown>)[key];
    else return undefined;
  }
  return cur;
}
