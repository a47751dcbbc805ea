import { smallSetCheck } from './small-set-derivable.ts';

/**
 * R3 counted in valid answers (design §5, issue 15). R1 withholds an item (or theme) of a group with
 * 1..k−1 valid answers; these two checks make sure the withheld numbers cannot come back by
 * differencing, one item (or theme — a "measure") at a time.
 */

/**
 * Which version of these rules a stored decision was made by: a sealed school's breakdowns are
 * decided once and stored (`wave_school_breakdowns`). Raise it with any change to what the rules
 * withhold — here, in `small-set-derivable.ts` or in `validAnswers` — so stored decisions are made
 * again by the new rules.
 */
export const ANSWERS_R3_VERSION = 1;

export interface AnswerAggregate {
  key: string;
  kind: 'benchmark' | 'network';
  /** the schools the released aggregate's numbers are computed over */
  schoolIds: readonly string[];
}

export interface SchoolAnswers {
  /** whether the school's own numbers are released at all */
  released: boolean;
  /** valid answers per measure */
  valid: readonly number[];
}

/**
 * Between schools: for one measure, a school whose own number is withheld (school suppressed, or
 * 1..k−1 valid answers) is "hidden". Hidden schools in exactly the same showing aggregates always
 * enter a combination together, so if every such class has 0 or ≥ k valid answers nothing smaller
 * is computable (the argument of `aggregatesR3`, per measure). A class with 1..k−1 withholds the
 * measure in the narrowest aggregate it is in (fewest valid answers; benchmark before network; then
 * key), and the check repeats. Returns, per released aggregate, the measures it must withhold.
 */
export function aggregateAnswersR3(
  aggregates: readonly AnswerAggregate[],
  schools: ReadonlyMap<string, SchoolAnswers>,
  measures: number,
  k: number,
): Map<string, Set<number>> {
  const order = [...aggregates].sort((a, b) =>
    a.kind !== b.kind ? (a.kind === 'benchmark' ? -1 : 1) : a.key < b.key ? -1 : a.key > b.key ? 1 : 0,
  );
  const out = new Map(order.map((a) => [a.key, new Set<number>()]));
  const ids = [...schools.keys()].sort();
  const members = order.map((a) => new Set(a.schoolIds));
  for (let m = 0; m < measures; m++) {
    const valid = (id: string) => schools.get(id)?.valid[m] ?? 0;
    const total = order.map((a) => a.schoolIds.reduce((s, id) => s + valid(id), 0));
    const shows = order.map((_, i) => total[i]! >= k || total[i] === 0);
    order.forEach((a, i) => !shows[i] && out.get(a.key)!.add(m));
    for (;;) {
      const classes = new Map<string, { count: number; in: number[] }>();
      for (const id of ids) {
        const s = schools.get(id)!;
        const n = valid(id);
        if (n === 0 || (s.released && n >= k)) continue;
        const inShown = order.flatMap((_, i) => (shows[i] && members[i]!.has(id) ? [i] : []));
        if (inShown.length === 0) continue;
        const sig = inShown.join();
        const c = classes.get(sig) ?? { count: 0, in: inShown };
        c.count += n;
        classes.set(sig, c);
      }
      const bad = [...classes.entries()].filter(([, c]) => c.count < k).sort(([a], [b]) => (a < b ? -1 : 1))[0];
      if (!bad) break;
      const narrowest = bad[1].in.sort((x, y) => total[x]! - total[y]! || x - y)[0]!;
      shows[narrowest] = false;
      out.get(order[narrowest]!.key)!.add(m);
    }
  }
  return out;
}

/**
 * Inside a released school: its total and released breakdown groups (`groups`: the atoms each
 * contains; atoms are background combinations) let one compute signed combinations of atoms; for a
 * measure, such a combination must not touch 1..k−1 valid answers (atoms without any are free).
 * Returns the measures to withhold in every breakdown group of the school.
 */
export function breakdownAnswersR3(
  groups: readonly (readonly number[])[],
  validPerAtom: readonly (readonly number[])[],
  measures: number,
  k: number,
): Set<number> {
  const out = new Set<number>();
  const derivable = smallSetCheck(groups, validPerAtom.length);
  for (let m = 0; m < measures; m++) {
    if (
      derivable(
        validPerAtom.map((v) => v[m]!),
        k,
      )
    )
      out.add(m);
  }
  return out;
}
