/**
 * Azure ML names (jobs, assets): `^[a-zA-Z0-9][a-zA-Z0-9\-_]{0,254}$` in the REST spec. mlsteps
 * keeps them lower-case.
 */
export const NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9\-_]{0,254}$/;
export const MAX_NAME_LENGTH = 255;

/** Lower-case letters, digits, '-' and '_' only; runs of anything else become one '-'. */
export function sanitizeNamePart(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[-_]+|-+$/g, '');
}

/**
 * The job name of a step in a build: `mlsteps-<step>-<build id or 'local'>-<fingerprint8>`, and
 * `-r<N>` for the N-th submission after a failed or cancelled one. Deterministic, so a re-run of
 * the stage finds the job its previous attempt submitted. The step part is shortened when the
 * whole would pass 255 characters.
 */
export function jobName(step: { name: string; fingerprint: string }, buildId: string | undefined, attempt = 1): string {
  const build = sanitizeNamePart(buildId ?? '') || 'local';
  const fp = step.fingerprint.slice(0, 8).toLowerCase();
  const suffix = attempt > 1 ? `-r${attempt}` : '';
  const tail = `-${build}-${fp}${suffix}`;
  const room = MAX_NAME_LENGTH - 'mlsteps-'.length - tail.length;
  const stepPart = (sanitizeNamePart(step.name) || 'step').slice(0, Math.max(1, room)).replace(/[-_]+$/, '') || 'step';
  return `mlsteps-${stepPart}${tail}`.slice(0, MAX_NAME_LENGTH);
}

/** The attempt number of a job name made by jobName (1 without `-rN`). */
export function attemptOf(name: string): number {
  const m = /-r(\d+)$/.exec(name);
  return m ? Number(m[1]) : 1;
}

/** An environment name for an environment without a catalog name: `mlsteps-<hash8>`. */
export function anonymousEnvironmentName(contentHash: string): string {
  return `mlsteps-${contentHash.slice(0, 8)}`;
}

/** A catalog name as an Azure ML asset name (the catalog allows a few characters Azure ML does not). */
export function assetName(name: string): string {
  const cleaned = name.replace(/[^a-zA-Z0-9_-]+/g, '-').replace(/^[-_]+/, '');
  return (cleaned || 'mlsteps').slice(0, MAX_NAME_LENGTH);
}
