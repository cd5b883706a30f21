// `npm run docs:run-config` builds docs/run-config.md from template.md, checking it against the
// real CLI (bin/mlsteps.js, so build first) as it goes:
//   1. builds the example projects the template's markers describe, in a temporary folder, and
//      validates each; checks that quoted sample files equal the sample's and that
//      `mlsteps import` writes what the page shows;
//   2. replaces the output in each `<!-- output … -->` block with what the CLI prints now;
//   3. fills the key tables from the schemas (tables.mjs), removes the markers, checks the links.
// It writes docs/run-config.md, or the file named by the first argument, and exits with 1 when
// something does not hold (the file is written anyway, to look at).
//
// Markers (HTML comments, each on a line of its own):
//   <!-- skel NAME empty|sample|OTHER -->  start example project NAME: empty, a copy of the
//                                         sample, or a copy of example project OTHER
//   <!-- check NAME:PATH -->              the next code block is file PATH of NAME
//   <!-- sample PATH -->                  the next code block must equal the sample's PATH
//   <!-- touch NAME:PATH,… -->            placeholder files: a conda file for .yml/.yaml, a
//                                         print for .py, else an empty line
//   <!-- file NAME:PATH                   a file the page does not show; its text follows,
//   …                                     up to a line `-->`
//   -->
//   <!-- expect NAME CODE… -->            the codes validating NAME reports (default: none)
//   <!-- validate NAME:PATH -->           validate PATH of NAME instead of the whole project
//   <!-- import NAME:V1FILE OUT -->       the next code block is what `mlsteps import V1FILE -o OUT`
//                                         writes in NAME
//   <!-- output examples|repo -->         the next ```text block's `$ mlsteps …` lines are run in
//                                         the examples' folder or the repository, and each is
//                                         followed by what it prints
//   <!-- table:NAME -->                   a key table of tables.mjs
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fillTables } from './tables.mjs';

const PROJECT = join(import.meta.dirname, '..', '..');
const TEMPLATE = join(import.meta.dirname, 'template.md');
const OUT = process.argv[2] ? resolve(process.argv[2]) : join(PROJECT, 'docs/run-config.md');
/** The example projects; each has a `.git` folder, so it is its own repository. */
const EXAMPLES = join(tmpdir(), `mlsteps-docs-run-config-${process.pid}`);
const SAMPLE = join(PROJECT, 'samples/credit-risk');
const CLI = join(PROJECT, 'bin/mlsteps.js');
const CONDA = 'name: env\nchannels: [conda-forge]\ndependencies:\n  - python=3.10\n  - pip\n';
/** What a copy of the sample leaves out: local runs' folders and Python caches. */
const NOT_SAMPLE = new Set(['.mlsteps', '__pycache__', '.git']);

if (!existsSync(join(PROJECT, 'dist/cli.js'))) {
  console.error('dist/cli.js is missing: run `npm run build` first (or `npm run docs:run-config`, which does)');
  process.exit(1);
}

let problems = 0;
const fail = (message) => {
  problems++;
  console.error('PROBLEM: ' + message);
};
const mlsteps = (args, cwd) => spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8' });

try {
  const template = readFileSync(TEMPLATE, 'utf8');
  buildExamples(template);
  let text = resolveOutputs(template);
  text = fillTables(text);
  text = stripMarkers(text);
  checkLinks(text);
  writeFileSync(OUT, text);
  console.log(`${problems ? `${problems} problem(s)` : 'all good'}: wrote ${OUT} (${text.length} characters)`);
} catch (err) {
  fail(err instanceof Error ? err.message : String(err));
} finally {
  rmSync(EXAMPLES, { recursive: true, force: true });
}
process.exitCode = problems ? 1 : 0;

/** Step 1: the example projects, each validated; quoted sample files and imports compared. */
function buildExamples(template) {
  const lines = template.split('\n');
  rmSync(EXAMPLES, { recursive: true, force: true });
  mkdirSync(EXAMPLES, { recursive: true });
  const projects = new Map(); // name -> { expect: [], targets: [] }
  const project = (name) => {
    if (!projects.has(name)) {
      projects.set(name, { expect: [], targets: [] });
      mkdirSync(join(EXAMPLES, name, '.git'), { recursive: true });
    }
    return projects.get(name);
  };
  const write = (path, content) => {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  };
  /** The text of the code block after line i (past any further markers). */
  const blockAfter = (i) => {
    let j = i + 1;
    while (lines[j].startsWith('<!--')) j++;
    if (!lines[j].startsWith('```')) throw new Error(`template line ${i + 1}: the marker is not followed by a code block`);
    const start = j + 1;
    let end = start;
    while (!lines[end].startsWith('```')) end++;
    return lines.slice(start, end).join('\n') + '\n';
  };

  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    let m;
    if ((m = /^<!-- skel (\S+) (\S+) -->$/.exec(l))) {
      const [, name, skel] = m;
      project(name);
      if (skel === 'sample') cpSync(SAMPLE, join(EXAMPLES, name), { recursive: true, filter: (src) => !NOT_SAMPLE.has(basename(src)) });
      else if (skel !== 'empty') cpSync(join(EXAMPLES, skel), join(EXAMPLES, name), { recursive: true });
    } else if ((m = /^<!-- check (\S+?):(\S+) -->$/.exec(l))) {
      project(m[1]);
      write(join(EXAMPLES, m[1], m[2]), blockAfter(i));
    } else if ((m = /^<!-- sample (\S+) -->$/.exec(l))) {
      const real = readFileSync(join(SAMPLE, m[1]), 'utf8');
      if (real !== blockAfter(i)) fail(`the quoted ${m[1]} differs from the sample's`);
    } else if ((m = /^<!-- touch (\S+?):(\S+) -->$/.exec(l))) {
      project(m[1]);
      for (const f of m[2].split(',')) write(join(EXAMPLES, m[1], f), /\.ya?ml$/.test(f) ? CONDA : /\.py$/.test(f) ? 'print(1)\n' : '\n');
    } else if ((m = /^<!-- file (\S+?):(\S+)$/.exec(l))) {
      project(m[1]);
      const body = [];
      let j = i + 1;
      while (lines[j] !== '-->') body.push(lines[j++]);
      write(join(EXAMPLES, m[1], m[2]), body.join('\n') + '\n');
    } else if ((m = /^<!-- expect (\S+) (.+) -->$/.exec(l))) {
      project(m[1]).expect.push(...m[2].split(' '));
    } else if ((m = /^<!-- import (\S+?):(\S+) (\S+) -->$/.exec(l))) {
      // The block must be exactly what `mlsteps import` writes next to OUT.
      const dir = join(EXAMPLES, m[1]);
      const target = m[3] + '.imported';
      const r = mlsteps(['import', m[2], '-o', target], dir);
      if (r.status !== 0) fail(`mlsteps import ${m[2]} exited with ${r.status}: ${r.stderr}`);
      else {
        const written = readFileSync(join(dir, target), 'utf8');
        if (written !== blockAfter(i)) fail(`mlsteps import ${m[2]} writes something else:\n${written}`);
        rmSync(join(dir, target));
      }
    } else if ((m = /^<!-- validate (\S+?):(\S+) -->$/.exec(l))) {
      project(m[1]).targets.push(m[2]);
    } else if (l.startsWith('<!--') && !l.startsWith('<!-- table:') && !/^<!-- output (examples|repo) -->$/.test(l)) {
      throw new Error(`unknown marker at template line ${i + 1}: ${l}`);
    }
  }

  for (const [name, p] of projects) {
    const dir = join(EXAMPLES, name);
    for (const target of p.targets.length ? p.targets : ['.']) {
      const r = mlsteps(['validate', '--format', 'json', target], dir);
      let report;
      try {
        report = JSON.parse(r.stdout);
      } catch {
        fail(`${name}/${target}: validate printed no JSON: ${r.stdout} ${r.stderr}`);
        continue;
      }
      const codes = report.diagnostics.map((d) => d.code).sort();
      const ok = JSON.stringify(codes) === JSON.stringify([...p.expect].sort());
      console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}/${target}: ${report.runConfigs.length} run configuration(s), ${codes.join(' ') || 'no problems'}`);
      if (!ok) {
        fail(`${name}/${target}: expected [${p.expect.join(' ')}], validate reports [${codes.join(' ')}]`);
        for (const d of report.diagnostics) console.error(`     ${d.file}:${d.line}:${d.column} ${d.code} ${d.message}`);
      }
    }
  }
}

/** Step 2: each `$ mlsteps …` line of an output block, followed by what the CLI prints now. */
function resolveOutputs(template) {
  return template.replace(/<!-- output (examples|repo) -->\n```text\n([\s\S]*?)```/g, (_m, where, body) => {
    const cwd = where === 'repo' ? PROJECT : EXAMPLES;
    const commands = body.split('\n').filter((l) => l.startsWith('$ mlsteps '));
    if (commands.length === 0) fail(`an output block (${where}) has no \`$ mlsteps\` line`);
    const out = commands.map((c) => {
      const r = mlsteps(c.slice('$ mlsteps '.length).split(' '), cwd);
      return `${c}\n${r.stdout}${r.stderr}`;
    });
    return '```text\n' + out.join('') + '```';
  });
}

/** Step 3: the page without markers and the hidden files they carry. */
function stripMarkers(text) {
  let out = text.replace(/^<!-- file [^\n]*\n[\s\S]*?\n-->\n/gm, '');
  out = out.replace(/^[ \t]*<!-- (skel|check|sample|touch|expect|validate|import|output) [^\n]*-->\n/gm, '');
  out = out.replace(/\n{3,}/g, '\n\n');
  if (/<!--/.test(out)) fail('a marker is left in the page');
  return out;
}

/** Links within the page and into diagnostics.md must name a heading; files must exist. */
function checkLinks(text) {
  const own = slugs(text);
  const diagnostics = slugs(readFileSync(join(PROJECT, 'docs/diagnostics.md'), 'utf8'));
  for (const m of text.matchAll(/\]\((diagnostics\.md)?#([^)]+)\)/g)) {
    if (!(m[1] ? diagnostics : own).has(m[2])) fail(`broken link ${m[0]}`);
  }
  for (const m of text.matchAll(/\]\((\.\.\/[^)#]+)\)/g)) {
    if (!existsSync(join(PROJECT, 'docs', m[1]))) fail(`link to a missing file: ${m[1]}`);
  }
  // Other pages of docs/ may still be in the writing: a missing one is reported, not fatal.
  for (const m of new Set([...text.matchAll(/\]\(([\w-]+\.md)(?:#[^)]*)?\)/g)].map((x) => x[1]))) {
    if (!existsSync(join(PROJECT, 'docs', m))) console.warn(`note: docs/${m} does not exist (yet); the page links to it`);
  }
}

/** GitHub's anchors for the headings of a markdown text. */
function slugs(md) {
  const seen = new Map();
  const out = new Set();
  let fence = false;
  for (const line of md.split('\n')) {
    if (line.startsWith('```')) fence = !fence;
    const m = !fence && /^#{1,6} (.*)$/.exec(line);
    if (!m) continue;
    const s = m[1].trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/ /g, '-');
    const n = seen.get(s) ?? 0;
    seen.set(s, n + 1);
    out.add(n ? `${s}-${n}` : s);
  }
  return out;
}
