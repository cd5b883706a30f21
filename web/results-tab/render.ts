// The build results tab, as a pure function: the build's `mlsteps.results` attachments (name and
// text, as downloaded) → the tab's HTML. No DOM and no SDK here, so it runs in unit tests under
// Node as it does in the browser; main.ts does the fetching and puts the markup on the page.
import type { RunResults, StepReport, TrialReport } from '../../tasks/MLStepsRunV1/results';
import { formatDuration, formatMetric } from '../../src/run/summary';
import { renderSweepChart } from './chart';
import { escapeHtml as esc, safeUrl } from './html';

/** One `mlsteps.results` attachment of the build: `<System.JobId>.<attempt>.json`. */
export interface LoadedAttachment {
  name: string;
  /** The file as downloaded. */
  text?: string;
  /** Why it could not be downloaded. */
  error?: string;
}

/** One run of MLStepsRun@1: a stage job's attempt. */
export interface JobAttempt {
  name: string;
  attempt: number;
  results: RunResults;
}

/** A stage job of the build: its latest attempt, and the attempts before it (newest first). */
export interface StageJob {
  key: string;
  latest: JobAttempt;
  earlier: JobAttempt[];
}

export interface Problem {
  name: string;
  message: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks the shape the tab relies on; a file that is not a results file of a known version is a problem, not a crash. */
export function parseResults(text: string): RunResults {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new Error(`not JSON (${(err as Error).message})`);
  }
  if (!isObject(data)) throw new Error('not a results object');
  if (data.schemaVersion !== 1) throw new Error(`schemaVersion ${JSON.stringify(data.schemaVersion)} is not one this tab reads (1); update the extension`);
  if (!Array.isArray(data.steps) || !data.steps.every((s) => isObject(s) && typeof s.step === 'string' && typeof s.status === 'string')) {
    throw new Error('"steps" is not a list of steps with a name and a status');
  }
  return {
    ...(data as unknown as RunResults),
    build: isObject(data.build) ? (data.build as RunResults['build']) : {},
    workspace: isObject(data.workspace) ? (data.workspace as RunResults['workspace']) : { subscriptionId: '', resourceGroup: '', name: '' },
    primaryStep: typeof data.primaryStep === 'string' ? data.primaryStep : (data.steps[0] as StepReport).step,
    result: typeof data.result === 'string' ? data.result : 'Unknown',
  };
}

/** The attempt: the file's `build.attempt` (System.JobAttempt), else the number in its name, else 1. */
function attemptOf(name: string, results: RunResults): number {
  const fromFile = Number.parseInt(String(results.build.attempt ?? ''), 10);
  if (Number.isInteger(fromFile) && fromFile > 0) return fromFile;
  const fromName = /\.(\d+)\.json$/i.exec(name);
  return fromName ? Number(fromName[1]) : 1;
}

/** mlsteps' own stages in pipeline order; others after them, by name. */
const STAGE_ORDER = ['prep', 'profile', 'validate', 'tune', 'train'];
const stageRank = (stage: string | undefined) => {
  const i = STAGE_ORDER.indexOf(stage ?? '');
  return i < 0 ? STAGE_ORDER.length : i;
};

/**
 * Groups the attachments into stage jobs. A job's attempts share its stage and primary step (the
 * run configuration the job runs), whatever their file names; the highest attempt is the latest.
 */
export function groupStageJobs(attachments: LoadedAttachment[]): { jobs: StageJob[]; problems: Problem[] } {
  const problems: Problem[] = [];
  const byKey = new Map<string, JobAttempt[]>();
  for (const a of attachments) {
    if (a.error !== undefined || a.text === undefined) {
      problems.push({ name: a.name, message: a.error ?? 'not downloaded' });
      continue;
    }
    let results: RunResults;
    try {
      results = parseResults(a.text);
    } catch (err) {
      problems.push({ name: a.name, message: (err as Error).message });
      continue;
    }
    const key = `${results.build.stage ?? ''}\u0000${results.primaryStep}`;
    const list = byKey.get(key) ?? [];
    list.push({ name: a.name, attempt: attemptOf(a.name, results), results });
    byKey.set(key, list);
  }
  const jobs = [...byKey.entries()].map(([key, list]) => {
    list.sort((a, b) => b.attempt - a.attempt || b.name.localeCompare(a.name));
    return { key, latest: list[0], earlier: list.slice(1) };
  });
  // By the mlsteps stage of the job's step (pipeline stage names are the user's: `validate_step`).
  const stageOf = (r: RunResults) => r.steps.find((s) => s.step === r.primaryStep)?.stage ?? r.build.stage ?? '';
  jobs.sort((a, b) => {
    const ra = a.latest.results;
    const rb = b.latest.results;
    return stageRank(stageOf(ra)) - stageRank(stageOf(rb)) || stageOf(ra).localeCompare(stageOf(rb)) || ra.primaryStep.localeCompare(rb.primaryStep);
  });
  return { jobs, problems };
}

type Tone = 'ok' | 'bad' | 'warn' | 'info' | 'neutral';

/** Azure ML job status (or task result) → tone; only Completed/Succeeded is success. */
export function toneOf(status: string): Tone {
  switch (status) {
    case 'Completed':
    case 'Succeeded':
      return 'ok';
    case 'Failed':
    case 'NotSubmitted':
    case 'TimedOut':
      return 'bad';
    case 'Canceled':
    case 'Cancelled':
    case 'CancelRequested':
    case 'Paused':
      return 'warn';
    case 'Skipped':
    case 'NotRun':
    case 'Unknown':
      return 'neutral';
    default:
      return 'info';
  }
}

const ICON: Record<Tone, string> = { ok: '✓', bad: '✕', warn: '■', info: '●', neutral: '–' };

function badge(status: string, extra = ''): string {
  const tone = toneOf(status);
  return `<span class="mls-badge mls-${tone}" data-status="${esc(status)}"><span aria-hidden="true">${ICON[tone]}</span> ${esc(status)}${extra ? ` <span class="mls-badge-extra">${esc(extra)}</span>` : ''}</span>`;
}

function jobLink(step: StepReport): string {
  const url = safeUrl(step.studioUrl);
  if (!step.jobName) return '<span class="mls-dim">—</span>';
  if (!url) return `<code>${esc(step.jobName)}</code>`;
  return `<a class="mls-studio" href="${esc(url)}" target="_blank" rel="noopener noreferrer" title="Open ${esc(step.jobName)} in Azure ML studio">${esc(step.jobName)}<span aria-hidden="true"> ↗</span><span class="mls-visually-hidden"> (opens Azure ML studio in a new tab)</span></a>`;
}

const metricValue = (v: unknown) => (typeof v === 'number' ? formatMetric(v) : '');
const duration = (ms: unknown) => (typeof ms === 'number' && Number.isFinite(ms) ? formatDuration(ms) : '');

function gateVerdict(gate: NonNullable<RunResults['gate']>, compact = false): string {
  const head = `<span class="mls-badge mls-${gate.passed ? 'ok' : 'bad'}" data-gate="${gate.passed ? 'passed' : 'failed'}"><span aria-hidden="true">${gate.passed ? '✓' : '✕'}</span> Gate ${gate.passed ? 'passed' : 'failed'}</span>`;
  if (compact) return `${head} <code>${esc(gate.expression)}</code>`;
  const checks = (gate.checks ?? [])
    .map(
      (c) =>
        `<li class="mls-check mls-${c.passed ? 'ok' : 'bad'}"><span aria-hidden="true">${c.passed ? '✓' : '✕'}</span><span class="mls-visually-hidden">${c.passed ? 'met' : 'not met'}: </span> <code>${esc(c.metric)} ${esc(c.op)} ${esc(c.value)}</code> — ${
          c.actual === undefined ? 'not recorded' : `${esc(c.metric)} = ${esc(metricValue(c.actual))}`
        }</li>`,
    )
    .join('');
  return `<div class="mls-gate" data-gate="${gate.passed ? 'passed' : 'failed'}"><p>${head} <code>${esc(gate.expression)}</code></p>${checks ? `<ul class="mls-checks">${checks}</ul>` : ''}</div>`;
}

/** Steps a stage job was asked to run (not the ones it only waited on or reused for `needs`). */
const selectedSteps = (r: RunResults) => r.steps.filter((s) => s.selected !== false);

function overviewTable(jobs: StageJob[], ids: Map<StepReport, string>): string {
  // A gate column only when some job has a gate.
  const gates = jobs.some((j) => j.latest.results.gate);
  const rows: string[] = [];
  for (const job of jobs) {
    const r = job.latest.results;
    for (const s of selectedSteps(r)) {
      const gate = r.gate && s.step === r.primaryStep ? gateVerdict(r.gate, true) : '';
      const attempts = job.earlier.length ? ` <span class="mls-dim" title="this stage job ran ${job.earlier.length + 1} times">attempt ${job.latest.attempt}</span>` : '';
      rows.push(
        `<tr data-step="${esc(s.step)}" data-stage-job="${esc(job.key)}">` +
          `<th scope="row"><a href="#${ids.get(s)}">${esc(s.step)}</a></th>` +
          `<td>${esc(r.build.stage ?? s.stage ?? '')}</td>` +
          `<td class="mls-status">${badge(s.status, s.action && s.action !== 'submitted' ? s.action : '')}${attempts}</td>` +
          `<td>${esc(s.compute ?? '')}</td>` +
          `<td class="mls-num mls-duration">${esc(duration(s.durationMs))}</td>` +
          `<td>${jobLink(s)}</td>` +
          (gates ? `<td>${gate}</td>` : '') +
          `</tr>`,
      );
    }
  }
  return (
    `<table class="mls-table mls-overview">` +
    `<caption id="mls-overview-caption" class="mls-visually-hidden">ML steps of this build: the latest attempt of each stage job</caption>` +
    `<thead><tr><th scope="col">Step</th><th scope="col">Stage</th><th scope="col">Status</th><th scope="col">Compute</th><th scope="col" class="mls-num">Duration</th><th scope="col">Azure ML job</th>${gates ? '<th scope="col">Gate</th>' : ''}</tr></thead>` +
    `<tbody>${rows.join('')}</tbody></table>`
  );
}

function metricsTable(step: StepReport, id: string): string {
  const entries = Object.entries(step.metrics ?? {}).filter(([, v]) => typeof v === 'number');
  if (entries.length === 0) return '';
  const objective = step.objective?.metric;
  return (
    `<table class="mls-table mls-metrics" aria-labelledby="${id}-metrics-caption"><caption id="${id}-metrics-caption">Metrics${step.bestTrial ? ' (best trial)' : ''}</caption>` +
    `<thead><tr><th scope="col">Metric</th><th scope="col" class="mls-num">Value</th></tr></thead><tbody>` +
    entries
      .map(([name, v]) => `<tr data-metric="${esc(name)}"><th scope="row">${esc(name)}${name === objective ? ' <span class="mls-dim">(objective)</span>' : ''}</th><td class="mls-num">${esc(metricValue(v))}</td></tr>`)
      .join('') +
    `</tbody></table>`
  );
}

function parametersTable(parameters: Record<string, unknown>, caption: string, id: string): string {
  const entries = Object.entries(parameters);
  if (entries.length === 0) return '';
  return (
    `<table class="mls-table mls-params" aria-labelledby="${id}-params-caption"><caption id="${id}-params-caption">${esc(caption)}</caption>` +
    `<thead><tr><th scope="col">Parameter</th><th scope="col">Value</th></tr></thead><tbody>` +
    entries.map(([k, v]) => `<tr data-parameter="${esc(k)}"><th scope="row">${esc(k)}</th><td><code>${esc(typeof v === 'string' ? v : JSON.stringify(v))}</code></td></tr>`).join('') +
    `</tbody></table>`
  );
}

function trialsTable(step: StepReport, trials: TrialReport[]): string {
  const metric = step.objective?.metric ?? step.bestTrial?.metric?.name;
  const paramNames: string[] = [];
  for (const t of trials) for (const k of Object.keys(t.parameters ?? {})) if (!paramNames.includes(k)) paramNames.push(k);
  const rows = trials
    .map((t, i) => {
      const best = t.name === step.bestTrial?.trial;
      return (
        `<tr${best ? ' class="mls-best-row"' : ''} data-trial="${esc(t.name)}"><th scope="row">${i + 1}${best ? ' <span class="mls-dim">(best)</span>' : ''}</th><td>${badge(t.status)}</td>` +
        (metric ? `<td class="mls-num">${esc(metricValue(t.metrics?.[metric]))}</td>` : '') +
        paramNames.map((p) => `<td><code>${esc(t.parameters?.[p] === undefined ? '' : String(t.parameters[p]))}</code></td>`).join('') +
        `<td class="mls-num">${esc(duration(t.durationMs))}</td><td><code>${esc(t.name)}</code></td></tr>`
      );
    })
    .join('');
  return (
    `<details class="mls-trials"><summary>All ${trials.length} trials as a table</summary>` +
    `<table class="mls-table" aria-label="Trials of ${esc(step.step)}"><thead><tr><th scope="col">Trial</th><th scope="col">Status</th>` +
    (metric ? `<th scope="col" class="mls-num">${esc(metric)}</th>` : '') +
    paramNames.map((p) => `<th scope="col">${esc(p)}</th>`).join('') +
    `<th scope="col" class="mls-num">Duration</th><th scope="col">Run</th></tr></thead><tbody>${rows}</tbody></table></details>`
  );
}

function outputsList(step: StepReport): string {
  const outputs = step.outputs ?? [];
  if (outputs.length === 0) return '';
  const items = outputs.map((o) => {
    const what = o.error ? `<span class="mls-bad-text">not downloaded: ${esc(o.error)}</span>` : `${esc(o.path ?? '')}${o.files !== undefined ? ` — ${esc(o.files)} file${o.files === 1 ? '' : 's'}` : ''}${o.bytes !== undefined ? `, ${esc(formatBytes(o.bytes))}` : ''}`;
    return `<li><code>${esc(o.name)}</code>: ${what}</li>`;
  });
  return `<div class="mls-outputs"><h4>Downloaded outputs</h4><ul>${items.join('')}</ul></div>`;
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

function stepCard(step: StepReport, id: string): string {
  const facts: string[] = [];
  const fact = (term: string, value: string) => value && facts.push(`<div><dt>${term}</dt><dd>${value}</dd></div>`);
  fact('Compute', step.compute ? esc(step.compute) : '');
  fact('Duration', esc(duration(step.durationMs)));
  fact('Azure ML job', step.jobName ? jobLink(step) : '');
  fact('Type', esc(step.type ?? ''));
  // Submitting is the usual; attaching to a running job, reusing or resubmitting one is worth a line.
  fact('Action', step.action && step.action !== 'submitted' ? esc(step.action) : '');
  const note = step.error ?? step.reason;
  const chart = renderSweepChart(step, `${id}-chart`);
  const sweep =
    chart || step.bestTrial
      ? `<div class="mls-sweep">` +
        (chart ? `<figure class="mls-figure">${chart}<figcaption>${esc(step.objective?.metric ?? step.bestTrial?.metric?.name ?? '')} of each trial; the ringed point is the best trial, the line the best so far.</figcaption></figure>` : '') +
        `<div class="mls-best">` +
        (step.bestTrial
          ? `<p class="mls-best-trial">Best trial <code>${esc(step.bestTrial.trial)}</code>${step.bestTrial.metric ? `: ${esc(step.bestTrial.metric.name)} = <strong>${esc(metricValue(step.bestTrial.metric.value))}</strong>` : ''}</p>` +
            parametersTable(step.bestTrial.parameters ?? {}, 'Best parameters', id)
          : '') +
        `</div>` +
        (step.trials?.length ? trialsTable(step, step.trials) : '') +
        `</div>`
      : '';
  return (
    `<article class="mls-step mls-tone-${toneOf(step.status)}" id="${id}" data-step="${esc(step.step)}" aria-labelledby="${id}-h">` +
    `<h3 id="${id}-h"><span class="mls-step-name">${esc(step.step)}</span> ${badge(step.status)}</h3>` +
    (note ? `<p class="mls-note mls-${step.error ? 'bad' : 'neutral'}" role="note">${esc(note)}</p>` : '') +
    `<div class="mls-step-body"><dl class="mls-facts">${facts.join('')}</dl>${metricsTable(step, id)}</div>` +
    sweep +
    outputsList(step) +
    `</article>`
  );
}

function attemptSummary(a: JobAttempt): string {
  const r = a.results;
  const rows = selectedSteps(r)
    .map(
      (s) =>
        `<tr data-step="${esc(s.step)}"><th scope="row">${esc(s.step)}</th><td>${badge(s.status, s.action && s.action !== 'submitted' ? s.action : '')}</td><td>${esc(s.compute ?? '')}</td><td class="mls-num">${esc(duration(s.durationMs))}</td><td>${jobLink(s)}</td><td>${esc(s.error ?? s.reason ?? '')}</td></tr>`,
    )
    .join('');
  return (
    `<section class="mls-attempt" data-attempt="${a.attempt}" aria-label="Attempt ${a.attempt}">` +
    `<h4>Attempt ${a.attempt} ${badge(r.result)}${r.gate ? ` ${gateVerdict(r.gate, true)}` : ''}</h4>` +
    `<table class="mls-table"><thead><tr><th scope="col">Step</th><th scope="col">Status</th><th scope="col">Compute</th><th scope="col" class="mls-num">Duration</th><th scope="col">Azure ML job</th><th scope="col">Note</th></tr></thead><tbody>${rows}</tbody></table>` +
    `</section>`
  );
}

const profileOf = (r: RunResults): string | undefined => {
  const selection: unknown = r.selection;
  return isObject(selection) && typeof selection.profile === 'string' ? selection.profile : undefined;
};

function jobSection(job: StageJob, index: number, ids: Map<StepReport, string>): string {
  const r = job.latest.results;
  const others = r.steps.filter((s) => s.selected === false);
  const ws = r.workspace?.name ? `workspace <strong>${esc(r.workspace.name)}</strong>${r.workspace.resourceGroup ? ` (${esc(r.workspace.resourceGroup)})` : ''}` : '';
  const meta = [
    `MLStepsRun@1 ran <strong>${esc(profileOf(r) !== undefined ? `profile ${profileOf(r)}` : r.primaryStep)}</strong>`,
    job.earlier.length || job.latest.attempt > 1 ? `attempt ${job.latest.attempt}` : '',
    ws,
    r.waited === false ? 'submitted, not waited for' : '',
  ].filter(Boolean);
  return (
    `<section class="mls-job" id="mls-job-${index}" data-stage-job="${esc(job.key)}" data-attempt="${job.latest.attempt}" aria-labelledby="mls-job-${index}-h">` +
    `<header class="mls-job-head"><h2 id="mls-job-${index}-h">${r.build.stage ? `Stage ${esc(r.build.stage)}` : esc(r.primaryStep)} ${badge(r.result)}</h2><p class="mls-meta">${meta.join(' · ')}</p></header>` +
    (r.gate ? gateVerdict(r.gate) : '') +
    selectedSteps(r).map((s) => stepCard(s, ids.get(s)!)).join('') +
    (others.length
      ? `<p class="mls-deps">Also in this job, for <code>needs</code>: ${others.map((s) => `<code>${esc(s.step)}</code> ${badge(s.status, s.action ?? '')}`).join(', ')}</p>`
      : '') +
    (job.earlier.length
      ? `<details class="mls-history" data-earlier="${job.earlier.length}"><summary>Earlier attempt${job.earlier.length === 1 ? '' : 's'} of this stage job (${job.earlier.length})</summary>${job.earlier.map(attemptSummary).join('')}</details>`
      : '') +
    `</section>`
  );
}

/** The empty tab: says where the data comes from. */
export function renderEmpty(): string {
  return (
    `<div class="mls-empty" role="status"><h1>No ML step results in this build</h1>` +
    `<p>The <code>MLStepsRun@1</code> task attaches its results to the build (attachment type <code>mlsteps.results</code>) when it finishes, and this tab shows them: each step's status, compute, duration, metrics, its job in Azure ML studio, sweeps trial by trial, and the gate's verdict.</p>` +
    `<p>This build has none yet: it has no <code>MLStepsRun@1</code> step, or its ML stages have not finished. Stages that are still running appear here when their job ends.</p></div>`
  );
}

/** A message instead of results (loading, or why nothing could be shown): never a blank tab. */
export function renderMessage(kind: 'loading' | 'error', title: string, detail?: string): string {
  return `<div class="mls-message mls-${kind}" role="${kind === 'error' ? 'alert' : 'status'}"><h1>${esc(title)}</h1>${detail ? `<p>${esc(detail)}</p>` : ''}</div>`;
}

/** The whole tab for a build's attachments. */
export function renderResultsTab(attachments: LoadedAttachment[], context: { buildId?: number | string } = {}): string {
  if (attachments.length === 0) return renderEmpty();
  const { jobs, problems } = groupStageJobs(attachments);
  const problemList = problems.length
    ? `<div class="mls-message mls-error" role="alert"><p>${problems.length === 1 ? 'One results attachment' : `${problems.length} results attachments`} could not be read:</p><ul>${problems
        .map((p) => `<li><code>${esc(p.name)}</code>: ${esc(p.message)}</li>`)
        .join('')}</ul></div>`
    : '';
  if (jobs.length === 0) return renderMessage('error', 'Could not read the ML step results of this build') + problemList;

  const ids = new Map<StepReport, string>();
  jobs.forEach((job, j) => job.latest.results.steps.forEach((s, i) => ids.set(s, `mls-step-${j}-${i}`)));
  const shown = jobs.flatMap((j) => selectedSteps(j.latest.results));
  const count = (tone: Tone) => shown.filter((s) => toneOf(s.status) === tone).length;
  const counts = (
    [
      ['ok', 'completed'],
      ['bad', 'failed'],
      ['warn', 'cancelled'],
      ['info', 'running or queued'],
      ['neutral', 'not run'],
    ] as Array<[Tone, string]>
  )
    .map(([tone, label]) => [tone, count(tone), label] as const)
    .filter(([, n]) => n > 0)
    .map(([tone, n, label]) => `<li class="mls-badge mls-${tone}"><span aria-hidden="true">${ICON[tone]}</span> ${n} ${label}</li>`)
    .join('');
  const gates = jobs.map((j) => j.latest.results.gate).filter((g): g is NonNullable<RunResults['gate']> => g !== undefined);
  const gateCount = gates.length
    ? `<li class="mls-badge mls-${gates.every((g) => g.passed) ? 'ok' : 'bad'}">${gates.filter((g) => g.passed).length} of ${gates.length} gate${gates.length === 1 ? '' : 's'} passed</li>`
    : '';
  const workspaces = [...new Set(jobs.map((j) => j.latest.results.workspace?.name).filter(Boolean))];
  const buildId = context.buildId ?? jobs[0].latest.results.build.id;
  const sub = [
    buildId !== undefined ? `Build ${esc(buildId)}` : '',
    `${shown.length} step${shown.length === 1 ? '' : 's'} in ${jobs.length} stage job${jobs.length === 1 ? '' : 's'}`,
    workspaces.length ? `Azure ML workspace${workspaces.length === 1 ? '' : 's'} ${workspaces.map((w) => `<strong>${esc(w)}</strong>`).join(', ')}` : '',
  ].filter(Boolean);

  return (
    `<header class="mls-header"><h1>ML steps</h1><p class="mls-meta">${sub.join(' · ')}</p><ul class="mls-counts" aria-label="Summary">${counts}${gateCount}</ul></header>` +
    problemList +
    `<section class="mls-overview-section" aria-label="Steps">${overviewTable(jobs, ids)}</section>` +
    jobs.map((job, i) => jobSection(job, i, ids)).join('')
  );
}
