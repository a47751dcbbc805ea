import { ok, unavailable, type Stat } from './stat.ts';
import { tTwoSidedP } from './t-two-sided-p.ts';

export interface Sample {
  n: number;
  mean: number;
  sd: number;
}

export interface WelchResult {
  /** mean of `a` − mean of `b` */
  difference: number;
  t: number;
  df: number;
  /** two-sided p */
  p: number;
  /** p < alpha */
  significant: boolean;
}

/**
 * Welch's unequal-variances t test of mean(a) − mean(b) (R: `t.test(a, b, var.equal = FALSE)`):
 *   t = (x̄_a − x̄_b) / √(s_a²/n_a + s_b²/n_b)
 *   ν = (s_a²/n_a + s_b²/n_b)² / ( (s_a²/n_a)²/(n_a − 1) + (s_b²/n_b)²/(n_b − 1) )   (Welch–Satterthwaite)
 *   p = P(|T_ν| ≥ |t|).
 * Unavailable when either n < 2, or both sd are 0 (`zero-variance`).
 */
export function welchTTest(a: Sample, b: Sample, alpha = 0.05): Stat<WelchResult> {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
  for (const s of [a, b]) {
    if (!Number.isInteger(s.n) || s.n < 0 || !Number.isFinite(s.mean) || !(s.sd >= 0) || !Number.isFinite(s.sd)) {
      throw new RangeError(`invalid sample: n=${s.n}, mean=${s.mean}, sd=${s.sd}`);
    }
  }
  if (a.n < 2 || b.n < 2) return unavailable('n<2');
  const va = (a.sd * a.sd) / a.n;
  const vb = (b.sd * b.sd) / b.n;
  const se2 = va + vb;
  if (se2 === 0) return unavailable('zero-variance');
  const difference = a.mean - b.mean;
  const t = difference / Math.sqrt(se2);
  const df = (se2 * se2) / ((va * va) / (a.n - 1) + (vb * vb) / (b.n - 1));
  const p = tTwoSidedP(t, df);
  return ok({ difference, t, df, p, significant: p < alpha });
}
