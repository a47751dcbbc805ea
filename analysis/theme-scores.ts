import type { Layout } from './layout.ts';
import { recode } from './recode.ts';
import { respondentThemeScore } from './respondent-theme-score.ts';

/**
 * All theme scores of one response, in `layout.themes` order (`null` where the half-valid rule
 * excludes the respondent). `answers` are raw values aligned with `layout.items`.
 */
export function themeScores(answers: readonly (number | null)[], layout: Layout): (number | null)[] {
  if (answers.length !== layout.items.length) {
    throw new RangeError(`expected ${layout.items.length} answers, got ${answers.length}`);
  }
  return layout.themes.map((t) => respondentThemeScore(t.itemIndices.map((i) => recode(answers[i] ?? null, layout.items[i]!.reverse))));
}
