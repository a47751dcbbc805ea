import { unavailable } from './stat.ts';
import type { GroupReport, ThemeReport } from './group-report.ts';
import type { Interval } from './confidence-interval.ts';
import type { Layout } from './layout.ts';
import type { ResponseSums } from './response-sums.ts';
import type { ScoreSums } from './score-sums.ts';
import { summarize, type Summary } from './summarize.ts';

/**
 * R1 for answers (design §5, issue 15): an item's mean, sd, distribution and % favourable need at
 * least k valid answers, and a theme's statistics at least k respondents with a theme score — not
 * only k respondents in the group. A 5-respondent school with one "n.v.t." would otherwise show a
 * distribution of 4 answers; with one valid answer, a distribution is one person's answer.
 *
 * A withheld item or theme has every statistic `few-answers` and its counts (n, "n.v.t.", the
 * distribution's counts) zeroed, so no caller can show them by mistake; `fewAnswers` tells a view to
 * say "fewer than k answers" where n would be. A theme's % favourable adds its items' favourable
 * answers, so it goes with any of its items: otherwise theme − the other items = the withheld one.
 */

/** "Measures" are the items (layout order), then the themes: what valid answers are counted for. */
export const measureCount = (layout: Layout) => layout.items.length + layout.themes.length;

/** Valid answers per measure: per item the answers 1..5, per theme the respondents with a score. */
export function validAnswers(sums: ResponseSums): number[] {
  return [...sums.counts.map((c) => c[1]! + c[2]! + c[3]! + c[4]! + c[5]!), ...sums.themes.map((t) => t.scores.n)];
}

/** The report with the given measures withheld (and what they would give away with them). */
export function withholdMeasures(report: GroupReport, withheld: ReadonlySet<number>): GroupReport {
  if (withheld.size === 0) return report;
  const gone = unavailable('few-answers');
  const items = report.items.map((it, i) =>
    withheld.has(i)
      ? {
          ...it,
          n: 0,
          notApplicable: 0,
          mean: gone,
          sd: gone,
          distribution: { counts: [0, 0, 0, 0, 0], percents: unavailable<readonly number[]>('few-answers') },
          favourable: gone,
          fewAnswers: true,
        }
      : it,
  );
  const themes = report.themes.map((t, ti): ThemeReport => {
    if (withheld.has(report.items.length + ti)) {
      return {
        ...t,
        n: 0,
        mean: gone,
        sd: gone,
        ci: unavailable<Interval>('few-answers'),
        favourable: gone,
        alpha: { n: 0, items: t.alpha.items, alpha: gone, reliability: 'unavailable' as const },
        fewAnswers: true,
      };
    }
    return items.some((it) => it.fewAnswers && it.themeId === t.themeId) ? { ...t, favourable: gone } : t;
  });
  return { respondents: report.respondents, items, themes };
}

/** Withholds every item and theme of the group with 1..k−1 valid answers. */
export function withholdFewAnswers(report: GroupReport, k: number): GroupReport {
  const few = new Set<number>();
  report.items.forEach((it, i) => it.n > 0 && it.n < k && few.add(i));
  report.themes.forEach((t, ti) => t.n > 0 && t.n < k && few.add(report.items.length + ti));
  return withholdMeasures(report, few);
}

/** A theme's summary from its score sums under the same rule: `few-answers` (n shown as 0) below k. */
export function summaryOfAtLeast(scores: ScoreSums, k: number): Summary {
  if (scores.n > 0 && scores.n < k)
    return { n: 0, mean: unavailable('few-answers'), sd: unavailable('few-answers'), ci: unavailable('few-answers') };
  return summarize(scores);
}
