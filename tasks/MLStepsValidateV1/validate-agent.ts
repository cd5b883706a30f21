// The agent as MLStepsValidate@1 sees it: the common Agent, build tags, and pull-request threads.
// The threads code (and azure-devops-node-api with it) loads only when commenting is on, so the
// gate's cold start stays what it was.
import * as tl from 'azure-pipelines-task-lib/task';
import { taskLibAgent } from '../common/agent';
import { neutralize } from '../common/issues';
import type { PullRequestPipeline } from '../common/pr-comments';
import { taskLibRunAgent } from '../common/run-agent';
import type { ValidateAgent } from './validate-task';

export function taskLibValidateAgent(): ValidateAgent {
  const base = taskLibAgent();
  return {
    ...base,
    addBuildTag: (tag) => tl.addBuildTag(tag),
    async commentOnPullRequest(result) {
      const { commentOnPullRequest } = require('../common/pr-comments') as typeof import('../common/pr-comments');
      await commentOnPullRequest(result, taskLibPullRequestPipeline());
    },
  };
}

function taskLibPullRequestPipeline(): PullRequestPipeline {
  // RunAgent already reads secret variables and endpoints without writing them to the debug log.
  const agent = taskLibRunAgent();
  return {
    variable: (name) => tl.getVariable(name) || undefined,
    // The agent hands System.AccessToken to every task as a secret, and as the SystemVssConnection
    // endpoint's AccessToken (the older route, still the only one on some agents).
    accessToken: () => agent.secretVariable('System.AccessToken') || agent.endpoint('SYSTEMVSSCONNECTION').parameter('AccessToken'),
    setSecret: (value) => agent.setSecret(value),
    print: (text) => agent.print(text),
    // A logged issue of type warning: shown on the run summary, and it leaves the result alone.
    warning: (message) => tl.logIssue(tl.IssueType.Warning, neutralize(message)),
    debug: (message) => agent.debug(message),
    requestOptions(url) {
      const proxy = tl.getHttpProxyConfiguration(url);
      const cert = tl.getHttpCertConfiguration();
      return {
        socketTimeout: 60_000,
        ignoreSslError: (tl.getVariable('Agent.SkipCertValidation') ?? '').toLowerCase() === 'true',
        ...(proxy && {
          proxy: { proxyUrl: proxy.proxyUrl, proxyUsername: proxy.proxyUsername, proxyPassword: proxy.proxyPassword, proxyBypassHosts: proxy.proxyBypassHosts },
        }),
        ...(cert && { cert: { caFile: cert.caFile, certFile: cert.certFile, keyFile: cert.keyFile, passphrase: cert.passphrase } }),
      };
    },
  };
}
