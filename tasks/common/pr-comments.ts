// The pipeline side of pull-request threads: is this a pull-request build of an Azure Repos Git
// repository, which pull request, which token — then sync, and turn every failure into a warning.
// Commenting is a courtesy: it never changes the task's result.
import type { IRequestOptions } from 'azure-devops-node-api/interfaces/common/VsoBaseInterfaces';
import type { ValidationResult } from '../../src/model/diagnostic';
import { neutralize, plural } from './issues';
import { connectPullRequestThreads, PullRequestApiError, type PullRequestTarget } from './pr-threads-client';
import { problemsFromDiagnostics, syncThreads, type PullRequestThreadClient, type SyncReport } from './pr-threads';

/** What commenting needs from the agent. */
export interface PullRequestPipeline {
  /** A (non-secret) pipeline variable such as `Build.Reason`. */
  variable(name: string): string | undefined;
  /** The job's access token (`System.AccessToken`), undefined when the job has none. */
  accessToken(): string | undefined;
  setSecret(value: string): void;
  print(text: string): void;
  warning(message: string): void;
  debug(message: string): void;
  /** The agent's proxy and certificate settings for requests to `url`. */
  requestOptions(url: string): IRequestOptions;
}

export type ConnectThreads = (target: PullRequestTarget, accessToken: string, options: IRequestOptions) => Promise<PullRequestThreadClient>;

/** The permission a 401/403 asks for, named as the Repositories security page names it. */
export const CONTRIBUTE_TO_PULL_REQUESTS = 'Contribute to pull requests';

/** Where the pull request is, or why this build has none to comment on. */
export type PullRequestLookup = { target: PullRequestTarget; repositoryRoot: string } | { skip: string; warn: boolean };

export function findPullRequest(variable: (name: string) => string | undefined): PullRequestLookup {
  const reason = variable('Build.Reason');
  if (reason !== 'PullRequest') return { skip: `not a pull-request build (Build.Reason is ${reason || 'not set'})`, warn: false };
  const provider = variable('Build.Repository.Provider');
  // A GitHub or Bitbucket pull request also builds with Build.Reason PullRequest, but its threads
  // are not Azure Repos threads.
  if (provider && provider !== 'TfsGit') return { skip: `the repository is ${provider}, and pull-request threads are for Azure Repos Git`, warn: false };
  const required = ['System.PullRequest.PullRequestId', 'System.TeamFoundationCollectionUri', 'Build.Repository.ID'];
  const missing: string[] = required.filter((name) => !variable(name));
  const project = variable('System.TeamProject') || variable('System.TeamProjectId');
  if (!project) missing.push('System.TeamProject');
  if (missing.length > 0) return { skip: `the build has no ${missing.join(', ')}`, warn: true };
  const pullRequestId = Number(variable('System.PullRequest.PullRequestId'));
  if (!Number.isSafeInteger(pullRequestId) || pullRequestId <= 0) {
    return { skip: `System.PullRequest.PullRequestId "${variable('System.PullRequest.PullRequestId')}" is not a pull request number`, warn: true };
  }
  return {
    target: {
      collectionUri: variable('System.TeamFoundationCollectionUri')!,
      project: project!,
      repositoryId: variable('Build.Repository.ID')!,
      pullRequestId,
    },
    repositoryRoot: variable('Build.Repository.LocalPath') || variable('Build.SourcesDirectory') || process.cwd(),
  };
}

/**
 * Posts, updates and closes one thread per problem on the build's pull request. Makes no request
 * when the build is not for an Azure Repos pull request. Never throws: a refused token, a network
 * failure or any other error becomes a warning naming what to do.
 */
export async function commentOnPullRequest(
  result: ValidationResult,
  pipeline: PullRequestPipeline,
  connect: ConnectThreads = connectPullRequestThreads,
): Promise<SyncReport | undefined> {
  const found = findPullRequest((name) => pipeline.variable(name));
  if ('skip' in found) {
    const message = `No pull-request threads: ${found.skip}.`;
    if (found.warn) pipeline.warning(message);
    else pipeline.print(message);
    return undefined;
  }
  const { target, repositoryRoot } = found;
  const token = pipeline.accessToken();
  if (!token) {
    pipeline.warning(
      `No pull-request threads: the job has no System.AccessToken. Let the job use its OAuth token, or set commentOnPullRequest to false.`,
    );
    return undefined;
  }
  pipeline.setSecret(token);

  const build = pipeline.variable('Build.BuildNumber') || pipeline.variable('Build.BuildId') || 'this build';
  try {
    const client = await connect(target, token, pipeline.requestOptions(target.collectionUri));
    const report = await syncThreads(problemsFromDiagnostics(result, repositoryRoot), client, {
      fixed: `Fixed: MLStepsValidate@1 no longer reports this problem (build ${build}).`,
      reopened: `Reported again by MLStepsValidate@1 (build ${build}).`,
    });
    pipeline.print(`Pull request ${target.pullRequestId}: ${describeReport(report)}.`);
    return report;
  } catch (err) {
    pipeline.warning(neutralize(failureMessage(err, target)));
    pipeline.debug(neutralize(err instanceof Error ? String(err.stack) : String(err)));
    return undefined;
  }
}

function failureMessage(err: unknown, target: PullRequestTarget): string {
  const prefix = `Could not comment on pull request ${target.pullRequestId}`;
  const unaffected = 'The validation result is not affected.';
  if (err instanceof PullRequestApiError && (err.status === 401 || err.status === 403)) {
    return (
      `${prefix}: Azure DevOps refused the build's access token (HTTP ${err.status}). Grant the build service identity ` +
      `("${target.project} Build Service (${organization(target.collectionUri)})", or "Project Collection Build Service" for collection-scoped jobs) ` +
      `the "${CONTRIBUTE_TO_PULL_REQUESTS}" permission on the repository (Project settings > Repositories > Security), ` +
      `or set commentOnPullRequest to false. ${unaffected}`
    );
  }
  if (err instanceof PullRequestApiError && err.networkCode) {
    return `${prefix}: Azure DevOps at ${target.collectionUri} could not be reached (${err.networkCode}). ${unaffected}`;
  }
  return `${prefix}: ${err instanceof Error ? err.message : String(err)}. ${unaffected}`;
}

/** The organization (or collection) name the build service identity is named after. */
function organization(collectionUri: string): string {
  try {
    const url = new URL(collectionUri);
    const segments = url.pathname.split('/').filter(Boolean);
    if (url.hostname.endsWith('.visualstudio.com')) return url.hostname.split('.')[0];
    return segments.at(-1) ?? '<organization>';
  } catch {
    return '<organization>';
  }
}

function describeReport(r: SyncReport): string {
  return [
    `${plural(r.created, 'thread')} created`,
    `${r.updated} updated`,
    `${r.reopened} reopened`,
    `${r.closed} closed`,
    `${r.unchanged} unchanged`,
  ].join(', ');
}
