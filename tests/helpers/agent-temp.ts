// Import first, before anything that loads azure-pipelines-task-lib: task-lib writes its vault
// key file to Agent.TempDirectory (else the working folder) as soon as it is loaded.
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const agentTempDir = mkdtempSync(path.join(os.tmpdir(), 'mlsteps-agent-temp-'));
process.env.AGENT_TEMPDIRECTORY = agentTempDir;
process.on('exit', () => rmSync(agentTempDir, { recursive: true, force: true }));
