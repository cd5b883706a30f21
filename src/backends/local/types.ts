import type { JobType } from '../../model/runconfig';
import type { SweepSpec } from '../../model/step';
import type { Metrics } from './metrics';
import type { Parameters } from './sampling';

export interface LocalRunOptions {
  /** Steps and trials running at once; default the number of CPUs. */
  concurrency?: number;
  /** The run folder, holding a work folder per step; default `<plan.dir>/.mlsteps/runs/<timestamp>`. */
  workDir?: string;
  /** The Python interpreter; default `python3` on PATH, else `/usr/bin/python3` when only it has the packages. */
  python?: string;
  /** A step whose Python packages are missing fails instead of being skipped. */
  requirePackages?: boolean;
  /** Make a virtual environment per conda file (`<plan.dir>/.mlsteps/venvs/<hash>`) and pip install its packages. */
  prepareEnv?: boolean;
  /** Describe what would run (bound command, work folder, interpreter, environment); run nothing. */
  dryRun?: boolean;
  /** Stops the run: running commands (and what they started) are killed, the rest not started. */
  abortSignal?: AbortSignal;
  /** The whole run's time limit: running steps fail with "timed out", the rest are not started. */
  timeoutMs?: number;
  /** The environment of the commands; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** After SIGTERM, how long a command's processes get before SIGKILL; default 5 s. */
  killGraceMs?: number;
  /** Each line a command prints. */
  onLine?: (line: OutputLine) => void;
  /** Progress: steps and trials starting and ending, notes, dry-run descriptions. */
  onEvent?: (event: RunEvent) => void;
}

export interface OutputLine {
  step: string;
  trial?: string;
  /** `sklearn_subset/trial-3`, `data_preparation_subset`. */
  label: string;
  text: string;
  stream: 'stdout' | 'stderr';
}

export type RunEvent =
  | { type: 'run-start'; runDir: string; steps: string[]; concurrency: number; dryRun: boolean }
  | { type: 'step-start'; step: string; workDir: string; command?: string; interpreter?: string; trials?: number }
  | { type: 'trial-start'; step: string; trial: string; parameters: Parameters; command: string }
  | { type: 'trial-end'; step: string; trial: TrialResult }
  | { type: 'step-end'; result: StepResult }
  | { type: 'note'; step?: string; message: string }
  | { type: 'dry-run'; step: string; lines: string[] };

export type StepStatus = 'succeeded' | 'failed' | 'skipped' | 'cancelled' | 'not-run';

/**
 * Why a step was skipped:
 * - `packages`: its Python packages are missing (counts as success; `requirePackages` fails it);
 * - `unsupported`: it cannot run on this machine (no spark-submit, a remote input, …);
 * - `needs-failed`: a step it needs failed or was cancelled (the run has failed anyway);
 * - `needs-skipped`: it binds the outputs or best parameters of a step that was skipped.
 */
export type SkipKind = 'packages' | 'unsupported' | 'needs-failed' | 'needs-skipped';

export interface TrialResult {
  /** `trial-1`, … */
  name: string;
  parameters: Parameters;
  status: StepStatus;
  reason?: string;
  exitCode?: number | null;
  metrics: Metrics;
  /** Absolute output folders. */
  outputs: Record<string, string>;
  workDir: string;
  command: string;
  durationMs?: number;
  lastLines?: string[];
}

export interface StepResult {
  name: string;
  stage: string;
  type: JobType;
  status: StepStatus;
  /** One line: why it failed, was skipped or cancelled. */
  reason?: string;
  skip?: SkipKind;
  /** More lines for people: the missing packages and how to install them. */
  details?: string[];
  /** The step's work folder (its code copy is `code/`, its outputs `outputs/<name>/`). */
  workDir?: string;
  /** The bound command (for a sweep, the trial command with the search space left in). */
  command?: string;
  interpreter?: string;
  environment: string;
  startedAt?: string;
  durationMs?: number;
  exitCode?: number | null;
  /** The last lines the command printed (on failure). */
  lastLines?: string[];
  /** The command's metrics (a sweep's: its best trial's). */
  metrics: Metrics;
  /** Absolute output folders (a sweep's: its best trial's). */
  outputs: Record<string, string>;
  notes: string[];
  sweep?: {
    sampling: string;
    objective: SweepSpec['objective'];
    trials: TrialResult[];
    best?: { trial: string; parameters: Parameters; metrics: Metrics };
  };
  /** dry run: what would run. */
  plan?: string[];
}

export interface LocalRunResult {
  runDir: string;
  status: 'succeeded' | 'failed' | 'cancelled';
  cancelled: boolean;
  timedOut: boolean;
  dryRun: boolean;
  /** In the plan's order. */
  steps: StepResult[];
}
