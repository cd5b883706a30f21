import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { validatePaths } from './config';
import { importV1RunConfig } from './config/import';
import { findRepoRoot, isInside } from './config/paths';
import { RUNCONFIG_SCHEMA_ID } from './config/schema';
import { formatJson, formatJunit, formatPlanJson, formatPlanText, formatText } from './report';
import { DEFAULT_SERVICE_CONNECTION, pipelineCommand } from './pipeline';
import { planProject } from './plan';
import { runCommand } from './run/command';
import { version } from '../package.json';

/** Repeatable options: `--step a --step b`. (A variadic option would swallow the PATH after it.) */
const collect = (value: string, previous: string[]) => [...previous, value];

/** Exit codes of DESIGN §3.1. */
export const EXIT = { ok: 0, failed: 1, usage: 2, cancelled: 130 } as const;

export function buildCli(io: { out: (s: string) => void; err: (s: string) => void; isTTY?: boolean }): Command {
  const program = new Command('mlsteps')
    .description('Validate ML run configurations and run each ML step on Azure Machine Learning.')
    .version(version)
    .showHelpAfterError('(run mlsteps --help for usage)')
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride();

  program
    .command('validate')
    .description('check project files and run configurations (schema and meaning)')
    .argument('[paths...]', 'folders (their mlsteps.yml), project files or run configuration files', ['.'])
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'junit']).default('text'))
    .option('--strict', 'fail on warnings too', false)
    .action(async (paths: string[], opts: { format: 'text' | 'json' | 'junit'; strict: boolean }) => {
      const result = await validatePaths(paths, { strict: opts.strict });
      const output = opts.format === 'json' ? formatJson(result) : opts.format === 'junit' ? formatJunit(result) : formatText(result, { color: io.isTTY });
      io.out(output);
      process.exitCode = result.unreadableInput ? EXIT.usage : result.ok ? EXIT.ok : EXIT.failed;
    });

  program
    .command('plan')
    .description('resolve the run configurations into the step graph and print it')
    .argument('[path]', 'a folder with mlsteps.yml, an mlsteps.yml, or a run configuration', '.')
    .option('--profile <name>', 'plan a profile of mlsteps.yml (and everything it needs)')
    .option('--step <name>', 'plan this run configuration (and everything it needs); repeatable; with --profile, in addition to it', collect, [] as string[])
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (path: string, opts: { profile?: string; step?: string[]; format: 'text' | 'json' }) => {
      const { plan, validation, error } = await planProject(path, { profile: opts.profile, steps: opts.step });
      if (!plan) {
        if (error) io.err(`mlsteps plan: ${error.message}${error.hint ? `\n  hint: ${error.hint}` : ''}\n`);
        else io.err(formatText(validation, { color: io.isTTY }));
        process.exitCode = error || validation.unreadableInput ? EXIT.usage : EXIT.failed;
        return;
      }
      io.out(opts.format === 'json' ? formatPlanJson(plan) : formatPlanText(plan, { color: io.isTTY }));
      process.exitCode = EXIT.ok;
    });

  program
    .command('run')
    .description('run the steps in graph order: on this machine (--backend local) or on Azure ML')
    .argument('[path]', 'the project folder or its mlsteps.yml', '.')
    .option('--profile <name>', 'run a profile of mlsteps.yml (and everything it needs)')
    .option('--step <name>', 'run this run configuration (and everything it needs); repeatable; with --profile, in addition to it', collect, [] as string[])
    .addOption(new Option('--backend <backend>', 'where the steps run').choices(['local', 'azureml']).default('local'))
    .option('--dry-run', 'print what would run (bound commands, work folders, interpreter, environment); run nothing')
    .option('--timeout <minutes>', 'stop the run after this many minutes (exit 1)', Number)
    .option('--concurrency <n>', 'local: steps and sweep trials at once (default: the number of CPUs)', Number)
    .option('--python <interpreter>', 'local: the Python interpreter (default: python3, else /usr/bin/python3 when only it has the packages)')
    .option('--require-packages', 'local: fail a step whose Python packages are missing, instead of skipping it')
    .option('--prepare-env', 'local: make a virtual environment per conda file (.mlsteps/venvs) and pip install its dependencies')
    .option('--work-dir <dir>', 'local: the run folder (default: <project>/.mlsteps/runs/<timestamp>)')
    .option('--subscription <id>', 'azureml: subscription of the workspace (default: mlsteps.yml workspace.subscription_id)')
    .option('--resource-group <name>', 'azureml: resource group of the workspace (default: mlsteps.yml workspace.resource_group)')
    .option('--workspace <name>', 'azureml: the Azure ML workspace (default: mlsteps.yml workspace.name)')
    .option('--arm-endpoint <url>', 'azureml: Azure Resource Manager endpoint (sovereign clouds, Azure Stack)', 'https://management.azure.com')
    .option('--arm-audience <url>', "azureml: token audience of ARM, when it is not the endpoint's (Azure Stack)")
    .option('--authority-host <url>', 'azureml: Entra ID authority host (sovereign clouds, Azure Stack)')
    .option('--no-wait', 'azureml: submit the jobs and return without waiting for them')
    .option('--create-compute', 'azureml: create a missing amlcompute from the catalog')
    .option('--download-outputs <dir>', "azureml: download each completed step's named outputs into <dir>/<step>/<output>/")
    .action(async (path: string, opts: { profile?: string; step?: string[]; backend: string; dryRun?: boolean; timeout?: number; concurrency?: number; python?: string; requirePackages?: boolean; prepareEnv?: boolean; workDir?: string; subscription?: string; resourceGroup?: string; workspace?: string; armEndpoint?: string; armAudience?: string; authorityHost?: string; wait: boolean; createCompute?: boolean; downloadOutputs?: string }) => {
      process.exitCode = await runCommand({ path, profile: opts.profile, steps: opts.step, backend: opts.backend, dryRun: opts.dryRun, timeoutMinutes: opts.timeout, concurrency: opts.concurrency, python: opts.python, requirePackages: opts.requirePackages, prepareEnv: opts.prepareEnv, workDir: opts.workDir, subscription: opts.subscription, resourceGroup: opts.resourceGroup, workspace: opts.workspace, armEndpoint: opts.armEndpoint, armAudience: opts.armAudience, authorityHost: opts.authorityHost, noWait: opts.wait === false, createCompute: opts.createCompute, downloadOutputs: opts.downloadOutputs }, io);
    });

  program
    .command('pipeline')
    .description('write an azure-pipelines.yml: a Validate stage, then one stage per step kind with a job per run configuration')
    .argument('[path]', 'the project folder or its mlsteps.yml', '.')
    .option('--profile <name>', 'repeatable: the first runs on pull requests, the second on the main branch (default: pr and full when the project has both, else everything on every build)', (value: string, previous: string[]) => [...previous, value], [] as string[])
    .option('--service-connection <name>', 'Azure Resource Manager service connection: the default of the pipeline parameter azureSubscription', DEFAULT_SERVICE_CONNECTION)
    .option('--main-branch <name>', 'the branch whose builds run the second profile', 'main')
    .option('--subscription <id>', "Azure subscription (default: the service connection's)")
    .option('--resource-group <name>', 'resource group of the workspace (default: mlsteps.yml)')
    .option('--workspace <name>', 'Azure ML workspace (default: mlsteps.yml)')
    .option('-o, --output <file>', 'write the pipeline here instead of standard output')
    .action(async (path: string, opts: { profile: string[]; serviceConnection: string; mainBranch: string; subscription?: string; resourceGroup?: string; workspace?: string; output?: string }) => {
      process.exitCode = await pipelineCommand({ path, profiles: opts.profile, serviceConnection: opts.serviceConnection, mainBranch: opts.mainBranch, subscription: opts.subscription, resourceGroup: opts.resourceGroup, workspace: opts.workspace, output: opts.output }, io);
    });

  program
    .command('import')
    .description('rewrite an Azure ML SDK v1 .runconfig file as a run configuration')
    .argument('<file>', 'the .runconfig file')
    .option('-o, --output <file>', 'write the run configuration here instead of standard output')
    .action((file: string, opts: { output?: string }) => {
      const outputDir = opts.output ? dirname(resolve(opts.output)) : process.cwd();
      // A path into this installation only travels with the repository when mlsteps is installed in it.
      const schemaFile = resolve(__dirname, '..', 'schemas', 'runconfig.schema.json');
      const schemaRef = isInside(findRepoRoot(outputDir), schemaFile) ? relative(outputDir, schemaFile).split('\\').join('/') : RUNCONFIG_SCHEMA_ID;
      const result = importV1RunConfig(file, { outputDir, base: process.cwd(), schemaRef });
      for (const d of result.diagnostics) io.err(`${d.file}:${d.line}:${d.column}: ${d.severity} ${d.code}: ${d.message}\n`);
      if (result.text === undefined) {
        process.exitCode = result.diagnostics.some((d) => d.code === 'MLS003') ? EXIT.usage : EXIT.failed;
        return;
      }
      if (opts.output) {
        mkdirSync(dirname(resolve(opts.output)), { recursive: true });
        writeFileSync(opts.output, result.text);
        io.err(`wrote ${opts.output}\n`);
      } else io.out(result.text);
      process.exitCode = EXIT.ok;
    });
  return program;
}

export async function main(argv: string[]): Promise<number> {
  // `mlsteps validate | head` closes the pipe early: stop quietly, as other command-line tools do.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    throw err;
  });
  const program = buildCli({ out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s), isTTY: process.stdout.isTTY });
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 || err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? EXIT.ok : EXIT.usage;
    }
    process.stderr.write(`mlsteps: ${(err as Error).message}\n`);
    return EXIT.failed;
  }
  return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
}

if (require.main === module) {
  main(process.argv).then((code) => {
    process.exitCode = code;
  });
}
