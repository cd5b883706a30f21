// `reuseCompletedRuns`: a step whose fingerprint (its resolved run configuration, code snapshot,
// environment and what it needs) already completed in the workspace — in any build — is not run
// again; its completed job stands for it.
import { explain, SDK_API_VERSION, type ArmClient, type Json } from '../../src/backends/azureml';
import type { Step } from '../../src/model/step';

/** Pages of the job list read at most (newest first, 50 or more a page). */
const MAX_PAGES = 20;

/**
 * The newest Completed job of each step's fingerprint, found through the `mlsteps.fingerprint` tag
 * every mlsteps job carries (ARM `GET jobs?tag=`: jobs having the tag; values compared here).
 */
export async function completedRuns(client: ArmClient, steps: Step[], abortSignal?: AbortSignal): Promise<Map<string, { name: string; job: Json }>> {
  const wanted = new Map(steps.map((s) => [s.fingerprint, s.name]));
  const found = new Map<string, { name: string; job: Json; created: string }>();
  let page: { value?: Json[]; nextLink?: string } | undefined;
  let pages = 0;
  try {
    page = await client.send({ method: 'GET', path: '/jobs', apiVersion: SDK_API_VERSION, query: { tag: 'mlsteps.fingerprint' }, ...(abortSignal ? { abortSignal } : {}) });
    for (;;) {
      pages++;
      for (const job of page?.value ?? []) {
        const props = (job.properties ?? {}) as Json;
        const tags = (props.tags ?? {}) as Record<string, string>;
        const step = wanted.get(tags['mlsteps.fingerprint'] ?? '');
        if (!step || props.status !== 'Completed' || typeof job.name !== 'string') continue;
        const created = String(((job.systemData ?? {}) as Json).createdAt ?? '');
        const seen = found.get(step);
        if (!seen || created > seen.created) found.set(step, { name: job.name, job, created });
      }
      if (!page?.nextLink || pages >= MAX_PAGES || found.size === wanted.size) break;
      page = await client.send({ method: 'GET', path: page.nextLink, apiVersion: '', ...(abortSignal ? { abortSignal } : {}) });
    }
  } catch (err) {
    throw explain(err, 'looking for completed runs of the steps in the workspace', client.target);
  }
  return new Map([...found].map(([step, { name, job }]) => [step, { name, job }]));
}
