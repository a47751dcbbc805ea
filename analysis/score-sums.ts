import { sum } from 'simple-statistics';

/**
 * Sufficient statistics of respondent theme scores in one scope: n, Σx and Σx². They are additive,
 * so a benchmark group's or the network's theme mean, sd and CI can be computed from per-school
 * sums (`combineScoreSums`) without loading every response. See `summarize`.
 */
export interface ScoreSums {
  n: number;
  sum: number;
  sumSq: number;
}

/** Σx and Σx² of the non-null scores, with Kahan–Babuška summation (simple-statistics `sum`). */
export function scoreSums(scores: Iterable<number | null>): ScoreSums {
  const xs: number[] = [];
  for (const x of scores) {
    if (x === null) continue;
    if (!Number.isFinite(x)) throw new RangeError(`score must be a finite number, got ${x}`);
    xs.push(x);
  }
  return { n: xs.length, sum: sum(xs), sumSq: sum(xs.map((x) => x * x)) };
}

/** The sums of the union of disjoint scopes (e.g. the schools of a benchmark group). */
export function combineScoreSums(parts: Iterable<ScoreSums>): ScoreSums {
  const ns: number[] = [];
  const sums: number[] = [];
  const sqs: number[] = [];
  for (const p of parts) {
    ns.push(p.n);
    sums.push(p.sum);
    sqs.push(p.sumSq);
  }
  return { n: sum(ns), sum: sum(sums), sumSq: sum(sqs) };
}
