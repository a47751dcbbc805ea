import { ok, unavailable, type Stat } from './stat.ts';
import type { ValueCounts } from './value-counts.ts';

/**
 * Theme % favourable (design §6): favourable item answers / valid item answers over all items of
 * the theme, in percent:  100 · Σ_i (r_{i,4} + r_{i,5}) / Σ_i n_i  with r recoded counts (a reverse
 * item's favourable answers are raw 1–2). Every valid answer counts, also of respondents without a
 * theme score. Computed from counts, so additive across schools.
 */
export function themeFavourable(counts: readonly ValueCounts[], reverse: readonly boolean[]): Stat {
  if (counts.length !== reverse.length) throw new RangeError('counts and reverse flags differ in length');
  if (counts.length === 0) throw new RangeError('a theme has at least one item');
  let favourable = 0;
  let valid = 0;
  counts.forEach((c, i) => {
    valid += c[1] + c[2] + c[3] + c[4] + c[5];
    favourable += reverse[i] ? c[1] + c[2] : c[4] + c[5];
  });
  return valid === 0 ? unavailable('no-data') : ok((100 * favourable) / valid);
}
