import { randomUUID } from 'node:crypto';
import type { Certificates } from './crypto';
import { decodeJwt, publicJwk, signJwt, thumbprints, verifyJwtSignature } from './crypto';
import { armError, isObject, json, str, type Reply, type Req } from './http';
import type { EmulatorIds } from './types';

/** Audiences the emulator issues tokens for; ARM, run history and MLflow accept the first four. */
export const ARM_AUDIENCES = ['https://management.azure.com/', 'https://management.core.windows.net/', 'https://ml.azure.com/'];
const KNOWN_RESOURCES = [...ARM_AUDIENCES, 'https://storage.azure.com/', 'https://vault.azure.net/'];
const FEDERATION_AUDIENCE = 'api://AzureADTokenExchange';
const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export type CredentialKind = 'secret' | 'certificate' | 'federated' | 'managed-identity' | 'test';

export interface Identity {
  kind: CredentialKind;
  clientId: string;
  objectId: string;
  audience: string;
}

function normalizeResource(resource: string): string {
  const r = resource.replace(/\/\.default$/, '');
  return r.endsWith('/') ? r : `${r}/`;
}

/** Entra ID (token endpoint, OpenID metadata), Azure DevOps OIDC, managed identity endpoints; bearer checks. */
export class Auth {
  /** Assertions and tokens the emulator saw, by kind: tests check each credential class really went its way. */
  readonly issued: Array<{ kind: CredentialKind; audience: string; time: string }> = [];
  readonly oidcIssuer: string;
  readonly federatedSubject: string;
  private readonly spObjectId = randomUUID();
  private readonly miObjectId = randomUUID();
  private readonly certThumbprints: { x5t: string; x5tS256: string };

  constructor(
    private readonly base: string,
    private readonly ids: EmulatorIds,
    private readonly certs: Certificates,
    private readonly tokenLifetimeSeconds: number,
    readonly managedIdentityClientId: string,
    private readonly onSecret: (value: string) => void,
  ) {
    const orgId = randomUUID();
    this.oidcIssuer = `https://vstoken.dev.azure.com/${orgId}`;
    this.federatedSubject = `sc://mlsteps-org/mlsteps-project/mlsteps-azureml-connection`;
    this.certThumbprints = thumbprints(certs.clientCertPem);
  }

  /** An access token (a JWT signed by the emulator) for a principal and audience. */
  issue(kind: CredentialKind, audience: string): { token: string; expiresIn: number; expiresOn: number } {
    const now = Math.floor(Date.now() / 1000);
    const expiresIn = this.tokenLifetimeSeconds;
    const mi = kind === 'managed-identity';
    const payload = {
      aud: audience.replace(/\/$/, ''),
      iss: `https://sts.windows.net/${this.ids.tenantId}/`,
      iat: now,
      nbf: now,
      exp: now + expiresIn,
      appid: mi ? this.managedIdentityClientId : this.ids.clientId,
      azp: mi ? this.managedIdentityClientId : this.ids.clientId,
      idtyp: 'app',
      oid: mi ? this.miObjectId : this.spObjectId,
      sub: mi ? this.miObjectId : this.spObjectId,
      tid: this.ids.tenantId,
      ver: '1.0',
      uti: randomUUID().replace(/-/g, ''),
      mlsteps_emulator_credential: kind,
    };
    const token = signJwt(payload, this.certs.tokenKey, { kid: this.certs.tokenKid });
    this.onSecret(token);
    this.issued.push({ kind, audience, time: new Date().toISOString() });
    return { token, expiresIn, expiresOn: now + expiresIn };
  }

  /** Checks `Authorization: Bearer …` for ARM-like routes. */
  check(req: Req): { identity: Identity } | { reply: Reply } {
    const header = str(req.headers.authorization);
    const challenge = (error?: string, description?: string) =>
      `Bearer authorization_uri="${this.base}/${this.ids.tenantId}", error="${error ?? 'invalid_token'}", error_description="${description ?? 'The authentication failed.'}"`;
    if (!header || !/^bearer /i.test(header)) {
      return {
        reply: armError(401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing.", {
          headers: { 'www-authenticate': challenge('invalid_token', "The authentication failed because of missing 'Authorization' header.") },
        }),
      };
    }
    const jwt = decodeJwt(header.slice(7).trim());
    const invalid = (code: string, message: string) => ({ reply: armError(401, code, message, { headers: { 'www-authenticate': challenge('invalid_token', message) } }) });
    if (!jwt || jwt.header.kid !== this.certs.tokenKid || !verifyJwtSignature(jwt, this.certs.tokenKey)) return invalid('InvalidAuthenticationToken', 'The access token is invalid.');
    const exp = Number(jwt.payload.exp);
    if (!Number.isFinite(exp) || exp * 1000 < Date.now()) return invalid('ExpiredAuthenticationToken', 'The access token expiry UTC time is earlier than current UTC time.');
    const aud = normalizeResource(String(jwt.payload.aud ?? ''));
    if (!ARM_AUDIENCES.includes(aud)) {
      return invalid('InvalidAuthenticationTokenAudience', `The access token has been obtained for wrong audience or resource '${String(jwt.payload.aud)}'. It should exactly match with one of the allowed audiences '${ARM_AUDIENCES.join("','")}'.`);
    }
    return { identity: { kind: (jwt.payload.mlsteps_emulator_credential as CredentialKind) ?? 'secret', clientId: String(jwt.payload.appid), objectId: String(jwt.payload.oid), audience: aud } };
  }

  // ---- Entra ID ------------------------------------------------------------------------------

  openIdConfiguration(tenant: string, v2: boolean): Reply {
    if (!this.knownTenant(tenant)) return this.aadError(400, 'invalid_tenant', 90002, `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`);
    const t = this.ids.tenantId;
    const root = `${this.base}/${t}`;
    return json(200, {
      token_endpoint: v2 ? `${root}/oauth2/v2.0/token` : `${root}/oauth2/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: v2 ? `${root}/discovery/v2.0/keys` : `${root}/discovery/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: v2 ? `${root}/v2.0` : `https://sts.windows.net/${t}/`,
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${this.base}/oidc/userinfo`,
      authorization_endpoint: v2 ? `${root}/oauth2/v2.0/authorize` : `${root}/oauth2/authorize`,
      device_authorization_endpoint: `${root}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: v2 ? `${root}/oauth2/v2.0/logout` : `${root}/oauth2/logout`,
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nbf', 'tid', 'oid'],
      kerberos_endpoint: `${root}/kerberos`,
      tenant_region_scope: 'NA',
      cloud_instance_name: 'microsoftonline.com',
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: 'graph.microsoft.com',
      rbac_url: 'https://pas.windows.net',
    });
  }

  jwks(): Reply {
    return json(200, { keys: [publicJwk(this.certs.tokenKey, this.certs.tokenKid)] });
  }

  /** MSAL's instance discovery (only called when instance discovery is not disabled). */
  instanceDiscovery(): Reply {
    const host = new URL(this.base).host;
    return json(200, {
      tenant_discovery_endpoint: `${this.base}/${this.ids.tenantId}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
    });
  }

  /** POST /{tenant}/oauth2/v2.0/token (and the v1 /oauth2/token with `resource`). */
  token(tenant: string, req: Req, v2: boolean): Reply {
    const form: Record<string, string> = isObject(req.body) ? Object.fromEntries(Object.entries(req.body).map(([k, v]) => [k, String(v)])) : {};
    if (!this.knownTenant(tenant)) return this.aadError(400, 'invalid_request', 90002, `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`);
    if (form.grant_type !== 'client_credentials') {
      return this.aadError(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${form.grant_type ?? ''}'; the emulator supports client_credentials.`);
    }
    // Client id: form field, or HTTP Basic (client_secret_basic).
    let clientId = form.client_id;
    let secret = form.client_secret;
    const basic = str(req.headers.authorization);
    if (basic && /^basic /i.test(basic)) {
      const [id, pw] = Buffer.from(basic.slice(6), 'base64').toString('utf8').split(':');
      clientId ??= decodeURIComponent(id ?? '');
      secret ??= decodeURIComponent(pw ?? '');
    }
    if (!clientId) return this.aadError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_id'.");
    if (clientId !== this.ids.clientId) {
      return this.aadError(400, 'unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory '${this.ids.tenantId}'.`);
    }
    let resource: string;
    if (v2) {
      const scope = form.scope;
      if (!scope) return this.aadError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'scope'.");
      const scopes = scope.split(/\s+/).filter(Boolean);
      const main = scopes.filter((s) => !['openid', 'profile', 'offline_access'].includes(s));
      if (main.length !== 1 || !main[0].endsWith('/.default')) {
        return this.aadError(400, 'invalid_scope', 1002012, `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`);
      }
      resource = main[0];
    } else {
      if (!form.resource) return this.aadError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'resource'.");
      resource = form.resource;
    }
    const audience = normalizeResource(resource);
    if (!KNOWN_RESOURCES.includes(audience)) {
      return this.aadError(400, 'invalid_resource', 500011, `The resource principal named ${resource.replace(/\/\.default$/, '')} was not found in the tenant named ${this.ids.tenantId}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. (The emulator knows ${KNOWN_RESOURCES.join(', ')}.)`);
    }

    let kind: CredentialKind;
    if (secret !== undefined && form.client_assertion === undefined) {
      if (secret !== this.ids.clientSecret) {
        return this.aadError(401, 'invalid_client', 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`);
      }
      kind = 'secret';
    } else if (form.client_assertion !== undefined) {
      if (form.client_assertion_type !== CLIENT_ASSERTION_TYPE) {
        return this.aadError(400, 'invalid_request', 50027, `client_assertion_type must be '${CLIENT_ASSERTION_TYPE}'.`);
      }
      const result = this.checkAssertion(form.client_assertion, tenant, v2);
      if ('reply' in result) return result.reply;
      kind = result.kind;
    } else {
      return this.aadError(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
    }
    const { token, expiresIn } = this.issue(kind, audience);
    const body: Record<string, unknown> = { token_type: 'Bearer', expires_in: expiresIn, ext_expires_in: expiresIn, access_token: token };
    if (!v2) Object.assign(body, { expires_on: String(Math.floor(Date.now() / 1000) + expiresIn), not_before: String(Math.floor(Date.now() / 1000)), resource: resource });
    return json(200, body, { 'cache-control': 'no-store, no-cache', pragma: 'no-cache' });
  }

  private checkAssertion(assertion: string, tenant: string, v2: boolean): { kind: CredentialKind } | { reply: Reply } {
    const jwt = decodeJwt(assertion);
    if (!jwt) return { reply: this.aadError(400, 'invalid_client', 50027, 'Invalid JWT token. The token is malformed.') };
    const now = Date.now() / 1000;
    const exp = Number(jwt.payload.exp);
    const nbf = jwt.payload.nbf === undefined ? 0 : Number(jwt.payload.nbf);
    const inTime = Number.isFinite(exp) && exp + 300 > now && nbf - 300 <= now;
    const aud = Array.isArray(jwt.payload.aud) ? jwt.payload.aud.map(String) : [String(jwt.payload.aud ?? '')];

    // Federated: an OIDC token issued by "Azure DevOps" (this emulator) for the service connection.
    if (jwt.payload.iss === this.oidcIssuer) {
      if (jwt.header.kid !== this.certs.oidcKid || !verifyJwtSignature(jwt, this.certs.oidcKey)) {
        return { reply: this.aadError(400, 'invalid_client', 700213, 'AADSTS700213: The signature of the presented federated assertion could not be validated.') };
      }
      if (!inTime) return { reply: this.aadError(400, 'invalid_client', 700024, 'Client assertion is not within its valid time range.') };
      if (!aud.includes(FEDERATION_AUDIENCE) || jwt.payload.sub !== this.federatedSubject) {
        return {
          reply: this.aadError(400, 'invalid_request', 70021, `No matching federated identity record found for presented assertion. Assertion Issuer: '${String(jwt.payload.iss)}'. Assertion Subject: '${String(jwt.payload.sub)}'. Assertion Audience: '${aud.join(',')}'.`),
        };
      }
      return { kind: 'federated' };
    }
    // Certificate: signed with the registered certificate's key, x5t / x5t#S256 naming it.
    const x5t = str(jwt.header.x5t);
    const x5tS256 = str(jwt.header['x5t#S256']);
    if (x5t || x5tS256) {
      if ((x5t && x5t !== this.certThumbprints.x5t) || (x5tS256 && x5tS256 !== this.certThumbprints.x5tS256)) {
        return { reply: this.aadError(401, 'invalid_client', 700027, `The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '${x5t ?? x5tS256}']`) };
      }
      if (!verifyJwtSignature(jwt, this.certs.clientCertPem)) return { reply: this.aadError(401, 'invalid_client', 700027, 'Client assertion failed signature validation.') };
      if (!inTime) return { reply: this.aadError(401, 'invalid_client', 700024, 'Client assertion is not within its valid time range.') };
      if (jwt.payload.iss !== this.ids.clientId || jwt.payload.sub !== this.ids.clientId) {
        return { reply: this.aadError(401, 'invalid_client', 700023, 'Client assertion audience claim does not match Realm issuer (iss and sub must be the client id).') };
      }
      const endpoints = [
        `${this.base}/${tenant}/oauth2/v2.0/token`,
        `${this.base}/${tenant}/oauth2/token`,
        `${this.base}/${this.ids.tenantId}/oauth2/v2.0/token`,
        `${this.base}/${this.ids.tenantId}/oauth2/token`,
        `${this.base}/${this.ids.tenantId}/v2.0`,
      ];
      if (!aud.some((a) => endpoints.includes(a.replace(/\/$/, '')))) {
        return { reply: this.aadError(401, 'invalid_client', 700021, `Client assertion audience claim does not match Realm issuer. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials (audience '${aud.join(',')}'; expected the token endpoint${v2 ? '' : ' (v1)'}).`) };
      }
      return { kind: 'certificate' };
    }
    return { reply: this.aadError(400, 'invalid_client', 700211, `No matching federated identity record found for presented assertion issuer '${String(jwt.payload.iss)}'.`) };
  }

  private knownTenant(tenant: string): boolean {
    return tenant === this.ids.tenantId || tenant === 'organizations';
  }

  private aadError(status: number, error: string, code: number, description: string): Reply {
    const trace = randomUUID();
    const correlation = randomUUID();
    const timestamp = new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
    return json(status, {
      error,
      error_description: `AADSTS${code}: ${description}\r\nTrace ID: ${trace}\r\nCorrelation ID: ${correlation}\r\nTimestamp: ${timestamp}`,
      error_codes: [code],
      timestamp,
      trace_id: trace,
      correlation_id: correlation,
      error_uri: `${this.base}/error?code=${code}`,
    });
  }

  // ---- Azure DevOps OIDC ---------------------------------------------------------------------

  /** POST {SYSTEM_OIDCREQUESTURI}?api-version=7.1&serviceConnectionId=… with the job's System.AccessToken. */
  oidc(req: Req): Reply {
    const vssError = (status: number, message: string, typeName: string) =>
      json(status, { $id: '1', innerException: null, message, typeName, typeKey: typeName.split('.').pop()?.split(',')[0], errorCode: 0, eventId: 3000 }, { 'x-vss-e2eid': randomUUID(), 'x-msedge-ref': `Ref A: ${randomUUID()}` });
    if (req.method !== 'POST') return vssError(405, 'The requested resource does not support http method.', 'Microsoft.VisualStudio.Services.WebApi.VssServiceException, Microsoft.VisualStudio.Services.WebApi');
    const auth = str(req.headers.authorization);
    if (!auth || auth !== `Bearer ${this.ids.systemAccessToken}`) {
      return vssError(401, 'TF400813: The user is not authorized to access this resource.', 'Microsoft.TeamFoundation.Framework.Server.UnauthorizedRequestException, Microsoft.TeamFoundation.Framework.Server');
    }
    if (!req.query['api-version']) return vssError(400, 'No api-version was supplied for the POST request.', 'Microsoft.VisualStudio.Services.WebApi.VssVersionNotSpecifiedException, Microsoft.VisualStudio.Services.WebApi');
    const connection = req.query.serviceConnectionId;
    if (!connection) return vssError(400, 'The serviceConnectionId query parameter is required.', 'System.ArgumentException, mscorlib');
    if (connection !== this.ids.serviceConnectionId) {
      return vssError(404, `Service connection ${connection} was not found or is not authorized for this pipeline.`, 'Microsoft.TeamFoundation.DistributedTask.WebApi.ServiceEndpointNotFoundException, Microsoft.TeamFoundation.DistributedTask.WebApi');
    }
    const now = Math.floor(Date.now() / 1000);
    const token = signJwt(
      { jti: randomUUID(), sub: this.federatedSubject, aud: FEDERATION_AUDIENCE, iss: this.oidcIssuer, nbf: now, exp: now + 600, iat: now },
      this.certs.oidcKey,
      { kid: this.certs.oidcKid },
    );
    this.onSecret(token);
    return json(200, { oidcToken: token });
  }

  // ---- Managed identity ----------------------------------------------------------------------

  /** App Service style: GET IDENTITY_ENDPOINT?api-version=2019-08-01&resource=… with X-IDENTITY-HEADER. */
  appServiceMsi(req: Req): Reply {
    if (str(req.headers['x-identity-header']) !== this.ids.identityHeader) {
      return json(401, { statusCode: 401, message: 'Unauthorized: the X-IDENTITY-HEADER header is missing or wrong.' });
    }
    return this.managedIdentityToken(req, false);
  }

  /** IMDS style: GET /metadata/identity/oauth2/token?api-version=2018-02-01&resource=… with `Metadata: true`. */
  imds(req: Req): Reply {
    if (str(req.headers.metadata)?.toLowerCase() !== 'true') return json(400, { error: 'invalid_request', error_description: 'Required metadata header not specified' });
    return this.managedIdentityToken(req, true);
  }

  private managedIdentityToken(req: Req, imds: boolean): Reply {
    const resource = req.query.resource;
    if (!resource) return json(400, { error: 'invalid_request', error_description: 'Required query variable \'resource\' is missing' });
    const requested = req.query.client_id ?? req.query.clientid;
    if (requested && requested !== this.managedIdentityClientId) {
      return json(400, { error: 'invalid_request', error_description: `Identity not found: no user-assigned identity with client id ${requested}` });
    }
    if (req.query.mi_res_id || req.query.msi_res_id || req.query.object_id || req.query.principal_id) {
      return json(400, { error: 'invalid_request', error_description: 'Identity not found: the emulator has one system-assigned identity (and the same as client_id)' });
    }
    const audience = normalizeResource(resource);
    if (!KNOWN_RESOURCES.includes(audience)) return json(400, { error: 'invalid_resource', error_description: `AADSTS500011: The resource principal named ${resource} was not found in the tenant.` });
    const { token, expiresIn, expiresOn } = this.issue('managed-identity', audience);
    const body: Record<string, unknown> = {
      access_token: token,
      expires_on: String(expiresOn),
      resource,
      token_type: 'Bearer',
      client_id: this.managedIdentityClientId,
    };
    if (imds) Object.assign(body, { expires_in: String(expiresIn), ext_expires_in: String(expiresIn), not_before: String(expiresOn - expiresIn) });
    return json(200, body);
  }
}
