/**
 * One respondent's theme score (design §6): the mean of their valid (recoded) item answers in the
 * theme, when at least half of the theme's items are valid (2·valid ≥ items); otherwise `null`
 * (the respondent does not count for the theme). A theme with one item: the answer itself, or null.
 *
 * @param recoded the respondent's recoded answers to the theme's items (`null` = missing)
 */
export function respondentThemeScore(recoded: readonly (number | null)[]): number | null {
  if (recoded.length === 0) throw new RangeError('a theme has at least one item');
  let valid = 0;
  let sum = 0;
  for (const x of recoded) {
    if (x === null) continue;
    valid++;
    sum += x;
  }
  return valid > 0 && 2 * valid >= recoded.length ? sum / valid : null;
}
