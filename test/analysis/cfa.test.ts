/**
 * CFA of the eight-theme model (issue 20) against `lavaan::cfa` (ML, listwise, marker items, defaults):
 * test/fixtures/analysis/make-drivers-reliability.R fits items.csv (33 items, 284 complete cases) and
 * writes χ², df, the baseline model, CFI, TLI, RMSEA, SRMR and the estimates.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cfa, combineReliabilitySums, reliabilitySums, type CfaFit } from '../../analysis/index.ts';

const dir = new URL('../fixtures/analysis/', import.meta.url);
interface ExpectedCfa {
  n: number;
  npar: number;
  chiSquare: number;
  df: number;
  baselineChiSquare: number;
  baselineDf: number;
  cfi: number;
  tli: number;
  rmsea: number;
  srmr: number;
  items: string[];
  loadings: number[];
  residualVariances: number[];
}
interface ExpectedImproper {
  n: number;
  chiSquare: number;
  df: number;
  cfi: number;
  tli: number;
  rmsea: number;
  srmr: number;
  residualVariances: number[];
}
const fixture = JSON.parse(readFileSync(new URL('drivers-reliability.json', dir), 'utf8')) as {
  cfa: ExpectedCfa;
  cfaImproper: ExpectedImproper;
};
const R = fixture.cfa;

const [header, ...lines] = readFileSync(new URL('items.csv', dir), 'utf8').trim().split(/\r?\n/);
const names = header!.split(',');
const answers = lines.map((line) => line.split(',').map((v) => (v === '' ? null : Number(v))));
const themeOf = names.map((n) => n.replace(/_[0-9]+$/, ''));
const themes = [...new Set(themeOf)];
const factorOf = themeOf.map((t) => themes.indexOf(t));

/**
 * lavaan stops its optimizer (nlminb) a little short of the exact optimum, Fisher scoring here goes on
 * to a step below 1e-10: measured |Δχ²| 9e-9, SRMR 9e-9 (CFI, TLI, RMSEA ≤ 3e-12), estimates ≤ 3e-6.
 */
const CHI_TOL = 1e-6;
const INDEX_TOL = 1e-6;
const ESTIMATE_TOL = 1e-5;

function fitted(): CfaFit {
  const result = cfa(reliabilitySums(answers, names.length), factorOf);
  if (!result.ok) throw new Error(`refused: ${result.reason}`);
  return result.value;
}

describe('eight-theme CFA against lavaan::cfa', () => {
  const fit = fitted();

  it('uses the listwise complete cases and the same free parameters', () => {
    expect(names).toEqual(R.items);
    expect(fit.n).toBe(R.n);
    expect(fit.df).toBe(R.df);
    expect(fit.baseline.df).toBe(R.baselineDf);
    expect((names.length * (names.length + 1)) / 2 - fit.df).toBe(R.npar);
  });

  it('χ², baseline χ², CFI, TLI, RMSEA and SRMR match', () => {
    expect(Math.abs(fit.chiSquare - R.chiSquare)).toBeLessThanOrEqual(CHI_TOL);
    expect(Math.abs(fit.baseline.chiSquare - R.baselineChiSquare)).toBeLessThanOrEqual(CHI_TOL);
    expect(Math.abs(fit.cfi - R.cfi)).toBeLessThanOrEqual(INDEX_TOL);
    expect(Math.abs(fit.tli - R.tli)).toBeLessThanOrEqual(INDEX_TOL);
    expect(Math.abs(fit.rmsea - R.rmsea)).toBeLessThanOrEqual(INDEX_TOL);
    expect(Math.abs(fit.srmr - R.srmr)).toBeLessThanOrEqual(INDEX_TOL);
  });

  it('loadings and residual variances match', () => {
    R.loadings.forEach((x, i) => expect(Math.abs(fit.loadings[i]! - x), names[i]).toBeLessThanOrEqual(ESTIMATE_TOL));
    R.residualVariances.forEach((x, i) => expect(Math.abs(fit.residualVariances[i]! - x), names[i]).toBeLessThanOrEqual(ESTIMATE_TOL));
    expect(fit.improper).toBe(false);
  });

  it('the weak item loads weakly', () => {
    const weak = names.indexOf('communication_5');
    expect(fit.loadings[weak]).toBeLessThan(0.3);
  });

  it('is the same from additive sums of parts', () => {
    const k = names.length;
    const parts = [answers.slice(0, 300), answers.slice(300)].map((rows) => reliabilitySums(rows, k));
    expect(cfa(combineReliabilitySums(parts, k), factorOf)).toEqual(cfa(reliabilitySums(answers, k), factorOf));
  });
});

describe('an improper solution, as lavaan finds it', () => {
  // the grid of make-drivers-reliability.R: i0 = x, i1 = x + a, i2 = x − a + e (clamped), i3 = x + c
  const clamp = (y: number) => Math.min(5, Math.max(1, y));
  const rows = [2, 3, 4].flatMap((x) =>
    [-1, 0, 0, 1].flatMap((a) => [-1, 0, 1].flatMap((c) => [-1, 0, 0, 1].map((e) => [x, x + a, clamp(x - a + e), x + c]))),
  );
  const I = fixture.cfaImproper;

  it('a negative residual variance: the same estimates and fit, flagged improper', () => {
    const result = cfa(reliabilitySums(rows, 4), [0, 0, 0, 0]);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const fit = result.value;
    expect(fit.n).toBe(I.n);
    expect(fit.df).toBe(I.df);
    expect(fit.improper).toBe(true);
    expect(fit.residualVariances[0]).toBeLessThan(0);
    expect(Math.abs(fit.chiSquare - I.chiSquare)).toBeLessThanOrEqual(CHI_TOL);
    for (const key of ['cfi', 'tli', 'rmsea', 'srmr'] as const) expect(Math.abs(fit[key] - I[key]), key).toBeLessThanOrEqual(INDEX_TOL);
    I.residualVariances.forEach((x, i) => expect(Math.abs(fit.residualVariances[i]! - x)).toBeLessThanOrEqual(ESTIMATE_TOL));
  });

  it('without e, i1 + i2 = 2·i0: singular, as lavaan refuses it', () => {
    const dependent = [2, 3, 4].flatMap((x) => [-1, 0, 0, 1].flatMap((a) => [-1, 0, 1].map((c) => [x, x + a, x - a, x + c])));
    expect(cfa(reliabilitySums(dependent, 4), [0, 0, 0, 0])).toEqual({ ok: false, reason: 'singular' });
  });
});

describe('refusals', () => {
  it('a factor with one item, or no degrees of freedom: not identified', () => {
    const k = 4;
    const rows = answers.map((r) => r.slice(0, k));
    expect(cfa(reliabilitySums(rows, k), [0, 0, 0, 1])).toEqual({ ok: false, reason: 'not-identified' });
    // one factor of three items: 6 moments, 6 parameters
    expect(
      cfa(
        reliabilitySums(
          answers.map((r) => r.slice(0, 3)),
          3,
        ),
        [0, 0, 0],
      ),
    ).toEqual({ ok: false, reason: 'not-identified' });
  });

  it('no more complete cases than items: too few', () => {
    const rows = answers.filter((r) => r.every((x) => x !== null)).slice(0, names.length);
    expect(cfa(reliabilitySums(rows, names.length), factorOf)).toEqual({ ok: false, reason: 'too-few' });
  });

  it('an item duplicated: singular', () => {
    const rows = answers.map((r) => [...r.slice(0, 8), r[0]!]);
    expect(cfa(reliabilitySums(rows, 9), [0, 0, 0, 0, 1, 1, 1, 1, 1])).toEqual({ ok: false, reason: 'singular' });
  });

  it('uncorrelated items (a full factorial design): the baseline model fits, nothing to say', () => {
    const rows: number[][] = [];
    for (let a = 1; a <= 3; a++)
      for (let b = 1; b <= 3; b++) for (let c = 1; c <= 3; c++) for (let d = 1; d <= 3; d++) rows.push([a, b, c, d]);
    expect(cfa(reliabilitySums(rows, 4), [0, 0, 0, 0])).toEqual({ ok: false, reason: 'baseline-fits' });
  });

  it('malformed input throws', () => {
    expect(() => cfa(reliabilitySums([], 3), [0, 0])).toThrow(RangeError);
    expect(() => cfa(reliabilitySums([], 3), [0, 0, -1])).toThrow(RangeError);
  });
});
