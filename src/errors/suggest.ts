// "Did you mean" for manifest keys and names: the closest candidate by edit distance (transpositions
// count as one edit), by spelling without case and separators (`commit_interval_ms` → `commitIntervalMs`),
// or by a shared prefix. Used by manifest and handler errors.

/** Optimal-string-alignment distance: insertions, deletions, substitutions and adjacent swaps cost 1. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  const at = (i: number, j: number): number => d[i * cols + j] ?? 0;
  for (let i = 0; i < rows; i += 1) d[i * cols] = i;
  for (let j = 0; j < cols; j += 1) d[j] = j;
  for (let i = 1; i < rows; i += 1) {
    for (let j = 1; j < cols; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      d[i * cols + j] = best;
    }
  }
  return at(a.length, b.length);
}

const squash = (text: string): string => text.toLowerCase().replace(/[-_.\s]/g, '');

/** A score for `candidate` as a correction of `input`; lower is better, undefined is not a near miss. */
function score(input: string, candidate: string): number | undefined {
  if (input === candidate) return undefined;
  const a = squash(input);
  const b = squash(candidate);
  if (a === b) return 0;
  const distance = editDistance(a, b);
  if (distance <= 2 && distance <= Math.max(1, Math.floor(a.length / 2))) return distance;
  const shorter = a.length < b.length ? a : b;
  const longer = a.length < b.length ? b : a;
  if (shorter.length >= 4 && longer.startsWith(shorter)) return 3;
  return undefined;
}

/** The candidate closest to `input`, if any is a near miss. Ties go to the earlier candidate. */
export function closest(input: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const s = score(input, candidate);
    if (s !== undefined && s < bestScore) {
      best = candidate;
      bestScore = s;
    }
  }
  return best;
}

/** `did you mean "x"?` for the closest candidate, or undefined. */
export function didYouMean(input: string, candidates: Iterable<string>): string | undefined {
  const match = closest(input, candidates);
  return match === undefined ? undefined : `did you mean "${match}"?`;
}
