export { runPlanLocally } from './runner';
export type { LocalRunOptions, LocalRunResult, OutputLine, RunEvent, SkipKind, StepResult, StepStatus, TrialResult } from './types';
export { readMetricsJson, readMlflowFileStore, readRunMetrics, type Metrics } from './metrics';
export { bestTrial, grid, planTrials, randomTrials, DEFAULT_SEED, type Parameters, type ParameterValue } from './sampling';
export { checkPackages, describeMissing, type PackageCheck } from './packages';
export { parseCondaDependencies } from './conda';
export { pythonPackage } from './pythonNames';
export { runProcess, type ProcessResult } from './process';
