import type { ValidationResult } from '../model/diagnostic';

/** For machines: one object, the shape of DESIGN §3.1. */
export function formatJson(result: ValidationResult): string {
  return JSON.stringify({
    ok: result.ok,
    files: result.files,
    runConfigs: result.runConfigs,
    diagnostics: result.diagnostics.map((d) => ({
      file: d.file,
      line: d.line,
      column: d.column,
      severity: d.severity,
      code: d.code,
      message: d.message,
      ...(d.hint ? { hint: d.hint } : {}),
    })),
  }) + '\n';
}
