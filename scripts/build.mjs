// Bundles the CLI and each task into one file each with esbuild. Task bundles land next to a copy
// of their task.json and icon in dist/tasks/<Task>/, which is the folder the .vsix ships. The build
// results tab (web/results-tab) is bundled for the browser into dist/web/results-tab/.
import { build } from 'esbuild';
import { cpSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateValidators } from './generate-validators.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: false,
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
  define: { __MLSTEPS_BUNDLE__: 'true' },
};

generateValidators(root);

// The Azure ML backend is a bundle of its own, loaded by `mlsteps run --backend azureml` only:
// validate, plan, pipeline and local runs do not pay for parsing the Azure SDKs at start-up.
const azuremlApart = {
  name: 'azureml-apart',
  setup(b) {
    b.onResolve({ filter: /backends[\\/]azureml$/ }, (args) =>
      args.importer.endsWith(join('src', 'run', 'command.ts')) ? { path: './azureml.js', external: true } : undefined,
    );
  },
};
await build({ ...common, entryPoints: [join(root, 'src/cli.ts')], outfile: join(root, 'dist/cli.js'), plugins: [azuremlApart] });
await build({ ...common, entryPoints: [join(root, 'src/backends/azureml/index.ts')], outfile: join(root, 'dist/azureml.js') });

const tasksDir = join(root, 'tasks');
for (const task of readdirSync(tasksDir, { withFileTypes: true })) {
  if (!task.isDirectory() || !existsSync(join(tasksDir, task.name, 'index.ts'))) continue;
  const out = join(root, 'dist/tasks', task.name);
  mkdirSync(out, { recursive: true });
  await build({ ...common, entryPoints: [join(tasksDir, task.name, 'index.ts')], outfile: join(out, 'index.js') });
  for (const file of ['task.json', 'icon.png', 'task.loc.json']) {
    if (existsSync(join(tasksDir, task.name, file))) cpSync(join(tasksDir, task.name, file), join(out, file));
  }
  // task-lib loads its own localised messages from lib.json beside the running script.
  const taskLib = join(root, 'node_modules/azure-pipelines-task-lib');
  cpSync(join(taskLib, 'lib.json'), join(out, 'lib.json'));
  if (existsSync(join(taskLib, 'Strings'))) cpSync(join(taskLib, 'Strings'), join(out, 'Strings'), { recursive: true });
}

// The build results tab: one minified browser script (the SDK included) and stylesheet beside its
// page; the .vsix ships the folder as web/results-tab/.
const tabSource = join(root, 'web/results-tab');
const tabOut = join(root, 'dist/web/results-tab');
mkdirSync(tabOut, { recursive: true });
const browser = { bundle: true, platform: 'browser', target: ['chrome109', 'edge109', 'firefox115', 'safari16'], minify: true, legalComments: 'none', logLevel: 'warning', sourcemap: false };
await build({ ...browser, format: 'iife', entryPoints: [join(tabSource, 'main.ts')], outfile: join(tabOut, 'results-tab.js') });
await build({ ...browser, entryPoints: [join(tabSource, 'results-tab.css')], outfile: join(tabOut, 'results-tab.css') });
cpSync(join(tabSource, 'index.html'), join(tabOut, 'index.html'));
