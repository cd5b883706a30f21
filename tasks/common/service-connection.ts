// An Azure Resource Manager service connection as the agent hands it to a task, turned into what
// the Azure ML backend needs: how to sign in (AuthConfig), where (ARM endpoint, audience,
// authority: sovereign clouds and Azure Stack), which subscription, and every secret to mask.
import { authFromServiceConnection, type AuthConfig, type TargetFlags } from '../../src/backends/azureml';
import { InputError } from './project-input';

/** What the agent gives a task about one service connection (ENDPOINT_URL_/AUTH_/DATA_<id>). */
export interface EndpointReader {
  id: string;
  /** `ENDPOINT_AUTH_SCHEME_<id>`; undefined when the connection is not known to the job. */
  scheme?: string;
  /** An authorization parameter, by name, case-insensitively. */
  parameter(name: string): string | undefined;
  /** `ENDPOINT_URL_<id>`: for AzureRM, the resource manager URL. */
  url?: string;
  /** An endpoint data value, by name, case-insensitively. */
  data(name: string): string | undefined;
}

export interface ServiceConnection {
  auth: AuthConfig;
  /** Workspace flags the connection decides: subscription, ARM endpoint and audience, authority, tenant. */
  target: TargetFlags;
  /** Values that must never be printed: for `task.setsecret`. */
  secrets: string[];
}

/** The parameters that hold secrets, in every scheme. */
const SECRET_PARAMETERS = ['serviceprincipalkey', 'servicePrincipalCertificate', 'certificatePassword'];

/** Every secret of a connection, before anything else reads it: lines of multi-line values (PEM) each. */
export function secretsOf(values: (string | undefined)[]): string[] {
  const out = new Set<string>();
  for (const value of values) {
    if (!value) continue;
    if (/[\r\n]/.test(value)) {
      // task.setsecret takes one line; mask each line that is not a PEM armour line.
      for (const line of value.split(/\r?\n/)) {
        const t = line.trim();
        if (t.length >= 8 && !/^-----(BEGIN|END) /.test(t)) out.add(t);
      }
    } else if (value.trim()) out.add(value.trim());
  }
  return [...out];
}

export function readServiceConnection(endpoint: EndpointReader, pipeline: { systemAccessToken?: string }): ServiceConnection {
  if (!endpoint.scheme) {
    throw new InputError(
      `The service connection "${endpoint.id}" is not available to this job: set the "azureSubscription" input to the name or id of an Azure Resource Manager service connection the pipeline is authorized to use.`,
    );
  }
  const secrets = secretsOf([...SECRET_PARAMETERS.map((p) => endpoint.parameter(p)), pipeline.systemAccessToken]);
  let auth: AuthConfig;
  try {
    auth = authFromServiceConnection(endpoint.scheme, (name) => endpoint.parameter(name), { serviceConnectionId: endpoint.id, systemAccessToken: pipeline.systemAccessToken });
  } catch (err) {
    throw new InputError(`Service connection "${endpoint.id}": ${(err as Error).message}.`);
  }
  if (auth.scheme === 'managedIdentity') {
    // A user-assigned identity names its client id; a system-assigned one has none.
    const clientId = endpoint.parameter('serviceprincipalid');
    if (clientId) auth = { scheme: 'managedIdentity', clientId };
  }
  const trim = (v: string | undefined) => (v && v.trim() ? v.trim() : undefined);
  const target: TargetFlags = {};
  const subscription = trim(endpoint.data('subscriptionId'));
  if (subscription) target.subscription = subscription;
  const armEndpoint = trim(endpoint.data('resourceManagerEndpointUrl')) ?? trim(endpoint.url) ?? trim(endpoint.data('environmentUrl'));
  if (armEndpoint) target.armEndpoint = armEndpoint;
  const audience = trim(endpoint.data('activeDirectoryServiceEndpointResourceId'));
  if (audience) target.armAudience = audience;
  const authority = trim(endpoint.data('activeDirectoryAuthority')) ?? trim(endpoint.data('environmentAuthorityUrl'));
  if (authority) target.authorityHost = authority;
  const tenant = trim(endpoint.parameter('tenantid'));
  if (tenant) target.tenantId = tenant;
  return { auth, target, secrets };
}
