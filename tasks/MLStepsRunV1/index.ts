// MLStepsRun@1 entry point: read the inputs, run the step, let runTask set the result.
import * as tl from 'azure-pipelines-task-lib/task';
import { boolInput, runTask } from '../common/agent';
import { taskLibRunAgent } from '../common/run-agent';
import { runStepTask } from './run-task';

void runTask((signal) =>
  runStepTask(
    {
      azureSubscription: tl.getInput('azureSubscription', false) ?? '',
      resourceGroup: tl.getInput('resourceGroup', false) ?? '',
      workspace: tl.getInput('workspace', false) ?? '',
      project: tl.getInput('project', false) ?? '.',
      step: tl.getInput('step', false) ?? '',
      profile: tl.getInput('profile', false) ?? '',
      wait: boolInput('wait', true),
      streamLogs: boolInput('streamLogs', true),
      timeoutMinutes: tl.getInput('timeoutMinutes', false) ?? '',
      createCompute: boolInput('createCompute', false),
      reuseCompletedRuns: boolInput('reuseCompletedRuns', false),
      gate: tl.getInput('gate', false) ?? '',
      downloadOutputs: tl.getInput('downloadOutputs', false) ?? '',
    },
    taskLibRunAgent(),
    signal,
  ),
);
