// Requests to the emulator's ARM from the test process itself (trusting its CA), to set up what a
// workspace already has before the code under test runs: data assets, computes.
import { request } from 'node:https';
import type { Emulator } from '../emulator';

/** A PUT below the emulator's workspace, e.g. `/computes/cpu-cluster`; resolves with the HTTP status. */
export function armPut(em: Emulator, relative: string, apiVersion: string, body: unknown): Promise<number> {
  const url = new URL(`${em.armEndpoint}/subscriptions/${em.ids.subscriptionId}/resourceGroups/${em.ids.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${em.ids.workspace}${relative}?api-version=${apiVersion}`);
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'PUT', ca: em.caCertPem, headers: { authorization: `Bearer ${em.issueToken()}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(data);
  });
}
