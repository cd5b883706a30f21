import { readdirSync, readlinkSync, realpathSync, statSync, type Dirent } from 'node:fs';
import { dirname, join } from 'node:path';
import type { DiagnosticCode } from '../model/codes';
import { LOCAL_COMPUTE, type ComputeSpec } from '../model/project';
import type { RunConfigDocument } from '../model/runconfig';
import { didYouMean } from '../util/suggest';
import { checkCondaFile, declaresPython } from './conda';
import { shown, type DiagnosticSink } from './diagnostics';
import { findExpressions, parseBinding, scriptsInCommand } from './expressions';
import { isMapping, originOf } from './extends';
import { readYamlFile, type LoadedProject, type RunConfigEntry } from './load';
import { checkPath, isInside, isRemoteReference, onRunStart, realRoot } from './paths';
import { locate, pointer, type Position, type YamlFile } from './yamlFile';

/** The meaning checks of DESIGN §5.1 that a schema cannot express. */
export function checkProject(project: LoadedProject, sink: DiagnosticSink, options: { hasProjectFile: boolean }): void {
  const ctx = new CheckContext(project, sink, options.hasProjectFile);
  ctx.checkCatalogs();
  ctx.checkProfiles();
  for (const entry of project.runConfigs) if (entry.merged) ctx.checkRunConfig(entry, entry.merged);
  ctx.checkNeedsCycles();
}

type ComputeKind = { kind: 'local' } | { kind: 'catalog'; name: string; spec: ComputeSpec } | { kind: 'workspace' } | { kind: 'unknown' };

class CheckContext {
  private readonly byName: Map<string, RunConfigEntry>;

  constructor(private readonly project: LoadedProject, private readonly sink: DiagnosticSink, private readonly hasProjectFile: boolean) {
    this.byName = new Map(project.runConfigs.map((e) => [e.name, e]));
  }

  private exists(name: string): boolean {
    return this.byName.has(name) || this.project.unreadableNames.has(name);
  }

  private report(entry: RunConfigEntry, at: string, prefer: 'key' | 'value', code: DiagnosticCode, message: string, hint?: string): void {
    this.sink.at(originOf(entry.chain, at), at, prefer, code, message, hint);
  }

  /** Points inside a string value at the given text (an expression or a script name), when found. */
  private reportInValue(entry: RunConfigEntry, at: string, needle: string, code: DiagnosticCode, message: string, hint?: string): void {
    const file = originOf(entry.chain, at);
    const start = locate(file, at, 'value');
    const pos = findAfter(file, start, needle) ?? start;
    this.sink.atPosition(file.path, pos, code, message, hint);
  }

  checkCatalogs(): void {
    const file = this.project.projectFile;
    if (!file) return;
    const local = own(this.project.spec.computes, LOCAL_COMPUTE);
    if (isMapping(local) && local.type !== 'local') {
      this.sink.at(file, pointer(['computes', LOCAL_COMPUTE]), 'key', 'MLS106', `"${LOCAL_COMPUTE}" is reserved for the machine that runs mlsteps and cannot name a compute of type ${shown(local.type)}`, 'rename this compute, e.g. local-cluster');
    }
    for (const [name, env] of Object.entries(this.project.spec.environments)) {
      if (!isMapping(env)) continue;
      if (typeof env.conda_file === 'string') this.checkCondaRef(file, pointer(['environments', name, 'conda_file']), env.conda_file);
      if (isMapping(env.build) && typeof env.build.path === 'string' && !isRemoteReference(env.build.path)) {
        this.checkFileRef(file, pointer(['environments', name, 'build', 'path']), env.build.path, 'docker build context');
      }
    }
    for (const [name, ds] of Object.entries(this.project.spec.datasets)) {
      if (!isMapping(ds) || typeof ds.local_path !== 'string') continue;
      const check = checkPath(this.project.repoRoot, this.project.dir, ds.local_path);
      if (!check.ok && check.reason !== 'missing') this.pathOutside(file, pointer(['datasets', name, 'local_path']), ds.local_path, check.reason);
    }
  }

  checkProfiles(): void {
    const file = this.project.projectFile;
    if (!file) return;
    for (const [profile, names] of Object.entries(this.project.spec.profiles)) {
      if (!Array.isArray(names)) continue;
      names.forEach((name, i) => {
        if (typeof name === 'string' && !this.exists(name)) {
          this.sink.at(file, pointer(['profiles', profile, i]), 'value', 'MLS115', `profile "${profile}" lists "${name}", which is not a run configuration of this project`, didYouMean(name, this.byName.keys()));
        }
      });
    }
  }

  checkRunConfig(entry: RunConfigEntry, doc: RunConfigDocument): void {
    this.checkNeeds(entry, doc);
    const compute = this.checkCompute(entry, doc);

    const codeAt = entry.type === 'sweep' ? '/trial/code' : '/code';
    const code = entry.type === 'sweep' ? doc.trial?.code : doc.code;
    let codeDir: string | undefined;
    if (typeof code === 'string' && !isRemoteReference(code)) codeDir = this.checkCodeFolder(entry, codeAt, code);

    const envAt = entry.type === 'sweep' ? '/trial/environment' : '/environment';
    this.checkEnvironment(entry, envAt, entry.type === 'sweep' ? doc.trial?.environment : doc.environment);

    const commandAt = entry.type === 'sweep' ? '/trial/command' : entry.type === 'spark' ? '/args' : '/command';
    const command = entry.type === 'sweep' ? doc.trial?.command : entry.type === 'spark' ? doc.args : doc.command;
    if (entry.type !== 'spark' && typeof command === 'string' && codeDir) {
      for (const { script, written } of scriptsInCommand(command)) {
        const check = checkPath(this.project.repoRoot, codeDir, script);
        if (!check.ok) {
          if (check.reason === 'missing') this.reportInValue(entry, commandAt, written, 'MLS130', `the command runs ${script}, which is not in the code folder ${this.sink.rel(codeDir)}`, `check the script name and \`${entry.type === 'sweep' ? 'trial.code' : 'code'}\``);
          else this.reportInValue(entry, commandAt, written, 'MLS131', `the command's script ${script} leaves the repository${check.reason === 'symlink-outside' ? ' through a symlink' : ''}`);
        }
      }
    }
    if (entry.type === 'spark') {
      this.checkSparkFiles(entry, doc, codeDir);
      if (doc.compute === undefined && !(isMapping(doc.resources) && typeof doc.resources.instance_type === 'string')) {
        this.report(entry, '', 'value', 'MLS143', `spark job "${entry.name}" has no compute and no resources.instance_type`, sparkComputeHint(this.project.spec.computes, false));
      }
    }
    if (entry.type === 'sweep') this.checkSampling(entry, doc);
    this.checkExpressions(entry, doc, commandAt, typeof command === 'string' ? command : undefined);
    this.checkInputs(entry, doc, compute);
  }

  /** What Azure ML refuses at submission: grid needs discrete choices; bayesian has no early termination. */
  private checkSampling(entry: RunConfigEntry, doc: RunConfigDocument): void {
    const sampling = doc.sampling_algorithm;
    const algorithm = typeof sampling === 'string' ? sampling : isMapping(sampling) && typeof sampling.type === 'string' ? sampling.type : undefined;
    const space = isMapping(doc.search_space) ? doc.search_space : {};
    const allowed: Record<string, string[]> = { grid: ['choice'], bayesian: ['choice', 'uniform', 'quniform'] };
    const kinds = algorithm ? allowed[algorithm] : undefined;
    if (kinds) {
      for (const [name, expr] of Object.entries(space)) {
        if (isMapping(expr) && typeof expr.type === 'string' && !kinds.includes(expr.type)) {
          this.report(entry, pointer(['search_space', name, 'type']), 'value', 'MLS127', `${algorithm} sampling cannot search "${name}" with ${expr.type}`, `${algorithm} sampling supports ${kinds.join(', ')}${algorithm === 'grid' ? '; list the values with {type: choice, values: [...]}' : ''}, or use random sampling`);
        }
      }
    }
    if (algorithm === 'bayesian' && isMapping(doc.early_termination)) {
      this.report(entry, '/early_termination', 'key', 'MLS127', 'bayesian sampling does not support an early termination policy', 'remove early_termination, or use random sampling');
    }
  }

  private checkNeeds(entry: RunConfigEntry, doc: RunConfigDocument): void {
    const list = typeof doc.needs === 'string' ? [doc.needs] : Array.isArray(doc.needs) ? doc.needs : [];
    list.forEach((name, i) => {
      if (typeof name !== 'string') return;
      const at = typeof doc.needs === 'string' ? '/needs' : pointer(['needs', i]);
      if (name === entry.name) this.report(entry, at, 'value', 'MLS112', `"${entry.name}" needs itself`, 'remove it from `needs`');
      else if (!this.exists(name)) this.report(entry, at, 'value', 'MLS110', `needs "${name}", which is not a run configuration of this project`, didYouMean(name, [...this.byName.keys()].filter((n) => n !== entry.name)));
    });
  }

  checkNeedsCycles(): void {
    const state = new Map<string, 'visiting' | 'done'>();
    // Depth-first with an explicit stack: a chain of 12,000 run configurations, each needing the
    // one before, overflowed the call stack of the recursive version.
    const stack: { entry: RunConfigEntry; next: number }[] = [];
    const enter = (entry: RunConfigEntry) => {
      state.set(entry.name, 'visiting');
      stack.push({ entry, next: 0 });
    };
    for (const root of this.project.runConfigs) {
      if (state.has(root.name)) continue;
      enter(root);
      while (stack.length > 0) {
        const frame = stack[stack.length - 1];
        const { entry } = frame;
        if (frame.next >= entry.needs.length) {
          stack.pop();
          state.set(entry.name, 'done');
          continue;
        }
        const need = entry.needs[frame.next++];
        const next = this.byName.get(need);
        if (!next || next === entry) continue;
        const s = state.get(need);
        if (s === 'visiting') {
          // Told from the run configuration whose `needs` closes the loop, where the fix goes.
          const path = stack.slice(stack.findIndex((f) => f.entry === next)).map((f) => f.entry.name);
          const cycle = [entry.name, ...path.slice(0, -1), entry.name];
          const i = entry.needs.indexOf(need);
          const at = typeof entry.merged?.needs === 'string' ? '/needs' : pointer(['needs', i]);
          this.report(entry, at, 'value', 'MLS112', `needs forms a cycle: ${cycle.join(' → ')}`, 'a step cannot wait for a step that waits for it');
        } else if (s === undefined) enter(next);
      }
    }
  }

  private resolveCompute(value: string): ComputeKind {
    if (value === LOCAL_COMPUTE) return { kind: 'local' };
    if (value.startsWith('azureml:')) return { kind: 'workspace' };
    const spec = own(this.project.spec.computes, value);
    if (spec) return { kind: 'catalog', name: value, spec };
    return this.hasProjectFile ? { kind: 'unknown' } : { kind: 'workspace' };
  }

  private checkCompute(entry: RunConfigEntry, doc: RunConfigDocument): ComputeKind | undefined {
    if (typeof doc.compute !== 'string') return undefined;
    const compute = this.resolveCompute(doc.compute);
    if (compute.kind === 'unknown') {
      const names = [LOCAL_COMPUTE, ...Object.keys(this.project.spec.computes)];
      this.report(entry, '/compute', 'value', 'MLS104', `compute "${doc.compute}" is not in the catalog`, didYouMean(doc.compute, names, `${known('computes', names)}add it under \`computes:\` in mlsteps.yml, or write azureml:${doc.compute} for a compute that already exists in the workspace`));
      return compute;
    }
    if (compute.kind === 'catalog') {
      const isSparkCompute = compute.spec.type === 'spark' || compute.spec.type === 'synapsespark';
      if (entry.type === 'spark' && !isSparkCompute && compute.spec.type !== 'local') {
        this.report(entry, '/compute', 'value', 'MLS140', `spark job "${entry.name}" runs on "${doc.compute}", which is not a Spark compute (type ${compute.spec.type})`, sparkComputeHint(this.project.spec.computes));
      } else if (entry.type !== 'spark' && isSparkCompute) {
        this.report(entry, '/compute', 'value', 'MLS141', `${entry.type} job "${entry.name}" runs on "${doc.compute}", a Spark compute`, 'Spark computes only run `type: spark` jobs; pick an amlcompute cluster or make this a spark job');
      }
    }
    return compute;
  }

  private checkEnvironment(entry: RunConfigEntry, at: string, env: unknown): void {
    if (typeof env === 'string' && env.startsWith('file:')) {
      // An Azure ML environment asset file (`az ml environment create --file`), as the CLI reads it.
      this.checkEnvironmentAsset(originOf(entry.chain, at), at, env.slice('file:'.length));
      return;
    }
    if (typeof env === 'string') {
      if (isRemoteReference(env)) return;
      if (/\.ya?ml$/i.test(env)) {
        this.checkCondaRef(originOf(entry.chain, at), at, env);
        return;
      }
      if (!Object.hasOwn(this.project.spec.environments, env)) {
        const hint = didYouMean(env, Object.keys(this.project.spec.environments), `${known('environments', Object.keys(this.project.spec.environments))}add it under \`environments:\` in mlsteps.yml, or write azureml:${env}@latest for an environment registered in the workspace`);
        this.report(entry, at, 'value', 'MLS104', `environment "${env}" is not in the catalog`, hint);
      }
    } else if (isMapping(env)) {
      const file = originOf(entry.chain, at + '/conda_file');
      if (typeof env.conda_file === 'string' && !isRemoteReference(env.conda_file)) this.checkCondaRef(file, at + '/conda_file', env.conda_file);
      if (isMapping(env.conda_file) && Array.isArray(env.conda_file.dependencies) && !declaresPython(env.conda_file.dependencies)) {
        this.report(entry, at + '/conda_file/dependencies', 'key', 'MLS133', 'the inline conda specification declares no Python', 'add a pinned interpreter to dependencies, e.g. `- python=3.10`');
      }
      if (isMapping(env.build) && typeof env.build.path === 'string' && !isRemoteReference(env.build.path)) {
        this.checkFileRef(originOf(entry.chain, at + '/build/path'), at + '/build/path', env.build.path, 'docker build context');
      }
    }
  }

  /** An environment asset file: it must exist, and its own conda file and build context too. */
  private checkEnvironmentAsset(file: YamlFile, at: string, written: string): void {
    const abs = this.checkFileRef(file, at, written, 'environment file');
    if (!abs) return;
    if (!this.project.files.includes(abs)) this.project.files.push(abs);
    const asset = readYamlFile(abs, this.sink);
    if (!asset) return;
    if (!isMapping(asset.data)) {
      this.sink.at(asset, '', 'value', 'MLS005', 'an environment file must be a mapping with `image` or `build`, and optionally `conda_file`');
      return;
    }
    if (typeof asset.data.conda_file === 'string' && !isRemoteReference(asset.data.conda_file)) this.checkCondaRef(asset, '/conda_file', asset.data.conda_file);
    const build = asset.data.build;
    if (isMapping(build) && typeof build.path === 'string' && !isRemoteReference(build.path)) this.checkFileRef(asset, '/build/path', build.path, 'docker build context');
  }

  private checkCondaRef(file: YamlFile, at: string, written: string): void {
    const abs = this.checkFileRef(file, at, written, 'conda file');
    if (!abs) return;
    if (!this.project.files.includes(abs)) this.project.files.push(abs);
    const problem = checkCondaFile(abs);
    if (problem) this.sink.atPosition(abs, { line: problem.line, column: problem.column }, problem.code, problem.message, problem.hint);
  }

  /** Checks a path written in a file exists and stays in the repository; returns it when usable. */
  private checkFileRef(file: YamlFile, at: string, written: string, what: string): string | undefined {
    const check = checkPath(this.project.repoRoot, dirname(file.path), written);
    if (check.ok) return check.absolute;
    if (check.reason === 'missing') {
      const folder = this.sink.rel(dirname(file.path));
      this.sink.at(file, at, 'value', 'MLS130', `${what} "${written}" does not exist`, `paths are relative to the folder of ${this.sink.rel(file.path)}${folder === '.' ? '' : ` (${folder}/)`}`);
    } else this.pathOutside(file, at, written, check.reason);
    return undefined;
  }

  private pathOutside(file: YamlFile, at: string, written: string, reason: 'outside' | 'symlink-outside'): void {
    this.sink.at(file, at, 'value', 'MLS131', reason === 'outside' ? `"${written}" leaves the repository` : `"${written}" leaves the repository through a symlink`, 'everything a step uses must be inside the repository, so the pull request shows it');
  }

  private checkCodeFolder(entry: RunConfigEntry, at: string, code: string): string | undefined {
    const file = originOf(entry.chain, at);
    const abs = this.checkFileRef(file, at, code, 'code folder');
    if (!abs) return undefined;
    const escape = symlinkEscape(abs, this.project.repoRoot);
    if (escape) this.sink.at(file, at, 'value', 'MLS131', `the code folder contains ${this.sink.rel(escape)}, a symlink that leaves the repository`, 'the code snapshot would upload files from outside the repository; remove the link or add it to .amlignore');
    return abs;
  }

  private checkSparkFiles(entry: RunConfigEntry, doc: RunConfigDocument, codeDir: string | undefined): void {
    if (!codeDir) return;
    const entryFile = doc.entry?.file;
    const relFiles: [string, string][] = [];
    if (typeof entryFile === 'string') relFiles.push(['/entry/file', entryFile]);
    for (const key of ['py_files', 'jars', 'files', 'archives'] as const) {
      const list = doc[key];
      if (Array.isArray(list)) list.forEach((f, i) => typeof f === 'string' && relFiles.push([pointer([key, i]), f]));
    }
    for (const [at, written] of relFiles) {
      if (isRemoteReference(written)) continue;
      const path = written.replace(/#.*$/, ''); // archives may carry `#alias`
      const check = checkPath(this.project.repoRoot, codeDir, path);
      if (check.ok) continue;
      if (check.reason === 'missing') this.report(entry, at, 'value', 'MLS130', `"${written}" is not in the code folder ${this.sink.rel(codeDir)}`, 'Spark files are relative to `code`');
      else this.pathOutside(originOf(entry.chain, at), at, written, check.reason);
    }
  }

  private checkExpressions(entry: RunConfigEntry, doc: RunConfigDocument, commandAt: string, command: string | undefined): void {
    const inputs = isMapping(doc.inputs) ? doc.inputs : {};
    const outputs = isMapping(doc.outputs) ? doc.outputs : {};
    const searchSpace = isMapping(doc.search_space) ? doc.search_space : {};
    const usedInputs = new Set<string>();
    const usedParams = new Set<string>();
    for (const expr of command ? findExpressions(command) : []) {
      const [scope, name, ...rest] = expr.body.split('.');
      if (scope === 'inputs' && name && rest.length === 0) {
        usedInputs.add(name);
        if (!Object.hasOwn(inputs, name)) this.reportInValue(entry, commandAt, expr.text, 'MLS120', `${expr.text} is used but there is no input "${name}"`, didYouMean(name, Object.keys(inputs), `${declared('inputs', Object.keys(inputs))}declare it under \`inputs:\``));
      } else if (scope === 'outputs' && name && rest.length === 0) {
        if (!Object.hasOwn(outputs, name)) this.reportInValue(entry, commandAt, expr.text, 'MLS123', `${expr.text} is used but there is no output "${name}"`, didYouMean(name, Object.keys(outputs), `${declared('outputs', Object.keys(outputs))}declare it under \`outputs:\``));
      } else if (scope === 'search_space' && name && rest.length === 0 && entry.type === 'sweep') {
        usedParams.add(name);
        if (!Object.hasOwn(searchSpace, name)) this.reportInValue(entry, commandAt, expr.text, 'MLS124', `${expr.text} is used but "${name}" is not in the search space`, didYouMean(name, Object.keys(searchSpace), `${declared('search-space parameters', Object.keys(searchSpace))}add it under \`search_space:\``));
      } else {
        const allowed = entry.type === 'sweep' ? '${{inputs.x}}, ${{outputs.x}} and ${{search_space.x}}' : '${{inputs.x}} and ${{outputs.x}}';
        this.reportInValue(entry, commandAt, expr.text, 'MLS126', `${expr.text} is not an expression a ${entry.type} job understands`, `a ${entry.type === 'spark' ? 'spark job\'s args' : entry.type === 'sweep' ? 'trial command' : 'command'} can use ${allowed}; bind earlier steps under \`inputs:\``);
      }
    }
    if (command !== undefined) {
      for (const name of Object.keys(inputs)) {
        if (!usedInputs.has(name)) this.report(entry, pointer(['inputs', name]), 'key', 'MLS121', `input "${name}" is never used by the ${entry.type === 'spark' ? 'args' : 'command'}`, `pass it with \${{inputs.${name}}} or remove it`);
      }
      if (entry.type === 'sweep') {
        for (const name of Object.keys(searchSpace)) {
          if (!usedParams.has(name)) this.report(entry, pointer(['search_space', name]), 'key', 'MLS122', `search-space parameter "${name}" is never read by the trial command`, `pass it with \${{search_space.${name}}}; otherwise every trial runs the same`);
        }
      }
    }
  }

  private checkInputs(entry: RunConfigEntry, doc: RunConfigDocument, compute: ComputeKind | undefined): void {
    if (!isMapping(doc.inputs)) return;
    const runsLocally = compute?.kind === 'local' || (compute?.kind === 'catalog' && compute.spec.type === 'local');
    const needs = new Set(entry.needs);
    for (const [name, value] of Object.entries(doc.inputs)) {
      const at = pointer(['inputs', name]);
      if (typeof value === 'string') {
        for (const expr of findExpressions(value)) this.checkBinding(entry, at, expr.text, expr.body, needs);
      } else if (isMapping(value)) {
        if (typeof value.dataset === 'string') {
          const ds = own(this.project.spec.datasets, value.dataset);
          if (!ds) {
            this.report(entry, at + '/dataset', 'value', 'MLS104', `dataset "${value.dataset}" is not in the catalog`, didYouMean(value.dataset, Object.keys(this.project.spec.datasets), `${known('datasets', Object.keys(this.project.spec.datasets))}add it under \`datasets:\` in mlsteps.yml`));
          } else if (runsLocally) {
            if (typeof ds.local_path !== 'string') {
              this.report(entry, at + '/dataset', 'value', 'MLS142', `dataset "${value.dataset}" has no local_path, but "${entry.name}" runs locally`, `add \`local_path:\` to datasets.${value.dataset} in mlsteps.yml`);
            } else if (this.project.projectFile) {
              const check = checkPath(this.project.repoRoot, this.project.dir, ds.local_path);
              if (!check.ok && check.reason === 'missing') this.sink.at(this.project.projectFile, pointer(['datasets', value.dataset, 'local_path']), 'value', 'MLS130', `local_path "${ds.local_path}" of dataset "${value.dataset}" does not exist, and "${entry.name}" runs locally`);
            }
          }
        } else if (typeof value.path === 'string') {
          if (value.path.includes('${{')) {
            for (const expr of findExpressions(value.path)) this.checkBinding(entry, at + '/path', expr.text, expr.body, needs);
          } else if (!isRemoteReference(value.path) && !/^[a-z][a-z0-9+.-]+:/i.test(value.path)) {
            // A URI scheme has two letters or more: `C:` is a Windows drive, a path to check.
            this.checkFileRef(originOf(entry.chain, at + '/path'), at + '/path', value.path, `the path of input "${name}",`);
          }
        }
      }
    }
  }

  private checkBinding(entry: RunConfigEntry, at: string, text: string, body: string, needs: Set<string>): void {
    const binding = parseBinding(body);
    if (binding === undefined) return; // CLI v2 expressions such as ${{parent.inputs.x}} pass through
    if (binding === 'malformed') {
      this.reportInValue(entry, at, text, 'MLS125', `${text} is not a binding mlsteps understands`, 'write ${{needs.STEP.outputs.NAME}} or ${{needs.STEP.best.PARAMETER}}');
      return;
    }
    const target = this.byName.get(binding.step);
    if (!target) {
      if (this.project.unreadableNames.has(binding.step)) return;
      this.reportInValue(entry, at, text, 'MLS125', `${text} names "${binding.step}", which is not a run configuration of this project`, didYouMean(binding.step, [...this.byName.keys()].filter((n) => n !== entry.name)));
      return;
    }
    if (!needs.has(binding.step)) {
      this.reportInValue(entry, at, text, 'MLS125', `${text} binds "${binding.step}", which is not in \`needs\``, `add "${binding.step}" to needs so it runs first`);
      return;
    }
    const doc = target.merged;
    if (!doc) return;
    if (binding.kind === 'needs-output') {
      const outputs = isMapping(doc.outputs) ? Object.keys(doc.outputs) : [];
      if (!outputs.includes(binding.output)) this.reportInValue(entry, at, text, 'MLS125', `"${binding.step}" has no output "${binding.output}"`, didYouMean(binding.output, outputs, `declare it under outputs: in ${binding.step}`));
    } else {
      if (target.type !== 'sweep') {
        this.reportInValue(entry, at, text, 'MLS125', `${text} needs a sweep, but "${binding.step}" is a ${target.type} job`, 'only sweep steps have a best trial');
        return;
      }
      const params = isMapping(doc.search_space) ? Object.keys(doc.search_space) : [];
      if (!params.includes(binding.parameter)) this.reportInValue(entry, at, text, 'MLS125', `"${binding.step}" has no search-space parameter "${binding.parameter}"`, didYouMean(binding.parameter, params));
    }
  }
}

/**
 * A catalog entry by name, if the catalog has it. Not `catalog[name]` or `name in catalog`: for
 * `compute: constructor` or `environment: toString` those find Object.prototype's members, and
 * the reference passed as resolved.
 */
function own<T>(catalog: Record<string, T>, name: string): T | undefined {
  return Object.hasOwn(catalog, name) ? catalog[name] : undefined;
}

/** "declared inputs: a, b; " — what the expression could have meant. */
function declared(what: string, names: string[]): string {
  return names.length > 0 && names.length <= 12 ? `declared ${what}: ${names.map((n) => `"${n}"`).join(', ')}; ` : '';
}

/** "the catalog has a, b; " — the names a user can pick from, when there are few enough to read. */
function known(catalog: string, names: string[]): string {
  if (names.length === 0) return `the project has no ${catalog}; `;
  return names.length <= 12 ? `${catalog} in the catalog: ${names.map((n) => `"${n}"`).join(', ')}; ` : '';
}

function sparkComputeHint(computes: Record<string, ComputeSpec>, hasCompute = true): string {
  const spark = Object.entries(computes).filter(([, c]) => c.type === 'spark' || c.type === 'synapsespark').map(([n]) => n);
  const serverless = `${hasCompute ? 'drop `compute` and ' : ''}set resources: {instance_type: standard_e4s_v3, runtime_version: "3.4"} for serverless Spark`;
  return spark.length > 0 ? `use a Spark compute (${spark.map((n) => `"${n}"`).join(', ')}), or ${serverless}` : `add a compute with \`type: spark\` to the catalog, or ${serverless}`;
}

/** Finds `needle` in the file's text at or after a position; returns its position. */
function findAfter(file: YamlFile, start: Position, needle: string): Position | undefined {
  const lines = file.text.split('\n');
  for (let line = start.line - 1; line < lines.length && line < start.line - 1 + 400; line++) {
    const from = line === start.line - 1 ? start.column - 1 : 0;
    const i = lines[line].indexOf(needle, from);
    if (i >= 0) return { line: line + 1, column: i + 1 };
  }
  return undefined;
}

const escapeCache = new Map<string, string | null>();
onRunStart(() => escapeCache.clear());
const MAX_WALK = 50_000;

/** The first symlink under a code folder that resolves outside the repository, if any. */
function symlinkEscape(folder: string, repoRoot: string): string | undefined {
  const cached = escapeCache.get(folder);
  if (cached !== undefined) return cached ?? undefined;
  const root = realRoot(repoRoot);
  let seen = 0;
  let found: string | undefined;
  const stack = [folder];
  const followed = new Set<string>();
  while (stack.length > 0 && found === undefined && seen < MAX_WALK) {
    const dir = stack.pop()!;
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      seen++;
      const abs = join(dir, e.name);
      if (e.isSymbolicLink()) {
        let target: string;
        try {
          target = realpathSync(abs);
        } catch {
          target = join(dirname(abs), readlinkSafe(abs));
        }
        if (!isInside(root, target)) {
          found = abs;
          break;
        }
        // A link to a folder inside the repository is walked too, as the code snapshot follows it:
        // `src/lib -> ../other` with `other/leak -> /elsewhere` uploads /elsewhere (found by the fuzzer).
        if (!followed.has(target) && isDirectoryAt(abs)) {
          followed.add(target);
          stack.push(abs);
        }
      } else if (e.isDirectory() && e.name !== '.git' && e.name !== 'node_modules') stack.push(abs);
    }
  }
  escapeCache.set(folder, found ?? null);
  return found;
}

function isDirectoryAt(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function readlinkSafe(p: string): string {
  try {
    return readlinkSync(p);
  } catch {
    return '';
  }
}
