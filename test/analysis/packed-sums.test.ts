import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { combineResponseSums, layoutOf, packResponseSums, packedLength, sumResponses, unpackResponseSums } from '../../analysis/index.ts';
import { shipped } from '../helpers/fixtures.ts';

const layout = layoutOf(shipped);
const answer = fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 5 }));
const responses = fc.array(fc.record({ answers: fc.array(answer, { minLength: layout.items.length, maxLength: layout.items.length }) }), {
  maxLength: 40,
});

describe('packed response sums', () => {
  it('unpack(pack(sums)) gives the sums back exactly, also after combining', () => {
    fc.assert(
      fc.property(responses, responses, (a, b) => {
        const sa = sumResponses(a, layout);
        const sb = sumResponses(b, layout);
        const packed = packResponseSums(sa, layout);
        expect(packed).toHaveLength(packedLength(layout));
        expect(unpackResponseSums(packed, layout)).toEqual(sa);
        // What the database returns: a plain array of the same numbers.
        expect(unpackResponseSums([...packed], layout)).toEqual(sa);
        const combined = combineResponseSums(
          [unpackResponseSums(packed, layout), unpackResponseSums(packResponseSums(sb, layout), layout)],
          layout,
        );
        expect(combined).toEqual(combineResponseSums([sa, sb], layout));
      }),
      { numRuns: 200 },
    );
  });

  it('keeps non-integer score sums to the last bit', () => {
    const sums = sumResponses(
      [{ answers: layout.items.map((_, i) => (i % 5) + 1) }, { answers: layout.items.map((_, i) => (i % 3) + 1) }],
      layout,
    );
    expect(sums.themes.some((t) => !Number.isInteger(t.scores.sum))).toBe(true);
    expect(unpackResponseSums(Float64Array.from(packResponseSums(sums, layout)), layout)).toEqual(sums);
  });

  it('refuses a vector or sums of another layout', () => {
    const packed = packResponseSums(sumResponses([], layout), layout);
    expect(() => unpackResponseSums(packed.subarray(1), layout)).toThrow(RangeError);
    expect(() => unpackResponseSums([...packed, 0], layout)).toThrow(/layout needs/);
    const other = { ...layout, themes: layout.themes.slice(1) };
    expect(() => packResponseSums(sumResponses([], layout), other)).toThrow(RangeError);
  });
});
