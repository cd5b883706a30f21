// The build results tab in headless Chromium: the real built tab (dist/web/results-tab) framed by a
// stand-in for the Azure DevOps page (tests/browser/devops-host.ts: the host side of the SDK's
// handshake, the build page context, access tokens, services), with the Build REST API's
// attachment routes served from the results files MLStepsRun@1's tests produced
// (tests/fixtures/results). Saves the screenshots the README and the marketplace page show.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { build } from 'esbuild';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';
import { projectRoot } from './helpers/fixtures';
import type { RunResults, StepReport } from '../tasks/MLStepsRunV1/results';
import { formatDuration, formatMetric } from '../src/run/summary';

const CHROMIUM = process.env.MLSTEPS_CHROMIUM ?? '/usr/bin/chromium';
const RESULTS_DIR = path.join(projectRoot, 'tests', 'fixtures', 'results');
const TAB_DIR = path.join(projectRoot, 'dist', 'web', 'results-tab');
const IMAGES = path.join(projectRoot, 'docs', 'images');
const TOKEN = 'host-issued-access-token';
const PROJECT = { id: '6f0e1c3a-7d0b-4c2e-9a61-2f4f2b1c0d11', name: 'credit-risk' };
const TIMELINE_ID = '0c2a9e51-5b7d-4f63-8b8e-9d8f3a1e2b40';

interface Fixture {
  name: string;
  text: string;
  results: RunResults;
}

const fixtures: Fixture[] = existsSync(RESULTS_DIR)
  ? readdirSync(RESULTS_DIR)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((name) => {
        const text = readFileSync(path.join(RESULTS_DIR, name), 'utf8');
        return { name, text, results: JSON.parse(text) as RunResults };
      })
  : [];

/** The builds the fake Build API knows: the fixtures' build, and edge cases. */
const BUILD_WITH_RESULTS = Number.isInteger(Number(fixtures[0]?.results.build.id)) ? Number(fixtures[0].results.build.id) : 417;
const BUILD_WITHOUT_RESULTS = BUILD_WITH_RESULTS + 1;
const BUILD_API_FAILS = BUILD_WITH_RESULTS + 2;
const BUILD_WITH_BROKEN_FILE = BUILD_WITH_RESULTS + 3;
const BUILD_FORBIDDEN = BUILD_WITH_RESULTS + 4;

/** The fixtures' stage jobs, worked out here independently of the tab: latest attempt and the earlier ones. */
function stageJobs(): Array<{ latest: Fixture; earlier: Fixture[] }> {
  const groups = new Map<string, Fixture[]>();
  for (const f of fixtures) {
    const key = `${f.results.build.stage}/${f.results.primaryStep}`;
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  return [...groups.values()].map((list) => {
    const sorted = [...list].sort((a, b) => Number(b.results.build.attempt) - Number(a.results.build.attempt));
    return { latest: sorted[0], earlier: sorted.slice(1) };
  });
}
const shownSteps = (r: RunResults) => r.steps.filter((s) => s.selected !== false);

/** A timeline record id per attachment, as the agent's task record would have. */
const recordId = (name: string) => {
  const h = createHash('sha1').update(name).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
};

interface ApiRequest {
  method: string;
  url: string;
  authorization?: string;
}

let server: Server;
let origin = '';
let browser: Browser;
let hostScript = '';
const apiRequests: ApiRequest[] = [];

function attachmentsOf(buildId: number): Array<{ name: string; text: string }> {
  if (buildId === BUILD_WITH_RESULTS) return fixtures;
  if (buildId === BUILD_WITH_BROKEN_FILE) return [...fixtures.slice(0, 1), { name: 'e1f2a3b4-0000-4000-8000-000000000000.1.json', text: '{"schemaVersion": 1, "steps": [' }];
  return [];
}

function hostPage(url: URL): string {
  const buildId = Number(url.searchParams.get('build') ?? BUILD_WITH_RESULTS);
  const settings = {
    theme: url.searchParams.get('theme') === 'dark' ? 'dark' : 'light',
    buildId,
    project: PROJECT,
    organizationUrl: `${origin}/fabrikam/`,
    accessToken: TOKEN,
    buildFrom: url.searchParams.get('buildFrom') === 'service' ? 'service' : 'configuration',
    tabUrl: '/_extension/web/results-tab/index.html',
  };
  // The look of an Azure DevOps build page around the tab, for screenshots that show where it lives.
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Build ${buildId} · ${PROJECT.name}</title><style>
body{margin:0;font:14px/1.4 "Segoe UI",-apple-system,BlinkMacSystemFont,Roboto,"Helvetica Neue",sans-serif;background:rgba(var(--palette-neutral-2),1);color:var(--text-primary-color)}
.bar{height:40px;display:flex;align-items:center;gap:10px;padding:0 16px;background:rgba(var(--palette-neutral-0),1);border-bottom:1px solid rgba(var(--palette-neutral-8),1)}
.logo{width:18px;height:18px;border-radius:3px;background:rgba(var(--palette-primary),1)}
.crumbs{color:var(--text-secondary-color)}
.head{padding:14px 24px 10px;background:rgba(var(--palette-neutral-0),1)}
.head h1{margin:0;font-size:20px;font-weight:600}.head p{margin:4px 0 0;color:var(--text-secondary-color)}
.tabs{display:flex;gap:28px;padding:0 24px;background:rgba(var(--palette-neutral-0),1);border-bottom:1px solid rgba(var(--palette-neutral-8),1)}
.tabs span{padding:9px 0 8px;color:var(--text-secondary-color);border-bottom:2px solid transparent}
.tabs .on{color:var(--text-primary-color);font-weight:600;border-bottom-color:rgba(var(--palette-primary),1)}
#tab-host iframe{display:block;border:0;width:100%;height:calc(100vh - 137px);background:rgba(var(--palette-neutral-0),1)}
</style></head><body>
<div class="bar"><span class="logo"></span><strong>fabrikam</strong><span class="crumbs">/ ${PROJECT.name} / Pipelines / credit-risk</span></div>
<div class="head"><h1>#${buildId} · Tune and train the credit model</h1><p>Triggered by Dana for main · credit-risk pipeline</p></div>
<nav class="tabs"><span>Summary</span><span>Tests</span><span>Extensions</span><span class="on">ML steps</span></nav>
<div id="tab-host"></div>
<script type="application/json" id="host-settings">${JSON.stringify(settings).replace(/</g, '\\u003c')}</script>
<script src="/host.js"></script></body></html>`;
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
  res.end(body);
}

const CONTENT_TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', origin);
  if (url.pathname === '/host.html') return send(res, 200, CONTENT_TYPES['.html'], hostPage(url));
  if (url.pathname === '/host.js') return send(res, 200, CONTENT_TYPES['.js'], hostScript);
  if (url.pathname === '/favicon.ico') return send(res, 204, 'image/x-icon', '');
  if (url.pathname.startsWith('/_extension/web/results-tab/')) {
    const file = path.join(TAB_DIR, path.basename(url.pathname));
    if (!existsSync(file)) return send(res, 404, 'text/plain', 'not found');
    return send(res, 200, CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream', readFileSync(file));
  }
  // The Build REST API: getAttachments and getAttachment, behind the host-issued token.
  const api = new RegExp(`^/fabrikam/(${PROJECT.id}|${PROJECT.name})/_apis/build/builds/(\\d+)/(?:attachments/mlsteps\\.results|([^/]+)/([^/]+)/attachments/mlsteps\\.results/([^/]+))$`).exec(url.pathname);
  if (api) {
    apiRequests.push({ method: req.method ?? '', url: url.pathname + url.search, authorization: req.headers.authorization });
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return send(res, 401, 'application/json', JSON.stringify({ message: 'TF400813: The user is not authorized to access this resource.' }));
    const buildId = Number(api[2]);
    if (buildId === BUILD_FORBIDDEN) return send(res, 403, 'application/json', JSON.stringify({ message: 'TF400813: Resource not available for anonymous access.' }));
    if (buildId === BUILD_API_FAILS) return send(res, 500, 'application/json', JSON.stringify({ message: 'VS402371: the build service is unavailable' }));
    const attachments = attachmentsOf(buildId);
    if (!api[3]) {
      const value = attachments.map((a) => ({
        name: a.name,
        _links: { self: { href: `${origin}/fabrikam/${PROJECT.id}/_apis/build/builds/${buildId}/${TIMELINE_ID}/${recordId(a.name)}/attachments/mlsteps.results/${encodeURIComponent(a.name)}` } },
      }));
      return send(res, 200, 'application/json', JSON.stringify({ count: value.length, value }));
    }
    const name = decodeURIComponent(api[5]);
    const found = attachments.find((a) => a.name === name && api[3] === TIMELINE_ID && api[4] === recordId(a.name));
    return found ? send(res, 200, 'application/octet-stream', found.text) : send(res, 404, 'application/json', JSON.stringify({ message: `no attachment ${name}` }));
  }
  send(res, 404, 'text/plain', 'not found');
}

before(async () => {
  // CI installs Chromium (.ci/run); a machine without it must fail here, not pass by skipping.
  assert.ok(existsSync(CHROMIUM), `Chromium is not installed at ${CHROMIUM}: the results tab is tested in a real browser. Install it (Debian/Ubuntu: apt-get install chromium; .ci/run does) or point MLSTEPS_CHROMIUM at one.`);
  assert.ok(existsSync(path.join(TAB_DIR, 'index.html')) && existsSync(path.join(TAB_DIR, 'results-tab.js')), `${path.relative(projectRoot, TAB_DIR)} is missing: run \`npm run build\` first (npm test does)`);
  assert.ok(fixtures.length > 0, `no results files in ${path.relative(projectRoot, RESULTS_DIR)} (written by MLStepsRun@1's tests)`);
  const bundled = await build({ entryPoints: [path.join(__dirname, 'browser', 'devops-host.ts')], bundle: true, write: false, format: 'iife', platform: 'browser', target: 'chrome109', logLevel: 'warning' });
  hostScript = bundled.outputFiles[0].text;
  server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: CHROMIUM });
});

after(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

/** Opens the host page for a build and waits until the tab has drawn something other than "loading". */
async function openTab(options: { build?: number; theme?: 'light' | 'dark'; buildFrom?: 'configuration' | 'service' } = {}): Promise<{ page: Page; tab: Frame }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  // Console errors too: a Content-Security-Policy violation or an XDM message nobody handled.
  page.on('console', (message) => {
    // (The error-state tests' 403 and 500 are expected.)
    if (message.type() === 'error' && !/Failed to load resource: the server responded with a status of (403|500)/.test(message.text())) errors.push(message.text());
  });
  const query = new URLSearchParams({ build: String(options.build ?? BUILD_WITH_RESULTS), theme: options.theme ?? 'light', buildFrom: options.buildFrom ?? 'configuration' });
  await page.goto(`${origin}/host.html?${query}`);
  const tab = await (await page.waitForSelector('#tab')).contentFrame();
  assert.ok(tab, 'the tab frame has no document');
  await tab.waitForSelector('#mls-root[aria-busy="false"]', { timeout: 15_000 });
  assert.deepEqual(errors, [], 'script errors on the page');
  return { page, tab };
}

const text = (tab: Frame, selector: string) => tab.$eval(selector, (e) => (e.textContent ?? '').replace(/\s+/g, ' ').trim());

describe('build results tab', { timeout: 120_000 }, () => {
  test('completes the SDK handshake with the theme, reads the build from the page, and calls the Build API with the host token', async () => {
    apiRequests.length = 0;
    const { page } = await openTab();
    const log = (await page.evaluate('window.hostLog')) as { calls: Array<{ instanceId: string; methodName: string; params: unknown[] }>; initOptions: Record<string, unknown>; loadSucceeded: boolean };
    assert.equal(log.calls[0].methodName, 'initialHandshake', 'the SDK starts with the handshake');
    assert.equal(log.initOptions.applyTheme, true);
    assert.equal(log.initOptions.loaded, false, 'the tab tells the host when it has loaded');
    assert.ok(log.loadSucceeded, 'notifyLoadSucceeded');
    const methods = log.calls.map((c) => `${c.instanceId}.${c.methodName}`);
    assert.ok(methods.includes('DevOps.HostControl.getAccessToken'), methods.join(', '));
    assert.ok(log.calls.some((c) => c.methodName === 'getService' && c.params[0] === 'ms.vss-features.location-service'), methods.join(', '));

    const list = apiRequests.filter((r) => /\/attachments\/mlsteps\.results\?/.test(r.url));
    assert.equal(list.length, 1, 'getAttachments once');
    assert.match(list[0].url, new RegExp(`^/fabrikam/${PROJECT.id}/_apis/build/builds/${BUILD_WITH_RESULTS}/attachments/mlsteps\\.results\\?api-version=`));
    const downloads = apiRequests.filter((r) => r.url.includes(`/${TIMELINE_ID}/`));
    assert.deepEqual(downloads.map((r) => decodeURIComponent(r.url.split('/').pop()!.split('?')[0])).sort(), fixtures.map((f) => f.name).sort(), 'getAttachment for each attachment');
    assert.ok(apiRequests.every((r) => r.authorization === `Bearer ${TOKEN}`), 'every call carries the host-issued token');
    await page.close();
  });

  test('shows a row per step with its status, compute, duration and Azure ML studio link, and each step\'s metrics', async () => {
    const { page, tab } = await openTab();
    const jobs = stageJobs();
    const expected = jobs.flatMap((j) => shownSteps(j.latest.results));
    const rows = await tab.$$eval('table.mls-overview tbody tr', (trs) =>
      trs.map((tr) => ({
        step: tr.getAttribute('data-step'),
        cells: [...tr.querySelectorAll('th, td')].map((c) => (c.textContent ?? '').replace(/\s+/g, ' ').trim()),
        href: tr.querySelector('a.mls-studio')?.getAttribute('href') ?? null,
        status: tr.querySelector('.mls-badge')?.getAttribute('data-status') ?? null,
      })),
    );
    assert.deepEqual(rows.map((r) => r.step).sort(), expected.map((s) => s.step).sort(), 'one row per step of the latest attempts');
    for (const s of expected) {
      const row = rows.find((r) => r.step === s.step)!;
      assert.equal(row.status, s.status, `${s.step}: status`);
      assert.equal(row.cells[3], s.compute ?? '', `${s.step}: compute`);
      assert.equal(row.cells[4], s.durationMs === undefined ? '' : formatDuration(s.durationMs), `${s.step}: duration`);
      assert.equal(row.href, s.studioUrl ? new URL(s.studioUrl).href : null, `${s.step}: studio link`);
    }
    for (const s of expected) {
      const metrics = Object.entries(s.metrics ?? {});
      const shown = await tab.$$eval(`article.mls-step[data-step="${s.step}"] table.mls-metrics tbody tr`, (trs) =>
        trs.map((tr) => [tr.getAttribute('data-metric'), (tr.querySelector('td')?.textContent ?? '').trim()]),
      );
      assert.deepEqual(shown, metrics.map(([name, v]) => [name, formatMetric(v)]), `${s.step}: metrics table`);
    }
    // The page's Content-Security-Policy runs no inline script, should markup ever get through.
    const injected = await tab.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'document.body.dataset.injected = "yes"';
      document.body.append(script);
      return document.body.dataset.injected ?? 'blocked';
    });
    assert.equal(injected, 'blocked');
    // Accessible tables: column headers, row headers.
    assert.ok((await tab.$$('table.mls-overview thead th[scope="col"]')).length >= 6);
    assert.equal((await tab.$$('table.mls-overview tbody th[scope="row"]')).length, expected.length);
    await page.close();
  });

  test('shows the failed step with its error and the gate\'s verdict', async () => {
    const { page, tab } = await openTab();
    const latest = stageJobs().map((j) => j.latest.results);
    const failed = latest.flatMap((r) => shownSteps(r)).filter((s) => s.status === 'Failed' || s.outcome === 'failed');
    const gated = latest.filter((r) => r.gate);
    assert.ok(failed.length + stageJobs().flatMap((j) => j.earlier).length > 0, 'the fixtures have a failed step (latest or earlier attempt)');
    assert.ok(gated.length > 0, 'the fixtures have a gate');
    for (const s of failed) {
      const article = `article.mls-step[data-step="${s.step}"]`;
      assert.equal(await tab.$eval(`${article} h3 .mls-badge`, (e) => e.getAttribute('data-status')), s.status);
      if (s.error ?? s.reason) assert.equal(await text(tab, `${article} .mls-note`), s.error ?? s.reason);
    }
    for (const r of gated) {
      const section = (await tab.$$('section.mls-job')).length;
      assert.ok(section > 0);
      const verdicts = await tab.$$eval('section.mls-job > .mls-gate', (gates) => gates.map((g) => [g.getAttribute('data-gate'), (g.querySelector('code')?.textContent ?? '').trim()]));
      assert.ok(verdicts.some(([v, expr]) => v === (r.gate!.passed ? 'passed' : 'failed') && expr === r.gate!.expression), `gate ${r.gate!.expression}: ${JSON.stringify(verdicts)}`);
      const primaryRow = await tab.$eval(`table.mls-overview tr[data-step="${r.primaryStep}"] [data-gate]`, (e) => e.getAttribute('data-gate'));
      assert.equal(primaryRow, r.gate!.passed ? 'passed' : 'failed', 'the gate in the overview, on its step');
    }
    await page.close();
  });

  test('charts each sweep: one point per trial in start order, the best trial marked, and the best parameters', async () => {
    const { page, tab } = await openTab();
    const sweeps = stageJobs()
      .flatMap((j) => shownSteps(j.latest.results))
      .filter((s): s is StepReport & { trials: NonNullable<StepReport['trials']> } => (s.trials?.length ?? 0) > 0);
    assert.ok(sweeps.length > 0, 'the fixtures have a sweep with trials');
    for (const s of sweeps) {
      const chart = `article.mls-step[data-step="${s.step}"] svg.mls-chart`;
      const points = await tab.$$eval(`${chart} g.mls-trial`, (gs) => gs.map((g) => ({ trial: g.getAttribute('data-trial'), value: g.getAttribute('data-value'), best: g.classList.contains('mls-best'), cy: Number(g.querySelector('circle')?.getAttribute('cy') ?? NaN) })));
      assert.deepEqual(points.map((p) => p.trial), s.trials.map((t) => t.name), 'one point per trial, in start order');
      const metric = s.objective?.metric ?? s.bestTrial!.metric!.name;
      assert.deepEqual(points.map((p) => (p.value === null ? undefined : Number(p.value))), s.trials.map((t) => t.metrics[metric]), `each point is the trial's ${metric}`);
      assert.deepEqual(points.filter((p) => p.best).map((p) => p.trial), [s.bestTrial!.trial], 'the best trial, and only it, is marked');
      // Higher is drawn higher (smaller y) whatever the goal.
      const valued = points.filter((p) => p.value !== null).sort((a, b) => Number(a.value) - Number(b.value));
      assert.ok(valued[0].cy > valued[valued.length - 1].cy, 'the y axis grows upwards');
      assert.equal(await tab.$eval(chart, (e) => e.getAttribute('role')), 'img');
      assert.match(await text(tab, `${chart} desc`), new RegExp(`${s.trials.length} trials`));
      const params = await tab.$$eval(`article.mls-step[data-step="${s.step}"] table.mls-params tbody tr`, (trs) => trs.map((tr) => [tr.getAttribute('data-parameter'), (tr.querySelector('td')?.textContent ?? '').trim()]));
      assert.deepEqual(params, Object.entries(s.bestTrial!.parameters).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]), 'best parameters');
    }
    await page.close();
  });

  test('keeps the earlier attempts of a stage job collapsed under its latest attempt', async () => {
    const { page, tab } = await openTab();
    const retried = stageJobs().filter((j) => j.earlier.length > 0);
    assert.ok(retried.length > 0, 'the fixtures have a stage job with an earlier attempt');
    for (const j of retried) {
      const latest = j.latest.results;
      const section = `section.mls-job[data-attempt="${latest.build.attempt}"]:has(article[data-step="${latest.primaryStep}"])`;
      const history = await tab.$eval(`${section} details.mls-history`, (d) => ({
        open: (d as HTMLDetailsElement).open,
        attempts: [...d.querySelectorAll('section.mls-attempt')].map((a) => ({
          attempt: a.getAttribute('data-attempt'),
          steps: [...a.querySelectorAll('tbody tr')].map((tr) => [tr.getAttribute('data-step'), tr.querySelector('.mls-badge')?.getAttribute('data-status')]),
        })),
      }));
      assert.equal(history.open, false, 'collapsed');
      assert.deepEqual(
        history.attempts,
        j.earlier.map((e) => ({ attempt: String(e.results.build.attempt), steps: shownSteps(e.results).map((s) => [s.step, s.status]) })),
        'each earlier attempt, newest first, with its steps',
      );
      // The overview shows the latest attempt only.
      const overview = await tab.$eval(`table.mls-overview tr[data-step="${latest.primaryStep}"] .mls-badge`, (e) => e.getAttribute('data-status'));
      assert.equal(overview, shownSteps(latest).find((s) => s.step === latest.primaryStep)!.status);
      await tab.click(`${section} details.mls-history > summary`);
      assert.equal(await tab.$eval(`${section} details.mls-history`, (d) => (d as HTMLDetailsElement).open), true, 'opens on click');
    }
    await page.close();
  });

  test('explains where the results come from when the build has none', async () => {
    const { page, tab } = await openTab({ build: BUILD_WITHOUT_RESULTS });
    assert.equal(await tab.$eval('.mls-empty', (e) => e.getAttribute('role')), 'status');
    assert.match(await text(tab, '.mls-empty'), /No ML step results in this build.*MLStepsRun@1.*mlsteps\.results/);
    assert.equal(await tab.$('table.mls-overview'), null);
    await page.close();
  });

  test('shows an error message, not a blank tab, when the attachments cannot be listed or read', async () => {
    const failing = await openTab({ build: BUILD_API_FAILS });
    assert.equal(await failing.tab.$eval('.mls-message', (e) => e.getAttribute('role')), 'alert');
    assert.match(await text(failing.tab, '.mls-message'), /Could not load the ML step results.*500.*VS402371/);
    assert.ok(((await failing.page.evaluate('window.hostLog.loadSucceeded')) as boolean), 'the host stops its spinner');
    await failing.page.close();

    const forbidden = await openTab({ build: BUILD_FORBIDDEN });
    assert.match(await text(forbidden.tab, '.mls-message[role="alert"]'), /403.*TF400813.*vso\.build scope/, 'a 403 says which scope the extension needs');
    await forbidden.page.close();

    const broken = await openTab({ build: BUILD_WITH_BROKEN_FILE });
    assert.match(await text(broken.tab, '.mls-message[role="alert"]'), /One results attachment could not be read:\s*e1f2a3b4-0000-4000-8000-000000000000\.1\.json: not JSON/);
    assert.equal((await broken.tab.$$('table.mls-overview tbody tr')).length, shownSteps(fixtures[0].results).length, 'the readable attachment still shows');
    await broken.page.close();
  });

  test('asks the build page data service for the build when the host does not hand it over', async () => {
    const { page, tab } = await openTab({ buildFrom: 'service' });
    const log = (await page.evaluate('window.hostLog')) as { calls: Array<{ methodName: string; params: unknown[] }> };
    assert.ok(log.calls.some((c) => c.methodName === 'getService' && c.params[0] === 'ms.vss-build-web.build-page-data-service'));
    assert.ok((await tab.$$('table.mls-overview tbody tr')).length > 0);
    await page.close();
  });

  test('wears the host\'s light and dark themes (screenshots for the docs)', async () => {
    mkdirSync(IMAGES, { recursive: true });
    const colors: Record<string, { background: string; text: string }> = {};
    for (const theme of ['light', 'dark'] as const) {
      const { page, tab } = await openTab({ theme });
      colors[theme] = await tab.evaluate(() => ({ background: getComputedStyle(document.body).backgroundColor, text: getComputedStyle(document.body).color }));
      // Light: the top of the tab (the steps of the build); dark: a sweep, trial by trial.
      // (Scrolling the tab's own document only: scrollIntoView would scroll the host page too.)
      if (theme === 'dark') await tab.$eval('section.mls-job:has(svg.mls-chart)', (e) => window.scrollTo(0, (e as HTMLElement).offsetTop - 12));
      await page.screenshot({ path: path.join(IMAGES, `results-tab-${theme}.png`) });
      await page.close();
    }
    assert.equal(colors.light.background, 'rgb(255, 255, 255)');
    assert.equal(colors.dark.background, 'rgb(32, 31, 30)', 'the dark theme\'s background, from the host\'s theme data');
    assert.match(colors.dark.text, /^rgba\(255, 255, 255, 0\.9\)$/);
  });
});
