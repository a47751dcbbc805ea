import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { percentileRank, percentileRankSorted, sortedForRanking, sortedIncludes } from '../../analysis/index.ts';

const ascending = (values: readonly number[]) => [...values].sort((a, b) => a - b);

/** What a call returns, or the class and message of what it throws: so errors are compared too. */
function outcome(f: () => unknown): unknown {
  try {
    return { returned: f() };
  } catch (err) {
    return { threw: (err as Error).constructor.name, message: (err as Error).message };
  }
}

// Few distinct values (quarters) make ties common; doubles cover the rest, -0 included.
const tied = fc.integer({ min: -8, max: 8 }).map((i) => i / 4);
const value = fc.oneof(tied, fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }));

describe('percentileRankSorted', () => {
  it('equals percentileRank, to the last bit, for a value taken from the values (ties included)', () => {
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 300 }), fc.nat(), (values, pick) => {
        const v = values[pick % values.length]!;
        const expected = percentileRank(v, values);
        expect(percentileRankSorted(v, ascending(values))).toEqual(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('behaves as percentileRank for any value: in the list, not in it, none, non-finite', () => {
    const anyValue = fc.oneof(value, fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY));
    fc.assert(
      fc.property(fc.array(anyValue, { maxLength: 60 }), anyValue, (values, v) => {
        expect(outcome(() => percentileRankSorted(v, ascending(values)))).toEqual(outcome(() => percentileRank(v, values)));
      }),
      { numRuns: 2000 },
    );
  });

  it('ranks ties at their mid-rank, the best at 100, and a single school at 100', () => {
    expect(percentileRankSorted(3, [1, 3, 3, 5])).toEqual({ ok: true, value: 62.5 });
    expect(percentileRankSorted(5, [1, 3, 3, 5])).toEqual({ ok: true, value: 100 });
    expect(percentileRankSorted(1, [1, 3, 3, 5])).toEqual({ ok: true, value: 25 });
    expect(percentileRankSorted(2, [2, 2, 2])).toEqual(percentileRank(2, [2, 2, 2]));
    expect(percentileRankSorted(2, [2, 2, 2])).toEqual({ ok: true, value: 100 * (2 / 3) });
    expect(percentileRankSorted(4, [4])).toEqual({ ok: true, value: 100 });
    expect(percentileRankSorted(3, [])).toEqual({ ok: false, reason: 'no-data' });
  });

  it('refuses values that are not sorted ascending rather than answering wrongly', () => {
    expect(() => percentileRankSorted(3, [5, 3, 1])).toThrow(new RangeError('values must be sorted ascending'));
    expect(() => percentileRankSorted(3, [1, 3, 2, 3])).toThrow(RangeError);
    fc.assert(
      fc.property(fc.array(tied, { minLength: 2, maxLength: 40 }), (values) => {
        const sorted = ascending(values);
        fc.pre(sorted[0] !== sorted[sorted.length - 1]);
        const reversed = [...sorted].reverse();
        expect(() => percentileRankSorted(sorted[0]!, reversed)).toThrow(RangeError);
      }),
    );
  });

  it('sortedForRanking: checked once, frozen, and ranks as percentileRank', () => {
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 300 }), fc.nat(), (values, pick) => {
        const v = values[pick % values.length]!;
        const sorted = sortedForRanking(values);
        expect(sorted).toEqual(ascending(values));
        expect(percentileRankSorted(v, sorted)).toEqual(percentileRank(v, values));
      }),
      { numRuns: 500 },
    );
    const sorted = sortedForRanking([3, 1, 2]);
    // Its check stays true: it cannot be changed after it.
    expect(() => (sorted as number[]).push(0)).toThrow(TypeError);
    expect(() => ((sorted as number[])[0] = 9)).toThrow(TypeError);
    expect(() => sortedForRanking([1, Number.NaN])).toThrow(new RangeError('values must be finite'));
    expect(() => sortedForRanking([1, Number.POSITIVE_INFINITY])).toThrow(new RangeError('values must be finite'));
    // A list it did not make is still checked on every call.
    expect(() => percentileRankSorted(1, [...sorted].reverse())).toThrow(new RangeError('values must be sorted ascending'));
  });

  it('sortedIncludes agrees with includes on sorted lists with ties', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -5, max: 5 }), { maxLength: 30 }), fc.integer({ min: -6, max: 6 }), (values, value) => {
        expect(sortedIncludes(ascending(values), value)).toBe(values.includes(value));
      }),
    );
  });
});
