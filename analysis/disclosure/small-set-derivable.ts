import { integerNullSpace } from './integer-null-space.ts';

/** Subsets examined before giving up (and answering "derivable", the safe side). */
const SEARCH_BUDGET = 200_000;

/**
 * Whether released group totals let someone compute the total of a set of 1..k−1 respondents.
 *
 * `groups` lists, per released group, the atoms it contains; an atom is a set of respondents the
 * groups never split (here: one background combination in one school), `counts[a]` ≥ 1 its size.
 * Counts, sums, means × counts and answer distributions of groups are all linear in the atoms' own
 * values with the same 0/1 coefficients, so a set S of atoms is derivable from released groups
 * exactly when its indicator vector lies in the row space of the group × atom matrix, i.e. is
 * orthogonal to its null space: Σ_{a∈S} z[a] = 0 for the null-space coordinates z (exact integers).
 *
 * 1. Fast sufficient test: atoms in exactly the same groups always appear together in anything
 *    derivable; if every such class has ≥ k respondents, nothing small is derivable.
 * 2. Otherwise search every set of small atoms with fewer than k respondents in total (at most k−1
 *    atoms) for one whose null-space coordinates sum to 0. Too large a search, or integers beyond
 *    2^53, count as "derivable" — the caller then shows less.
 */
export function smallSetDerivable(groups: readonly (readonly number[])[], counts: readonly number[], k: number): boolean {
  const m = counts.length;
  const signature = Array.from({ length: m }, () => [] as number[]);
  groups.forEach((atoms, g) => atoms.forEach((a) => signature[a]!.push(g)));
  const classes = new Map<string, number>();
  signature.forEach((sig, a) => {
    if (sig.length === 0) return; // in no released group: nothing about it is derivable
    const key = sig.join(',');
    classes.set(key, (classes.get(key) ?? 0) + counts[a]!);
  });
  if ([...classes.values()].every((c) => c >= k)) return false;

  const matrix = groups.map((atoms) => {
    const row = new Array<number>(m).fill(0);
    for (const a of atoms) row[a] = 1;
    return row;
  });
  const z = integerNullSpace(matrix, m);
  if (z === null) return true;
  const small = [...Array(m).keys()].filter((a) => counts[a]! < k && signature[a]!.length > 0);
  const d = z[0]?.length ?? 0;
  let visited = 0;
  const search = (start: number, sum: readonly number[], size: number): boolean => {
    for (let i = start; i < small.length; i++) {
      const a = small[i]!;
      const total = size + counts[a]!;
      if (total >= k) continue;
      if (++visited > SEARCH_BUDGET) return true;
      const next = sum.map((s, j) => s + z[a]![j]!);
      if (next.some((x) => !Number.isSafeInteger(x))) return true;
      if (next.every((x) => x === 0)) return true;
      if (search(i + 1, next, total)) return true;
    }
    return false;
  };
  return search(0, new Array<number>(d).fill(0), 0);
}
