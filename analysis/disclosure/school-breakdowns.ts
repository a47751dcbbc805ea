import { breakdownR2, type BreakdownR2 } from './breakdown-r2.ts';
import { smallSetDerivable } from './small-set-derivable.ts';
import type { NormalizedSchool } from './validate.ts';

export type SchoolBreakdown =
  | { backgroundId: string; rule: 'R2' | 'R3'; categories: Array<{ category: string | null; count: number }> }
  | { backgroundId: string; rule: null; result: Extract<BreakdownR2, { shown: true }> };

/**
 * Breakdowns of one shown school by each background item (R2 per breakdown, R3 across them).
 *
 * Breakdowns by different items overlap (role × seniority), so together they can reveal a small
 * set: e.g. "directie" ⊂ "> 15 years" with a difference of 2. Breakdowns are admitted in
 * questionnaire order; one is withheld (R3) when, together with the school total and the breakdowns
 * already admitted, some set of 1..k−1 respondents becomes computable (`smallSetDerivable`, atoms =
 * background combinations). Benchmark groups and the network contain whole schools only, so they add
 * nothing inside a shown school beyond its total (see docs/analysis.md).
 */
export function schoolBreakdowns(
  school: NormalizedSchool,
  background: ReadonlyArray<{ id: string; options: readonly string[] }>,
  k: number,
): SchoolBreakdown[] {
  const atoms = school.atoms ?? [];
  const counts = atoms.map((a) => a.count);
  const admitted: number[][] = [atoms.map((_, i) => i)];
  return background.map((bg, b): SchoolBreakdown => {
    const categories = [...bg.options, null].map((category) => ({
      category,
      count: atoms.reduce((s, a) => s + (a.combo[b] === category ? a.count : 0), 0),
    }));
    const r2 = breakdownR2(categories, k);
    if (!r2.shown) return { backgroundId: bg.id, rule: 'R2', categories };
    const rows = r2.parts.map((p) => atoms.flatMap((a, i) => (p.categories.includes(a.combo[b]!) ? [i] : [])));
    if (smallSetDerivable([...admitted, ...rows], counts, k)) return { backgroundId: bg.id, rule: 'R3', categories };
    admitted.push(...rows);
    return { backgroundId: bg.id, rule: null, result: r2 };
  });
}
