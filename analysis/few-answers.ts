import { unavailable } from './stat.ts';
import type { GroupReport, ThemeReport } from './group-report.ts';
import type { Interval } from './confidence-interval.ts';
import type { Layout } from './layout.ts';
import type { ResponseSums } from './response-sums.ts';
import type { ScoreSums } from './score-sums.ts';
import { summarize, type Summary } from './summarize.ts';
import type { ValueCounts } from './value-counts.ts';

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

/**
 * "Measures" are what valid answers are counted for: the items (layout order), the themes, the
 * outcome items, and the priority question (its shares are a statistic of the respondents who
 * answered it, issue 20). A questionnaire without the last two has the measures it always had.
 */
export const measureCount = (layout: Layout) =>
  layout.items.length + layout.themes.length + layout.outcomes.length + (layout.priority ? 1 : 0);

const valid = (c: ValueCounts) => c[1]! + c[2]! + c[3]! + c[4]! + c[5]!;

/** Valid answers per measure: per item the answers 1..5, per theme the respondents with a score, per outcome its answers 1..5, for the priority question its respondents. */
export function validAnswers(sums: ResponseSums): number[] {
  return [
    ...sums.counts.map(valid),
    ...sums.themes.map((t) => t.scores.n),
    ...sums.outcomes.map(valid),
    ...(sums.priority.named.length ? [sums.priority.answered] : []),
  ];
}

/** The report with the given measures withheld (and what they would give away with them). */
export function withholdMeasures(report: GroupReport, withheld: ReadonlySet<number>): GroupReport {
  if (withheld.size === 0) return report;
  const gone = unavailable('few-answers');
  const withheldItem = <T extends GroupReport['items'][number] | GroupReport['outcomes'][number]>(it: T): T => ({
    ...it,
    n: 0,
    notApplicable: 0,
    mean: gone,
    sd: gone,
    distribution: { counts: [0, 0, 0, 0, 0], percents: unavailable<readonly number[]>('few-answers') },
    favourable: gone,
    fewAnswers: true,
  });
  const items = report.items.map((it, i) => (withheld.has(i) ? withheldItem(it) : it));
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
  const firstOutcome = report.items.length + report.themes.length;
  const outcomes = report.outcomes.map((o, i) => (withheld.has(firstOutcome + i) ? withheldItem(o) : o));
  const p = report.priority;
  const priority =
    p && withheld.has(firstOutcome + report.outcomes.length)
      ? { ...p, n: 0, fewAnswers: true, themes: p.themes.map((t) => ({ ...t, named: 0, share: gone })) }
      : p;
  return { respondents: report.respondents, items, themes, outcomes, priority };
}

/** Withholds every item and theme of the group with 1..k−1 valid answers. */
export function withholdFewAnswers(report: GroupReport, k: number): GroupReport {
  const few = new Set<number>();
  report.items.forEach((it, i) => it.n > 0 && it.n < k && few.add(i));
  report.themes.forEach((t, ti) => t.n > 0 && t.n < k && few.add(report.items.length + ti));
  const firstOutcome = report.items.length + report.themes.length;
  report.outcomes.forEach((o, i) => o.n > 0 && o.n < k && few.add(firstOutcome + i));
  if (report.priority && report.priority.n > 0 && report.priority.n < k) few.add(firstOutcome + report.outcomes.length);
  return withholdMeasures(report, few);
}

/** A theme's summary from its score sums under the same rule: `few-answers` (n shown as 0) below k. */
export function summaryOfAtLeast(scores: ScoreSums, k: number): Summary {
  return scores.n > 0 && scores.n < k ? fewAnswers() : summarize(scores);
}

const fewAnswers = (): Summary => ({
  n: 0,
  mean: unavailable('few-answers'),
  sd: unavailable('few-answers'),
  ci: unavailable('few-answers'),
});

/**
 * The themes' summaries exactly as `withholdMeasures(groupReport(sums, layout, k), withheld).themes`
 * has them (n, mean, sd, ci), from the themes' score sums alone: below k respondents with a score
 * (R1), or withheld (a theme is measure `items + theme index`), every number is `few-answers`.
 */
export function themeSummaries(scores: readonly ScoreSums[], layout: Layout, k: number, withheld: ReadonlySet<number>): Summary[] {
  return scores.map((s, ti) => (withheld.has(layout.items.length + ti) ? fewAnswers() : summaryOfAtLeast(s, k)));
}
