import type { Severity } from './diagnostic';

/**
 * Every diagnostic mlsteps can report. Codes are stable and never reused: a retired check keeps
 * its number here, marked retired, so old suppressions and docs links still mean one thing.
 * docs/diagnostics.md documents each code; a test keeps the two in step.
 */
export const DIAGNOSTIC_CODES = {
  // Reading files
  MLS001: { severity: 'error', title: 'YAML syntax error' },
  MLS002: { severity: 'error', title: 'Duplicate key' },
  MLS003: { severity: 'error', title: 'File cannot be read (missing, binary or too large)' },
  MLS004: { severity: 'error', title: 'Document exceeds a safety limit (nesting depth, alias expansion or extends chain)' },
  MLS005: { severity: 'error', title: 'Document is empty or not a mapping' },
  MLS006: { severity: 'error', title: 'No project file or run configuration at the given path' },
  // Schema
  MLS101: { severity: 'error', title: 'Unknown key' },
  MLS102: { severity: 'error', title: 'Wrong type' },
  MLS103: { severity: 'error', title: 'Value not allowed' },
  MLS104: { severity: 'error', title: 'Catalog reference does not resolve' },
  MLS105: { severity: 'error', title: 'Required key missing' },
  MLS106: { severity: 'error', title: 'Invalid value (format, pattern or range)' },
  // Names and graph
  MLS110: { severity: 'error', title: '`needs` names an unknown run configuration' },
  MLS111: { severity: 'error', title: '`extends` names an unknown run configuration' },
  MLS112: { severity: 'error', title: 'Cycle in `needs`' },
  MLS113: { severity: 'error', title: 'Cycle in `extends`' },
  MLS114: { severity: 'error', title: 'Duplicate run configuration name' },
  MLS115: { severity: 'error', title: 'Profile names an unknown run configuration' },
  MLS116: { severity: 'warning', title: 'A `runconfigs` pattern matches no file' },
  // Expressions
  MLS120: { severity: 'error', title: '`${{inputs.x}}` used but input `x` is not declared' },
  MLS121: { severity: 'warning', title: 'Input declared but never used by the command' },
  MLS122: { severity: 'warning', title: 'Search-space parameter never read by the trial command' },
  MLS123: { severity: 'error', title: '`${{outputs.x}}` used but output `x` is not declared' },
  MLS124: { severity: 'error', title: '`${{search_space.x}}` used but not in the search space' },
  MLS125: { severity: 'error', title: '`${{needs.…}}` binding does not resolve' },
  MLS126: { severity: 'error', title: 'Unknown expression' },
  MLS127: { severity: 'error', title: 'Sampling algorithm cannot use this search space or policy' },
  // Files and paths
  MLS130: { severity: 'error', title: 'File or folder does not exist' },
  MLS131: { severity: 'error', title: 'Path leaves the repository' },
  MLS132: { severity: 'error', title: 'Conda file does not parse' },
  MLS133: { severity: 'error', title: 'Conda file declares no Python' },
  // Compute and data
  MLS140: { severity: 'error', title: 'Spark job on a non-Spark compute' },
  MLS141: { severity: 'error', title: 'Non-Spark job on a Spark compute' },
  MLS142: { severity: 'error', title: 'Dataset has no `local_path` but its step runs locally' },
  MLS143: { severity: 'error', title: 'Spark job has neither a compute nor serverless resources' },
  // SDK v1 import
  MLS160: { severity: 'warning', title: 'SDK v1 setting has no run-configuration equivalent and was dropped' },
} as const satisfies Record<string, { severity: Severity; title: string }>;

export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;
