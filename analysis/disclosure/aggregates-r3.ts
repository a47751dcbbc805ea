/** Minimum number of (non-empty) schools in a benchmark group or the network (design §5, R3). */
export const MIN_SCHOOLS = 5;

export interface Aggregate {
  key: string;
  /** benchmark group id (null for the network) */
  id: string | null;
  /** benchmark groups are narrower than the network: preferred when a school must leave one */
  kind: 'benchmark' | 'network';
  schoolIds: readonly string[];
}

export interface AggregateDecision {
  shown: boolean;
  /** members whose respondents the aggregate's numbers are computed over */
  schoolIds: string[];
}

/**
 * R3 at the level of schools, for benchmark groups and the network. Schools with ≥ k respondents are
 * always shown; schools with fewer are not (R1).
 *
 * 1. An aggregate is shown only with ≥ 5 non-empty schools and ≥ k respondents left after removing
 *    any one school (so a rep who sees their school and the benchmark learns nothing of one other
 *    school, and a shown school is never the aggregate minus a few respondents).
 * 2. Differencing: from shown aggregates and shown schools, one can compute exactly the linear
 *    combinations of them. Hidden schools that belong to exactly the same shown aggregates always
 *    appear together in such a combination (their coefficients are equal); so if every such class of
 *    hidden schools has 0 or ≥ k respondents, every computable set of respondents (aggregate −
 *    shown schools, network − benchmark group, …) has 0 or ≥ k. When a class has 1..k−1, its
 *    schools are left out of the narrowest shown aggregate they are in (fewest respondents; benchmark
 *    before network; then key): they move to a coarser class or out of every shown aggregate.
 * Repeated until nothing changes. Deterministic: decisions depend on sorted keys and counts only.
 */
export function aggregatesR3(
  schools: ReadonlyMap<string, number>,
  aggregates: readonly Aggregate[],
  k: number,
): Map<string, AggregateDecision> {
  const order = [...aggregates].sort((a, b) =>
    a.kind !== b.kind ? (a.kind === 'benchmark' ? -1 : 1) : a.key < b.key ? -1 : a.key > b.key ? 1 : 0,
  );
  const members = new Map(order.map((a) => [a.key, new Set(a.schoolIds)]));
  const shown = new Map(order.map((a) => [a.key, true]));
  const n = (id: string) => schools.get(id) ?? 0;
  const size = (key: string) => [...members.get(key)!].reduce((s, id) => s + n(id), 0);

  for (;;) {
    let changed = false;
    for (const a of order) {
      if (!shown.get(a.key)) continue;
      const counts = [...members.get(a.key)!].map(n).filter((c) => c > 0);
      const total = counts.reduce((s, c) => s + c, 0);
      if (counts.length < MIN_SCHOOLS || total - Math.max(...counts) < k) {
        shown.set(a.key, false);
        changed = true;
      }
    }
    const classes = new Map<string, { schools: string[]; count: number; in: string[] }>();
    for (const [id, c] of [...schools].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (c === 0 || c >= k) continue;
      const inShown = order.filter((a) => shown.get(a.key) && members.get(a.key)!.has(id)).map((a) => a.key);
      if (inShown.length === 0) continue;
      const sig = JSON.stringify(inShown);
      const cls = classes.get(sig) ?? { schools: [], count: 0, in: inShown };
      cls.schools.push(id);
      cls.count += c;
      classes.set(sig, cls);
    }
    const bad = [...classes.entries()].filter(([, c]) => c.count < k).sort(([a], [b]) => (a < b ? -1 : 1))[0];
    if (bad) {
      const cls = bad[1];
      const narrowest = cls.in
        .map((key) => ({ key, size: size(key), rank: order.findIndex((a) => a.key === key) }))
        .sort((x, y) => x.size - y.size || x.rank - y.rank)[0]!;
      for (const id of cls.schools) members.get(narrowest.key)!.delete(id);
      changed = true;
    }
    if (!changed) break;
  }
  return new Map(order.map((a) => [a.key, { shown: shown.get(a.key)!, schoolIds: [...members.get(a.key)!].sort() }]));
}
