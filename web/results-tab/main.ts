// The build results tab's glue to Azure DevOps: the SDK handshake (theme included), the build the
// tab is shown for, and the build's `mlsteps.results` attachments over the Build REST API with the
// access token the host hands out. Rendering is render.ts's job. Plain fetch rather than
// azure-devops-extension-api's BuildRestClient: two GETs do not justify its size.
import * as SDK from 'azure-devops-extension-sdk';
import { renderMessage, renderResultsTab, type LoadedAttachment } from './render';

/** What MLStepsRun@1 attaches (tasks/MLStepsRunV1/run-task.ts RESULTS_TYPE). */
const RESULTS_TYPE = 'mlsteps.results';
/** The Build resource area: the location service maps it to the organization's (or collection's) URL. */
const BUILD_AREA_ID = '5d6898bb-45ec-463f-95f9-54d49c71752e';
const API_VERSION = '7.1';
const PARALLEL_DOWNLOADS = 6;

interface BuildOnPage {
  id: number;
  project?: { id?: string; name?: string };
}

interface TabConfiguration {
  /** The build results view hands its tabs the build through this callback, again on every update. */
  onBuildChanged?: (handler: (build: BuildOnPage) => void) => void;
}

interface AttachmentReference {
  name: string;
  _links?: { self?: { href?: string } };
}

const root = document.getElementById('mls-root')!;

function show(html: string): void {
  root.innerHTML = html;
  root.setAttribute('aria-busy', 'false');
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function request(url: string, token: string, accept: string): Promise<Response> {
  const response = await fetch(url, {
    headers: {
      Authorization: `Bearer ${token}`,
      Accept: `${accept};api-version=${API_VERSION}`,
      // A 401 rather than a redirect to a sign-in page when the token is not accepted.
      'X-TFS-FedAuthRedirect': 'Suppress',
    },
  });
  if (!response.ok) {
    let detail = '';
    try {
      const body = (await response.json()) as { message?: string };
      if (body && typeof body.message === 'string') detail = `: ${body.message}`;
    } catch {
      // Not a JSON error body; the status says enough.
    }
    throw new HttpError(response.status, `${response.status} ${response.statusText}${detail}`);
  }
  return response;
}

async function organizationUrl(): Promise<string> {
  const locations = await SDK.getService<{ getResourceAreaLocation(areaId: string): Promise<string> }>('ms.vss-features.location-service');
  const url = await locations.getResourceAreaLocation(BUILD_AREA_ID);
  return url.endsWith('/') ? url : `${url}/`;
}

/** Up to `limit` at a time, results in input order. */
async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** getAttachments(project, buildId, type), then getAttachment(project, buildId, timelineId, recordId, type, name) for each. */
async function loadAttachments(project: string, buildId: number): Promise<LoadedAttachment[]> {
  const [base, token] = await Promise.all([organizationUrl(), SDK.getAccessToken()]);
  const builds = `${base}${encodeURIComponent(project)}/_apis/build/builds/${buildId}`;
  const list = (await (await request(`${builds}/attachments/${RESULTS_TYPE}?api-version=${API_VERSION}`, token, 'application/json')).json()) as { value?: AttachmentReference[] };
  const references = Array.isArray(list.value) ? list.value : [];
  return mapLimited(references, PARALLEL_DOWNLOADS, async (ref): Promise<LoadedAttachment> => {
    const href = ref._links?.self?.href ?? '';
    // The reference names the timeline record that attached it only inside its link.
    const ids = /\/_apis\/build\/builds\/\d+\/([^/]+)\/([^/]+)\/attachments\//i.exec(href);
    const url = ids
      ? `${builds}/${ids[1]}/${ids[2]}/attachments/${RESULTS_TYPE}/${encodeURIComponent(ref.name)}?api-version=${API_VERSION}`
      : href;
    if (!url) return { name: ref.name, error: 'the attachment has no download link' };
    try {
      return { name: ref.name, text: await (await request(url, token, 'application/octet-stream')).text() };
    } catch (err) {
      return { name: ref.name, error: (err as Error).message };
    }
  });
}

let loads = 0;
let notified = false;

async function load(build: BuildOnPage): Promise<void> {
  const mine = ++loads;
  try {
    const project = build.project?.id ?? build.project?.name ?? SDK.getWebContext().project?.id;
    if (!project) throw new Error('the page names no project');
    if (typeof build.id !== 'number') throw new Error('the page names no build');
    const attachments = await loadAttachments(project, build.id);
    // The build changed again while this one loaded: the newer load draws the tab.
    if (mine === loads) show(renderResultsTab(attachments, { buildId: build.id }));
  } catch (err) {
    const status = err instanceof HttpError ? err.status : 0;
    const hint =
      status === 401 || status === 403
        ? ' The extension reads build attachments with the vso.build scope; ask a project collection administrator to authorize the extension again.'
        : '';
    if (mine === loads) show(renderMessage('error', 'Could not load the ML step results', `${(err as Error).message}.${hint}`));
  } finally {
    if (!notified) {
      notified = true;
      void SDK.notifyLoadSucceeded();
    }
  }
}

async function main(): Promise<void> {
  // Outside Azure DevOps nobody answers the handshake: say so rather than load forever.
  const orphan = setTimeout(() => show(renderMessage('error', 'No Azure DevOps page around this tab', 'This page is the ML steps tab of a build in Azure DevOps; open it from a build\'s results.')), 20_000);
  await SDK.init({ loaded: false, applyTheme: true });
  clearTimeout(orphan);
  try {
    const config = SDK.getConfiguration() as TabConfiguration;
    if (typeof config.onBuildChanged === 'function') {
      config.onBuildChanged((build) => void load(build));
    } else {
      // Hosts that do not hand the build to the tab: ask the build page for it.
      const pageData = await SDK.getService<{ getBuildPageData(): Promise<{ build?: BuildOnPage } | undefined> }>('ms.vss-build-web.build-page-data-service');
      const data = await pageData.getBuildPageData();
      if (!data?.build) throw new Error('this page shows no build');
      await load(data.build);
    }
  } catch (err) {
    show(renderMessage('error', 'Could not load the ML step results', (err as Error).message));
    if (!notified) {
      notified = true;
      void SDK.notifyLoadSucceeded();
    }
  }
}

void main();
