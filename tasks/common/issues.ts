import * as path from 'node:path';
import type { ValidationResult } from '../../src/model/diagnostic';

/** One `##vso[task.logissue]` to emit: an error or warning anchored to a file, line and column. */
export interface Issue {
  type: 'error' | 'warning';
  message: string;
  /**
   * Absolute local path. The agent maps it to the path inside the repository that holds it (and
   * from a container path to the host path), which a relative path would defeat with several
   * checkouts or in a container job.
   */
  sourcePath?: string;
  line?: number;
  column?: number;
  code: string;
}

/** One issue per diagnostic, in the order validation reported them. */
export function diagnosticsToIssues(result: ValidationResult): Issue[] {
  return result.diagnostics.map((d) => ({
    type: d.severity,
    message: neutralize(d.hint ? `${d.message} (${d.hint})` : d.message),
    sourcePath: d.file ? path.resolve(result.base, d.file) : undefined,
    line: d.line > 0 ? d.line : undefined,
    column: d.column > 0 ? d.column : undefined,
    code: d.code,
  }));
}

export interface Counts {
  errors: number;
  warnings: number;
  runConfigs: number;
  files: number;
}

export function countDiagnostics(result: ValidationResult): Counts {
  let errors = 0;
  let warnings = 0;
  for (const d of result.diagnostics) {
    if (d.severity === 'error') errors++;
    else warnings++;
  }
  return { errors, warnings, runConfigs: result.runConfigs.length, files: result.files.length };
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** "2 errors and 1 warning in 7 run configurations (9 files)". */
export function describeCounts(c: Counts): string {
  const found = c.errors && c.warnings
    ? `${plural(c.errors, 'error')} and ${plural(c.warnings, 'warning')}`
    : c.errors ? plural(c.errors, 'error') : c.warnings ? plural(c.warnings, 'warning') : 'no problems';
  return `${found} in ${plural(c.runConfigs, 'run configuration')} (${plural(c.files, 'file')})`;
}

/**
 * Text that came from the repository (YAML keys, values, file names) must not carry a logging
 * command: the agent acts on `##vso[` anywhere in a line. Same rewrite as task-lib's filter.
 */
export function neutralize(text: string): string {
  return text.replaceAll('##vso[', '##_vso[');
}
