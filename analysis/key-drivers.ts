import { quantileSorted } from 'simple-statistics';
import { mulberry32 } from './mulberry32.ts';

/**
 * Key-driver analysis (issue 20): how much of the differences in one outcome (e.g. intention to stay)
 * each predictor (the eight theme scores) explains, as **general dominance weights** (Budescu 1993;
 * Azen & Budescu 2003) of the OLS regression of the outcome on the predictors:
 *
 *   R²(S) = r_S' R_SS⁻¹ r_S          for every subset S of the p predictors (R: predictor correlations,
 *                                     r: predictor–outcome correlations; the R² of `lm(y ~ x_S)`)
 *   w_j   = 1/p · Σ_{k=0}^{p−1} mean_{S ∌ j, |S| = k} [ R²(S ∪ {j}) − R²(S) ]
 *
 * so Σ_j w_j = R²(all predictors). 2^p subsets, each a Cholesky solve of at most p × p: for p = 8
 * about 4,000 multiply-adds, whatever n is. Only complete respondents (outcome and every predictor
 * present) count. Fewer than `MIN_DRIVER_RESPONDENTS` complete respondents, an outcome or predictor
 * without variance, or a predictor that is a linear combination of others give a refusal with a
 * machine-readable reason instead of numbers.
 *
 * Bootstrap percentile intervals: `bootstrapPlan` once, then `bootstrapDraw(plan, b)` for
 * b = 0, 1, … (each draw depends on the plan's seed and b only, so draws may be computed in chunks, in
 * any order), then `driverIntervals`. `keyDriverAnalysis` does all of it in one call.
 */

/** Below this many complete respondents the driver analysis is refused (issue 20). */
export const MIN_DRIVER_RESPONDENTS = 50;
/** At most this many predictors (2^p subsets). */
export const MAX_DRIVER_PREDICTORS = 12;
/** At most this many bootstrap units (see `bootstrapPlan`). */
export const MAX_BOOTSTRAP_UNITS = 4096;

/** Share of degenerate bootstrap draws above which `keyDriverAnalysis` refuses ('unstable-bootstrap'). */
export const MAX_FAILED_DRAWS = 0.05;

/** A relative sum of squares below this is rounding noise: the variable is constant. */
const CONSTANT_TOL = 1e-13;
/** A Cholesky pivot of the correlation matrix below this (1 − R² of a predictor on the ones before it). */
const COLLINEAR_TOL = 1e-10;

export interface DriverRow {
  outcome: number | null;
  /** the respondent's predictor scores (theme scores), `null` = missing */
  scores: readonly (number | null)[];
}

/**
 * The complete respondents, packed: row i is `values[i·q ..]` = outcome, then the p predictors
 * (q = p + 1); and their sufficient statistics for the point estimate, taken in the same pass about a
 * shift K (the first complete respondent): Σ(x − K), Σ(x − K)(x − K)' (packed upper triangle) and Σx².
 * Shifting by a value inside the data keeps the one-pass covariance Σdd' − ΣdΣd'/n free of
 * cancellation (scores lie on 1..5, so |d| ≤ 4).
 */
export interface DriverData {
  readonly n: number;
  readonly predictors: number;
  /** respondents left out because their outcome or a predictor was missing */
  readonly excluded: number;
  readonly values: Float64Array;
  readonly shift: Float64Array;
  readonly shiftedSum: Float64Array;
  readonly shiftedCross: Float64Array;
  readonly squares: Float64Array;
}

export type DriverRefusal =
  | { ok: false; reason: 'too-few'; n: number; minimum: number }
  | { ok: false; reason: 'constant-outcome'; n: number }
  /** `predictor` (0-based) has no variance */
  | { ok: false; reason: 'constant-predictor'; n: number; predictor: number }
  /** `predictor` (0-based) is (within 1e-10) a linear combination of the predictors before it */
  | { ok: false; reason: 'collinear'; n: number; predictor: number }
  /** more than `MAX_FAILED_DRAWS` of the bootstrap draws were degenerate: no trustworthy interval */
  | { ok: false; reason: 'unstable-bootstrap'; n: number; draws: number; failed: number };

export type DriverReason = DriverRefusal['reason'];

export interface KeyDrivers {
  ok: true;
  /** complete respondents used */
  n: number;
  excluded: number;
  /** R² of the regression on all predictors */
  r2: number;
  /** general dominance weight of each predictor, in input order; Σ weights = r2 */
  weights: readonly number[];
  /** weight / r2 (Σ = 1); null when r2 is 0 */
  shares: readonly number[] | null;
}

/** Packs the complete respondents. Non-finite scores are malformed input (`RangeError`). */
export function driverData(rows: Iterable<DriverRow>, predictors: number): DriverData {
  if (!Number.isInteger(predictors) || predictors < 1 || predictors > MAX_DRIVER_PREDICTORS) {
    throw new RangeError(`predictors must be an integer 1..${MAX_DRIVER_PREDICTORS}, got ${predictors}`);
  }
  const q = predictors + 1;
  let values = new Float64Array(q * 1024);
  const shift = new Float64Array(q);
  const shiftedSum = new Float64Array(q);
  const shiftedCross = new Float64Array((q * (q + 1)) / 2);
  const squares = new Float64Array(q);
  const d = new Float64Array(q);
  let n = 0;
  let excluded = 0;
  for (const row of rows) {
    if (row.scores.length !== predictors) throw new RangeError(`expected ${predictors} scores, got ${row.scores.length}`);
    // plain loops, each score read once: called with every respondent of a network wave (165,000
    // rows). The row is written to the next free slot and kept only when it is complete.
    if ((n + 1) * q > values.length) {
      const grown = new Float64Array(values.length * 2);
      grown.set(values);
      values = grown;
    }
    const at = n * q;
    const outcome = row.outcome;
    let complete = outcome !== null;
    if (outcome !== null) {
      if (!Number.isFinite(outcome)) throw new RangeError(`scores must be finite numbers or null, got ${outcome}`);
      values[at] = outcome;
    }
    for (let j = 0; j < predictors; j++) {
      const x = row.scores[j]!;
      if (x === null) complete = false;
      else if (!Number.isFinite(x)) throw new RangeError(`scores must be finite numbers or null, got ${x}`);
      else values[at + 1 + j] = x;
    }
    if (!complete) {
      excluded++;
      continue;
    }
    if (n === 0) for (let j = 0; j < q; j++) shift[j] = values[j]!;
    for (let j = 0; j < q; j++) {
      const x = values[at + j]!;
      squares[j]! += x * x;
      d[j] = x - shift[j]!;
      shiftedSum[j]! += d[j]!;
    }
    let t = 0;
    for (let a = 0; a < q; a++) {
      const da = d[a]!;
      for (let b = a; b < q; b++) shiftedCross[t++]! += da * d[b]!;
    }
    n++;
  }
  return { n, predictors, excluded, values: values.slice(0, n * q), shift, shiftedSum, shiftedCross, squares };
}

/** Index of (i, j), i ≤ j, in a packed upper triangle of a q × q symmetric matrix stored row by row. */
const tri = (i: number, j: number, q: number) => i * q - (i * (i - 1)) / 2 + (j - i);

/**
 * Dominance weights from a covariance matrix of (outcome, predictors) in packed upper-triangle form
 * (any positive multiple of it: only correlations are used).
 */
function dominance(cov: Float64Array, p: number, n: number, excluded: number): KeyDrivers | DriverRefusal {
  const q = p + 1;
  const sd = new Float64Array(q);
  for (let j = 0; j < q; j++) sd[j] = Math.sqrt(cov[tri(j, j, q)]!);
  // correlation matrix of the predictors (p × p, full) and with the outcome
  const R = new Float64Array(p * p);
  const r = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    r[i] = cov[tri(0, i + 1, q)]! / (sd[0]! * sd[i + 1]!);
    for (let j = i; j < p; j++) {
      const c = i === j ? 1 : cov[tri(i + 1, j + 1, q)]! / (sd[i + 1]! * sd[j + 1]!);
      R[i * p + j] = c;
      R[j * p + i] = c;
    }
  }
  // The full matrix positive definite (every pivot ≥ 1e-10) ⇒ every principal submatrix is too.
  const L = new Float64Array(p * p);
  const w = new Float64Array(p);
  const all = Array.from({ length: p }, (_, i) => i);
  const pivot = choleskyR2(R, r, p, all, L, w);
  if (pivot.failedAt !== -1) return { ok: false, reason: 'collinear', n, predictor: pivot.failedAt };

  const subsets = 1 << p;
  const r2 = new Float64Array(subsets);
  const idx: number[] = [];
  for (let mask = 1; mask < subsets; mask++) {
    idx.length = 0;
    for (let j = 0; j < p; j++) if (mask & (1 << j)) idx.push(j);
    const fit = choleskyR2(R, r, p, idx, L, w);
    if (fit.failedAt !== -1) return { ok: false, reason: 'collinear', n, predictor: fit.failedAt };
    r2[mask] = fit.r2;
  }
  // binomial coefficients C(p − 1, k)
  const choose = [1];
  for (let k = 1; k < p; k++) choose[k] = (choose[k - 1]! * (p - k)) / k;
  const weights: number[] = [];
  const bySize = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    const bit = 1 << j;
    bySize.fill(0);
    for (let mask = 0; mask < subsets; mask++) {
      if (mask & bit) continue;
      bySize[popcount(mask)]! += r2[mask | bit]! - r2[mask]!;
    }
    let general = 0;
    for (let k = 0; k < p; k++) general += bySize[k]! / choose[k]!;
    weights.push(general / p);
  }
  const total = r2[subsets - 1]!;
  return { ok: true, n, excluded, r2: total, weights, shares: total > 0 ? weights.map((x) => x / total) : null };
}

function popcount(x: number): number {
  let c = 0;
  for (let v = x; v; v &= v - 1) c++;
  return c;
}

/**
 * Cholesky factor of R[idx, idx] into L (row-major, stride p), forward-solves L·w = r[idx] and returns
 * R² = |w|² = r' R⁻¹ r; or the predictor whose pivot falls below `COLLINEAR_TOL`.
 */
function choleskyR2(
  R: Float64Array,
  r: Float64Array,
  p: number,
  idx: readonly number[],
  L: Float64Array,
  w: Float64Array,
): { r2: number; failedAt: number } {
  const k = idx.length;
  let r2 = 0;
  for (let a = 0; a < k; a++) {
    const ia = idx[a]!;
    for (let b = 0; b <= a; b++) {
      let s = R[ia * p + idx[b]!]!;
      for (let c = 0; c < b; c++) s -= L[a * p + c]! * L[b * p + c]!;
      if (a === b) {
        if (!(s >= COLLINEAR_TOL)) return { r2: 0, failedAt: ia };
        L[a * p + a] = Math.sqrt(s);
      } else {
        L[a * p + b] = s / L[b * p + b]!;
      }
    }
    let s = r[ia]!;
    for (let c = 0; c < a; c++) s -= L[a * p + c]! * w[c]!;
    w[a] = s / L[a * p + a]!;
    r2 += w[a]! * w[a]!;
  }
  return { r2: Math.min(1, r2), failedAt: -1 };
}

/** Refusals that come from the data's size or variances, before any regression. */
function checkVariances(cov: Float64Array, squares: Float64Array, p: number, n: number): DriverRefusal | null {
  const q = p + 1;
  for (let j = 0; j < q; j++) {
    if (cov[tri(j, j, q)]! <= CONSTANT_TOL * squares[j]!) {
      return j === 0 ? { ok: false, reason: 'constant-outcome', n } : { ok: false, reason: 'constant-predictor', n, predictor: j - 1 };
    }
  }
  return null;
}

/**
 * The point estimate, from the sufficient statistics `driverData` took in its one pass over the
 * respondents: n·cov = Σdd' − ΣdΣd'/n, then `dominance`. Independent of n.
 */
export function keyDrivers(data: DriverData): KeyDrivers | DriverRefusal {
  const { n, predictors: p } = data;
  if (n < MIN_DRIVER_RESPONDENTS) return { ok: false, reason: 'too-few', n, minimum: MIN_DRIVER_RESPONDENTS };
  const q = p + 1;
  const cov = new Float64Array((q * (q + 1)) / 2);
  let t = 0;
  for (let a = 0; a < q; a++) {
    for (let b = a; b < q; b++) {
      cov[t] = data.shiftedCross[t]! - (data.shiftedSum[a]! * data.shiftedSum[b]!) / n;
      t++;
    }
  }
  return checkVariances(cov, data.squares, p, n) ?? dominance(cov, p, n, data.excluded);
}

/**
 * What every bootstrap draw needs: per bootstrap unit, its count of respondents, and the sums of the
 * centred values and of their cross-products (1 + q + q(q+1)/2 numbers, q = p + 1).
 *
 * Why units. A draw resamples respondents with replacement; the weights depend on a draw only through
 * the covariance matrix of (outcome, predictors), a smooth function of the sums of 1, z and zz' over
 * the resampled respondents. With n ≤ `MAX_BOOTSTRAP_UNITS` every respondent is a unit: the ordinary
 * bootstrap, exactly. With more, the respondents are shuffled (seeded) into that many units of
 * ⌊n/U⌋ or ⌈n/U⌉ respondents and a draw resamples units with replacement (the random-group
 * bootstrap): the unit sums are i.i.d. sums of i.i.d. respondents, so the resampled sums have the same
 * mean and, to first order, the same covariance as when resampling respondents, and so do the
 * weights (delta method; the statistic is a ratio of sums, so the ±1 in unit sizes drops out to first
 * order). What changes is only the Monte-Carlo precision of the spread, ≈ 1/√(2U) ≈ 1 % for U = 4096 —
 * well below the bootstrap's own error with 1,000 draws. A draw then costs U·55 multiply-adds instead
 * of n·55: 1,000 draws for 165,000 respondents take well under a second instead of about ten.
 */
export interface BootstrapPlan {
  readonly seed: number;
  readonly n: number;
  readonly predictors: number;
  readonly excluded: number;
  readonly units: number;
  /** per unit: [count, Σz (q), Σzz' (packed upper triangle)] */
  readonly sums: Float64Array;
  /** Σx² per column over all complete respondents (the constant-variable test) */
  readonly squares: Float64Array;
}

/** Murmur3's 32-bit finalizer: a well-mixed seed from (seed, index), so draws get unrelated streams. */
function mix(seed: number, index: number): number {
  let h = (seed ^ Math.imul(index + 1, 0x9e3779b9)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export function bootstrapPlan(data: DriverData, seed: number): BootstrapPlan {
  if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  const { n, predictors: p, values } = data;
  const q = p + 1;
  const width = 1 + q + (q * (q + 1)) / 2;
  const units = Math.min(n, MAX_BOOTSTRAP_UNITS);
  const mean = new Float64Array(q);
  if (n > 0) for (let j = 0; j < q; j++) mean[j] = data.shift[j]! + data.shiftedSum[j]! / n;
  // unit of each respondent: a seeded shuffle of 0..n−1 cut into `units` consecutive runs
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (units < n) {
    const random = mulberry32(mix(seed, -1));
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      const t = order[i]!;
      order[i] = order[j]!;
      order[j] = t;
    }
  }
  const sums = new Float64Array(units * width);
  const d = new Float64Array(q);
  for (let u = 0; u < units; u++) {
    const from = Math.floor((u * n) / units);
    const to = Math.floor(((u + 1) * n) / units);
    const at = u * width;
    for (let k = from; k < to; k++) {
      const i = order[k]!;
      for (let j = 0; j < q; j++) d[j] = values[i * q + j]! - mean[j]!;
      sums[at]! += 1;
      for (let j = 0; j < q; j++) sums[at + 1 + j]! += d[j]!;
      let t = at + 1 + q;
      for (let a = 0; a < q; a++) {
        const da = d[a]!;
        for (let b = a; b < q; b++) sums[t++]! += da * d[b]!;
      }
    }
  }
  return { seed, n, predictors: p, excluded: data.excluded, units, sums, squares: data.squares };
}

/**
 * The dominance weights of bootstrap draw `index` (an integer ≥ 0): `units` units drawn with
 * replacement (mulberry32 seeded from the plan's seed and `index`), their sums added, the covariance
 * matrix taken from them. `null` when the draw is degenerate (a variable without variance, collinear
 * predictors) or the plan has fewer than `MIN_DRIVER_RESPONDENTS` respondents.
 */
export function bootstrapDraw(plan: BootstrapPlan, index: number): KeyDrivers | null {
  if (!Number.isInteger(index) || index < 0) throw new RangeError(`draw index must be an integer ≥ 0, got ${index}`);
  const { n, units, sums, predictors: p } = plan;
  if (n < MIN_DRIVER_RESPONDENTS) return null;
  const q = p + 1;
  const width = 1 + q + (q * (q + 1)) / 2;
  const times = new Uint32Array(units);
  const random = mulberry32(mix(plan.seed, index));
  for (let k = 0; k < units; k++) times[Math.floor(random() * units)]!++;
  const total = new Float64Array(width);
  for (let u = 0; u < units; u++) {
    const c = times[u]!;
    if (c === 0) continue;
    const at = u * width;
    for (let t = 0; t < width; t++) total[t]! += c * sums[at + t]!;
  }
  // Σ(z − z̄*)(z − z̄*)' = Σzz' − (Σz)(Σz)'/N*, N* the draw's respondents
  const N = total[0]!;
  const cov = new Float64Array((q * (q + 1)) / 2);
  let t = 0;
  for (let a = 0; a < q; a++) {
    for (let b = a; b < q; b++) {
      cov[t] = total[1 + q + t]! - (total[1 + a]! * total[1 + b]!) / N;
      t++;
    }
  }
  // the draw's Σx² for the constant test, scaled like its sums of squares
  const squares = plan.squares.map((s) => (s * N) / n);
  if (checkVariances(cov, squares, p, N)) return null;
  const fit = dominance(cov, p, N, 0);
  return fit.ok ? fit : null;
}

export interface DriverIntervals {
  level: number;
  /** draws asked for, and how many of them were degenerate and left out */
  draws: number;
  failed: number;
  r2: { lower: number; upper: number };
  weights: Array<{ lower: number; upper: number }>;
}

/**
 * Percentile intervals over the successful draws: the (1 − level)/2 and (1 + level)/2 quantiles
 * (simple-statistics `quantileSorted`, R's type 7). Throws when no draw succeeded.
 */
export function driverIntervals(draws: readonly (KeyDrivers | null)[], level = 0.95): DriverIntervals {
  if (!(level > 0 && level < 1)) throw new RangeError(`level must be in (0, 1), got ${level}`);
  const good = draws.filter((d): d is KeyDrivers => d !== null);
  if (good.length === 0) throw new RangeError('no successful bootstrap draw');
  const lo = (1 - level) / 2;
  const hi = (1 + level) / 2;
  const interval = (xs: number[]) => {
    xs.sort((a, b) => a - b);
    return { lower: quantileSorted(xs, lo), upper: quantileSorted(xs, hi) };
  };
  const p = good[0]!.weights.length;
  return {
    level,
    draws: draws.length,
    failed: draws.length - good.length,
    r2: interval(good.map((d) => d.r2)),
    weights: Array.from({ length: p }, (_, j) => interval(good.map((d) => d.weights[j]!))),
  };
}

export interface KeyDriverAnalysis extends KeyDrivers {
  intervals: DriverIntervals;
}

/**
 * Everything at once: complete respondents, point estimate, `resamples` bootstrap draws (default
 * 1,000, seed 1) and their percentile intervals (default 95 %); refused ('unstable-bootstrap') when
 * more than 5 % of the draws are degenerate (an interval over the rest would be conditional on them). A caller that must not block for the
 * draws uses `bootstrapPlan` / `bootstrapDraw` / `driverIntervals` in chunks: the result is the same.
 */
export function keyDriverAnalysis(
  rows: Iterable<DriverRow>,
  predictors: number,
  options: { resamples?: number; seed?: number; level?: number } = {},
): KeyDriverAnalysis | DriverRefusal {
  const { resamples = 1000, seed = 1, level = 0.95 } = options;
  if (!Number.isInteger(resamples) || resamples < 1) throw new RangeError(`resamples must be an integer ≥ 1, got ${resamples}`);
  const data = driverData(rows, predictors);
  const estimate = keyDrivers(data);
  if (!estimate.ok) return estimate;
  const plan = bootstrapPlan(data, seed);
  const draws: (KeyDrivers | null)[] = [];
  for (let b = 0; b < resamples; b++) draws.push(bootstrapDraw(plan, b));
  const failed = draws.filter((d) => d === null).length;
  if (failed > MAX_FAILED_DRAWS * resamples) return { ok: false, reason: 'unstable-bootstrap', n: estimate.n, draws: resamples, failed };
  return { ...estimate, intervals: driverIntervals(draws, level) };
}
