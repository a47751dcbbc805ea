import type { AlphaSums } from './alpha-sums.ts';
import { cronbachAlpha, type AlphaResult } from './cronbach-alpha.ts';
import { ok, unavailable, type Stat } from './stat.ts';

/**
 * Reliability of one theme (issue 20, instrument quality): Cronbach's alpha, standardized alpha,
 * corrected item–rest correlations, alpha if an item is deleted, and McDonald's omega total from a
 * one-factor model, with weak items flagged. Over **complete cases of the theme** (respondents with a
 * valid answer to every item of the theme), like `alphaSums`.
 *
 * Everything is a function of the complete cases' n, Σx_i and Σx_i·x_j (`ReliabilitySums`): integers
 * for answers 1..5, exact in floating point, and additive across schools (`combineReliabilitySums`), so
 * a network's instrument report needs no response in memory. With C_ij = nΣx_ix_j − Σx_iΣx_j
 * (n(n − 1) times the sample covariance; the factor cancels in every statistic below):
 *
 * - alpha: `cronbachAlpha` on the theme's `AlphaSums` (ΣT = Σ_i Σx_i, ΣT² = Σ_ij Σx_ix_j).
 * - standardized alpha: k·r̄ / (1 + (k − 1)·r̄), r̄ the mean correlation between distinct items
 *   (`psych::alpha` `std.alpha`).
 * - item–rest r: cor(x_i, T − x_i) = (Σ_j C_ij − C_ii) / √(C_ii · Σ_{j,l≠i} C_jl) (`r.drop`).
 * - alpha if item deleted: `cronbachAlpha` on the other k − 1 items (`alpha.drop$raw_alpha`).
 * - omega total: one factor fitted to the correlation matrix by minres (unweighted least squares:
 *   minimise Σ_{i≠j} (r_ij − λ_iλ_j)², as `psych::fa(fm = "minres")`), then, as `psych::omega`,
 *   ω_t = (V_t − Σ_i u_i²) / V_t with V_t = Σ_ij r_ij (the observed variance of the standardized total)
 *   and u_i² = 1 − λ_i² the uniquenesses.
 * - weak item: item–rest r < 0.30, or alpha if deleted > alpha.
 */

/** An item whose corrected item–rest correlation is below this is flagged weak. */
export const ITEM_REST_THRESHOLD = 0.3;

export interface ReliabilitySums {
  items: number;
  /** complete cases */
  n: number;
  itemSum: readonly number[];
  /** Σ x_i·x_j, row-major k × k */
  crossProducts: readonly number[];
}

export type OmegaReason =
  /** n < 2, or an item without variance */
  | 'n<2'
  | 'zero-variance'
  /** a one-factor model needs at least three items */
  | 'few-items'
  /** a loading of magnitude ≥ 1 (a negative uniqueness): the model does not fit these data */
  | 'heywood'
  | 'no-convergence';

export type Omega = { ok: true; value: number; loadings: readonly number[] } | { ok: false; reason: OmegaReason };

export interface ItemReliability {
  itemRest: Stat;
  alphaIfDeleted: Stat;
  /** item–rest r < `ITEM_REST_THRESHOLD` */
  lowItemRest: boolean;
  /** alpha would be higher without the item */
  alphaRises: boolean;
  weak: boolean;
}

export interface ThemeReliability {
  /** complete cases used */
  n: number;
  items: number;
  alpha: AlphaResult;
  standardizedAlpha: Stat;
  omega: Omega;
  perItem: readonly ItemReliability[];
  /** indices of the weak items */
  weakItems: readonly number[];
}

export function emptyReliabilitySums(items: number): ReliabilitySums {
  if (!Number.isInteger(items) || items < 1) throw new RangeError(`a theme has at least one item, got ${items}`);
  return { items, n: 0, itemSum: new Array<number>(items).fill(0), crossProducts: new Array<number>(items * items).fill(0) };
}

/** Accumulates rows of recoded answers 1..5 of one theme's items (`null` = missing); incomplete rows are skipped. */
export function reliabilitySums(rows: Iterable<readonly (number | null)[]>, items: number): ReliabilitySums {
  const s = emptyReliabilitySums(items);
  const itemSum = [...s.itemSum];
  const crossProducts = [...s.crossProducts];
  let n = 0;
  for (const row of rows) {
    if (row.length !== items) throw new RangeError(`expected ${items} answers, got ${row.length}`);
    if (row.some((x) => x === null)) continue;
    for (const x of row) {
      if (!Number.isInteger(x) || x! < 1 || x! > 5) throw new RangeError(`recoded answer must be 1..5, got ${x}`);
    }
    for (let i = 0; i < items; i++) {
      const xi = row[i]!;
      itemSum[i]! += xi;
      for (let j = 0; j < items; j++) crossProducts[i * items + j]! += xi * row[j]!;
    }
    n++;
  }
  return { items, n, itemSum, crossProducts };
}

/** Sums of the union of disjoint scopes. */
export function combineReliabilitySums(parts: Iterable<ReliabilitySums>, items: number): ReliabilitySums {
  const s = emptyReliabilitySums(items);
  const itemSum = [...s.itemSum];
  const crossProducts = [...s.crossProducts];
  let n = 0;
  for (const p of parts) {
    if (p.items !== items) throw new RangeError(`cannot combine reliability sums of ${p.items} and ${items} items`);
    n += p.n;
    for (let i = 0; i < items; i++) itemSum[i]! += p.itemSum[i]!;
    for (let t = 0; t < items * items; t++) crossProducts[t]! += p.crossProducts[t]!;
  }
  return { items, n, itemSum, crossProducts };
}

/** The `AlphaSums` of the items in `keep` (indices), from the cross-products. */
function alphaSumsOf(s: ReliabilitySums, keep: readonly number[]): AlphaSums {
  const k = s.items;
  let totalSum = 0;
  let totalSumSq = 0;
  for (const i of keep) {
    totalSum += s.itemSum[i]!;
    for (const j of keep) totalSumSq += s.crossProducts[i * k + j]!;
  }
  return {
    items: keep.length,
    n: s.n,
    itemSum: keep.map((i) => s.itemSum[i]!),
    itemSumSq: keep.map((i) => s.crossProducts[i * k + i]!),
    totalSum,
    totalSumSq,
  };
}

export function reliability(s: ReliabilitySums): ThemeReliability {
  const { n, items: k } = s;
  const all = Array.from({ length: k }, (_, i) => i);
  const alpha = cronbachAlpha(alphaSumsOf(s, all));
  // C_ij = nΣx_ix_j − Σx_iΣx_j: exact integers
  const C = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) C[i * k + j] = n * s.crossProducts[i * k + j]! - s.itemSum[i]! * s.itemSum[j]!;
  let total = 0;
  for (let t = 0; t < k * k; t++) total += C[t]!;
  const constantItem = all.some((i) => !(C[i * k + i]! > 0));

  const perItem = all.map((i): ItemReliability => {
    let rowSum = 0;
    for (let j = 0; j < k; j++) rowSum += C[i * k + j]!;
    const cii = C[i * k + i]!;
    const restVar = total - 2 * rowSum + cii; // Σ_{j,l ≠ i} C_jl
    const itemRest: Stat =
      n < 2
        ? unavailable('n<2')
        : k < 2
          ? unavailable('single-item')
          : cii > 0 && restVar > 0
            ? ok((rowSum - cii) / Math.sqrt(cii * restVar))
            : unavailable('zero-variance');
    const alphaIfDeleted = cronbachAlpha(
      alphaSumsOf(
        s,
        all.filter((j) => j !== i),
      ),
    ).alpha;
    const lowItemRest = itemRest.ok && itemRest.value < ITEM_REST_THRESHOLD;
    const alphaRises = alphaIfDeleted.ok && alpha.alpha.ok && alphaIfDeleted.value > alpha.alpha.value;
    return { itemRest, alphaIfDeleted, lowItemRest, alphaRises, weak: lowItemRest || alphaRises };
  });

  const R = n >= 2 && !constantItem ? correlations(C, k) : null;
  const standardizedAlpha: Stat =
    k < 2 ? unavailable('single-item') : n < 2 ? unavailable('n<2') : R === null ? unavailable('zero-variance') : ok(standardized(R, k));
  const omega: Omega =
    n < 2
      ? { ok: false, reason: 'n<2' }
      : R === null
        ? { ok: false, reason: 'zero-variance' }
        : k < 3
          ? { ok: false, reason: 'few-items' }
          : omegaTotal(R, k);
  return {
    n,
    items: k,
    alpha,
    standardizedAlpha,
    omega,
    perItem,
    weakItems: perItem.flatMap((it, i) => (it.weak ? [i] : [])),
  };
}

function correlations(C: Float64Array, k: number): Float64Array {
  const R = new Float64Array(k * k);
  for (let i = 0; i < k; i++)
    for (let j = 0; j < k; j++) R[i * k + j] = i === j ? 1 : C[i * k + j]! / Math.sqrt(C[i * k + i]! * C[j * k + j]!);
  return R;
}

/** k·r̄ / (1 + (k − 1)·r̄), r̄ the mean correlation between distinct items. */
function standardized(R: Float64Array, k: number): number {
  let off = 0;
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) if (i !== j) off += R[i * k + j]!;
  const rBar = off / (k * (k - 1));
  return (k * rBar) / (1 + (k - 1) * rBar);
}

/**
 * One-factor minres loadings of a correlation matrix R (k × k, row-major), by exact coordinate
 * descent on Σ_{i≠j} (r_ij − λ_iλ_j)²: λ_i ← Σ_{j≠i} r_ij λ_j / Σ_{j≠i} λ_j², sweeps until no loading
 * moves by more than 1e-12 (each step minimises the objective in λ_i, so it never rises). Its fixed
 * points are those of iterated principal axes, the minres solution. Signs: Σλ ≥ 0.
 */
function oneFactorMinres(R: Float64Array, k: number): { loadings: number[]; converged: boolean } {
  const lambda = new Array<number>(k);
  for (let i = 0; i < k; i++) {
    let s = 0;
    for (let j = 0; j < k; j++) if (j !== i) s += Math.abs(R[i * k + j]!);
    lambda[i] = Math.sqrt(Math.max(s / (k - 1), 0.01));
  }
  let converged = false;
  for (let sweep = 0; sweep < 100_000 && !converged; sweep++) {
    let moved = 0;
    for (let i = 0; i < k; i++) {
      let num = 0;
      let den = 0;
      for (let j = 0; j < k; j++) {
        if (j === i) continue;
        num += R[i * k + j]! * lambda[j]!;
        den += lambda[j]! * lambda[j]!;
      }
      const next = den > 0 ? num / den : 0;
      moved = Math.max(moved, Math.abs(next - lambda[i]!));
      lambda[i] = next;
    }
    converged = moved < 1e-12;
  }
  if (lambda.reduce((a, b) => a + b, 0) < 0) for (let i = 0; i < k; i++) lambda[i] = -lambda[i]!;
  return { loadings: lambda, converged };
}

function omegaTotal(R: Float64Array, k: number): Omega {
  const { loadings, converged } = oneFactorMinres(R, k);
  if (!converged) return { ok: false, reason: 'no-convergence' };
  if (loadings.some((l) => Math.abs(l) >= 1)) return { ok: false, reason: 'heywood' };
  let vt = 0;
  for (let t = 0; t < k * k; t++) vt += R[t]!;
  let uniqueness = 0;
  for (const l of loadings) uniqueness += 1 - l * l;
  return { ok: true, value: (vt - uniqueness) / vt, loadings };
}
