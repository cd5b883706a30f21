// The build results tab's rendering (web/results-tab/render.ts, chart.ts), as the pure functions
// they are: results files in, markup out. The browser tests (results-tab.test.ts) cover the page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunResults, StepReport } from '../tasks/MLStepsRunV1/results';
import { groupStageJobs, renderResultsTab, toneOf, type LoadedAttachment } from '../web/results-tab/render';
import { renderSweepChart } from '../web/results-tab/chart';

function results(stage: string, attempt: string | undefined, steps: Array<Partial<StepReport> & { step: string }>, extra: Partial<RunResults> = {}): RunResults {
  return {
    schemaVersion: 1,
    task: 'MLStepsRun@1',
    result: 'Succeeded',
    waited: true,
    build: { id: '9', ...(attempt ? { attempt } : {}), stage },
    workspace: { subscriptionId: 's', resourceGroup: 'rg', name: 'ws' },
    selection: { steps: [steps[0].step] },
    primaryStep: steps[0].step,
    steps: steps.map((s) => ({ stage, type: 'command', fingerprint: 'f', outcome: 'ok', status: 'Completed', selected: true, ...s })),
    ...extra,
  };
}
const file = (name: string, r: RunResults): LoadedAttachment => ({ name, text: JSON.stringify(r) });
const count = (html: string, needle: RegExp) => (html.match(new RegExp(needle.source, 'g')) ?? []).length;

test('escapes every value from an attachment and links only http(s) studio URLs', () => {
  const html = renderResultsTab([
    file('a.1.json', results('train', '1', [{ step: '<img src=x onerror=alert(1)>', jobName: 'job"><script>', studioUrl: 'javascript:alert(1)', compute: '<b>c</b>', metrics: { '<i>m</i>': 1 }, error: '</p><script>x()</script>' }])),
  ]);
  assert.doesNotMatch(html, /<img|<script|<b>|<i>|javascript:/);
  assert.match(html, /&lt;img src=x onerror=alert\(1\)&gt;/);
  assert.match(html, /<code>job&quot;&gt;&lt;script&gt;<\/code>/, 'a job name without a safe link is shown, not linked');
});

test('links each job to Azure ML studio, in a new tab', () => {
  const url = 'https://ml.azure.com/runs/j1?wsid=/subscriptions/s/resourcegroups/rg/workspaces/ws&tid=t';
  const html = renderResultsTab([file('a.1.json', results('train', '1', [{ step: 'train_model', jobName: 'j1', studioUrl: url }]))]);
  assert.ok(html.includes(`href="${url.replace(/&/g, '&amp;')}" target="_blank" rel="noopener noreferrer"`));
});

test('reads what it can: unreadable attachments are listed, the others shown', () => {
  const html = renderResultsTab([
    file('good.1.json', results('prep', '1', [{ step: 'prep_data' }])),
    { name: 'bad.1.json', text: '{' },
    { name: 'future.1.json', text: JSON.stringify({ schemaVersion: 2, steps: [] }) },
    { name: 'gone.1.json', error: '404 Not Found' },
  ]);
  assert.match(html, /3 results attachments could not be read/);
  assert.match(html, /bad\.1\.json<\/code>: not JSON/);
  assert.match(html, /future\.1\.json<\/code>: schemaVersion 2 is not one this tab reads/);
  assert.match(html, /gone\.1\.json<\/code>: 404 Not Found/);
  assert.equal(count(html, /<tr data-step="prep_data"/), 1);

  const nothing = renderResultsTab([{ name: 'bad.1.json', text: 'null' }]);
  assert.match(nothing, /role="alert"><h1>Could not read the ML step results of this build/);
});

test('groups attempts by stage job whatever the file names; the highest attempt is the latest', () => {
  const { jobs, problems } = groupStageJobs([
    file('job-a.1.json', results('validate', '1', [{ step: 'check', status: 'Failed' }], { result: 'Failed' })),
    file('job-b.3.json', results('validate', undefined, [{ step: 'check' }])), // attempt from the name
    file('job-a.2.json', results('validate', '2', [{ step: 'check', status: 'Canceled' }], { result: 'Cancelled' })),
    file('other.1.json', results('train', '1', [{ step: 'fit' }])),
  ]);
  assert.deepEqual(problems, []);
  assert.equal(jobs.length, 2);
  const check = jobs.find((j) => j.latest.results.primaryStep === 'check')!;
  assert.deepEqual([check.latest.attempt, ...check.earlier.map((e) => e.attempt)], [3, 2, 1]);
  assert.equal(check.latest.name, 'job-b.3.json');
});

test('orders stage jobs as mlsteps orders stages: prep, profile, validate, tune, train, then others', () => {
  const { jobs } = groupStageJobs(['deploy', 'train', 'prep', 'tune', 'validate', 'profile'].map((stage, i) => file(`${i}.1.json`, results(stage, '1', [{ step: `${stage}_step` }]))));
  assert.deepEqual(
    jobs.map((j) => j.latest.results.build.stage),
    ['prep', 'profile', 'validate', 'tune', 'train', 'deploy'],
  );
});

test('only Completed is success', () => {
  assert.equal(toneOf('Completed'), 'ok');
  for (const s of ['Failed', 'TimedOut', 'NotSubmitted']) assert.equal(toneOf(s), 'bad');
  for (const s of ['Canceled', 'CancelRequested']) assert.equal(toneOf(s), 'warn');
  for (const s of ['Running', 'Queued', 'Preparing', 'Finalizing']) assert.equal(toneOf(s), 'info');
});

test('steps a job only ran for `needs` stay out of the overview', () => {
  const html = renderResultsTab([file('a.1.json', results('train', '1', [{ step: 'fit' }, { step: 'tune_it', selected: false, action: 'reused' }]))]);
  assert.equal(count(html, /<tr data-step="tune_it"/), 0);
  assert.match(html, /Also in this job, for <code>needs<\/code>: <code>tune_it<\/code>/);
});

test('the gate verdict shows with each condition and the value it met', () => {
  const r = results('train', '1', [{ step: 'fit', metrics: { auc: 0.79 } }], {
    result: 'Failed',
    gate: { expression: 'auc >= 0.8', passed: false, checks: [{ metric: 'auc', op: '>=', value: 0.8, text: 'auc >= 0.8', actual: 0.79, passed: false }] },
  });
  const html = renderResultsTab([file('a.1.json', r)]);
  assert.match(html, /<div class="mls-gate" data-gate="failed">/);
  assert.match(html, /not met: <\/span> <code>auc &gt;= 0.8<\/code> — auc = 0.7900/);
  assert.match(html, /0 of 1 gate passed/);
});

const sweep = (goal: 'maximize' | 'minimize', values: Array<number | undefined>, best: number): StepReport => ({
  step: 'tune',
  stage: 'tune',
  type: 'sweep',
  fingerprint: 'f',
  outcome: 'ok',
  status: 'Completed',
  objective: { metric: 'loss', goal },
  trials: values.map((v, i) => ({ name: `t${i}`, status: v === undefined ? 'Failed' : 'Completed', parameters: { lr: i / 10 }, metrics: v === undefined ? ({} as Record<string, number>) : { loss: v } })),
  bestTrial: { trial: `t${best}`, parameters: { lr: best / 10 }, metric: { name: 'loss', value: values[best]! } },
});

test('the sweep chart: a point per trial, crosses for trials without the metric, the best ringed, higher values drawn higher', () => {
  const svg = renderSweepChart(sweep('minimize', [0.5, undefined, 0.2, 0.9], 2), 'c')!;
  assert.equal(count(svg, /<g class="mls-trial/), 4);
  assert.equal(count(svg, /mls-trial-missing/), 1);
  assert.equal(count(svg, /class="mls-trial mls-best"/), 1);
  assert.match(svg, /data-trial="t2" data-index="3" data-value="0.2"/);
  assert.match(svg, /loss \(lower is better\)/);
  const cy = (trial: string) => Number(new RegExp(`data-trial="${trial}"[^>]*>(?:<title>[^<]*</title>)?<circle[^>]* cy="([\\d.]+)"`).exec(svg)![1]);
  assert.ok(cy('t3') < cy('t0') && cy('t0') < cy('t2'), 'y grows upwards');
  assert.match(svg, /<desc id="c-desc">4 trials of tune, loss \(minimize\)[^<]*best: trial 3 \(t2\) with loss 0.2; 1 without a value<\/desc>/);
});

test('the sweep chart copes with one trial, equal values and no values at all', () => {
  assert.equal(count(renderSweepChart(sweep('maximize', [0.7], 0), 'a')!, /<g class="mls-trial/), 1);
  assert.doesNotMatch(renderSweepChart(sweep('maximize', [0.7, 0.7, 0.7], 1), 'b')!, /NaN|Infinity/);
  const none = renderSweepChart({ ...sweep('maximize', [undefined, undefined], 0), bestTrial: undefined }, 'n')!;
  assert.equal(count(none, /mls-trial-missing/), 2);
  assert.doesNotMatch(none, /NaN|Infinity/);
  assert.equal(renderSweepChart({ ...sweep('maximize', [], 0), trials: [] }, 'e'), undefined);
});

test('no attachments: the empty state says MLStepsRun@1 writes them', () => {
  assert.match(renderResultsTab([]), /class="mls-empty" role="status"><h1>No ML step results in this build<\/h1>.*MLStepsRun@1.*mlsteps\.results/s);
});
