import type { Plan, ResolvedInput, Step } from '../model/step';

/** `mlsteps plan --format json`: `{"steps": [...], "stages": [...]}`. */
export function formatPlanJson(plan: Plan): string {
  return JSON.stringify({ stages: plan.stages, steps: plan.steps.map(stepJson), ...(plan.stageConflicts ? { stageConflicts: plan.stageConflicts } : {}) }, null, 2) + '\n';
}

function stepJson(step: Step) {
  return {
    name: step.name,
    stage: step.stage,
    needs: step.needs,
    type: step.type,
    ...(step.framework ? { framework: step.framework } : {}),
    file: step.file,
    compute: step.compute,
    environment: step.environment,
    ...(step.code !== undefined ? { code: step.code } : {}),
    ...(step.command !== undefined ? { command: step.command } : {}),
    ...(step.spark ? { spark: step.spark } : {}),
    inputs: step.inputs,
    outputs: step.outputs,
    ...(step.sweep ? { sweep: step.sweep } : {}),
    fingerprint: step.fingerprint,
  };
}

export function describeInput(input: ResolvedInput): string {
  switch (input.kind) {
    case 'literal':
      return JSON.stringify(input.value);
    case 'dataset':
      return `dataset ${input.dataset} (${input.spec.path}${input.spec.local_path ? `; locally ${input.spec.local_path}` : ''})`;
    case 'uri':
      return `${input.type} ${input.path}${input.mode ? ` (${input.mode})` : ''}`;
    case 'output':
      return `output ${input.output} of ${input.step}`;
    case 'best':
      return `best ${input.parameter} of ${input.step}`;
    case 'expression':
      return input.value;
  }
}

function describeCompute(step: Step): string {
  const c = step.compute;
  if (c.kind === 'catalog') return `${c.name} (${[c.spec.type, c.spec.size ?? c.spec.instance_type].filter(Boolean).join(' ')})`;
  if (c.kind === 'workspace') return `${c.name} (workspace compute)`;
  return c.name;
}

function describeEnvironment(step: Step): string {
  const e = step.environment;
  if (e.kind === 'registered') return e.reference;
  if (e.kind === 'none') return 'none';
  const what = e.name ?? e.condaFile ?? 'inline';
  return `${what} (${[e.condaFile && e.name ? e.condaFile : undefined, e.build ? `build ${e.build.path}` : e.image].filter(Boolean).join(', ')})`;
}

/** For people: stages in order, each step with where it runs, what it reads and its fingerprint. */
export function formatPlanText(plan: Plan, options: { color?: boolean } = {}): string {
  const bold = (s: string) => (options.color ? `\x1b[1m${s}\x1b[0m` : s);
  const dim = (s: string) => (options.color ? `\x1b[2m${s}\x1b[0m` : s);
  const lines: string[] = [];
  const count = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  lines.push(`${plan.experimentName ?? 'plan'}: ${count(plan.steps.length, 'step')} in ${count(plan.stages.length, 'stage')}`);
  for (const stage of plan.stages) {
    lines.push('', bold(`stage ${stage}`));
    for (const step of plan.steps.filter((s) => s.stage === stage)) {
      lines.push(`  ${bold(step.name)}  ${step.type} job on ${describeCompute(step)}${step.needs.length ? `, after ${step.needs.join(', ')}` : ''}`);
      lines.push(`    environment  ${describeEnvironment(step)}`);
      if (step.code !== undefined) lines.push(`    code         ${step.code}`);
      for (const [name, input] of Object.entries(step.inputs)) lines.push(`    input        ${name} ← ${describeInput(input)}`);
      for (const [name, output] of Object.entries(step.outputs)) lines.push(`    output       ${name} (${output.type}${output.mode ? `, ${output.mode}` : ''})`);
      if (step.sweep) {
        const space = Object.entries(step.sweep.searchSpace).map(([k, v]) => `${k}: ${v.type}${v.values ? ` ${JSON.stringify(v.values)}` : ''}`).join('; ');
        lines.push(`    sweep        ${step.sweep.sampling.type} over ${space}; ${step.sweep.objective.goal} ${step.sweep.objective.primary_metric}${step.sweep.limits.max_total_trials ? `; ${step.sweep.limits.max_total_trials} trials` : ''}`);
      }
      lines.push(dim(`    fingerprint  ${step.fingerprint.slice(0, 16)}`));
    }
  }
  for (const c of plan.stageConflicts ?? []) {
    lines.push('', `note: ${c.step} (stage ${c.stage}) needs ${c.need} of the later stage ${c.needStage}; a generated pipeline cannot run these stages in order`);
  }
  return lines.join('\n') + '\n';
}
