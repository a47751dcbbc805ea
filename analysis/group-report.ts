import { cronbachAlpha, type AlphaResult } from './cronbach-alpha.ts';
import { itemStats, type ItemStats } from './item-stats.ts';
import type { Layout } from './layout.ts';
import type { ResponseSums } from './response-sums.ts';
import type { Stat } from './stat.ts';
import { summarize, type Summary } from './summarize.ts';
import { themeFavourable } from './theme-favourable.ts';

export interface ThemeReport extends Summary {
  themeId: string;
  /** favourable item answers / valid item answers, percent */
  favourable: Stat;
  alpha: AlphaResult;
}

export interface GroupReport {
  respondents: number;
  items: Array<ItemStats & { itemId: string; themeId: string }>;
  themes: ThemeReport[];
}

/** All statistics of design §6 for one scope. Pass the result through `Disclosure.release` before showing it. */
export function groupReport(sums: ResponseSums, layout: Layout): GroupReport {
  if (sums.counts.length !== layout.items.length || sums.themes.length !== layout.themes.length) {
    throw new RangeError('sums do not match the layout');
  }
  return {
    respondents: sums.respondents,
    items: layout.items.map((it, i) => ({ itemId: it.id, themeId: it.themeId, ...itemStats(sums.counts[i]!, it.reverse) })),
    themes: layout.themes.map((t, ti) => ({
      themeId: t.id,
      ...summarize(sums.themes[ti]!.scores),
      favourable: themeFavourable(
        t.itemIndices.map((i) => sums.counts[i]!),
        t.itemIndices.map((i) => layout.items[i]!.reverse),
      ),
      alpha: cronbachAlpha(sums.themes[ti]!.alpha),
    })),
  };
}
