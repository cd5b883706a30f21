/**
 * Public types of the Azure ML control-plane emulator (DESIGN §6). See README.md beside this file
 * for the URLs it serves and how a client maps the workspace's URIs onto it.
 */

export type JobStatus =
  | 'NotStarted'
  | 'Starting'
  | 'Preparing'
  | 'Queued'
  | 'Running'
  | 'Finalizing'
  | 'CancelRequested'
  | 'Completed'
  | 'Failed'
  | 'Canceled';

export const TERMINAL_STATUSES: readonly JobStatus[] = ['Completed', 'Failed', 'Canceled'];

export interface EmulatorOptions {
  /** Port of the HTTPS server (ARM, Entra, OIDC, MSI, discovery, run history, MLflow). 0 or absent: a free port. */
  port?: number;
  /** Append every request to this file as one JSON line `{"method","url","status","body"}`, secrets redacted. */
  record?: string;
  /** How jobs run when no script says otherwise: timers only (`scripted`, default) or their command run here (`executed`). */
  jobMode?: 'scripted' | 'executed';
  /** The folder holding `azureml-rest-spec/` (default: `$MLSTEPS_FIXTURES` or `../shared/fixtures`). Absent: no spec validation. */
  fixturesDir?: string;
  /** Latency added to every request to the emulator's server (not Azurite's), e.g. 50 for the benchmarks. */
  latencyMs?: number;
  /** Items per page of list operations (default 50); lower it to exercise `nextLink` paging. */
  pageSize?: number;
  /** Lifetime of the access tokens the emulator issues (default 3599 s). */
  tokenLifetimeSeconds?: number;
  /** The interpreter executed jobs run as `python` and `python3` (the compute's image); default: `python` on PATH, else `python3`. */
  python?: string;
  /** Time a compute takes to provision (default 300 ms). */
  computeProvisionMs?: number;
  /** Extra time in `Preparing` the first time a job uses an environment version (its "image build"; default 0). */
  imageBuildMs?: number;
  /** Print each request to stderr as it is answered (the CLI sets it). */
  log?: (line: string) => void;
}

export interface SpecError {
  path: string;
  message: string;
}

export interface RecordedRequest {
  seq: number;
  time: string;
  method: string;
  /** Full URL, SAS signatures redacted. */
  url: string;
  path: string;
  query: Record<string, string>;
  apiVersion?: string;
  status: number;
  /** Request body: parsed JSON or form fields, secrets redacted; null when empty. */
  body: unknown;
  /** Response body as sent (JSON parsed), secrets redacted. */
  responseBody?: unknown;
  /** Request headers, lower-case names, Authorization and other secrets redacted. */
  headers: Record<string, string>;
  /** The spec's operationId (ARM routes) or an emulator name (`Entra_Token`, `RunHistory_GetDetails`, …). */
  operationId?: string;
  /** Request validation errors against the official spec; non-empty means the request was answered 400. */
  specErrors: SpecError[];
  /** The emulator's own response checked against the spec (a non-empty list is a bug in the emulator). */
  responseSpecErrors: SpecError[];
  /** The fault injected into this request, if any. */
  fault?: FaultKind;
  /** `after`: the request was processed, then its reply lost to the fault (`before`: it was not processed). */
  faultPhase?: 'before' | 'after';
  /** Who the bearer token was issued to (`secret`, `certificate`, `federated`, `managed-identity`, `test`). */
  principal?: string;
  durationMs: number;
}

export type FaultKind = 'latency' | '429' | '429-retry-after' | '500' | '503' | 'reset';

export interface FaultRule {
  /** HTTP method to match (any when absent). */
  method?: string;
  /** Regular expression (or its source) matched against the path and query, e.g. `/jobs/`. */
  url?: RegExp | string;
  kind: FaultKind;
  /** How many matching requests get the fault (default: all). `count` is an alias. */
  times?: number;
  count?: number;
  /** Let this many matching requests through before the fault starts. */
  skip?: number;
  /** For `429-retry-after` (and `503` when set): the `Retry-After` header value (default 1). */
  retryAfterSeconds?: number;
  /** For `latency`: delay added (default 200 ms). */
  latencyMs?: number;
  /**
   * `before` (default): the request is not processed. `after`: it is processed, then the fault
   * replaces the response (a lost reply: a retry must be idempotent).
   */
  phase?: 'before' | 'after';
}

export interface FaultHandle {
  readonly rule: FaultRule;
  /** Matching requests seen (including skipped ones). */
  readonly matched: number;
  /** Requests the fault was applied to. */
  readonly hits: number;
}

/**
 * Faults at random: each matching request gets one with probability `rate`, its kind drawn by
 * weight. The draws come from a seeded PRNG (mulberry32), so a seed repeats the same sequence of
 * choices; which request meets which choice follows the order requests arrive in.
 */
export interface RandomFaultRule {
  /** Share of matching requests that get a fault, 0 to 1. */
  rate: number;
  seed: number;
  /** Weight of each kind (default: every kind, equally). `latency` is a slow response. */
  kinds?: Partial<Record<FaultKind, number>>;
  method?: string;
  /** Regular expression (or its source) matched against the path and query. */
  url?: RegExp | string;
  /** Share of the `500`s and `reset`s applied after the request was processed: a lost reply (default 0). */
  lostReplyShare?: number;
  /** `latency`: the delay, drawn between these bounds in ms (default 200 to 1500). */
  latencyMs?: [number, number];
  /** `429-retry-after`: the `Retry-After` value (default 1). */
  retryAfterSeconds?: number;
}

export interface RandomFaultHandle {
  readonly rule: RandomFaultRule;
  /** Matching requests seen. */
  readonly matched: number;
  /** Requests that got a fault. */
  readonly hits: number;
  /** Faults applied, by kind (`lost-reply` counts the `after` ones among `500` and `reset` too). */
  readonly byKind: Readonly<Record<string, number>>;
}

/** How a job behaves when scripted. Durations in milliseconds. */
export interface JobScript {
  /** `executed`: run the job's command here (code snapshot from Azurite); default: the emulator's `jobMode`. */
  mode?: 'scripted' | 'executed';
  /** Time spent in each state before the next (defaults give ~1 s from NotStarted to Completed). */
  durations?: Partial<Record<'NotStarted' | 'Starting' | 'Preparing' | 'Queued' | 'Running' | 'Finalizing' | 'CancelRequested', number>>;
  /** Lines written to `user_logs/std_log.txt` while Running, spread over the Running time. */
  logLines?: string[];
  /** More log files (name → lines), written when Running starts. */
  logFiles?: Record<string, string[]>;
  /** Metrics recorded (MLflow): a number, or a history (list; the last is the metric's value). */
  metrics?: Record<string, number | number[]>;
  /** MLflow params of the run. */
  params?: Record<string, string>;
  /** How the job ends (default Completed). */
  finalStatus?: 'Completed' | 'Failed' | 'Canceled';
  /** The job's error when it fails. */
  error?: { code: string; message: string };
  /** A cancel request leaves the job in CancelRequested for ever. */
  stuckInCancelRequested?: boolean;
  /** Files a job writes to its outputs: output name → path inside it → text. */
  outputFiles?: Record<string, Record<string, string>>;
  /** Sweep jobs: the trials (child runs) with their parameters and metrics. */
  trials?: Array<{ params: Record<string, string | number | boolean>; metrics?: Record<string, number | number[]>; status?: 'Completed' | 'Failed' | 'Canceled' }>;
}

export interface MetricPoint {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

export interface JobRecord {
  name: string;
  apiVersion: string;
  jobType: string;
  /** The ARM resource as GET returns it (status kept current). */
  resource: Record<string, unknown> & { properties: Record<string, unknown> };
  /** The job's `properties` as the first PUT sent them. */
  submitted: Record<string, unknown>;
  status: JobStatus;
  /** Every status the job went through, with times. */
  history: Array<{ status: JobStatus; time: string }>;
  script: JobScript;
  mode: 'scripted' | 'executed';
  /** Log file name → text written so far. */
  logs: Map<string, string>;
  metrics: Map<string, MetricPoint[]>;
  params: Record<string, string>;
  tags: Record<string, string>;
  /** Sweep trials (child run names). */
  children: string[];
  parent?: string;
  experimentName: string;
  createdAt: number;
  startedAt?: number;
  endedAt?: number;
  error?: { code: string; message: string };
  /** PUTs received for this name (the first creates it). */
  puts: number;
  cancelRequests: number;
  /** Executed mode: the command as run and its exit code. */
  command?: string;
  exitCode?: number | null;
  /** Run-history properties (sweeps: `best_child_run_id`, `score`). */
  runProperties: Record<string, string>;
}

export interface ArmResource {
  id: string;
  name: string;
  type: string;
  properties: Record<string, unknown>;
  systemData?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface AssetContainerState {
  resource: ArmResource;
  versions: Map<string, ArmResource>;
  /** Whether the container was created by an explicit PUT (else implicitly by a version PUT). */
  explicit: boolean;
}

export interface ComputeState {
  resource: ArmResource;
  /** When provisioning completes (ms since epoch); undefined once done. */
  readyAt?: number;
  puts: number;
}

export interface EmulatorState {
  computes: Map<string, ComputeState>;
  environments: Map<string, AssetContainerState>;
  codes: Map<string, AssetContainerState>;
  data: Map<string, AssetContainerState>;
  datastores: Map<string, ArmResource>;
  jobs: Map<string, JobRecord>;
  /** Every code version, flat (`name:version` → resource). */
  readonly codeVersions: Map<string, ArmResource>;
  /** Every environment version, flat. */
  readonly environmentVersions: Map<string, ArmResource>;
  /** Environment versions (`name:version`) a job has used, in order: each is one "image build". */
  imageBuilds: string[];
}

export interface EmulatorIds {
  tenantId: string;
  subscriptionId: string;
  resourceGroup: string;
  workspace: string;
  location: string;
  /** The app registration (service principal) every credential authenticates as. */
  clientId: string;
  clientSecret: string;
  /** Azure DevOps service connection (workload identity federation). */
  serviceConnectionId: string;
  systemAccessToken: string;
  /** PEM of the service principal's certificate and private key (ClientCertificateCredential). */
  certificatePem: string;
  /** Path of a file holding `certificatePem`. */
  certificatePath: string;
  /** Managed identity: IDENTITY_HEADER value (IDENTITY_ENDPOINT is `msiEndpoint`). */
  identityHeader: string;
  /** Workspace GUID (`properties.workspaceId`). */
  workspaceId: string;
}

export interface BlobInfo {
  /** Azurite's blob endpoint for the account, path style: `http://127.0.0.1:PORT/devstoreaccount1`. */
  endpoint: string;
  /** `http://127.0.0.1:PORT` (the datastore's `endpoint` is its host:port). */
  serviceUrl: string;
  accountName: string;
  accountKey: string;
  /** The default datastore's container (`workspaceblobstore`). */
  container: string;
  /** The run-artifact container (`azureml`): logs of jobs live there. */
  artifactContainer: string;
  /** Azure Storage connection string for Azurite. */
  connectionString: string;
  /** Azurite's process id. */
  pid: number;
}

export interface Emulator {
  /** `https://127.0.0.1:PORT` — ARM, discovery, run history and MLflow share it. */
  armEndpoint: string;
  /** `https://127.0.0.1:PORT/` — Entra ID (`/{tenant}/v2.0/.well-known/openid-configuration`, `/{tenant}/oauth2/v2.0/token`). */
  authorityHost: string;
  /** SYSTEM_OIDCREQUESTURI for AzurePipelinesCredential. */
  oidcRequestUri: string;
  /** IDENTITY_ENDPOINT for ManagedIdentityCredential (App Service style, with IDENTITY_HEADER = ids.identityHeader). */
  msiEndpoint: string;
  /** The workspace's discovery document URL (`properties.discoveryUrl`). */
  discoveryUrl: string;
  /** The workspace's `properties.mlFlowTrackingUri` (azureml://…) and its https form. */
  mlflowTrackingUri: string;
  mlflowHttpsUri: string;
  /** The audience (scope without `/.default`) ARM tokens must be requested for. */
  armAudience: string;
  port: number;
  caCertPem: string;
  caCertPath: string;
  ids: EmulatorIds;
  blob: BlobInfo;
  /** Environment variables for a child process: CA trust, credentials, endpoints (see README). */
  env(kind?: 'secret' | 'certificate' | 'pipelines' | 'managed-identity'): Record<string, string>;
  requests: RecordedRequest[];
  specErrors(): RecordedRequest[];
  /** Requests answered for an operationId (optionally with a given status). */
  count(operationId: string, status?: number): number;
  faults: { add(rule: FaultRule): FaultHandle; random(rule: RandomFaultRule): RandomFaultHandle; clear(): void; list(): FaultHandle[] };
  jobs: {
    /** Script a job by name (or every job whose name matches a RegExp, or '*'), before or after it is created. */
    script(name: string | RegExp, script: JobScript): void;
    get(name: string): JobRecord | undefined;
    /** Resolve when the job reaches one of the statuses (default: a terminal one). */
    waitFor(name: string, statuses?: JobStatus[], timeoutMs?: number): Promise<JobRecord>;
  };
  state: EmulatorState;
  /** A valid bearer token for ARM (for tests that are not about credentials). */
  issueToken(audience?: string): string;
  /** Forget every request recorded so far (not the state). */
  clearRequests(): void;
  stop(): Promise<void>;
}
