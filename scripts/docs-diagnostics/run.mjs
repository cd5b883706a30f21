import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { BASE, CASES } from './cases.mjs';

export const PROJECT = join(import.meta.dirname, '..', '..');
/** Throwaway projects for the examples; each has a `.git` folder, so it is its own repository. */
export const CASES_ROOT = join(tmpdir(), `mlsteps-docs-cases-${process.pid}`);

const CLI = join(PROJECT, 'bin/mlsteps.js');
const ROOT = CASES_ROOT;

export function writeProject(dir, files) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, '.git'), { recursive: true });
  for (const [p, content] of Object.entries(files)) {
    if (content === null) continue;
    const abs = join(dir, p);
    mkdirSync(dirname(abs), { recursive: true });
    if (typeof content === 'object' && content.utf16) writeFileSync(abs, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(content.utf16, 'utf16le')]));
    else writeFileSync(abs, content);
  }
}

export function runCli(dir, args) {
  const r = spawnSync('node', [CLI, 'validate', ...args], { cwd: dir, encoding: 'utf8' });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

export function runCase(c) {
  const exDir = join(ROOT, c.code, 'example');
  const fixDir = join(ROOT, c.code, 'fix');
  writeProject(exDir, { ...BASE, ...c.example });
  writeProject(fixDir, { ...BASE, ...c.example, ...c.fix });
  const args = c.args ?? [];
  const ex = runCli(exDir, args);
  const exJson = JSON.parse(runCli(exDir, [...args, '--format', 'json']).stdout);
  const strict = c.strictToo ? runCli(exDir, [...args, '--strict']) : undefined;
  const fixArgs = c.fixArgs ?? args;
  const fix = runCli(fixDir, fixArgs);
  const fixJson = JSON.parse(runCli(fixDir, [...fixArgs, '--format', 'json']).stdout);
  return { ex, exJson, strict, fix, fixJson, exDir, fixDir };
}

if (process.argv[1].endsWith('run.mjs')) {
  const only = process.argv.slice(2);
  for (const c of CASES) {
    if (only.length && !only.includes(c.code)) continue;
    const r = runCase(c);
    const codes = r.exJson.diagnostics.map((d) => d.code);
    console.log(`===== ${c.code}  codes=${codes.join(',')}  exit=${r.ex.status}  fix: exit=${r.fix.status} diags=${r.fixJson.diagnostics.map((d) => d.code).join(',') || 'none'}`);
    console.log(r.ex.stdout + r.ex.stderr);
    if (r.strict) console.log('--strict exit', r.strict.status);
  }
}
