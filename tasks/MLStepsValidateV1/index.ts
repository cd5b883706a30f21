// MLStepsValidate@1 entry point: read the inputs, run the validation, let runTask set the result.
import * as tl from 'azure-pipelines-task-lib/task';
import { boolInput, runTask } from '../common/agent';
import { taskLibValidateAgent } from './validate-agent';
import { validateTask } from './validate-task';

void runTask((signal) =>
  validateTask(
    {
      project: tl.getInput('project', false) ?? '.',
      failOnWarnings: boolInput('failOnWarnings', false),
      publishTestResults: boolInput('publishTestResults', true),
      commentOnPullRequest: boolInput('commentOnPullRequest', false),
    },
    taskLibValidateAgent(),
    signal,
  ),
);
