/**
 * Recodes one raw answer of a five-point item (design §2, §6).
 *
 * Raw values: 1..5 on the item's scale, 0 = "weet niet / n.v.t.", `null` = unanswered.
 * Result: `null` (missing) for 0 and `null`; otherwise `x` or, for a negatively worded item,
 * `6 − x`, so that after recoding 4–5 is always favourable.
 *
 * @throws RangeError for anything else (a stored answer outside 0..5 is a data error, not missing).
 */
export function recode(raw: number | null, reverse: boolean): number | null {
  if (raw === null || raw === 0) return null;
  if (!Number.isInteger(raw) || raw < 1 || raw > 5) {
    throw new RangeError(`answer must be null or an integer 0..5, got ${String(raw)}`);
  }
  return reverse ? 6 - raw : raw;
}
