import type { Workspace } from '@azure/arm-machinelearning';
import type { ArmClient } from './client';
import { explain } from './errors';
import type { Json } from './job';
import { getMlflowRun, mlflowHttpsBase } from './metrics';
import type { BestResolver } from './submit';

/**
 * A completed sweep's best trial parameter, read as Azure ML records it: the sweep's
 * `best_child_run_id` (a property of the sweep job, or a tag of its run), then that trial run's
 * parameters from the workspace's MLflow tracking API (`mlFlowTrackingUri`, its `azureml://` as
 * `https://`), with the same credential.
 */
export const bestTrialParameter: BestResolver = async ({ client, jobName, job, parameter, abortSignal, workspace }) => {
  const props = (job.properties ?? {}) as Json;
  const fromJob = (props.properties as Record<string, string> | undefined)?.best_child_run_id ?? (props.tags as Record<string, string> | undefined)?.best_child_run_id;
  const mlflow = await mlflowBase(client, workspace, abortSignal);
  let best = fromJob;
  if (!best) {
    const run = await getMlflowRun(client, mlflow, jobName, abortSignal);
    best = run?.data?.tags?.find((t) => t.key === 'best_child_run_id')?.value;
  }
  if (!best) return undefined;
  const trial = await getMlflowRun(client, mlflow, best, abortSignal);
  const value = trial?.data?.params?.find((p) => p.key === parameter)?.value;
  if (value === undefined) return undefined;
  const n = Number(value);
  return value.trim() !== '' && Number.isFinite(n) && String(n) === value.trim() ? n : value;
};

async function mlflowBase(client: ArmClient, known: Workspace | undefined, abortSignal?: AbortSignal): Promise<string> {
  const { resourceGroup, workspace } = client.target;
  try {
    const ws = known ?? (await client.sdk.workspaces.get(resourceGroup, workspace, { abortSignal }));
    return mlflowHttpsBase(ws.mlFlowTrackingUri);
  } catch (err) {
    throw explain(err, `finding the MLflow tracking API of workspace "${workspace}"`, client.target);
  }
}
