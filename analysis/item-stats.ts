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

/**
 * Item statistics from answer counts (design §6).
 *
 * With r_v the count of recoded value v (v = 1..5; for a reverse item r_v = c_{6−v}) and n = Σ r_v:
 * - mean x̄ = Σ v·r_v / n
 * - sd s = √( Σ r_v (v − x̄)² / (n − 1) )                  (frequency-weighted sample variance)
 * - % favourable = 100 · (r_4 + r_5) / n
 *
 * n = 0: mean, percentages and % favourable unavailable (`no-data`); n = 1: sd unavailable (`n<2`).
 */
export function itemStats(counts: ValueCounts, reverse: boolean): ItemStats {
  // Called for every item of every school of an export (150,000 times for a network wave): plain
  // loops, no intermediate arrays. With integer counts Σ v·r_v is exact, so the mean equals
  // simple-statistics `weightedMean`; the sd is checked against `weightedVariance` in the tests.
  const recoded = [0, 0, 0, 0, 0];
  let n = 0;
  let total = 0;
  for (let v = 1; v <= 5; v++) {
    const c = counts[reverse ? 6 - v : v]!;
    if (!Number.isInteger(c) || c < 0) throw new RangeError(`counts must be integers ≥ 0, got ${c}`);
    recoded[v - 1] = c;
    n += c;
    total += v * c;
  }
  const notApplicable = counts[0];
  if (!Number.isInteger(notApplicable) || notApplicable < 0) throw new RangeError(`counts must be integers ≥ 0, got ${notApplicable}`);
  if (n === 0) {
    return {
      n,
      notApplicable,
      mean: unavailable('no-data'),
      sd: unavailable('no-data'),
      distribution: { counts: recoded, percents: unavailable('no-data') },
      favourable: unavailable('no-data'),
    };
  }
  const mean = total / n;
  let squares = 0;
  for (let v = 1; v <= 5; v++) squares += recoded[v - 1]! * (v - mean) * (v - mean);
  return {
    n,
    notApplicable,
    mean: ok(mean),
    sd: n < 2 ? unavailable('n<2') : ok(Math.sqrt(squares / (n - 1))),
    distribution: { counts: recoded, percents: ok(recoded.map((c) => (100 * c) / n)) },
    favourable: ok((100 * (recoded[3]! + recoded[4]!)) / n),
  };
}
