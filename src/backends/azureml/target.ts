import type { Plan } from '../../model/step';

export const DEFAULT_ARM_ENDPOINT = 'https://management.azure.com';

/** The Azure ML workspace the steps run in, and where its control plane is. */
export interface Target {
  subscriptionId: string;
  resourceGroup: string;
  workspace: string;
  /** ARM endpoint without a trailing slash; default https://management.azure.com. */
  armEndpoint: string;
  /**
   * The audience ARM tokens are requested for (scope `<audience>/.default`): the cloud's ARM
   * resource id, which is not always its endpoint (Azure Government: endpoint
   * management.usgovcloudapi.net, audience management.core.usgovcloudapi.net; Azure Stack: its own).
   * Default: the known cloud's audience, else the endpoint itself.
   */
  armAudience?: string;
  /** Entra ID authority host (sovereign clouds, Azure Stack); default the public cloud. */
  authorityHost?: string;
  /** The tenant, when known: for studio links. */
  tenantId?: string;
}

/** What the user gave on the command line or as task inputs; each wins over mlsteps.yml. */
export interface TargetFlags {
  subscription?: string;
  resourceGroup?: string;
  workspace?: string;
  armEndpoint?: string;
  /** The ARM token audience, when it is not the endpoint's (a service connection's activeDirectoryServiceEndpointResourceId). */
  armAudience?: string;
  authorityHost?: string;
  tenantId?: string;
}

export class TargetError extends Error {
  override readonly name = 'TargetError';
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

/**
 * The workspace to submit to: flags (or task inputs) first, then `workspace:` in mlsteps.yml;
 * a TargetError names everything missing and where to give it.
 */
export function resolveTarget(flags: TargetFlags, plan?: Pick<Plan, 'workspace'>): Target {
  const file = plan?.workspace ?? {};
  const pick = (flag: string | undefined, fromFile: string | undefined) => {
    const v = (flag ?? '').trim() || (fromFile ?? '').trim();
    return v || undefined;
  };
  const subscriptionId = pick(flags.subscription, file.subscription_id);
  const resourceGroup = pick(flags.resourceGroup, file.resource_group);
  const workspace = pick(flags.workspace, file.name);
  const missing: string[] = [];
  if (!subscriptionId) missing.push('the subscription (--subscription, or workspace.subscription_id in mlsteps.yml)');
  if (!resourceGroup) missing.push('the resource group (--resource-group, or workspace.resource_group in mlsteps.yml)');
  if (!workspace) missing.push('the workspace (--workspace, or workspace.name in mlsteps.yml)');
  if (missing.length > 0) {
    throw new TargetError(`which Azure ML workspace to use is not known: missing ${missing.join('; ')}`, 'give the missing values as flags (or task inputs), or add them under workspace: in mlsteps.yml');
  }
  const armEndpoint = normaliseEndpoint(flags.armEndpoint ?? DEFAULT_ARM_ENDPOINT, '--arm-endpoint');
  const target: Target = { subscriptionId: subscriptionId!, resourceGroup: resourceGroup!, workspace: workspace!, armEndpoint };
  if (flags.armAudience) target.armAudience = flags.armAudience.trim();
  if (flags.authorityHost) target.authorityHost = normaliseEndpoint(flags.authorityHost, '--authority-host');
  if (flags.tenantId) target.tenantId = flags.tenantId;
  return target;
}

function normaliseEndpoint(value: string, flag: string): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new TargetError(`${flag} "${value}" is not a URL`, `e.g. ${flag} ${flag === '--arm-endpoint' ? DEFAULT_ARM_ENDPOINT : 'https://login.microsoftonline.com'}`);
  }
  if (url.protocol !== 'https:') throw new TargetError(`${flag} "${value}" must use https`, 'Azure Resource Manager and Entra ID are only served over HTTPS');
  return url.toString().replace(/\/+$/, '');
}

/** ARM audiences of the Azure clouds whose endpoint is not their audience. */
const KNOWN_ARM_AUDIENCES: Record<string, string> = {
  'management.azure.com': 'https://management.azure.com',
  'management.usgovcloudapi.net': 'https://management.core.usgovcloudapi.net',
  'management.chinacloudapi.cn': 'https://management.core.chinacloudapi.cn',
};

/** The token scope for ARM requests: `<audience>/.default`. */
export function armScope(target: Pick<Target, 'armEndpoint' | 'armAudience'>): string {
  const audience = target.armAudience ?? KNOWN_ARM_AUDIENCES[new URL(target.armEndpoint).hostname.toLowerCase()] ?? target.armEndpoint;
  return `${audience.replace(/\/+$/, '')}/.default`;
}

/** The ARM id of the workspace: the `wsid` of studio links. */
export function workspaceId(target: Pick<Target, 'subscriptionId' | 'resourceGroup' | 'workspace'>): string {
  return `/subscriptions/${target.subscriptionId}/resourceGroups/${target.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${target.workspace}`;
}

/** The studio's host for the cloud of an ARM endpoint. */
export function studioHost(armEndpoint: string): string {
  const host = new URL(armEndpoint).hostname.toLowerCase();
  if (host.endsWith('usgovcloudapi.net')) return 'https://ml.azure.us';
  if (host.endsWith('chinacloudapi.cn')) return 'https://studio.ml.azure.cn';
  return 'https://ml.azure.com';
}

/** The Azure ML studio page of a job. */
export function studioUrl(target: Target, jobName: string): string {
  const params = new URLSearchParams({ wsid: workspaceId(target) });
  if (target.tenantId) params.set('tid', target.tenantId);
  return `${studioHost(target.armEndpoint)}/runs/${encodeURIComponent(jobName)}?${params.toString().replace(/%2F/g, '/')}`;
}

/** The tenant of an access token (its `tid` claim), read without validating it; undefined when it is not a JWT. */
export function tenantOfToken(token: string): string | undefined {
  const part = token.split('.')[1];
  if (!part) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as { tid?: unknown };
    return typeof claims.tid === 'string' ? claims.tid : undefined;
  } catch {
    return undefined;
  }
}
