import type { AmlCompute, ComputeResource } from '@azure/arm-machinelearning';
import type { ComputeSpec } from '../../model/project';
import type { ResolvedCompute } from '../../model/step';
import type { Context } from './context';
import { AzureMLError, explain, isNotFound } from './errors';
import { isoDuration } from './job';

export interface ComputeTarget {
  /** ARM id of the compute; absent for serverless compute (and serverless Spark). */
  computeId?: string;
  /** Serverless Spark: node size and runtime from the catalog. */
  sparkResources?: { instanceType?: string; runtimeVersion?: string };
  /** `existing`, `created` now, or `serverless`. */
  action: 'existing' | 'created' | 'serverless';
  /** Differences between the catalog and the workspace's compute (never changed by mlsteps). */
  warnings: string[];
}

export interface ComputeOptions {
  /** Create a catalog compute that does not exist (amlcompute only). Default false. */
  createCompute?: boolean;
}

/**
 * The compute a step runs on. A catalog or workspace compute is read (GET); a missing amlcompute
 * of the catalog is created when allowed (a long-running operation, with progress); an existing
 * compute is never changed — a difference from the catalog is a warning. Serverless compute and
 * serverless Spark (catalog type `spark`) need no compute resource.
 */
export function ensureCompute(ctx: Context, compute: ResolvedCompute, options: ComputeOptions = {}): Promise<ComputeTarget> {
  switch (compute.kind) {
    case 'local':
      return Promise.reject(
        new AzureMLError('choosing the compute', 'compute "local" is this machine: it cannot run a job on Azure ML', { code: 'LocalCompute', hint: 'run such steps with --backend local, or give them an Azure ML compute' }),
      );
    case 'serverless':
      return Promise.resolve({ action: 'serverless', warnings: [] });
    case 'catalog':
      if (compute.spec.type === 'spark') {
        const sparkResources: ComputeTarget['sparkResources'] = {};
        if (compute.spec.instance_type) sparkResources.instanceType = compute.spec.instance_type;
        if (compute.spec.runtime_version !== undefined) sparkResources.runtimeVersion = String(compute.spec.runtime_version);
        return Promise.resolve({ action: 'serverless', sparkResources, warnings: [] });
      }
      return ctx.once(`compute:${compute.name}`, () => getOrCreate(ctx, compute.name, compute.spec, options));
    case 'workspace':
      return ctx.once(`compute:${compute.name}`, () => getOrCreate(ctx, compute.name, undefined, options));
  }
}

async function getOrCreate(ctx: Context, name: string, spec: ComputeSpec | undefined, options: ComputeOptions): Promise<ComputeTarget> {
  const { resourceGroup, workspace } = ctx.target;
  const computeId = ctx.armId(`computes/${name}`);
  let existing: ComputeResource | undefined;
  try {
    existing = await ctx.client.sdk.computeOperations.get(resourceGroup, workspace, name, { abortSignal: ctx.abortSignal });
  } catch (err) {
    if (!isNotFound(err)) throw explain(err, `reading compute "${name}"`, ctx.target);
  }
  if (existing) {
    const state = existing.properties?.provisioningState;
    if (state === 'Failed') {
      throw new AzureMLError(`reading compute "${name}"`, `the compute is in provisioning state Failed`, { code: 'ComputeFailed', hint: `fix or delete compute "${name}" in workspace "${workspace}" (mlsteps never changes an existing compute)` });
    }
    return { computeId, action: 'existing', warnings: spec ? differences(name, spec, existing) : [] };
  }
  if (!spec) {
    throw new AzureMLError(`reading compute "${name}"`, `compute "${name}" does not exist in workspace "${workspace}"`, {
      code: 'ComputeNotFound',
      hint: `create it (az ml compute create), or describe it in mlsteps.yml computes: and allow mlsteps to create it (--create-compute, or the task's createCompute input)`,
    });
  }
  if (spec.type !== 'amlcompute') {
    throw new AzureMLError(`reading compute "${name}"`, `compute "${name}" (type ${spec.type}) does not exist in workspace "${workspace}"`, {
      code: 'ComputeNotFound',
      hint: `mlsteps creates only amlcompute clusters: create this ${spec.type} compute in the workspace first`,
    });
  }
  if (!options.createCompute) {
    throw new AzureMLError(`reading compute "${name}"`, `compute "${name}" does not exist in workspace "${workspace}"`, {
      code: 'ComputeNotFound',
      hint: 'allow mlsteps to create it from the catalog (--create-compute, or the task\'s createCompute input), or create it yourself (az ml compute create)',
    });
  }
  return create(ctx, name, spec, computeId);
}

/** The REST body of an amlcompute cluster from its catalog entry. */
export function amlComputeBody(spec: ComputeSpec, location: string | undefined): ComputeResource {
  if (!spec.size) throw new AzureMLError('creating a compute', 'the catalog entry has no size (the VM size, e.g. Standard_DS3_v2)', { code: 'InvalidComputeSpec' });
  const idle = typeof spec.idle_time_before_scale_down === 'number' ? spec.idle_time_before_scale_down : 120;
  const properties: AmlCompute = {
    computeType: 'AmlCompute',
    description: typeof spec.description === 'string' ? spec.description : 'Created by mlsteps from the project catalog.',
    properties: {
      vmSize: spec.size,
      vmPriority: spec.tier === 'low_priority' ? 'LowPriority' : 'Dedicated',
      scaleSettings: { minNodeCount: spec.min_instances ?? 0, maxNodeCount: spec.max_instances ?? 1, nodeIdleTimeBeforeScaleDown: isoDuration(idle) },
    },
  };
  return { ...(location ? { location } : {}), properties };
}

async function create(ctx: Context, name: string, spec: ComputeSpec, computeId: string): Promise<ComputeTarget> {
  const { resourceGroup, workspace } = ctx.target;
  const doing = `creating compute "${name}"`;
  try {
    const ws = await ctx.workspace();
    // The catalog's location wins (a cluster in another region than the workspace), else the workspace's.
    const body = amlComputeBody(spec, typeof spec.location === 'string' ? spec.location : ws.location);
    ctx.progress(`creating compute ${name}: ${spec.size}, ${spec.min_instances ?? 0}–${spec.max_instances ?? 1} nodes${spec.tier === 'low_priority' ? ', low priority' : ''}`);
    const poller = await ctx.client.sdk.computeOperations.beginCreateOrUpdate(resourceGroup, workspace, name, body, {
      abortSignal: ctx.abortSignal,
      updateIntervalInMs: ctx.options.pollIntervalMs ?? 5000,
    });
    let last: string | undefined;
    poller.onProgress((state) => {
      const status = state.isCompleted ? 'succeeded' : state.isCancelled ? 'cancelled' : 'provisioning';
      if (status !== last) ctx.progress(`compute ${name}: ${status}`);
      last = status;
    });
    const result = await poller.pollUntilDone({ abortSignal: ctx.abortSignal });
    if (result.properties?.provisioningState === 'Failed') {
      throw new AzureMLError(doing, 'provisioning failed', { code: 'ComputeProvisioningFailed', hint: 'check the VM size\'s quota and availability in the workspace region' });
    }
    ctx.stats.computesCreated++;
    return { computeId, action: 'created', warnings: [] };
  } catch (err) {
    throw explain(err, doing, ctx.target);
  }
}

/** Where the workspace's compute differs from the catalog entry (size, node counts, priority). */
export function differences(name: string, spec: ComputeSpec, existing: ComputeResource): string[] {
  const out: string[] = [];
  const props = existing.properties as AmlCompute | undefined;
  if (spec.type !== 'amlcompute' || props?.computeType !== 'AmlCompute') {
    if (props?.computeType && spec.type === 'amlcompute') out.push(`compute ${name} is of type ${props.computeType}, the catalog says amlcompute`);
    return out;
  }
  const p = props.properties ?? {};
  if (spec.size && p.vmSize && spec.size.toLowerCase() !== p.vmSize.toLowerCase()) out.push(`compute ${name} has size ${p.vmSize}, the catalog says ${spec.size}`);
  const max = p.scaleSettings?.maxNodeCount;
  if (spec.max_instances !== undefined && max !== undefined && spec.max_instances !== max) out.push(`compute ${name} scales to ${max} node${max === 1 ? '' : 's'}, the catalog says ${spec.max_instances}`);
  const min = p.scaleSettings?.minNodeCount;
  if (spec.min_instances !== undefined && min !== undefined && spec.min_instances !== min) out.push(`compute ${name} keeps ${min} node${min === 1 ? '' : 's'}, the catalog says ${spec.min_instances}`);
  const priority = spec.tier === 'low_priority' ? 'LowPriority' : spec.tier === 'dedicated' ? 'Dedicated' : undefined;
  if (priority && p.vmPriority && priority !== p.vmPriority) out.push(`compute ${name} has priority ${p.vmPriority}, the catalog says ${spec.tier}`);
  if (out.length > 0) out.push(`mlsteps does not change an existing compute: update ${name} yourself, or the catalog`);
  return out;
}
