// The key tables of docs/run-config.md, generated from the published schemas: fillTables()
// replaces each <!-- table:NAME --> marker of the template with its table.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const PROJECT = join(import.meta.dirname, '..', '..');
const rc = JSON.parse(readFileSync(join(PROJECT, 'schemas/runconfig.schema.json'), 'utf8'));
const pj = JSON.parse(readFileSync(join(PROJECT, 'schemas/mlsteps.schema.json'), 'utf8'));
const D = rc.definitions;
const PD = pj.definitions;

// Where a definition is documented (anchor), and how its type reads.
const REF = {
  runConfigName: ['string', null], catalogName: ['string', null],
  tags: ['mapping', null], properties: ['mapping', null], environmentVariables: ['mapping', null],
  code: ['string', null], command: ['string', '#expressions-in-commands'], compute: ['string', '#catalog-references'],
  environment: ['string or mapping', '#environment-forms'], inlineEnvironment: ['mapping', '#inline-environments'],
  inputs: ['mapping', '#inputs'], outputs: ['mapping', '#outputs'], input: ['literal or mapping', '#inputs'], output: ['mapping or empty', '#outputs'],
  identity: ['mapping', '#identity'], services: ['mapping', '#services'], service: ['mapping', '#services'],
  distribution: ['mapping', '#distribution'], jobResources: ['mapping', '#resources-and-limits'], commandLimits: ['mapping', '#resources-and-limits'],
  queueSettings: ['mapping', '#resources-and-limits'], sweepTrial: ['mapping', '#trial'], searchSpace: ['mapping', '#search_space'],
  samplingAlgorithm: ['string or mapping', '#sampling_algorithm'], objective: ['mapping', '#objective-and-limits'],
  earlyTermination: ['mapping', '#early_termination'], sweepLimits: ['mapping', '#objective-and-limits'],
  sparkEntry: ['mapping', '#entry-and-files'], fileList: ['list of strings', '#entry-and-files'], sparkConf: ['mapping', '#conf'],
  sparkResources: ['mapping', '#spark-resources'], condaFile: ['string or mapping', '#inline-environments'], buildContext: ['mapping', '#inline-environments'],
  inferenceConfig: ['mapping', '#inline-environments'], route: ['mapping', null], literal: ['string, number or boolean', null],
  instanceCount: ['integer or `${{…}}`', null], condaSpec: ['mapping', '#inline-environments'], datasetInput: ['mapping', '#inputs'], jobInput: ['mapping', '#inputs'],
  // project schema
  compute_p: ['mapping', '#computes'], environment_p: ['mapping', '#environments-catalog'], dataset: ['mapping', '#datasets'], profile: ['list of names', '#profiles'],
};

const esc = (s) => String(s).replace(/\|/g, '\\|').replace(/\n/g, ' ');
const code = (s) => (String(s).includes('`') ? '`` ' + s + ' ``' : '`' + s + '`');

function flow(v) {
  if (Array.isArray(v)) return `[${v.map(flow).join(', ')}]`;
  if (v && typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${k}: ${flow(x)}`).join(', ')}}`;
  if (typeof v === 'string') return /^[\w./:@${} +<>=-]+$/.test(v) && !/^[\d.]+$/.test(v) && !/: |^\$\{/.test(v) && !['true', 'false', 'null', 'yes', 'no'].includes(v) ? v : JSON.stringify(v);
  return String(v);
}

function refName(p) { return p.$ref ? p.$ref.split('/').pop() : undefined; }

function typeOf(p, defs, projectSchema = false) {
  const r = refName(p);
  let t;
  if (r) {
    const key = projectSchema && (r === 'compute' || r === 'environment') ? `${r}_p` : r;
    const [label, link] = REF[key] ?? ['mapping', null];
    t = link ? `[${label}](${link})` : label;
  } else if (Array.isArray(p.type)) t = p.type.join(' or ');
  else if (p.type === 'array') {
    const it = p.items ?? {};
    t = `list of ${it.$ref ? 'strings' : (it.type ?? 'value') + 's'}`;
  } else t = p.type === 'object' ? 'mapping' : (p.type ?? 'any');
  if (Array.isArray(p.type) && p.type.includes('array')) {
    const it = p.items ?? {};
    t = t.replace('array', `list of ${it.$ref ? 'strings' : (it.type ?? 'value') + 's'}`);
  }
  const extra = [];
  if (p.enum) extra.push(p.enum.map((e) => code(e)).join(' \\| '));
  if (p.const !== undefined) extra.push(code(p.const));
  if (p.minimum !== undefined && p.maximum !== undefined) extra.push(`${p.minimum}–${p.maximum}`);
  else if (p.minimum !== undefined) extra.push(`≥ ${p.minimum}`);
  else if (p.exclusiveMinimum !== undefined) extra.push(`> ${p.exclusiveMinimum}`);
  if (p.format === 'uuid') extra.push('a GUID');
  if (p.minItems) extra.push(`at least ${p.minItems}`);
  return extra.length ? `${t}: ${extra.join(', ')}` : t;
}

function exampleOf(p, defs) {
  let ex = p.examples?.[0];
  const r = refName(p);
  if (ex === undefined && r && defs[r]?.examples) ex = defs[r].examples[0];
  if (ex === undefined && p.enum && p.enum.length > 1 && p.default === undefined) ex = p.enum[0];
  return ex === undefined ? '' : code(flow(ex));
}

/** Rows: [key, type, meaning, default, example]; overrides: {key: {type, meaning, default, example}}. */
function table(props, defs, { only, skip = [], overrides = {}, required = [], project = false, prefix = '' } = {}) {
  const keys = (only ?? Object.keys(props)).filter((k) => !skip.includes(k));
  const rows = keys.map((k) => {
    const p = props[k];
    if (!p) throw new Error(`no property ${k}`);
    const o = overrides[k] ?? {};
    const def = p.default !== undefined ? code(flow(p.default)) : '';
    const desc = (o.meaning ?? p.description ?? (refName(p) ? defs[refName(p)].description : '')) + (required.includes(k) ? ' **Required.**' : '');
    return [code(prefix + k), o.type ?? typeOf(p, defs, project), desc, o.default ?? def, o.example ?? exampleOf(p, defs)];
  });
  return ['| key | type | meaning | default | example |', '| --- | --- | --- | --- | --- |', ...rows.map((r) => `| ${r.map((c, i) => (i === 0 || i === 1 || i >= 3 ? c : esc(c))).join(' | ')} |`)].join('\n');
}

/** A discriminated definition (allOf of if type == X then {...}): one table per variant. */
function variants(def, defs, { project = false, heading = (t) => `\`type: ${t}\``, skipType = true, overrides = {} } = {}) {
  const out = [];
  for (const branch of def.allOf) {
    const cond = branch.if.properties.type;
    const types = cond.const !== undefined ? [cond.const] : cond.enum;
    const then = branch.then;
    const req = (then.required ?? []).filter((k) => k !== 'type');
    const keys = Object.keys(then.properties).filter((k) => !(skipType && k === 'type'));
    out.push(`**${types.map((t) => heading(t)).join(', ')}** — ${then.properties.type.description}`);
    if (keys.length === 0) out.push('', '(no other keys)');
    else out.push('', table(then.properties, defs, { only: keys, required: req, project, overrides }));
    out.push('');
  }
  return out.join('\n').trimEnd();
}

const cmd = D.commandJob.properties, swp = D.sweepJob.properties, spk = D.sparkJob.properties;

const STEP_DEFAULT = { default: '`train` (command), `tune` (sweep), `prep` (spark)' };
const tables = {
  project: table(pj.properties, PD, {
    project: true,
    overrides: {
      $schema: { example: '' },
      runconfigs: { type: 'string or list of strings', meaning: 'Glob pattern(s) of the run configuration files, relative to this file. See [runconfigs](#runconfigs).' },
      workspace: { type: '[mapping](#workspace)' },
      experiment_name: { meaning: "Default experiment for the jobs; a run configuration's `experiment_name` overrides it. See [experiment_name](#experiment_name)." },
      computes: { type: 'mapping of name → [compute](#computes)' },
      environments: { type: 'mapping of name → [environment](#environments)' },
      datasets: { type: 'mapping of name → [dataset](#datasets)' },
      profiles: { type: 'mapping of name → [list of names](#profiles)' },
    },
  }),
  workspace: table(pj.properties.workspace.properties, PD, { project: true }),
  computes: variants(PD.compute, PD, { project: true }),
  'env-catalog': table(PD.environment.properties, PD, { project: true }),
  'env-catalog-build': table(PD.environment.properties.build.properties, PD, { project: true, prefix: 'build.' }),
  dataset: table(PD.dataset.properties, PD, { project: true, required: ['path'] }),
  'mlsteps-keys': table(cmd, D, {
    only: ['name', 'step', 'needs', 'extends', 'framework'],
    overrides: {
      name: { default: 'the file name without extension' },
      step: { type: 'string', meaning: 'The pipeline stage this run configuration belongs to: prep | profile | validate | tune | train, or a stage of your own (lower-case letters, digits, `_`, `-`). Defaults from the job type.', ...STEP_DEFAULT },
      framework: { default: 'none', meaning: 'The ML framework the step uses. Recorded on the planned step and counted in its fingerprint; `spark` also makes a run configuration without `type` a spark job, and no other value changes the job. See the note below.' },
      extends: { meaning: 'Name of a run configuration this one inherits from; see [extends](#extends).' },
    },
  }),
  'common-keys': table(cmd, D, {
    only: ['type', 'display_name', 'experiment_name', 'description', 'tags', 'properties', 'compute', 'inputs', 'outputs', 'identity', 'services', '$schema'],
    overrides: {
      type: { meaning: 'The Azure ML job type: `command` runs one command, `sweep` a hyperparameter sweep, `spark` a Spark application. Decides which keys below apply.', type: 'string: `command` \\| `sweep` \\| `spark`', default: '`command`; `spark` with `framework: spark`' },
      compute: { meaning: 'Where the job runs: a compute name in the project\'s catalog, `azureml:NAME` for an existing workspace compute, or `local`. Without it, the job runs on serverless compute (set `resources.instance_type`); a spark job without it runs on serverless Spark.' },
    },
  }),
  'command-keys': table(cmd, D, { only: ['code', 'command', 'environment', 'environment_variables', 'distribution', 'resources', 'limits', 'queue_settings', 'parent_job_name'], required: ['command'] }),
  'sweep-keys': table(swp, D, { only: ['trial', 'search_space', 'sampling_algorithm', 'objective', 'early_termination', 'limits', 'resources', 'queue_settings'], required: ['trial', 'search_space', 'sampling_algorithm', 'objective'] }),
  'spark-keys': table(spk, D, { only: ['code', 'entry', 'py_files', 'jars', 'files', 'archives', 'args', 'conf', 'environment', 'resources'], required: ['code', 'entry'] }),
  'inline-env': table(D.inlineEnvironment.properties, D),
  'conda-spec': table(D.condaSpec.properties, D, { prefix: 'conda_file.', overrides: { dependencies: { type: 'list of strings and `{pip: [...]}`' } } }),
  build: table(D.buildContext.properties, D, { prefix: 'build.', required: ['path'] }),
  'inference-config': table(D.inferenceConfig.properties, D, { prefix: 'inference_config.', overrides: Object.fromEntries(['liveness_route', 'readiness_route', 'scoring_route'].map((k) => [k, { type: 'mapping: `{port, path}`', example: '`{port: 5001, path: /score}`' }])) }),
  'dataset-input': table(D.datasetInput.properties, D, { required: ['dataset'] }),
  'job-input': table(D.jobInput.properties, D),
  output: table(D.output.properties, D),
  distribution: variants(D.distribution, D),
  resources: table(D.jobResources.properties, D, { prefix: 'resources.', overrides: { instance_count: { type: 'integer ≥ 1, or a `${{…}}` expression', example: '`2`' } } }),
  limits: table(D.commandLimits.properties, D, { prefix: 'limits.' }),
  queue: table(D.queueSettings.properties, D, { prefix: 'queue_settings.' }),
  identity: variants(D.identity, D, { heading: (t) => `\`type: ${t}\`` }),
  service: table(D.service.properties, D),
  trial: table(D.sweepTrial.properties, D, { prefix: 'trial.', required: ['command'], overrides: { command: { example: '`python train.py --lr ${{search_space.lr}}`' } } }),
  sampling: variants(D.samplingAlgorithmObject, D),
  search: searchTable(),
  objective: table(D.objective.properties, D, { prefix: 'objective.', required: ['goal', 'primary_metric'] }),
  'sweep-limits': table(D.sweepLimits.properties, D, { prefix: 'limits.' }),
  early: variants(D.earlyTermination, D),
  entry: table(D.sparkEntry.properties, D, { prefix: 'entry.' }),
  conf: table(D.sparkConf.properties, D, { overrides: {} }),
  'spark-resources': table(D.sparkResources.properties, D, { prefix: 'resources.' }),
};

function searchTable() {
  const rows = ['| `type` | keys | samples |', '| --- | --- | --- |'];
  for (const branch of D.searchExpression.allOf) {
    const cond = branch.if.properties.type;
    const types = cond.const !== undefined ? [cond.const] : cond.enum;
    const then = branch.then;
    const keys = Object.keys(then.properties).filter((k) => k !== 'type').map(code);
    rows.push(`| ${types.map(code).join(', ')} | ${keys.join(', ')} | ${esc(then.properties.type.description)} |`);
  }
  return rows.join('\n');
}

/** The template's text with every table marker replaced; an unknown or unused table is an error. */
export function fillTables(text) {
  const used = new Set();
  const filled = text.replace(/<!-- table:([\w-]+) -->/g, (_m, name) => {
    if (!(name in tables)) throw new Error(`no table ${name}`);
    used.add(name);
    return tables[name];
  });
  const unused = Object.keys(tables).filter((name) => !used.has(name));
  if (unused.length) throw new Error(`tables the template does not use: ${unused.join(', ')}`);
  return filled;
}
