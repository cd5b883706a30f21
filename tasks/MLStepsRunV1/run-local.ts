// MLStepsRun@1 for steps on compute `local`: they run on the agent itself with the local backend,
// as `mlsteps run --backend local` runs them, and report as Azure ML steps do (output variables,
// gate, summary, results attachment), so a pipeline needs one task for both.
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { runPlanLocally, type StepResult, type StepStatus } from '../../src/backends/local';
import type { Plan } from '../../src/model/step';
import type { Outcome } from '../common/agent';
import type { RunAgent } from '../common/run-agent';
import { evaluateGate, type GateCondition, type GateResult } from './gate';
import { buildOf, publishResults, safeName, setMetricOutputs, type OutputReport, type RunResults, type StepReport } from './results';

export interface AgentRunOptions {
  /** The steps asked for (the others run because a selected step needs them). */
  selected: Set<string>;
  gate: GateCondition[];
  gateText: string;
  selection: RunResults['selection'];
  /** 0: none. */
  timeoutMinutes: number;
  /** Where each selected step's outputs are copied (`<folder>/<step>/<output>/`). */
  downloadFolder?: string;
  streamLogs: boolean;
}

const STATUS: Record<StepStatus, string> = { succeeded: 'Completed', failed: 'Failed', cancelled: 'Canceled', skipped: 'Skipped', 'not-run': 'NotRun' };

/**
 * Runs every step of the plan on this agent (graph order, independent steps side by side; a step
 * whose Python packages are missing fails, as a pipeline must not pass over it), then reports.
 */
export async function runStepsOnAgent(plan: Plan, o: AgentRunOptions, agent: RunAgent, signal: AbortSignal): Promise<Outcome> {
  agent.print(`Running ${plan.steps.length} step${plan.steps.length === 1 ? '' : 's'} of ${path.relative(agent.sourcesRoot, plan.dir) || '.'} on this agent (compute "local")`);
  let done = 0;
  const run = await runPlanLocally(plan, {
    requirePackages: true,
    abortSignal: signal,
    ...(o.timeoutMinutes > 0 ? { timeoutMs: o.timeoutMinutes * 60_000 } : {}),
    onLine: (line) => {
      if (o.streamLogs) agent.print(`[${line.label}] ${line.text}`);
    },
    onEvent: (event) => {
      if (event.type === 'step-start') agent.print(`${event.step}: started${event.trials ? ` (${event.trials} trials)` : ''}${event.command ? `: ${event.command}` : ''}`);
      else if (event.type === 'note') agent.print(`${event.step ? `${event.step}: ` : ''}${event.message}`);
      else if (event.type === 'step-end') {
        done += 1;
        agent.setProgress((done / plan.steps.length) * 100, `${event.result.name}: ${STATUS[event.result.status]}`);
        agent.print(`${event.result.name}: ${STATUS[event.result.status]}${event.result.reason ? ` (${event.result.reason})` : ''}`);
        for (const d of event.result.details ?? []) agent.print(`  ${d}`);
      }
    },
  });

  const fingerprints = new Map(plan.steps.map((s) => [s.name, s.fingerprint]));
  const reports = new Map<string, StepReport>(run.steps.map((r) => [r.name, reportOf(r, fingerprints.get(r.name) ?? '', o.selected.has(r.name))]));
  const primary = [...plan.steps].reverse().find((s) => o.selected.has(s.name)) ?? plan.steps[plan.steps.length - 1];
  const problems: string[] = [];
  for (const r of run.steps) {
    if (r.status === 'succeeded' || r.status === 'not-run') continue;
    if (r.status === 'skipped' && r.skip === 'needs-failed') continue;
    problems.push(`${r.name} ${STATUS[r.status].toLowerCase()}${r.reason ? `: ${r.reason}` : ''}`);
    if (r.status === 'failed' && r.lastLines?.length) {
      agent.print(`Last ${r.lastLines.length} line${r.lastLines.length === 1 ? '' : 's'} of ${r.name}:`);
      for (const l of r.lastLines) agent.print(`  | ${l}`);
    }
  }
  if (o.downloadFolder && !run.cancelled) {
    for (const r of run.steps) if (r.status === 'succeeded' && o.selected.has(r.name)) reports.get(r.name)!.outputs = copyOutputs(r, o.downloadFolder, agent);
  }

  const p = reports.get(primary.name)!;
  agent.setOutput('status', p.status);
  setMetricOutputs(agent, p.metrics);
  let gate: GateResult | undefined;
  if (o.gate.length > 0 && p.status === 'Completed') {
    gate = evaluateGate(o.gate, p.metrics ?? {}, `${primary.name} (on this agent)`);
    agent.print(gate.message);
    if (!gate.passed) problems.push(gate.message);
  }

  const result: Outcome['result'] = run.cancelled ? 'Cancelled' : problems.length > 0 ? 'Failed' : 'Succeeded';
  publishResults(agent, {
    schemaVersion: 1,
    task: 'MLStepsRun@1',
    result,
    waited: true,
    build: buildOf(),
    workspace: { subscriptionId: '', resourceGroup: '', name: 'this agent (compute "local")' },
    selection: o.selection,
    primaryStep: primary.name,
    ...(gate ? { gate: { expression: o.gateText, passed: gate.passed, checks: gate.checks } } : {}),
    steps: plan.steps.map((s) => reports.get(s.name)!),
  });
  if (result === 'Cancelled') return { result, message: `mlsteps: cancelled; ${run.steps.filter((r) => r.status === 'cancelled').map((r) => r.name).join(', ') || 'no step'} stopped on this agent.` };
  if (result === 'Failed') return { result, message: `mlsteps: ${problems.join('; ')}` };
  return { result, message: `mlsteps: ${primary.name} completed on this agent${gate ? `; ${gate.message}` : ''}.` };
}

function reportOf(r: StepResult, fingerprint: string, selected: boolean): StepReport {
  const best = r.sweep?.best;
  const objective = r.sweep?.objective;
  return {
    step: r.name,
    stage: r.stage,
    type: r.type,
    fingerprint,
    outcome: r.status === 'skipped' || r.status === 'not-run' ? 'skipped' : 'ok',
    compute: 'local',
    status: STATUS[r.status],
    ...(r.durationMs !== undefined ? { durationMs: r.durationMs } : {}),
    ...(r.reason ? { [r.status === 'failed' ? 'error' : 'reason']: r.reason } : {}),
    metrics: r.metrics,
    ...(objective ? { objective: { metric: objective.primary_metric, goal: objective.goal === 'minimize' ? 'minimize' : 'maximize' } } : {}),
    ...(best ? { bestTrial: { trial: best.trial, parameters: best.parameters, ...(objective && best.metrics[objective.primary_metric] !== undefined ? { metric: { name: objective.primary_metric, value: best.metrics[objective.primary_metric] } } : {}) } } : {}),
    ...(r.sweep ? { trials: r.sweep.trials.map((t) => ({ name: t.name, status: STATUS[t.status], parameters: t.parameters, metrics: t.metrics, ...(t.durationMs !== undefined ? { durationMs: t.durationMs } : {}) })) } : {}),
    selected,
  };
}

/** A step's output folders into `<folder>/<step>/<output>/`, each emptied first. */
function copyOutputs(r: StepResult, folder: string, agent: RunAgent): OutputReport[] {
  return Object.entries(r.outputs).map(([name, source]) => {
    const into = path.join(folder, safeName(r.name), safeName(name));
    const relative = path.relative(folder, into).split(path.sep).join('/');
    if (!existsSync(source)) return { name, path: relative, files: 0, bytes: 0, error: 'the step wrote nothing there' };
    rmSync(into, { recursive: true, force: true });
    mkdirSync(path.dirname(into), { recursive: true });
    cpSync(source, into, { recursive: true });
    agent.print(`${r.name}: output ${name} → ${into}`);
    return { name, path: relative };
  });
}
