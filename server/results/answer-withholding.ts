import {
  aggregateAnswersR3,
  breakdownAnswersR3,
  measureCount,
  sumResponses,
  validAnswers,
  type Disclosure,
  type SchoolAnswers,
} from '../../analysis/index.ts';
import type { WaveResults } from './wave-results.ts';
import type { SchoolResponse } from './school-breakdowns.ts';

/**
 * Which items and themes ("measures") a released group must withhold beyond its own R1 for answers,
 * so that a number withheld for having 1..k−1 valid answers cannot be computed back by
 * differencing (issue 15; the rules are `analysis/disclosure/answers-r3.ts`). Deterministic: the
 * same wave gives the same sets on every request.
 */

const aggregates = new WeakMap<WaveResults, Map<string, Set<number>>>();

/** For a released benchmark group or the network: computed once per wave for all of them. */
export function aggregateWithheld(results: WaveResults, key: string): ReadonlySet<number> {
  let all = aggregates.get(results);
  if (!all) {
    const d = results.disclosure;
    const groupIds = [...new Set([...results.schools.values()].map((s) => s.benchmarkGroup))].sort();
    const shown = [...groupIds.map((id) => d.benchmarkGroup(id)), d.network()].filter((g) => g.released);
    const schools = new Map<string, SchoolAnswers>();
    for (const s of results.schools.values()) {
      const sums = s.sums; // unpacked on every read: once
      schools.set(s.id, { released: d.school(s.id).released, valid: sums ? validAnswers(sums) : [] });
    }
    all = aggregateAnswersR3(
      shown.map((g) => ({
        key: g.key,
        kind: g.kind === 'network' ? ('network' as const) : ('benchmark' as const),
        schoolIds: g.schoolIds,
      })),
      schools,
      measureCount(results.layout),
      results.wave.k,
    );
    aggregates.set(results, all);
  }
  return all.get(key) ?? new Set();
}

/**
 * What every released breakdown group of one school must withhold, from the school's responses:
 * atoms are its background combinations, the released groups are the school and its shown
 * breakdown groups (`disclosure` lists them; it is the wave's, or one made from the same decisions).
 */
export function breakdownWithheldOf(
  results: WaveResults,
  disclosure: Disclosure,
  schoolId: string,
  rows: readonly SchoolResponse[],
): ReadonlySet<number> {
  const background = results.questionnaire.background.map((b) => b.id);
  const comboOf = (r: SchoolResponse) => JSON.stringify(background.map((id) => r.background[id] ?? null));
  const byAtom = new Map<string, SchoolResponse[]>();
  for (const r of rows) {
    const key = comboOf(r);
    byAtom.set(key, [...(byAtom.get(key) ?? []), r]);
  }
  const atoms = [...byAtom.keys()].sort();
  const groups: number[][] = [atoms.map((_, i) => i)];
  for (const b of disclosure.breakdowns(schoolId)) {
    const bi = background.indexOf(b.backgroundId);
    for (const g of b.groups) {
      if (!g.released) continue;
      const wanted = new Set(g.categories ?? []);
      groups.push(atoms.flatMap((a, i) => (wanted.has((JSON.parse(a) as Array<string | null>)[bi]!) ? [i] : [])));
    }
  }
  const valid = atoms.map((a) => validAnswers(sumResponses(byAtom.get(a)!, results.layout)));
  return breakdownAnswersR3(groups, valid, measureCount(results.layout), results.wave.k);
}
