import { regularizedIncompleteBeta } from './incomplete-beta.ts';

/**
 * Two-sided tail probability of Student's t distribution with ν degrees of freedom:
 *   P(|T| ≥ |t|) = I_{ν/(ν + t²)}(ν/2, 1/2)
 * (regularized incomplete beta). ν may be fractional (Welch–Satterthwaite).
 */
export function tTwoSidedP(t: number, df: number): number {
  if (!(df > 0) || !Number.isFinite(df)) throw new RangeError(`degrees of freedom must be > 0, got ${df}`);
  if (Number.isNaN(t)) throw new RangeError('t is NaN');
  if (!Number.isFinite(t)) return 0;
  return regularizedIncompleteBeta(df / (df + t * t), df / 2, 0.5);
}
