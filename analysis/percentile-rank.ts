import { quantileRank } from 'simple-statistics';
import { ok, unavailable, type Stat } from './stat.ts';

/**
 * Percentile rank of a school's value among the values of all reportable schools (design §6),
 * `values` including the school itself:
 *   PR = 100 · (#below + (#equal + 1)/2) / N
 * i.e. the school's mid-rank (ties averaged, R `rank(ties.method = "average")`) over N, via
 * simple-statistics `quantileRank`. The best school gets 100. Pass only released (disclosed) values.
 */
export function percentileRank(value: number, values: readonly number[]): Stat {
  if (!Number.isFinite(value) || values.some((v) => !Number.isFinite(v))) throw new RangeError('values must be finite');
  if (values.length === 0) return unavailable('no-data');
  if (!values.includes(value)) throw new RangeError('values must include the value being ranked');
  return ok(100 * quantileRank([...values], value));
}
