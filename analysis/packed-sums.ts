import type { Layout } from './layout.ts';
import type { ResponseSums } from './response-sums.ts';
import type { ValueCounts } from './value-counts.ts';
import type { ScoreSums } from './score-sums.ts';

const VALUES = 6;
/** Numbers a theme takes: score n, Σ, Σ², alpha n, ΣT, ΣT², then Σx_i and Σx_i² of its items. */
const themeWidth = (items: number) => 6 + 2 * items;

/**
 * `ResponseSums` as one flat vector of numbers, for storage (a sealed wave's per-school sums are
 * written once and read by every later process) and for keeping thousands of schools in memory:
 * one Float64Array per school is ~3 kB, the nested objects several times that.
 *
 * Order: respondents; the value counts of every item (6 each, `layout.items` order); then per theme
 * score n, Σ, Σ², alpha n, ΣT, ΣT², and Σx_i then Σx_i² of its items; then the value counts of every
 * outcome item, and with a priority question its respondents and the count naming each theme. A
 * questionnaire without outcome items or priority question packs exactly as before they existed.
 */
export function packedLength(layout: Layout): number {
  return (
    1 +
    layout.items.length * VALUES +
    layout.themes.reduce((a, t) => a + themeWidth(t.itemIndices.length), 0) +
    layout.outcomes.length * VALUES +
    (layout.priority ? 1 + layout.themes.length : 0)
  );
}

export function packResponseSums(sums: ResponseSums, layout: Layout): Float64Array {
  if (
    sums.counts.length !== layout.items.length ||
    sums.themes.length !== layout.themes.length ||
    sums.outcomes.length !== layout.outcomes.length ||
    sums.priority.named.length !== (layout.priority ? layout.themes.length : 0)
  ) {
    throw new RangeError('sums do not match the layout');
  }
  const out = new Float64Array(packedLength(layout));
  let o = 0;
  out[o++] = sums.respondents;
  for (const c of sums.counts) for (let v = 0; v < VALUES; v++) out[o++] = c[v]!;
  sums.themes.forEach(({ scores, alpha }, ti) => {
    if (alpha.items !== layout.themes[ti]!.itemIndices.length) throw new RangeError(`theme ${ti}: alpha sums of ${alpha.items} items`);
    out.set([scores.n, scores.sum, scores.sumSq, alpha.n, alpha.totalSum, alpha.totalSumSq, ...alpha.itemSum, ...alpha.itemSumSq], o);
    o += themeWidth(alpha.items);
  });
  for (const c of sums.outcomes) for (let v = 0; v < VALUES; v++) out[o++] = c[v]!;
  if (layout.priority) out.set([sums.priority.answered, ...sums.priority.named], o);
  return out;
}

function checkLength(packed: ArrayLike<number>, layout: Layout): void {
  if (packed.length !== packedLength(layout)) {
    throw new RangeError(`packed sums have ${packed.length} numbers, the layout needs ${packedLength(layout)}`);
  }
}

export function unpackResponseSums(packed: ArrayLike<number>, layout: Layout): ResponseSums {
  checkLength(packed, layout);
  let o = 0;
  const respondents = packed[o++]!;
  const valueCounts = (): ValueCounts => {
    const c = [packed[o]!, packed[o + 1]!, packed[o + 2]!, packed[o + 3]!, packed[o + 4]!, packed[o + 5]!] as const;
    o += VALUES;
    return c;
  };
  const counts: ValueCounts[] = layout.items.map(valueCounts);
  const themes = layout.themes.map((t) => {
    const items = t.itemIndices.length;
    const at = (i: number) => packed[o + i]!;
    const theme = {
      scores: { n: at(0), sum: at(1), sumSq: at(2) },
      alpha: {
        items,
        n: at(3),
        totalSum: at(4),
        totalSumSq: at(5),
        itemSum: Array.from({ length: items }, (_, i) => at(6 + i)),
        itemSumSq: Array.from({ length: items }, (_, i) => at(6 + items + i)),
      },
    };
    o += themeWidth(items);
    return theme;
  });
  const outcomes = layout.outcomes.map(valueCounts);
  const priority = layout.priority
    ? { answered: packed[o]!, named: layout.themes.map((_, i) => packed[o + 1 + i]!) }
    : { answered: 0, named: [] };
  return { respondents, counts, themes, outcomes, priority };
}

/**
 * Only the themes' score sums (n, Σ, Σ²) of packed sums: what a theme's mean needs, without making
 * every item's counts (a dashboard's breakdown groups and trend show theme means alone).
 */
export function unpackThemeScores(packed: ArrayLike<number>, layout: Layout): ScoreSums[] {
  checkLength(packed, layout);
  let o = 1 + layout.items.length * VALUES;
  return layout.themes.map((t) => {
    const scores = { n: packed[o]!, sum: packed[o + 1]!, sumSq: packed[o + 2]! };
    o += themeWidth(t.itemIndices.length);
    return scores;
  });
}
