// `npm run docs:diagnostics` builds docs/diagnostics.md from cases.mjs + text.mjs, running the real CLI for every output.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BASE, CASES } from './cases.mjs';
import { TEXT } from './text.mjs';
import { CASES_ROOT, PROJECT, runCase, runCli, writeProject } from './run.mjs';

const codesSrc = readFileSync(join(PROJECT, 'src/model/codes.ts'), 'utf8');
const CODES = [...codesSrc.matchAll(/^\s*(MLS\d{3}): \{ severity: '(\w+)', title: '((?:[^'\\]|\\.)*)' \}/gm)].map((m) => ({ code: m[1], severity: m[2], title: m[3].replace(/\\'/g, "'") }));
const GROUPS = [...codesSrc.matchAll(/^\s*\/\/ (.+)\n\s*(MLS\d{3})/gm)].map((m) => ({ name: m[1], first: m[2] }));

const membersOf = (name) => {
  const g = GROUPS.find((x) => x.name === name);
  if (!g) throw new Error('no group ' + name);
  return CODES.filter((c) => c.code >= g.first && !GROUPS.some((o) => o.first > g.first && c.code >= o.first));
};
const range = (name) => {
  const m = membersOf(name);
  return m.length === 1 ? m[0].code : `${m[0].code}–${m[m.length - 1].code}`;
};
const slug = (h) => h.toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '').replace(/ /g, '-');
const heading = (c) => `${c.code} — ${c.title}`;
const fence = (lang, body) => '```' + lang + '\n' + body.replace(/\n*$/, '\n') + '```';
const lang = (path) => (/\.(ya?ml|runconfig)$/.test(path) ? 'yaml' : /\.py$/.test(path) ? 'python' : 'text');
const contentOf = (v) => (typeof v === 'string' ? v : v.utf16);
const cmd = (args) => '$ mlsteps validate' + (args.length ? ' ' + args.join(' ') : '');
const problems = [];

const out = [];
writeProject(join(CASES_ROOT, 'base'), BASE);
const baseRun = runCli(join(CASES_ROOT, 'base'), []);
const baseSummary = baseRun.stdout.trim();
if (baseRun.status !== 0 || !baseSummary.includes('no problems') || baseSummary.includes('\n')) problems.push('base project does not validate: ' + baseRun.stdout);
out.push(`# Diagnostics

\`mlsteps validate\` reads an ML project — its \`mlsteps.yml\` and the run configurations it lists — and
reports each problem it finds as a *diagnostic*: a code such as \`MLS101\`, a severity (\`error\` or
\`warning\`), a message, often a hint, and the file, line and column to fix. This page is the
reference of every code: when it fires, a minimal example, what \`mlsteps validate\` prints for it,
and the fix. The pipeline task \`MLStepsValidate@1\` runs the same checks and reports the same codes.

| code | severity | title |
| --- | --- | --- |
${CODES.map((c) => `| [${c.code}](#${slug(heading(c))}) | ${c.severity} | ${c.title.replace(/\|/g, '\\|')} |`).join('\n')}

## What validate checks

\`\`\`text
mlsteps validate [PATH…] [--format text|json|junit] [--strict]
\`\`\`

PATH defaults to \`.\` and can be given several times. Each PATH is one of:

- a folder: its \`mlsteps.yml\` (or \`mlsteps.yaml\`) and every run configuration its \`runconfigs:\`
  patterns match;
- a project file (\`mlsteps.yml\`), the same as its folder;
- run configuration files (\`.yml\`, \`.yaml\`, or an Azure ML SDK v1 \`.runconfig\`). A file that a
  project lists (the nearest \`mlsteps.yml\` above it, inside the repository) is checked against that
  project's catalogs, and only its own findings (and the project file's) are reported. A file outside
  any project is checked on its own: compute names are then taken to be workspace computes, and
  environment and dataset names cannot resolve
  ([MLS104](#mls104--catalog-reference-does-not-resolve)); use \`azureml:\` references there.

The checks, by code range:

| codes | checks |
| --- | --- |
| ${range('Reading files')} | reading files: each file is UTF-8 YAML, within the safety limits, holding a mapping, and each PATH exists |
| ${range('Schema')} | schema: \`mlsteps.yml\` against \`schemas/mlsteps.schema.json\`, each run configuration (after \`extends\` is applied) against \`schemas/runconfig.schema.json\` — keys, types, allowed values, required keys, forms and ranges — and catalog references |
| ${range('Names and graph')} | names and graph: \`needs\`, \`extends\` and \`profiles\` name run configurations that exist, without cycles; names are unique; \`runconfigs:\` patterns match files |
| ${range('Expressions')} | expressions: every \`\${{…}}\` in a command resolves, every input and search-space parameter is used, and a sweep's sampling algorithm fits its search space |
| ${range('Files and paths')} | files and paths: code folders, scripts, conda files, Spark files and local data exist and stay inside the repository; conda files parse and pin a Python |
| ${range('Compute and data')} | compute and data: a Spark job runs on a Spark compute or on serverless Spark, and only Spark jobs run on Spark computes; data used by local steps has a local copy |
| ${range('SDK v1 import')} | SDK v1 import: settings of a \`.runconfig\` that have no equivalent |

A file that cannot be read or parsed (MLS001–MLS005) gets its diagnostics and is not checked
further; every other file is still checked, so one run shows every problem it can. Bad input of any
kind — binary, huge, deeply nested, alias bombs — gets a diagnostic, never a stack trace.

### Exit codes

| exit | when |
| --- | --- |
| 0 | no errors; warnings are allowed (without \`--strict\`) |
| 1 | at least one error — or, with \`--strict\`, at least one warning |
| 2 | usage error (an unknown option, \`--format\` with another value), or a PATH that does not exist or has no project file ([MLS006](#${slug('MLS006 — No project file or run configuration at the given path')})) |

### \`--strict\`

Warnings (${CODES.filter((c) => c.severity === "warning").map((c) => c.code).join(", ")}) are reported but do not fail \`validate\` on their own:
the summary line starts with \`✔\` and the exit code is 0. With \`--strict\` the same warnings make it
exit with 1 (and the summary starts with \`✖\`). The \`failOnWarnings\` input of \`MLStepsValidate@1\`
does the same in a pipeline.

### Output formats

\`--format text\` (the default) is for people. Each diagnostic is a line
\`FILE:LINE:COLUMN: SEVERITY CODE: MESSAGE\`, then the offending source line with its line number and a
caret under the column, then the hint if there is one; a summary line ends the output. The source
line is left out when it cannot be shown (the file is missing or binary, or the line is longer
than 400 characters). Colours are used when standard output is a terminal.

`);

// Intro samples from the MLS101 example.
const sample = runCase(CASES.find((c) => c.code === 'MLS101'));
const json = runCli(sample.exDir, ['--format', 'json']);
const junit = runCli(sample.exDir, ['--format', 'junit']);
out.push(fence('text', cmd([]) + '\n' + sample.ex.stdout) + '\n');
out.push(`
\`--format json\` is for machines: one JSON object on standard output, with \`ok\` (whether the exit
code is 0), the \`files\` read, the \`runConfigs\` found (\`name\`, \`file\`), and the \`diagnostics\`,
each with \`file\`, \`line\`, \`column\`, \`severity\`, \`code\`, \`message\` and, when there is one, \`hint\`.
For the same project:

`);
out.push(fence('text', cmd(['--format', 'json']) + '\n' + json.stdout) + '\n');
out.push(`
\`--format junit\` writes JUnit XML with one test case per run configuration (its name, with its file
as the class name), failed when the run configuration has errors; problems in other files
(\`mlsteps.yml\`, conda files) get a test case named after the file, and warnings go to
\`<system-out>\`. Azure DevOps' Tests tab then lists each run configuration as passed or failed.

`);
out.push(fence('text', cmd(['--format', 'junit']) + '\n' + junit.stdout) + '\n');
out.push(`
### Codes are stable

A code means one thing for good. A check that is retired keeps its number, listed here as
retired, and a new check gets a new number: numbers are never reused. Search for a code, link to
its section here (\`docs/diagnostics.md#${slug('MLS101 — Unknown key')}\`), or match on \`code\` in the
JSON output. Messages and hints may be reworded between versions; match on the code, not on the
text.

### Lines and columns

- Lines and columns are 1-based: the first character of a file is at line 1, column 1.
- A column counts the characters of its line; a tab counts as one (the text output expands tabs to
  four spaces when it shows the line, and moves the caret to match). Characters outside the Basic
  Multilingual Plane, such as emoji, count as two (columns are UTF-16 code units, as in editors
  and the Language Server Protocol).
- \`file\` is relative to the folder mlsteps was given (to the file's folder when PATH is a file,
  and to the current folder when there are several PATHs), with \`/\` as the separator on every
  operating system.
- The position is the key for an unknown or missing key, the value for a wrong value, the
  expression or script name inside a string for expressions and scripts, and line 1, column 1 when
  the problem is the whole file.

### The example project

Each example below starts from this small project: four files plus an empty \`.git\` folder, which
marks the root of the repository. \`mlsteps validate\` passes on it as it is:
\`${baseSummary}\`. An example shows only the files it changes or
adds, the output is what \`mlsteps validate\` really prints when run in the project folder, and the
fix shows the corrected files.

`);
for (const [path, content] of Object.entries(BASE)) out.push(`\`${path}\`\n\n${fence(lang(path), content)}\n\n`);
{
  const dir = join(CASES_ROOT, 'base');
  writeProject(dir, BASE);
  const r = runCli(dir, []);
  if (r.status !== 0 || !r.stdout.includes('no problems')) problems.push('base project does not validate: ' + r.stdout);
}

for (const group of GROUPS) {
  const members = CODES.filter((c) => c.code >= group.first && !GROUPS.some((g) => g.first > group.first && c.code >= g.first));
  out.push(`## ${group.name}\n\n`);
  for (const c of members) {
    const kase = CASES.find((k) => k.code === c.code);
    const text = TEXT[c.code];
    if (!kase || !text) {
      problems.push(`no case or text for ${c.code}`);
      continue;
    }
    const r = runCase(kase);
    const got = r.exJson.diagnostics.map((d) => d.code);
    if (got.length !== 1 || got[0] !== c.code) problems.push(`${c.code}: example reports ${got.join(',') || 'nothing'}`);
    if (r.fix.status !== 0 || r.fixJson.diagnostics.length > 0) problems.push(`${c.code}: fix is not clean: ${r.fix.stdout}`);
    const expectExit = c.code === 'MLS006' ? 2 : c.severity === 'error' ? 1 : 0;
    if (r.ex.status !== expectExit) problems.push(`${c.code}: exit ${r.ex.status}, expected ${expectExit}`);

    out.push(`### ${heading(c)}\n\n**Severity:** ${c.severity}\n\n${text.when}\n\n`);
    // Example
    const exFiles = Object.entries(kase.example);
    out.push(`**Example.** ${text.exampleNote ?? (exFiles.length ? 'In the [example project](#the-example-project):' : '')}\n\n`);
    for (const [path, content] of exFiles) {
      out.push(`\`${path}\`${kase.binary ? ' (saved as UTF-16 LE with a byte-order mark)' : ''}\n\n${fence(lang(path), contentOf(content))}\n\n`);
    }
    const args = kase.args ?? [];
    out.push(`\`${cmd(args).slice(2)}\` prints, and exits with ${r.ex.status}:\n\n`);
    out.push(fence('text', cmd(args) + '\n' + r.ex.stdout + r.ex.stderr) + '\n\n');
    if (kase.strictToo) out.push(`With \`--strict\` the same output ends in \`${r.strict.stdout.trim().split('\n').pop()}\` and the exit code is ${r.strict.status}.\n\n`);
    if (c.code === 'MLS160') {
      const imp = spawnImport(r.exDir, '.azureml/train.runconfig');
      out.push(`\`mlsteps import .azureml/train.runconfig\` reports the same setting on standard error while it writes the translation:\n\n${fence('text', '$ mlsteps import .azureml/train.runconfig >/dev/null\n' + imp.stderr)}\n\n`);
    }
    // Fix
    out.push(`**Fix.** ${text.fixNote}\n\n`);
    if (kase.fixArgs) {
      out.push(fence('text', cmd(kase.fixArgs) + '\n' + r.fix.stdout) + '\n\n');
    } else {
      for (const [path, content] of Object.entries(kase.fix)) {
        const before = kase.example[path] ?? BASE[path];
        if (before !== undefined && contentOf(before) === content && !kase.binary) continue;
        out.push(`\`${path}\`\n\n${fence(lang(path), content)}\n\n`);
      }
    }
  }
}

const doc = out.join('').replace(/\n{3,}/g, '\n\n').trimEnd() + '\n';
// Internal links must resolve.
const anchors = new Set([...doc.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1].replace(/`/g, ''))));
for (const m of doc.matchAll(/\]\(#([^)]+)\)/g)) if (!anchors.has(m[1])) problems.push('broken link #' + m[1]);
// DIAGNOSTICS_DOC_OUT lets a test render elsewhere and compare with the committed doc.
const target = process.env.DIAGNOSTICS_DOC_OUT ?? join(PROJECT, 'docs/diagnostics.md');
writeFileSync(target, doc);
rmSync(CASES_ROOT, { recursive: true, force: true });
console.log(problems.length ? 'PROBLEMS:\n' + problems.join('\n') : `wrote ${target} (${doc.length} characters)`);
if (problems.length) process.exitCode = 1;

function spawnImport(dir, file) {
  const r = spawnSync(process.execPath, [join(PROJECT, 'bin/mlsteps.js'), 'import', file], { cwd: dir, encoding: 'utf8' });
  return r;
}
