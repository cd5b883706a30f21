import type { ValidationResult } from '../model/diagnostic';
import { summaryLine } from './text';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

/** The build summary section: counts, then one row per finding. */
export function formatMarkdown(result: ValidationResult, title = 'ML steps: validation'): string {
  const out = [`## ${title}`, '', summaryLine(result), ''];
  if (result.diagnostics.length > 0) {
    out.push('| | File | Line | Code | Problem | Hint |', '|---|---|---|---|---|---|');
    for (const d of result.diagnostics) {
      out.push(`| ${d.severity === 'error' ? '❌' : '⚠️'} | \`${cell(d.file)}\` | ${d.line}:${d.column} | ${d.code} | ${cell(d.message)} | ${cell(d.hint ?? '')} |`);
    }
    out.push('');
  }
  if (result.runConfigs.length > 0) {
    const failing = new Set(result.diagnostics.filter((d) => d.severity === 'error').map((d) => d.file));
    out.push('| Run configuration | File | Result |', '|---|---|---|');
    for (const rc of result.runConfigs) out.push(`| ${cell(rc.name)} | \`${cell(rc.file)}\` | ${failing.has(rc.file) ? '❌ errors' : '✅ valid'} |`);
    out.push('');
  }
  return out.join('\n');
}
