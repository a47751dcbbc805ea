import { meanConfidenceInterval, type Interval } from './confidence-interval.ts';
import type { ScoreSums } from './score-sums.ts';
import { ok, unavailable, type Stat } from './stat.ts';

export interface Summary {
  n: number;
  mean: Stat;
  sd: Stat;
  /** 95% confidence interval of the mean (t, n − 1 df) */
  ci: Stat<Interval>;
}

/**
 * n, mean, sd and 95% CI of theme scores from their sums (design §6):
 *   x̄ = Σx / n,   s² = (Σx² − x̄·Σx) / (n − 1),   CI = x̄ ± t_{0.975, n−1} · s / √n.
 * Scores lie in 1..5, so Σx² − x̄Σx loses at most ~1e-9 to rounding at n = 165,000; a sum of squared
 * deviations below 1e-13·Σx² is rounding noise and is taken as exactly 0 (the smallest real one for
 * scores that are means of ≤ 20 answers is ≥ 3e-12·Σx²), so equal scores give sd 0, never a tiny
 * positive number. n = 0: all unavailable; n = 1: sd and CI unavailable.
 */
export function summarize(s: ScoreSums): Summary {
  const { n } = s;
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be an integer ≥ 0, got ${n}`);
  if (!Number.isFinite(s.sum) || !Number.isFinite(s.sumSq)) throw new RangeError('sums must be finite');
  if (n === 0) return { n, mean: unavailable('no-data'), sd: unavailable('no-data'), ci: unavailable('no-data') };
  const mean = s.sum / n;
  if (n === 1) return { n, mean: ok(mean), sd: unavailable('n<2'), ci: unavailable('n<2') };
  let ss = s.sumSq - mean * s.sum;
  if (ss <= 1e-13 * s.sumSq) ss = 0;
  const sd = Math.sqrt(ss / (n - 1));
  return { n, mean: ok(mean), sd: ok(sd), ci: meanConfidenceInterval(n, mean, sd) };
}
