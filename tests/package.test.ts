// Packages the extension (scripts/package.mjs over the built dist/) and checks the .vsix: within
// the 5 MiB budget (DESIGN §7), every task with its task.json, bundle and icon, the build results
// tab, nothing else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { projectRoot } from './helpers/fixtures';
import { listZip, readZipEntry } from './helpers/zip';

const MAX_BYTES = 5 * 1024 * 1024;

test('npm run package builds a .vsix with every task and the build results tab, within 5 MiB', { timeout: 120_000 }, () => {
  const tasks = readdirSync(path.join(projectRoot, 'tasks'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(projectRoot, 'tasks', d.name, 'task.json')))
    .map((d) => d.name);
  for (const task of tasks) {
    const bundle = path.join(projectRoot, 'dist', 'tasks', task, 'index.js');
    assert.ok(existsSync(bundle), `${path.relative(projectRoot, bundle)} is missing: run \`npm run build\` first (npm test does)`);
  }

  const output = execFileSync(process.execPath, [path.join(projectRoot, 'scripts', 'package.mjs')], { cwd: projectRoot, encoding: 'utf8' });
  const manifest = JSON.parse(readFileSync(path.join(projectRoot, 'vss-extension.json'), 'utf8'));
  const vsix = path.join(projectRoot, 'out', `${manifest.publisher}.${manifest.id}-${manifest.version}.vsix`);
  assert.ok(existsSync(vsix), `no ${vsix}; package.mjs said:\n${output}`);
  const size = statSync(vsix).size;
  assert.ok(size <= MAX_BYTES, `${path.basename(vsix)} is ${size} bytes, over ${MAX_BYTES}`);
  assert.ok(output.includes(String(size)), 'package.mjs prints the .vsix size');

  const zip = readFileSync(vsix);
  const entries = listZip(zip);
  const names = new Set(entries.map((e) => e.name));
  for (const name of ['extension.vsixmanifest', 'extension.vsomanifest', 'overview.md', 'images/extension-icon.png']) {
    assert.ok(names.has(name), `${name} missing from the .vsix`);
  }
  for (const task of tasks) {
    for (const file of ['task.json', 'index.js', 'icon.png']) assert.ok(names.has(`tasks/${task}/${file}`), `tasks/${task}/${file} missing from the .vsix`);
    const packed = JSON.parse(readZipEntry(zip, entries.find((e) => e.name === `tasks/${task}/task.json`)!).toString('utf8'));
    const source = JSON.parse(readFileSync(path.join(projectRoot, 'tasks', task, 'task.json'), 'utf8'));
    assert.deepEqual(packed, source, `the packed tasks/${task}/task.json differs from the source`);
    const bundle = readZipEntry(zip, entries.find((e) => e.name === `tasks/${task}/index.js`)!);
    assert.deepEqual(bundle, readFileSync(path.join(projectRoot, 'dist', 'tasks', task, 'index.js')), `the packed ${task} bundle is not the built one`);
  }
  // Only bundles ship: no sources, maps, node_modules or stray task folders.
  const stray = [...names].filter((n) => /\.(ts|map)$/.test(n) || n.includes('node_modules/') || n.includes('/common/'));
  assert.deepEqual(stray, []);
  const packedTasks = new Set([...names].filter((n) => n.startsWith('tasks/')).map((n) => n.split('/')[1]).filter(Boolean));
  assert.deepEqual([...packedTasks].sort(), [...tasks].sort());

  const vsomanifest = JSON.parse(readZipEntry(zip, entries.find((e) => e.name === 'extension.vsomanifest')!).toString('utf8'));
  type Contribution = { type: string; targets: string[]; properties: { name: string; uri?: string } };
  const contributions = vsomanifest.contributions as Contribution[];
  const contributed = contributions.filter((c) => c.type === 'ms.vss-distributed-task.task').map((c) => c.properties.name).sort();
  assert.deepEqual(contributed, tasks.map((t) => `tasks/${t}`).sort());

  // The build results tab: contributed to the build results view, its page, script and stylesheet
  // packed as built, and the scope its REST calls need.
  const tabs = contributions.filter((c) => c.type === 'ms.vss-build-web.build-results-tab');
  assert.equal(tabs.length, 1, 'one build results tab');
  assert.deepEqual(tabs[0].targets, ['ms.vss-build-web.build-results-view']);
  assert.equal(tabs[0].properties.uri, 'web/results-tab/index.html');
  for (const file of ['index.html', 'results-tab.js', 'results-tab.css']) {
    const entry = entries.find((e) => e.name === `web/results-tab/${file}`);
    assert.ok(entry, `web/results-tab/${file} missing from the .vsix`);
    assert.deepEqual(readZipEntry(zip, entry), readFileSync(path.join(projectRoot, 'dist', 'web', 'results-tab', file)), `the packed ${file} is not the built one`);
  }
  assert.deepEqual(vsomanifest.scopes, ['vso.build']);
  const vsixmanifest = readZipEntry(zip, entries.find((e) => e.name === 'extension.vsixmanifest')!).toString('utf8');
  assert.match(vsixmanifest, /Path="web\/results-tab\/index\.html"[^>]*Addressable="true"|Addressable="true"[^>]*Path="web\/results-tab\/index\.html"/, 'the tab page is addressable');
});
