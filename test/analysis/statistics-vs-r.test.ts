/**
 * Every statistic against R (test/fixtures/analysis/make-fixtures.R → expected.json): four datasets
 * with reverse items, "n.v.t." (0) and unanswered answers, a group of 3, and constant answers.
 */
import { describe, expect, it } from 'vitest';
import {
  combineResponseSums,
  compareWithBenchmark,
  countsFromRows,
  groupReport,
  percentileRank,
  regularizedIncompleteBeta,
  sumResponses,
  summarize,
  tQuantile,
  tTwoSidedP,
  themeScores,
  trend,
  welchTTest,
  type CountRow,
  type ResponseSums,
} from '../../analysis/index.ts';
import { MEAN_TOL, TOL, expectStat } from './helpers/expect-stat.ts';
import { expected, fixtureLayout, fixtureRows, type Row } from './helpers/fixtures.ts';

const layout = fixtureLayout();
const R = expected();

const select = (rows: Row[], wave: string | null, school: string | null) =>
  rows.filter((r) => (wave === null || r.wave === wave) && (school === null || r.school === school));

describe.each(R.datasets)('dataset $name', (ds) => {
  const rows = fixtureRows(ds.file);

  describe.each(ds.groups)('group $key', (g) => {
    const members = select(rows, g.wave, g.school);
    const report = groupReport(sumResponses(members, layout), layout);

    it('has the same respondents', () => {
      expect(members.length).toBe(g.respondents);
      expect(report.respondents).toBe(g.respondents);
    });

    it('item n, mean, sd, distribution and % favourable match R', () => {
      g.items.forEach((e, i) => {
        const a = report.items[i]!;
        expect(a.itemId).toBe(e.item);
        expect(a.n).toBe(e.n);
        expectStat(a.mean, e.mean, MEAN_TOL, `${e.item} mean`);
        expectStat(a.sd, e.sd, TOL, `${e.item} sd`);
        expect(a.distribution.counts).toEqual(e.counts);
        expectStat(a.favourable, e.favourable, TOL, `${e.item} favourable`);
        if (a.distribution.percents.ok) {
          expect(a.distribution.percents.value.reduce((s, p) => s + p, 0)).toBeCloseTo(100, 9);
        }
      });
    });

    it('respondent theme scores follow the half-valid rule like R', () => {
      const scores = members.map((m) => themeScores(m.answers, layout));
      g.themes.forEach((e, ti) => {
        e.scores.forEach((s, r) => {
          const a = scores[r]![ti]!;
          if (s === null) expect(a, `${e.theme} respondent ${r}`).toBeNull();
          else expect(Math.abs(a! - s), `${e.theme} respondent ${r}`).toBeLessThanOrEqual(MEAN_TOL);
        });
      });
    });

    it('theme n, mean, sd, 95% CI, % favourable and alpha match R', () => {
      g.themes.forEach((e, ti) => {
        const a = report.themes[ti]!;
        expect(a.themeId).toBe(e.theme);
        expect(a.n).toBe(e.n);
        expectStat(a.mean, e.mean, MEAN_TOL, `${e.theme} mean`);
        expectStat(a.sd, e.sd, TOL, `${e.theme} sd`);
        expectStat(a.ci.ok ? { ok: true, value: a.ci.value.lower } : a.ci, e.ciLower, TOL, `${e.theme} ci lower`);
        expectStat(a.ci.ok ? { ok: true, value: a.ci.value.upper } : a.ci, e.ciUpper, TOL, `${e.theme} ci upper`);
        expectStat(a.favourable, e.favourable, TOL, `${e.theme} favourable`);
        expectStat(a.alpha.alpha, e.alpha, TOL, `${e.theme} alpha`);
        expect(a.alpha.n).toBe(e.alphaN);
        if (e.alpha !== null) expect(a.alpha.reliability).toBe(e.alpha < 0.7 ? 'low' : 'ok');
      });
    });

    it('gives the same item statistics from pre-aggregated (school, item, value) counts', () => {
      const countRows: CountRow[] = [];
      for (const m of members) m.answers.forEach((v, itemIndex) => v !== null && countRows.push({ itemIndex, value: v, count: 1 }));
      const fromRows = countsFromRows(countRows, layout.items.length);
      expect(fromRows).toEqual(sumResponses(members, layout).counts);
    });
  });

  if (ds.welch.length > 0) {
    // Per-school sums only: every multi-school figure below is combined from them (the scalable path).
    const perSchool = new Map<string, ResponseSums>();
    for (const wave of new Set(rows.map((r) => r.wave))) {
      for (const school of new Set(rows.map((r) => r.school))) {
        perSchool.set(`${wave}/${school}`, sumResponses(select(rows, wave, school), layout));
      }
    }
    const scope = (wave: string, school: string | null) =>
      combineResponseSums(
        [...perSchool.entries()]
          .filter(([key]) => key.startsWith(`${wave}/`) && (school === null || key === `${wave}/${school}`))
          .map(([, s]) => s),
        layout,
      );

    it('network figures combined from per-school sums equal R on all responses', () => {
      for (const g of ds.groups.filter((x) => x.wave !== null && x.school === null)) {
        const report = groupReport(scope(g.wave!, null), layout);
        g.themes.forEach((e, ti) => {
          const a = report.themes[ti]!;
          expect(a.n).toBe(e.n);
          expectStat(a.mean, e.mean, MEAN_TOL, `${g.key} ${e.theme} mean`);
          expectStat(a.sd, e.sd, TOL, `${g.key} ${e.theme} sd`);
          expectStat(a.alpha.alpha, e.alpha, TOL, `${g.key} ${e.theme} alpha`);
          expectStat(a.favourable, e.favourable, TOL, `${g.key} ${e.theme} favourable`);
        });
        g.items.forEach((e, i) => expectStat(report.items[i]!.sd, e.sd, TOL, `${g.key} ${e.item} sd`));
      }
    });

    it.each(ds.welch)('Welch t, df, p for $theme (school $school) match t.test(var.equal = FALSE)', (e) => {
      const ti = layout.themes.findIndex((t) => t.id === e.theme);
      const later = summarize(scope(e.later, e.school).themes[ti]!.scores);
      const earlier = summarize(scope(e.earlier, e.school).themes[ti]!.scores);
      const sample = (s: typeof later) => ({ n: s.n, mean: s.mean.ok ? s.mean.value : NaN, sd: s.sd.ok ? s.sd.value : NaN });
      const w = welchTTest(sample(later), sample(earlier));
      expect(w.ok).toBe(true);
      if (!w.ok) return;
      expect(Math.abs(w.value.difference - e.difference)).toBeLessThanOrEqual(MEAN_TOL);
      expect(Math.abs(w.value.t - e.t)).toBeLessThanOrEqual(TOL);
      expect(Math.abs(w.value.df - e.df)).toBeLessThanOrEqual(TOL);
      expect(Math.abs(w.value.p - e.p)).toBeLessThanOrEqual(TOL);
      expect(w.value.significant).toBe(e.significant);
      const steps = trend([
        { waveId: e.earlier, summary: earlier },
        { waveId: e.later, summary: later },
      ]);
      expect(steps[0]!.change.ok).toBe(false);
      expect(steps[1]!.change).toEqual(w);
    });

    it.each(ds.benchmark)('benchmark comparison and percentile rank for $school / $theme match R', (e) => {
      const ti = layout.themes.findIndex((t) => t.id === e.theme);
      const school = summarize(scope(e.wave, e.school).themes[ti]!.scores);
      const network = summarize(scope(e.wave, null).themes[ti]!.scores);
      expectStat(network.mean, e.benchmarkMean, MEAN_TOL, 'benchmark mean');
      const cmp = compareWithBenchmark(school, network.mean.ok ? network.mean.value : NaN);
      expectStat(cmp.difference, e.difference, MEAN_TOL, 'difference');
      expect(cmp.distinguishable).toEqual({ ok: true, value: e.distinguishable });
      const means = ds.benchmark
        .filter((b) => b.theme === e.theme && b.wave === e.wave)
        .map((b) => summarize(scope(e.wave, b.school).themes[ti]!.scores))
        .map((s) => (s.mean.ok ? s.mean.value : NaN));
      expectStat(percentileRank(school.mean.ok ? school.mean.value : NaN, means), e.percentileRank, TOL, 'percentile rank');
    });
  }
});

describe('t distribution and incomplete beta against R', () => {
  it.each(R.qt)('qt($p, $df)', ({ p, df, q }) => {
    expect(Math.abs(tQuantile(p, df) - q)).toBeLessThanOrEqual(TOL);
    expect(Math.abs(tQuantile(p, df) - q) / q).toBeLessThanOrEqual(1e-9);
    expect(tQuantile(1 - p, df)).toBeCloseTo(-q, 9);
  });
  it.each(R.pt)('2·pt(−|$t|, $df)', ({ t, df, twoSided }) => {
    expect(Math.abs(tTwoSidedP(t, df) - twoSided)).toBeLessThanOrEqual(TOL);
    expect(Math.abs(tTwoSidedP(t, df) - twoSided) / twoSided).toBeLessThanOrEqual(1e-8);
  });
  it.each(R.pbeta)('pbeta($x, $a, $b)', ({ x, a, b, p }) => {
    expect(Math.abs(regularizedIncompleteBeta(x, a, b) - p)).toBeLessThanOrEqual(TOL);
    expect(Math.abs(regularizedIncompleteBeta(x, a, b) - p) / p).toBeLessThanOrEqual(1e-8);
  });
});
