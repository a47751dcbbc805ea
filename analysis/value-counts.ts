/**
 * Answer counts of one item in one scope (a school, a breakdown group, a benchmark group, the
 * network): `counts[v]` = number of raw answers equal to `v`, for v = 0..5 (0 = "n.v.t.").
 * Unanswered items (`null`) are not counted. Counts are raw (not recoded) so they can come straight
 * from `GROUP BY school, item, value` and are additive: a network's counts are the sum of its
 * schools' counts. Everything item-level (n, mean, sd, distribution, % favourable) and theme
 * % favourable is computed from counts.
 */
export type ValueCounts = readonly [number, number, number, number, number, number];

/** One pre-aggregated row: `count` answers with raw `value` (0..5) to the item at `itemIndex`
 * (index in `itemsInOrder(questionnaire)`). */
export interface CountRow {
  itemIndex: number;
  value: number;
  count: number;
}

const VALUES = 6;

function toCounts(flat: Float64Array, itemCount: number): ValueCounts[] {
  const out: ValueCounts[] = [];
  for (let i = 0; i < itemCount; i++) {
    const o = i * VALUES;
    out.push([flat[o]!, flat[o + 1]!, flat[o + 2]!, flat[o + 3]!, flat[o + 4]!, flat[o + 5]!]);
  }
  return out;
}

function checkItemCount(itemCount: number): void {
  if (!Number.isInteger(itemCount) || itemCount < 0) throw new RangeError(`itemCount must be an integer ≥ 0, got ${itemCount}`);
}

/**
 * Counts per item from per-response answers (raw values aligned with `itemsInOrder`): the first
 * `itemCount` positions of answers that are `width` long (a questionnaire with a priority question
 * stores more positions than it has five-point items: `Layout.width`).
 */
export function countAnswers(
  responses: Iterable<{ readonly answers: readonly (number | null)[] }>,
  itemCount: number,
  width = itemCount,
): ValueCounts[] {
  checkItemCount(itemCount);
  if (width < itemCount) throw new RangeError(`answers of ${width} positions cannot hold ${itemCount} items`);
  const flat = new Float64Array(itemCount * VALUES);
  let r = 0;
  for (const { answers } of responses) {
    if (answers.length !== width) {
      throw new RangeError(`response ${r} has ${answers.length} answers, expected ${width}`);
    }
    for (let i = 0; i < itemCount; i++) {
      const v = answers[i];
      if (v === null || v === undefined) continue;
      if (!Number.isInteger(v) || v < 0 || v > 5) throw new RangeError(`response ${r}, item ${i}: answer ${v} is not 0..5`);
      flat[i * VALUES + v]! += 1;
    }
    r++;
  }
  return toCounts(flat, itemCount);
}

/** Counts per item from pre-aggregated rows; rows for the same (item, value) are added. */
export function countsFromRows(rows: Iterable<CountRow>, itemCount: number): ValueCounts[] {
  checkItemCount(itemCount);
  const flat = new Float64Array(itemCount * VALUES);
  for (const { itemIndex, value, count } of rows) {
    if (!Number.isInteger(itemIndex) || itemIndex < 0 || itemIndex >= itemCount) {
      throw new RangeError(`itemIndex ${itemIndex} is not 0..${itemCount - 1}`);
    }
    if (!Number.isInteger(value) || value < 0 || value > 5) throw new RangeError(`value ${value} is not 0..5`);
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`count ${count} is not an integer ≥ 0`);
    flat[itemIndex * VALUES + value]! += count;
  }
  return toCounts(flat, itemCount);
}

/** Sum of several scopes' counts (e.g. the schools of a benchmark group). All must have the same items. */
export function addCounts(parts: Iterable<readonly ValueCounts[]>): ValueCounts[] {
  const total = new CountsTotal();
  for (const part of parts) total.add(part);
  return total.counts();
}

/** `addCounts` one scope at a time: the scopes need not all be in memory at once. */
export class CountsTotal {
  private flat: Float64Array | null = null;
  private itemCount = 0;

  add(part: readonly ValueCounts[]): void {
    if (this.flat === null) {
      this.itemCount = part.length;
      this.flat = new Float64Array(this.itemCount * VALUES);
    } else if (part.length !== this.itemCount) {
      throw new RangeError(`cannot add counts of ${part.length} items to counts of ${this.itemCount} items`);
    }
    const flat = this.flat;
    for (let i = 0; i < this.itemCount; i++) {
      const c = part[i]!;
      for (let v = 0; v < VALUES; v++) flat[i * VALUES + v]! += c[v]!;
    }
  }

  counts(): ValueCounts[] {
    return this.flat === null ? [] : toCounts(this.flat, this.itemCount);
  }
}
