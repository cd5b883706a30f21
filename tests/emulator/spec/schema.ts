// Swagger 2.0 (with Azure's x-ms-* extensions) → JSON Schema draft-07 for ajv, one schema per
// definition, generated lazily and compiled once per api-version and direction (request or
// response). The rules, and why:
//
// * Inheritance (`allOf` of `$ref`s) is FLATTENED: a model's schema lists its own and all its
//   ancestors' properties. JSON Schema's own `allOf` cannot express "no other properties" across
//   the parts, which unknown-property checking needs.
// * Polymorphism: a `$ref` to a model whose hierarchy has a `discriminator` becomes ajv's
//   `discriminator` + `oneOf` over every concrete model of the hierarchy (the model itself when it
//   has a value, and its descendants), each with `const` on the discriminator property. The value
//   of a model is its `x-ms-discriminator-value`, else (as in AutoRest) its definition name; the
//   root of a hierarchy has no value of its own unless it declares one. So a body is checked
//   against the subtype its discriminator names, and an unknown value is an error. A value the
//   root's discriminator enum lists but no subtype claims (ComputeSecrets 'AmlCompute',
//   OnlineDeployment 'AzureMLCompute') is accepted and checked against the root model, as
//   AutoRest clients read it.
// * `readOnly` (and `x-ms-mutability` without create/update): in REQUESTS such a property is
//   allowed and ignored, whatever its value, and never required — ARM ignores it, and the SDK
//   (@azure/core-client serializeCompositeType) never sends it anyway. In RESPONSES it is
//   validated like any other property and stays required when the spec requires it.
//   A property with `x-ms-secret` or without "read" in `x-ms-mutability` is not required in a
//   response.
// * `x-nullable`, as Azure's own validator (oav, `shouldAcceptNullValue`) reads it: `null` is
//   accepted where `x-nullable` is true, or where it is absent and the position is not a required
//   property (optional properties, array items, dictionary values); `x-nullable: false` rejects it.
// * Enums are checked exactly (case-sensitively) even with `x-ms-enum.modelAsString: true`, by
//   default. modelAsString is AutoRest's client-generation switch ("more values may appear in a
//   later api-version; do not fail on an unknown one you RECEIVE"); the service itself refuses
//   values outside the list of its api-version: Azure ML answered a modelAsString enum
//   (ContainerType) given an unlisted value with 400 UserError "The value provided is not a valid
//   enum value. Field: containerType. Allowed values: StorageInitializer,InferenceServer." (a body
//   quoted verbatim in a public test suite; search code for "Request is invalid and/or missing
//   fields"). `modelAsStringEnums: 'open'` accepts any string for those enums instead.
// * Unknown properties: Swagger models rarely say `additionalProperties: false` (the Azure ML
//   files often do). With `strictUnknownProperties` (the default) every model — anything with
//   `properties` or `allOf` — is closed: a property it does not declare is an error, unless the
//   model declares an `additionalProperties` schema (then extra properties must match it).
//   Without the option only an explicit `additionalProperties: false` closes a model. A plain
//   `{"type": "object"}` (e.g. SweepJob.searchSpace) is free-form either way.
// * Formats: int32 (range-checked), int64 (integer), float/double, date-time (ISO 8601 with
//   optional fraction of any length and optional offset, as .NET writes them), date, uuid (GUID),
//   duration (ISO 8601, e.g. "PT5M" — what `format: duration` means and the only form
//   @azure/core-client's serializer lets through), unixtime (integer), byte (base64). `uri`,
//   `url`, `arm-id` and anything else accept any string: Azure ML takes relative paths and
//   azureml:// URIs there, and the spec's own examples put "string" in them.
// * Swagger-only keywords are dropped (`default`, `x-ms-*`, `readOnly`, `discriminator`, ...);
//   `exclusiveMinimum: true` becomes draft-07's numeric form.
import Ajv, { type ValidateFunction } from 'ajv';
import * as path from 'node:path';
import type { Documents, Json } from './documents';

export type Mode = 'request' | 'response';

export interface SchemaOptions {
  /** Every model is closed (see above). Default true. */
  strictUnknownProperties: boolean;
  /** 'strict' (default): modelAsString enums accept only their listed values; 'open': any string. */
  modelAsStringEnums: 'strict' | 'open';
}

/** Where a schema sits, for the nullability rule. */
type Position = { kind: 'root' } | { kind: 'definition' } | { kind: 'property'; required: boolean } | { kind: 'item' } | { kind: 'value' };

type JsonSchema = Record<string, unknown>;

const ISO_DURATION = /^-?P(?!$)(\d+(\.\d+)?Y)?(\d+(\.\d+)?M)?(\d+(\.\d+)?W)?(\d+(\.\d+)?D)?(T(?=\d)(\d+(\.\d+)?H)?(\d+(\.\d+)?M)?(\d+(\.\d+)?S)?)?$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?$/;
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The formats the spec files use (and a few Swagger defines), as ajv formats. */
export const FORMATS: Record<string, Parameters<Ajv['addFormat']>[1]> = {
  int32: { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -2147483648 && n <= 2147483647 },
  int64: { type: 'number', validate: (n: number) => Number.isInteger(n) },
  float: { type: 'number', validate: () => true },
  double: { type: 'number', validate: () => true },
  unixtime: { type: 'number', validate: (n: number) => Number.isInteger(n) },
  'date-time': DATE_TIME,
  'date-time-rfc1123': () => true,
  date: /^\d{4}-\d{2}-\d{2}$/,
  uuid: GUID,
  duration: ISO_DURATION,
  byte: (s: string) => s.length % 4 === 0 && BASE64.test(s),
  uri: () => true,
  url: () => true,
  'arm-id': () => true,
  password: () => true,
  binary: () => true,
  char: () => true,
};

/** A new ajv set up for the generated schemas. */
export function newAjv(): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    strict: false,
    discriminator: true,
    verbose: true, // errors carry parentSchema (its title names the model) and the data
    unicodeRegExp: false, // the spec's patterns are .NET/ECMAScript patterns, e.g. `\-` and `\_` in classes
    logger: false,
  });
  for (const [name, format] of Object.entries(FORMATS)) ajv.addFormat(name, format);
  return ajv;
}

const PRIMITIVE_KEYWORDS = ['pattern', 'minLength', 'maxLength', 'minimum', 'maximum', 'multipleOf', 'minItems', 'maxItems', 'uniqueItems', 'minProperties', 'maxProperties'];

function definitionName(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}

function isModel(raw: Json): boolean {
  return !!raw && typeof raw === 'object' && (raw.properties !== undefined || Array.isArray(raw.allOf) || typeof raw.discriminator === 'string');
}

function bool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && /^(true|false)$/i.test(v)) return v.toLowerCase() === 'true';
  return undefined;
}

/** The inheritance (allOf) graph and the discriminated hierarchies of one api-version. */
export class Hierarchy {
  private readonly children = new Map<string, string[]>();
  private readonly discriminators = new Map<string, { prop: string; root: string } | null>();
  private readonly concrete = new Map<string, string[]>();
  /** Problems found in the spec (e.g. two subtypes with one discriminator value). */
  readonly warnings: string[] = [];

  constructor(
    private readonly docs: Documents,
    topFiles: string[],
  ) {
    for (const file of topFiles) {
      const defs = docs.get(file).definitions ?? {};
      for (const name of Object.keys(defs)) {
        const key = `${file}#/definitions/${name}`;
        for (const parent of this.parents(key)) {
          const list = this.children.get(parent) ?? [];
          list.push(key);
          this.children.set(parent, list);
        }
      }
    }
  }

  definition(key: string): Json {
    const hash = key.indexOf('#');
    return this.docs.resolve(key.slice(hash), key.slice(0, hash)).value;
  }

  /** The keys of the models `key` inherits from directly (its allOf `$ref`s). */
  parents(key: string): string[] {
    const def = this.definition(key);
    const file = key.slice(0, key.indexOf('#'));
    return (Array.isArray(def?.allOf) ? def.allOf : []).filter((e: Json) => typeof e?.$ref === 'string').map((e: Json) => this.docs.resolve(e.$ref, file).key);
  }

  /** The discriminator property that applies to `key` (its own or the nearest ancestor's). */
  discriminatorOf(key: string, seen = new Set<string>()): { prop: string; root: string } | undefined {
    const cached = this.discriminators.get(key);
    if (cached !== undefined) return cached ?? undefined;
    let found: { prop: string; root: string } | undefined;
    const def = this.definition(key);
    if (typeof def?.discriminator === 'string') found = { prop: def.discriminator, root: key };
    else if (!seen.has(key)) {
      seen.add(key);
      for (const parent of this.parents(key)) {
        found = this.discriminatorOf(parent, seen);
        if (found) break;
      }
    }
    this.discriminators.set(key, found ?? null);
    return found;
  }

  /** The discriminator value of `key`: x-ms-discriminator-value, else its name unless it is the root. */
  valueOf(key: string): string | undefined {
    const d = this.discriminatorOf(key);
    if (!d) return undefined;
    const declared = this.definition(key)?.['x-ms-discriminator-value'];
    if (typeof declared === 'string') return declared;
    return d.root === key ? undefined : definitionName(key);
  }

  /** The models a reference to `key` may be, by discriminator: itself (if it has a value) and its descendants. */
  concreteModels(key: string): string[] {
    let list = this.concrete.get(key);
    if (list) return list;
    list = [];
    const values = new Map<string, string>();
    const visit = (k: string, seen: Set<string>) => {
      if (seen.has(k)) return;
      seen.add(k);
      const value = this.valueOf(k);
      if (value !== undefined) {
        const other = values.get(value);
        if (other === undefined) {
          values.set(value, k);
          list!.push(k);
        } else if (other !== k) {
          this.warnings.push(`${definitionName(other)} and ${definitionName(k)} share the discriminator value '${value}'; the first is used`);
        }
      }
      for (const child of this.children.get(k) ?? []) visit(child, seen);
    };
    visit(key, new Set());
    this.concrete.set(key, list);
    return list;
  }
}

interface FlatProperty {
  raw: Json;
  file: string;
}
interface FlatModel {
  properties: Map<string, FlatProperty>;
  required: Set<string>;
  /** undefined: not declared anywhere in the chain; else the nearest declaration. */
  additional?: { raw: Json; file: string };
}

/** Generates and registers the JSON Schemas of one api-version in one direction. */
export class SchemaBuilder {
  private readonly generated = new Set<string>();
  private readonly queue: (() => void)[] = [];
  private readonly fileTags = new Map<string, string>();
  private readonly base: string;

  constructor(
    private readonly ajv: Ajv,
    private readonly docs: Documents,
    private readonly hierarchy: Hierarchy,
    private readonly mode: Mode,
    apiVersion: string,
    private readonly options: SchemaOptions,
  ) {
    this.base = `https://mlsteps.emulator/azureml/${apiVersion}/${mode}/`;
  }

  /** Converts `raw` (written in `file`), registers what it references, and compiles it. */
  compile(raw: Json, file: string): ValidateFunction {
    const schema = this.convert(raw, file, { kind: 'root' });
    this.drain();
    return this.ajv.compile(schema);
  }

  private drain(): void {
    while (this.queue.length) this.queue.shift()!();
  }

  private tagOf(file: string): string {
    let tag = this.fileTags.get(file);
    if (!tag) {
      const base = path.basename(file, '.json').replace(/[^A-Za-z0-9_-]/g, '_');
      const taken = new Set(this.fileTags.values());
      tag = base;
      for (let i = 2; taken.has(tag); i++) tag = `${base}${i}`;
      this.fileTags.set(file, tag);
    }
    return tag;
  }

  /**
   * The id of the schema for definition `key`: as referenced ('ref': for a polymorphic model, the
   * dispatch on its discriminator), as one concrete subtype ('concrete'), or as the root of a
   * hierarchy taking the discriminator values its enum lists but no subtype claims ('base').
   */
  private idFor(key: string, variant: 'ref' | 'concrete' | 'base'): string {
    const file = key.slice(0, key.indexOf('#'));
    const id = `${this.base}${this.tagOf(file)}.${encodeURIComponent(definitionName(key))}${variant === 'ref' ? '' : `.${variant}`}`;
    if (!this.generated.has(id)) {
      this.generated.add(id);
      this.queue.push(() => this.ajv.addSchema({ ...this.definitionSchema(key, variant), $id: id }));
    }
    return id;
  }

  /** The values the discriminator property's own enum lists (for the root of a hierarchy). */
  private tagEnum(key: string, prop: string): string[] {
    const def = this.hierarchy.definition(key);
    const file = key.slice(0, key.indexOf('#'));
    let raw = def?.properties?.[prop];
    if (typeof raw?.$ref === 'string') raw = this.docs.resolve(raw.$ref, file).value;
    return Array.isArray(raw?.enum) ? raw.enum.filter((v: unknown) => typeof v === 'string') : [];
  }

  private definitionSchema(key: string, variant: 'ref' | 'concrete' | 'base'): JsonSchema {
    const def = this.hierarchy.definition(key);
    const file = key.slice(0, key.indexOf('#'));
    const name = definitionName(key);
    if (!isModel(def)) return this.convert(def, file, { kind: 'definition' });
    const d = this.hierarchy.discriminatorOf(key);
    if (!d) return this.modelSchema(def, file, name);
    const models = this.hierarchy.concreteModels(key);
    const values = models.map((k) => this.hierarchy.valueOf(k)!);
    // A value the root's enum lists without a subtype (e.g. ComputeSecrets for 'AmlCompute') is
    // valid and means the root model itself, as AutoRest clients read it.
    const unclaimed = d.root === key ? this.tagEnum(key, d.prop).filter((v) => !values.includes(v)) : [];
    if (variant === 'concrete') {
      const value = this.hierarchy.valueOf(key);
      return this.modelSchema(def, file, name, value === undefined ? undefined : { prop: d.prop, values: [value] });
    }
    if (variant === 'base') return this.modelSchema(def, file, name, { prop: d.prop, values: unclaimed });
    if (!models.length && !unclaimed.length) return this.modelSchema(def, file, name);
    const oneOf = models.map((k) => ({ $ref: this.idFor(k, 'concrete') }));
    if (unclaimed.length) oneOf.push({ $ref: this.idFor(key, 'base') });
    return {
      title: name,
      type: 'object',
      required: [d.prop],
      discriminator: { propertyName: d.prop },
      oneOf,
      'x-discriminator-values': [...values, ...unclaimed],
    };
  }

  /** A model's properties with its ancestors' (ancestors first, own last), required, additionalProperties. */
  private flatten(raw: Json, file: string, seen: Set<string>): FlatModel {
    const flat: FlatModel = { properties: new Map(), required: new Set() };
    const merge = (other: FlatModel) => {
      for (const [k, v] of other.properties) flat.properties.set(k, v);
      for (const r of other.required) flat.required.add(r);
      if (other.additional !== undefined) flat.additional ??= other.additional;
    };
    for (const entry of Array.isArray(raw.allOf) ? raw.allOf : []) {
      if (typeof entry?.$ref === 'string') {
        const r = this.docs.resolve(entry.$ref, file);
        if (seen.has(r.key)) continue;
        seen.add(r.key);
        merge(this.flatten(r.value, r.file, seen));
      } else if (entry && typeof entry === 'object') {
        merge(this.flatten(entry, file, seen));
      }
    }
    for (const [name, prop] of Object.entries(raw.properties ?? {})) flat.properties.set(name, { raw: prop, file });
    for (const r of Array.isArray(raw.required) ? raw.required : []) flat.required.add(r);
    if (raw.additionalProperties !== undefined) flat.additional = { raw: raw.additionalProperties, file };
    return flat;
  }

  /** The target of a property's `$ref`, if it has one. */
  private target(raw: Json, file: string): Json {
    return typeof raw?.$ref === 'string' ? this.docs.resolve(raw.$ref, file).value : undefined;
  }

  private readOnlyInRequests(raw: Json, file: string): boolean {
    if (bool(raw?.readOnly) === true || bool(this.target(raw, file)?.readOnly) === true) return true;
    const mutability = raw?.['x-ms-mutability'];
    return Array.isArray(mutability) && !mutability.includes('create') && !mutability.includes('update');
  }

  private absentFromResponses(raw: Json): boolean {
    const mutability = raw?.['x-ms-mutability'];
    return bool(raw?.['x-ms-secret']) === true || (Array.isArray(mutability) && !mutability.includes('read'));
  }

  private modelSchema(raw: Json, file: string, title?: string, tag?: { prop: string; values: string[] }): JsonSchema {
    const flat = this.flatten(raw, file, new Set());
    const properties: Record<string, JsonSchema> = {};
    const required: string[] = [];
    for (const [name, p] of flat.properties) {
      if (tag && name === tag.prop) {
        properties[name] = tag.values.length === 1 ? { const: tag.values[0] } : { enum: tag.values };
        continue;
      }
      if (this.mode === 'request' && this.readOnlyInRequests(p.raw, p.file)) {
        properties[name] = {}; // allowed and ignored, as ARM does
        continue;
      }
      const isRequired = flat.required.has(name) && !(this.mode === 'response' && this.absentFromResponses(p.raw));
      properties[name] = this.convert(p.raw, p.file, { kind: 'property', required: isRequired });
      if (isRequired) required.push(name);
    }
    for (const name of flat.required) if (!flat.properties.has(name)) required.push(name);
    if (tag && !required.includes(tag.prop)) required.push(tag.prop);
    const schema: JsonSchema = { type: 'object', properties };
    if (title) schema.title = title;
    if (required.length) schema.required = required;
    const additional = flat.additional;
    if (additional && (additional.raw === false || bool(additional.raw) === false)) schema.additionalProperties = false;
    else if (additional && additional.raw && typeof additional.raw === 'object') schema.additionalProperties = this.convert(additional.raw, additional.file, { kind: 'value' });
    else if (!additional && this.options.strictUnknownProperties) schema.additionalProperties = false;
    return schema;
  }

  /** The JSON Schema for the Swagger schema `raw` at `position`. */
  convert(raw: Json, file: string, position: Position): JsonSchema {
    if (raw === undefined || raw === true || raw === null || typeof raw !== 'object') return {};
    if (typeof raw.$ref === 'string') {
      const r = this.docs.resolve(raw.$ref, file);
      return this.nullable({ $ref: this.idFor(r.key, 'ref') }, raw['x-nullable'] ?? r.value?.['x-nullable'], position);
    }
    let schema: JsonSchema;
    if (isModel(raw)) {
      schema = this.modelSchema(raw, file);
    } else if (raw.type === 'array' || raw.items !== undefined) {
      schema = { type: 'array' };
      if (raw.items !== undefined) schema.items = this.convert(raw.items, file, { kind: 'item' });
    } else if (raw.type === 'object' || (raw.type === undefined && raw.additionalProperties !== undefined)) {
      schema = { type: 'object' };
      const ap = raw.additionalProperties;
      if (ap === false || bool(ap) === false) schema.additionalProperties = false;
      else if (ap && typeof ap === 'object') schema.additionalProperties = this.convert(ap, file, { kind: 'value' });
    } else {
      schema = {};
      if (typeof raw.type === 'string' && raw.type !== 'file') schema.type = raw.type;
      if (typeof raw.format === 'string' && raw.format in FORMATS) schema.format = raw.format;
      if (Array.isArray(raw.enum)) {
        const open = raw['x-ms-enum']?.modelAsString === true && this.options.modelAsStringEnums === 'open';
        if (!open) schema.enum = raw.enum;
      }
    }
    for (const k of PRIMITIVE_KEYWORDS) if (raw[k] !== undefined && typeof raw[k] !== 'object') schema[k] = raw[k];
    if (raw.exclusiveMinimum === true && typeof raw.minimum === 'number') {
      schema.exclusiveMinimum = raw.minimum;
      delete schema.minimum;
    }
    if (raw.exclusiveMaximum === true && typeof raw.maximum === 'number') {
      schema.exclusiveMaximum = raw.maximum;
      delete schema.maximum;
    }
    return this.nullable(schema, raw['x-nullable'], position);
  }

  /** `schema`, accepting null too where the oav rule says so. */
  private nullable(schema: JsonSchema, xNullable: unknown, position: Position): JsonSchema {
    if (position.kind === 'root' || position.kind === 'definition' || Object.keys(schema).length === 0) return schema;
    const declared = bool(xNullable);
    const allow = declared === true || (declared === undefined && !(position.kind === 'property' && position.required));
    if (!allow) return schema;
    if (typeof schema.type === 'string' && schema.$ref === undefined) {
      const out: JsonSchema = { ...schema, type: [schema.type, 'null'] };
      if (Array.isArray(schema.enum)) out.enum = [...schema.enum, null];
      return out;
    }
    return { if: { type: 'null' }, else: schema };
  }
}
