import { tTwoSidedP } from './t-two-sided-p.ts';

/**
 * Quantile of Student's t distribution: the x with F_ν(x) = p, where
 *   F_ν(x) = 1 − ½ I_{ν/(ν + x²)}(ν/2, 1/2) for x ≥ 0 (and F_ν(−x) = 1 − F_ν(x)).
 * Solved by bisection on the two-sided tail P(|T| ≥ x) = 2(1 − p), which is monotone in x, to
 * relative precision 1e-15 (R: `qt(p, df)`).
 */
export function tQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`p must be in (0, 1), got ${p}`);
  if (!(df > 0) || !Number.isFinite(df)) throw new RangeError(`degrees of freedom must be > 0, got ${df}`);
  if (p === 0.5) return 0;
  if (p < 0.5) return -tQuantile(1 - p, df);
  // Every confidence interval asks for the same few (p, n − 1): an export of 3,700 schools would
  // otherwise bisect ~30,000 times (over a second of CPU and heavy garbage) for a few hundred values.
  const key = `${p}\u0000${df}`;
  const hit = memo.get(key);
  if (hit !== undefined) return hit;
  const x = bisect(p, df);
  if (memo.size >= MEMO_LIMIT) memo.clear();
  memo.set(key, x);
  return x;
}

const memo = new Map<string, number>();
const MEMO_LIMIT = 10_000;

function bisect(p: number, df: number): number {
  const tail = 2 * (1 - p);
  let lo = 0;
  let hi = 1;
  while (tTwoSidedP(hi, df) > tail) {
    lo = hi;
    hi *= 2;
  }
  for (let i = 0; i < 200 && hi - lo > 1e-15 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (tTwoSidedP(mid, df) > tail) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
