// DESIGN §7 "unchanged re-run, from task start to job submitted, 50 ms per request: ≤ 1.0 s and
// ≤ 10 requests, 0 bytes uploaded, no environment PUT", and the cold submission for reference.
//
// Against the emulator (tests/emulator, DESIGN §6) with 50 ms added to every request it answers
// (ARM, Entra ID; not Azurite's blob storage), the whole CLI process
//
//   node bin/mlsteps.js run samples/credit-risk --step data_preparation_subset --backend azureml --no-wait
//     --subscription … --resource-group ml-rg --workspace ml-ws --arm-endpoint … --arm-audience … --authority-host …
//
// signs in with DefaultAzureCredential (AZURE_CLIENT_ID/SECRET/TENANT_ID, AZURE_AUTHORITY_HOST, the
// emulator's CA through NODE_EXTRA_CA_CERTS), as a pipeline stage would. The step's compute exists
// (created before the first run: a workspace's clusters usually do, and mlsteps never changes them).
//
// - Cold: a fresh emulator, nothing registered: the environment and the code snapshot are
//   registered, the snapshot uploaded to Azurite. One run per fresh emulator.
// Submitted jobs are scripted to stay NotStarted, so nothing but the client writes to Azurite.
//
// - Unchanged re-run: after a cold run, the same step for a new build id (so a new job is
//   submitted; environment and code are reused). Counted: the requests the emulator saw (by
//   operationId), blobs written to Azurite (new blobs or changed ETags, from listings of every
//   container before and after: the emulator's request log does not include Azurite), and
//   EnvironmentVersions_CreateOrUpdate requests.
//
// The emulator runs in this process, so each CLI run is spawned asynchronously (spawnSync would
// block the emulator's event loop).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import * as path from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { amlComputeBody } from '../src/backends/azureml/compute';
import { startEmulator, type Emulator, type RecordedRequest } from '../tests/emulator';
import { BenchError, type Log, type ProcessRun, projectRoot, type Row, describeRuns, runStats, seconds } from './lib';

const CLI = path.join(projectRoot, 'bin', 'mlsteps.js');
const SAMPLE = 'samples/credit-risk';
/** A command step whose inputs are a dataset (no upstream job, no sweep's best parameter). */
const STEP = 'data_preparation_subset';
/** Its compute, as the sample's catalog describes it (created before the first run). */
const COMPUTE = { name: 'small-aml-compute', spec: { type: 'amlcompute' as const, size: 'Standard_DS3_v2', min_instances: 0, max_instances: 2 } };
const LATENCY_MS = 50;
const BUDGET_SECONDS = 1.0;
const BUDGET_REQUESTS = 10;
/** Cold runs, each on a fresh emulator; the first emulator then serves the re-runs. */
const COLD_RUNS = 3;
const RERUNS = 5;

export const name = 'azureml submission';

interface Measured {
  run: ProcessRun;
  requests: RecordedRequest[];
  blobsWritten: number;
  bytesWritten: number;
  /** Time at least one request was being answered by the emulator (union of their intervals). */
  inFlight: number;
}

export async function run(log: Log): Promise<Row[]> {
  const cold: Measured[] = [];
  const reruns: Measured[] = [];
  for (let i = 0; i < COLD_RUNS; i++) {
    const em = await startEmulator({ latencyMs: LATENCY_MS, computeProvisionMs: 0 });
    try {
      // Submitted jobs stay queued: a running job's logs would be written to Azurite (and counted as
      // uploads) and its timers would compete with the runs measured.
      em.jobs.script('*', { durations: { NotStarted: 10 * 60_000 } });
      await createCompute(em);
      const m = await submit(em, `bench-cold-${i + 1}`);
      log(`${name}: cold submission ${i + 1}/${COLD_RUNS} (fresh emulator): ${seconds(m.run.wall)}, ${m.requests.length} requests, ${m.blobsWritten} blobs (${bytes(m.bytesWritten)}) written`);
      if (i === 0) log(`${name}: cold requests: ${listRequests(m.requests)}`);
      cold.push(m);
      if (i === 0) {
        for (let r = 0; r < RERUNS; r++) {
          const again = await submit(em, `bench-rerun-${r + 1}`);
          log(`${name}: unchanged re-run ${r + 1}/${RERUNS}: ${seconds(again.run.wall)}, ${again.requests.length} requests, ${again.blobsWritten} blobs written, in flight ${seconds(again.inFlight)}`);
          reruns.push(again);
        }
        log(`${name}: re-run requests: ${listRequests(reruns[0].requests)}`);
      }
      const bad = em.specErrors();
      if (bad.length > 0) throw new BenchError(`requests failed the emulator's spec validation: ${bad.map((r) => `${r.method} ${r.path}: ${r.specErrors.map((e) => `${e.path} ${e.message}`).join('; ')}`).join('\n')}`);
    } finally {
      await em.stop();
    }
  }

  const re = runStats(reruns.map((m) => m.run));
  const requestCounts = reruns.map((m) => m.requests.length);
  const maxRequests = Math.max(...requestCounts);
  const envPuts = Math.max(...reruns.map((m) => countOp(m.requests, 'EnvironmentVersions_CreateOrUpdate')));
  const codePuts = Math.max(...reruns.map((m) => countOp(m.requests, 'CodeVersions_CreateOrUpdate')));
  const maxBytes = Math.max(...reruns.map((m) => m.bytesWritten));
  const maxBlobs = Math.max(...reruns.map((m) => m.blobsWritten));
  const inFlight = runMedian(reruns.map((m) => m.inFlight));
  const coldStats = runStats(cold.map((m) => m.run));
  const coldRequests = cold.map((m) => m.requests.length);

  const command = `\`mlsteps run ${SAMPLE} --step ${STEP} --backend azureml --no-wait\``;
  return [
    {
      what: `unchanged re-run, task start to job submitted: ${command}, new build id, ${LATENCY_MS} ms per request (whole process)`,
      measured: `${describeRuns(re.wall, re.cpu)}; requests in flight ${seconds(inFlight)} of it`,
      budget: `≤ ${seconds(BUDGET_SECONDS)} wall`,
      pass: re.wall.median <= BUDGET_SECONDS,
    },
    {
      what: 'unchanged re-run: requests to ARM and Entra ID',
      measured: `${range(requestCounts)}: ${listRequests(reruns[0].requests)}`,
      budget: `≤ ${BUDGET_REQUESTS}`,
      pass: maxRequests <= BUDGET_REQUESTS,
    },
    {
      what: 'unchanged re-run: bytes uploaded to blob storage (Azurite: blobs new or with a new ETag)',
      measured: `${bytes(maxBytes)} (${maxBlobs} blobs written); ${codePuts} code version${codePuts === 1 ? '' : 's'} registered`,
      budget: '0 bytes',
      pass: maxBytes === 0 && maxBlobs === 0,
    },
    {
      what: 'unchanged re-run: environment PUTs (EnvironmentVersions_CreateOrUpdate)',
      measured: String(envPuts),
      budget: 'none',
      pass: envPuts === 0,
    },
    {
      what: `reference: cold submission, same command, fresh emulator (nothing registered; the compute exists), ${LATENCY_MS} ms per request`,
      measured:
        `${describeRuns(coldStats.wall, coldStats.cpu, { p90: false })}; requests in flight ${seconds(runMedian(cold.map((m) => m.inFlight)))}; ` +
        `${range(coldRequests)}: ${listRequests(cold[0].requests)}; ${cold[0].blobsWritten} blobs (${bytes(cold[0].bytesWritten)}) uploaded; ` +
        `${countOp(cold[0].requests, 'EnvironmentVersions_CreateOrUpdate')} environment PUT`,
      budget: '—',
    },
  ];
}

/** One CLI submission of STEP for `buildId`, with what it cost. */
async function submit(em: Emulator, buildId: string): Promise<Measured> {
  const blobsBefore = await listBlobs(em);
  const first = em.requests.length;
  // Only the variables of this run: no AZURE_*, SYSTEM_* or BUILD_* of the machine running the bench.
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(AZURE_|SYSTEM_|IDENTITY_|MSI_|BUILD_|MLSTEPS_)/.test(k)));
  const env = { ...base, ...em.env('secret'), BUILD_BUILDID: buildId };
  const args = [
    CLI, 'run', SAMPLE, '--step', STEP, '--backend', 'azureml', '--no-wait',
    '--subscription', em.ids.subscriptionId, '--resource-group', em.ids.resourceGroup, '--workspace', em.ids.workspace,
    '--arm-endpoint', em.armEndpoint, '--arm-audience', em.armAudience, '--authority-host', em.authorityHost,
  ];
  const r = await timeProcessAsync(process.execPath, args, { cwd: projectRoot, env });
  const requests = em.requests.slice(first);
  const jobLine = new RegExp(`✓ ${STEP} submitted mlsteps-${STEP}-${buildId}-[0-9a-f]{8}`);
  if (r.status !== 0 || !jobLine.test(r.stdout)) {
    throw new BenchError(`mlsteps run --backend azureml (build ${buildId}) exited ${r.status} without submitting ${STEP}:\n${r.stdout}${r.stderr}\nrequests: ${listRequests(requests)}`);
  }
  const blobsAfter = await listBlobs(em);
  let blobsWritten = 0;
  let bytesWritten = 0;
  for (const [key, after] of blobsAfter) {
    const before = blobsBefore.get(key);
    if (!before || before.etag !== after.etag) {
      blobsWritten++;
      bytesWritten += after.size;
    }
  }
  return { run: r, requests, blobsWritten, bytesWritten, inFlight: busyTime(requests) };
}

/** Every blob of the Azurite account: container/name → ETag and size. */
async function listBlobs(em: Emulator): Promise<Map<string, { etag: string; size: number }>> {
  const service = BlobServiceClient.fromConnectionString(em.blob.connectionString);
  const out = new Map<string, { etag: string; size: number }>();
  for await (const container of service.listContainers()) {
    for await (const blob of service.getContainerClient(container.name).listBlobsFlat({ includeMetadata: true })) {
      out.set(`${container.name}/${blob.name}`, { etag: blob.properties.etag ?? '', size: blob.properties.contentLength ?? 0 });
    }
  }
  return out;
}

/** The step's compute, PUT as mlsteps would create it from the catalog (ready at once: computeProvisionMs 0). */
async function createCompute(em: Emulator): Promise<void> {
  const url = new URL(`${em.armEndpoint}/subscriptions/${em.ids.subscriptionId}/resourceGroups/${em.ids.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${em.ids.workspace}/computes/${COMPUTE.name}?api-version=2022-10-01`);
  const data = JSON.stringify(amlComputeBody(COMPUTE.spec, em.ids.location));
  const status = await new Promise<number>((resolve, reject) => {
    const req = request(url, { method: 'PUT', ca: em.caCertPem, headers: { authorization: `Bearer ${em.issueToken()}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(data);
  });
  if (status !== 200 && status !== 201) throw new BenchError(`creating compute ${COMPUTE.name} in the emulator answered ${status}`);
}

/** Like lib's timeProcess, without blocking this process's event loop (the emulator runs in it). */
function timeProcessAsync(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<ProcessRun> {
  return new Promise((resolve, reject) => {
    const cpuBefore = childrenCpuSeconds();
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new BenchError(`${command} ${args.join(' ')}: ${err.message}`));
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      const wall = Number(process.hrtime.bigint() - started) / 1e9;
      const cpuAfter = childrenCpuSeconds();
      resolve({ wall, cpu: cpuBefore !== undefined && cpuAfter !== undefined ? cpuAfter - cpuBefore : undefined, status, stdout, stderr });
    });
  });
}

/** cutime + cstime of this process (Linux): the CPU time of reaped children, seconds. */
function childrenCpuSeconds(): number | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return undefined;
  }
}

/** The union of the requests' [start, start + duration] intervals, seconds. */
function busyTime(requests: readonly RecordedRequest[]): number {
  const spans = requests.map((r) => [Date.parse(r.time), Date.parse(r.time) + r.durationMs] as const).sort((a, b) => a[0] - b[0]);
  let total = 0;
  let end = -Infinity;
  for (const [s, e] of spans) {
    if (s >= end) {
      total += e - s;
      end = e;
    } else if (e > end) {
      total += e - end;
      end = e;
    }
  }
  return total / 1000;
}

function countOp(requests: readonly RecordedRequest[], operationId: string): number {
  return requests.filter((r) => r.operationId === operationId).length;
}

/** "Entra_Token, Workspaces_Get, Jobs_Get 404, …" in the order sent; repeats as "×n". */
function listRequests(requests: readonly RecordedRequest[]): string {
  const names = requests.map((r) => `${r.operationId ?? `${r.method} ${r.path}`}${r.status >= 300 ? ` ${r.status || 'reset'}` : ''}`);
  const out: string[] = [];
  for (let i = 0; i < names.length; ) {
    let j = i;
    while (j < names.length && names[j] === names[i]) j++;
    out.push(j - i > 1 ? `${names[i]} ×${j - i}` : names[i]);
    i = j;
  }
  return out.join(', ');
}

function range(counts: readonly number[]): string {
  const min = Math.min(...counts);
  const max = Math.max(...counts);
  return `${min === max ? min : `${min}–${max}`} requests${counts.length > 1 ? ` (${counts.length} runs)` : ''}`;
}

function runMedian(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
