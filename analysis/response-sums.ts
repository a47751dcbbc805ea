import { alphaSums, combineAlphaSums, type AlphaSums } from './alpha-sums.ts';
import type { Layout } from './layout.ts';
import { recode } from './recode.ts';
import { respondentThemeScore } from './respondent-theme-score.ts';
import { combineScoreSums, scoreSums, type ScoreSums } from './score-sums.ts';
import { addCounts, countAnswers, type ValueCounts } from './value-counts.ts';
import { combinePrioritySums, sumPriorities, type PrioritySums } from './priority-sums.ts';

/**
 * Everything `groupReport` needs about one scope, in additive form: respondent count, answer counts
 * per item, and per theme the sums of respondent scores and the alpha sums. Compute it once per
 * school from that school's responses (or from stored per-school aggregates), then
 * `combineResponseSums` for benchmark groups and the network — no response is needed twice and the
 * network never has to be in memory at once.
 */
export interface ResponseSums {
  respondents: number;
  /** per item, in `layout.items` order */
  counts: ValueCounts[];
  /** per theme, in `layout.themes` order */
  themes: Array<{ scores: ScoreSums; alpha: AlphaSums }>;
  /** per outcome item, in `layout.outcomes` order (none without outcome items) */
  outcomes: ValueCounts[];
  priority: PrioritySums;
}

/** One pass over per-response answers (raw values aligned with `layout.items`). */
export function sumResponses(responses: Iterable<{ readonly answers: readonly (number | null)[] }>, layout: Layout): ResponseSums {
  const list = Array.isArray(responses) ? (responses as ReadonlyArray<{ readonly answers: readonly (number | null)[] }>) : [...responses];
  // Answer counts of every position that holds a five-point answer: theme items, then outcome items.
  const scaled = countAnswers(list, layout.items.length + layout.outcomes.length, layout.width);
  const counts = scaled.slice(0, layout.items.length);
  const themes = layout.themes.map((t) => {
    const rows = list.map(({ answers }) => t.itemIndices.map((i) => recode(answers[i] ?? null, layout.items[i]!.reverse)));
    return { scores: scoreSums(rows.map(respondentThemeScore)), alpha: alphaSums(rows, t.itemIndices.length) };
  });
  return { respondents: list.length, counts, themes, outcomes: scaled.slice(layout.items.length), priority: sumPriorities(list, layout) };
}

/** The sums of the union of disjoint scopes (schools of a benchmark group, the network). */
export function combineResponseSums(parts: Iterable<ResponseSums>, layout: Layout): ResponseSums {
  const list = [...parts];
  return {
    respondents: list.reduce((a, p) => a + p.respondents, 0),
    counts: list.length ? addCounts(list.map((p) => p.counts)) : countAnswers([], layout.items.length),
    themes: layout.themes.map((t, ti) => ({
      scores: combineScoreSums(list.map((p) => p.themes[ti]!.scores)),
      alpha: combineAlphaSums(
        list.map((p) => p.themes[ti]!.alpha),
        t.itemIndices.length,
      ),
    })),
    outcomes: list.length ? addCounts(list.map((p) => p.outcomes)) : countAnswers([], layout.outcomes.length),
    priority: combinePrioritySums(
      list.map((p) => p.priority),
      layout,
    ),
  };
}
