/**
 * The instrument quality report's glue (issue 20) against R: test/fixtures/analysis/make-quality-report.R
 * runs `psych::alpha`, `psych::omega` and `lavaan::cfa` on items.csv repeated four times (3,200
 * respondents, 1,136 complete over all 33 items). Tolerances are those of reliability.test.ts and
 * cfa.test.ts, which measured them: closed formulas 1e-9, omega 1e-6, χ² and fit indices 1e-6.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  QualityAccumulator,
  cfa,
  cfaMinimum,
  cfaParameters,
  instrumentQuality,
  instrumentQualitySteps,
  reliability,
  reliabilitySums,
  type Layout,
  type ThemeQuality,
} from '../../analysis/index.ts';

const dir = new URL('../fixtures/analysis/', import.meta.url);
interface Expected {
  respondents: number;
  reliability: Array<{
    theme: string;
    items: string[];
    n: number;
    alpha: number;
    stdAlpha: number;
    itemRest: number[];
    alphaIfDeleted: number[];
    omega: number;
  }>;
  cfa: { n: number; npar: number; chiSquare: number; df: number; cfi: number; tli: number; rmsea: number; srmr: number };
}
const R = JSON.parse(readFileSync(new URL('quality-report.json', dir), 'utf8')) as Expected;

const [header, ...lines] = readFileSync(new URL('items.csv', dir), 'utf8').trim().split(/\r?\n/);
const names = header!.split(',');
const once = lines.map((line) => line.split(',').map((v) => (v === '' ? null : Number(v))));
const themeIds = [...new Set(names.map((n) => n.replace(/_[0-9]+$/, '')))];

/** Every item of a theme whose index is odd is stored reverse-worded (raw 6 − x), so the recoding is exercised. */
const layout: Layout = {
  items: names.map((id, i) => ({ id, themeId: id.replace(/_[0-9]+$/, ''), reverse: i % 2 === 1 })),
  themes: themeIds.map((id) => ({ id, itemIndices: names.flatMap((n, i) => (n.startsWith(`${id}_`) ? [i] : [])) })),
  outcomes: [],
  priority: null,
  width: names.length,
};
const raw = (row: readonly (number | null)[]) =>
  row.map((x, i) => (x === null ? (i % 3 === 0 ? 0 : null) : layout.items[i]!.reverse ? 6 - x : x));

const TOL = 1e-9;
const OMEGA_TOL = 1e-6;
const FIT_TOL = 1e-6;

function accumulate(rows: ReadonlyArray<readonly (number | null)[]>) {
  const acc = new QualityAccumulator(layout);
  for (const r of rows) acc.add(raw(r));
  return acc.sums();
}

const released = (t: ThemeQuality) => {
  if (t.withheld) throw new Error('withheld');
  return t.reliability;
};
const value = (s: { ok: boolean; value?: number }) => (s.ok ? s.value! : NaN);

describe('QualityAccumulator', () => {
  it('recodes as the rest of analysis/ and gives the sums reliabilitySums gives per theme and over all items', () => {
    const sums = accumulate(once);
    expect(sums.respondents).toBe(once.length);
    layout.themes.forEach((t, ti) =>
      expect(sums.themes[ti], t.id).toEqual(
        reliabilitySums(
          once.map((r) => t.itemIndices.map((i) => r[i]!)),
          t.itemIndices.length,
        ),
      ),
    );
    expect(sums.all).toEqual(reliabilitySums(once, names.length));
  });

  it('refuses an answer outside 0..5 as recode does', () => {
    const acc = new QualityAccumulator(layout);
    expect(() => acc.add(names.map(() => 7))).toThrow(RangeError);
  });
});

describe('instrumentQuality on items.csv × 4 against R', () => {
  const rows = [...once, ...once, ...once, ...once];
  const q = instrumentQuality(accumulate(rows), layout, 5);

  it.each(R.reliability)('theme $theme: n, alpha, standardized alpha, item–rest r, alpha if deleted, omega', (e) => {
    const r = released(q.themes[themeIds.indexOf(e.theme)]!);
    expect(r.n).toBe(e.n);
    expect(Math.abs(value(r.alpha.alpha) - e.alpha)).toBeLessThanOrEqual(TOL);
    expect(Math.abs(value(r.standardizedAlpha) - e.stdAlpha)).toBeLessThanOrEqual(TOL);
    e.itemRest.forEach((x, i) => expect(Math.abs(value(r.perItem[i]!.itemRest) - x)).toBeLessThanOrEqual(TOL));
    e.alphaIfDeleted.forEach((x, i) => expect(Math.abs(value(r.perItem[i]!.alphaIfDeleted) - x)).toBeLessThanOrEqual(TOL));
    expect(r.omega.ok && Math.abs(r.omega.value - e.omega)).toBeLessThanOrEqual(OMEGA_TOL);
  });

  it('the CFA: complete cases over all items, lavaan’s free parameters, χ², df, CFI, TLI, RMSEA, SRMR', () => {
    expect(cfaParameters(layout)).toBe(R.cfa.npar);
    expect(cfaMinimum(layout)).toBe(940);
    expect(q.model.ok).toBe(true);
    if (!q.model.ok) return;
    const fit = q.model.fit;
    expect(fit.n).toBe(R.cfa.n);
    expect(fit.df).toBe(R.cfa.df);
    expect(Math.abs(fit.chiSquare - R.cfa.chiSquare)).toBeLessThanOrEqual(FIT_TOL);
    for (const key of ['cfi', 'tli', 'rmsea', 'srmr'] as const) expect(Math.abs(fit[key] - R.cfa[key]), key).toBeLessThanOrEqual(FIT_TOL);
  });

  it('in steps: pauses after each CFA iteration and ends with the same result', () => {
    const steps = instrumentQualitySteps(accumulate(rows), layout, 5);
    let pauses = 0;
    let r = steps.next();
    for (; !r.done; r = steps.next()) pauses++;
    expect(r.value).toEqual(q);
    expect(pauses).toBe(q.model.ok ? q.model.fit.iterations : NaN);
  });

  it('is reliability and cfa of analysis/ on the same sums, nothing else', () => {
    const sums = accumulate(rows);
    q.themes.forEach((t, ti) => expect(released(t)).toEqual(reliability(sums.themes[ti]!)));
    const factorOf = layout.items.map((it) => themeIds.indexOf(it.themeId));
    const fit = cfa(sums.all, factorOf);
    expect(q.model.ok && fit.ok && q.model.fit).toEqual(fit.ok && fit.value);
  });
});

describe('refusals', () => {
  it('the CFA below max(200, 10 per free parameter): the number needed and the number there', () => {
    const q = instrumentQuality(accumulate(once), layout, 5);
    expect(q.model).toEqual({ ok: false, reason: 'below-minimum', n: 284, minimum: 940 });
  });

  it('fewer than k complete cases: the theme is withheld (R1) and the CFA count is not said', () => {
    const few = once.filter((r) => r.every((x) => x !== null)).slice(0, 4);
    const q = instrumentQuality(accumulate(few), layout, 5);
    expect(q.themes.every((t) => t.withheld)).toBe(true);
    expect(q.model).toEqual({ ok: false, reason: 'below-minimum', n: null, minimum: 940 });
    const five = instrumentQuality(accumulate(once.filter((r) => r.every((x) => x !== null)).slice(0, 5)), layout, 5);
    expect(five.themes.every((t) => !t.withheld)).toBe(true);
  });

  it('the minimum is at least 200 for a small model', () => {
    const small: Layout = {
      items: layout.items.slice(0, 8),
      themes: [
        { id: 'workload', itemIndices: [0, 1, 2, 3] },
        { id: 'appreciation', itemIndices: [4, 5, 6, 7] },
      ],
      outcomes: [],
      priority: null,
      width: 8,
    };
    expect(cfaParameters(small)).toBe(6 + 3 + 8);
    expect(cfaMinimum(small)).toBe(200);
  });
});
