/**
 * Reliability per theme (issue 20) against R: test/fixtures/analysis/make-drivers-reliability.R runs
 * `psych::alpha` (raw and standardized alpha, `r.drop`, `alpha.drop`) and `psych::omega(nfactors = 1)`
 * / `psych::fa(fm = "minres")` on the complete cases of each theme of items.csv (800 respondents, eight
 * themes, ~3 % missing answers, one deliberately weak item: communication_5).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ITEM_REST_THRESHOLD,
  alphaSums,
  combineReliabilitySums,
  cronbachAlpha,
  reliability,
  reliabilitySums,
  type Stat,
} from '../../analysis/index.ts';

const dir = new URL('../fixtures/analysis/', import.meta.url);
interface ExpectedTheme {
  theme: string;
  items: string[];
  n: number;
  alpha: number;
  stdAlpha: number;
  itemRest: number[];
  alphaIfDeleted: number[];
  omega: number;
  loadings: number[];
}
const R = (JSON.parse(readFileSync(new URL('drivers-reliability.json', dir), 'utf8')) as { reliability: ExpectedTheme[] }).reliability;

const [header, ...lines] = readFileSync(new URL('items.csv', dir), 'utf8').trim().split(/\r?\n/);
const names = header!.split(',');
const answers = lines.map((line) => line.split(',').map((v) => (v === '' ? null : Number(v))));
const themeRows = (items: readonly string[]) => answers.map((row) => items.map((id) => row[names.indexOf(id)]!));

/** Closed formulas (alpha, standardized alpha, item–rest r, alpha if deleted): measured max |difference| 2e-16. */
const TOL = 1e-9;
/**
 * Omega: psych's minres loadings come from `optim` and stop ~1e-5 short of the exact minimum (measured
 * max 8e-6 on these themes); omega total is insensitive to that to first order (measured 3e-8).
 */
const OMEGA_TOL = 1e-6;
const LOADING_TOL = 1e-4;

const value = (s: Stat): number => {
  if (!s.ok) throw new Error(`unavailable: ${s.reason}`);
  return s.value;
};

describe.each(R)('theme $theme against psych', (e) => {
  const rows = themeRows(e.items);
  const r = reliability(reliabilitySums(rows, e.items.length));

  it('uses the complete cases of the theme', () => {
    expect(r.n).toBe(e.n);
    expect(r.items).toBe(e.items.length);
  });

  it('alpha is cronbachAlpha on the same complete cases, and matches psych::alpha', () => {
    expect(r.alpha).toEqual(cronbachAlpha(alphaSums(rows, e.items.length)));
    expect(Math.abs(value(r.alpha.alpha) - e.alpha)).toBeLessThanOrEqual(TOL);
    expect(Math.abs(value(r.standardizedAlpha) - e.stdAlpha)).toBeLessThanOrEqual(TOL);
  });

  it('item–rest correlations and alpha if item deleted match psych::alpha', () => {
    e.itemRest.forEach((x, i) => expect(Math.abs(value(r.perItem[i]!.itemRest) - x), e.items[i]).toBeLessThanOrEqual(TOL));
    e.alphaIfDeleted.forEach((x, i) => expect(Math.abs(value(r.perItem[i]!.alphaIfDeleted) - x), e.items[i]).toBeLessThanOrEqual(TOL));
  });

  it('omega total and one-factor minres loadings match psych::omega / psych::fa', () => {
    expect(r.omega.ok).toBe(true);
    if (!r.omega.ok) return;
    expect(Math.abs(r.omega.value - e.omega)).toBeLessThanOrEqual(OMEGA_TOL);
    e.loadings.forEach((x, i) =>
      expect(Math.abs(r.omega.ok ? r.omega.loadings[i]! - x : NaN), e.items[i]).toBeLessThanOrEqual(LOADING_TOL),
    );
  });

  it('flags weak items exactly where psych says so', () => {
    const expected = e.itemRest.flatMap((x, i) => (x < ITEM_REST_THRESHOLD || e.alphaIfDeleted[i]! > e.alpha ? [i] : []));
    expect(r.weakItems).toEqual(expected);
  });
});

describe('the weak item', () => {
  const e = R.find((t) => t.theme === 'communication')!;
  const r = reliability(reliabilitySums(themeRows(e.items), e.items.length));

  it('communication_5 is flagged for both reasons, the other items are not', () => {
    const weak = e.items.indexOf('communication_5');
    expect(r.weakItems).toEqual([weak]);
    expect(r.perItem[weak]).toMatchObject({ lowItemRest: true, alphaRises: true, weak: true });
    expect(value(r.perItem[weak]!.alphaIfDeleted)).toBeGreaterThan(value(r.alpha.alpha));
    for (const [i, item] of r.perItem.entries())
      if (i !== weak) expect(item).toMatchObject({ lowItemRest: false, alphaRises: false, weak: false });
  });

  it('no other theme has a weak item', () => {
    for (const t of R.filter((x) => x.theme !== 'communication')) {
      expect(reliability(reliabilitySums(themeRows(t.items), t.items.length)).weakItems, t.theme).toEqual([]);
    }
  });
});

describe('sums', () => {
  it('are additive: three parts combined give the same reliability as all rows', () => {
    const e = R[0]!;
    const rows = themeRows(e.items);
    const k = e.items.length;
    const parts = [rows.slice(0, 100), rows.slice(100, 450), rows.slice(450)].map((p) => reliabilitySums(p, k));
    expect(combineReliabilitySums(parts, k)).toEqual(reliabilitySums(rows, k));
    expect(reliability(combineReliabilitySums(parts, k))).toEqual(reliability(reliabilitySums(rows, k)));
  });

  it('skip incomplete rows and reject malformed ones', () => {
    expect(
      reliabilitySums(
        [
          [1, null, 3],
          [2, 2, 2],
        ],
        3,
      ).n,
    ).toBe(1);
    expect(() => reliabilitySums([[1, 2]], 3)).toThrow(RangeError);
    expect(() => reliabilitySums([[1, 2, 6]], 3)).toThrow(RangeError);
    expect(() => reliabilitySums([[1, 2, 2.5]], 3)).toThrow(RangeError);
    expect(() => reliabilitySums([], 0)).toThrow(RangeError);
    expect(() => combineReliabilitySums([reliabilitySums([], 2)], 3)).toThrow(RangeError);
  });
});

describe('what cannot be computed is said, never NaN', () => {
  it('no complete case', () => {
    const r = reliability(reliabilitySums([[1, null, 3]], 3));
    expect(r.n).toBe(0);
    expect(r.alpha.alpha).toEqual({ ok: false, reason: 'n<2' });
    expect(r.standardizedAlpha).toEqual({ ok: false, reason: 'n<2' });
    expect(r.omega).toEqual({ ok: false, reason: 'n<2' });
    expect(r.perItem[0]!.itemRest).toEqual({ ok: false, reason: 'n<2' });
    expect(r.weakItems).toEqual([]);
  });

  it('an item without variance', () => {
    const rows = [
      [1, 2, 4],
      [2, 3, 4],
      [4, 4, 4],
      [5, 4, 4],
      [3, 2, 4],
    ];
    const r = reliability(reliabilitySums(rows, 3));
    expect(r.alpha.alpha.ok).toBe(true);
    expect(r.standardizedAlpha).toEqual({ ok: false, reason: 'zero-variance' });
    expect(r.omega).toEqual({ ok: false, reason: 'zero-variance' });
    expect(r.perItem[2]!.itemRest).toEqual({ ok: false, reason: 'zero-variance' });
    expect(r.perItem[0]!.itemRest.ok).toBe(true);
  });

  it('two items: alpha, no omega; one item: nothing', () => {
    const two = reliability(
      reliabilitySums(
        [
          [1, 2],
          [2, 2],
          [4, 5],
          [5, 4],
          [3, 3],
        ],
        2,
      ),
    );
    expect(two.alpha.alpha.ok).toBe(true);
    expect(two.standardizedAlpha.ok).toBe(true);
    expect(two.omega).toEqual({ ok: false, reason: 'few-items' });
    expect(two.perItem[0]!.alphaIfDeleted).toEqual({ ok: false, reason: 'single-item' });
    const one = reliability(reliabilitySums([[1], [2], [4]], 1));
    expect(one.alpha.alpha).toEqual({ ok: false, reason: 'single-item' });
    expect(one.standardizedAlpha).toEqual({ ok: false, reason: 'single-item' });
    expect(one.perItem[0]!.itemRest).toEqual({ ok: false, reason: 'single-item' });
  });

  it('a Heywood case (a loading beyond 1) is refused', () => {
    // x, x + a, x − a with a independent of x: items 1 and 2 hardly correlate, each correlates 0.76
    // with item 0, so a single factor needs λ₀² = r₀₁r₀₂/r₁₂ = 4
    const rows = [2, 3, 4].flatMap((x) => [-1, 0, 0, 1].map((a) => [x, x + a, x - a]));
    const r = reliability(reliabilitySums(rows, 3));
    expect(r.omega).toEqual({ ok: false, reason: 'heywood' });
  });
});
