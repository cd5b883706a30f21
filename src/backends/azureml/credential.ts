import {
  AzurePipelinesCredential,
  ClientCertificateCredential,
  ClientSecretCredential,
  DefaultAzureCredential,
  ManagedIdentityCredential,
  type TokenCredential,
} from '@azure/identity';
import { isTransientTokenError } from './client';

/**
 * How mlsteps authenticates: the schemes of an Azure Resource Manager service connection, or the
 * developer's own sign-in on the command line.
 */
export type AuthConfig =
  /** Workload identity federation: the pipeline's OIDC token for the service connection (needs System.AccessToken). */
  | { scheme: 'workloadIdentityFederation'; tenantId: string; clientId: string; serviceConnectionId: string; systemAccessToken: string }
  /** Service principal with a client secret. */
  | { scheme: 'servicePrincipalSecret'; tenantId: string; clientId: string; clientSecret: string }
  /** Service principal with a certificate: PEM text (certificate and private key) or a PEM file. */
  | { scheme: 'servicePrincipalCertificate'; tenantId: string; clientId: string; certificate?: string; certificatePath?: string; certificatePassword?: string }
  /** The agent's managed identity (system-assigned, or user-assigned with its client id). */
  | { scheme: 'managedIdentity'; clientId?: string }
  /** `DefaultAzureCredential`: environment variables, workload identity, managed identity, `az login`, … */
  | { scheme: 'default'; tenantId?: string };

export interface CredentialOptions {
  /** The Entra ID authority, e.g. https://login.microsoftonline.us for Azure Government; default the public cloud. */
  authorityHost?: string;
  /**
   * Skip MSAL's instance discovery (the authority's metadata from the public cloud). Default: on when
   * `authorityHost` is not a known public or sovereign Azure cloud (Azure Stack, private clouds).
   */
  disableInstanceDiscovery?: boolean;
}

/** The Entra ID authorities MSAL knows and can validate through instance discovery. */
const KNOWN_AUTHORITIES = new Set(['login.microsoftonline.com', 'login.microsoft.com', 'login.windows.net', 'sts.windows.net', 'login.chinacloudapi.cn', 'login.microsoftonline.us', 'login.microsoftonline.de']);

/** True when `authorityHost` is absent or a cloud MSAL's instance discovery knows. */
export function isKnownAuthority(authorityHost: string | undefined): boolean {
  if (!authorityHost) return true;
  try {
    return KNOWN_AUTHORITIES.has(new URL(authorityHost).hostname.toLowerCase());
  } catch {
    return false;
  }
}

/** The credential for a scheme, with the authority (sovereign clouds, Azure Stack) applied. */
export function createCredential(auth: AuthConfig, options: CredentialOptions = {}): TokenCredential {
  return renewingCredential(() => credentialFor(auth, options));
}

/**
 * A credential that, after a transient failure (throttled, a 5xx, a dropped connection), answers
 * the next request with a new instance: MSAL remembers a throttled reply per client application
 * and refuses to ask Entra ID again for up to a minute, so retrying the same instance cannot
 * succeed. The first instance is made at once, so a missing field fails here, not at first use.
 */
export function renewingCredential(make: () => TokenCredential): TokenCredential {
  let current = make();
  return {
    getToken: async (scopes, options) => {
      const used = current;
      try {
        return await used.getToken(scopes, options);
      } catch (err) {
        if (isTransientTokenError(err) && used === current) current = make();
        throw err;
      }
    },
  };
}

/** The @azure/identity credential of a scheme (one instance; createCredential renews it). */
export function credentialFor(auth: AuthConfig, options: CredentialOptions = {}): TokenCredential {
  const common: { authorityHost?: string; disableInstanceDiscovery?: boolean } = {};
  if (options.authorityHost) common.authorityHost = options.authorityHost.replace(/\/+$/, '');
  const disable = options.disableInstanceDiscovery ?? !isKnownAuthority(options.authorityHost);
  if (disable) common.disableInstanceDiscovery = true;
  switch (auth.scheme) {
    case 'workloadIdentityFederation':
      requireFields(auth.scheme, { tenantId: auth.tenantId, clientId: auth.clientId, serviceConnectionId: auth.serviceConnectionId, systemAccessToken: auth.systemAccessToken });
      return new AzurePipelinesCredential(auth.tenantId, auth.clientId, auth.serviceConnectionId, auth.systemAccessToken, common);
    case 'servicePrincipalSecret':
      requireFields(auth.scheme, { tenantId: auth.tenantId, clientId: auth.clientId, clientSecret: auth.clientSecret });
      return new ClientSecretCredential(auth.tenantId, auth.clientId, auth.clientSecret, common);
    case 'servicePrincipalCertificate': {
      requireFields(auth.scheme, { tenantId: auth.tenantId, clientId: auth.clientId });
      const password = auth.certificatePassword ? { certificatePassword: auth.certificatePassword } : {};
      if (auth.certificate) return new ClientCertificateCredential(auth.tenantId, auth.clientId, { certificate: auth.certificate, ...password }, common);
      if (auth.certificatePath) return new ClientCertificateCredential(auth.tenantId, auth.clientId, { certificatePath: auth.certificatePath, ...password }, common);
      throw new Error('service principal with certificate: the certificate is missing (PEM text with the private key, or a PEM file path)');
    }
    case 'managedIdentity':
      // A managed identity gets its token from the host (IMDS, App Service, Arc…), not from an authority.
      return auth.clientId ? new ManagedIdentityCredential({ clientId: auth.clientId }) : new ManagedIdentityCredential();
    case 'default':
      return new DefaultAzureCredential({ ...common, ...(auth.tenantId ? { tenantId: auth.tenantId } : {}) });
  }
}

function requireFields(scheme: string, fields: Record<string, string | undefined>): void {
  const missing = Object.entries(fields)
    .filter(([, v]) => !v)
    .map(([k]) => k);
  if (missing.length > 0) throw new Error(`${scheme}: missing ${missing.join(', ')}`);
}

/**
 * The AuthConfig of an Azure Resource Manager service connection as an Azure DevOps agent hands it
 * to a task (`ENDPOINT_AUTH_SCHEME_<id>` and `ENDPOINT_AUTH_PARAMETER_<id>_<NAME>`).
 */
export function authFromServiceConnection(
  scheme: string,
  parameters: (name: string) => string | undefined,
  pipeline: { serviceConnectionId: string; systemAccessToken?: string },
): AuthConfig {
  const tenantId = parameters('tenantid') ?? '';
  const clientId = parameters('serviceprincipalid') ?? '';
  switch (scheme.toLowerCase()) {
    case 'workloadidentityfederation':
      if (!pipeline.systemAccessToken) throw new Error('workload identity federation needs System.AccessToken: map it into the task environment (env: SYSTEM_ACCESSTOKEN: $(System.AccessToken))');
      return { scheme: 'workloadIdentityFederation', tenantId, clientId, serviceConnectionId: pipeline.serviceConnectionId, systemAccessToken: pipeline.systemAccessToken };
    case 'serviceprincipal': {
      const type = (parameters('authenticationType') ?? parameters('authenticationtype') ?? 'spnKey').toLowerCase();
      if (type === 'spncertificate') {
        return { scheme: 'servicePrincipalCertificate', tenantId, clientId, certificate: parameters('servicePrincipalCertificate') ?? parameters('serviceprincipalcertificate') ?? '' };
      }
      return { scheme: 'servicePrincipalSecret', tenantId, clientId, clientSecret: parameters('serviceprincipalkey') ?? '' };
    }
    case 'managedserviceidentity':
      return { scheme: 'managedIdentity' };
    default:
      throw new Error(`service connection scheme "${scheme}" is not supported: use workload identity federation, a service principal (secret or certificate) or a managed identity`);
  }
}
