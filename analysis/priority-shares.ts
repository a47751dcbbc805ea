import type { Layout } from './layout.ts';
import type { PrioritySums } from './priority-sums.ts';
import { ok, unavailable, type Stat } from './stat.ts';

export interface PriorityShare {
  themeId: string;
  /** respondents naming the theme among their top `max` */
  named: number;
  /** 100 · named / n, percent */
  share: Stat;
}

export interface PriorityReport {
  /** respondents who answered the priority question: the denominator of every share */
  n: number;
  max: number;
  /** fewer than k (and more than 0) respondents answered: every share withheld (R1), as an item's */
  fewAnswers: boolean;
  /** per theme, `layout.themes` order */
  themes: PriorityShare[];
}

/**
 * The union's priorities in one scope (issue 20): per theme, the share of the respondents who
 * answered the priority question that named it among their (at most `max`) first themes,
 *   share_t = 100 · named_t / answered,
 * so the shares add up to between 100 and 100·max. Respondents who left the question unanswered are
 * in no denominator. `answered` = 0: every share `no-data`. Null without a priority question.
 * Like every statistic, the result leaves only through `Disclosure.release` (as part of `groupReport`).
 */
export function priorityShares(sums: PrioritySums, layout: Layout): PriorityReport | null {
  if (!layout.priority) return null;
  if (sums.named.length !== layout.themes.length) throw new RangeError('priority sums do not match the layout');
  const n = sums.answered;
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`answered must be an integer ≥ 0, got ${n}`);
  return {
    n,
    max: layout.priority.max,
    fewAnswers: false,
    themes: layout.themes.map((t, i) => {
      const named = sums.named[i]!;
      if (!Number.isInteger(named) || named < 0 || named > n) throw new RangeError(`theme ${t.id}: ${named} named of ${n}`);
      return { themeId: t.id, named, share: n === 0 ? unavailable('no-data') : ok((100 * named) / n) };
    }),
  };
}
