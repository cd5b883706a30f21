// Packages the extension: stages vss-extension.json, overview.md, images/, the build results tab
// (dist/web/results-tab/) and, for each task, only what the agent needs from dist/tasks/<Task>/
// into .staging/, runs tfx (offline), and checks the .vsix against the 5 MiB budget (DESIGN §7).
// Run after `npm run build` (`npm run package` does both).
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const staging = join(root, '.staging');
const outDir = join(root, 'out');
const MAX_BYTES = 5 * 1024 * 1024;
/** What a task folder ships: the bundle, its manifest, icons and task-lib's message catalogue. */
const TASK_FILES = ['index.js', 'task.json', 'task.loc.json', 'icon.png', 'icon.svg', 'lib.json', 'Strings'];

function fail(message) {
  console.error(`package: ${message}`);
  process.exit(1);
}

const manifest = JSON.parse(readFileSync(join(root, 'vss-extension.json'), 'utf8'));
const distTasks = join(root, 'dist/tasks');
if (!existsSync(distTasks)) fail('dist/tasks is missing; run `npm run build` first (or `npm run package`).');

rmSync(staging, { recursive: true, force: true });
mkdirSync(staging, { recursive: true });
// docs/images: the screenshots overview.md shows on the marketplace page.
for (const file of ['vss-extension.json', 'overview.md', 'images', 'docs/images']) {
  if (!existsSync(join(root, file))) fail(`${file} is missing`);
  cpSync(join(root, file), join(staging, file), { recursive: true });
}

const tasks = readdirSync(distTasks, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
for (const task of tasks) {
  for (const required of ['index.js', 'task.json', 'icon.png']) {
    if (!existsSync(join(distTasks, task, required))) fail(`dist/tasks/${task}/${required} is missing; run \`npm run build\``);
  }
  for (const file of TASK_FILES) {
    const from = join(distTasks, task, file);
    if (existsSync(from)) cpSync(from, join(staging, 'tasks', task, file), { recursive: true });
  }
}

// The build results tab: its page, script and stylesheet, as built.
const RESULTS_TAB_FILES = ['index.html', 'results-tab.js', 'results-tab.css'];
for (const file of RESULTS_TAB_FILES) {
  const from = join(root, 'dist/web/results-tab', file);
  if (!existsSync(from)) fail(`dist/web/results-tab/${file} is missing; run \`npm run build\``);
  cpSync(from, join(staging, 'web/results-tab', file));
}
const tab = manifest.contributions.find((c) => c.type === 'ms.vss-build-web.build-results-tab');
if (tab && !existsSync(join(staging, tab.properties?.uri ?? ''))) fail(`the results tab's uri ${tab.properties?.uri} is not in the package`);

// Every built task needs a contribution in the manifest, and every contribution a built task.
const contributed = manifest.contributions
  .filter((c) => c.type === 'ms.vss-distributed-task.task')
  .map((c) => c.properties?.name);
for (const task of tasks) {
  if (!contributed.includes(`tasks/${task}`)) fail(`vss-extension.json has no ms.vss-distributed-task.task contribution for tasks/${task}`);
}
for (const name of contributed) {
  if (!tasks.includes(name.replace(/^tasks\//, ''))) fail(`vss-extension.json contributes ${name}, which the build did not produce`);
}

mkdirSync(outDir, { recursive: true });
const vsix = join(outDir, `${manifest.publisher}.${manifest.id}-${manifest.version}.vsix`);
rmSync(vsix, { force: true });
// node_modules/.bin/tfx is a symlink to this script (a .cmd shim on Windows): run it with this node.
const tfx = join(root, 'node_modules/tfx-cli/_build/tfx-cli.js');
if (!existsSync(tfx)) fail('tfx-cli is not installed; run `npm ci`');
try {
  const log = execFileSync(
    process.execPath,
    [tfx, 'extension', 'create', '--root', staging, '--output-path', vsix, '--manifest-globs', 'vss-extension.json', '--no-prompt'],
    { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  // tfx only warns about a bad task.json or manifest; show those warnings.
  for (const line of log.split(/\r?\n/)) if (/warn/i.test(line)) console.warn(`tfx: ${line.replace(/\x1b\[[0-9;]*m/g, '').trim()}`);
} catch (err) {
  fail(`tfx extension create failed:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
}
if (!existsSync(vsix)) fail(`tfx did not write ${relative(root, vsix)}`);

const size = statSync(vsix).size;
console.log(`${relative(root, vsix)} ${size} bytes (${(size / 1024 / 1024).toFixed(2)} MiB), tasks: ${tasks.join(', ')}`);
if (size > MAX_BYTES) fail(`the .vsix is ${size} bytes, over the ${MAX_BYTES}-byte budget (DESIGN §7)`);
