import { cronbachAlpha, type AlphaResult } from './cronbach-alpha.ts';
import { itemStats, type ItemStats } from './item-stats.ts';
import type { Layout } from './layout.ts';
import type { ResponseSums } from './response-sums.ts';
import type { Stat } from './stat.ts';
import { summarize, type Summary } from './summarize.ts';
import { themeFavourable } from './theme-favourable.ts';
import { withholdFewAnswers } from './few-answers.ts';
import { priorityShares, type PriorityReport } from './priority-shares.ts';

export interface ThemeReport extends Summary {
  themeId: string;
  /** fewer than k (and more than 0) respondents with a theme score: every number withheld (R1) */
  fewAnswers: boolean;
  /** favourable item answers / valid item answers, percent */
  favourable: Stat;
  alpha: AlphaResult;
}

export interface GroupReport {
  respondents: number;
  /** `fewAnswers`: fewer than k (and more than 0) valid answers, every number withheld (R1) */
  items: Array<ItemStats & { itemId: string; themeId: string; fewAnswers: boolean }>;
  themes: ThemeReport[];
  /** the outcome items (no theme), `layout.outcomes` order */
  outcomes: Array<ItemStats & { itemId: string; fewAnswers: boolean }>;
  /** the union's priorities; null without a priority question */
  priority: PriorityReport | null;
}

/**
 * All statistics of design §6 for one scope. Pass the result through `Disclosure.release` before
 * showing it. `k`: items and themes with fewer valid answers are withheld (`withholdFewAnswers`);
 * every output path passes the wave's k — only statistics tests leave it at 1.
 */
export function groupReport(sums: ResponseSums, layout: Layout, k = 1): GroupReport {
  if (
    sums.counts.length !== layout.items.length ||
    sums.themes.length !== layout.themes.length ||
    sums.outcomes.length !== layout.outcomes.length
  ) {
    throw new RangeError('sums do not match the layout');
  }
  return withholdFewAnswers(full(sums, layout), k);
}

function full(sums: ResponseSums, layout: Layout): GroupReport {
  return {
    respondents: sums.respondents,
    items: layout.items.map((it, i) => ({
      itemId: it.id,
      themeId: it.themeId,
      ...itemStats(sums.counts[i]!, it.reverse),
      fewAnswers: false,
    })),
    themes: layout.themes.map((t, ti) => ({
      themeId: t.id,
      fewAnswers: false,
      ...summarize(sums.themes[ti]!.scores),
      favourable: themeFavourable(
        t.itemIndices.map((i) => sums.counts[i]!),
        t.itemIndices.map((i) => layout.items[i]!.reverse),
      ),
      alpha: cronbachAlpha(sums.themes[ti]!.alpha),
    })),
    outcomes: layout.outcomes.map((o, i) => ({ itemId: o.id, ...itemStats(sums.outcomes[i]!, o.reverse), fewAnswers: false })),
    priority: priorityShares(sums.priority, layout),
  };
}
