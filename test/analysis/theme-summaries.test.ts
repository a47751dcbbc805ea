import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  groupReport,
  layoutOf,
  measureCount,
  packResponseSums,
  sumResponses,
  themeSummaries,
  unpackThemeScores,
  withholdMeasures,
} from '../../analysis/index.ts';
import { shipped } from '../helpers/fixtures.ts';

// A breakdown group shows its theme means alone, made from the themes' score sums without the full
// report (issue 17: a dashboard has ~6 such groups). They must be the full report's, R1 and answer
// R3 included, or a breakdown would show what the full report withholds.
const layout = layoutOf(shipped);
const answer = fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 5 }));
const responses = fc.array(fc.record({ answers: fc.array(answer, { minLength: layout.items.length, maxLength: layout.items.length }) }), {
  maxLength: 30,
});
const withheld = fc.uniqueArray(fc.integer({ min: 0, max: measureCount(layout) - 1 }), { maxLength: 12 });

describe('theme summaries of packed sums', () => {
  it('are the themes of the full report under R1 and the measures withheld', () => {
    let few = 0;
    let gone = 0;
    fc.assert(
      fc.property(responses, fc.integer({ min: 1, max: 12 }), withheld, (rows, k, out) => {
        const sums = sumResponses(rows, layout);
        const set = new Set(out);
        const full = withholdMeasures(groupReport(sums, layout, k), set).themes.map(({ n, mean, sd, ci }) => ({ n, mean, sd, ci }));
        const got = themeSummaries(unpackThemeScores(packResponseSums(sums, layout), layout), layout, k, set);
        expect(got).toEqual(full);
        few += full.filter((t, ti) => t.mean.ok === false && !set.has(layout.items.length + ti) && sums.themes[ti]!.scores.n > 0).length;
        gone += full.filter((_, ti) => set.has(layout.items.length + ti)).length;
      }),
      { numRuns: 400 },
    );
    // Both ways a theme is withheld came up, or the property proved less than it says.
    expect(few).toBeGreaterThan(0);
    expect(gone).toBeGreaterThan(0);
  });

  it('refuses a vector of another layout', () => {
    const packed = packResponseSums(sumResponses([], layout), layout);
    expect(() => unpackThemeScores(packed.subarray(1), layout)).toThrow(/layout needs/);
  });
});
