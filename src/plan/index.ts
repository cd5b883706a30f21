import { loadAndValidate } from '../config';
import type { ValidationResult } from '../model/diagnostic';
import type { Plan, Step } from '../model/step';
import { fingerprintStep } from './fingerprint';
import { orderStages, orderSteps, PlanError, select } from './graph';
import { resolveStep } from './resolve';

export { PlanError } from './graph';
export { canonicalJson, normalizeConda } from './fingerprint';
export { codeFingerprint, listSnapshot } from './snapshot';

export interface PlanOptions {
  /** Folder relative paths are resolved from; default `process.cwd()`. */
  cwd?: string;
  /** Run a profile of mlsteps.yml (with everything it needs). */
  profile?: string;
  /** Run these run configurations (with everything they need). */
  steps?: string[];
  abortSignal?: AbortSignal;
}

export interface PlanResult {
  /** Undefined when validation found errors or the selection cannot be planned. */
  plan?: Plan;
  validation: ValidationResult;
  /** Why there is no plan, when it is not validation: an unknown profile or step. */
  error?: PlanError;
}

/** Validates a project and resolves the selected run configurations into a step graph (DESIGN §5.2). */
export async function planProject(path: string, options: PlanOptions = {}): Promise<PlanResult> {
  return createPlanner(path, options).plan({ profile: options.profile, steps: options.steps });
}

/** What a plan selects: a profile of mlsteps.yml and/or run configurations, with everything they need. */
export type PlanSelection = Pick<PlanOptions, 'profile' | 'steps'>;

/**
 * One project, validated once and planned for as many selections as asked: `mlsteps pipeline`
 * plans everything, then its `pr` and `full` profiles. Each step is resolved and fingerprinted
 * once and shared by the plans that select it (its fingerprint depends only on the steps it
 * needs, which every selection includes), so three plans of 10,000 run configurations cost one.
 */
export interface Planner {
  validation: ValidationResult;
  plan(selection?: PlanSelection): PlanResult;
}

export function createPlanner(path: string, options: Omit<PlanOptions, 'profile' | 'steps'> = {}): Planner {
  const { result: validation, projects } = loadAndValidate([path], { cwd: options.cwd, abortSignal: options.abortSignal });
  if (!validation.ok || projects.length !== 1) return { validation, plan: () => ({ validation }) };
  const { project, only } = projects[0];
  const entries = project.runConfigs.filter((e) => e.merged);
  const nodes = entries.map((e) => ({ name: e.name, stage: e.step, needs: e.needs, entry: e }));
  const ctx = { dir: project.dir, upstream: new Map<string, string>(), folders: new Map<string, string>() };
  const planned = new Map<string, Step>();
  const plan = (selection: PlanSelection = {}): PlanResult => {
    try {
      // A run configuration file given as the path plans that run configuration (and what it needs).
      const wanted = selection.steps?.length || selection.profile !== undefined || !only ? selection.steps : entries.filter((e) => only.has(e.file.path)).map((e) => e.name);
      // A file that holds no run configuration to plan selects nothing, not everything.
      if (wanted !== undefined && wanted.length === 0 && only && !selection.steps?.length && selection.profile === undefined) throw new PlanError('the files given hold no run configuration to plan');
      const selected = select(nodes, project.spec.profiles, { profile: selection.profile, steps: wanted });
      const ordered = orderSteps(nodes.filter((n) => selected.has(n.name)));
      const steps: Step[] = [];
      for (const node of ordered) {
        options.abortSignal?.throwIfAborted();
        let step = planned.get(node.name);
        if (!step) {
          const resolved = resolveStep(node.entry, project);
          const fingerprint = fingerprintStep(resolved, ctx);
          ctx.upstream.set(resolved.name, fingerprint);
          step = { ...resolved, fingerprint };
          planned.set(node.name, step);
        }
        steps.push(step);
      }
      const { stages, conflicts } = orderStages(steps);
      const result: Plan = { dir: project.dir, steps, stages };
      if (conflicts.length > 0) result.stageConflicts = conflicts;
      if (project.spec.experiment_name) result.experimentName = project.spec.experiment_name;
      if (project.spec.workspace) result.workspace = project.spec.workspace;
      return { plan: result, validation };
    } catch (err) {
      if (err instanceof PlanError) return { validation, error: err };
      throw err;
    }
  };
  return { validation, plan };
}
