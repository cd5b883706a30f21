// The acceptance run of MLStepsRun@1: the sample's generated pipeline (samples/credit-risk/
// azure-pipelines.yml), stage by stage as Azure Pipelines would run a build of main, each job's
// MLStepsRun@1 step run as the agent runs it (the bundle as a child process with INPUT_*,
// ENDPOINT_*, SYSTEM_*, BUILD_*, AGENT_*), against the emulator with every job's script executed
// (code snapshot from Azurite, Python here, outputs written back to Azurite). Then a re-run of the
// train stage (System.JobAttempt 2). The results attachments it produces are the fixtures of the
// build results tab (tests/fixtures/results/; MLSTEPS_UPDATE_FIXTURES=1 rewrites them).
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { parse } from 'yaml';
import { startEmulator, type Emulator } from './emulator';
import { armPut } from './helpers/emulator-arm';
import { emulatorConnectionEnv } from './helpers/emulator-connection';
import { projectRoot } from './helpers/fixtures';
import { pythonWith } from './helpers/local';
import type { LoggingCommand } from './helpers/logging-commands';
import { assertNoSecrets } from './helpers/secret-scan';
import { agentEnv, runTaskBundle, stackTraceLines, type TaskRun } from './helpers/task-runner';
import { amlComputeBody, SDK_API_VERSION } from '../src/backends/azureml';
import type { ComputeSpec } from '../src/model/project';
import type { RunResults } from '../tasks/MLStepsRunV1/results';

const SAMPLE = path.join(projectRoot, 'samples', 'credit-risk');
const FIXTURES = path.join(projectRoot, 'tests', 'fixtures', 'results');
const BUILD_ID = '20261126';

interface PipelineJob {
  stage: string;
  job: string;
  inputs: Record<string, string>;
}

/** The MLStepsRun@1 steps of the generated pipeline, stage by stage. */
function pipelineJobs(): PipelineJob[][] {
  const doc = parse(readFileSync(path.join(SAMPLE, 'azure-pipelines.yml'), 'utf8')) as { stages: { stage: string; jobs: { job: string; steps: { task: string; inputs: Record<string, unknown> }[] }[] }[] };
  return doc.stages
    .map((stage) =>
      stage.jobs.flatMap((job) =>
        job.steps.filter((s) => s.task === 'MLStepsRun@1').map((s) => ({ stage: stage.stage, job: job.job, inputs: Object.fromEntries(Object.entries(s.inputs).map(([k, v]) => [k, String(v)])) })),
      ),
    )
    .filter((jobs) => jobs.length > 0);
}

let em: Emulator;
let root: string;
let sources: string;
let staging: string;
const runs = new Map<string, { run: TaskRun; results: RunResults; attachment: string }>();

before(async () => {
  // The compute's image: a Python with the sample's packages (.ci/run installs Debian's).
  const python = pythonWith(['pandas', 'sklearn', 'matplotlib']);
  assert.ok(python, 'a Python with pandas, scikit-learn and matplotlib (apt-get install python3-pandas python3-sklearn python3-matplotlib)');
  em = await startEmulator({ jobMode: 'executed', computeProvisionMs: 20, python });
  root = realpathSync.native(mkdtempSync(path.join(os.tmpdir(), 'mlsteps-sample-build-')));
  sources = path.join(root, 's');
  staging = path.join(root, 'a');
  cpSync(SAMPLE, path.join(sources, 'samples', 'credit-risk'), { recursive: true, filter: (f) => !f.includes(`${path.sep}.mlsteps`) });
  // The datasets' cloud copies, where mlsteps.yml says they are (workspaceblobstore is Azurite's container).
  const container = new BlobServiceClient(em.blob.endpoint, new StorageSharedKeyCredential(em.blob.accountName, em.blob.accountKey)).getContainerClient(em.blob.container);
  for (const f of readdirSync(path.join(SAMPLE, 'data', 'full'))) await container.getBlockBlobClient(`credit/full/${f}`).uploadFile(path.join(SAMPLE, 'data', 'full', f));
  await container.getBlockBlobClient('credit/subset.csv').uploadFile(path.join(SAMPLE, 'data', 'subset.csv'));
  // The workspace's compute clusters, as its admins made them (the pipeline does not create computes).
  const catalog = (parse(readFileSync(path.join(SAMPLE, 'mlsteps.yml'), 'utf8')) as { computes: Record<string, ComputeSpec> }).computes;
  for (const [name, spec] of Object.entries(catalog)) {
    if (spec.type !== 'amlcompute') continue;
    assert.equal(await armPut(em, `/computes/${name}`, SDK_API_VERSION, { location: em.ids.location, properties: amlComputeBody(spec, em.ids.location).properties }), 201, `compute ${name} created`);
  }
});

after(async () => {
  await em?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

/** One job of the build: the task with the pipeline's inputs, its variables resolved as the agent would. */
async function runJob(j: PipelineJob, attempt: number): Promise<TaskRun> {
  const tempDir = path.join(root, `_temp-${j.job}-${attempt}`);
  mkdirSync(tempDir, { recursive: true });
  const variables: Record<string, string> = { resourceGroup: em.ids.resourceGroup, workspace: em.ids.workspace };
  const inputs = Object.fromEntries(
    Object.entries(j.inputs).map(([k, v]) => [k, v.replace('${{ parameters.azureSubscription }}', em.ids.serviceConnectionId).replace(/\$\((\w+)\)/g, (_m, name: string) => variables[name] ?? _m)]),
  );
  // What a user adds: the outputs into the artifact staging folder, to publish; gates on the models.
  inputs.downloadOutputs = path.join(staging, 'ml');
  if (GATES[j.job]) inputs.gate = GATES[j.job];
  const env = agentEnv({
    sourcesDir: sources,
    tempDir,
    inputs,
    variables: {
      'Build.BuildId': BUILD_ID,
      'Build.SourceVersion': 'fedcba9876543210fedcba9876543210fedcba98',
      'Build.Repository.Name': 'contoso/credit',
      'Build.SourceBranch': 'refs/heads/main',
      'Build.Reason': 'IndividualCI',
      'Build.ArtifactStagingDirectory': staging,
      'System.JobAttempt': String(attempt),
      'System.JobId': jobId(j.job),
      'System.StageName': j.stage,
      'System.JobName': j.job,
    },
  });
  Object.assign(env, emulatorConnectionEnv(em, 'pipelines'));
  return runTaskBundle('MLStepsRunV1', env, sources, { timeoutMs: 240_000 });
}

function record(j: PipelineJob, attempt: number, run: TaskRun): void {
  const attach = run.commands.find((c) => c.command === 'task.addattachment');
  assert.ok(attach, `${j.job}: a results attachment\n${run.stdout}${run.stderr}`);
  assert.equal(attach.properties.type, 'mlsteps.results');
  assert.match(attach.properties.name, new RegExp(`\\.${attempt}\\.json$`), 'the attachment is named per attempt');
  const results = JSON.parse(readFileSync(attach.message, 'utf8')) as RunResults;
  runs.set(`${j.job}#${attempt}`, { run, results, attachment: attach.properties.name });
}

const GATES: Record<string, string> = { sklearn_subset: 'auc >= 0.75', sklearn_full: 'auc >= 0.7 and accuracy >= 0.7' };

/** The agent's job id: a GUID, stable per job name (the same job in every attempt). */
const jobId = (job: string) => createHash('sha1').update(job).digest('hex').slice(0, 32).replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-');

const outputsOf = (r: TaskRun) => Object.fromEntries(r.commands.filter((c) => c.command === 'task.setvariable' && c.properties.isOutput === 'true').map((c) => [c.properties.variable, c.message]));
const commandsNamed = (r: TaskRun, name: string): LoggingCommand[] => r.commands.filter((c) => c.command === name);

test('a build of main: every MLStepsRun@1 job of the generated pipeline, stage by stage, with the scripts executed', { timeout: 900_000 }, async () => {
  const stages = pipelineJobs();
  assert.deepEqual(stages.map((s) => s[0].stage), ['prep', 'profile', 'validate_step', 'tune', 'train']);
  for (const jobs of stages) {
    // The jobs of a stage run side by side, as on several agents.
    const done = await Promise.all(jobs.map(async (j) => ({ j, run: await runJob(j, 1) })));
    for (const { j, run } of done) record(j, 1, run);
  }

  for (const [key, { run, results }] of runs) {
    const job = key.split('#')[0];
    assert.deepEqual(stackTraceLines(run.stdout + run.stderr), [], `${job}: no stack trace`);
    assert.equal(results.primaryStep, job);
    assert.deepEqual(commandsNamed(run, 'build.addbuildtag').map((c) => c.message), ['mlsteps'], `${job}: the build is tagged`);
    assert.equal(commandsNamed(run, 'task.uploadsummary').length, 1, `${job}: a summary`);
    const summary = readFileSync(commandsNamed(run, 'task.uploadsummary')[0].message, 'utf8');
    assert.match(summary, new RegExp(`\\| ${job} \\| \\[${results.steps.find((s) => s.step === job)!.jobName}\\]\\(https://ml\\.azure\\.com/runs/`), `${job}: the summary links the job to Azure ML studio`);
    const progress = commandsNamed(run, 'task.setprogress').map((c) => Number(c.properties.value));
    assert.ok(progress.length >= 2 && progress.at(-1) === 100, `${job}: progress up to 100 %: ${progress.join(', ')}`);
    assert.equal(run.stdout.split('##[group]').length, run.stdout.split('##[endgroup]').length, `${job}: every log group is closed`);
  }

  // Every step but the PyTorch one completed: the emulator's compute has no PyTorch / ONNX Runtime.
  const expectSucceeded = ['data_preparation', 'data_preparation_subset', 'data_profiling', 'data_validation', 'sklearn_subset', 'sklearn_full'];
  for (const job of expectSucceeded) {
    const { run, results } = runs.get(`${job}#1`)!;
    assert.equal(run.result?.result, 'Succeeded', `${job}: ${run.result?.message}\n${run.stdout.slice(-3000)}`);
    const out = outputsOf(run);
    const step = results.steps.find((s) => s.step === job)!;
    assert.equal(out.status, 'Completed');
    assert.equal(out.jobName, step.jobName);
    assert.equal(out.studioUrl, step.studioUrl);
    assert.equal(step.status, 'Completed');
    assert.ok((step.durationMs ?? 0) > 0, `${job}: a duration`);
    assert.ok(step.compute, `${job}: its compute`);
    assert.match(run.stdout, new RegExp(`##\\[group\\]${job}: user_logs/std_log.txt`), `${job}: its log, streamed in a group`);
    for (const [name, value] of Object.entries(step.metrics ?? {})) assert.equal(Number(out[`metrics.${name}`]), value, `${job}: metrics.${name}`);
    // Named outputs, downloaded where the user asked.
    for (const o of step.outputs ?? []) {
      assert.equal(o.error, undefined, `${job}: output ${o.name}: ${o.error}`);
      assert.ok((o.files ?? 0) > 0 && existsSync(path.join(staging, 'ml', o.path!)), `${job}: output ${o.name} downloaded`);
    }
  }

  // Preparation ran its script (PySpark absent: on pandas) and wrote what later stages read.
  const prep = runs.get('data_preparation#1')!;
  assert.match(prep.run.stdout, /pyspark is not installed: preparing on pandas instead/);
  assert.match(prep.run.stdout, /wrote \d+ training and \d+ test rows/);
  assert.ok(statSync(path.join(staging, 'ml', 'data_preparation', 'prepared', 'train.csv')).size > 0);
  // Validation and profiling read the prepared data and reported on it.
  assert.match(runs.get('data_validation#1')!.run.stdout, /validation passed: \d+ rules/);

  // The sweep: every trial with its parameters and AUC, the best one marked, its parameters used by sklearn_full.
  const tune = runs.get('sklearn_subset#1')!;
  const sweep = tune.results.steps.find((s) => s.step === 'sklearn_subset')!;
  assert.equal(sweep.type, 'sweep');
  assert.deepEqual(sweep.objective, { metric: 'auc', goal: 'maximize' });
  assert.ok(sweep.trials && sweep.trials.length >= 2, `trials: ${JSON.stringify(sweep.trials)}`);
  for (const t of sweep.trials) {
    assert.equal(t.status, 'Completed');
    assert.deepEqual(Object.keys(t.parameters).sort(), ['C', 'penalty']);
    assert.ok(t.metrics.auc > 0.5 && t.metrics.auc <= 1, `trial ${t.name}: auc ${t.metrics.auc}`);
  }
  const bestAuc = Math.max(...sweep.trials.map((t) => t.metrics.auc));
  assert.equal(sweep.bestTrial?.metric?.value, bestAuc, 'the best trial has the highest AUC');
  assert.ok(sweep.trials.some((t) => t.name === sweep.bestTrial?.trial));
  assert.equal(Number(outputsOf(tune.run)['metrics.auc']), sweep.metrics?.auc);
  const tuneSummary = readFileSync(commandsNamed(tune.run, 'task.uploadsummary')[0].message, 'utf8');
  assert.match(tuneSummary, /\*\*Best trial of sklearn_subset\*\*/);
  assert.deepEqual(tune.results.gate && { expression: tune.results.gate.expression, passed: tune.results.gate.passed }, { expression: 'auc >= 0.75', passed: true }, 'the gate on the sweep is its best trial\'s AUC');
  const full = runs.get('sklearn_full#1')!;
  assert.equal(full.results.gate?.passed, true);
  assert.deepEqual(full.results.gate?.checks.map((c) => c.metric), ['auc', 'accuracy']);
  assert.match(full.run.result!.message, /gate/i);
  const bestC = sweep.bestTrial!.parameters.C;
  const job = em.jobs.get(full.results.steps.find((s) => s.step === 'sklearn_full')!.jobName!)!;
  assert.match(String(job.command), new RegExp(`--C ${bestC} --penalty ${sweep.bestTrial!.parameters.penalty}`), `sklearn_full ran with the best parameters: ${job.command}`);
  for (const upstream of ['data_preparation', 'sklearn_subset']) {
    assert.equal(full.results.steps.find((s) => s.step === upstream)?.action, 'reused', `sklearn_full reuses ${upstream}'s job of this build`);
  }

  // The PyTorch step: its job ran and failed; the task fails with the job's error and its last log lines.
  const torch = runs.get('fullmodel_step#1')!;
  assert.equal(torch.run.result?.result, 'Failed');
  assert.match(torch.run.result!.message, /fullmodel_step: job \S+ ended Failed/);
  assert.match(torch.run.stdout, /Last \d+ lines? of fullmodel_step/);
  assert.match(torch.run.stdout, /No module named '(onnx|onnxruntime|torch)'/);
  assert.equal(outputsOf(torch.run).status, 'Failed');
});

test('a re-run of the train stage (System.JobAttempt 2): sklearn_full reuses its completed job, fullmodel_step is submitted anew', { timeout: 600_000 }, async () => {
  assert.ok(runs.size > 0, 'runs after the build of main');
  const train = pipelineJobs().find((jobs) => jobs[0].stage === 'train')!;
  const done = await Promise.all(train.map(async (j) => ({ j, run: await runJob(j, 2) })));
  for (const { j, run } of done) record(j, 2, run);
  const full = runs.get('sklearn_full#2')!;
  assert.equal(full.run.result?.result, 'Succeeded');
  assert.equal(full.results.steps.find((s) => s.step === 'sklearn_full')?.action, 'reused');
  assert.ok((full.results.steps.find((s) => s.step === 'sklearn_full')?.durationMs ?? 0) > 0, 'the reused job\'s own duration');
  assert.equal(full.results.steps.find((s) => s.step === 'sklearn_full')?.jobName, runs.get('sklearn_full#1')!.results.steps.find((s) => s.step === 'sklearn_full')?.jobName);
  const torch = runs.get('fullmodel_step#2')!;
  assert.equal(torch.results.steps.find((s) => s.step === 'fullmodel_step')?.action, 'resubmitted');
  assert.notEqual(torch.results.steps.find((s) => s.step === 'fullmodel_step')?.jobName, runs.get('fullmodel_step#1')!.results.steps.find((s) => s.step === 'fullmodel_step')?.jobName);
  assert.equal(torch.run.result?.result, 'Failed');
});

test('no secret in the build\'s output or in any file it wrote (temp folders, downloaded outputs, sources)', () => {
  assert.ok(runs.size >= 9);
  // Every run's output; every file under the build's folders (sources, temp folders, staging) once.
  const scanned: { run: TaskRun; folders: string[] }[] = [...runs.values()].map(({ run }) => ({ run, folders: [] }));
  scanned[0].folders.push(root);
  const masked = assertNoSecrets(em, scanned);
  assert.ok(masked > 0, 'System.AccessToken and the access tokens were registered with task.setsecret');
});

/** What the fixtures must keep matching: everything but times, names that embed them, and numbers that vary. */
function shape(r: RunResults): unknown {
  return {
    result: r.result,
    attempt: r.build.attempt,
    stage: r.build.stage,
    primaryStep: r.primaryStep,
    steps: r.steps.map((s) => ({ step: s.step, type: s.type, status: s.status, action: s.action, selected: s.selected, metrics: Object.keys(s.metrics ?? {}).sort(), trials: s.trials?.length, outputs: s.outputs?.map((o) => o.name) })),
  };
}

test('the results attachments are the build results tab\'s fixtures (tests/fixtures/results), and those are current', () => {
  assert.ok(runs.size >= 9, `attachments of the build and the re-run: ${runs.size}`);
  if (process.env.MLSTEPS_UPDATE_FIXTURES === '1') {
    rmSync(FIXTURES, { recursive: true, force: true });
    mkdirSync(FIXTURES, { recursive: true });
    for (const { results, attachment } of runs.values()) writeFileSync(path.join(FIXTURES, attachment), JSON.stringify(results, null, 2) + '\n');
  }
  const committed = existsSync(FIXTURES) ? readdirSync(FIXTURES).filter((f) => f.endsWith('.json')).sort() : [];
  assert.deepEqual(committed, [...runs.values()].map((r) => r.attachment).sort(), 'one fixture per attachment (MLSTEPS_UPDATE_FIXTURES=1 node --import tsx --test tests/task-run-sample.test.ts rewrites them)');
  for (const { results, attachment } of runs.values()) {
    const fixture = JSON.parse(readFileSync(path.join(FIXTURES, attachment), 'utf8')) as RunResults;
    assert.deepEqual(shape(fixture), shape(results), `${attachment} is current (MLSTEPS_UPDATE_FIXTURES=1 rewrites it)`);
  }
});
