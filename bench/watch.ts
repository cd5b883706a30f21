// DESIGN §7 "log streaming: bytes fetched ≤ 1.05 × log size" and "polling: ≤ 500 status reads per
// job-hour", against the emulator (tests/emulator, DESIGN §6) in this process, with the Azure ML
// backend's own watchJob (src/backends/azureml/watch.ts), as tests/azureml-watch.test.ts checks them.
//
// - Log streaming: a job writes 10 MB of log (2,000 lines of 5,000 bytes over 4 s of Running);
//   watchJob streams it (status every 100 ms doubling to 400 ms) with ranged reads. Measured: the
//   bytes it fetched over the log's size (one whole read afterwards). The peer: `az ml` cannot be
//   installed here, so its way of following logs, which DESIGN §7 names ("re-downloads whole files
//   each poll"), runs beside watchJob on the same job, re-implemented: every 400 ms (watchJob's
//   longest pause here) it reads the run's details and downloads each log file whole.
// - Polling: a job Running for one simulated hour (time scaled 1,000 ×: 3.6 s), watched with the
//   default back-off (2 s doubling to 60 s, scaled); status reads per simulated job-hour. No peer
//   figure: `az ml job stream` polls on its own schedule, which cannot be measured here.
import { Agent } from 'node:https';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createDefaultHttpClient, createPipelineRequest, type HttpClient } from '@azure/core-rest-pipeline';
import { ArmClient, Context, LogStreamer, TERMINAL, submitPlan, watchJob, type Target } from '../src/backends/azureml';
import { planProject } from '../src/plan';
import { startEmulator } from '../tests/emulator';
import { BenchError, type Log, type Row, seconds } from './lib';

export const name = 'azureml watch';

const FAST_RETRY = { maxRetries: 4, retryDelayInMs: 20, maxRetryDelayInMs: 200 };
const LOG_LINES = 2_000;
const LOG_LINE_BYTES = 5_000;
const LOG_RUNNING_MS = 4_000;
const PEER_POLL_MS = 400;
const LOG_BUDGET_RATIO = 1.05;
const TIME_SCALE = 1_000;
const POLL_BUDGET_PER_HOUR = 500;

export async function run(log: Log): Promise<Row[]> {
  const em = await startEmulator({ computeProvisionMs: 50 });
  const work = mkdtempSync(path.join(os.tmpdir(), 'mlsteps-bench-watch-'));
  try {
    const agent = new Agent({ ca: em.caCertPem, keepAlive: true });
    const base = createDefaultHttpClient();
    const httpClient: HttpClient = { sendRequest: (request) => base.sendRequest(Object.assign(request, { agent: request.url.startsWith('https:') ? agent : request.agent })) };
    const credential = { getToken: async () => ({ token: em.issueToken(), expiresOnTimestamp: Date.now() + 3_600_000 }) };
    const target: Target = { subscriptionId: em.ids.subscriptionId, resourceGroup: em.ids.resourceGroup, workspace: em.ids.workspace, armEndpoint: em.armEndpoint, armAudience: em.armAudience, authorityHost: em.authorityHost };
    const context = () => new Context(new ArmClient(credential, target, { retry: FAST_RETRY, httpClient }), {});
    const submit = async (step: string): Promise<string> => {
      const { plan, error } = await planProject(writeProject(work, step), {});
      if (!plan) throw new BenchError(`the watch benchmark's project does not plan: ${error?.message ?? 'validation failed'}`);
      const result = await submitPlan(plan, target, { credential, retry: FAST_RETRY, httpClient, createCompute: true, pollIntervalMs: 50 });
      const s = result.steps[0];
      if (s?.outcome !== 'ok' || !s.jobName) throw new BenchError(`submitting ${step} to the emulator failed: ${s?.reason ?? 'no step'}`);
      return s.jobName;
    };

    // Log streaming: watchJob and the whole-file peer follow the same job.
    const line = (i: number) => `step ${String(i).padStart(7, '0')} ${'x'.repeat(LOG_LINE_BYTES - 14)}`;
    em.jobs.script(/^mlsteps-chatty-/, { logLines: Array.from({ length: LOG_LINES }, (_, i) => line(i)), durations: { Running: LOG_RUNNING_MS } });
    const chatty = await submit('chatty');
    log(`${name}: ${chatty}: ${LOG_LINES} log lines of ${LOG_LINE_BYTES} bytes over ${seconds(LOG_RUNNING_MS / 1000)}, watchJob and the whole-file peer together`);
    let lines = 0;
    const [watched, peer] = await Promise.all([
      watchJob(context(), chatty, { pollMinMs: 100, pollMaxMs: PEER_POLL_MS, onLogLine: (file) => void (file === 'user_logs/std_log.txt' && lines++) }),
      wholeFilePeer(context(), chatty, httpClient),
    ]);
    if (watched.status !== 'Completed' || lines !== LOG_LINES) throw new BenchError(`watchJob on ${chatty}: ${watched.status}, ${lines} of ${LOG_LINES} log lines`);
    const whole = new LogStreamer(context(), chatty, {});
    await whole.poll();
    const logSize = whole.bytesFetched;
    if (logSize < LOG_LINES * LOG_LINE_BYTES) throw new BenchError(`the job's logs hold ${logSize} bytes, fewer than the ${LOG_LINES * LOG_LINE_BYTES} it wrote`);
    const ratio = watched.logBytesFetched / logSize;
    const peerRatio = peer.bytes / logSize;

    // Polling: one simulated hour, default back-off.
    em.jobs.script(/^mlsteps-hour-/, { durations: { Running: 3_600_000 / TIME_SCALE }, logLines: ['start', 'end'] });
    const hour = await submit('hour');
    log(`${name}: ${hour}: one simulated hour of Running (time scaled ${TIME_SCALE} ×), default back-off`);
    const polled = await watchJob(context(), hour, { timeScale: TIME_SCALE });
    if (polled.status !== 'Completed') throw new BenchError(`watchJob on ${hour}: ${polled.status}`);
    const hours = (polled.durationMs * TIME_SCALE) / 3_600_000;
    const perHour = polled.statusReads / hours;
    const bad = em.specErrors();
    if (bad.length > 0) throw new BenchError(`requests failed the emulator's spec validation: ${bad.map((r) => `${r.method} ${r.path}`).join(', ')}`);

    const mb = (n: number) => `${(n / 1e6).toFixed(2)} MB`;
    return [
      {
        what: `log streaming: watchJob follows a job writing ${mb(logSize)} of log over ${seconds(LOG_RUNNING_MS / 1000)} (ranged reads; emulator + Azurite, in process)`,
        measured: `${ratio.toFixed(4)} × (${mb(watched.logBytesFetched)} fetched in ${watched.detailsReads} details reads; every line once, in order)`,
        budget: `≤ ${LOG_BUDGET_RATIO.toFixed(2)} ×`,
        pass: ratio <= LOG_BUDGET_RATIO,
      },
      {
        what: `peer: whole-file re-download each poll (how DESIGN §7 says \`az ml\` follows logs; re-implemented here, every ${PEER_POLL_MS} ms on the same job)`,
        // Whole-file reads cost about (polls while the log grows) ÷ 2 times the log: a longer job costs more.
        measured: `${peerRatio.toFixed(1)} × (${mb(peer.bytes)} fetched in ${peer.polls} polls of this ${seconds(LOG_RUNNING_MS / 1000)} job; grows with the number of polls)`,
        budget: '—',
      },
      {
        what: `polling: status reads per job-hour, one simulated hour of Running (time scaled ${TIME_SCALE.toLocaleString('en-US')} ×), default back-off 2 s doubling to 60 s`,
        measured: `${perHour.toFixed(0)} per job-hour (${polled.statusReads} reads in ${hours.toFixed(2)} simulated hours); no peer figure (az ml's schedule cannot be measured here)`,
        budget: `≤ ${POLL_BUDGET_PER_HOUR}`,
        pass: perHour <= POLL_BUDGET_PER_HOUR && hours >= 1,
      },
    ];
  } finally {
    await em.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

/** The whole-file strategy: each poll reads the run's details and downloads every log file whole. */
async function wholeFilePeer(ctx: Context, job: string, httpClient: HttpClient): Promise<{ bytes: number; polls: number }> {
  const details = new LogStreamer(ctx, job, {});
  let bytes = 0;
  let polls = 0;
  for (;;) {
    const d = await details.details();
    polls++;
    for (const url of Object.values(d?.logFiles ?? {})) {
      // Azurite serves plain HTTP on 127.0.0.1 (the product's reader allows it the same way).
      const res = await httpClient.sendRequest(createPipelineRequest({ url, method: 'GET', allowInsecureConnection: true }));
      if (res.status === 200) bytes += Buffer.byteLength(res.bodyAsText ?? '');
    }
    if (d?.status && TERMINAL.has(d.status)) return { bytes, polls };
    await new Promise((r) => setTimeout(r, PEER_POLL_MS));
  }
}

/** A one-step project (the step named `step`), as tests/azureml-watch.test.ts writes it. */
function writeProject(work: string, step: string): string {
  const dir = path.join(work, step);
  mkdirSync(path.join(dir, 'runconfigs'), { recursive: true });
  mkdirSync(path.join(dir, 'src'), { recursive: true });
  writeFileSync(path.join(dir, 'mlsteps.yml'), 'runconfigs: [runconfigs/*.yml]\nexperiment_name: watch\ncomputes:\n  cpu: {type: amlcompute, size: Standard_DS3_v2, max_instances: 1}\nenvironments:\n  py: {conda_file: env.yml}\n');
  writeFileSync(path.join(dir, 'env.yml'), 'name: py\nchannels: [conda-forge]\ndependencies:\n  - python=3.10\n');
  writeFileSync(path.join(dir, 'src', 'train.py'), `print("${step}")\n`);
  writeFileSync(path.join(dir, 'runconfigs', `${step}.yml`), `name: ${step}\ncode: ../src\ncommand: python train.py\nenvironment: py\ncompute: cpu\n`);
  return dir;
}
