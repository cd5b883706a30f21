// A stand-in for the Azure DevOps page that hosts a build results tab, for the browser tests: it
// frames the real built tab and answers the host side of azure-devops-extension-sdk's XDM protocol
// (node_modules/azure-devops-extension-sdk/esm/XDM.js and SDK.js) — JSON messages over postMessage:
//   tab → host  {id, methodName, instanceId, params, handshakeToken}
//   host → tab  {id, result | error, handshakeToken}   (the reply to the tab's call `id`)
//   host → tab  {id, methodName: "proxyN", instanceId: "__proxyFunctions", params}   (calls a callback
//                the tab passed, serialized as {__proxyFunctionId: N})
// Functions the host hands to the tab (services' methods, the configuration's onBuildChanged) are
// serialized the same way, and the tab calls them back as "proxyN" on "__proxyFunctions".
// Bundled by tests/results-tab.test.ts with esbuild; the page carries its settings as JSON.

interface HostSettings {
  theme: 'light' | 'dark';
  buildId: number;
  project: { id: string; name: string };
  organizationUrl: string;
  accessToken: string;
  /** How the tab learns the build: the configuration's onBuildChanged callback, or only the build page data service. */
  buildFrom: 'configuration' | 'service';
  tabUrl: string;
}

interface RpcMessage {
  id: number;
  methodName?: string;
  instanceId?: string;
  params?: unknown[];
  result?: unknown;
  error?: unknown;
  handshakeToken?: string;
}

interface ProxyReference {
  __proxyFunctionId: number;
  _channelId: number;
}

/** What the tests read back from the page: each call the tab made, in order. */
interface HostLog {
  calls: Array<{ instanceId?: string; methodName?: string; params?: unknown[] }>;
  initOptions?: Record<string, unknown>;
  loadSucceeded: boolean;
  loadFailed?: unknown;
}

const settings = JSON.parse(document.getElementById('host-settings')!.textContent!) as HostSettings;
const log: HostLog = { calls: [], loadSucceeded: false };
(window as unknown as { hostLog: HostLog }).hostLog = log;

// Azure DevOps theme variables as azure-devops-ui names them; the SDK writes them on the tab's :root.
const THEMES: Record<HostSettings['theme'], Record<string, string>> = {
  light: {
    'palette-primary': '0, 120, 212',
    'palette-neutral-0': '255, 255, 255',
    'palette-neutral-2': '248, 248, 248',
    'palette-neutral-4': '244, 244, 244',
    'palette-neutral-8': '234, 234, 234',
    'palette-neutral-20': '200, 200, 200',
    'palette-neutral-100': '0, 0, 0',
    'background-color': 'rgba(var(--palette-neutral-0), 1)',
    'text-primary-color': 'rgba(var(--palette-neutral-100), .9)',
    'text-secondary-color': 'rgba(var(--palette-neutral-100), .55)',
    'communication-foreground': 'rgba(0, 90, 158, 1)',
  },
  dark: {
    'palette-primary': '40, 153, 245',
    'palette-neutral-0': '32, 31, 30',
    'palette-neutral-2': '41, 40, 39',
    'palette-neutral-4': '50, 49, 48',
    'palette-neutral-8': '59, 58, 57',
    'palette-neutral-20': '96, 94, 92',
    'palette-neutral-100': '255, 255, 255',
    'background-color': 'rgba(var(--palette-neutral-0), 1)',
    'text-primary-color': 'rgba(var(--palette-neutral-100), .9)',
    'text-secondary-color': 'rgba(var(--palette-neutral-100), .6)',
    'communication-foreground': 'rgba(95, 176, 245, 1)',
  },
};

// The host page wears the same theme as the tab.
const rootStyle = document.documentElement.style;
for (const [name, value] of Object.entries(THEMES[settings.theme])) rootStyle.setProperty(`--${name}`, value);
document.documentElement.dataset.theme = settings.theme;

const frame = document.createElement('iframe');
const CHANNEL_ID = 1;
const hostFunctions = new Map<number, (...args: unknown[]) => unknown>();
let nextProxyId = 1;
let nextMessageId = 1;

function post(message: RpcMessage): void {
  frame.contentWindow!.postMessage(JSON.stringify(message), '*');
}

/** A host function as the tab receives it. */
function proxy(fn: (...args: unknown[]) => unknown): ProxyReference {
  const id = nextProxyId++;
  hostFunctions.set(id, fn);
  return { __proxyFunctionId: id, _channelId: CHANNEL_ID };
}

const isProxy = (v: unknown): v is ProxyReference => typeof v === 'object' && v !== null && typeof (v as ProxyReference).__proxyFunctionId === 'number';

/** A callback the tab passed: calling it posts "proxyN" to the tab. */
function tabFunction(ref: ProxyReference): (...args: unknown[]) => void {
  return (...args) => post({ id: nextMessageId++, methodName: `proxy${ref.__proxyFunctionId}`, instanceId: '__proxyFunctions', params: args });
}

function buildReference() {
  return { id: settings.buildId, buildNumber: `20261126.${settings.buildId % 10}`, project: { ...settings.project }, status: 2, result: 2 };
}

function service(contributionId: string): Record<string, ProxyReference> {
  switch (contributionId) {
    case 'ms.vss-features.location-service':
      return {
        getResourceAreaLocation: proxy(() => settings.organizationUrl),
        getServiceLocation: proxy(() => settings.organizationUrl),
      };
    case 'ms.vss-build-web.build-page-data-service':
      return { getBuildPageData: proxy(() => ({ build: buildReference(), definition: { id: 7, name: 'credit-risk' } })) };
    default:
      throw new Error(`this host has no service ${contributionId}`);
  }
}

function hostControl(methodName: string, params: unknown[]): unknown {
  switch (methodName) {
    case 'initialHandshake': {
      const options = (params[0] ?? {}) as Record<string, unknown>;
      log.initOptions = options;
      const initialConfig =
        settings.buildFrom === 'configuration'
          ? {
              onBuildChanged: proxy((handler) => {
                // The build results view calls the tab's handler with the build, now and on every update.
                if (isProxy(handler)) setTimeout(() => tabFunction(handler)(buildReference()), 0);
              }),
            }
          : {};
      return {
        contributionId: 'mlsteps.mlsteps.mlsteps-results-tab',
        initialConfig,
        context: {
          extension: { id: 'mlsteps.mlsteps', publisherId: 'mlsteps', extensionId: 'mlsteps', version: '0.1.0' },
          user: { id: 'u1', name: 'dana@fabrikam.example', displayName: 'Dana', descriptor: 'aad.dTE', imageUrl: '' },
          host: { id: 'h1', name: 'fabrikam', serviceVersion: 'test', type: 4, isHosted: true },
          pageContext: { webContext: { project: { ...settings.project }, team: { id: 't1', name: 'credit-risk Team' } } },
        },
        ...(options.applyTheme === false ? {} : { themeData: THEMES[settings.theme] }),
      };
    }
    case 'notifyLoadSucceeded':
      log.loadSucceeded = true;
      return undefined;
    case 'notifyLoadFailed':
      log.loadFailed = params[0];
      return undefined;
    case 'getAccessToken':
    case 'getAppToken':
      return { token: settings.accessToken };
    case 'resize':
      return undefined;
    default:
      throw new Error(`the host control has no method ${methodName}`);
  }
}

function dispatch(message: RpcMessage): unknown {
  const params = message.params ?? [];
  switch (message.instanceId) {
    case 'DevOps.HostControl':
      return hostControl(message.methodName ?? '', params);
    case 'DevOps.ServiceManager':
      if (message.methodName !== 'getService') throw new Error(`the service manager has no method ${message.methodName}`);
      return service(String(params[0]));
    case '__proxyFunctions': {
      const fn = hostFunctions.get(Number((message.methodName ?? '').replace(/^proxy/, '')));
      if (!fn) throw new Error(`no host function ${message.methodName}`);
      return fn(...params);
    }
    default:
      throw new Error(`the host has no object ${message.instanceId}`);
  }
}

window.addEventListener('message', (event) => {
  if (event.source !== frame.contentWindow || typeof event.data !== 'string') return;
  let message: RpcMessage;
  try {
    message = JSON.parse(event.data) as RpcMessage;
  } catch {
    return;
  }
  // Replies to the host's calls of the tab's callbacks carry no instanceId; nothing waits for them.
  if (!message.instanceId) return;
  log.calls.push({ instanceId: message.instanceId, methodName: message.methodName, params: message.params });
  Promise.resolve()
    .then(() => dispatch(message))
    .then(
      (result) => post({ id: message.id, result, handshakeToken: message.handshakeToken }),
      (err: unknown) => post({ id: message.id, error: { message: err instanceof Error ? err.message : String(err) }, handshakeToken: message.handshakeToken }),
    );
});

// Listening first, then the tab: its SDK sends the handshake as soon as its script runs.
frame.id = 'tab';
frame.title = 'ML steps';
frame.src = settings.tabUrl;
document.getElementById('tab-host')!.appendChild(frame);
