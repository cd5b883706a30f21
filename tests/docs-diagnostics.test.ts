import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIAGNOSTIC_CODES, type DiagnosticCode } from '../src/model/codes';

/**
 * docs/diagnostics.md documents every diagnostic code with a `### MLS101 — Unknown key` section
 * (code, em dash, the title from src/model/codes.ts). These tests keep the two in step.
 */
const DOC_PATH = join(__dirname, '..', 'docs', 'diagnostics.md');
const doc = readFileSync(DOC_PATH, 'utf8');

/** The document's lines outside fenced code blocks (YAML comments there look like headings). */
function proseLines(text: string): string[] {
  const out: string[] = [];
  let fence: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s{0,3}(`{3,}|~{3,})/.exec(line);
    if (m) {
      if (fence === undefined) fence = m[1];
      else if (m[1].startsWith(fence[0]) && m[1].length >= fence.length) fence = undefined;
      continue;
    }
    if (fence === undefined) out.push(line);
  }
  return out;
}

const lines = proseLines(doc);
/** Every heading, at any level, that starts with something shaped like a code. */
const codeHeadings = lines
  .map((line, index) => ({ line, index, m: /^(#{1,6})\s+`?(MLS\d+)\b/.exec(line) }))
  .filter((h) => h.m !== null)
  .map((h) => ({ line: h.line, index: h.index, level: h.m![1].length, code: h.m![2] }));

const expectedHeading = (code: DiagnosticCode) => `### ${code} — ${DIAGNOSTIC_CODES[code].title}`;
const codes = Object.keys(DIAGNOSTIC_CODES) as DiagnosticCode[];

test('every diagnostic code has a section headed with its code and the title from codes.ts', () => {
  const missing = codes.filter((code) => !lines.some((line) => line.trimEnd() === expectedHeading(code)));
  const detail = missing.map((code) => {
    const near = codeHeadings.find((h) => h.code === code);
    return `  ${code}: expected the heading\n    ${expectedHeading(code)}\n  ${near ? `found\n    ${near.line}` : 'found no section'}`;
  });
  assert.deepEqual(missing, [], `docs/diagnostics.md is missing sections:\n${detail.join('\n')}`);
});

test('docs/diagnostics.md has no section for a code that does not exist', () => {
  const unknown = codeHeadings.filter((h) => !(h.code in DIAGNOSTIC_CODES)).map((h) => h.line);
  assert.deepEqual(unknown, [], 'sections for codes that are not in DIAGNOSTIC_CODES (src/model/codes.ts)');
});

test('each code has exactly one section, written in the standard form', () => {
  const counts = new Map<string, number>();
  for (const h of codeHeadings) counts.set(h.code, (counts.get(h.code) ?? 0) + 1);
  const duplicated = [...counts].filter(([, n]) => n > 1).map(([code]) => code);
  assert.deepEqual(duplicated, [], 'codes with more than one section');
  const malformed = codeHeadings.filter((h) => h.code in DIAGNOSTIC_CODES && h.line.trimEnd() !== expectedHeading(h.code as DiagnosticCode)).map((h) => h.line);
  assert.deepEqual(malformed, [], 'code headings that are not exactly "### CODE — Title" (level 3, em dash, title from codes.ts)');
});

test('each section states the severity from codes.ts', () => {
  const wrong: string[] = [];
  for (const h of codeHeadings) {
    if (!(h.code in DIAGNOSTIC_CODES)) continue;
    const next = codeHeadings.find((o) => o.index > h.index);
    const body = lines.slice(h.index + 1, next ? next.index : undefined).join('\n');
    const severity = DIAGNOSTIC_CODES[h.code as DiagnosticCode].severity;
    const stated = /\*\*Severity:\*\*\s*(\w+)/.exec(body)?.[1];
    if (stated !== severity) wrong.push(`${h.code}: codes.ts says ${severity}, the doc says ${stated ?? 'nothing'}`);
  }
  assert.deepEqual(wrong, []);
});

test('every output pasted in docs/diagnostics.md is what mlsteps prints today', { timeout: 180_000 }, () => {
  // Re-renders the doc (scripts/docs-diagnostics runs the built CLI on each example) and compares.
  const dir = mkdtempSync(join(tmpdir(), 'mlsteps-doc-'));
  try {
    const out = join(dir, 'diagnostics.md');
    const r = spawnSync(process.execPath, [join(__dirname, '..', 'scripts', 'docs-diagnostics', 'render.mjs')], { env: { ...process.env, DIAGNOSTICS_DOC_OUT: out }, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.equal(readFileSync(out, 'utf8'), doc, 'docs/diagnostics.md is out of date: run `npm run docs:diagnostics`');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
