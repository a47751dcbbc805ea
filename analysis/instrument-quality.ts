import { cfaSteps, runSteps, type CfaFit, type CfaReason } from './cfa.ts';
import type { Layout } from './layout.ts';
import { recode } from './recode.ts';
import { reliability, type ReliabilitySums, type ThemeReliability } from './reliability.ts';

/**
 * The instrument quality report of one scope (issue 20): reliability per theme over the theme's
 * complete cases, and a CFA of the theme model over the respondents who answered every theme item.
 * Both need only n, Σx_i and Σx_i·x_j of their complete cases, so `QualityAccumulator` reads each
 * response once and keeps O(items²) numbers, whatever the size of the wave.
 */

/**
 * The CFA is refused below max(200, 10 × free parameters) complete respondents. ML estimates and
 * the χ²-based indices are large-sample results: below ~200 cases CFI and RMSEA are biased and
 * unstable (Kline 2016, ch. 9; Hu & Bentler 1999 simulated from 250 up), and 10 cases per free
 * parameter is the usual N:q floor (Bentler & Chou 1987; Jackson 2003) for the solution to be
 * trustworthy rather than merely computable.
 */
export const CFA_MIN_RESPONDENTS = 200;
export const CFA_RESPONDENTS_PER_PARAMETER = 10;

/**
 * Conventional cut-offs for the fit indices (Hu & Bentler 1999), shown beside the numbers as a
 * reading aid; they flag, they do not decide.
 */
export const FIT_CUTOFFS = { cfi: 0.95, tli: 0.95, rmsea: 0.06, srmr: 0.08 } as const;

/** The CFA's free parameters: non-marker loadings, factor (co)variances and residual variances. */
export function cfaParameters(layout: Layout): number {
  const p = layout.items.length;
  const m = layout.themes.length;
  return p - m + (m * (m + 1)) / 2 + p;
}

export function cfaMinimum(layout: Layout): number {
  return Math.max(CFA_MIN_RESPONDENTS, CFA_RESPONDENTS_PER_PARAMETER * cfaParameters(layout));
}

/**
 * One pass over raw responses (answers in `layout.items` order, as stored): each row is recoded once
 * (`recode`: reverse items 6 − x, 0 and null missing) and added to the sums of every theme it
 * completes and, when it answers every item, to the sums over all items. Sums are integers, exact in
 * doubles far beyond a network wave.
 */
export class QualityAccumulator {
  readonly #layout: Layout;
  readonly #row: Int8Array;
  readonly #themes: Array<{ n: number; sum: Float64Array; cross: Float64Array }>;
  readonly #all: { n: number; sum: Float64Array; cross: Float64Array };
  #respondents = 0;

  constructor(layout: Layout) {
    this.#layout = layout;
    const p = layout.items.length;
    this.#row = new Int8Array(p);
    this.#themes = layout.themes.map((t) => ({
      n: 0,
      sum: new Float64Array(t.itemIndices.length),
      cross: new Float64Array(t.itemIndices.length ** 2),
    }));
    this.#all = { n: 0, sum: new Float64Array(p), cross: new Float64Array(p * p) };
  }

  add(answers: readonly (number | null)[]): void {
    const items = this.#layout.items;
    const p = items.length;
    const row = this.#row;
    let complete = true;
    for (let i = 0; i < p; i++) {
      const x = recode(answers[i] ?? null, items[i]!.reverse);
      row[i] = x ?? 0;
      if (x === null) complete = false;
    }
    this.#respondents++;
    this.#layout.themes.forEach((t, ti) => {
      const idx = t.itemIndices;
      for (const i of idx) if (row[i] === 0) return;
      const s = this.#themes[ti]!;
      const k = idx.length;
      s.n++;
      for (let a = 0; a < k; a++) {
        const xa = row[idx[a]!]!;
        s.sum[a]! += xa;
        for (let b = a; b < k; b++) s.cross[a * k + b]! += xa * row[idx[b]!]!;
      }
    });
    if (!complete) return;
    const s = this.#all;
    s.n++;
    // the upper triangle only; `sums` mirrors it
    for (let a = 0; a < p; a++) {
      const xa = row[a]!;
      s.sum[a]! += xa;
      for (let b = a; b < p; b++) s.cross[a * p + b]! += xa * row[b]!;
    }
  }

  sums(): QualitySums {
    const full = (s: { n: number; sum: Float64Array; cross: Float64Array }, k: number): ReliabilitySums => {
      const crossProducts = Array.from(s.cross);
      for (let a = 0; a < k; a++) for (let b = 0; b < a; b++) crossProducts[a * k + b] = crossProducts[b * k + a]!;
      return { items: k, n: s.n, itemSum: Array.from(s.sum), crossProducts };
    };
    return {
      respondents: this.#respondents,
      themes: this.#themes.map((s, ti) => full(s, this.#layout.themes[ti]!.itemIndices.length)),
      all: full(this.#all, this.#layout.items.length),
    };
  }
}

export interface QualitySums {
  /** responses read */
  respondents: number;
  /** per theme (layout order): complete cases of the theme */
  themes: readonly ReliabilitySums[];
  /** complete cases over every theme item, items in layout order */
  all: ReliabilitySums;
}

/** A theme whose complete cases number fewer than k is withheld (design §5, R1). */
export type ThemeQuality = { withheld: true; rule: 'R1' } | { withheld: false; reliability: ThemeReliability };

export type ModelQuality =
  | { ok: true; fit: CfaFit; minimum: number }
  /** `n`: complete respondents, null when fewer than k (a count below k is never shown) */
  | { ok: false; reason: 'below-minimum'; n: number | null; minimum: number }
  | { ok: false; reason: CfaReason; n: number; minimum: number };

export interface InstrumentQuality {
  k: number;
  themes: readonly ThemeQuality[];
  model: ModelQuality;
}

export function instrumentQuality(sums: QualitySums, layout: Layout, k: number): InstrumentQuality {
  return runSteps(instrumentQualitySteps(sums, layout, k));
}

/** `instrumentQuality`, pausing between the CFA's iterations (`cfaSteps`). */
export function* instrumentQualitySteps(sums: QualitySums, layout: Layout, k: number): Generator<void, InstrumentQuality, void> {
  const themes = sums.themes.map((s): ThemeQuality =>
    s.n < k ? { withheld: true, rule: 'R1' } : { withheld: false, reliability: reliability(s) },
  );
  const minimum = cfaMinimum(layout);
  const n = sums.all.n;
  let model: ModelQuality;
  if (n < minimum) {
    model = { ok: false, reason: 'below-minimum', n: n < k ? null : n, minimum };
  } else {
    const factorOf = layout.items.map((it) => layout.themes.findIndex((t) => t.id === it.themeId));
    const result = yield* cfaSteps(sums.all, factorOf);
    model = result.ok ? { ok: true, fit: result.value, minimum } : { ok: false, reason: result.reason, n, minimum };
  }
  return { k, themes, model };
}
