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
  const { result: validation, projects } = loadAndValidate([path], { cwd: options.cwd, abortSignal: options.abortSignal });
  if (!validation.ok || projects.length !== 1) return { validation };
  const { project, only } = projects[0];
  try {
    const entries = project.runConfigs.filter((e) => e.merged);
    const nodes = entries.map((e) => ({ name: e.name, stage: e.step, needs: e.needs, entry: e }));
    // A run configuration file given as the path plans that run configuration (and what it needs).
    const wanted = options.steps?.length || options.profile !== undefined || !only ? options.steps : entries.filter((e) => only.has(e.file.path)).map((e) => e.name);
    const selected = select(nodes, project.spec.profiles, { profile: options.profile, steps: wanted });
    const ordered = orderSteps(nodes.filter((n) => selected.has(n.name)));
    const ctx = { dir: project.dir, upstream: new Map<string, string>(), folders: new Map<string, string>() };
    const steps: Step[] = [];
    for (const node of ordered) {
      options.abortSignal?.throwIfAborted();
      const resolved = resolveStep(node.entry, project);
      const fingerprint = fingerprintStep(resolved, ctx);
      ctx.upstream.set(resolved.name, fingerprint);
      steps.push({ ...resolved, fingerprint });
    }
    const { stages, conflicts } = orderStages(steps);
    const plan: Plan = { dir: project.dir, steps, stages };
    if (conflicts.length > 0) plan.stageConflicts = conflicts;
    if (project.spec.experiment_name) plan.experimentName = project.spec.experiment_name;
    if (project.spec.workspace) plan.workspace = project.spec.workspace;
    return { plan, validation };
  } catch (err) {
    if (err instanceof PlanError) return { validation, error: err };
    throw err;
  }
}
