/**
 * A statistic that may be unavailable for the given input (too few answers, no variance, …).
 * Functions in `analysis/` never return NaN or Infinity: they return `{ ok: false, reason }`.
 */
export type UnavailableReason =
  /** no valid observations (n = 0) */
  | 'no-data'
  /** needs at least two observations (sd, CI, alpha, Welch) */
  | 'n<2'
  /** the statistic divides by a variance that is 0 (alpha, Welch) */
  | 'zero-variance'
  /** Cronbach's alpha needs at least two items */
  | 'single-item'
  /** a trend step has no reported previous wave to compare with */
  | 'no-previous'
  /** fewer than k valid answers (design §5, R1): withheld, not merely uncomputable */
  | 'few-answers'
  /** a percentile rank among fewer than 5 released schools (design §5, R3) */
  | 'few-schools'
  /** a change between waves whose respondents differ by 1..k−1 (design §5, issue 15) */
  | 'small-change';

export type Stat<T = number> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: UnavailableReason };

export function ok<T>(value: T): Stat<T> {
  return { ok: true, value };
}

export function unavailable<T = number>(reason: UnavailableReason): Stat<T> {
  return { ok: false, reason };
}
