import { relative, sep } from 'node:path';
import { DIAGNOSTIC_CODES, type DiagnosticCode } from '../model/codes';
import type { Diagnostic } from '../model/diagnostic';
import { locate, type Position, type YamlFile } from './yamlFile';

/** Collects diagnostics, anchoring each to a file position relative to the base folder. */
export class DiagnosticSink {
  readonly list: Diagnostic[] = [];
  private readonly seen = new Set<string>();

  constructor(readonly base: string) {}

  rel(absPath: string): string {
    const r = relative(this.base, absPath);
    return (r === '' ? '.' : r).split(sep).join('/');
  }

  atPosition(absPath: string, at: Position, code: DiagnosticCode, message: string, hint?: string): void {
    const d: Diagnostic = {
      file: this.rel(absPath),
      line: at.line,
      column: at.column,
      severity: DIAGNOSTIC_CODES[code].severity,
      code,
      message: oneLine(message),
    };
    if (hint) d.hint = oneLine(hint);
    const key = `${d.file}|${d.line}|${d.column}|${d.code}|${d.message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.list.push(d);
  }

  at(file: Pick<YamlFile, 'path' | 'locations'>, pointer: string, prefer: 'key' | 'value', code: DiagnosticCode, message: string, hint?: string): void {
    this.atPosition(file.path, locate(file, pointer, prefer), code, message, hint);
  }

  sorted(): Diagnostic[] {
    return [...this.list].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column || (a.code < b.code ? -1 : 1)));
  }
}

/**
 * A value from a user's file as text for a message or a translated setting. `String()` throws on a
 * mapping such as `{toString: x}` (its `toString` is not a function) and on null-prototype objects,
 * so structured values are written as JSON instead.
 */
export function shown(value: unknown): string {
  if (value === null || typeof value !== 'object') return String(value);
  try {
    return JSON.stringify(value) ?? 'null';
  } catch {
    return '[unprintable value]';
  }
}

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/**
 * Messages quote values from the user's files: a newline or an escape sequence in one would forge
 * lines in a build log (a `##vso[` command, a fake `file:line: error`) or repaint a terminal, so
 * control characters are written as escapes (found by the fuzzer, e.g. `needs: "x\0y"`).
 */
export function oneLine(text: string): string {
  return text.replace(CONTROL, (c) => ({ '\n': '\\n', '\r': '\\r', '\t': '\\t' })[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
