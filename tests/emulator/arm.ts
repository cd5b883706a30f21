import { createHash, randomUUID } from 'node:crypto';
import type { Ctx, Operation } from './context';
import { RP } from './context';
import { armError, isObject, json, nowIso, stable, str, type Reply, type Req } from './http';
import type { JobEngine } from './jobs';
import type { ArmResource, AssetContainerState, ComputeState } from './types';
import { TERMINAL_STATUSES } from './types';

/** One ARM route the emulator serves, named by the spec's operationId. */
export interface ArmRoute {
  operationId: string;
  handler: () => Promise<Reply> | Reply;
}

type AssetKind = 'environments' | 'codes' | 'data';

const ASSET_TYPES: Record<AssetKind, string> = { environments: 'environments', codes: 'codes', data: 'data' };
const NAME = /^[a-zA-Z0-9][a-zA-Z0-9\-_.]{0,254}$/;

function systemData(created: number, modified = created, by = 'mlsteps-emulator'): Record<string, unknown> {
  return { createdAt: nowIso(created), createdBy: by, createdByType: 'Application', lastModifiedAt: nowIso(modified), lastModifiedBy: by, lastModifiedByType: 'Application' };
}

function notFoundUserError(message: string): Reply {
  return armError(404, 'UserError', message, { details: [] });
}

function userError(message: string, status = 400): Reply {
  return armError(status, 'UserError', message, { details: [] });
}

/** The ARM resource-id parts of a workspace-scoped path, or why the path is not one. */
export interface ArmPath {
  subscriptionId: string;
  resourceGroup: string;
  workspace: string;
  rest: string[];
}

/** Splits `/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/{w}/…`. */
export function parseWorkspacePath(segments: string[]): ArmPath | undefined {
  const ci = (i: number, s: string) => segments[i]?.toLowerCase() === s.toLowerCase();
  if (!(ci(0, 'subscriptions') && ci(2, 'resourceGroups') && ci(4, 'providers') && ci(5, RP) && ci(6, 'workspaces') && segments[7])) return undefined;
  return { subscriptionId: segments[1], resourceGroup: segments[3], workspace: segments[7], rest: segments.slice(8) };
}

export class Arm {
  constructor(
    private readonly ctx: Ctx,
    private readonly jobs: JobEngine,
  ) {}

  // ---- routing ----------------------------------------------------------------------------------

  /** The route for a workspace-scoped request, or undefined (no such operation here). */
  route(req: Req, p: ArmPath): ArmRoute | undefined {
    const m = req.method;
    const r = p.rest;
    const seg = (i: number) => r[i]?.toLowerCase();
    if (r.length === 0) return m === 'GET' ? { operationId: 'Workspaces_Get', handler: () => this.getWorkspace() } : undefined;
    if (seg(0) === 'computes') {
      if (r.length === 1 && m === 'GET') return { operationId: 'Compute_List', handler: () => this.list(req, [...this.ctx.state.computes.values()].map((c) => this.computeView(c.resource, c.readyAt))) };
      if (r.length === 2 && m === 'GET') return { operationId: 'Compute_Get', handler: () => this.getCompute(r[1]) };
      if (r.length === 2 && m === 'PUT') return { operationId: 'Compute_CreateOrUpdate', handler: () => this.putCompute(req, r[1]) };
      return undefined;
    }
    for (const kind of ['environments', 'codes', 'data'] as const) {
      if (seg(0) !== kind) continue;
      const prefix = kind === 'environments' ? 'Environment' : kind === 'codes' ? 'Code' : 'Data';
      if (r.length === 1 && m === 'GET') return { operationId: `${prefix}Containers_List`, handler: () => this.listContainers(req, kind) };
      if (r.length === 2 && m === 'GET') return { operationId: `${prefix}Containers_Get`, handler: () => this.getContainer(kind, r[1]) };
      if (r.length === 2 && m === 'PUT') return { operationId: `${prefix}Containers_CreateOrUpdate`, handler: () => this.putContainer(req, kind, r[1]) };
      if (r.length === 3 && seg(2) === 'versions' && m === 'GET') return { operationId: `${prefix}Versions_List`, handler: () => this.listVersions(req, kind, r[1]) };
      if (r.length === 4 && seg(2) === 'versions' && m === 'GET') return { operationId: `${prefix}Versions_Get`, handler: () => this.getVersion(kind, r[1], r[3]) };
      if (r.length === 4 && seg(2) === 'versions' && m === 'PUT') return { operationId: `${prefix}Versions_CreateOrUpdate`, handler: () => this.putVersion(req, kind, r[1], r[3]) };
      if (kind === 'codes' && r.length === 5 && seg(2) === 'versions' && seg(4) === 'startpendingupload' && m === 'POST') {
        return { operationId: 'CodeVersions_CreateOrGetStartPendingUpload', handler: () => this.startPendingUpload(req, r[1], r[3]) };
      }
      return undefined;
    }
    if (seg(0) === 'datastores') {
      if (r.length === 1 && m === 'GET') return { operationId: 'Datastores_List', handler: () => this.listDatastores(req) };
      if (r.length === 2 && m === 'GET') return { operationId: 'Datastores_Get', handler: () => this.getDatastore(r[1]) };
      if (r.length === 2 && m === 'PUT') return { operationId: 'Datastores_CreateOrUpdate', handler: () => this.putDatastore(req, r[1]) };
      if (r.length === 3 && seg(2) === 'listsecrets' && m === 'POST') return { operationId: 'Datastores_ListSecrets', handler: () => this.listSecrets(r[1]) };
      return undefined;
    }
    if (seg(0) === 'jobs') {
      if (r.length === 1 && m === 'GET') return { operationId: 'Jobs_List', handler: () => this.listJobs(req) };
      if (r.length === 2 && m === 'GET') return { operationId: 'Jobs_Get', handler: () => this.getJob(r[1]) };
      if (r.length === 2 && m === 'PUT') return { operationId: 'Jobs_CreateOrUpdate', handler: () => this.putJob(req, r[1]) };
      if (r.length === 3 && seg(2) === 'cancel' && m === 'POST') return { operationId: 'Jobs_Cancel', handler: () => this.cancelJob(req, r[1]) };
      return undefined;
    }
    return undefined;
  }

  /** `/subscriptions/{s}/providers/Microsoft.MachineLearningServices/locations/{l}/{kind}/{id}` (LRO status). */
  operationStatus(req: Req, segments: string[]): Reply | undefined {
    const ci = (i: number, s: string) => segments[i]?.toLowerCase() === s.toLowerCase();
    if (!(ci(0, 'subscriptions') && ci(2, 'providers') && ci(3, RP) && ci(4, 'locations') && segments.length === 8)) return undefined;
    if (req.method !== 'GET') return armError(405, 'MethodNotAllowed', 'Operation status URLs are read with GET.');
    const kind = segments[6].toLowerCase();
    const op = this.ctx.operations.get(segments[7]);
    req.info.operationId = kind === 'mfeoperationresults' ? 'OperationResults_Get' : 'OperationStatus_Get';
    if (!op) return armError(404, 'NotFound', `Operation ${segments[7]} was not found.`);
    const s = op.status();
    if (kind === 'mfeoperationresults') {
      if (s.status === 'InProgress') return { status: 202, headers: { location: this.operationUrl(op, 'mfeOperationResults') } };
      if (s.status === 'Failed') return armError(400, s.error?.code ?? 'Failed', s.error?.message ?? 'The operation failed.');
      return { status: 200 };
    }
    const body: Record<string, unknown> = { id: `/subscriptions/${this.ctx.ids.subscriptionId}/providers/${RP}/locations/${this.ctx.ids.location}/${segments[6]}/${op.id}`, name: op.id, status: s.status, startTime: nowIso(op.startTime) };
    if (s.endTime) body.endTime = nowIso(s.endTime);
    if (s.error) body.error = s.error;
    return json(200, body);
  }

  operationUrl(op: Operation, kind: 'mfeOperationsStatus' | 'mfeOperationResults' | 'computeOperationsStatus'): string {
    const extra = kind === 'computeOperationsStatus' ? '&service=new' : '';
    return `${this.ctx.base}/subscriptions/${this.ctx.ids.subscriptionId}/providers/${RP}/locations/${this.ctx.ids.location}/${kind}/${op.id}?api-version=${op.apiVersion}${extra}`;
  }

  // ---- helpers ----------------------------------------------------------------------------------

  private id(...parts: string[]): string {
    return [this.ctx.workspaceArmId, ...parts].join('/');
  }

  private type(...parts: string[]): string {
    return [`${RP}/workspaces`, ...parts].join('/');
  }

  /** A list response with ARM paging (`nextLink` with `$skip`). */
  private list(req: Req, items: unknown[], pageSize = this.ctx.pageSize): Reply {
    // `$skip` is the spec's continuation token (PaginationParameter); `count` pages datastores.
    const skip = Number(req.query.$skip ?? 0) || 0;
    const top = Number(req.query.$top ?? 0) || 0;
    if (req.query.count) pageSize = Math.max(1, Number(req.query.count) || pageSize);
    const size = top > 0 ? Math.min(top, pageSize) : pageSize;
    const page = items.slice(skip, skip + size);
    const body: Record<string, unknown> = { value: page };
    const limit = top > 0 ? Math.min(items.length, top) : items.length;
    if (skip + size < limit) {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(req.query)) if (k !== '$skip') q.set(k, v);
      q.set('$skip', String(skip + size));
      body.nextLink = `${this.ctx.base}${req.path}?${q.toString()}`;
    }
    return json(200, body);
  }

  private bodyProperties(req: Req): { props: Record<string, unknown> } | { reply: Reply } {
    if (!isObject(req.body) || !isObject(req.body.properties)) return { reply: userError('The request body must be a JSON object with `properties`.') };
    return { props: req.body.properties };
  }

  // ---- workspace --------------------------------------------------------------------------------

  workspaceResource(): ArmResource {
    const { ids } = this.ctx;
    const rg = `/subscriptions/${ids.subscriptionId}/resourceGroups/${ids.resourceGroup}/providers`;
    return {
      id: this.ctx.workspaceArmId,
      name: ids.workspace,
      type: `${RP}/workspaces`,
      location: ids.location,
      tags: {},
      sku: { name: 'Basic', tier: 'Basic' },
      identity: { type: 'SystemAssigned', principalId: randomUUIDFor('principal', ids.workspaceId), tenantId: ids.tenantId },
      systemData: systemData(Date.parse('2024-01-01T00:00:00Z')),
      properties: {
        workspaceId: ids.workspaceId,
        description: 'Azure ML emulator workspace (mlsteps tests)',
        friendlyName: ids.workspace,
        keyVault: `${rg}/Microsoft.Keyvault/vaults/kv${ids.workspaceId.slice(0, 8)}`,
        applicationInsights: `${rg}/Microsoft.insights/components/ai${ids.workspaceId.slice(0, 8)}`,
        containerRegistry: `${rg}/Microsoft.ContainerRegistry/registries/cr${ids.workspaceId.slice(0, 8)}`,
        storageAccount: `${rg}/Microsoft.Storage/storageAccounts/${this.ctx.azurite.accountName}`,
        discoveryUrl: this.ctx.discoveryUrl,
        provisioningState: 'Succeeded',
        hbiWorkspace: false,
        serviceProvisionedResourceGroup: `${ids.workspace}_${ids.workspaceId.replace(/-/g, '').slice(0, 16)}`,
        privateLinkCount: 0,
        allowPublicAccessWhenBehindVnet: false,
        publicNetworkAccess: 'Enabled',
        privateEndpointConnections: [],
        sharedPrivateLinkResources: [],
        notebookInfo: { fqdn: `ml-${ids.workspace}-${ids.location}-${ids.workspaceId}.notebooks.azure.net`, resourceId: randomUUIDFor('notebook', ids.workspaceId).replace(/-/g, '') },
        tenantId: ids.tenantId,
        storageHnsEnabled: false,
        mlFlowTrackingUri: this.ctx.mlflowTrackingUri,
        v1LegacyMode: false,
      },
    };
  }

  private getWorkspace(): Reply {
    return json(200, this.workspaceResource());
  }

  // ---- computes ---------------------------------------------------------------------------------

  private computeView(resource: ArmResource, readyAt: number | undefined): ArmResource {
    const ready = readyAt === undefined || Date.now() >= readyAt;
    const properties: Record<string, unknown> = { ...resource.properties, provisioningState: ready ? 'Succeeded' : 'Creating' };
    const inner = isObject(properties.properties) ? { ...properties.properties } : undefined;
    if (inner && properties.computeType === 'AmlCompute') {
      inner.allocationState = ready ? 'Steady' : 'Resizing';
      inner.allocationStateTransitionTime = nowIso(readyAt ?? Date.now());
    }
    if (inner) properties.properties = inner;
    return { ...resource, properties };
  }

  private getCompute(name: string): Reply {
    const c = this.findCompute(name);
    if (!c) return this.computeNotFound(name);
    return json(200, this.computeView(c.resource, c.readyAt));
  }

  findCompute(name: string): ComputeState | undefined {
    for (const [k, v] of this.ctx.state.computes) if (k.toLowerCase() === name.toLowerCase()) return v;
    return undefined;
  }

  private computeNotFound(name: string): Reply {
    return armError(404, 'ResourceNotFound', `The Resource '${RP}/workspaces/${this.ctx.ids.workspace}/computes/${name}' under resource group '${this.ctx.ids.resourceGroup}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`);
  }

  private putCompute(req: Req, name: string): Reply {
    if (!/^[a-zA-Z][a-zA-Z0-9-]{1,23}$/.test(name)) {
      return userError(`Compute name '${name}' is invalid: it must be 2 to 24 characters (letters, digits, hyphens), starting with a letter.`);
    }
    const body = isObject(req.body) ? req.body : {};
    const props = isObject(body.properties) ? body.properties : {};
    const computeType = str(props.computeType) ?? 'AmlCompute';
    const existing = this.findCompute(name);
    if (existing) {
      const was = existing.resource.properties;
      const wasInner = isObject(was.properties) ? was.properties : {};
      const inner = isObject(props.properties) ? props.properties : {};
      if (was.computeType !== computeType || (inner.vmSize !== undefined && String(inner.vmSize).toLowerCase() !== String(wasInner.vmSize ?? '').toLowerCase())) {
        return armError(409, 'Conflict', `Compute '${name}' already exists with computeType ${String(was.computeType)} and vmSize ${String(wasInner.vmSize)}; its type and size cannot be changed.`);
      }
      existing.puts += 1;
      return json(200, this.computeView(existing.resource, existing.readyAt));
    }
    const now = Date.now();
    const inner: Record<string, unknown> = isObject(props.properties) ? { ...props.properties } : {};
    if (computeType === 'AmlCompute') {
      const scale = isObject(inner.scaleSettings) ? inner.scaleSettings : {};
      Object.assign(inner, {
        osType: inner.osType ?? 'Linux',
        vmSize: inner.vmSize ?? 'STANDARD_DS3_V2',
        vmPriority: inner.vmPriority ?? 'Dedicated',
        isolatedNetwork: false,
        scaleSettings: { maxNodeCount: scale.maxNodeCount ?? 1, minNodeCount: scale.minNodeCount ?? 0, nodeIdleTimeBeforeScaleDown: scale.nodeIdleTimeBeforeScaleDown ?? 'PT120S' },
        remoteLoginPortPublicAccess: inner.remoteLoginPortPublicAccess ?? 'NotSpecified',
        currentNodeCount: 0,
        targetNodeCount: 0,
        nodeStateCounts: { idleNodeCount: 0, runningNodeCount: 0, preparingNodeCount: 0, unusableNodeCount: 0, leavingNodeCount: 0, preemptedNodeCount: 0 },
        enableNodePublicIp: inner.enableNodePublicIp ?? true,
      });
    }
    const resource: ArmResource = {
      id: this.id('computes', name),
      name,
      type: this.type('computes'),
      location: str(body.location) ?? this.ctx.ids.location,
      ...(isObject(body.tags) ? { tags: body.tags } : {}),
      ...(isObject(body.identity) ? { identity: { ...body.identity } } : {}),
      ...(isObject(body.sku) ? { sku: body.sku } : {}),
      systemData: systemData(now),
      properties: {
        ...props,
        computeType,
        computeLocation: str(body.location) ?? this.ctx.ids.location,
        provisioningState: 'Creating',
        createdOn: nowIso(now),
        modifiedOn: nowIso(now),
        isAttachedCompute: false,
        disableLocalAuth: props.disableLocalAuth ?? false,
        properties: inner,
      },
    };
    const readyAt = now + this.ctx.computeProvisionMs;
    this.ctx.state.computes.set(name, { resource, readyAt, puts: 1 });
    const op: Operation = {
      id: randomUUID(),
      kind: 'compute-create',
      target: name,
      apiVersion: req.info.apiVersion ?? '2022-10-01',
      startTime: now,
      status: () => (Date.now() >= readyAt ? { status: 'Succeeded', endTime: readyAt } : { status: 'InProgress' }),
    };
    this.ctx.operations.set(op.id, op);
    return json(201, this.computeView(resource, readyAt), { 'azure-asyncoperation': this.operationUrl(op, 'computeOperationsStatus') });
  }

  // ---- asset containers and versions -----------------------------------------------------------

  private containers(kind: AssetKind): Map<string, AssetContainerState> {
    return this.ctx.state[kind];
  }

  private findContainer(kind: AssetKind, name: string): AssetContainerState | undefined {
    return this.containers(kind).get(name);
  }

  private containerView(c: AssetContainerState): ArmResource {
    const versions = [...c.versions.keys()];
    const numeric = versions.map(Number).filter((n) => Number.isInteger(n) && n >= 0);
    const latest = [...c.versions.values()].sort((a, b) => createdAt(b) - createdAt(a))[0];
    const properties: Record<string, unknown> = { ...c.resource.properties, isArchived: c.resource.properties.isArchived ?? false };
    if (latest) properties.latestVersion = latest.name;
    properties.nextVersion = String(numeric.length ? Math.max(...numeric) + 1 : 1);
    return { ...c.resource, properties };
  }

  private assetNotFound(kind: AssetKind, name: string, version?: string): Reply {
    const what = kind === 'environments' ? 'Environment' : kind === 'codes' ? 'Code' : 'Data';
    const id = version ? this.id(ASSET_TYPES[kind], name, 'versions', version) : this.id(ASSET_TYPES[kind], name);
    return notFoundUserError(`${what} ${version ? `version ${name}:${version}` : `container ${name}`} was not found (${id}).`);
  }

  private listContainers(req: Req, kind: AssetKind): Reply {
    const view = listViewFilter(req.query.listViewType);
    const items = [...this.containers(kind).values()].filter((c) => view(Boolean(c.resource.properties.isArchived))).map((c) => this.containerView(c));
    return this.list(req, items);
  }

  private getContainer(kind: AssetKind, name: string): Reply {
    const c = this.findContainer(kind, name);
    return c ? json(200, this.containerView(c)) : this.assetNotFound(kind, name);
  }

  private putContainer(req: Req, kind: AssetKind, name: string): Reply {
    if (!NAME.test(name)) return userError(`Invalid name '${name}'.`);
    const got = this.bodyProperties(req);
    if ('reply' in got) return got.reply;
    const now = Date.now();
    const existing = this.findContainer(kind, name);
    const properties = { ...got.props };
    delete properties.latestVersion;
    delete properties.nextVersion;
    if (existing) {
      existing.resource = { ...existing.resource, properties, systemData: systemData(createdAt(existing.resource), now) };
      existing.explicit = true;
      return json(200, this.containerView(existing));
    }
    const created: AssetContainerState = { resource: { id: this.id(ASSET_TYPES[kind], name), name, type: this.type(ASSET_TYPES[kind]), systemData: systemData(now), properties }, versions: new Map(), explicit: true };
    this.containers(kind).set(name, created);
    return json(201, this.containerView(created));
  }

  private listVersions(req: Req, kind: AssetKind, name: string): Reply {
    const c = this.findContainer(kind, name);
    let items = c ? [...c.versions.values()] : [];
    const view = listViewFilter(req.query.listViewType);
    items = items.filter((v) => view(Boolean(v.properties.isArchived)));
    if (kind === 'codes') {
      const hash = req.query.hash;
      const hashVersion = req.query.hashVersion;
      if (hash !== undefined) items = items.filter((v) => isObject(v.properties.properties) && v.properties.properties.hash_sha256 === hash);
      if (hashVersion !== undefined) items = items.filter((v) => isObject(v.properties.properties) && String(v.properties.properties.hash_version) === hashVersion);
    }
    const tagsFilter = req.query.$tags;
    if (tagsFilter) {
      const wanted = tagsFilter.split(',').map((t) => t.split('='));
      items = items.filter((v) => {
        const tags = isObject(v.properties.tags) ? v.properties.tags : {};
        return wanted.every(([k, val]) => (val === undefined ? k in tags : tags[k] === val));
      });
    }
    const order = (req.query.$orderBy ?? req.query.$orderby ?? 'createdtime desc').toLowerCase();
    items.sort((a, b) => createdAt(a) - createdAt(b));
    if (!order.includes('asc')) items.reverse();
    return this.list(req, items);
  }

  private getVersion(kind: AssetKind, name: string, version: string): Reply {
    const v = this.findContainer(kind, name)?.versions.get(version);
    return v ? json(200, v) : this.assetNotFound(kind, name, version);
  }

  /** What makes an asset version's content (the rest — description, tags — may change). */
  private contentOf(kind: AssetKind, props: Record<string, unknown>): unknown {
    if (kind === 'codes') return { codeUri: props.codeUri };
    if (kind === 'data') return { dataType: props.dataType, dataUri: props.dataUri };
    return { image: props.image, condaFile: props.condaFile, build: props.build, osType: props.osType ?? 'Linux', inferenceConfig: props.inferenceConfig };
  }

  private putVersion(req: Req, kind: AssetKind, name: string, version: string): Reply {
    if (!NAME.test(name)) return userError(`Invalid asset name '${name}': use letters, digits, '-', '_' and '.', starting with a letter or digit.`);
    if (!/^[a-zA-Z0-9][a-zA-Z0-9\-_.]{0,29}$/.test(version)) return userError(`Invalid asset version '${version}'.`);
    const got = this.bodyProperties(req);
    if ('reply' in got) return got.reply;
    const props = got.props;
    if (kind === 'environments' && !props.image && !props.build) return userError('An environment version needs `image` or `build`.');
    if (kind === 'codes' && !str(props.codeUri)) return userError('A code version needs `codeUri`.');
    const now = Date.now();
    let c = this.findContainer(kind, name);
    if (!c) {
      c = { resource: { id: this.id(ASSET_TYPES[kind], name), name, type: this.type(ASSET_TYPES[kind]), systemData: systemData(now), properties: { isArchived: false } }, versions: new Map(), explicit: false };
      this.containers(kind).set(name, c);
    }
    const properties: Record<string, unknown> = { ...props, isAnonymous: props.isAnonymous ?? false, isArchived: props.isArchived ?? false };
    if (kind === 'environments') Object.assign(properties, { environmentType: 'UserCreated', osType: props.osType ?? 'Linux', autoRebuild: props.autoRebuild ?? 'Disabled' });
    const existing = c.versions.get(version);
    if (existing) {
      if (stable(this.contentOf(kind, existing.properties)) !== stable(this.contentOf(kind, properties))) {
        const what = kind === 'environments' ? 'Environment' : kind === 'codes' ? 'Code' : 'Data';
        return armError(409, 'UserError', `${what} version ${name}:${version} already exists with different content, and asset versions are immutable: register a new version.`, { details: [] });
      }
      const updated: ArmResource = { ...existing, properties: { ...existing.properties, description: properties.description, tags: properties.tags, isArchived: properties.isArchived }, systemData: systemData(createdAt(existing), now) };
      c.versions.set(version, updated);
      return json(200, updated);
    }
    const resource: ArmResource = { id: this.id(ASSET_TYPES[kind], name, 'versions', version), name: version, type: this.type(ASSET_TYPES[kind], 'versions'), systemData: systemData(now), properties };
    c.versions.set(version, resource);
    return json(201, resource);
  }

  /** 2024-10-01: a SAS to upload a code version's files to the default datastore before registering it. */
  private startPendingUpload(req: Req, name: string, version: string): Reply {
    const body = isObject(req.body) ? req.body : {};
    const pendingUploadId = str(body.pendingUploadId) ?? randomUUID();
    const container = this.ctx.blobContainer;
    const prefix = `LocalUpload/${pendingUploadId}`;
    const containerSas = this.ctx.azurite.containerSasUrl(container, { write: true });
    const [containerUrl, sas] = containerSas.split('?');
    void name;
    void version;
    return json(200, {
      blobReferenceForConsumption: {
        blobUri: `${containerUrl}/${prefix}`,
        storageAccountArmId: `/subscriptions/${this.ctx.ids.subscriptionId}/resourceGroups/${this.ctx.ids.resourceGroup}/providers/Microsoft.Storage/storageAccounts/${this.ctx.azurite.accountName}`,
        credential: { credentialType: 'SAS', sasUri: `${containerUrl}/${prefix}?${sas}` },
      },
      pendingUploadId,
      pendingUploadType: 'TemporaryBlobReference',
    });
  }

  // ---- datastores -------------------------------------------------------------------------------

  datastoreResource(name: string, container: string, isDefault: boolean, description: string): ArmResource {
    return {
      id: this.id('datastores', name),
      name,
      type: this.type('datastores'),
      systemData: systemData(Date.parse('2024-01-01T00:00:00Z')),
      properties: {
        description,
        tags: {},
        properties: {},
        isDefault,
        credentials: { credentialsType: 'AccountKey' },
        datastoreType: 'AzureBlob',
        accountName: this.ctx.azurite.accountName,
        containerName: container,
        // Azurite: `endpoint` is the storage service's host:port (path-style account), see README.
        endpoint: new URL(this.ctx.azurite.serviceUrl).host,
        protocol: 'http',
        serviceDataAccessAuthIdentity: 'None',
      },
    };
  }

  private getDatastore(name: string): Reply {
    const d = this.ctx.datastore(name);
    return d ? json(200, d) : notFoundUserError(`Datastore ${name} was not found in workspace ${this.ctx.ids.workspace}.`);
  }

  private listDatastores(req: Req): Reply {
    let items = [...this.ctx.state.datastores.values()];
    if (req.query.isDefault !== undefined) items = items.filter((d) => String(Boolean(d.properties.isDefault)) === req.query.isDefault.toLowerCase());
    const names = (req.queryAll.names ?? []).flatMap((n) => n.split(',')).filter(Boolean);
    if (names.length) items = items.filter((d) => names.includes(d.name));
    if (req.query.searchText) items = items.filter((d) => d.name.includes(req.query.searchText));
    return this.list(req, items);
  }

  private putDatastore(req: Req, name: string): Reply {
    const got = this.bodyProperties(req);
    if ('reply' in got) return got.reply;
    const props = { ...got.props };
    const credentials = isObject(props.credentials) ? props.credentials : { credentialsType: 'None' };
    if (isObject(credentials.secrets)) this.ctx.datastoreSecrets.set(name, credentials.secrets);
    props.credentials = { credentialsType: credentials.credentialsType };
    const existing = this.ctx.state.datastores.get(name);
    props.isDefault = existing?.properties.isDefault ?? false;
    const now = Date.now();
    const resource: ArmResource = { id: this.id('datastores', name), name, type: this.type('datastores'), systemData: systemData(existing ? createdAt(existing) : now, now), properties: props };
    this.ctx.state.datastores.set(name, resource);
    return json(existing ? 200 : 201, resource);
  }

  private listSecrets(name: string): Reply {
    const d = this.ctx.datastore(name);
    if (!d) return notFoundUserError(`Datastore ${name} was not found in workspace ${this.ctx.ids.workspace}.`);
    const secrets = this.ctx.datastoreSecrets.get(name);
    if (!secrets) return userError(`Datastore ${name} has no secrets (credentialsType ${String(isObject(d.properties.credentials) ? d.properties.credentials.credentialsType : 'None')}).`);
    return json(200, secrets);
  }

  // ---- jobs -------------------------------------------------------------------------------------

  private listJobs(req: Req): Reply {
    let items = [...this.ctx.state.jobs.values()].filter((j) => !j.parent);
    const view = listViewFilter(req.query.listViewType);
    items = items.filter((j) => view(Boolean(j.resource.properties.isArchived)));
    if (req.query.jobType) items = items.filter((j) => j.jobType.toLowerCase() === req.query.jobType.toLowerCase());
    if (req.query.tag) {
      const [k, v] = req.query.tag.split('=');
      items = items.filter((j) => (v === undefined ? k in j.tags : j.tags[k] === v));
    }
    items.sort((a, b) => b.createdAt - a.createdAt);
    return this.list(
      req,
      items.map((j) => this.jobs.view(j)),
    );
  }

  private getJob(name: string): Reply {
    const job = this.ctx.state.jobs.get(name);
    if (!job || job.parent) return notFoundUserError(`Job ${name} was not found in workspace ${this.ctx.ids.workspace}.`);
    return json(200, this.jobs.view(job));
  }

  private putJob(req: Req, name: string): Reply {
    if (!/^[a-zA-Z0-9][a-zA-Z0-9\-_]{0,254}$/.test(name)) return userError(`Invalid job name '${name}': use letters, digits, '-' and '_' (up to 255), starting with a letter or digit.`);
    const got = this.bodyProperties(req);
    if ('reply' in got) return got.reply;
    const props = got.props;
    const existing = this.ctx.state.jobs.get(name);
    if (existing) {
      const mutable = ['description', 'tags', 'displayName', 'properties', 'services', 'status', 'isArchived', 'experimentName'];
      const strip = (p: Record<string, unknown>) => Object.fromEntries(Object.entries(p).filter(([k]) => !mutable.includes(k)));
      const before = strip(existing.submitted);
      const now = strip(props);
      if (stable(before) !== stable(now)) {
        const changed = [...new Set([...Object.keys(before), ...Object.keys(now)])].filter((k) => stable(before[k]) !== stable(now[k]));
        return userError(`Job ${name} already exists; only description, tags and displayName can be changed (the request changes ${changed.join(', ')}).`);
      }
      this.jobs.update(existing, props);
      return json(200, this.jobs.view(existing));
    }
    const problem = this.checkJobReferences(props);
    if (problem) return problem;
    const job = this.jobs.create(name, props, req.info.apiVersion ?? '2022-10-01');
    return json(201, this.jobs.view(job));
  }

  /** The compute, environment, code and data a job names must exist, as Azure ML checks at submission. */
  private checkJobReferences(props: Record<string, unknown>): Reply | undefined {
    const jobType = str(props.jobType);
    if (!['Command', 'Sweep', 'Spark'].includes(jobType ?? '')) {
      return userError(`The emulator runs Command, Sweep and Spark jobs; got jobType '${jobType}'.`);
    }
    const computeId = str(props.computeId);
    if (computeId) {
      const name = resolveArmName(computeId, 'computes');
      if (!name || !this.findCompute(name)) return userError(`Compute ${computeId} was not found in workspace ${this.ctx.ids.workspace}. Create it, or name an existing compute.`);
    }
    const trial = isObject(props.trial) ? props.trial : {};
    const envId = str(props.environmentId) ?? str(trial.environmentId);
    if (envId) {
      const problem = this.checkAsset(envId, 'environments');
      if (problem) return problem;
    }
    const codeId = str(props.codeId) ?? str(trial.codeId);
    if (codeId) {
      const problem = this.checkAsset(codeId, 'codes');
      if (problem) return problem;
    } else if (jobType === 'Spark') {
      return userError('A Spark job needs `codeId`.');
    }
    for (const [key, input] of Object.entries(isObject(props.inputs) ? props.inputs : {})) {
      if (!isObject(input)) continue;
      const uri = str(input.uri);
      if (uri && (/^azureml:(?!\/\/)/.test(uri) || /^\/subscriptions\//i.test(uri))) {
        const problem = this.checkAsset(uri, 'data', `inputs.${key}`);
        if (problem) return problem;
      }
    }
    return undefined;
  }

  private checkAsset(ref: string, kind: AssetKind, where?: string): Reply | undefined {
    if (/^azureml:\/\/registries\//i.test(ref)) return undefined; // curated / registry assets
    const found = this.resolveAsset(ref, kind);
    if (found === 'unparsable') return userError(`${where ? `${where}: ` : ''}'${ref}' is not a valid ${kind === 'codes' ? 'code' : kind === 'data' ? 'data' : 'environment'} asset id.`);
    if (!found) return userError(`${where ? `${where}: ` : ''}${kind === 'codes' ? 'Code' : kind === 'data' ? 'Data' : 'Environment'} asset ${ref} was not found in workspace ${this.ctx.ids.workspace}.`);
    return undefined;
  }

  /** An asset version by ARM id (`[azureml:]/subscriptions/…/{kind}/{n}/versions/{v}`) or `azureml:name:version`. */
  resolveAsset(ref: string, kind: AssetKind): ArmResource | undefined | 'unparsable' {
    const id = ref.replace(/^azureml:/i, '');
    let name: string | undefined;
    let version: string | undefined;
    const arm = new RegExp(`/workspaces/([^/]+)/${kind}/([^/]+)/versions/([^/]+)$`, 'i').exec(id);
    if (arm) {
      if (arm[1].toLowerCase() !== this.ctx.ids.workspace.toLowerCase()) return undefined;
      name = decodeURIComponent(arm[2]);
      version = decodeURIComponent(arm[3]);
    } else if (/^azureml:[^/:]+:[^/:]+$/i.test(ref)) {
      [, name, version] = ref.split(':');
    } else if (/^azureml:[^/:]+@latest$/i.test(ref)) {
      const c = this.findContainer(kind, ref.slice(8, -7));
      return c ? [...c.versions.values()].sort((a, b) => createdAt(b) - createdAt(a))[0] : undefined;
    } else {
      return 'unparsable';
    }
    return this.findContainer(kind, name)?.versions.get(version);
  }

  private cancelJob(req: Req, name: string): Reply {
    const job = this.ctx.state.jobs.get(name);
    if (!job || job.parent) return notFoundUserError(`Job ${name} was not found in workspace ${this.ctx.ids.workspace}.`);
    job.cancelRequests += 1;
    this.jobs.cancel(job);
    const op: Operation = {
      id: `jc:${randomUUID()}:${name}`,
      kind: 'job-cancel',
      target: name,
      apiVersion: req.info.apiVersion ?? '2022-10-01',
      startTime: Date.now(),
      status: () => {
        if (!TERMINAL_STATUSES.includes(job.status)) return { status: 'InProgress' };
        return { status: 'Succeeded', endTime: job.endedAt ?? Date.now() };
      },
    };
    this.ctx.operations.set(op.id, op);
    return {
      status: 202,
      headers: { location: this.operationUrl(op, 'mfeOperationResults'), 'azure-asyncoperation': this.operationUrl(op, 'mfeOperationsStatus') },
    };
  }
}

function createdAt(r: ArmResource): number {
  const sd = r.systemData;
  return sd && typeof sd.createdAt === 'string' ? Date.parse(sd.createdAt) : 0;
}

function listViewFilter(view: string | undefined): (archived: boolean) => boolean {
  const v = (view ?? 'ActiveOnly').toLowerCase();
  if (v === 'all') return () => true;
  if (v === 'archivedonly') return (a) => a;
  return (a) => !a;
}

/** The last name of `…/{collection}/{name}` in an ARM id (or the name itself). */
export function resolveArmName(ref: string, collection: string): string | undefined {
  const id = ref.replace(/^azureml:/i, '');
  if (!id.includes('/')) return id;
  const m = new RegExp(`/${collection}/([^/]+)$`, 'i').exec(id);
  return m ? decodeURIComponent(m[1]) : undefined;
}

/** A deterministic UUID-shaped string derived from a seed (stable ids in resources). */
function randomUUIDFor(label: string, seed: string): string {
  const h = createHash('sha256').update(`${label}:${seed}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
