import { LineCounter, isAlias, isMap, isPair, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml';
import type { DiagnosticCode } from '../model/codes';

/** Larger files are refused before parsing: a run configuration is a few kilobytes. */
export const MAX_FILE_BYTES = 2 * 1024 * 1024;
/** Deeper documents are refused: real job files nest five or six levels. */
export const MAX_DEPTH = 64;
/** Alias expansions allowed when converting to plain data (the "billion laughs" guard). */
export const MAX_ALIAS_COUNT = 200;
/** Duplicate keys and YAML warnings told per file: a hostile file can hold 400,000 of them. */
export const MAX_PROBLEMS_PER_FILE = 100;

export interface Position {
  line: number;
  column: number;
}

/** Where a value sits in its file: the key that names it and the value itself. */
export interface Location {
  key?: Position;
  value: Position;
}

export interface ProblemAt {
  code: DiagnosticCode;
  message: string;
  hint?: string;
  at: Position;
}

/** A YAML document read into plain data, with a JSON-pointer → position index. */
export interface YamlFile {
  /** Absolute path. */
  path: string;
  text: string;
  data: unknown;
  locations: Map<string, Location>;
  problems: ProblemAt[];
}

export function pointer(parts: readonly (string | number)[]): string {
  let out = '';
  for (const part of parts) out += '/' + String(part).replace(/~/g, '~0').replace(/\//g, '~1');
  return out;
}

export function parsePointer(p: string): string[] {
  if (p === '') return [];
  return p.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Decodes bytes as UTF-8 text, refusing binary content (NUL bytes or invalid UTF-8). */
export function decodeText(bytes: Uint8Array): string | undefined {
  if (bytes.includes(0)) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

// Duplicate keys are found by findDuplicateKeys, not by the parser: its check compares each key
// with every earlier key of the mapping, so a mapping of 30,000 keys took minutes (quadratic).
const PARSE_OPTIONS = { uniqueKeys: false, prettyErrors: false, strict: true, version: '1.2' } as const;

export function parseYaml(path: string, bytes: Uint8Array): YamlFile {
  const file: YamlFile = { path, text: '', data: undefined, locations: new Map(), problems: [] };
  const start = { line: 1, column: 1 };
  if (bytes.byteLength > MAX_FILE_BYTES) {
    file.problems.push({
      code: 'MLS003',
      message: `file is ${(bytes.byteLength / 1048576).toFixed(1)} MiB; run configurations are limited to ${MAX_FILE_BYTES / 1048576} MiB`,
      hint: 'keep data out of run configurations; reference it as a dataset instead',
      at: start,
    });
    return file;
  }
  const text = decodeText(bytes);
  if (text === undefined) {
    const utf16 = (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);
    file.problems.push({
      code: 'MLS003',
      message: utf16 ? 'file is UTF-16 text; YAML files here must be UTF-8' : bytes.includes(0) ? 'file is binary, not YAML text' : 'file is not valid UTF-8 text',
      hint: 'save the file with UTF-8 encoding',
      at: start,
    });
    return file;
  }
  file.text = text;
  const lineCounter = new LineCounter();
  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, { lineCounter, ...PARSE_OPTIONS });
  } catch (err) {
    file.problems.push({ code: 'MLS001', message: `YAML could not be parsed: ${(err as Error).message}`, at: start });
    return file;
  }
  const posAt = (offset: number): Position => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  for (const problem of findDuplicateKeys(doc.contents, posAt)) if (file.problems.length < MAX_PROBLEMS_PER_FILE) file.problems.push(problem);
  let syntaxErrors = 0;
  for (const err of doc.errors) {
    // After the first syntax error the parser's further complaints are mostly its consequences.
    if (syntaxErrors++ > 0) continue;
    let message = err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    let code: DiagnosticCode = 'MLS001';
    let hint = SYNTAX_HINTS[err.code];
    let at = posAt(err.pos[0]);
    if (/end with a [\]}]/.test(message)) {
      // The parser notices at the end of the file; the user needs the bracket that was never closed.
      const opener = unclosedBracket(text);
      if (opener !== undefined) {
        at = posAt(opener);
        message = `this ${text[opener] === '[' ? '[' : '{'} is never closed`;
        hint = `close it with ${text[opener] === '[' ? ']' : '}'} (a "${text[opener]}" inside a value needs quotes)`;
      }
    }
    // The parser gives up on pathological nesting with a stack overflow; say what it means.
    if (/call stack/i.test(message)) {
      code = 'MLS004';
      message = `document nests too deeply to parse (the limit is ${MAX_DEPTH} levels)`;
    }
    file.problems.push({ code, message, hint, at });
  }
  // Warnings are YAML the parser accepted but read differently from what was meant (an unknown
  // `!tag` silently drops the tag, a mapping used as a key is stringified): treat them as errors.
  for (const warning of doc.warnings) {
    if (file.problems.length >= MAX_PROBLEMS_PER_FILE) break;
    file.problems.push({ code: 'MLS001', message: warning.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, ''), hint: SYNTAX_HINTS[warning.code], at: posAt(warning.pos[0]) });
  }
  if (file.problems.length > 0) return file;

  const depthProblem = checkDepth(doc.contents, posAt);
  if (depthProblem) {
    file.problems.push(depthProblem);
    return file;
  }
  try {
    file.data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    const message = (err as Error).message;
    file.problems.push({
      code: /alias/i.test(message) ? 'MLS004' : 'MLS001',
      message: /alias/i.test(message) ? `too many alias expansions (more than ${MAX_ALIAS_COUNT}); the document looks like an alias bomb` : message,
      at: start,
    });
    return file;
  }
  // Positions are needed only for files with findings: index them on first use, from a fresh
  // parse of the text. Holding on to `doc` instead would keep every file's syntax tree alive for
  // the whole run (about 16 KB per run configuration: 160 MB of a 10,000-file project).
  let index: Map<string, Location> | undefined;
  Object.defineProperty(file, 'locations', {
    get: () => {
      if (!index) {
        const lines = new LineCounter();
        const again = parseDocument(text, { lineCounter: lines, ...PARSE_OPTIONS });
        index = new Map();
        indexLocations(again.contents, '', index, (offset) => {
          const p = lines.linePos(offset);
          return { line: p.line, column: p.col };
        });
      }
      return index;
    },
    enumerable: true,
  });
  return file;
}

const SYNTAX_HINTS: Record<string, string> = {
  TAB_AS_INDENT: 'YAML indents with spaces, never tabs',
  BLOCK_AS_IMPLICIT_KEY: 'a value containing ": " must be quoted, e.g. "a: b"',
  MULTILINE_IMPLICIT_KEY: 'a key must fit on one line; check for a missing ":" on the line before',
  BAD_INDENT: 'check the indentation: items of one mapping or list line up exactly',
  MISSING_CHAR: 'a quote or bracket is not closed',
  TAG_RESOLVE_FAILED: 'remove the "!tag"; run configurations use plain YAML values',
  BAD_ALIAS: 'an alias (*name) must refer to an anchor (&name) defined before it',
  UNEXPECTED_TOKEN: 'check the punctuation near this position; values with ":", "#", "{" or "[" need quotes',
};

/**
 * Keys that appear twice in one mapping, each told with the line of its first appearance: one
 * pass with a set per mapping, iterative (a hostile document may nest deeply before it is refused).
 */
function findDuplicateKeys(root: unknown, posAt: (offset: number) => Position): ProblemAt[] {
  const problems: ProblemAt[] = [];
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isMap(node)) {
      const first = new Map<string, Node>();
      for (const pair of node.items) {
        const key = pair.key;
        if (isScalar(key) && key.range) {
          // As the parser compared them: by value, so `1` and "1" are different keys.
          const id = `${typeof key.value}:${String(key.value)}`;
          const earlier = first.get(id);
          if (!earlier) first.set(id, key);
          else {
            problems.push({
              code: 'MLS002',
              message: `duplicate key "${String(key.value)}" (first on line ${posAt(earlier.range![0]).line})`,
              hint: 'a key may appear once in a mapping, and YAML would keep only one of the values; remove or merge the other',
              at: posAt(key.range[0]),
            });
          }
        }
        if (pair.value) stack.push(pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) stack.push(item);
    }
  }
  return problems;
}

/** Offset of the first "[" or "{" that is never closed, ignoring quoted text and comments. */
function unclosedBracket(text: string): number | undefined {
  const stack: number[] = [];
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
      else if (c === '\n' && stack.length === 0) quote = undefined;
    } else if (c === '"' || (c === "'" && stack.length > 0)) quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]))) {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '[' || c === '{') stack.push(i);
    else if ((c === ']' || c === '}') && stack.length > 0) stack.pop();
  }
  return stack[0];
}

/** Iterative, so a hostile document cannot overflow the stack before it is refused. */
function checkDepth(root: unknown, posAt: (offset: number) => Position): ProblemAt | undefined {
  const stack: { node: unknown; depth: number }[] = [{ node: root, depth: 0 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (isMap(node) || isSeq(node)) {
      if (depth >= MAX_DEPTH) {
        const offset = (node as Node).range?.[0] ?? 0;
        return { code: 'MLS004', message: `document nests deeper than ${MAX_DEPTH} levels`, at: posAt(offset) };
      }
      for (const item of node.items as unknown[]) {
        if (isPair(item)) stack.push({ node: item.value, depth: depth + 1 });
        else stack.push({ node: item, depth: depth + 1 });
      }
    }
  }
  return undefined;
}

function indexLocations(node: unknown, at: string, out: Map<string, Location>, posAt: (offset: number) => Position, key?: Position): void {
  const value = nodeStart(node, posAt) ?? key ?? { line: 1, column: 1 };
  out.set(at, { key, value });
  if (isMap(node)) {
    for (const pair of node.items) {
      const keyText = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      const keyPos = nodeStart(pair.key, posAt);
      indexLocations(pair.value, at + pointer([keyText]), out, posAt, keyPos);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => indexLocations(item, at + pointer([i]), out, posAt, undefined));
  }
}

function nodeStart(node: unknown, posAt: (offset: number) => Position): Position | undefined {
  if (node && (isScalar(node) || isMap(node) || isSeq(node) || isAlias(node))) {
    const range = (node as Node).range;
    if (range) return posAt(range[0]);
  }
  return undefined;
}

/** The nearest indexed position for a pointer: its key, else its value, else its parent's. */
export function locate(file: Pick<YamlFile, 'locations'>, at: string, prefer: 'key' | 'value' = 'key'): Position {
  let p = at;
  for (;;) {
    const loc = file.locations.get(p);
    if (loc) return (prefer === 'key' ? loc.key ?? loc.value : loc.value) ?? { line: 1, column: 1 };
    if (p === '') return { line: 1, column: 1 };
    p = p.slice(0, p.lastIndexOf('/'));
  }
}
