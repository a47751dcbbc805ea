/**
 * The summary a rep reads first (issue 17): "clearly different" is decided by the benchmark mean
 * lying outside the school's 95% CI, never by rank; changes are the largest in size, each with its
 * significance; what cannot be said is grouped by reason.
 */
import { describe, expect, it } from 'vitest';
import { compareWithBenchmark, disclose, glance, summarize, trend, type GlanceTheme } from '../../analysis/index.ts';

const d = disclose({
  waveId: 'w',
  status: 'sealed',
  background: [],
  schools: [
    { id: 'ok', respondents: 20 },
    { id: 'small', respondents: 3 },
  ],
  benchmarkGroups: [],
});
const released = <T>(value: T) => d.release(d.school('ok'), value);
const withheld = <T>(value: T) => d.release(d.school('small'), value);

/** A theme summary of n answers around `mean`, spread ±1: a CI of about ±0.47 at n = 20. */
function summary(mean: number, n = 20) {
  const values = Array.from({ length: n }, (_, i) => mean + (i % 2 === 0 ? 1 : -1));
  return summarize({ n, sum: values.reduce((a, b) => a + b, 0), sumSq: values.reduce((a, b) => a + b * b, 0) });
}

function theme(themeId: string, mean: number, benchmark: number, history: number[] = []): GlanceTheme {
  const points = [...history, mean].map((m, i) => ({ waveId: `w${i}`, summary: summary(m), k: 5 }));
  return { themeId, comparison: released(compareWithBenchmark(summary(mean), benchmark)), trend: trend(points) };
}

describe('glance: what a rep reads first', () => {
  it('strengths and concerns are the themes whose CI excludes the benchmark mean, largest first; the rest are alike', () => {
    const s = glance([theme('a', 3.6, 3.0), theme('b', 3.2, 3.0), theme('c', 2.0, 3.0), theme('d', 4.5, 3.0), theme('e', 2.6, 3.0)]);
    expect(s.strengths).toEqual([
      { themeId: 'd', difference: expect.closeTo(1.5, 9) },
      { themeId: 'a', difference: expect.closeTo(0.6, 9) },
    ]);
    expect(s.concerns.map((c) => c.themeId)).toEqual(['c']);
    // 3.2 and 2.6 are 0.2 and 0.4 from 3.0: inside their CI (±0.47), so not "clearly" different.
    expect(s.alike).toEqual(['b', 'e']);
    expect(s.hasPrevious).toBe(false);
    expect(s.changes).toEqual([]);
  });

  it('changes: the largest in size whatever their sign, significant or not, at most three', () => {
    const s = glance([
      theme('a', 3.0, 3.0, [3.1]),
      theme('b', 3.0, 3.0, [4.0]),
      theme('c', 3.0, 3.0, [2.2]),
      theme('d', 3.0, 3.0, [3.3]),
      theme('e', 3.0, 3.0, [2.9]),
    ]);
    expect(s.hasPrevious).toBe(true);
    expect(s.changes.map((c) => [c.themeId, Number(c.difference.toFixed(2)), c.significant])).toEqual([
      ['b', -1, true],
      ['c', 0.8, true],
      ['d', -0.3, false],
    ]);
  });

  it('what cannot be said is grouped by its reason, once', () => {
    const suppressed = { ...theme('x', 3, 3), comparison: withheld(compareWithBenchmark(summary(3), 3)) };
    const suppressed2 = { ...theme('y', 3, 3), comparison: withheld(compareWithBenchmark(summary(3), 3)) };
    const single = { ...theme('z', 3, 3), comparison: released(compareWithBenchmark(summary(3, 1), 3)) };
    const s = glance([suppressed, suppressed2, single, theme('a', 3.0, 3.0, [3.0])]);
    expect(s.notCompared).toEqual([
      { why: { rule: 'R1' }, themeIds: ['x', 'y'] },
      { why: { reason: 'n<2' }, themeIds: ['z'] },
    ]);
    expect(s.alike).toEqual(['a']);
  });

  it('a previous wave without a comparable summary is a reason, not a change', () => {
    const gone = {
      themeId: 'g',
      comparison: released(compareWithBenchmark(summary(3), 3)),
      trend: trend([
        { waveId: 'w0', summary: null },
        { waveId: 'w1', summary: summary(3) },
      ]),
    };
    const s = glance([gone, theme('a', 3.5, 3.0, [3.0])]);
    expect(s.changes.map((c) => c.themeId)).toEqual(['a']);
    expect(s.notChanged).toEqual([{ why: { reason: 'no-previous' }, themeIds: ['g'] }]);
  });
});
