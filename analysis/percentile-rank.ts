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

/**
 * `percentileRank` among values already sorted ascending, for ranking many schools among the same
 * values: `percentileRank` copies and sorts all of them on every call (a network holds ~3,700
 * schools per theme). #below and #equal come from two binary searches; the result is the same to
 * the last bit (the same operations in the same order as simple-statistics), and so are the errors.
 * The one pass over `sorted` checks what the sort used to guarantee: finite values in order.
 */
export function percentileRankSorted(value: number, sorted: readonly number[]): Stat {
  if (!Number.isFinite(value)) throw new RangeError('values must be finite');
  if (!checked.has(sorted)) checkSorted(sorted);
  if (sorted.length === 0) return unavailable('no-data');
  const below = firstIndexNotBelow(sorted, value);
  const equal = firstIndexAbove(sorted, value, below) - below;
  if (equal === 0) throw new RangeError('values must include the value being ranked');
  return ok(100 * ((below + (equal + 1) / 2) / sorted.length));
}

function checkSorted(sorted: readonly number[]): void {
  let inOrder = true;
  for (let i = 0; i < sorted.length; i++) {
    if (!Number.isFinite(sorted[i])) throw new RangeError('values must be finite');
    if (i > 0 && sorted[i]! < sorted[i - 1]!) inOrder = false;
  }
  if (!inOrder) throw new RangeError('values must be sorted ascending');
}

/** Lists made by `sortedForRanking`: checked once, frozen, so never checked again. */
const checked = new WeakSet<readonly number[]>();

/**
 * `values` sorted ascending for `percentileRankSorted`, checked once here: a dashboard ranks its
 * school among the same ~3,700 means per theme on every request, and checking them on every call
 * was a twentieth of the request (issue 17). Frozen, so the check stays true.
 */
export function sortedForRanking(values: readonly number[]): readonly number[] {
  const sorted = Object.freeze([...values].sort((a, b) => a - b));
  checkSorted(sorted);
  checked.add(sorted);
  return sorted;
}

/** Whether `sorted` (ascending) holds `value`: binary search. */
export function sortedIncludes(sorted: readonly number[], value: number): boolean {
  const i = firstIndexNotBelow(sorted, value);
  return i < sorted.length && sorted[i] === value;
}

/** The first index whose value is ≥ `value` (sorted.length if none). */
function firstIndexNotBelow(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The first index from `from` on whose value is > `value` (sorted.length if none). */
function firstIndexAbove(sorted: readonly number[], value: number, from: number): number {
  let lo = from;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Fewest released schools a percentile rank may be taken among (design §5: the benchmark rule). */
export const MIN_RANKED_SCHOOLS = 5;

/**
 * A school's percentile rank among the released schools' values (sorted ascending, the school's
 * own included), only when there are at least 5 of them: among 3, a rep who sees their school at
 * 100 learns how the other two rank (issue 15). Otherwise `few-schools`.
 */
export function rankAmongReleased(value: number, sortedReleased: readonly number[]): Stat {
  if (sortedReleased.length < MIN_RANKED_SCHOOLS) return unavailable('few-schools');
  return percentileRankSorted(value, sortedReleased);
}
