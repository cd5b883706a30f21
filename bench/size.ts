// DESIGN §7 ".vsix with every task ≤ 5 MiB", beside the peer: the same tasks shipped the way most
// Azure DevOps extensions ship theirs, unbundled, each task folder with its own node_modules.
//
// - Bundled (what mlsteps ships): `node scripts/package.mjs` packages dist/ (built by `npm run
//   bench`) with tfx, as `npm run package` does; the row is the .vsix's size. The task folders of
//   dist/tasks/ are measured too (bytes, files).
// - Unbundled (the peer): for each task, its own code compiled by esbuild with every npm package
//   left external (`packages: 'external'`; most extensions run tsc, one .js per .ts, which only
//   adds files), a package.json naming the packages that code imports (read from esbuild's
//   metafile) at the versions of the project's package.json, and `npm install --omit=dev
//   --offline` into the task folder: from npm's local cache, no network (run `npm ci` once before).
//   Its size and file count are measured, and its .vsix size estimated: every file deflated
//   (zlib's default level, as the .vsix zip is) plus the zip's per-file headers. The same estimate
//   of the bundled task folders is printed beside the real .vsix, to show how close it is.
// - Cold start, bundled vs unbundled, the same process as bench/cold-start.ts: MLStepsValidate@1
//   validating samples/credit-risk, and MLStepsRun@1 up to its first input check (no step
//   given: it loads, reads its inputs and fails at once, before any request).
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { build } from 'esbuild';
import { parseLoggingCommands, taskResult } from '../tests/helpers/logging-commands';
import { agentEnv, taskBundle } from '../tests/helpers/task-runner';
import { BenchError, type Log, type ProcessRun, projectRoot, type Row, describeRuns, runStats, seconds, timeInProcess, timeProcess } from './lib';

export const name = 'size';

const VSIX_BUDGET_BYTES = 5 * 2 ** 20;
const TASKS = ['MLStepsValidateV1', 'MLStepsRunV1'];
const SAMPLE = 'samples/credit-risk';
const RUNS = 10;

/** Bytes and files of a folder, and its estimated size inside a zip. */
interface FolderSize {
  bytes: number;
  files: number;
  zipped: number;
}

export async function run(log: Log): Promise<Row[]> {
  for (const task of TASKS) taskBundle(task); // "run npm run build" when missing
  const rows: Row[] = [];

  // The .vsix as `npm run package` makes it (dist/ is fresh: `npm run bench` builds first).
  log(`${name}: node scripts/package.mjs (tfx, offline)`);
  const packaged = spawnSync(process.execPath, [path.join(projectRoot, 'scripts', 'package.mjs')], { cwd: projectRoot, encoding: 'utf8', timeout: 300_000 });
  const line = /^(\S+\.vsix) (\d+) bytes/m.exec(packaged.stdout ?? '');
  const bundled = TASKS.map((t) => ({ task: t, size: folderSize(path.dirname(taskBundle(t))) }));
  const bundledZipped = bundled.reduce((n, b) => n + b.size.zipped, 0);
  if (packaged.status !== 0 || !line) {
    // Others may be changing what the package holds; report it rather than lose the other rows.
    rows.push({ what: '.vsix with every task (`npm run package`)', measured: `not measured: scripts/package.mjs exited ${packaged.status}: ${(packaged.stderr || packaged.stdout).trim().split('\n').slice(-3).join(' ')}`, budget: `≤ ${mib(VSIX_BUDGET_BYTES)}`, pass: false });
  } else {
    const vsixBytes = Number(line[2]);
    rows.push({
      what: `.vsix with every task (\`npm run package\`: ${TASKS.join(', ')}, bundled by esbuild)`,
      measured: `${mib(vsixBytes)} (${vsixBytes.toLocaleString('en-US')} bytes); the task folders hold ${bundled.map((b) => `${b.task} ${mib(b.size.bytes)} in ${b.size.files} files`).join(', ')} (estimated zipped: ${mib(bundledZipped)})`,
      budget: `≤ ${mib(VSIX_BUDGET_BYTES)}`,
      pass: vsixBytes <= VSIX_BUDGET_BYTES,
    });
  }

  const work = mkdtempSync(path.join(os.tmpdir(), 'mlsteps-bench-unbundled-'));
  try {
    const unbundled: { task: string; entry: string; size: FolderSize; packages: string[] }[] = [];
    for (const task of TASKS) {
      const made = await timeInProcess(() => unbundledTask(task, path.join(work, task)));
      log(`${name}: ${task} unbundled: ${made.value.packages.length} direct packages, npm install --omit=dev --offline, ${made.value.size.files} files, ${mib(made.value.size.bytes)} (${seconds(made.seconds)})`);
      unbundled.push({ task, ...made.value });
    }
    const total = unbundled.reduce((n, u) => ({ bytes: n.bytes + u.size.bytes, files: n.files + u.size.files, zipped: n.zipped + u.size.zipped }), { bytes: 0, files: 0, zipped: 0 });
    rows.push({
      what: 'peer: the same tasks unbundled, each folder with its own node_modules (`npm install --omit=dev`), as most extensions ship',
      measured:
        `estimated .vsix ${mib(total.zipped)} (×${(total.zipped / Math.max(1, bundledZipped)).toFixed(0)} the bundled estimate); on disk ${mib(total.bytes)} in ${total.files.toLocaleString('en-US')} files: ` +
        unbundled.map((u) => `${u.task} ${mib(u.size.bytes)}, ${u.size.files.toLocaleString('en-US')} files (${u.packages.join(', ')})`).join('; '),
      budget: `— (the .vsix budget is ≤ ${mib(VSIX_BUDGET_BYTES)})`,
    });

    // Cold start: the bundle and the unbundled entry, alternating so load changes hit both alike.
    const agentTemp = mkdtempSync(path.join(os.tmpdir(), 'mlsteps-bench-agent-'));
    try {
      for (const u of unbundled) {
        const validate = u.task === 'MLStepsValidateV1';
        const env = agentEnv({ sourcesDir: projectRoot, tempDir: agentTemp, inputs: validate ? { project: SAMPLE, failOnWarnings: 'false', publishTestResults: 'true' } : { project: SAMPLE } });
        const once = (entry: string): ProcessRun => {
          const r = timeProcess(process.execPath, [entry], { cwd: projectRoot, env });
          checkTaskRun(u.task, entry, r, validate);
          return r;
        };
        const bundle = taskBundle(u.task);
        log(`${name}: ${u.task} cold start, bundle vs unbundled entry, 1 warm-up + ${RUNS} runs each`);
        once(bundle);
        once(u.entry);
        const b: ProcessRun[] = [];
        const x: ProcessRun[] = [];
        for (let i = 0; i < RUNS; i++) {
          b.push(once(bundle));
          x.push(once(u.entry));
        }
        const bs = runStats(b);
        const xs = runStats(x);
        const what = validate ? `validates ${SAMPLE}` : 'to its first input check (no step given)';
        rows.push({
          what: `peer: cold start of ${u.task} unbundled vs the bundle, ${what} (whole process)`,
          measured: `unbundled ${describeRuns(xs.wall, xs.cpu)}; bundle ${describeRuns(bs.wall, bs.cpu)}; ×${(xs.wall.median / bs.wall.median).toFixed(1)}`,
          budget: validate ? '— (the bundle\'s budget is ≤ 0.30 s wall)' : '—',
        });
      }
    } finally {
      rmSync(agentTemp, { recursive: true, force: true });
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return rows;
}

/** Writes `task` unbundled into `dir`: its own code, task.json and icon, and node_modules. */
async function unbundledTask(task: string, dir: string): Promise<{ entry: string; size: FolderSize; packages: string[] }> {
  mkdirSync(dir, { recursive: true });
  const entry = path.join(dir, 'index.js');
  // The build's options (scripts/build.mjs), but every npm package stays a require() at run time.
  const result = await build({
    bundle: true,
    packages: 'external',
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
    define: { __MLSTEPS_BUNDLE__: 'true' },
    entryPoints: [path.join(projectRoot, 'tasks', task, 'index.ts')],
    outfile: entry,
    metafile: true,
  });
  const imports = Object.values(result.metafile.outputs).flatMap((o) => o.imports.filter((i) => i.external).map((i) => i.path));
  const packages = [...new Set(imports.filter((p) => !p.startsWith('node:')).map(packageName))].sort();
  const declared = (JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies;
  const missing = packages.filter((p) => !declared[p]);
  if (missing.length > 0) throw new BenchError(`${task} imports ${missing.join(', ')}, which package.json does not list in dependencies`);
  for (const file of ['task.json', 'icon.png']) cpSync(path.join(projectRoot, 'tasks', task, file), path.join(dir, file));
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: task.toLowerCase(), version: '1.0.0', private: true, dependencies: Object.fromEntries(packages.map((p) => [p, declared[p]])) }, null, 2));
  try {
    execFileSync(npmCommand(), ['install', '--omit=dev', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock', '--loglevel=error'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    throw new BenchError(`npm install --offline in ${dir} failed (the packages must be in npm's cache: run \`npm ci\` first):\n${e.stderr?.toString().slice(0, 2000) ?? e.message}`);
  }
  rmSync(path.join(dir, 'package-lock.json'), { force: true });
  return { entry, size: folderSize(dir), packages };
}

/** "@azure/identity/dist/x" → "@azure/identity"; "yaml" → "yaml". */
function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** npm beside this node (the bench runs under `npm run`), else on PATH. */
function npmCommand(): string {
  const besideNode = path.join(path.dirname(process.execPath), process.platform === 'win32' ? 'npm.cmd' : 'npm');
  return existsSync(besideNode) ? besideNode : 'npm';
}

/** Every regular file under `dir`: bytes, count, and the zip estimate (deflated + headers). */
function folderSize(dir: string): FolderSize {
  const out: FolderSize = { bytes: 0, files: 0, zipped: 0 };
  const walk = (at: string, rel: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const abs = path.join(at, entry.name);
      const relName = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(abs, relName);
      else if (entry.isFile() || (entry.isSymbolicLink() && lstatSync(abs).isFile())) {
        const data = readFileSync(abs);
        out.bytes += data.length;
        out.files++;
        // A zip stores each file once, deflated unless that does not help, with a local header (30
        // bytes + name) and a central directory entry (46 bytes + name).
        out.zipped += Math.min(data.length, deflateRawSync(data).length) + 76 + 2 * Buffer.byteLength(`tasks/${relName}`);
      }
    }
  };
  walk(dir, '');
  return out;
}

function checkTaskRun(task: string, entry: string, r: ProcessRun, validate: boolean): void {
  const result = taskResult(parseLoggingCommands(r.stdout));
  const ok = validate
    ? r.status === 0 && result?.result === 'Succeeded' && /^mlsteps validate: no problems in [1-9]\d* run configurations/.test(result.message)
    : result?.result === 'Failed' && /Set the "step" input/.test(result.message);
  if (!ok) {
    throw new BenchError(
      `${task} (${entry}) did not ${validate ? `validate ${SAMPLE} cleanly` : 'stop at its first input check (no step given)'} (exit ${r.status}, result ${result?.result ?? 'none'}: ${result?.message ?? ''}):\n` +
        r.stdout.split('\n').filter((l) => !l.startsWith('##vso[task.debug]')).join('\n').slice(0, 2000) + r.stderr.slice(0, 2000),
    );
  }
}

function mib(bytes: number): string {
  const m = bytes / 2 ** 20;
  return m < 10 ? `${m.toFixed(2)} MiB` : `${m.toFixed(1)} MiB`;
}
