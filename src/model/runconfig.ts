import type { JobType } from '../config/schema';

export type { JobType };
export type Framework = 'python' | 'pytorch' | 'tensorflow' | 'spark';

/** Well-known pipeline stages, in the order a generated pipeline runs them. */
export const WELL_KNOWN_STEPS = ['prep', 'profile', 'validate', 'tune', 'train'] as const;

/** The keys mlsteps adds to the Azure ML CLI v2 job YAML (DESIGN §2.1). */
export const MLSTEPS_KEYS = ['name', 'step', 'needs', 'extends', 'framework'] as const;

/** A run configuration after `extends` is applied: the CLI v2 job document plus mlsteps keys. */
export interface RunConfigDocument {
  name?: string;
  step?: string;
  needs?: string | string[];
  extends?: string;
  framework?: Framework;
  type?: JobType;
  code?: string;
  command?: string;
  environment?: unknown;
  compute?: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  search_space?: Record<string, unknown>;
  trial?: { code?: string; command?: string; environment?: unknown; [key: string]: unknown };
  entry?: { file?: string; class_name?: string };
  args?: string;
  py_files?: string[];
  jars?: string[];
  files?: string[];
  archives?: string[];
  [key: string]: unknown;
}

export function defaultStep(type: JobType): string {
  return type === 'sweep' ? 'tune' : type === 'spark' ? 'prep' : 'train';
}
