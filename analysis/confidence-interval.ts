import { ok, unavailable, type Stat } from './stat.ts';
import { tQuantile } from './t-quantile.ts';

export interface Interval {
  lower: number;
  upper: number;
}

/**
 * Confidence interval of a mean with Student's t:
 *   x̄ ± t_{1−(1−level)/2, n−1} · s / √n
 * (R: `t.test(x, conf.level = level)$conf.int`). Unavailable for n < 2. With s = 0 the interval is
 * the point [x̄, x̄].
 */
export function meanConfidenceInterval(n: number, mean: number, sd: number, level = 0.95): Stat<Interval> {
  if (!(level > 0 && level < 1)) throw new RangeError(`level must be in (0, 1), got ${level}`);
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be an integer ≥ 0, got ${n}`);
  if (n < 2) return unavailable('n<2');
  if (!Number.isFinite(mean) || !(sd >= 0)) throw new RangeError(`need a finite mean and sd ≥ 0, got ${mean}, ${sd}`);
  const half = (tQuantile(1 - (1 - level) / 2, n - 1) * sd) / Math.sqrt(n);
  return ok({ lower: mean - half, upper: mean + half });
}
