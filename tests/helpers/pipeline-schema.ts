// Azure DevOps' own azure-pipelines.yml schema (service-schema.json, draft-07), extended in
// memory with this extension's tasks so that a pipeline using them validates, and a misspelled
// or missing input of theirs does not. Compiled once per test process (the schema is 1.6 MB).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { fixturePath, fixtureSkipMessage, projectRoot } from './fixtures';

export const PIPELINE_SCHEMA = 'azure-pipelines/service-schema.json';
const SCHEMA_URL = 'https://raw.githubusercontent.com/microsoft/azure-pipelines-vscode/e8090fd525cd6ba47d7685c698f3f51983e298c6/service-schema.json';

interface TaskInput {
  name: string;
  type: string;
  label?: string;
  required?: boolean;
  aliases?: string[];
  options?: Record<string, string>;
  properties?: Record<string, string>;
}

interface TaskJson {
  name: string;
  friendlyName?: string;
  description?: string;
  version: { Major: number };
  inputs?: TaskInput[];
}

type JsonSchema = Record<string, unknown>;

/** This extension's tasks: every tasks/<folder>/task.json. */
export function extensionTasks(): TaskJson[] {
  const dir = path.join(projectRoot, 'tasks');
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(dir, d.name, 'task.json')))
    .map((d) => d.name)
    .sort()
    .map((d) => JSON.parse(readFileSync(path.join(dir, d, 'task.json'), 'utf8')) as TaskJson);
}

/** An input as the schema's generator models a built-in task's input. */
function inputSchema(input: TaskInput): JsonSchema {
  const description = input.label ?? input.name;
  const extra = input.aliases?.length ? { aliases: input.aliases } : {};
  if (input.type === 'boolean') return { type: 'boolean', description, ignoreCase: 'key', ...extra };
  if ((input.type === 'pickList' || input.type === 'radio') && input.options && input.properties?.EditableOptions !== 'True') {
    return { description, ignoreCase: 'all', enum: Object.keys(input.options), ...extra };
  }
  return { type: 'string', description, ignoreCase: 'key', ...extra };
}

/**
 * A copy of the schema whose `definitions.task` also knows each of these tasks as `NAME@MAJOR`:
 * its name among the suggested task names (`properties.task.anyOf`), and a branch of
 * `definitions.task.anyOf` like a built-in task's — the name as a pattern, and `inputs` that
 * allows exactly the task's input names (`additionalProperties: false`) and requires the
 * required ones (and then `inputs` itself).
 */
export function extendSchema(schema: JsonSchema, tasks: readonly TaskJson[]): JsonSchema {
  const copy = structuredClone(schema) as { definitions: { task: { properties: { task: { anyOf: unknown[] } }; anyOf: unknown[] } } };
  const task = copy.definitions.task;
  for (const t of tasks) {
    const id = `${t.name}@${t.version.Major}`;
    const title = t.friendlyName ?? t.name;
    const description = `${title}\n\n${t.description ?? ''}`.trim();
    if (task.anyOf.some((b) => (b as { properties?: { task?: { pattern?: string } } }).properties?.task?.pattern === `^${id}$`)) {
      throw new Error(`the schema already defines ${id}`);
    }
    task.properties.task.anyOf.push({ description: t.description ?? title, doNotSuggest: false, ignoreCase: 'value', enum: [id] });
    const inputs = t.inputs ?? [];
    const required = inputs.filter((i) => i.required).map((i) => i.name);
    task.anyOf.push({
      properties: {
        task: { description, ignoreCase: 'value', pattern: `^${id}$` },
        inputs: {
          description: `${title} inputs`,
          properties: Object.fromEntries(inputs.map((i) => [i.name, inputSchema(i)])),
          additionalProperties: false,
          required,
        },
      },
      doNotSuggest: false,
      firstProperty: ['task'],
      required: required.length > 0 ? ['task', 'inputs'] : ['task'],
    });
  }
  return copy as unknown as JsonSchema;
}

export function newAjv(): Ajv {
  // draft-07; the schema uses keywords ajv does not know (firstProperty, ignoreCase, …) and
  // escapes in patterns that a /u regular expression rejects (see the fixture's SOURCE.md).
  return new Ajv({ strict: false, unicodeRegExp: false, allErrors: true });
}

export interface PipelineSchema {
  /** Validates an azure-pipelines.yml text (or already parsed data). */
  check(pipeline: string | unknown): { ok: boolean; errors: ErrorObject[]; summary: string };
  /** The schema as extended, for tests that look at it. */
  schema: JsonSchema;
  compileMs: number;
}

let cached: { schema?: PipelineSchema; skip?: string } | undefined;

/**
 * The extended schema, compiled on first use; `skip` (the message to skip with) when the
 * fixture is absent.
 */
export function pipelineSchema(): { schema?: PipelineSchema; skip?: string } {
  if (cached) return cached;
  const file = fixturePath(PIPELINE_SCHEMA);
  if (!file) return (cached = { skip: fixtureSkipMessage(PIPELINE_SCHEMA, SCHEMA_URL) });
  const schema = extendSchema(JSON.parse(readFileSync(file, 'utf8')), extensionTasks());
  const started = process.hrtime.bigint();
  const validate = newAjv().compile(schema);
  const compileMs = Number(process.hrtime.bigint() - started) / 1e6;
  return (cached = { schema: { check: (p) => check(validate, p), schema, compileMs } });
}

function check(validate: ValidateFunction, pipeline: string | unknown) {
  const data = typeof pipeline === 'string' ? parse(pipeline) : pipeline;
  const ok = validate(data) as boolean;
  const errors = ok ? [] : [...(validate.errors ?? [])];
  return { ok, errors, summary: summarize(errors) };
}

/**
 * The errors worth reading: anyOf over ~260 tasks yields thousands, so keep the deepest ones
 * and the unknown properties, one line each.
 */
export function summarize(errors: readonly ErrorObject[], limit = 12): string {
  if (errors.length === 0) return 'valid';
  const depth = (e: ErrorObject) => e.instancePath.split('/').length;
  const deepest = Math.max(...errors.map(depth));
  const picked = errors.filter((e) => e.keyword === 'additionalProperties' || depth(e) === deepest);
  const lines = [...new Set(picked.map((e) => `${e.instancePath || '/'} ${e.message}${e.keyword === 'additionalProperties' ? ` "${(e.params as { additionalProperty: string }).additionalProperty}"` : ''}`))];
  return `${errors.length} schema errors, e.g.:\n  ${lines.slice(0, limit).join('\n  ')}`;
}
