// What a task that runs jobs needs from the agent beyond `Agent`: service connections, secrets,
// output variables, progress, collapsible groups and attachments. Implemented over task-lib here;
// task modules only see the interface.
import * as tlInternal from 'azure-pipelines-task-lib/internal';
import * as tl from 'azure-pipelines-task-lib/task';
import { taskLibAgent, type Agent } from './agent';
import { neutralize } from './issues';
import type { EndpointReader } from './service-connection';

export interface RunAgent extends Agent {
  /**
   * A secret pipeline variable, e.g. `System.AccessToken`: mapped into the task's environment, or
   * handed over by the agent as a secret. Never written to the debug log (task-lib's getVariable is).
   */
  secretVariable(name: string): string | undefined;
  endpoint(id: string): EndpointReader;
  /** Registers a value the agent masks in every log line from now on. */
  setSecret(value: string): void;
  /** An output variable (`isOutput=true`): `$(stage.job.step.name)` in later jobs. */
  setOutput(name: string, value: string): void;
  /** `task.setprogress`: the percentage shown next to the step. */
  setProgress(percent: number, text: string): void;
  /** A collapsible `##[group]` in the log, closed by endGroup. */
  group(title: string): void;
  endGroup(): void;
  warning(message: string): void;
  addAttachment(type: string, name: string, file: string): void;
  /** `build.addbuildtag`: a tag on the build, to find it by. */
  addBuildTag(tag: string): void;
}

/** A lookup that tries the name as given, then case-insensitively among the keys of `values`. */
function caseless(values: Record<string, string> | undefined, name: string): string | undefined {
  if (!values) return undefined;
  if (values[name] !== undefined) return values[name];
  const key = Object.keys(values).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : values[key];
}

export function taskLibRunAgent(): RunAgent {
  const base = taskLibAgent();
  return {
    ...base,
    secretVariable(name) {
      const key = name.replace(/[. ]/g, '_').toUpperCase();
      return process.env[key] || tlInternal._vault?.retrieveSecret(`SECRET_${key}`) || undefined;
    },
    endpoint(id) {
      // The whole authorization as one JSON value: task-lib's per-parameter getter would write
      // each value, secrets included, to the debug log.
      const authorization = tl.getEndpointAuthorization(id, true);
      return {
        id,
        scheme: authorization?.scheme || tl.getEndpointAuthorizationScheme(id, true) || undefined,
        parameter: (name) => caseless(authorization?.parameters, name),
        url: tl.getEndpointUrl(id, true) || undefined,
        data: (name) => tl.getEndpointDataParameter(id, name, true) || undefined,
      };
    },
    setSecret: (value) => tl.setSecret(value),
    setOutput: (name, value) => tl.setVariable(name, value, false, true),
    setProgress: (percent, text) => tl.command('task.setprogress', { value: String(Math.max(0, Math.min(100, Math.round(percent)))) }, neutralize(text)),
    group: (title) => process.stdout.write(`##[group]${neutralize(title).replace(/[\r\n]+/g, ' ')}\n`),
    endGroup: () => process.stdout.write('##[endgroup]\n'),
    warning: (message) => tl.warning(neutralize(message)),
    addAttachment: (type, name, file) => tl.addAttachment(type, name, file),
    addBuildTag: (tag) => tl.addBuildTag(neutralize(tag).replace(/[\r\n]+/g, ' ')),
  };
}
