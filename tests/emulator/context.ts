import type { Auth } from './auth';
import type { Azurite } from './azurite';
import type { Redactor } from './redact';
import type { ArmResource, EmulatorIds, EmulatorState } from './types';

/** A long-running operation (compute create, job cancel) polled through its status URLs. */
export interface Operation {
  id: string;
  kind: 'compute-create' | 'job-cancel';
  target: string;
  apiVersion: string;
  startTime: number;
  /** Current status: InProgress, Succeeded, Failed, Canceled. */
  status(): { status: 'InProgress' | 'Succeeded' | 'Failed' | 'Canceled'; endTime?: number; error?: { code: string; message: string } };
}

/** Everything the route modules share. */
export interface Ctx {
  base: string;
  ids: EmulatorIds;
  state: EmulatorState;
  azurite: Azurite;
  auth: Auth;
  redactor: Redactor;
  /** `/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/{w}` */
  workspaceArmId: string;
  discoveryUrl: string;
  mlflowTrackingUri: string;
  pageSize: number;
  computeProvisionMs: number;
  imageBuildMs: number;
  jobMode: 'scripted' | 'executed';
  /** The interpreter of executed jobs, when chosen. */
  python?: string;
  operations: Map<string, Operation>;
  /** Datastore name → its secrets (listSecrets). */
  datastoreSecrets: Map<string, Record<string, unknown>>;
  /** The run-artifact container in Azurite (`azureml`). */
  artifactContainer: string;
  /** The default datastore's container. */
  blobContainer: string;
  /** A datastore's container by name (for azureml://datastores/… URIs). */
  datastore(name: string): ArmResource | undefined;
  /** An asset version by ARM id or `azureml:name:version`. */
  resolveAsset(ref: string, kind: 'codes' | 'data' | 'environments'): ArmResource | undefined | 'unparsable';
  log(line: string): void;
}

export const RP = 'Microsoft.MachineLearningServices';
