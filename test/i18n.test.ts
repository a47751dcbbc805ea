import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatNumber, hasKey, LANGS, translator } from '../server/platform/i18n.ts';

function files(dir: string, ext: string[]): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? files(p, ext) : ext.some((e) => p.endsWith(e)) ? [p] : [];
  });
}

function leafKeys(obj: unknown, prefix = ''): string[] {
  if (typeof obj !== 'object' || obj === null) return [prefix];
  return Object.entries(obj).flatMap(([k, v]) => leafKeys(v, prefix ? `${prefix}.${k}` : k));
}

const catalogue = (lang: string) =>
  files(`web/locales/${lang}`, ['.json'])
    .flatMap((f) => leafKeys(JSON.parse(readFileSync(f, 'utf8'))))
    .sort();

describe('message catalogues', () => {
  it('have the same keys in Dutch and English', () => {
    expect(catalogue('en')).toEqual(catalogue('nl'));
  });

  it('define every literal key used in templates and code, in both languages', () => {
    const used = new Set<string>();
    for (const f of [...files('web/views', ['.eta']), ...files('server', ['.ts'])]) {
      for (const m of readFileSync(f, 'utf8').matchAll(/\bt\(\s*'([a-zA-Z][\w.-]*[\w])'\s*[,)]/g)) used.add(m[1]!);
    }
    expect(used.size).toBeGreaterThan(20);
    // A plural key exists as its forms (`key_one`, `key_other`), chosen by the `count` it is given.
    const missing = [...used].flatMap((key) =>
      LANGS.filter((l) => !hasKey(l, key) && !hasKey(l, `${key}_other`)).map((l) => `${l}:${key}`),
    );
    expect(missing).toEqual([]);
  });

  it('remembers messages by key and options: the same question gets the same answer, a different count or value a different one', () => {
    const t = translator('nl');
    expect(translator('nl')).toBe(t);
    for (let i = 0; i < 2; i++) {
      expect(t('dashboard.glance.alike', { count: 1, benchmark: 'X' })).toBe('Het andere thema verschilt niet duidelijk van X.');
      expect(t('dashboard.glance.alike', { count: 3, benchmark: 'X' })).toBe("De andere 3 thema's verschillen niet duidelijk van X.");
      expect(t('dashboard.glance.alike', { count: 3, benchmark: 'Y' })).toBe("De andere 3 thema's verschillen niet duidelijk van Y.");
      expect(t('dashboard.mean')).toBe('Gemiddelde');
      expect(translator('en')('dashboard.mean')).toBe('Mean');
    }
  });
});

describe('numbers', () => {
  // formatNumber writes some numbers itself (issue 17): it must write exactly what Intl writes.
  it('are written exactly as Intl.NumberFormat writes them for nl-BE and en-GB', () => {
    let seed = 17;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const values = [
      0,
      -0,
      0.5,
      -0.5,
      1.5,
      2.5,
      -2.5,
      0.49999999999999994,
      999.4,
      999.5,
      -999.5,
      1000,
      1234.5,
      1e21,
      5e-324,
      -0.4,
      NaN,
      Infinity,
      // Halves in one and two decimals, some of them a binary hair either side of the half.
      0.05,
      0.15,
      0.25,
      -0.25,
      1.005,
      -1.005,
      2.675,
      0.125,
      0.375,
      -0.375,
      999.95,
      999.949,
      999.995,
      -999.995,
      -0.004,
      -0.005,
      -0.05,
      -0.049,
      0.045,
      99.995,
    ];
    for (let i = -4000; i <= 4000; i++) values.push(i / 200, i / 8, i / 2000);
    for (let i = 0; i < 20_000; i++) {
      const r = random();
      values.push(i % 3 === 0 ? (r - 0.5) * 2400 : i % 3 === 1 ? Math.round((r - 0.5) * 40_000) / 2 ** (i % 6) : r * 100);
    }
    for (const lang of LANGS)
      for (const digits of [0, 1, 2]) {
        const intl = new Intl.NumberFormat(lang === 'nl' ? 'nl-BE' : 'en-GB', {
          minimumFractionDigits: digits,
          maximumFractionDigits: digits,
        });
        const wrong = values.filter((v) => formatNumber(lang, v, digits) !== intl.format(v));
        expect(wrong.map((v) => `${v}: ${formatNumber(lang, v, digits)} ≠ ${intl.format(v)}`)).toEqual([]);
      }
  });
});
