export { generatePipeline, triggersFor, branchName, describeCompute, describeEnvironment, shellWord, VALIDATE_STAGE, DEFAULT_MAIN_BRANCH, SERVICE_CONNECTION_PARAMETER } from './generate';
export type { GeneratedPipeline, PipelineOptions, PipelinePlan, Trigger } from './generate';
export { identifier, Identifiers, IDENTIFIER } from './names';
export { pipelineCommand, DEFAULT_SERVICE_CONNECTION, DEFAULT_PROFILES } from './command';
export type { CommandIo, PipelineCommandOptions } from './command';
