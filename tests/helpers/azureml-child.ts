// A child process that submits a project to Azure ML (the emulator) with src/backends/azureml, as
// one pipeline stage would: its own credential (the real @azure/identity class of a scheme), its
// own process, the CA of the emulator trusted through NODE_EXTRA_CA_CERTS. Reads its job from
// MLSTEPS_CHILD (JSON), prints one JSON line: {result} or {error}.
//
//   mode "submit": planProject + createCredential + submitPlan
//   mode "run":    runCommand({backend: 'azureml', noWait: true, …}) — the CLI's code path
import { createCredential, submitPlan, AzureMLError, type AuthConfig, type CredentialOptions, type SubmitOptions, type Target } from '../../src/backends/azureml';
import { planProject } from '../../src/plan';
import { runCommand, type RunCommandOptions } from '../../src/run/command';

export interface ChildJob {
  mode: 'submit' | 'run';
  project: string;
  steps?: string[];
  profile?: string;
  target: Target;
  auth?: AuthConfig;
  credentialOptions?: CredentialOptions;
  options?: Omit<SubmitOptions, 'credential' | 'abortSignal' | 'onProgress'>;
  run?: RunCommandOptions;
}

async function main(): Promise<void> {
  const job = JSON.parse(process.env.MLSTEPS_CHILD ?? '{}') as ChildJob;
  const progress: string[] = [];
  if (job.mode === 'run') {
    let out = '';
    let err = '';
    const code = await runCommand({ ...job.run, path: job.project, backend: 'azureml', noWait: true }, { out: (s) => void (out += s), err: (s) => void (err += s) });
    process.stdout.write(JSON.stringify({ result: { code, out, err } }) + '\n');
    return;
  }
  const { plan, error } = await planProject(job.project, { ...(job.steps ? { steps: job.steps } : {}), ...(job.profile ? { profile: job.profile } : {}) });
  if (!plan) throw new Error(`no plan: ${error?.message ?? 'validation failed'}`);
  try {
    const credential = createCredential(job.auth ?? { scheme: 'default' }, job.credentialOptions ?? {});
    const result = await submitPlan(plan, job.target, { ...job.options, credential, onProgress: (m, s) => progress.push(`${s ? `[${s}] ` : ''}${m}`) });
    const steps = result.steps.map((s) => ({ ...s, error: s.error ? { message: s.error.message, hint: (s.error as AzureMLError).hint, code: (s.error as AzureMLError).code } : undefined }));
    process.stdout.write(JSON.stringify({ result: { ...result, steps }, progress }) + '\n');
  } catch (err) {
    const e = err as AzureMLError;
    process.stdout.write(JSON.stringify({ error: { message: e.message, hint: e.hint, code: e.code, describe: typeof e.describe === 'function' ? e.describe() : String(e) }, progress }) + '\n');
  }
}

main().catch((err: unknown) => {
  process.stdout.write(JSON.stringify({ error: { message: (err as Error).stack ?? String(err) } }) + '\n');
  process.exitCode = 1;
});
