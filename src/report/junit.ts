import type { Diagnostic, ValidationResult } from '../model/diagnostic';

const xml = (s: string) =>
  s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const line = (d: Diagnostic) => `${d.file}:${d.line}:${d.column}: ${d.severity} ${d.code}: ${d.message}${d.hint ? ` (${d.hint})` : ''}`;

/**
 * JUnit XML with one test case per run configuration, so Azure DevOps' Tests tab lists each run
 * configuration as passed or failed. Findings in other files (the project file, conda files)
 * get a test case named after the file.
 */
export function formatJunit(result: ValidationResult, suiteName = 'mlsteps validate'): string {
  const cases: { name: string; classname: string; diagnostics: Diagnostic[] }[] = [];
  const byFile = new Map<string, (typeof cases)[number]>();
  for (const rc of result.runConfigs) {
    const c = { name: rc.name, classname: rc.file, diagnostics: [] as Diagnostic[] };
    cases.push(c);
    if (!byFile.has(rc.file)) byFile.set(rc.file, c);
  }
  for (const d of result.diagnostics) {
    let c = byFile.get(d.file);
    if (!c) {
      c = { name: d.file, classname: d.file, diagnostics: [] };
      cases.push(c);
      byFile.set(d.file, c);
    }
    c.diagnostics.push(d);
  }
  const failures = cases.filter((c) => c.diagnostics.some((d) => d.severity === 'error')).length;
  const out = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites name="${xml(suiteName)}" tests="${cases.length}" failures="${failures}">`, `  <testsuite name="${xml(suiteName)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="0">`];
  for (const c of cases) {
    out.push(`    <testcase name="${xml(c.name)}" classname="${xml(c.classname)}" time="0">`);
    const errors = c.diagnostics.filter((d) => d.severity === 'error');
    const warnings = c.diagnostics.filter((d) => d.severity === 'warning');
    if (errors.length > 0) {
      out.push(`      <failure message="${xml(`${errors.length} error${errors.length === 1 ? '' : 's'}: ${errors[0].message}`)}" type="${errors[0].code}">${xml(errors.map(line).join('\n'))}</failure>`);
    }
    if (warnings.length > 0) out.push(`      <system-out>${xml(warnings.map(line).join('\n'))}</system-out>`);
    out.push('    </testcase>');
  }
  out.push('  </testsuite>', '</testsuites>');
  return out.join('\n') + '\n';
}
