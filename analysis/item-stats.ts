import { weightedMean, weightedVariance } from 'simple-statistics';
import { ok, unavailable, type Stat } from './stat.ts';
import type { ValueCounts } from './value-counts.ts';

export interface ItemStats {
  /** valid answers (1..5); "n.v.t." (0) and unanswered are missing */
  n: number;
  /** answers "weet niet / n.v.t." (raw 0), reported beside n */
  notApplicable: number;
  mean: Stat;
  sd: Stat;
  /** counts of recoded values 1..5 (index 0 = value 1) and their percentages of n */
  distribution: { counts: readonly number[]; percents: Stat<readonly number[]> };
  /** % favourable: share of recoded 4–5 among valid answers, in percent (top-2 of 5) */
  favourable: Stat;
}

const SCALE = [1, 2, 3, 4, 5];

/**
 * Item statistics from answer counts (design §6).
 *
 * With r_v the count of recoded value v (v = 1..5; for a reverse item r_v = c_{6−v}) and n = Σ r_v:
 * - mean x̄ = Σ v·r_v / n                                  (simple-statistics `weightedMean`)
 * - sd s = √( Σ r_v (v − x̄)² / (n − 1) )                  (frequency-weighted sample variance:
 *   simple-statistics `weightedVariance` divides by n, times Bessel's n/(n − 1))
 * - % favourable = 100 · (r_4 + r_5) / n
 *
 * n = 0: mean, percentages and % favourable unavailable (`no-data`); n = 1: sd unavailable (`n<2`).
 */
export function itemStats(counts: ValueCounts, reverse: boolean): ItemStats {
  for (const c of counts) {
    if (!Number.isInteger(c) || c < 0) throw new RangeError(`counts must be integers ≥ 0, got ${c}`);
  }
  const recoded = SCALE.map((v) => counts[reverse ? 6 - v : v]!);
  const n = recoded.reduce((a, b) => a + b, 0);
  const base = { n, notApplicable: counts[0] };
  if (n === 0) {
    return {
      ...base,
      mean: unavailable('no-data'),
      sd: unavailable('no-data'),
      distribution: { counts: recoded, percents: unavailable('no-data') },
      favourable: unavailable('no-data'),
    };
  }
  return {
    ...base,
    mean: ok(weightedMean(SCALE, recoded)),
    sd: n < 2 ? unavailable('n<2') : ok(Math.sqrt((weightedVariance(SCALE, recoded) * n) / (n - 1))),
    distribution: { counts: recoded, percents: ok(recoded.map((c) => (100 * c) / n)) },
    favourable: ok((100 * (recoded[3]! + recoded[4]!)) / n),
  };
}
