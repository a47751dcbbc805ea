import { integerNullSpace } from './integer-null-space.ts';

/** Candidate supports examined before giving up (and answering "derivable", the safe side). */
const SEARCH_BUDGET = 200_000;

function gcd(a: number, b: number): number {
  a = Math.abs(a);
  b = Math.abs(b);
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Echelon rows of the null-space coordinates chosen so far; each row keeps its pivot. */
type Basis = ReadonlyArray<{ pivot: number; row: readonly number[] }>;

/**
 * Reduces `v` against `basis` (fraction-free, rows divided by their gcd). Returns the reduced row,
 * `'dependent'` when it becomes zero, or `'overflow'` when an integer leaves the safe range.
 */
function reduce(basis: Basis, v: readonly number[]): number[] | 'dependent' | 'overflow' {
  let x = [...v];
  for (const { pivot, row } of basis) {
    const f = x[pivot]!;
    if (f === 0) continue;
    const p = row[pivot]!;
    let g = 0;
    x = x.map((xi, j) => {
      const y = xi * p - row[j]! * f;
      g = gcd(g, y);
      return y;
    });
    if (x.some((y) => !Number.isSafeInteger(y))) return 'overflow';
    if (g > 1) x = x.map((y) => y / g);
  }
  return x.every((y) => y === 0) ? 'dependent' : x;
}

/**
 * Whether released group totals let someone compute a non-zero signed integer combination of
 * respondents that touches 1..k−1 of them (design §5, R3: "teachers − > 15 years" = the new teacher −
 * the director).
 *
 * `groups` lists, per released group, the atoms it contains; an atom is a set of respondents the
 * groups never split (one background combination in one school), `counts[a]` its size. Counts,
 * sums and answer distributions are linear in the atoms' own values with the groups' 0/1
 * coefficients, so what can be computed is exactly the row space of the group × atom matrix. A
 * vector of that row space vanishing outside a set T of atoms exists, non-zero, exactly when the
 * null-space coordinates z[a] of the atoms in T are linearly dependent (row space ⟂ null space).
 * Every person of a touched atom counts once, whatever their coefficient: at least as strict as
 * counting absolute weights.
 *
 * Counted in valid answers to one item (issue 15), an atom can count 0: what a combination says
 * about it is nothing, so its coefficient is free — only the atoms with answers must stay out.
 *
 * 1. Fast sufficient test: atoms in exactly the same groups get the same coefficient in every
 *    combination; if every such class has ≥ k respondents, nothing touches fewer.
 * 2. Otherwise search every set of small atoms with fewer than k respondents in total (at most k−1
 *    atoms) for one whose coordinates are dependent; dependence is inherited by supersets, so only
 *    independent sets are extended. Too large a search, or integers beyond 2^53, count as
 *    "derivable" — the caller then shows less.
 */
export function smallSetDerivable(groups: readonly (readonly number[])[], counts: readonly number[], k: number): boolean {
  return smallSetCheck(groups, counts.length)(counts, k);
}

/**
 * `smallSetDerivable` for one set of groups over `m` atoms and many counts (one per measure: issue
 * 17, a school's breakdowns are checked for ~50 items and themes): what depends on the groups alone
 * — which atoms always share a coefficient, the null space — is worked out once, the null space
 * only when a count first needs it.
 */
export function smallSetCheck(groups: readonly (readonly number[])[], m: number): (counts: readonly number[], k: number) => boolean {
  const signature = Array.from({ length: m }, () => [] as number[]);
  groups.forEach((atoms, g) => atoms.forEach((a) => signature[a]!.push(g)));
  // Atoms in exactly the same groups form a class; -1: in no released group.
  const classIds = new Map<string, number>();
  const classOf = signature.map((sig) => {
    if (sig.length === 0) return -1; // in no released group: its coefficient is always 0
    const key = sig.join(',');
    let id = classIds.get(key);
    if (id === undefined) classIds.set(key, (id = classIds.size));
    return id;
  });
  let z: number[][] | null | undefined;
  // Most measures of a school count the same answers per atom (everyone answered them): decided once.
  const decided = new Map<string, boolean>();
  return (counts, k) => {
    if (counts.length !== m) throw new RangeError(`${counts.length} counts for ${m} atoms`);
    const key = `${k}:${counts.join(',')}`;
    let answer = decided.get(key);
    if (answer === undefined) decided.set(key, (answer = derivable(counts, k)));
    return answer;
  };

  function derivable(counts: readonly number[], k: number): boolean {
    const perClass = new Array<number>(classIds.size).fill(0);
    classOf.forEach((c, a) => {
      if (c >= 0) perClass[c]! += counts[a]!;
    });
    if (perClass.every((c) => c === 0 || c >= k)) return false;

    if (z === undefined) {
      const matrix = groups.map((atoms) => {
        const row = new Array<number>(m).fill(0);
        for (const a of atoms) row[a] = 1;
        return row;
      });
      z = integerNullSpace(matrix, m);
    }
    if (z === null) return true;
    const space = z;
    const small = [...Array(m).keys()].filter((a) => counts[a]! > 0 && counts[a]! < k && signature[a]!.length > 0);
    // Atoms without answers may take any coefficient: start from the span of their coordinates.
    const free: Array<{ pivot: number; row: readonly number[] }> = [];
    for (let a = 0; a < m; a++) {
      if (counts[a] !== 0 || signature[a]!.length === 0) continue;
      const r = reduce(free, space[a]!);
      if (r === 'overflow') return true;
      if (r !== 'dependent') free.push({ pivot: r.findIndex((x) => x !== 0), row: r });
    }
    let visited = 0;
    const search = (start: number, basis: Basis, size: number): boolean => {
      for (let i = start; i < small.length; i++) {
        const a = small[i]!;
        const total = size + counts[a]!;
        if (total >= k) continue;
        if (++visited > SEARCH_BUDGET) return true;
        const r = reduce(basis, space[a]!);
        if (r === 'dependent' || r === 'overflow') return true;
        const pivot = r.findIndex((x) => x !== 0);
        if (search(i + 1, [...basis, { pivot, row: r }], total)) return true;
      }
      return false;
    };
    return search(0, free, 0);
  }
}
