import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { weightedMean, weightedVariance } from 'simple-statistics';
import {
  alphaSums,
  combineAlphaSums,
  combineScoreSums,
  compareWithBenchmark,
  countAnswers,
  countsFromRows,
  cronbachAlpha,
  groupReport,
  itemStats,
  meanConfidenceInterval,
  percentileRank,
  recode,
  respondentThemeScore,
  scoreSums,
  sumResponses,
  summarize,
  tQuantile,
  themeFavourable,
  trend,
  welchTTest,
  type Layout,
  type ValueCounts,
} from '../../analysis/index.ts';

/** Every number anywhere in a result is finite (no NaN, no Infinity). */
function finiteEverywhere(x: unknown): boolean {
  if (typeof x === 'number') return Number.isFinite(x);
  if (Array.isArray(x)) return x.every(finiteEverywhere);
  if (typeof x === 'object' && x !== null) return Object.values(x).every(finiteEverywhere);
  return true;
}

const counts = (c0: number, c1: number, c2: number, c3: number, c4: number, c5: number): ValueCounts => [c0, c1, c2, c3, c4, c5];

describe('recode', () => {
  it('treats 0 ("n.v.t.") and null as missing and reverses as 6 − x', () => {
    expect(recode(0, false)).toBeNull();
    expect(recode(null, true)).toBeNull();
    expect([1, 2, 3, 4, 5].map((x) => recode(x, true))).toEqual([5, 4, 3, 2, 1]);
    expect(recode(4, false)).toBe(4);
  });
  it('rejects values outside 0..5', () => {
    for (const bad of [6, -1, 2.5, Number.NaN]) expect(() => recode(bad, false)).toThrow(RangeError);
  });
});

describe('n = 0', () => {
  it('item: n 0, everything else unavailable', () => {
    const s = itemStats(counts(3, 0, 0, 0, 0, 0), false);
    expect(s).toMatchObject({
      n: 0,
      notApplicable: 3,
      mean: { ok: false, reason: 'no-data' },
      sd: { ok: false },
      favourable: { ok: false },
    });
    expect(s.distribution.percents.ok).toBe(false);
  });
  it('theme summary, % favourable, alpha, CI, percentile rank', () => {
    expect(summarize({ n: 0, sum: 0, sumSq: 0 })).toEqual({
      n: 0,
      mean: { ok: false, reason: 'no-data' },
      sd: { ok: false, reason: 'no-data' },
      ci: { ok: false, reason: 'no-data' },
    });
    expect(themeFavourable([counts(2, 0, 0, 0, 0, 0)], [false])).toEqual({ ok: false, reason: 'no-data' });
    expect(cronbachAlpha(alphaSums([], 3)).alpha).toEqual({ ok: false, reason: 'n<2' });
    expect(meanConfidenceInterval(0, 0, 0)).toEqual({ ok: false, reason: 'n<2' });
    expect(percentileRank(3, [])).toEqual({ ok: false, reason: 'no-data' });
  });
  it('a group without responses reports without NaN', () => {
    const layout: Layout = {
      items: [{ id: 'a', themeId: 't', reverse: false }],
      themes: [{ id: 't', itemIndices: [0] }],
      outcomes: [],
      priority: null,
      width: 1,
    };
    const r = groupReport(sumResponses([], layout), layout);
    expect(finiteEverywhere(r)).toBe(true);
    expect(r.themes[0]!.mean.ok).toBe(false);
  });
});

describe('n = 1', () => {
  it('has a mean but no sd, CI, alpha or Welch test', () => {
    const item = itemStats(counts(0, 0, 0, 0, 1, 0), false);
    expect(item.mean).toEqual({ ok: true, value: 4 });
    expect(item.sd).toEqual({ ok: false, reason: 'n<2' });
    const theme = summarize(scoreSums([3.5]));
    expect(theme.mean).toEqual({ ok: true, value: 3.5 });
    expect(theme.sd).toEqual({ ok: false, reason: 'n<2' });
    expect(theme.ci).toEqual({ ok: false, reason: 'n<2' });
    expect(cronbachAlpha(alphaSums([[4, 5, 3]], 3)).alpha).toEqual({ ok: false, reason: 'n<2' });
    expect(welchTTest({ n: 1, mean: 3, sd: 0 }, { n: 10, mean: 3, sd: 1 })).toEqual({ ok: false, reason: 'n<2' });
    expect(compareWithBenchmark(theme, 3).distinguishable).toEqual({ ok: false, reason: 'n<2' });
    expect(compareWithBenchmark(theme, 3).difference).toEqual({ ok: true, value: 0.5 });
  });
});

describe('all answers equal', () => {
  it('sd is exactly 0 and the CI a point', () => {
    const item = itemStats(counts(1, 0, 0, 0, 0, 7), false);
    expect(item.sd).toEqual({ ok: true, value: 0 });
    const s = summarize(scoreSums(Array(7).fill(10 / 3)));
    expect(s.sd).toEqual({ ok: true, value: 0 });
    expect(s.ci).toEqual({ ok: true, value: { lower: 10 / 3, upper: 10 / 3 } });
  });
  it('sd stays exactly 0 for a full-size wave of equal non-integer scores combined from schools', () => {
    const school = scoreSums(Array(45).fill(11 / 3));
    const s = summarize(combineScoreSums(Array(3700).fill(school)));
    expect(s.n).toBe(166_500);
    expect(s.sd).toEqual({ ok: true, value: 0 });
    // …while the smallest real difference (one score off by 1/380) is still seen.
    const off = scoreSums([11 / 3 + 1 / 380]);
    expect(summarize(combineScoreSums([...Array(3699).fill(school), scoreSums(Array(44).fill(11 / 3)), off])).sd.ok).toBe(true);
    expect(
      (summarize(combineScoreSums([...Array(3699).fill(school), scoreSums(Array(44).fill(11 / 3)), off])).sd as { value: number }).value,
    ).toBeGreaterThan(0);
  });
  it('alpha is unavailable (zero variance), not NaN', () => {
    const a = cronbachAlpha(alphaSums(Array(6).fill([4, 4, 4]), 3));
    expect(a).toEqual({ n: 6, items: 3, alpha: { ok: false, reason: 'zero-variance' }, reliability: 'unavailable' });
  });
  it('Welch with both groups constant is unavailable; with one constant it is not', () => {
    expect(welchTTest({ n: 5, mean: 3, sd: 0 }, { n: 5, mean: 4, sd: 0 })).toEqual({ ok: false, reason: 'zero-variance' });
    const w = welchTTest({ n: 5, mean: 3, sd: 0 }, { n: 5, mean: 4, sd: 1 });
    expect(w.ok && w.value.df).toBeCloseTo(4, 12);
  });
});

describe('a theme with one item', () => {
  it('score is the answer; alpha unavailable (single-item)', () => {
    expect(respondentThemeScore([4])).toBe(4);
    expect(respondentThemeScore([null])).toBeNull();
    expect(cronbachAlpha(alphaSums([[4], [2], [5]], 1)).alpha).toEqual({ ok: false, reason: 'single-item' });
  });
});

describe('half-valid rule', () => {
  it('needs at least half of the items valid', () => {
    expect(respondentThemeScore([4, null])).toBe(4);
    expect(respondentThemeScore([4, null, null])).toBeNull();
    expect(respondentThemeScore([4, 2, null])).toBe(3);
    expect(respondentThemeScore([4, null, null, null])).toBeNull();
    expect(respondentThemeScore([4, 5, null, null])).toBe(4.5);
    expect(() => respondentThemeScore([])).toThrow(RangeError);
  });
});

describe('alpha', () => {
  it('flags alpha below 0.7', () => {
    const low = cronbachAlpha(
      alphaSums(
        [
          [1, 4],
          [5, 1],
          [3, 3],
          [2, 5],
        ],
        2,
      ),
    );
    expect(low.reliability).toBe('low');
    const high = cronbachAlpha(
      alphaSums(
        [
          [1, 1],
          [2, 2],
          [4, 5],
          [5, 5],
        ],
        2,
      ),
    );
    expect(high.reliability).toBe('ok');
  });
  it('skips incomplete cases and combines additively', () => {
    const rows = [
      [1, 2],
      [null, 3],
      [4, 4],
      [5, 3],
      [2, null],
      [3, 3],
    ];
    const all = alphaSums(rows, 2);
    expect(all.n).toBe(4);
    expect(combineAlphaSums([alphaSums(rows.slice(0, 3), 2), alphaSums(rows.slice(3), 2)], 2)).toEqual(all);
  });
});

describe('input errors are explicit', () => {
  it('rejects malformed input', () => {
    expect(() => countAnswers([{ answers: [1, 2] }], 3)).toThrow(/2 answers, expected 3/);
    expect(() => countAnswers([{ answers: [7] }], 1)).toThrow(RangeError);
    expect(() => countsFromRows([{ itemIndex: 3, value: 1, count: 1 }], 2)).toThrow(RangeError);
    expect(() => countsFromRows([{ itemIndex: 0, value: 1, count: -1 }], 2)).toThrow(RangeError);
    expect(() => itemStats(counts(0, 1.5, 0, 0, 0, 0), false)).toThrow(RangeError);
    expect(() => alphaSums([[1, 6]], 2)).toThrow(RangeError);
    expect(() => tQuantile(1, 3)).toThrow(RangeError);
    expect(() => tQuantile(0.9, 0)).toThrow(RangeError);
    expect(() => percentileRank(9, [1, 2])).toThrow(RangeError);
    expect(() => welchTTest({ n: 3, mean: Number.NaN, sd: 1 }, { n: 3, mean: 1, sd: 1 })).toThrow(RangeError);
  });
});

describe('percentile rank', () => {
  it('uses mid-ranks for ties', () => {
    expect(percentileRank(3, [1, 3, 3, 5])).toEqual({ ok: true, value: 62.5 });
    expect(percentileRank(5, [1, 3, 3, 5])).toEqual({ ok: true, value: 100 });
  });
});

describe('trend', () => {
  it('compares with the directly preceding wave only', () => {
    const a = summarize(scoreSums([3, 4, 3.5, 2]));
    const steps = trend([
      { waveId: 'w1', summary: a },
      { waveId: 'w2', summary: null },
      { waveId: 'w3', summary: a },
    ]);
    expect(steps.map((s) => s.change.ok)).toEqual([false, false, false]);
    expect(steps[2]!.change).toEqual({ ok: false, reason: 'no-previous' });
  });
});

describe('no NaN for any counts', () => {
  it('item, theme and alpha results are finite or unavailable', () => {
    const c = fc.integer({ min: 0, max: 4 });
    const arbCounts: fc.Arbitrary<ValueCounts> = fc.tuple(c, c, c, c, c, c);
    fc.assert(
      fc.property(
        fc.array(arbCounts, { minLength: 1, maxLength: 4 }),
        fc.array(fc.array(fc.option(fc.integer({ min: 1, max: 5 })), { minLength: 2, maxLength: 2 }), { maxLength: 6 }),
        (cs, rows) => {
          const reverse = cs.map((_, i) => i % 2 === 1);
          const results = [
            ...cs.map((c, i) => itemStats(c, reverse[i]!)),
            themeFavourable(cs, reverse),
            cronbachAlpha(alphaSums(rows, 2)),
            summarize(scoreSums(rows.map(respondentThemeScore))),
          ];
          return finiteEverywhere(results);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('itemStats against simple-statistics', () => {
  it('gives the weightedMean and Bessel-corrected weightedVariance of the recoded counts, to the last few bits', () => {
    const count = fc.integer({ min: 0, max: 200_000 });
    fc.assert(
      fc.property(fc.tuple(count, count, count, count, count, count), fc.boolean(), (counts, reverse) => {
        const recoded = [1, 2, 3, 4, 5].map((v) => counts[reverse ? 6 - v : v]!);
        const n = recoded.reduce((a, b) => a + b, 0);
        const s = itemStats(counts, reverse);
        expect(s.n).toBe(n);
        expect(s.notApplicable).toBe(counts[0]);
        expect(s.distribution.counts).toEqual(recoded);
        if (n === 0) return expect(s.mean.ok).toBe(false);
        expect(s.mean.ok && s.mean.value).toBe(weightedMean([1, 2, 3, 4, 5], recoded));
        if (n < 2) return expect(s.sd.ok).toBe(false);
        const sd = Math.sqrt((weightedVariance([1, 2, 3, 4, 5], recoded) * n) / (n - 1));
        expect(s.sd.ok && Math.abs(s.sd.value - sd)).toBeLessThanOrEqual(1e-12 * Math.max(sd, 1e-300) + 1e-15);
      }),
      { numRuns: 2000 },
    );
  });
});
