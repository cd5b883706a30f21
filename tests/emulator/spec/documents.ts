// The official Swagger 2.0 files of the Azure ML REST API, read as published (one of them with a
// trailing comma, see the fixture folder's SOURCE.md), with JSON-reference resolution across
// files: `#/definitions/X`, `machineLearningServices.json#/parameters/Y` and
// `../../../../../common-types/resource-management/v3/types.json#/definitions/Z` alike.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/** A JSON value from a spec file; the files are untyped data, read defensively. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

/** A reference resolved to where it points: the file, the JSON pointer, the value. */
export interface Resolved {
  file: string;
  pointer: string;
  value: Json;
  /** `file#pointer`, the identity of what a reference points at. */
  key: string;
}

/**
 * `text` without commas that are directly followed (after white space) by `}` or `]`, outside
 * strings. Azure publishes 2024-10-01 machineLearningServices.json with one such comma, which
 * `JSON.parse` rejects; nothing else is changed.
 */
export function dropTrailingCommas(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === ',') {
      let j = i + 1;
      while (j < text.length && /\s/.test(text[j])) j++;
      if (text[j] === '}' || text[j] === ']') continue;
    }
    out += c;
  }
  return out;
}

/** Parses a spec file: strict JSON first, else again without trailing commas. */
export function parseSpecText(text: string, file: string): Json {
  const bomless = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return JSON.parse(bomless);
  } catch (strictError) {
    try {
      return JSON.parse(dropTrailingCommas(bomless));
    } catch {
      throw new Error(`${file}: not JSON: ${(strictError as Error).message}`);
    }
  }
}

function decodePointerToken(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** The spec files read so far, by absolute path, and reference resolution between them. */
export class Documents {
  private readonly files = new Map<string, Json>();

  /** The parsed file (read once). */
  get(file: string): Json {
    let doc = this.files.get(file);
    if (doc === undefined) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (e) {
        throw new Error(`cannot read spec file ${file}: ${(e as Error).message}`);
      }
      doc = parseSpecText(text, file);
      this.files.set(file, doc);
    }
    return doc;
  }

  /** Every file read so far. */
  loaded(): string[] {
    return [...this.files.keys()];
  }

  /** Resolves `ref` (a `$ref` value) written in `fromFile`. Throws when it points nowhere. */
  resolve(ref: string, fromFile: string): Resolved {
    const hash = ref.indexOf('#');
    const filePart = hash < 0 ? ref : ref.slice(0, hash);
    const pointer = hash < 0 ? '' : ref.slice(hash + 1);
    const file = filePart ? path.resolve(path.dirname(fromFile), filePart) : fromFile;
    let value: Json = this.get(file);
    for (const token of pointer.split('/').slice(1)) {
      value = value !== null && typeof value === 'object' ? value[decodePointerToken(token)] : undefined;
      if (value === undefined) throw new Error(`unresolvable $ref '${ref}' in ${fromFile}`);
    }
    return { file, pointer, value, key: `${file}#${pointer}` };
  }

  /** Follows `$ref`s until a value without one (for parameters and responses). */
  deref(value: Json, fromFile: string): { value: Json; file: string } {
    let file = fromFile;
    for (let hops = 0; value && typeof value === 'object' && typeof value.$ref === 'string'; hops++) {
      if (hops > 32) throw new Error(`$ref cycle at '${value.$ref}' in ${file}`);
      const r = this.resolve(value.$ref, file);
      value = r.value;
      file = r.file;
    }
    return { value, file };
  }
}
