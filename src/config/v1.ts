import { basename, dirname, relative, resolve, sep } from 'node:path';
import type { RunConfigDocument } from '../model/runconfig';
import { shown } from './diagnostics';
import { isMapping, setOwn } from './extends';
import { pointer } from './yamlFile';

/**
 * Azure ML SDK v1 `.runconfig` → run configuration. The v1 file lives in a project's `.azureml/`
 * folder and names its script relative to the project folder; paths in the result are relative
 * to `targetDir`, the folder the run configuration is (or will be written) in.
 */
export interface V1Options {
  stem: string;
  /** Folder of the `.runconfig` file. */
  fileDir: string;
  /** Folder the translated paths must be relative to. */
  targetDir: string;
}

export interface V1Result {
  document: RunConfigDocument;
  /** Pointer in the result → pointer in the v1 file, so diagnostics land on the original line. */
  origins: Map<string, string>;
  warnings: { at: string; message: string }[];
}

type Obj = Record<string, unknown>;

const FRAMEWORKS: Record<string, RunConfigDocument['framework']> = {
  python: 'python',
  pyspark: 'spark',
  tensorflow: 'tensorflow',
  pytorch: 'pytorch',
};

const MECHANISM_TO_MODE: Record<string, string> = { mount: 'ro_mount', download: 'download', direct: 'direct', hdfs: 'direct' };
const OUTPUT_MECHANISM_TO_MODE: Record<string, string> = { upload: 'upload', mount: 'rw_mount', direct: 'direct' };

/** Keys that are translated, or that only restate a default and can be dropped silently. */
const HANDLED = new Set([
  'script', 'arguments', 'command', 'target', 'framework', 'communicator', 'nodeCount', 'maxRunDurationSeconds',
  'environmentVariables', 'environment', 'data', 'outputData', 'mpi', 'pytorch', 'tensorflow', 'spark', 'history',
  'amlcompute', 'dataReferences', 'sourceDirectoryDataStore', 'credentialPassthrough', 'docker', 'hdi', 'paralleltask',
  'priority', 'instanceTypes', 'kubernetescompute', 'datacaches', 'autoPrepareEnvironment',
]);

export function fromV1RunConfig(v1: Obj, options: V1Options): V1Result {
  const origins = new Map<string, string>();
  const warnings: V1Result['warnings'] = [];
  const doc: RunConfigDocument = { name: options.stem };
  const set = (key: string, value: unknown, from: string) => {
    if (value === undefined) return;
    doc[key] = value;
    origins.set(pointer([key]), from);
  };
  // The project folder a v1 run config describes is the parent of its `.azureml` folder.
  const sourceDir = basename(options.fileDir) === '.azureml' || basename(options.fileDir) === 'aml_config' ? dirname(options.fileDir) : options.fileDir;
  const rel = (p: string) => {
    const r = relative(options.targetDir, resolve(sourceDir, p)).split(sep).join('/');
    return r === '' ? '.' : r;
  };

  const framework = typeof v1.framework === 'string' ? FRAMEWORKS[v1.framework.toLowerCase()] : undefined;
  if (typeof v1.framework === 'string' && !framework) warnings.push({ at: '/framework', message: `framework "${v1.framework}" has no equivalent; run as plain Python` });
  const isSpark = framework === 'spark';
  if (isSpark) set('type', 'spark', '/framework');
  set('framework', framework, '/framework');
  set('code', rel('.'), '');

  const dataNames = isMapping(v1.data) ? Object.keys(v1.data) : [];
  const bindArgument = (arg: unknown): string => {
    const text = shown(arg);
    // v1 passes data to scripts as `DatasetConsumptionConfig:<name>` or `$AZUREML_DATAREFERENCE_<name>`.
    const m = /^(?:DatasetConsumptionConfig:|\$AZUREML_DATAREFERENCE_)(.+)$/.exec(text);
    if (m && dataNames.includes(m[1])) return `\${{inputs.${m[1]}}}`;
    return /[\s"'$]/.test(text) ? `'${text.replace(/'/g, `'\\''`)}'` : text;
  };
  const args = Array.isArray(v1.arguments) ? v1.arguments.map(bindArgument) : [];
  if (isSpark) {
    if (typeof v1.script === 'string') set('entry', { file: v1.script }, '/script');
    if (args.length > 0) set('args', args.join(' '), '/arguments');
  } else if (Array.isArray(v1.command) && v1.command.length > 0) {
    set('command', v1.command.map(shown).join(' '), '/command');
  } else if (typeof v1.script === 'string') {
    set('command', ['python', v1.script, ...args].join(' '), '/script');
  }

  if (typeof v1.target === 'string') set('compute', v1.target === 'local' ? 'local' : `azureml:${v1.target}`, '/target');

  const env = isMapping(v1.environment) ? v1.environment : {};
  const python = isMapping(env.python) ? env.python : {};
  const docker = isMapping(env.docker) ? env.docker : isMapping(v1.docker) ? v1.docker : {};
  const condaFile = typeof python.condaDependenciesFile === 'string' ? python.condaDependenciesFile : undefined;
  const image = typeof docker.baseImage === 'string' ? docker.baseImage : undefined;
  if (condaFile) {
    set('environment', { conda_file: rel(condaFile), ...(image ? { image } : {}) }, '/environment/python/condaDependenciesFile');
  } else if (typeof env.name === 'string' && env.name !== '' && !/^Experiment .* Environment$/.test(env.name)) {
    const version = typeof env.version === 'string' && env.version !== '' && env.version !== 'Autosave' ? `:${env.version}` : '@latest';
    set('environment', `azureml:${env.name}${version}`, '/environment/name');
  } else if (image) {
    set('environment', { image }, '/environment/docker/baseImage');
  }

  const variables = { ...(isMapping(v1.environmentVariables) ? v1.environmentVariables : {}), ...(isMapping(env.environmentVariables) ? env.environmentVariables : {}) };
  if (Object.keys(variables).length > 0) set('environment_variables', Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, shown(v)])), '/environmentVariables');

  const nodeCount = typeof v1.nodeCount === 'number' ? v1.nodeCount : undefined;
  const resources: Obj = {};
  if (nodeCount !== undefined && nodeCount !== 1 && !isSpark) resources.instance_count = nodeCount;
  if (typeof docker.shmSize === 'string' && !isSpark) resources.shm_size = docker.shmSize;
  if (Array.isArray(v1.instanceTypes) && typeof v1.instanceTypes[0] === 'string') resources.instance_type = v1.instanceTypes[0];
  if (Object.keys(resources).length > 0) set('resources', resources, resources.instance_count !== undefined ? '/nodeCount' : resources.shm_size !== undefined ? '/environment/docker/shmSize' : '/instanceTypes');
  if (v1.credentialPassthrough === true) set('identity', { type: 'user_identity' }, '/credentialPassthrough');
  if (v1.priority !== undefined && v1.priority !== null) warnings.push({ at: '/priority', message: '"priority" has no run-configuration equivalent; set queue_settings.priority by hand' });
  if (typeof v1.maxRunDurationSeconds === 'number' && !isSpark) set('limits', { timeout: v1.maxRunDurationSeconds }, '/maxRunDurationSeconds');

  const communicator = typeof v1.communicator === 'string' ? v1.communicator.toLowerCase() : 'none';
  const mpi = isMapping(v1.mpi) ? v1.mpi : {};
  const pytorch = isMapping(v1.pytorch) ? v1.pytorch : {};
  const tensorflow = isMapping(v1.tensorflow) ? v1.tensorflow : {};
  if (!isSpark) {
    if (communicator === 'mpi') {
      set('distribution', { type: 'mpi', process_count_per_instance: numberOr(mpi.processCountPerNode, 1) }, '/communicator');
    } else if (communicator === 'parameterserver') {
      set('distribution', { type: 'tensorflow', worker_count: numberOr(tensorflow.workerCount, 1), parameter_server_count: numberOr(tensorflow.parameterServerCount, 1) }, '/communicator');
    } else if (communicator === 'nccl' || communicator === 'gloo' || (framework === 'pytorch' && typeof pytorch.processCount === 'number')) {
      const processes = numberOr(pytorch.processCount, nodeCount ?? 1);
      set('distribution', { type: 'pytorch', process_count_per_instance: Math.max(1, Math.round(processes / (nodeCount ?? 1))) }, '/communicator');
    }
  }

  if (isSpark && isMapping(v1.spark) && isMapping(v1.spark.configuration)) {
    set('conf', Object.fromEntries(Object.entries(v1.spark.configuration).map(([k, v]) => [k, typeof v === 'number' ? v : shown(v)])), '/spark/configuration');
  }

  if (isMapping(v1.data)) {
    const inputs: Obj = {};
    for (const [name, spec] of Object.entries(v1.data)) {
      if (!isMapping(spec)) continue;
      const location = isMapping(spec.dataLocation) ? spec.dataLocation : {};
      const dataset = isMapping(location.dataset) ? location.dataset : {};
      const mechanism = typeof spec.mechanism === 'string' ? spec.mechanism.toLowerCase() : 'direct';
      const input: Obj = { type: 'uri_folder' };
      if (typeof dataset.name === 'string') input.path = `azureml:${dataset.name}${dataset.version != null ? `:${shown(dataset.version)}` : '@latest'}`;
      else if (isMapping(location.dataPath) && typeof location.dataPath.datastoreName === 'string') {
        input.path = `azureml://datastores/${location.dataPath.datastoreName}/paths/${shown(location.dataPath.relativePath ?? '')}`;
      } else warnings.push({ at: pointer(['data', name]), message: `input "${name}" names its data by id only; set its path by hand` });
      input.mode = MECHANISM_TO_MODE[mechanism] ?? 'ro_mount';
      setOwn(inputs, name, input);
      origins.set(pointer(['inputs', name]), pointer(['data', name]));
    }
    if (Object.keys(inputs).length > 0) set('inputs', inputs, '/data');
  }
  if (isMapping(v1.outputData)) {
    const outputs: Obj = {};
    for (const [name, spec] of Object.entries(v1.outputData)) {
      if (!isMapping(spec)) continue;
      const location = isMapping(spec.outputLocation) ? spec.outputLocation : {};
      const dataPath = isMapping(location.dataPath) ? location.dataPath : {};
      const mechanism = typeof spec.mechanism === 'string' ? spec.mechanism.toLowerCase() : 'upload';
      const output: Obj = { type: 'uri_folder', mode: OUTPUT_MECHANISM_TO_MODE[mechanism] ?? 'upload' };
      if (typeof dataPath.datastoreName === 'string') output.path = `azureml://datastores/${dataPath.datastoreName}/paths/${shown(dataPath.relativePath ?? name)}`;
      setOwn(outputs, name, output);
      origins.set(pointer(['outputs', name]), pointer(['outputData', name]));
    }
    if (Object.keys(outputs).length > 0) set('outputs', outputs, '/outputData');
  }

  for (const key of Object.keys(v1)) {
    if (!HANDLED.has(key)) warnings.push({ at: pointer([key]), message: `"${key}" has no run-configuration equivalent and was dropped` });
  }
  if (isMapping(v1.dataReferences) && Object.keys(v1.dataReferences).length > 0) {
    warnings.push({ at: '/dataReferences', message: 'dataReferences (v1 data references) were dropped; declare them as inputs with an azureml://datastores/… path' });
  }
  return { document: doc, origins, warnings };
}

function numberOr(v: unknown, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}
