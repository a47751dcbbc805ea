import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parse } from 'postgres-array';
import { parseSmallintArray } from '../server/db/arrays.ts';

/** PostgreSQL's text output of a one-dimensional smallint[]. */
const text = (values: (number | null)[]) => `{${values.map((v) => (v === null ? 'NULL' : String(v))).join(',')}}`;

describe('parseSmallintArray', () => {
  it("reads what the driver's parser reads", () => {
    fc.assert(
      fc.property(fc.array(fc.option(fc.integer({ min: -32768, max: 32767 }), { nil: null }), { maxLength: 80 }), (values) => {
        const written = text(values);
        const driver = parse(written, (v) => Number.parseInt(v, 10));
        expect(parseSmallintArray(written)).toEqual(driver);
        expect(parseSmallintArray(written)).toEqual(values);
      }),
    );
  });

  it('refuses what is not a one-dimensional integer array', () => {
    for (const bad of ['', '{', '1,2', '{1,}', '{,1}', '{1,,2}', '{{1,2}}', '{"1"}', '{1.5}', '{1 ,2}', '{a}', '{1}x', '{-}', '{NUL}'])
      expect(() => parseSmallintArray(bad), bad).toThrow(SyntaxError);
  });
});
