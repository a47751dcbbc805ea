import { gammaln } from 'simple-statistics';

const EPS = 1e-16;
const TINY = 1e-300;
const MAX_ITERATIONS = 100_000;

/** Continued fraction of I_x(a, b) by the modified Lentz method (Numerical Recipes `betacf`). */
function continuedFraction(x: number, a: number, b: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= MAX_ITERATIONS; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) return h;
  }
  throw new Error(`incomplete beta: no convergence for x=${x}, a=${a}, b=${b}`);
}

/**
 * Regularized incomplete beta function
 *   I_x(a, b) = B(x; a, b) / B(a, b) = (1 / B(a, b)) ∫₀ˣ t^(a−1) (1 − t)^(b−1) dt,
 * evaluated as x^a (1 − x)^b / (a B(a, b)) times a continued fraction (Numerical Recipes §6.4),
 * using the symmetry I_x(a, b) = 1 − I_{1−x}(b, a) where that converges faster.
 * ln B(a, b) = lnΓ(a) + lnΓ(b) − lnΓ(a + b) (simple-statistics `gammaln`).
 */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (!(a > 0) || !(b > 0) || !Number.isFinite(a) || !Number.isFinite(b)) {
    throw new RangeError(`incomplete beta needs a > 0 and b > 0, got a=${a}, b=${b}`);
  }
  if (!(x >= 0 && x <= 1)) throw new RangeError(`incomplete beta needs 0 ≤ x ≤ 1, got ${x}`);
  if (x === 0) return 0;
  if (x === 1) return 1;
  const lnFront = a * Math.log(x) + b * Math.log1p(-x) - (gammaln(a) + gammaln(b) - gammaln(a + b));
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(lnFront) * continuedFraction(x, a, b)) / a;
  return 1 - (Math.exp(lnFront) * continuedFraction(1 - x, b, a)) / b;
}
