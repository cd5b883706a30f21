/**
 * Starts the Azure ML emulator by hand (`npm run emulator -- --port 8443 [--record FILE]`), prints
 * the URLs, ids and environment variables to use, and stops on Ctrl-C.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { startEmulator, type EmulatorOptions } from './index';

const USAGE = `Usage: npm run emulator -- [options]
  --port N               HTTPS port (default: a free one)
  --record FILE          append every request to FILE as one JSON line {method,url,status,body}, secrets redacted
  --job-mode MODE        scripted (default: jobs follow timers) or executed (their commands run here)
  --latency MS           add MS milliseconds to every request
  --page-size N          items per page of list operations (default 50)
  --fixtures DIR         folder holding azureml-rest-spec/ (default $MLSTEPS_FIXTURES or ../shared/fixtures)
  --write-env FILE       also write the environment variables (KEY=value lines) to FILE
  --quiet                do not print each request
  -h, --help             this text`;

function parse(argv: string[]): EmulatorOptions & { envFile?: string; quiet?: boolean } {
  const out: EmulatorOptions & { envFile?: string; quiet?: boolean } = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    const int = (v: string) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} takes a whole number, not '${v}'`);
      return n;
    };
    switch (flag) {
      case '--port':
        out.port = int(value());
        break;
      case '--record':
        out.record = resolve(value());
        break;
      case '--job-mode': {
        const v = value();
        if (v !== 'scripted' && v !== 'executed') throw new Error(`--job-mode is scripted or executed, not '${v}'`);
        out.jobMode = v;
        break;
      }
      case '--latency':
        out.latencyMs = int(value());
        break;
      case '--page-size':
        out.pageSize = Math.max(1, int(value()));
        break;
      case '--fixtures':
        out.fixturesDir = resolve(value());
        break;
      case '--write-env':
        out.envFile = resolve(value());
        break;
      case '--quiet':
        out.quiet = true;
        break;
      case '-h':
      case '--help':
        console.log(USAGE);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${arg}`);
    }
  }
  return out;
}

async function main(): Promise<void> {
  let options: ReturnType<typeof parse>;
  try {
    options = parse(process.argv.slice(2));
  } catch (err) {
    console.error(`emulator: ${(err as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  const emulator = await startEmulator({ ...options, log: options.quiet ? undefined : (line) => console.error(`[emulator] ${line}`) });
  const { ids } = emulator;
  const env = { ...emulator.env('secret'), ...emulator.env('certificate'), ...emulator.env('pipelines'), ...emulator.env('managed-identity'), AZURE_CLIENT_SECRET: ids.clientSecret };
  const ws = `/subscriptions/${ids.subscriptionId}/resourceGroups/${ids.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${ids.workspace}`;
  console.log(`Azure ML emulator (mlsteps)
  ARM endpoint       ${emulator.armEndpoint}   (credential scope ${emulator.armAudience}/.default)
  authority host     ${emulator.authorityHost}   (disableInstanceDiscovery: true)
  OIDC request URI   ${emulator.oidcRequestUri}
  managed identity   ${emulator.msiEndpoint}   (IDENTITY_HEADER below)
  workspace          ${ws}
  discovery URL      ${emulator.discoveryUrl}
  MLflow tracking    ${emulator.mlflowTrackingUri}
                     = ${emulator.mlflowHttpsUri}
  Azurite blob       ${emulator.blob.endpoint}   (pid ${emulator.blob.pid}; container ${emulator.blob.container})
  CA certificate     ${emulator.caCertPath}
${options.record ? `  recording to       ${options.record}\n` : ''}
ids:
  tenant             ${ids.tenantId}
  subscription       ${ids.subscriptionId}
  resource group     ${ids.resourceGroup}
  workspace          ${ids.workspace}
  client id          ${ids.clientId}
  client secret      ${ids.clientSecret}
  certificate (PEM)  ${ids.certificatePath}
  service connection ${ids.serviceConnectionId}
  System.AccessToken ${ids.systemAccessToken}

environment (for a child process):
${Object.entries(env)
  .map(([k, v]) => `export ${k}='${v}'`)
  .join('\n')}
export AZURE_STORAGE_CONNECTION_STRING='${emulator.blob.connectionString}'

Ctrl-C stops it.`);
  if (options.envFile) writeFileSync(options.envFile, `${Object.entries(env).map(([k, v]) => `${k}=${v}`).join('\n')}\nAZURE_STORAGE_CONNECTION_STRING=${emulator.blob.connectionString}\n`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.error(`\n${signal}: stopping the emulator and Azurite…`);
    emulator.stop().then(
      () => process.exit(0),
      (err) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err) => {
  console.error(`emulator: ${(err as Error).stack ?? err}`);
  process.exit(1);
});
