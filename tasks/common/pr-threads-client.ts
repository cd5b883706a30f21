// PullRequestThreadClient over azure-devops-node-api's GitApi. Only GitApi and LocationsApi are
// imported (not WebApi, whose factory pulls every Azure DevOps client into the bundle); the
// resource-area lookup WebApi.getGitApi does is repeated here with LocationsApi.
import { GitApi } from 'azure-devops-node-api/GitApi';
import { BearerCredentialHandler } from 'azure-devops-node-api/handlers/bearertoken';
import type { IRequestOptions } from 'azure-devops-node-api/interfaces/common/VsoBaseInterfaces';
import { CommentThreadStatus, CommentType, type GitPullRequestCommentThread } from 'azure-devops-node-api/interfaces/GitInterfaces';
import { LocationsApi } from 'azure-devops-node-api/LocationsApi';
import { FINGERPRINT_PROPERTY, type ExistingThread, type PullRequestThreadClient, type ThreadLocation, type ThreadStatus } from './pr-threads';

/** The pull request a build validates, from the build's variables. */
export interface PullRequestTarget {
  /** System.TeamFoundationCollectionUri, e.g. https://dev.azure.com/contoso/ */
  collectionUri: string;
  /** System.TeamProject (its name), else System.TeamProjectId. */
  project: string;
  /** Build.Repository.ID */
  repositoryId: string;
  /** System.PullRequest.PullRequestId */
  pullRequestId: number;
}

/** A REST call that failed: `status` for an HTTP error, `networkCode` when no answer came. */
export class PullRequestApiError extends Error {
  override name = 'PullRequestApiError';
  constructor(
    message: string,
    readonly status?: number,
    readonly networkCode?: string,
  ) {
    super(message);
  }
}

const USER_AGENT = 'mlsteps-MLStepsValidate/1 (azure-devops-node-api)';

const STATUS_NAMES: Record<number, ThreadStatus> = {
  [CommentThreadStatus.Unknown]: 'unknown',
  [CommentThreadStatus.Active]: 'active',
  [CommentThreadStatus.Fixed]: 'fixed',
  [CommentThreadStatus.WontFix]: 'wontFix',
  [CommentThreadStatus.Closed]: 'closed',
  [CommentThreadStatus.ByDesign]: 'byDesign',
  [CommentThreadStatus.Pending]: 'pending',
};

/**
 * Connects to the pull request's repository: finds the Git resource area's URL (the collection
 * URL itself on Azure DevOps Server), then returns the client. `options` carries the agent's proxy
 * and certificates.
 */
export async function connectPullRequestThreads(target: PullRequestTarget, accessToken: string, options: IRequestOptions): Promise<PullRequestThreadClient> {
  // One handler per client: a handler sends the token only to the host of its first request.
  const locations = new LocationsApi(target.collectionUri, [new BearerCredentialHandler(accessToken)], options, USER_AGENT);
  const areas = await call('finding the Git service of the collection', () => locations.getResourceAreas());
  const gitArea = Array.isArray(areas) ? areas.find((a) => a.id?.toLowerCase() === GitApi.RESOURCE_AREA_ID.toLowerCase()) : undefined;
  const git = new GitApi(gitArea?.locationUrl || target.collectionUri, [new BearerCredentialHandler(accessToken)], options, USER_AGENT);
  const { repositoryId, pullRequestId, project } = target;

  return {
    async listThreads() {
      const threads = await call('reading the pull request threads', () => git.getThreads(repositoryId, pullRequestId, project));
      // typed-rest-client answers a 404 with a null result rather than an error.
      if (!threads) throw new PullRequestApiError(`pull request ${pullRequestId} was not found in repository ${repositoryId}`, 404);
      return threads.map(toExistingThread);
    },
    async createThread(draft) {
      const thread: GitPullRequestCommentThread = {
        comments: [{ parentCommentId: 0, content: draft.content, commentType: CommentType.Text }],
        status: CommentThreadStatus.Active,
        properties: { [FINGERPRINT_PROPERTY]: { $type: 'System.String', $value: draft.fingerprint } },
        ...(draft.location && { threadContext: threadContext(draft.location) }),
      };
      await call('creating a thread', () => git.createThread(thread, repositoryId, pullRequestId, project));
    },
    async updateThread(threadId, change) {
      const thread: GitPullRequestCommentThread = {};
      if (change.status) thread.status = change.status === 'active' ? CommentThreadStatus.Active : CommentThreadStatus.Fixed;
      if (change.location) thread.threadContext = threadContext(change.location);
      await call(`updating thread ${threadId}`, () => git.updateThread(thread, repositoryId, pullRequestId, threadId, project));
    },
    async addComment(threadId, content) {
      await call(`commenting on thread ${threadId}`, () =>
        git.createComment({ parentCommentId: 0, content, commentType: CommentType.Text }, repositoryId, pullRequestId, threadId, project),
      );
    },
    async editComment(threadId, commentId, content) {
      await call(`editing comment ${commentId} of thread ${threadId}`, () => git.updateComment({ content }, repositoryId, pullRequestId, threadId, commentId, project));
    },
  };
}

/** Start and end at the diagnostic's line and column, on the new (right) side of the diff. */
function threadContext(location: ThreadLocation): GitPullRequestCommentThread['threadContext'] {
  if (location.line <= 0) return { filePath: location.filePath };
  const position = { line: location.line, offset: location.column };
  return { filePath: location.filePath, rightFileStart: position, rightFileEnd: { ...position } };
}

function toExistingThread(t: GitPullRequestCommentThread): ExistingThread {
  const context = t.threadContext;
  const start = context?.rightFileStart;
  const opening = (t.comments ?? []).filter((c) => !c.parentCommentId && c.id !== undefined).sort((a, b) => a.id! - b.id!)[0];
  return {
    id: t.id ?? 0,
    status: typeof t.status === 'number' ? (STATUS_NAMES[t.status] ?? 'unknown') : ((t.status as ThreadStatus | undefined) ?? 'unknown'),
    fingerprint: propertyValue(t.properties, FINGERPRINT_PROPERTY),
    location: context?.filePath ? { filePath: context.filePath, line: start?.line ?? 0, column: start?.offset ?? 1 } : undefined,
    firstComment: opening ? { id: opening.id!, content: opening.content ?? '' } : undefined,
    isDeleted: t.isDeleted ?? false,
  };
}

/** A property as the service returns it: `{"$type": …, "$value": …}`, or (older servers) the bare value. */
function propertyValue(properties: unknown, name: string): string | undefined {
  if (!properties || typeof properties !== 'object') return undefined;
  const entry = (properties as Record<string, unknown>)[name];
  if (typeof entry === 'string') return entry;
  if (entry && typeof entry === 'object') {
    const value = (entry as Record<string, unknown>).$value ?? (entry as Record<string, unknown>).value;
    return typeof value === 'string' ? value : undefined;
  }
  return undefined;
}

/** Runs one REST call, turning typed-rest-client's failures into a PullRequestApiError. */
async function call<T>(doing: string, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (err) {
    if (err instanceof PullRequestApiError) throw err;
    const e = err as { statusCode?: unknown; code?: unknown; message?: unknown };
    const message = typeof e.message === 'string' ? e.message : String(err);
    if (typeof e.statusCode === 'number') throw new PullRequestApiError(`${doing} failed with HTTP ${e.statusCode}: ${message}`, e.statusCode);
    // Node's socket errors carry a code (ECONNREFUSED, ENOTFOUND, ECONNRESET); typed-rest-client's
    // socket timeout says so in its message only.
    const networkCode = typeof e.code === 'string' ? e.code : /timeout/i.test(message) ? 'ETIMEDOUT' : undefined;
    throw new PullRequestApiError(`${doing} failed: ${message}`, undefined, networkCode);
  }
}
