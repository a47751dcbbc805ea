import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { schoolSpread } from '../../analysis/school-spread.ts';

const cases = JSON.parse(readFileSync('test/fixtures/spread/expected.json', 'utf8')) as Array<{
  means: number[];
  min: number;
  q1: number;
  median: number;
  q3: number;
  max: number;
}>;

describe('schoolSpread', () => {
  it.each(cases.map((c, i) => [i, c] as const))('matches R quantile (type 7), set %i', (_, c) => {
    const s = schoolSpread(c.means);
    expect(s.ok).toBe(true);
    if (!s.ok) return;
    for (const key of ['min', 'q1', 'median', 'q3', 'max'] as const) expect(s.value[key]).toBeCloseTo(c[key], 9);
    expect(s.value.schools).toBe(c.means.length);
  });

  it('is unavailable without schools and refuses non-finite input', () => {
    expect(schoolSpread([])).toEqual({ ok: false, reason: 'no-data' });
    expect(() => schoolSpread([1, Number.NaN])).toThrow(RangeError);
  });
});
