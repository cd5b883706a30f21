import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SPEC_DIR, apiVersionErrorBody, armErrorBody, sharedSpec, type ArmErrorBody, type Spec } from './spec';

export type { Spec };

export interface LoadedSpec {
  /** The spec, when the fixtures are there; absent: the emulator answers without validating. */
  spec?: Spec;
  errorBody(errors: { path: string; message: string }[], operationId: string): ArmErrorBody;
  apiVersionErrorBody(apiVersion: string | undefined, supported: string[]): ArmErrorBody;
  /** Why there is no validation, for a log line (and where to get the files). */
  note?: string;
}

/** The spec under `fixturesDir` (the folder holding `azureml-rest-spec/`), loaded once per process. */
export function loadSpecValidator(fixturesDir: string | undefined): LoadedSpec {
  const base = { errorBody: armErrorBody, apiVersionErrorBody };
  if (!fixturesDir || !(existsSync(join(fixturesDir, SPEC_DIR)) || existsSync(join(fixturesDir, 'specification')))) {
    return {
      ...base,
      note: `spec validation off: ${fixturesDir ? join(fixturesDir, 'azureml-rest-spec') : 'the fixtures folder'} was not found; get the files from the URLs in azureml-rest-spec/SOURCE.md and point MLSTEPS_FIXTURES at their folder`,
    };
  }
  return { ...base, spec: sharedSpec(fixturesDir) };
}
