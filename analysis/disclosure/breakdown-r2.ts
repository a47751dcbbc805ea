/** One category of a breakdown: a background option, or `null` for "did not answer". */
export interface Category {
  category: string | null;
  count: number;
}

export type BreakdownR2 =
  | { shown: false }
  | {
      shown: true;
      /** groups to show: single categories (≥ k each) and at most one "other" merging ≥ 2 categories (≥ k) */
      parts: Array<{ categories: Array<string | null>; count: number; other: boolean }>;
      /** categories not shown on their own: merged into "other", or empty */
      hidden: Array<{ category: string | null; count: number }>;
    };

/**
 * R2 for one breakdown (categories in questionnaire order, then "no answer"): every shown group has
 * ≥ k respondents, and the shown groups together cover every respondent of the school, so no hidden
 * group is total − shown. Categories with 1..k−1 respondents are merged into one "other" group, which
 * must have ≥ k respondents and merge ≥ 2 non-empty categories; when the small ones alone do not get
 * there, the smallest large categories (fewest respondents, then questionnaire order) are merged too.
 * If that still fails, or nothing would be shown apart from "other", the breakdown is withheld.
 * Empty categories are left out (hiding 0 respondents hides nobody).
 */
export function breakdownR2(categories: readonly Category[], k: number): BreakdownR2 {
  const indexed = categories.map((c, order) => ({ ...c, order }));
  const empty = indexed.filter((c) => c.count === 0);
  const small = indexed.filter((c) => c.count > 0 && c.count < k);
  const large = indexed.filter((c) => c.count >= k);
  if (large.length === 0) return { shown: false };
  if (small.length === 0) {
    return {
      shown: true,
      parts: large.map((c) => ({ categories: [c.category], count: c.count, other: false })),
      hidden: empty.map(({ category, count }) => ({ category, count })),
    };
  }
  const merged = [...small];
  const spare = [...large].sort((a, b) => a.count - b.count || a.order - b.order);
  const total = () => merged.reduce((s, c) => s + c.count, 0);
  while ((total() < k || merged.length < 2) && spare.length > 0) merged.push(spare.shift()!);
  if (total() < k || merged.length < 2 || spare.length === 0) return { shown: false };
  const inOrder = merged.sort((a, b) => a.order - b.order);
  const separate = spare.sort((a, b) => a.order - b.order);
  return {
    shown: true,
    parts: [
      ...separate.map((c) => ({ categories: [c.category], count: c.count, other: false })),
      { categories: inOrder.map((c) => c.category), count: total(), other: true },
    ],
    hidden: [...inOrder, ...empty].sort((a, b) => a.order - b.order).map(({ category, count }) => ({ category, count })),
  };
}
