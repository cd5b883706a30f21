import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { parse } from 'yaml';
import { findRepoRoot, isInside } from '../config/paths';
import type { Plan } from '../model/step';
import { createPlanner, type PlanResult } from '../plan';
import { formatText } from '../report';
import { DEFAULT_MAIN_BRANCH, generatePipeline, triggersFor, type PipelinePlan } from './generate';

export interface PipelineCommandOptions {
  /** The project folder or its mlsteps.yml; default `.`. */
  path?: string;
  /**
   * `--profile` flags: none (the project's `pr` and `full` profiles when it has both, else every
   * run configuration on every build), one (on every build), or two (pull requests, main branch).
   */
  profiles?: string[];
  /** Default of the `azureSubscription` parameter; default {@link DEFAULT_SERVICE_CONNECTION}. */
  serviceConnection?: string;
  /** Write the pipeline here (relative to `cwd`) instead of standard output. */
  output?: string;
  /** Folder relative paths start from; default `process.cwd()`. */
  cwd?: string;
  mainBranch?: string;
  /** Workspace flags: override the project's `workspace` in the generated variables. */
  subscription?: string;
  resourceGroup?: string;
  workspace?: string;
}

export interface CommandIo {
  out: (s: string) => void;
  err: (s: string) => void;
  isTTY?: boolean;
  /** Writes the --output file; default: create its folder and write it. */
  writeFile?: (file: string, text: string) => void;
}

export const DEFAULT_SERVICE_CONNECTION = 'azure-ml';
/** The profiles used when no `--profile` is given and the project defines both. */
export const DEFAULT_PROFILES = ['pr', 'full'] as const;

const USAGE = 2;

/** `mlsteps pipeline` (DESIGN §3.1): exit 0 when the pipeline was written, 2 otherwise. */
export async function pipelineCommand(options: PipelineCommandOptions, io: CommandIo): Promise<number> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const path = options.path ?? '.';
  const usage = (message: string, hint?: string) => {
    io.err(`mlsteps pipeline: ${message}\n${hint ? `  hint: ${hint}\n` : ''}`);
    return USAGE;
  };
  const serviceConnection = (options.serviceConnection ?? DEFAULT_SERVICE_CONNECTION).trim();
  if (!serviceConnection) return usage('--service-connection is empty', 'name the Azure Resource Manager service connection the jobs use');
  const mainBranch = (options.mainBranch ?? DEFAULT_MAIN_BRANCH).trim();
  if (!mainBranch) return usage('--main-branch is empty');
  let profiles = [...new Set(options.profiles ?? [])];
  if (profiles.length > 2) {
    return usage(`${profiles.length} profiles given (${profiles.join(', ')}); give at most two`, 'the first --profile runs on pull requests, the second on the main branch');
  }

  let printed = false;
  // Validated once for every plan below (everything, then each profile).
  const planner = createPlanner(path, { cwd });
  /** A plan, or the exit code after reporting why there is none. Warnings are shown once. */
  const plan = async (profile?: string): Promise<Plan | number> => {
    const result: PlanResult = planner.plan({ profile });
    if (result.validation.diagnostics.length > 0 && (!printed || !result.plan)) {
      io.err(formatText(result.validation, { color: io.isTTY }));
      printed = true;
    }
    if (result.plan) return result.plan;
    if (result.error) return usage(result.error.message, result.error.hint);
    return usage(result.validation.unreadableInput ? `cannot read ${path}` : 'the project has errors; fix them to generate its pipeline');
  };

  const plans: PipelinePlan[] = [];
  if (profiles.length === 0) {
    const all = await plan();
    if (typeof all === 'number') return all;
    const defined = projectProfiles(all.dir);
    if (DEFAULT_PROFILES.every((p) => defined.includes(p))) profiles = [...DEFAULT_PROFILES];
    else plans.push({ plan: all, trigger: 'always' });
  }
  const triggers = triggersFor(profiles.length);
  for (const [i, profile] of profiles.entries()) {
    const p = await plan(profile);
    if (typeof p === 'number') return p;
    plans.push({ plan: p, profile, trigger: triggers[i] });
  }

  const dir = plans[0].plan.dir;
  const repoRoot = findRepoRoot(dir);
  const project = posix(relative(repoRoot, dir)) || '.';
  const outputAbs = options.output !== undefined ? resolve(cwd, options.output) : undefined;
  const output = outputAbs && (isInside(repoRoot, outputAbs) ? posix(relative(repoRoot, outputAbs)) : options.output);
  let generated;
  try {
    generated = generatePipeline({
      plans,
      project,
      serviceConnection,
      mainBranch,
      output,
      workspace: { subscription: options.subscription, resourceGroup: options.resourceGroup, name: options.workspace },
    });
  } catch (err) {
    return usage((err as Error).message);
  }
  for (const w of generated.warnings) io.err(`warning: ${w}\n`);
  if (outputAbs) {
    try {
      (io.writeFile ?? writeFile)(outputAbs, generated.text);
    } catch (err) {
      return usage(`cannot write ${options.output}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    io.err(`wrote ${options.output}\n`);
  } else io.out(generated.text);
  return 0;
}

function writeFile(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}

const posix = (p: string) => p.split(sep).join('/');

/** The profile names of the project in `dir` (its mlsteps.yml was validated by the plan). */
function projectProfiles(dir: string): string[] {
  for (const name of ['mlsteps.yml', 'mlsteps.yaml']) {
    const file = join(dir, name);
    if (!existsSync(file)) continue;
    try {
      const profiles = (parse(readFileSync(file, 'utf8')) as { profiles?: unknown } | null)?.profiles;
      return profiles && typeof profiles === 'object' ? Object.keys(profiles) : [];
    } catch {
      return [];
    }
  }
  return [];
}
