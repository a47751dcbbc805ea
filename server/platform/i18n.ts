import { readdirSync, readFileSync } from 'node:fs';
import i18next, { type TFunction } from 'i18next';

export const LANGS = ['nl', 'en'] as const;
export type Lang = (typeof LANGS)[number];
export const DEFAULT_LANG: Lang = 'nl';

/**
 * Each area of the app keeps its own catalogue file (`web/locales/<lang>/<area>.json`) whose
 * top-level keys it owns; they are merged into one namespace, and a key defined twice is an error.
 */
function load(lang: Lang): Record<string, unknown> {
  const dir = new URL(`../../web/locales/${lang}/`, import.meta.url);
  const merged: Record<string, unknown> = {};
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const part = JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as Record<string, unknown>;
    for (const [key, value] of Object.entries(part)) {
      if (key in merged) throw new Error(`message catalogue ${lang}/${file}: key "${key}" is already defined in another file`);
      merged[key] = value;
    }
  }
  return merged;
}

const instance = i18next.createInstance();
await instance.init({
  resources: { nl: { translation: load('nl') }, en: { translation: load('en') } },
  lng: DEFAULT_LANG,
  fallbackLng: false,
  // Eta escapes output itself; escaping here too would double-escape.
  interpolation: { escapeValue: false },
  returnNull: false,
  initAsync: false,
});

export function isLang(value: unknown): value is Lang {
  return typeof value === 'string' && (LANGS as readonly string[]).includes(value);
}

/**
 * A language's messages, remembered: the catalogues never change while the process runs, and a page
 * asks for the same few hundred messages each time (a dashboard: about 2.5 ms of i18next per
 * request, measured; a surge of reps opening theirs at once waits for every one). Options other than
 * flat values (numbers, strings, booleans) go to i18next each time.
 */
const translators = new Map<Lang, TFunction>();
const MEMO_LIMIT = 20_000;

export function translator(lang: Lang): TFunction {
  let t = translators.get(lang);
  if (!t) {
    const fixed = instance.getFixedT(lang);
    const memo = new Map<string, string>();
    const remembered = (key: unknown, options?: unknown): unknown => {
      if (typeof key !== 'string' || !flat(options)) return (fixed as unknown as (...args: unknown[]) => unknown)(key, options);
      const id = options === undefined ? key : `${key}\u0000${JSON.stringify(options)}`;
      let text = memo.get(id);
      if (text === undefined) {
        text = fixed(key, options as Record<string, unknown>) as string;
        if (memo.size >= MEMO_LIMIT) memo.clear();
        memo.set(id, text);
      }
      return text;
    };
    translators.set(lang, (t = remembered as unknown as TFunction));
  }
  return t;
}

function flat(options: unknown): boolean {
  if (options === undefined) return true;
  if (typeof options !== 'object' || options === null) return false;
  for (const v of Object.values(options)) if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') return false;
  return true;
}

export function hasKey(lang: Lang, key: string): boolean {
  return instance.exists(key, { lng: lang });
}

/**
 * Per language and number of digits: the formatter, and the numbers it already wrote. A dashboard
 * writes some 600 numbers, most of them again and again (percentages, means to two decimals), and
 * Intl formatting costs a microsecond or more a call: remembered, a page's numbers cost a lookup.
 */
const numberFormats = new Map<string, { format: Intl.NumberFormat; written: Map<number, string> }>();

/** Numbers as people read them: decimal comma in Dutch, point in English. */
export function formatNumber(lang: Lang, value: number, digits = 1): string {
  // Whole numbers below a thousand — most of a dashboard's numbers: counts, rounded percentages —
  // are written as Intl writes them without asking it. Intl rounds half away from zero; a number
  // whose shortest decimal form ends in .5 is exactly that half, so Math.round of its size agrees.
  if (digits === 0 && Number.isFinite(value)) {
    const size = Math.round(Math.abs(value));
    if (size < 1000 && (size !== 0 || value > 0 || Object.is(value, 0))) return String(value < 0 ? -size : size);
  }
  // Means and their intervals (one or two decimals, below a thousand) likewise. Intl rounds the
  // number's shortest decimal form (0.15 is 0.2, though the double is a hair below), half away from
  // zero, and puts a minus before every negative number (-0 and what rounds to zero included).
  if ((digits === 1 || digits === 2) && Number.isFinite(value)) {
    const shortest = String(Math.abs(value));
    const point = shortest.indexOf('.');
    if (!shortest.includes('e') && (point < 0 ? shortest.length : point) <= 3) {
      const whole = point < 0 ? shortest : shortest.slice(0, point);
      const fraction = point < 0 ? '' : shortest.slice(point + 1);
      const scale = digits === 1 ? 10 : 100;
      // At most six digits: exact as a number.
      const scaled = Number(whole + fraction.slice(0, digits).padEnd(digits, '0')) + (fraction.charCodeAt(digits) >= 53 ? 1 : 0);
      if (scaled < 1000 * scale) {
        const sign = value < 0 || Object.is(value, -0) ? '-' : '';
        const decimals = String(scaled % scale).padStart(digits, '0');
        return `${sign}${Math.floor(scaled / scale)}${lang === 'nl' ? ',' : '.'}${decimals}`;
      }
    }
  }
  const key = `${lang}:${digits}`;
  let f = numberFormats.get(key);
  if (!f) {
    f = {
      format: new Intl.NumberFormat(lang === 'nl' ? 'nl-BE' : 'en-GB', { minimumFractionDigits: digits, maximumFractionDigits: digits }),
      written: new Map(),
    };
    numberFormats.set(key, f);
  }
  // -0 and 0 are one key of a Map, but not one text.
  if (Object.is(value, -0)) return f.format.format(value);
  let text = f.written.get(value);
  if (text === undefined) {
    // A bound, not a policy: forgetting costs only the formatting again.
    if (f.written.size >= 20_000) f.written.clear();
    f.written.set(value, (text = f.format.format(value)));
  }
  return text;
}
