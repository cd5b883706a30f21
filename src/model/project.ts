/** The catalogs and defaults of an `mlsteps.yml` (DESIGN §2.2), as validated by schemas/mlsteps.schema.json. */
export interface ProjectSpec {
  runconfigs: string[];
  workspace?: { subscription_id?: string; resource_group?: string; name?: string };
  experiment_name?: string;
  computes: Record<string, ComputeSpec>;
  environments: Record<string, EnvironmentSpec>;
  datasets: Record<string, DatasetSpec>;
  profiles: Record<string, string[]>;
}

export type ComputeType = 'amlcompute' | 'spark' | 'synapsespark' | 'kubernetes' | 'computeinstance' | 'local';

export interface ComputeSpec {
  type: ComputeType;
  size?: string;
  min_instances?: number;
  max_instances?: number;
  tier?: 'dedicated' | 'low_priority';
  instance_type?: string;
  runtime_version?: string;
  [key: string]: unknown;
}

export interface EnvironmentSpec {
  conda_file?: string;
  image?: string;
  build?: { path: string; dockerfile_path?: string };
  description?: string;
  tags?: Record<string, string>;
  os_type?: 'linux' | 'windows';
}

export interface DatasetSpec {
  /** Default `uri_folder`. */
  type?: 'uri_file' | 'uri_folder' | 'mltable';
  path: string;
  local_path?: string;
  mode?: string;
  description?: string;
}

/** The name under which the machine running mlsteps is always available as a compute. */
export const LOCAL_COMPUTE = 'local';

export const DEFAULT_RUNCONFIG_GLOBS = ['runconfigs/*.{yml,yaml}'];

export const PROJECT_FILE_NAME = 'mlsteps.yml';

/**
 * The keys of each model type, listed once at run time so a test can hold them equal to the
 * schema's properties; the `satisfies` clauses and KeysOf make the compiler hold them equal to
 * the TypeScript types. Schema, types and docs therefore cannot drift apart unnoticed.
 */
type KeysOf<T> = { [K in keyof T]-?: K }[keyof T] & string;
type Exactly<T, L extends readonly string[]> = Exclude<KeysOf<T>, L[number]> extends never ? L : never;
const keys = <T>() => <const L extends readonly KeysOf<T>[]>(list: Exactly<T, L>) => list;

export const PROJECT_KEYS = keys<ProjectSpec>()(['runconfigs', 'workspace', 'experiment_name', 'computes', 'environments', 'datasets', 'profiles']);
export const ENVIRONMENT_KEYS = keys<EnvironmentSpec>()(['conda_file', 'image', 'build', 'description', 'tags', 'os_type']);
export const DATASET_KEYS = keys<DatasetSpec>()(['type', 'path', 'local_path', 'mode', 'description']);
export const COMPUTE_TYPES: readonly ComputeType[] = ['amlcompute', 'spark', 'synapsespark', 'kubernetes', 'computeinstance', 'local'];
