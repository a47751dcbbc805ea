import type { Layout } from './layout.ts';
import { recode } from './recode.ts';
import { respondentThemeScore } from './respondent-theme-score.ts';

/**
 * All theme scores of one response, in `layout.themes` order (`null` where the half-valid rule
 * excludes the respondent). `answers` are raw values as stored (`layout.width` positions).
 */
export function themeScores(answers: readonly (number | null)[], layout: Layout): (number | null)[] {
  if (answers.length !== layout.width) {
    throw new RangeError(`expected ${layout.width} answers, got ${answers.length}`);
  }
  return layout.themes.map((t) => respondentThemeScore(t.itemIndices.map((i) => recode(answers[i] ?? null, layout.items[i]!.reverse))));
}
