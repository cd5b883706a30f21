// A local stand-in for the Azure DevOps REST routes that pull-request threads use, on 127.0.0.1:
// the discovery calls azure-devops-node-api makes first (OPTIONS on an area for its resource
// locations, the Location service's resource areas), then the Git threads and comments routes.
// It keeps threads in memory, answers as the service does (status names, `$type`/`$value`
// properties, comment ids from 1), and records every request for the tests to assert on.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const GIT_AREA_ID = '4e080c62-fa21-4fbc-8fef-2a10a2b38049';
const RESOURCE_AREAS_LOCATION = 'e81700f7-3be2-46de-8624-2eb35882fcaa';
const THREADS_LOCATION = 'ab6e2e5d-a0b7-4153-b64a-a4efe0d49449';
const COMMENTS_LOCATION = '965a3ec7-5ed8-455a-bdcb-835a5ea7fe7b';

export interface RecordedRequest {
  method: string;
  /** Path without the collection prefix, e.g. `/ml/_apis/git/repositories/r/pullRequests/7/threads`. */
  path: string;
  query: Record<string, string>;
  authorization?: string;
  /** The api-version azure-devops-node-api negotiated, which it sends in the Accept header. */
  apiVersion?: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- request bodies are asserted field by field
  body?: any;
}

export interface StoredComment {
  id: number;
  parentCommentId: number;
  content: string;
  commentType: string;
}

export interface StoredThread {
  id: number;
  status: string;
  threadContext?: { filePath?: string; rightFileStart?: { line: number; offset: number }; rightFileEnd?: { line: number; offset: number } };
  properties: Record<string, { $type: string; $value: unknown }>;
  comments: StoredComment[];
  isDeleted: boolean;
}

export interface StandIn {
  /** The collection URL to give as System.TeamFoundationCollectionUri (ends with `/`). */
  collectionUri: string;
  requests: RecordedRequest[];
  /** Threads per pull request id. */
  threads: Map<number, StoredThread[]>;
  /** When set, every POST and PATCH is refused with this status (as without "Contribute to pull requests"). */
  refuseWrites?: 401 | 403;
  close(): Promise<void>;
}

/** CommentThreadStatus numbers (what azure-devops-node-api sends) → the names the service returns. */
const STATUS_NAMES = ['unknown', 'active', 'fixed', 'wontFix', 'closed', 'byDesign', 'pending'];
const statusName = (s: unknown): string => (typeof s === 'number' ? (STATUS_NAMES[s] ?? 'unknown') : String(s));

export async function startPullRequestStandIn(options: { token: string; project: string; repositoryId: string }): Promise<StandIn> {
  const collectionPath = '/contoso';
  const threads = new Map<number, StoredThread[]>();
  const requests: RecordedRequest[] = [];
  let nextThreadId = 100;
  let baseUrl = '';

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const text = Buffer.concat(chunks).toString('utf8');
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        path: decodeURIComponent(url.pathname.startsWith(collectionPath) ? url.pathname.slice(collectionPath.length) : url.pathname),
        query: Object.fromEntries(url.searchParams),
        authorization: req.headers.authorization,
        apiVersion: /api-version=([^;,\s]+)/.exec(req.headers.accept ?? '')?.[1],
        body: text ? JSON.parse(text) : undefined,
      };
      requests.push(recorded);
      try {
        handle(req, res, recorded);
      } catch (err) {
        send(res, 500, { message: String(err) });
      }
    });
  });

  function handle(req: IncomingMessage, res: ServerResponse, r: RecordedRequest): void {
    if (r.authorization !== `Bearer ${options.token}`) return send(res, 401, { message: 'TF400813: The user is not authorized to access this resource.' });
    if (r.method === 'OPTIONS' && r.path === '/_apis/Location') {
      return send(res, 200, locations([{ id: RESOURCE_AREAS_LOCATION, area: 'Location', resourceName: 'ResourceAreas', routeTemplate: '_apis/{resource}/{areaId}' }]));
    }
    if (r.method === 'GET' && r.path === '/_apis/ResourceAreas') {
      return send(res, 200, { count: 1, value: [{ id: GIT_AREA_ID, name: 'git', locationUrl: `${baseUrl}${collectionPath}/` }] });
    }
    if (r.method === 'OPTIONS' && r.path === '/_apis/git') {
      return send(
        res,
        200,
        locations([
          { id: THREADS_LOCATION, area: 'git', resourceName: 'threads', routeTemplate: '{project}/_apis/{area}/repositories/{repositoryId}/pullRequests/{pullRequestId}/{resource}/{threadId}' },
          {
            id: COMMENTS_LOCATION,
            area: 'git',
            resourceName: 'comments',
            routeTemplate: '{project}/_apis/{area}/repositories/{repositoryId}/pullRequests/{pullRequestId}/threads/{threadId}/{resource}/{commentId}',
          },
        ]),
      );
    }
    const route = new RegExp(`^/${escape(options.project)}/_apis/git/repositories/${escape(options.repositoryId)}/pullRequests/(\\d+)/threads(?:/(\\d+))?(?:/comments(?:/(\\d+))?)?$`).exec(r.path);
    if (!route) return send(res, 404, { message: `no route ${r.method} ${r.path}` });
    if (r.apiVersion !== '7.2-preview.1') return send(res, 400, { message: `unexpected api-version ${r.apiVersion}` });
    if (r.method !== 'GET' && standIn.refuseWrites) {
      return send(res, standIn.refuseWrites, {
        message: "TF401027: You need the Git 'PullRequestContribute' permission to perform this action.",
        typeKey: 'GitNeedsPermissionException',
      });
    }
    const pullRequestId = Number(route[1]);
    const list = threads.get(pullRequestId) ?? [];
    threads.set(pullRequestId, list);
    const isComments = r.path.includes('/comments');
    const thread = route[2] === undefined ? undefined : list.find((t) => t.id === Number(route[2]));
    if (route[2] !== undefined && !thread) return send(res, 404, { message: `no thread ${route[2]}` });

    if (!isComments && r.method === 'GET' && !thread) return send(res, 200, { count: list.length, value: list });
    if (!isComments && r.method === 'POST' && !thread) {
      const created: StoredThread = {
        id: nextThreadId++,
        status: statusName(r.body.status ?? 1),
        threadContext: r.body.threadContext,
        properties: r.body.properties ?? {},
        comments: (r.body.comments ?? []).map((c: StoredComment, i: number) => ({ id: i + 1, parentCommentId: c.parentCommentId ?? 0, content: c.content, commentType: 'text' })),
        isDeleted: false,
      };
      list.push(created);
      return send(res, 200, created);
    }
    if (!isComments && r.method === 'PATCH' && thread) {
      if (r.body.status !== undefined) thread.status = statusName(r.body.status);
      if (r.body.threadContext !== undefined) thread.threadContext = r.body.threadContext;
      return send(res, 200, thread);
    }
    if (isComments && r.method === 'POST' && thread && route[3] === undefined) {
      const comment = { id: thread.comments.length + 1, parentCommentId: r.body.parentCommentId ?? 0, content: r.body.content, commentType: 'text' };
      thread.comments.push(comment);
      return send(res, 200, comment);
    }
    if (isComments && r.method === 'PATCH' && thread && route[3] !== undefined) {
      const comment = thread.comments.find((c) => c.id === Number(route[3]));
      if (!comment) return send(res, 404, { message: `no comment ${route[3]}` });
      comment.content = r.body.content;
      return send(res, 200, comment);
    }
    return send(res, 405, { message: `${r.method} ${r.path} is not supported here` });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const standIn: StandIn = {
    collectionUri: `${baseUrl}${collectionPath}/`,
    requests,
    threads,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return standIn;
}

/** The body of an OPTIONS answer: the area's resource locations, with the versions the service reports. */
function locations(entries: { id: string; area: string; resourceName: string; routeTemplate: string }[]) {
  return {
    count: entries.length,
    value: entries.map((e) => ({ ...e, resourceVersion: 1, minVersion: '3.0', maxVersion: '7.2', releasedVersion: '7.1' })),
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
