import { readFileSync, realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Diagnostic, ValidationResult } from '../model/diagnostic';

export interface TextOptions {
  color?: boolean;
}

const paint = (on: boolean, code: string) => (s: string) => (on ? `\x1b[${code}m${s}\x1b[0m` : s);

/** For people: file:line:column, the offending line with a caret, and the hint. */
export function formatText(result: ValidationResult, options: TextOptions = {}): string {
  const color = options.color ?? false;
  const red = paint(color, '31');
  const yellow = paint(color, '33');
  const dim = paint(color, '2');
  const bold = paint(color, '1');
  const cyan = paint(color, '36');
  const lines: string[] = [];
  const sources = new Map<string, string[] | undefined>();
  const sourceLine = (d: Diagnostic): string | undefined => {
    if (!sources.has(d.file)) {
      try {
        // Never through a symlink: a file that leaves the repository through one is reported
        // (MLS131) precisely so that it is not read, and showing its line would read it.
        const path = join(result.base, d.file);
        if (realpathSync(path) !== resolve(realpathSync(result.base), d.file)) throw new Error('reached through a symlink');
        sources.set(d.file, readFileSync(path, 'utf8').split(/\r?\n/));
      } catch {
        sources.set(d.file, undefined);
      }
    }
    return sources.get(d.file)?.[d.line - 1];
  };
  for (const d of result.diagnostics) {
    const severity = d.severity === 'error' ? red('error') : yellow('warning');
    lines.push(`${bold(`${d.file}:${d.line}:${d.column}`)}: ${severity} ${dim(d.code)}: ${d.message}`);
    const src = sourceLine(d);
    if (src !== undefined && src.length <= 400 && !/[\u0000-\u0008]/.test(src)) {
      const gutter = String(d.line).padStart(5);
      const expanded = src.replace(/\t/g, '    ');
      const caretAt = src.slice(0, d.column - 1).replace(/\t/g, '    ').length;
      lines.push(dim(`${gutter} | `) + expanded);
      lines.push(dim(`${' '.repeat(5)} | `) + ' '.repeat(caretAt) + (d.severity === 'error' ? red('^') : yellow('^')));
    }
    if (d.hint) lines.push(`      ${cyan('hint:')} ${d.hint}`);
    lines.push('');
  }
  lines.push(summaryLine(result));
  return lines.join('\n') + '\n';
}

export function summaryLine(result: ValidationResult): string {
  const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = result.diagnostics.length - errors;
  const scope = `${result.runConfigs.length} run configuration${result.runConfigs.length === 1 ? '' : 's'} in ${result.files.length} file${result.files.length === 1 ? '' : 's'}`;
  if (errors === 0 && warnings === 0) return `✔ ${scope}: no problems`;
  const counts = [errors ? `${errors} error${errors === 1 ? '' : 's'}` : '', warnings ? `${warnings} warning${warnings === 1 ? '' : 's'}` : ''].filter(Boolean).join(', ');
  return `${result.ok ? '✔' : '✖'} ${scope}: ${counts}`;
}
