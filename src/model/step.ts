import type { ComputeSpec, DatasetSpec } from './project';
import type { Framework, JobType, RunConfigDocument } from './runconfig';

/**
 * A run configuration resolved against the catalogs: everything a backend needs to run it.
 * Paths are relative to the plan's project folder, with forward slashes, so a Plan (and its
 * fingerprints) reads the same on every machine and operating system.
 */
export interface Step {
  name: string;
  /** The run configuration file. */
  file: string;
  /** The pipeline stage: prep, profile, validate, tune, train or the user's own. */
  stage: string;
  needs: string[];
  type: JobType;
  framework?: Framework;
  compute: ResolvedCompute;
  environment: ResolvedEnvironment;
  /** The code folder (`code`, or `trial.code` for a sweep). */
  code?: string;
  /** The command (`command`, or `trial.command` for a sweep); for Spark, the entry and args. */
  command?: string;
  spark?: { entry: { file?: string; class_name?: string }; args?: string; py_files?: string[]; jars?: string[]; files?: string[]; archives?: string[]; conf?: Record<string, unknown> };
  inputs: Record<string, ResolvedInput>;
  outputs: Record<string, ResolvedOutput>;
  sweep?: SweepSpec;
  /** The merged run configuration without mlsteps' own keys: the Azure ML job's YAML. */
  job: RunConfigDocument;
  /** sha256 (hex) of the resolved step, its code snapshot, its environment and its inputs' producers. */
  fingerprint: string;
}

export type ResolvedCompute =
  | { kind: 'local'; name: 'local' }
  | { kind: 'catalog'; name: string; spec: ComputeSpec }
  | { kind: 'workspace'; name: string }
  | { kind: 'serverless'; name: 'serverless' };

export type ResolvedEnvironment =
  /** A conda file (from the catalog, a path, or inline) on an image or a Docker build context. */
  | { kind: 'conda'; name?: string; condaFile?: string; conda?: string; image?: string; build?: { path: string; dockerfile_path?: string } }
  /** Registered in the workspace or a registry: azureml:name:version, azureml:name@latest, azureml://… */
  | { kind: 'registered'; reference: string }
  | { kind: 'none' };

export type ResolvedInput =
  | { kind: 'literal'; value: string | number | boolean; type?: string }
  | { kind: 'dataset'; dataset: string; spec: DatasetSpec; mode?: string }
  /** A CLI v2 input: a remote URI or a local path (relative to the project folder). */
  | { kind: 'uri'; type: string; path: string; local: boolean; mode?: string }
  | { kind: 'output'; step: string; output: string }
  | { kind: 'best'; step: string; parameter: string }
  /** Another CLI v2 expression, passed to Azure ML as written. */
  | { kind: 'expression'; value: string };

export interface ResolvedOutput {
  type: string;
  mode?: string;
  path?: string;
}

export interface SweepSpec {
  sampling: { type: 'grid' | 'random' | 'bayesian'; seed?: number; rule?: string };
  searchSpace: Record<string, SearchExpression>;
  objective: { goal: 'maximize' | 'minimize'; primary_metric: string };
  limits: { max_total_trials?: number; max_concurrent_trials?: number; timeout?: number; trial_timeout?: number };
  earlyTermination?: Record<string, unknown>;
}

export type SearchExpression = { type: string; values?: unknown[]; min_value?: number; max_value?: number; upper?: number; q?: number; mu?: number; sigma?: number };

export interface Plan {
  /** Absolute folder of the project (where mlsteps.yml is); not part of any fingerprint. */
  dir: string;
  experimentName?: string;
  workspace?: { subscription_id?: string; resource_group?: string; name?: string };
  /** Steps in an order where every step comes after the steps it needs. */
  steps: Step[];
  /** Stage names in graph order: a stage comes after every stage it needs a step from. */
  stages: string[];
  /**
   * Steps that need a step of a later stage (stages that need each other): fine for local runs,
   * impossible for a pipeline that runs stages in order.
   */
  stageConflicts?: { step: string; stage: string; need: string; needStage: string }[];
}
