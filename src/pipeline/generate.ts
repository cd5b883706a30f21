import { Document, isMap, isPair, isScalar, isSeq } from 'yaml';
import type { Plan, ResolvedCompute, ResolvedEnvironment, Step } from '../model/step';
import { Identifiers } from './names';

/**
 * When a plan's steps run: on pull requests, on builds of the main branch, or on every build
 * (a single plan: the project has no profiles, or one profile was asked for).
 */
export type Trigger = 'pullRequest' | 'main' | 'always';

export interface PipelinePlan {
  plan: Plan;
  /** The profile the plan was selected with; undefined for every run configuration. */
  profile?: string;
  trigger: Trigger;
}

export interface PipelineOptions {
  /** One plan per profile, each with the builds it runs on. */
  plans: readonly PipelinePlan[];
  /** The project folder relative to the repository root, with forward slashes (`.` for the root). */
  project: string;
  /** Default of the `azureSubscription` pipeline parameter: an Azure Resource Manager service connection. */
  serviceConnection: string;
  /** The branch whose builds run the `main` plan; default `main`. */
  mainBranch?: string;
  /** Where the file is written, relative to the repository root: shown in the command that regenerates it. */
  output?: string;
  /** Workspace values that override the plans' `workspace`. */
  workspace?: { subscription?: string; resourceGroup?: string; name?: string };
}

export interface GeneratedPipeline {
  /** The azure-pipelines.yml text. */
  text: string;
  /** The same pipeline as plain data (what the text parses to). */
  pipeline: Record<string, unknown>;
  /** Things the user must still do for the pipeline to run, e.g. name a workspace. */
  warnings: string[];
  /** The command that regenerates the file, as written in its header. */
  command: string;
}

/** The stage that validates every run configuration first, on every build. */
export const VALIDATE_STAGE = 'Validate';
export const DEFAULT_MAIN_BRANCH = 'main';
export const SERVICE_CONNECTION_PARAMETER = 'azureSubscription';

/** Which plan runs on which builds, for the `--profile` flags given (none, one, or two). */
export function triggersFor(count: number): Trigger[] {
  if (count <= 1) return ['always'];
  if (count === 2) return ['pullRequest', 'main'];
  throw new Error('at most two profiles: the first runs on pull requests, the second on the main branch');
}

/** A branch name as the `Build.SourceBranch` it gives (`main` → `refs/heads/main`). */
export function branchName(branch: string): string {
  return branch.replace(/^refs\/heads\//, '');
}

/** An azure-pipelines.yml with a Validate stage and one stage per step kind (DESIGN §3.3). */
export function generatePipeline(options: PipelineOptions): GeneratedPipeline {
  if (options.plans.length === 0) throw new Error('no plan to generate a pipeline from');
  const mainBranch = branchName(options.mainBranch ?? DEFAULT_MAIN_BRANCH);
  if (!mainBranch) throw new Error('the main branch name is empty');
  const quoted = (s: string) => `'${s.replace(/'/g, "''")}'`;
  const onTrigger: Record<Exclude<Trigger, 'always'>, string> = {
    pullRequest: `eq(variables['Build.Reason'], 'PullRequest')`,
    main: `eq(variables['Build.SourceBranch'], ${quoted(`refs/heads/${mainBranch}`)})`,
  };
  /** The condition under which something that runs on these triggers runs; undefined: always. */
  const triggerCondition = (triggers: ReadonlySet<Trigger>): string | undefined => {
    if (triggers.has('always') || triggers.size === 0) return undefined;
    const parts = (['pullRequest', 'main'] as const).filter((t) => triggers.has(t)).map((t) => onTrigger[t]);
    return parts.length === 1 ? parts[0] : `or(${parts.join(', ')})`;
  };

  // Every step of every plan, once, in graph order; and the builds each one runs on.
  const triggersOf = new Map<string, Set<Trigger>>();
  const byName = new Map<string, Step>();
  // The largest plan first, so its step and stage order leads (`full` before `pr`).
  const plans = [...options.plans].sort((a, b) => b.plan.steps.length - a.plan.steps.length);
  for (const { plan, trigger } of plans) {
    for (const step of plan.steps) {
      if (!byName.has(step.name)) byName.set(step.name, step);
      let set = triggersOf.get(step.name);
      if (!set) triggersOf.set(step.name, (set = new Set()));
      set.add(trigger);
    }
  }
  // Each plan lists its steps after the steps they need, and a plan holds everything its steps
  // need, so appending the steps a plan adds keeps that order.
  const steps = [...byName.values()];
  const stages = orderStages(steps, plans.map((p) => p.plan.stages));

  // Identifiers: the Validate stage first; a step kind that clashes with it becomes `<kind>_step`.
  const stageIds = new Identifiers([VALIDATE_STAGE]);
  const stageId = new Map(stages.map((s) => [s, stageIds.claim(s, `${s}_step`)]));
  const jobId = new Map<string, string>();
  for (const stage of stages) {
    const ids = new Identifiers();
    for (const step of steps) if (step.stage === stage) jobId.set(step.name, ids.claim(step.name));
  }

  // Stage dependencies: the stages of the steps it needs, transitively, so that a failure two
  // stages up stops it even when the stage in between was skipped because of that failure.
  const direct = new Map(stages.map((s) => [s, new Set<string>()]));
  for (const step of steps) {
    for (const need of step.needs) {
      const from = byName.get(need)?.stage;
      if (from !== undefined && from !== step.stage) direct.get(step.stage)!.add(from);
    }
  }
  const upstream = new Map<string, Set<string>>();
  for (const stage of stages) {
    const all = new Set<string>();
    for (const d of direct.get(stage)!) {
      all.add(d);
      for (const u of upstream.get(d) ?? []) all.add(u);
    }
    upstream.set(stage, all);
  }

  // Workspace: flags first, then the project's defaults.
  const ws = plans.map((p) => p.plan.workspace).find((w) => w) ?? {};
  const subscription = options.workspace?.subscription ?? ws.subscription_id;
  const resourceGroup = options.workspace?.resourceGroup ?? ws.resource_group;
  const workspace = options.workspace?.name ?? ws.name;
  const warnings: string[] = [];
  const variables: Record<string, string> = {};
  if (subscription) variables.subscriptionId = subscription;
  if (resourceGroup) variables.resourceGroup = resourceGroup;
  else warnings.push('the project names no resource group (mlsteps.yml `workspace.resource_group`): the jobs use the one `mlsteps run` finds');
  if (workspace) variables.workspace = workspace;
  else warnings.push('the project names no workspace (mlsteps.yml `workspace.name`): the jobs use the one `mlsteps run` finds');

  const stageList: Record<string, unknown>[] = [
    {
      stage: VALIDATE_STAGE,
      displayName: 'Validate run configurations',
      dependsOn: [],
      jobs: [
        {
          job: VALIDATE_STAGE,
          displayName: `Validate ${options.project === '.' ? 'the project' : options.project}`,
          steps: [{ task: 'MLStepsValidate@1', displayName: 'Validate run configurations', inputs: { project: options.project } }],
        },
      ],
    },
  ];
  for (const stage of stages) {
    const stageSteps = steps.filter((s) => s.stage === stage);
    const stageTriggers = new Set(stageSteps.flatMap((s) => [...triggersOf.get(s.name)!]));
    const dependsOn = [VALIDATE_STAGE, ...stages.filter((s) => upstream.get(stage)!.has(s)).map((s) => stageId.get(s)!)];
    const clauses = [
      'not(canceled())',
      `in(dependencies.${VALIDATE_STAGE}.result, 'Succeeded', 'SucceededWithIssues')`,
      // A stage none of whose steps runs on this build is skipped, and that is no failure.
      ...dependsOn.slice(1).map((id) => `in(dependencies.${id}.result, 'Succeeded', 'SucceededWithIssues', 'Skipped')`),
    ];
    const onBuild = triggerCondition(stageTriggers);
    if (onBuild) clauses.push(onBuild);
    stageList.push({
      stage: stageId.get(stage),
      displayName: stage,
      dependsOn,
      condition: `and(\n${clauses.map((c) => `  ${c}`).join(',\n')}\n)\n`,
      jobs: stageSteps.map((step) => {
        const needs = step.needs.filter((n) => byName.get(n)?.stage === stage).map((n) => jobId.get(n)!);
        const onJobBuild = triggerCondition(triggersOf.get(step.name)!);
        const job: Record<string, unknown> = {
          job: jobId.get(step.name),
          displayName: `${step.name} (compute ${describeCompute(step.compute)}, environment ${describeEnvironment(step.environment)})`,
        };
        if (needs.length > 0) job.dependsOn = needs;
        if (onJobBuild) job.condition = `and(succeeded(), ${onJobBuild})`;
        const remote = step.compute.kind !== 'local';
        // The extension's task: submit, watch, stream logs, cancel with the pipeline, metrics. A step
        // on compute `local` runs on the agent itself, with the same task and no service connection.
        job.steps = [
          {
            task: 'MLStepsRun@1',
            displayName: `Run ${step.name}${remote ? '' : ' on the agent'}`,
            inputs: {
              ...(remote ? { [SERVICE_CONNECTION_PARAMETER]: `\${{ parameters.${SERVICE_CONNECTION_PARAMETER} }}` } : {}),
              ...(remote && resourceGroup ? { resourceGroup: '$(resourceGroup)' } : {}),
              ...(remote && workspace ? { workspace: '$(workspace)' } : {}),
              project: options.project,
              step: step.name,
            },
          },
        ];
        return job;
      }),
    });
  }

  const pipeline: Record<string, unknown> = {
    trigger: { branches: { include: [mainBranch] } },
    pr: { branches: { include: [mainBranch] } },
    parameters: [
      {
        name: SERVICE_CONNECTION_PARAMETER,
        displayName: 'Azure Resource Manager service connection',
        type: 'string',
        default: options.serviceConnection,
      },
    ],
  };
  if (Object.keys(variables).length > 0) pipeline.variables = variables;
  pipeline.pool = { vmImage: 'ubuntu-latest' };
  pipeline.stages = stageList;

  const command = regenerateCommand(options, mainBranch);
  const doc = new Document(pipeline);
  doc.commentBefore = header(options, command, mainBranch);
  // A blank line between top-level keys and between stages, for people reading the file.
  if (isMap(doc.contents)) {
    doc.contents.items.forEach((pair, i) => {
      if (i > 0 && isPair(pair) && isScalar(pair.key)) pair.key.spaceBefore = true;
    });
    const stagesNode = doc.contents.get('stages');
    if (isSeq(stagesNode)) stagesNode.items.forEach((item, i) => {
      if (i > 0 && isMap(item)) item.spaceBefore = true;
    });
  }
  const text = doc.toString({ lineWidth: 0 });
  return { text, pipeline, warnings, command };
}

/**
 * Stage names in an order where a stage comes after every stage it needs a step from, ties in
 * the order the plans list them. Throws when two stages need each other's steps: a pipeline
 * cannot express that.
 */
function orderStages(steps: readonly Step[], planStages: readonly (readonly string[])[]): string[] {
  const stageOf = new Map(steps.map((s) => [s.name, s.stage]));
  const rank = new Map<string, number>();
  for (const s of [...planStages.flat(), ...steps.map((st) => st.stage)]) if (!rank.has(s)) rank.set(s, rank.size);
  const deps = new Map([...rank.keys()].filter((s) => steps.some((st) => st.stage === s)).map((s) => [s, new Set<string>()]));
  for (const step of steps) {
    for (const need of step.needs) {
      const from = stageOf.get(need);
      if (from !== undefined && from !== step.stage) deps.get(step.stage)!.add(from);
    }
  }
  const ordered: string[] = [];
  while (deps.size > 0) {
    const ready = [...deps].filter(([, d]) => [...d].every((x) => ordered.includes(x))).map(([s]) => s);
    if (ready.length === 0) {
      const cyclic = [...deps.keys()].filter((s) => [...deps.get(s)!].some((d) => deps.get(d)?.has(s)));
      const named = (cyclic.length > 0 ? cyclic : [...deps.keys()]).map((s) => `"${s}"`).join(' and ');
      throw new Error(`stages ${named} need each other's steps, so no stage order exists; move the step that causes the loop to another \`step:\` (stage)`);
    }
    ready.sort((a, b) => rank.get(a)! - rank.get(b)!);
    ordered.push(ready[0]);
    deps.delete(ready[0]);
  }
  return ordered;
}

function header(options: PipelineOptions, command: string, mainBranch: string): string {
  const where = options.project === '.' ? 'the repository root' : options.project;
  const lines = [
    ` Generated by \`mlsteps pipeline\` from the run configurations in ${where}; do not edit it by hand.`,
    ' After changing them or mlsteps.yml, regenerate it from the repository root with:',
    `   ${command}`,
  ];
  const withTrigger = (t: Trigger) => options.plans.filter((p) => p.trigger === t);
  const describe = (p: PipelinePlan) => (p.profile === undefined ? 'every run configuration' : `the "${p.profile}" profile`);
  for (const p of withTrigger('pullRequest')) lines.push(` Pull requests into ${mainBranch} run ${describe(p)}.`);
  for (const p of withTrigger('main')) lines.push(` Builds of ${mainBranch} run ${describe(p)}.`);
  for (const p of withTrigger('always')) lines.push(` Every build runs ${describe(p)}.`);
  lines.push(
    ` The service connection is the "${SERVICE_CONNECTION_PARAMETER}" parameter: authorize it for this pipeline,`,
    ' and install the mlsteps extension (MLStepsValidate@1, MLStepsRun@1) in the organization.',
  );
  return lines.join('\n');
}

function regenerateCommand(options: PipelineOptions, mainBranch: string): string {
  const args = ['mlsteps', 'pipeline', options.project];
  for (const p of options.plans) if (p.profile !== undefined) args.push('--profile', p.profile);
  args.push('--service-connection', options.serviceConnection);
  if (mainBranch !== DEFAULT_MAIN_BRANCH) args.push('--main-branch', mainBranch);
  if (options.workspace?.subscription) args.push('--subscription', options.workspace.subscription);
  if (options.workspace?.resourceGroup) args.push('--resource-group', options.workspace.resourceGroup);
  if (options.workspace?.name) args.push('--workspace', options.workspace.name);
  if (options.output) args.push('--output', options.output);
  return args.map(shellWord).join(' ');
}

export function shellWord(s: string): string {
  return /^[A-Za-z0-9_./@%+=:,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function describeCompute(c: ResolvedCompute): string {
  return c.name;
}

export function describeEnvironment(e: ResolvedEnvironment): string {
  switch (e.kind) {
    case 'conda':
      return e.name ?? e.condaFile ?? e.image ?? 'inline conda';
    case 'registered':
      return e.reference;
    case 'none':
      return 'default';
  }
}
