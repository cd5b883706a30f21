// The Azure Resource Manager service connection of a task run against the emulator, as the agent
// hands it to the task: ENDPOINT_URL_/AUTH_/DATA_<id>, ENDPOINT_AUTH_PARAMETER_<id>_*, and for
// workload identity federation System.AccessToken (a secret variable) and the OIDC request URI.
import type { Emulator } from '../emulator';

export type ConnectionScheme = 'secret' | 'certificate' | 'pipelines';

export function emulatorConnectionEnv(em: Emulator, scheme: ConnectionScheme): NodeJS.ProcessEnv {
  const id = em.ids.serviceConnectionId;
  const parameters: Record<string, string> =
    scheme === 'secret'
      ? { tenantid: em.ids.tenantId, serviceprincipalid: em.ids.clientId, authenticationType: 'spnKey', serviceprincipalkey: em.ids.clientSecret }
      : scheme === 'certificate'
        ? { tenantid: em.ids.tenantId, serviceprincipalid: em.ids.clientId, authenticationType: 'spnCertificate', servicePrincipalCertificate: em.ids.certificatePem }
        : { tenantid: em.ids.tenantId, serviceprincipalid: em.ids.clientId, workloadIdentityFederationSubject: 'sc://mlsteps-org/mlsteps-project/mlsteps-azureml-connection', workloadIdentityFederationIssuer: 'https://vstoken.dev.azure.com/x' };
  const env: NodeJS.ProcessEnv = {
    NODE_EXTRA_CA_CERTS: em.caCertPath,
    [`ENDPOINT_URL_${id}`]: `${em.armEndpoint}/`,
    [`ENDPOINT_AUTH_${id}`]: JSON.stringify({ parameters, scheme: scheme === 'pipelines' ? 'WorkloadIdentityFederation' : 'ServicePrincipal' }),
    [`ENDPOINT_AUTH_SCHEME_${id}`]: scheme === 'pipelines' ? 'WorkloadIdentityFederation' : 'ServicePrincipal',
    [`ENDPOINT_DATA_${id}_SUBSCRIPTIONID`]: em.ids.subscriptionId,
    [`ENDPOINT_DATA_${id}_ENVIRONMENT`]: 'AzureStack',
    [`ENDPOINT_DATA_${id}_ACTIVEDIRECTORYAUTHORITY`]: em.authorityHost,
    [`ENDPOINT_DATA_${id}_ACTIVEDIRECTORYSERVICEENDPOINTRESOURCEID`]: em.armAudience,
  };
  for (const [k, v] of Object.entries(parameters)) env[`ENDPOINT_AUTH_PARAMETER_${id}_${k.toUpperCase()}`] = v;
  if (scheme === 'pipelines') {
    // System.AccessToken is a secret variable: the agent hands it over as SECRET_*, into task-lib's vault.
    env.SYSTEM_OIDCREQUESTURI = em.oidcRequestUri;
    env.SECRET_SYSTEM_ACCESSTOKEN = em.ids.systemAccessToken;
    env.VSTS_SECRET_VARIABLES = JSON.stringify(['System.AccessToken']);
  }
  return env;
}
