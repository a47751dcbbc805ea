import type { ReliabilitySums } from './reliability.ts';

/**
 * Confirmatory factor analysis of a simple-structure model (issue 20, instrument quality): every item
 * loads on exactly one factor (its theme), the factors are correlated, residuals are uncorrelated.
 * Maximum likelihood on the covariance matrix, as `lavaan::cfa(model, data)` with its defaults
 * (listwise complete cases, the first item of each factor as marker with loading 1, S with divisor N,
 * `likelihood = "normal"`):
 *
 *   Σ(θ) = ΛΦΛ' + Θ
 *   F_ML = log|Σ| + tr(SΣ⁻¹) − log|S| − p,      minimised by Fisher scoring with step halving
 *   χ² = N·F_ML,  df = p(p + 1)/2 − free parameters
 *   baseline (independence) model: χ²₀ = N·(Σ log s_ii − log|S|),  df₀ = p(p − 1)/2
 *   CFI   = 1 − max(χ² − df, 0) / max(χ²₀ − df₀, χ² − df, 0)
 *   TLI   = (χ²₀/df₀ − χ²/df) / (χ²₀/df₀ − 1)
 *   RMSEA = √( max(χ² − df, 0) / (df·N) )
 *   SRMR  = √( mean over i ≥ j of ((s_ij − σ_ij) / √(s_ii s_jj))² )     (lavaan's `srmr`, Bentler's)
 *
 * Fisher scoring: with ∂Σ/∂θ_a = u_a v_a' + v_a u_a' (every parameter's derivative has that form),
 * the gradient is ∂F/∂θ_a = 2 u_a'(P − PSP)v_a and the expected Hessian
 * 2[(v_a'Pu_b)(u_a'Pv_b) + (v_a'Pv_b)(u_a'Pu_b)], P = Σ⁻¹. The input is the complete cases' cross-product
 * sums (`reliabilitySums` over all items of the instrument: additive across schools).
 */

export type CfaReason =
  /** fewer complete cases than items + 1: S is singular */
  | 'too-few'
  /** an item without variance, or items that are linear combinations of others (S not positive definite) */
  | 'singular'
  /** a factor with fewer than two items, or no degrees of freedom left */
  | 'not-identified'
  | 'no-convergence'
  /** the independence model fits as well as any (χ²₀ ≤ df₀): the items hardly correlate, CFI and TLI say nothing */
  | 'baseline-fits';

export interface CfaFit {
  /** complete cases */
  n: number;
  chiSquare: number;
  df: number;
  cfi: number;
  tli: number;
  rmsea: number;
  srmr: number;
  baseline: { chiSquare: number; df: number };
  /** unstandardized loading of each item on its factor (1 for each factor's first item, the marker) */
  loadings: readonly number[];
  residualVariances: readonly number[];
  /** factor covariances, row-major m × m */
  factorCovariances: readonly number[];
  /**
   * an improper solution: a residual variance ≤ 0 (a Heywood case) or factor covariances that are not
   * a covariance matrix (not positive definite); lavaan warns about both. The fit indices are still
   * those of the ML solution.
   */
  improper: boolean;
  iterations: number;
}

export type CfaResult = { ok: true; value: CfaFit } | { ok: false; reason: CfaReason };

/** Cholesky factor (lower, row-major) of a symmetric n × n matrix, or null when not positive definite. */
function cholesky(a: Float64Array, n: number): Float64Array | null {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j]!;
      for (let k = 0; k < j; k++) s -= L[i * n + k]! * L[j * n + k]!;
      if (i === j) {
        if (!(s > 0)) return null;
        L[i * n + i] = Math.sqrt(s);
      } else {
        L[i * n + j] = s / L[j * n + j]!;
      }
    }
  }
  return L;
}

function logDet(L: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.log(L[i * n + i]!);
  return 2 * s;
}

/** Solves (LL')x = b in place. */
function choleskySolve(L: Float64Array, n: number, b: Float64Array): Float64Array {
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= L[i * n + k]! * b[k]!;
    b[i] = s / L[i * n + i]!;
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let k = i + 1; k < n; k++) s -= L[k * n + i]! * b[k]!;
    b[i] = s / L[i * n + i]!;
  }
  return b;
}

function inverse(L: Float64Array, n: number): Float64Array {
  const inv = new Float64Array(n * n);
  const col = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    col.fill(0);
    col[j] = 1;
    choleskySolve(L, n, col);
    for (let i = 0; i < n; i++) inv[i * n + j] = col[i]!;
  }
  return inv;
}

/**
 * @param sums  cross-product sums of the complete cases over all items (`reliabilitySums(rows, p)`)
 * @param factorOf  for each item, its factor 0..m−1; each factor's first item is its marker
 */
export function cfa(sums: ReliabilitySums, factorOf: readonly number[]): CfaResult {
  return runSteps(cfaSteps(sums, factorOf));
}

/** Runs a computation given as steps (`cfaSteps`) to its end, without pausing. */
export function runSteps<T>(steps: Generator<void, T, void>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * `cfa` one Fisher-scoring iteration at a time: it pauses (yields) after each, so a server can let
 * other requests run between them (an iteration of a 41-item model is ~30 ms, the whole fit ~0.5 s).
 */
export function* cfaSteps(sums: ReliabilitySums, factorOf: readonly number[]): Generator<void, CfaResult, void> {
  const p = sums.items;
  const N = sums.n;
  if (factorOf.length !== p) throw new RangeError(`expected a factor for each of ${p} items, got ${factorOf.length}`);
  const m = Math.max(-1, ...factorOf) + 1;
  for (const f of factorOf) if (!Number.isInteger(f) || f < 0) throw new RangeError(`factors are integers 0..m−1, got ${f}`);
  const marker = Array.from({ length: m }, (_, f) => factorOf.indexOf(f));
  const size = Array.from({ length: m }, (_, f) => factorOf.filter((g) => g === f).length);
  if (size.some((s) => s < 2)) return { ok: false, reason: 'not-identified' };

  // free parameters: loadings of non-marker items, Φ (f ≤ g), Θ
  const loadingItems = factorOf.flatMap((f, i) => (marker[f] === i ? [] : [i]));
  const phiPairs: Array<[number, number]> = [];
  for (let f = 0; f < m; f++) for (let g = f; g < m; g++) phiPairs.push([f, g]);
  const q = loadingItems.length + phiPairs.length + p;
  const df = (p * (p + 1)) / 2 - q;
  if (df <= 0) return { ok: false, reason: 'not-identified' };
  if (N <= p) return { ok: false, reason: 'too-few' };

  // S with divisor N, from the exact integer sums
  const S = new Float64Array(p * p);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < p; j++) S[i * p + j] = (N * sums.crossProducts[i * p + j]! - sums.itemSum[i]! * sums.itemSum[j]!) / (N * N);
  }
  const LS = cholesky(S, p);
  // a pivot² below 1e-10·s_ii: the item is (within rounding) a linear combination of the ones before it
  if (!LS || S.some((_, t) => t % (p + 1) === 0 && LS[t]! * LS[t]! < 1e-10 * S[t]!)) return { ok: false, reason: 'singular' };
  const logDetS = logDet(LS, p);
  let logDiag = 0;
  for (let i = 0; i < p; i++) logDiag += Math.log(S[i * p + i]!);
  const chi0 = N * (logDiag - logDetS);
  const df0 = (p * (p - 1)) / 2;
  if (!(chi0 > df0)) return { ok: false, reason: 'baseline-fits' };

  // θ → (L, Φ, Θ)
  const unpack = (theta: Float64Array) => {
    const L = new Float64Array(p).fill(1);
    loadingItems.forEach((i, a) => (L[i] = theta[a]!));
    const Phi = new Float64Array(m * m);
    phiPairs.forEach(([f, g], a) => {
      Phi[f * m + g] = theta[loadingItems.length + a]!;
      Phi[g * m + f] = theta[loadingItems.length + a]!;
    });
    const Theta = theta.subarray(loadingItems.length + phiPairs.length);
    return { L, Phi, Theta };
  };
  const sigma = (theta: Float64Array) => {
    const { L, Phi, Theta } = unpack(theta);
    const Sig = new Float64Array(p * p);
    for (let i = 0; i < p; i++) {
      for (let j = 0; j < p; j++) Sig[i * p + j] = L[i]! * L[j]! * Phi[factorOf[i]! * m + factorOf[j]!]! + (i === j ? Theta[i]! : 0);
    }
    return Sig;
  };
  /** F_ML, or null when Σ is not positive definite */
  const objective = (theta: Float64Array) => {
    const Sig = sigma(theta);
    const L = cholesky(Sig, p);
    if (!L) return null;
    const P = inverse(L, p);
    let tr = 0;
    for (let t = 0; t < p * p; t++) tr += S[t]! * P[t]!;
    return { F: logDet(L, p) + tr - logDetS - p, Sig, P };
  };

  // starting values: half of each item's variance common, half unique; factors uncorrelated
  const theta = new Float64Array(q);
  const phiStart = marker.map((i) => 0.5 * S[i * p + i]!);
  loadingItems.forEach((i, a) => {
    const f = factorOf[i]!;
    const sign = S[i * p + marker[f]!]! < 0 ? -1 : 1;
    theta[a] = sign * Math.sqrt((0.5 * S[i * p + i]!) / phiStart[f]!);
  });
  phiPairs.forEach(([f, g], a) => (theta[loadingItems.length + a] = f === g ? phiStart[f]! : 0));
  for (let i = 0; i < p; i++) theta[loadingItems.length + phiPairs.length + i] = 0.5 * S[i * p + i]!;

  let current = objective(theta);
  if (!current) return { ok: false, reason: 'singular' };
  const u = Array.from({ length: q }, () => new Float64Array(p));
  const v = Array.from({ length: q }, () => new Float64Array(p));
  const Pu = Array.from({ length: q }, () => new Float64Array(p));
  const Pv = Array.from({ length: q }, () => new Float64Array(p));
  const mulP = (P: Float64Array, x: Float64Array, out: Float64Array) => {
    for (let i = 0; i < p; i++) {
      let s = 0;
      for (let j = 0; j < p; j++) s += P[i * p + j]! * x[j]!;
      out[i] = s;
    }
  };
  const dot = (a: Float64Array, b: Float64Array) => {
    let s = 0;
    for (let i = 0; i < p; i++) s += a[i]! * b[i]!;
    return s;
  };

  let converged = false;
  let iterations = 0;
  for (; iterations < 500 && !converged; iterations++) {
    const { L, Phi } = unpack(theta);
    const { Sig, P } = current;
    // derivative directions: ∂Σ/∂θ_a = u_a v_a' + v_a u_a'
    for (let a = 0; a < q; a++) {
      u[a]!.fill(0);
      v[a]!.fill(0);
    }
    loadingItems.forEach((i, a) => {
      const f = factorOf[i]!;
      u[a]![i] = 1;
      for (let j = 0; j < p; j++) v[a]![j] = L[j]! * Phi[factorOf[j]! * m + f]!;
    });
    phiPairs.forEach(([f, g], k) => {
      const a = loadingItems.length + k;
      for (let j = 0; j < p; j++) {
        if (factorOf[j] === f) u[a]![j] = L[j]!;
        if (factorOf[j] === g) v[a]![j] = f === g ? L[j]! / 2 : L[j]!;
      }
    });
    for (let i = 0; i < p; i++) {
      const a = loadingItems.length + phiPairs.length + i;
      u[a]![i] = 1;
      v[a]![i] = 0.5;
    }
    // G = P(Σ − S)P
    const D = new Float64Array(p * p);
    for (let t = 0; t < p * p; t++) D[t] = Sig[t]! - S[t]!;
    const PD = new Float64Array(p * p);
    for (let i = 0; i < p; i++) {
      for (let j = 0; j < p; j++) {
        let s = 0;
        for (let k = 0; k < p; k++) s += P[i * p + k]! * D[k * p + j]!;
        PD[i * p + j] = s;
      }
    }
    const G = new Float64Array(p * p);
    for (let i = 0; i < p; i++) {
      for (let j = 0; j < p; j++) {
        let s = 0;
        for (let k = 0; k < p; k++) s += PD[i * p + k]! * P[k * p + j]!;
        G[i * p + j] = s;
      }
    }
    const grad = new Float64Array(q);
    const Gv = new Float64Array(p);
    for (let a = 0; a < q; a++) {
      mulP(G, v[a]!, Gv);
      grad[a] = 2 * dot(u[a]!, Gv);
      mulP(P, u[a]!, Pu[a]!);
      mulP(P, v[a]!, Pv[a]!);
    }
    const info = new Float64Array(q * q);
    for (let a = 0; a < q; a++) {
      for (let b = 0; b <= a; b++) {
        const x = 2 * (dot(v[a]!, Pu[b]!) * dot(u[a]!, Pv[b]!) + dot(v[a]!, Pv[b]!) * dot(u[a]!, Pu[b]!));
        info[a * q + b] = x;
        info[b * q + a] = x;
      }
    }
    const LI = cholesky(info, q);
    if (!LI) return { ok: false, reason: 'no-convergence' };
    const step = choleskySolve(LI, q, grad.slice());
    let size = 0;
    for (let a = 0; a < q; a++) size = Math.max(size, Math.abs(step[a]!));
    if (size < 1e-10) {
      converged = true;
      break;
    }
    let t = 1;
    let next: ReturnType<typeof objective> = null;
    const trial = new Float64Array(q);
    for (let halvings = 0; halvings < 40; halvings++, t /= 2) {
      for (let a = 0; a < q; a++) trial[a] = theta[a]! - t * step[a]!;
      next = objective(trial);
      if (next && next.F <= current.F + 1e-15 * Math.abs(current.F)) break;
      next = null;
    }
    if (!next) return { ok: false, reason: 'no-convergence' };
    let moved = 0;
    for (let a = 0; a < q; a++) moved = Math.max(moved, Math.abs(trial[a]! - theta[a]!));
    theta.set(trial);
    current = next;
    converged = moved < 1e-10;
    yield;
  }
  if (!converged) return { ok: false, reason: 'no-convergence' };

  const chiSquare = N * Math.max(0, current.F);
  const excess = Math.max(chiSquare - df, 0);
  const denominator = Math.max(chi0 - df0, chiSquare - df, 0);
  let srmr = 0;
  for (let i = 0; i < p; i++) {
    for (let j = 0; j <= i; j++) {
      const r = (S[i * p + j]! - current.Sig[i * p + j]!) / Math.sqrt(S[i * p + i]! * S[j * p + j]!);
      srmr += r * r;
    }
  }
  const { L, Phi, Theta } = unpack(theta);
  return {
    ok: true,
    value: {
      n: N,
      chiSquare,
      df,
      cfi: denominator > 0 ? 1 - excess / denominator : 1,
      tli: (chi0 / df0 - chiSquare / df) / (chi0 / df0 - 1),
      rmsea: Math.sqrt(excess / (df * N)),
      srmr: Math.sqrt(srmr / ((p * (p + 1)) / 2)),
      baseline: { chiSquare: chi0, df: df0 },
      loadings: [...L],
      residualVariances: [...Theta],
      factorCovariances: [...Phi],
      improper: [...Theta].some((x) => x <= 0) || cholesky(Phi, m) === null,
      iterations,
    },
  };
}
