import { alphaSums, combineAlphaSums, type AlphaSums } from './alpha-sums.ts';
import type { Layout } from './layout.ts';
import { recode } from './recode.ts';
import { respondentThemeScore } from './respondent-theme-score.ts';
import { combineScoreSums, scoreSums, type ScoreSums } from './score-sums.ts';
import { countAnswers, CountsTotal, type ValueCounts } from './value-counts.ts';
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

/**
 * The sums of the union of disjoint scopes (schools of a benchmark group, the network). One pass,
 * keeping of each part only its theme and priority sums (a few numbers): the network's thousands of
 * school sums, unpacked one at a time by the caller, need not all be in memory at once (issue 8:
 * held together they were ~70 MB, promoted to the old generation, of the export's peak). The
 * numbers are the same as adding them all at once, in the same order.
 */
export function combineResponseSums(parts: Iterable<ResponseSums>, layout: Layout): ResponseSums {
  let respondents = 0;
  let any = false;
  const counts = new CountsTotal();
  const outcomes = new CountsTotal();
  const scores = layout.themes.map(() => [] as ScoreSums[]);
  const alpha = layout.themes.map(() => [] as AlphaSums[]);
  const priority: PrioritySums[] = [];
  for (const p of parts) {
    any = true;
    respondents += p.respondents;
    counts.add(p.counts);
    outcomes.add(p.outcomes);
    for (let ti = 0; ti < layout.themes.length; ti++) {
      scores[ti]!.push(p.themes[ti]!.scores);
      alpha[ti]!.push(p.themes[ti]!.alpha);
    }
    priority.push(p.priority);
  }
  return {
    respondents,
    counts: any ? counts.counts() : countAnswers([], layout.items.length),
    themes: layout.themes.map((t, ti) => ({
      scores: combineScoreSums(scores[ti]!),
      alpha: combineAlphaSums(alpha[ti]!, t.itemIndices.length),
    })),
    outcomes: any ? outcomes.counts() : countAnswers([], layout.outcomes.length),
    priority: combinePrioritySums(priority, layout),
  };
}
