/** Edit distance with transpositions counted as one edit (optimal string alignment). */
export function editDistance(a: string, b: string): number {
  // Three rolling rows instead of a full matrix: thousands of unknown keys each compared with
  // every known one made the matrices' garbage collection the bulk of a validation.
  const cols = b.length + 1;
  let before = new Array<number>(cols).fill(0);
  let previous = Array.from({ length: cols }, (_, j) => j);
  let current = new Array<number>(cols).fill(0);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2] + 1);
      current[j] = d;
    }
    [before, previous, current] = [previous, current, before];
  }
  return previous[cols - 1];
}

/**
 * Longer names get no suggestion: the edit distance costs length × length in time and memory, and
 * two 50,000-character names (a hostile file can hold them) would take gigabytes.
 */
const MAX_SUGGESTED_LENGTH = 256;

/** The closest candidate, if it is close enough to be the likely intent. */
export function closest(input: string, candidates: Iterable<string>): string | undefined {
  if (input.length > MAX_SUGGESTED_LENGTH) return undefined;
  const lower = input.toLowerCase();
  let best: string | undefined;
  let bestScore = Infinity;
  for (const candidate of candidates) {
    if (candidate.length > MAX_SUGGESTED_LENGTH) continue;
    // The distance is at least the difference in length: a candidate that far off cannot be accepted.
    if (Math.abs(candidate.length - input.length) > Math.max(1, Math.floor(Math.max(input.length, candidate.length) / 3))) continue;
    const c = candidate.toLowerCase();
    const score = c === lower ? 0 : editDistance(lower, c);
    if (score < bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  if (best === undefined) return undefined;
  const limit = Math.max(1, Math.floor(Math.max(input.length, best.length) / 3));
  return bestScore <= limit ? best : undefined;
}

/**
 * A hint for a name that is not one of `candidates`: the close match when there is one, else
 * `otherwise` (what to do about a genuinely new name), else the short list of valid names.
 */
export function didYouMean(input: string, candidates: Iterable<string>, otherwise?: string): string | undefined {
  const list = [...candidates];
  const match = closest(input, list);
  if (match !== undefined) return `did you mean "${match}"?`;
  if (otherwise !== undefined) return otherwise;
  if (list.length > 0 && list.length <= 12) return `expected one of: ${list.map((c) => `"${c}"`).join(', ')}`;
  return undefined;
}
