import { LineCounter, isAlias, isMap, isPair, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml';
import type { DiagnosticCode } from '../model/codes';

/** Larger files are refused before parsing: a run configuration is a few kilobytes. */
export const MAX_FILE_BYTES = 2 * 1024 * 1024;
/** Deeper documents are refused: real job files nest five or six levels. */
export const MAX_DEPTH = 64;
/** Alias expansions allowed when converting to plain data (the "billion laughs" guard). */
export const MAX_ALIAS_COUNT = 200;

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
    file.problems.push({ code: 'MLS003', message: 'file is not UTF-8 text (binary content)', at: start });
    return file;
  }
  file.text = text;
  const lineCounter = new LineCounter();
  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true, version: '1.2' });
  } catch (err) {
    file.problems.push({ code: 'MLS001', message: `YAML could not be parsed: ${(err as Error).message}`, at: start });
    return file;
  }
  const posAt = (offset: number): Position => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  let syntaxErrors = 0;
  for (const err of doc.errors) {
    // After the first syntax error the parser's further complaints are mostly its consequences.
    if (err.code !== 'DUPLICATE_KEY' && syntaxErrors++ > 0) continue;
    let message = err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    let code: DiagnosticCode = err.code === 'DUPLICATE_KEY' ? 'MLS002' : 'MLS001';
    if (code === 'MLS002') message = 'duplicate key: ' + message;
    // The parser gives up on pathological nesting with a stack overflow; say what it means.
    if (/call stack/i.test(message)) {
      code = 'MLS004';
      message = `document nests too deeply to parse (the limit is ${MAX_DEPTH} levels)`;
    }
    file.problems.push({ code, message, at: posAt(err.pos[0]) });
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
  indexLocations(doc.contents, '', file.locations, posAt);
  return file;
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
