import type { SearchExpression, Step, SweepSpec } from '../../model/step';
import { NEWER_API_VERSION, SDK_API_VERSION } from './client';
import { isMapping, stringMap } from '../../util/data';

/** A JSON object as the REST API takes it. */
export type Json = Record<string, unknown>;

/** What a step's job refers to, resolved in the workspace (ARM ids and REST inputs). */
export interface JobRefs {
  /** ARM id of the code version (or a registry asset id). */
  codeId?: string;
  /** ARM id of the environment version (or a registry asset id). */
  environmentId?: string;
  /** ARM id of the compute; absent for serverless compute. */
  computeId?: string;
  /** Serverless Spark: node size and Spark runtime (from the compute catalog). */
  sparkResources?: { instanceType?: string; runtimeVersion?: string };
  /** The REST inputs (data, upstream outputs, literals), as data.ts resolves them. */
  inputs: Record<string, Json>;
  /** Default experiment (the project's `experiment_name`). */
  experimentName?: string;
  /** Provenance tags (mlsteps.*), merged over the run configuration's own tags. */
  tags: Record<string, string>;
}

export interface JobBody {
  /** The api-version the body is written for: the SDK's 2022-10-01, or 2024-10-01 for what only it has (Spark, queue settings, …). */
  apiVersion: string;
  /** The PUT body: `{properties: JobBase}`. */
  body: { properties: Json };
  /** Settings of the run configuration that the REST API cannot take, and were left out. */
  warnings: string[];
}

export class JobBodyError extends Error {
  override readonly name = 'JobBodyError';
}

/** CLI v2 input modes → REST InputDeliveryMode. */
export const INPUT_MODES: Record<string, string> = {
  ro_mount: 'ReadOnlyMount',
  rw_mount: 'ReadWriteMount',
  download: 'Download',
  direct: 'Direct',
  eval_mount: 'EvalMount',
  eval_download: 'EvalDownload',
};

/** CLI v2 output modes → REST OutputDeliveryMode (`direct` exists from api-version 2023 on). */
export const OUTPUT_MODES: Record<string, string> = { rw_mount: 'ReadWriteMount', mount: 'ReadWriteMount', upload: 'Upload', direct: 'Direct' };

const SERVICE_TYPES: Record<string, string> = { jupyter_lab: 'JupyterLab', ssh: 'SSH', tensor_board: 'TensorBoard', vs_code: 'VSCode' };
const IDENTITY_TYPES: Record<string, string> = { managed: 'Managed', managed_identity: 'Managed', user_identity: 'UserIdentity', aml_token: 'AMLToken' };
const JOB_TIERS: Record<string, string> = { spot: 'Spot', basic: 'Basic', standard: 'Standard', premium: 'Premium' };

/** Seconds → ISO 8601 duration, as the REST API takes timeouts. */
export function isoDuration(seconds: number): string {
  return `PT${Math.round(seconds)}S`;
}

/**
 * The REST job body of a step: a CommandJob or SweepJob at the SDK's api-version (2022-10-01), or
 * — for a SparkJob, or a command that uses what only newer versions have (queue settings, direct
 * outputs, registered outputs) — at 2024-10-01. Pure: everything it refers to is in `refs`.
 */
export function buildJobBody(step: Step, refs: JobRefs): JobBody {
  const warnings: string[] = [];
  const ctx = { warnings, needsNewer: false };
  const job = step.job as Json;
  const common: Json = { displayName: str(job.display_name) ?? step.name };
  if (typeof job.description === 'string') common.description = job.description;
  const experiment = str(job.experiment_name) ?? refs.experimentName;
  if (experiment) common.experimentName = experiment;
  common.tags = { ...stringMap(job.tags), ...refs.tags };
  const props = stringMap(job.properties);
  if (Object.keys(props).length > 0) common.properties = props;
  if (refs.computeId) common.computeId = refs.computeId;
  if (isMapping(job.identity)) common.identity = identity(job.identity);
  if (isMapping(job.services)) common.services = services(job.services, ctx);
  const outputs = restOutputs(step, ctx);

  let properties: Json;
  if (step.type === 'spark') {
    ctx.needsNewer = true;
    properties = { ...common, jobType: 'Spark', ...sparkProperties(step, refs, ctx) };
    if (Object.keys(refs.inputs).length > 0) properties.inputs = refs.inputs;
    if (Object.keys(outputs).length > 0) properties.outputs = outputs;
  } else if (step.type === 'sweep') {
    properties = { ...common, jobType: 'Sweep', ...sweepProperties(step, refs, ctx) };
    if (Object.keys(refs.inputs).length > 0) properties.inputs = refs.inputs;
    if (Object.keys(outputs).length > 0) properties.outputs = outputs;
  } else {
    properties = { ...common, jobType: 'Command', ...commandProperties(step, refs, ctx) };
    if (Object.keys(refs.inputs).length > 0) properties.inputs = refs.inputs;
    if (Object.keys(outputs).length > 0) properties.outputs = outputs;
  }
  return { apiVersion: ctx.needsNewer ? NEWER_API_VERSION : SDK_API_VERSION, body: { properties }, warnings };
}

interface Ctx {
  warnings: string[];
  needsNewer: boolean;
}

/**
 * What a command job and a sweep's trial share (Azure ML's TrialComponent): the command, its
 * environment and code, environment variables, distribution and resources.
 */
function runnable(command: string, environmentId: string, codeId: string | undefined, doc: Json, resources: unknown, step: Step, ctx: Ctx): Json {
  const p: Json = { command, environmentId };
  if (codeId) p.codeId = codeId;
  const env = stringMap(doc.environment_variables);
  if (Object.keys(env).length > 0) p.environmentVariables = env;
  const distribution = distributionOf(doc.distribution, step, ctx);
  if (distribution) p.distribution = distribution;
  const rest = resourcesOf(resources, ctx);
  if (rest) p.resources = rest;
  return p;
}

function commandProperties(step: Step, refs: JobRefs, ctx: Ctx): Json {
  const job = step.job as Json;
  if (!step.command) throw new JobBodyError(`${step.name}: a command job needs a command`);
  if (!refs.environmentId) throw new JobBodyError(`${step.name}: a command job needs an environment (environment: a catalog name, a conda file, or azureml:NAME:VERSION)`);
  const p = runnable(step.command, refs.environmentId, refs.codeId, job, job.resources, step, ctx);
  if (isMapping(job.limits) && typeof job.limits.timeout === 'number') p.limits = { jobLimitsType: 'Command', timeout: isoDuration(job.limits.timeout) };
  if (isMapping(job.queue_settings)) {
    const q = queueSettings(job.queue_settings, ctx);
    if (q) p.queueSettings = q;
  }
  return p;
}

function sweepProperties(step: Step, refs: JobRefs, ctx: Ctx): Json {
  const job = step.job as Json;
  const sweep = step.sweep;
  if (!sweep) throw new JobBodyError(`${step.name}: a sweep job needs search_space, objective and trial`);
  if (!step.command) throw new JobBodyError(`${step.name}: the sweep's trial needs a command`);
  if (!refs.environmentId) throw new JobBodyError(`${step.name}: the sweep's trial needs an environment`);
  const trialDoc = isMapping(job.trial) ? job.trial : {};
  const trial = runnable(step.command, refs.environmentId, refs.codeId, trialDoc, trialDoc.resources ?? job.resources, step, ctx);
  const p: Json = {
    trial,
    searchSpace: searchSpace(sweep.searchSpace, step.name),
    samplingAlgorithm: samplingAlgorithm(sweep.sampling),
    objective: objective(sweep.objective, step.name),
  };
  const limits = sweepLimits(sweep.limits);
  if (limits) p.limits = limits;
  if (sweep.earlyTermination) p.earlyTermination = earlyTermination(sweep.earlyTermination, step.name);
  const queue = isMapping(job.queue_settings) ? job.queue_settings : isMapping(trialDoc.queue_settings) ? trialDoc.queue_settings : undefined;
  if (queue) {
    const q = queueSettings(queue, ctx);
    if (q) p.queueSettings = q;
  }
  return p;
}

function sparkProperties(step: Step, refs: JobRefs, ctx: Ctx): Json {
  const job = step.job as Json;
  const spark = step.spark;
  if (!spark) throw new JobBodyError(`${step.name}: a Spark job needs entry`);
  if (!refs.codeId) throw new JobBodyError(`${step.name}: a Spark job needs code (the folder with its entry file)`);
  const entry = spark.entry.file
    ? { sparkJobEntryType: 'SparkJobPythonEntry', file: spark.entry.file }
    : spark.entry.class_name
      ? { sparkJobEntryType: 'SparkJobScalaEntry', className: spark.entry.class_name }
      : undefined;
  if (!entry) throw new JobBodyError(`${step.name}: a Spark job's entry needs file (Python) or class_name (Scala/Java)`);
  const p: Json = { codeId: refs.codeId, entry };
  if (refs.environmentId) p.environmentId = refs.environmentId;
  for (const [key, rest] of [['py_files', 'pyFiles'], ['jars', 'jars'], ['files', 'files'], ['archives', 'archives']] as const) {
    const list = spark[key];
    if (Array.isArray(list) && list.length > 0) p[rest] = list.map(String);
  }
  if (typeof spark.args === 'string' && spark.args.trim()) p.args = spark.args;
  const conf: Record<string, string> = {};
  // The CLI v2 shorthands for the common Spark settings, as azure-ai-ml writes them into conf.
  const shorthands: [string, string][] = [
    ['driver_cores', 'spark.driver.cores'],
    ['driver_memory', 'spark.driver.memory'],
    ['executor_cores', 'spark.executor.cores'],
    ['executor_memory', 'spark.executor.memory'],
    ['executor_instances', 'spark.executor.instances'],
    ['dynamic_allocation_enabled', 'spark.dynamicAllocation.enabled'],
    ['dynamic_allocation_min_executors', 'spark.dynamicAllocation.minExecutors'],
    ['dynamic_allocation_max_executors', 'spark.dynamicAllocation.maxExecutors'],
  ];
  for (const [short, key] of shorthands) if (isScalar(job[short])) conf[key] = String(job[short]);
  for (const [k, v] of Object.entries(isMapping(spark.conf) ? spark.conf : {})) if (isScalar(v)) conf[k] = String(v);
  if (Object.keys(conf).length > 0) p.conf = conf;
  const env = stringMap(job.environment_variables);
  if (Object.keys(env).length > 0) p.environmentVariables = env;
  if (!refs.computeId) {
    const own = isMapping(job.resources) ? job.resources : {};
    const instanceType = str(own.instance_type) ?? refs.sparkResources?.instanceType;
    const runtimeVersion = own.runtime_version !== undefined ? String(own.runtime_version) : refs.sparkResources?.runtimeVersion;
    if (!instanceType || !runtimeVersion) {
      throw new JobBodyError(`${step.name}: serverless Spark needs resources.instance_type and resources.runtime_version (or a compute of type spark in the catalog with instance_type and runtime_version)`);
    }
    p.resources = { instanceType, runtimeVersion };
  }
  if (isMapping(job.queue_settings)) {
    const q = queueSettings(job.queue_settings, ctx);
    if (q) p.queueSettings = q;
  }
  return p;
}

function restOutputs(step: Step, ctx: Ctx): Record<string, Json> {
  const outputs: Record<string, Json> = {};
  const raw = isMapping((step.job as Json).outputs) ? ((step.job as Json).outputs as Json) : {};
  for (const [name, out] of Object.entries(step.outputs)) {
    const o: Json = { jobOutputType: out.type };
    if (out.mode) {
      const mode = OUTPUT_MODES[out.mode];
      if (!mode) throw new JobBodyError(`${step.name}: output ${name}: unknown mode "${out.mode}" (rw_mount, upload or direct)`);
      if (mode === 'Direct') ctx.needsNewer = true;
      o.mode = mode;
    }
    if (out.path) o.uri = out.path;
    const spec = isMapping(raw[name]) ? (raw[name] as Json) : {};
    if (typeof spec.description === 'string') o.description = spec.description;
    if (typeof spec.name === 'string') ctx.warnings.push(`${step.name}: output ${name}: registering an output as a named asset (name/version) is not supported yet: left out`);
    if (typeof spec.path_on_compute === 'string') ctx.warnings.push(`${step.name}: output ${name}: path_on_compute is not part of the Azure ML REST API versions mlsteps uses: left out`);
    outputs[name] = o;
  }
  return outputs;
}

function distributionOf(value: unknown, step: Step, ctx: Ctx): Json | undefined {
  if (isMapping(value)) {
    switch (value.type) {
      case 'pytorch':
        return { distributionType: 'PyTorch', ...(typeof value.process_count_per_instance === 'number' ? { processCountPerInstance: value.process_count_per_instance } : {}) };
      case 'mpi':
        return { distributionType: 'Mpi', ...(typeof value.process_count_per_instance === 'number' ? { processCountPerInstance: value.process_count_per_instance } : {}) };
      case 'tensorflow': {
        const d: Json = { distributionType: 'TensorFlow' };
        if (typeof value.worker_count === 'number') d.workerCount = value.worker_count;
        if (typeof value.parameter_server_count === 'number') d.parameterServerCount = value.parameter_server_count;
        return d;
      }
      default:
        throw new JobBodyError(`${step.name}: distribution type "${String(value.type)}" is not supported by the Azure ML REST API versions mlsteps uses (pytorch, mpi, tensorflow)`);
    }
  }
  // `framework:` sets the distribution a user of that framework expects when none is written.
  if (step.framework === 'pytorch') return { distributionType: 'PyTorch', processCountPerInstance: 1 };
  if (step.framework === 'tensorflow') {
    ctx.warnings.push(`${step.name}: framework tensorflow without a distribution: submitted as a single-process job`);
  }
  return undefined;
}

function resourcesOf(value: unknown, ctx: Ctx): Json | undefined {
  if (!isMapping(value)) return undefined;
  const r: Json = {};
  if (typeof value.instance_count === 'number') r.instanceCount = value.instance_count;
  if (typeof value.instance_type === 'string') r.instanceType = value.instance_type;
  if (typeof value.shm_size === 'string') r.shmSize = value.shm_size;
  if (typeof value.docker_args === 'string') r.dockerArgs = value.docker_args;
  else if (Array.isArray(value.docker_args)) r.dockerArgs = value.docker_args.map(String).join(' ');
  if (isMapping(value.properties)) r.properties = value.properties;
  for (const key of ['max_instance_count', 'locations']) {
    if (value[key] !== undefined) ctx.warnings.push(`resources.${key} is not part of the Azure ML REST API versions mlsteps uses: left out`);
  }
  return Object.keys(r).length > 0 ? r : undefined;
}

function identity(value: Json): Json {
  const type = IDENTITY_TYPES[String(value.type)];
  if (!type) throw new JobBodyError(`identity type "${String(value.type)}" is unknown (user_identity, managed, aml_token)`);
  const id: Json = { identityType: type };
  if (type === 'Managed') {
    if (typeof value.client_id === 'string') id.clientId = value.client_id;
    if (typeof value.object_id === 'string') id.objectId = value.object_id;
    if (typeof value.msi_resource_id === 'string') id.resourceId = value.msi_resource_id;
  }
  return id;
}

function services(value: Json, ctx: Ctx): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const [name, raw] of Object.entries(value)) {
    if (!isMapping(raw)) continue;
    const s: Json = {};
    if (typeof raw.type === 'string') s.jobServiceType = SERVICE_TYPES[raw.type] ?? raw.type;
    if (typeof raw.port === 'number') s.port = raw.port;
    const properties: Record<string, string> = { ...stringMap(raw.properties) };
    if (typeof raw.log_dir === 'string') properties.logDir = raw.log_dir;
    if (typeof raw.ssh_public_keys === 'string') properties.sshPublicKeys = raw.ssh_public_keys;
    if (Object.keys(properties).length > 0) s.properties = properties;
    if (raw.nodes === 'all') {
      ctx.needsNewer = true;
      s.nodes = { nodesValueType: 'All' };
    }
    out[name] = s;
  }
  return out;
}

function queueSettings(value: Json, ctx: Ctx): Json | undefined {
  if (typeof value.job_tier !== 'string') return undefined;
  ctx.needsNewer = true;
  const tier = JOB_TIERS[value.job_tier];
  if (!tier) throw new JobBodyError(`queue_settings.job_tier "${value.job_tier}" is unknown (spot, basic, standard, premium)`);
  if (value.priority !== undefined) ctx.warnings.push('queue_settings.priority is not part of the Azure ML REST API versions mlsteps uses: left out');
  return { jobTier: tier };
}

/**
 * A CLI v2 search space → the REST form, as azure-ai-ml writes it: `[type, [arguments]]`, where
 * `choice` wraps its list once more (`["choice", [[0.01, 0.1]]]`), and a choice of mappings
 * (a conditional search space) has each nested expression in the same form.
 */
export function searchSpace(space: Record<string, SearchExpression>, stepName = 'sweep'): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const [name, expr] of Object.entries(space)) out[name] = searchExpression(expr, `${stepName}: search_space.${name}`);
  return out;
}

export function searchExpression(expr: SearchExpression, where = 'search_space'): unknown[] {
  const need = (...keys: (keyof SearchExpression)[]) => {
    const missing = keys.filter((k) => typeof expr[k] !== 'number');
    if (missing.length > 0) throw new JobBodyError(`${where}: ${expr.type} needs ${missing.join(', ')}`);
    return keys.map((k) => expr[k] as number);
  };
  switch (expr.type) {
    case 'choice': {
      if (!Array.isArray(expr.values) || expr.values.length === 0) throw new JobBodyError(`${where}: choice needs values`);
      const values = expr.values.map((v) => {
        if (!isMapping(v)) return v;
        const nested: Json = {};
        for (const [k, inner] of Object.entries(v)) {
          nested[k] = isMapping(inner) && typeof inner.type === 'string' ? searchExpression(inner as SearchExpression, `${where}.${k}`) : inner;
        }
        return nested;
      });
      return ['choice', [values]];
    }
    case 'randint':
      return ['randint', need('upper')];
    case 'uniform':
    case 'loguniform':
      return [expr.type, need('min_value', 'max_value')];
    case 'quniform':
    case 'qloguniform':
      return [expr.type, need('min_value', 'max_value', 'q')];
    case 'normal':
    case 'lognormal':
      return [expr.type, need('mu', 'sigma')];
    case 'qnormal':
    case 'qlognormal':
      return [expr.type, need('mu', 'sigma', 'q')];
    default:
      throw new JobBodyError(`${where}: unknown distribution "${expr.type}"`);
  }
}

export function samplingAlgorithm(sampling: SweepSpec['sampling']): Json {
  switch (sampling.type) {
    case 'grid':
      return { samplingAlgorithmType: 'Grid' };
    case 'bayesian':
      return { samplingAlgorithmType: 'Bayesian' };
    default: {
      const s: Json = { samplingAlgorithmType: 'Random', rule: sampling.rule === 'sobol' ? 'Sobol' : 'Random' };
      if (typeof sampling.seed === 'number') s.seed = sampling.seed;
      return s;
    }
  }
}

function objective(obj: SweepSpec['objective'], stepName: string): Json {
  if (!obj.primary_metric) throw new JobBodyError(`${stepName}: the sweep's objective needs primary_metric`);
  return { goal: obj.goal === 'minimize' ? 'Minimize' : 'Maximize', primaryMetric: obj.primary_metric };
}

function sweepLimits(limits: SweepSpec['limits']): Json | undefined {
  const l: Json = { jobLimitsType: 'Sweep' };
  if (typeof limits.max_total_trials === 'number') l.maxTotalTrials = limits.max_total_trials;
  if (typeof limits.max_concurrent_trials === 'number') l.maxConcurrentTrials = limits.max_concurrent_trials;
  if (typeof limits.timeout === 'number') l.timeout = isoDuration(limits.timeout);
  if (typeof limits.trial_timeout === 'number') l.trialTimeout = isoDuration(limits.trial_timeout);
  return Object.keys(l).length > 1 ? l : undefined;
}

function earlyTermination(policy: Record<string, unknown>, stepName: string): Json {
  const base: Json = {};
  if (typeof policy.evaluation_interval === 'number') base.evaluationInterval = policy.evaluation_interval;
  if (typeof policy.delay_evaluation === 'number') base.delayEvaluation = policy.delay_evaluation;
  switch (policy.type) {
    case 'bandit': {
      const p: Json = { policyType: 'Bandit', ...base };
      if (typeof policy.slack_factor === 'number') p.slackFactor = policy.slack_factor;
      if (typeof policy.slack_amount === 'number') p.slackAmount = policy.slack_amount;
      return p;
    }
    case 'median_stopping':
      return { policyType: 'MedianStopping', ...base };
    case 'truncation_selection': {
      const p: Json = { policyType: 'TruncationSelection', ...base };
      if (typeof policy.truncation_percentage === 'number') p.truncationPercentage = policy.truncation_percentage;
      return p;
    }
    default:
      throw new JobBodyError(`${stepName}: early_termination type "${String(policy.type)}" is unknown (bandit, median_stopping, truncation_selection)`);
  }
}

/** Provenance tags (DESIGN §5.3): the run configuration, its fingerprint, and the build it came from. */
export function provenanceTags(step: Pick<Step, 'name' | 'fingerprint' | 'stage'>, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const tags: Record<string, string> = {
    'mlsteps.runconfig': step.name,
    'mlsteps.stage': step.stage,
    'mlsteps.fingerprint': step.fingerprint,
  };
  const set = (key: string, value: string | undefined) => {
    if (value && value.trim()) tags[key] = value.trim();
  };
  set('mlsteps.build.id', env.BUILD_BUILDID);
  set('mlsteps.build.sourceVersion', env.BUILD_SOURCEVERSION);
  set('mlsteps.build.repository', env.BUILD_REPOSITORY_NAME);
  set('mlsteps.build.branch', env.BUILD_SOURCEBRANCH);
  set('mlsteps.build.url', buildUrl(env));
  return tags;
}

/** The build's results page: `<collection URI><project>/_build/results?buildId=<id>`. */
export function buildUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const collection = env.SYSTEM_TEAMFOUNDATIONCOLLECTIONURI?.trim();
  const project = env.SYSTEM_TEAMPROJECT?.trim();
  const id = env.BUILD_BUILDID?.trim();
  if (!collection || !project || !id) return undefined;
  return `${collection.replace(/\/*$/, '/')}${encodeURIComponent(project)}/_build/results?buildId=${encodeURIComponent(id)}`;
}

function isScalar(v: unknown): v is string | number | boolean {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() ? v : undefined;
}

