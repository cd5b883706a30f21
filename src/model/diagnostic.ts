import type { DiagnosticCode } from './codes';

export type Severity = 'error' | 'warning';

/** One finding, anchored to a 1-based line and column of a file. */
export interface Diagnostic {
  /** Path relative to the folder mlsteps was given, with forward slashes. */
  file: string;
  line: number;
  column: number;
  severity: Severity;
  code: DiagnosticCode;
  message: string;
  hint?: string;
}

export interface ValidationResult {
  ok: boolean;
  /** Absolute folder that `file` paths are relative to. */
  base: string;
  /** Every file that was read, relative to `base`. */
  files: string[];
  diagnostics: Diagnostic[];
  /** Every run configuration found, for per-run-config reports (JUnit: one test case each). */
  runConfigs: { name: string; file: string }[];
  /** A path given to validate does not exist or is not text: exit code 2, not 1. */
  unreadableInput?: boolean;
}
