import type { TFunction } from 'i18next';
import {
  ALPHA_THRESHOLD,
  CFA_MIN_RESPONDENTS,
  CFA_RESPONDENTS_PER_PARAMETER,
  FIT_CUTOFFS,
  ITEM_REST_THRESHOLD,
  type Stat,
} from '../../analysis/index.ts';
import type { Questionnaire } from '../../surveys/schema.ts';
import { itemsInOrder } from '../../surveys/load.ts';
import { formatNumber, type Lang } from '../platform/i18n.ts';
import type { WaveResults } from '../results/wave-results.ts';
import type { QualityReport } from './quality.ts';
import { qualityColumns } from './quality-csv.ts';

/** A number as the page shows it: text, and whether it crosses its threshold (said in words, not colour alone). */
export interface ShownNumber {
  text: string;
  flagged: boolean;
}

export interface QualityView {
  waveName: string;
  k: number;
  /** why nothing is shown (the network group is withheld), or null */
  withheld: string | null;
  respondents: string;
  thresholds: {
    alpha: string;
    itemRest: string;
    cfaMinimum: number;
    perParameter: number;
    cfi: string;
    tli: string;
    rmsea: string;
    srmr: string;
  };
  themes: Array<{
    id: string;
    label: string;
    withheld: string | null;
    n: string;
    alpha: ShownNumber;
    stdAlpha: ShownNumber;
    omega: ShownNumber;
    weakItems: number;
    items: Array<{
      id: string;
      label: string;
      reverse: boolean;
      itemRest: ShownNumber;
      alphaIfDeleted: ShownNumber;
      weak: boolean;
      why: string;
    }>;
  }>;
  model:
    | {
        ok: true;
        n: string;
        chiSquare: string;
        df: number;
        improper: boolean;
        indices: Array<{ name: string; value: string; cutoff: string; meets: boolean }>;
      }
    | { ok: false; text: string }
    | null;
  csv: { standard: string; excel: string };
  columns: Array<{ name: string; description: string }>;
}

export function qualityView(results: WaveResults, report: QualityReport, lang: Lang, t: TFunction): QualityView {
  const k = results.wave.k;
  const f3 = (x: number) => formatNumber(lang, x, 3);
  const f2 = (x: number) => formatNumber(lang, x, 2);
  const stat = (s: Stat, flagged: (x: number) => boolean): ShownNumber =>
    s.ok ? { text: f3(s.value), flagged: flagged(s.value) } : { text: t(`stat.${s.reason}`, { k }), flagged: false };
  const q: Questionnaire = results.questionnaire;
  const items = itemsInOrder(q);
  const quality = report.quality;
  const base = `/research/waves/${results.wave.id}`;

  const themes = results.layout.themes.map((theme, ti) => {
    const label = q.themes[ti]!.label[lang];
    const tq = quality?.themes[ti];
    const none = { text: '', flagged: false };
    if (!tq || tq.withheld) {
      return {
        id: theme.id,
        label,
        withheld: t('quality.themeWithheld', { k }),
        n: '',
        alpha: none,
        stdAlpha: none,
        omega: none,
        weakItems: 0,
        items: [],
      };
    }
    const r = tq.reliability;
    const alpha = stat(r.alpha.alpha, (x) => x < ALPHA_THRESHOLD);
    const alphaValue = r.alpha.alpha.ok ? r.alpha.alpha.value : null;
    return {
      id: theme.id,
      label,
      withheld: null,
      n: formatNumber(lang, r.n, 0),
      alpha,
      stdAlpha: stat(r.standardizedAlpha, () => false),
      omega: r.omega.ok
        ? { text: f3(r.omega.value), flagged: r.omega.value < ALPHA_THRESHOLD }
        : { text: t(`quality.omegaReason.${r.omega.reason}`), flagged: false },
      weakItems: r.weakItems.length,
      items: theme.itemIndices.map((i, j) => {
        const it = r.perItem[j]!;
        const why = [it.lowItemRest ? t('quality.why.lowItemRest') : null, it.alphaRises ? t('quality.why.alphaRises') : null]
          .filter(Boolean)
          .join('; ');
        return {
          id: items[i]!.id,
          label: items[i]!.label[lang],
          reverse: items[i]!.reverse,
          itemRest: stat(it.itemRest, (x) => x < ITEM_REST_THRESHOLD),
          alphaIfDeleted: stat(it.alphaIfDeleted, (x) => alphaValue !== null && x > alphaValue),
          weak: it.weak,
          why,
        };
      }),
    };
  });

  let model: QualityView['model'] = null;
  const m = quality?.model;
  if (m && m.ok) {
    const fit = m.fit;
    model = {
      ok: true,
      n: formatNumber(lang, fit.n, 0),
      chiSquare: formatNumber(lang, fit.chiSquare, 1),
      df: fit.df,
      improper: fit.improper,
      indices: [
        { name: 'CFI', value: f3(fit.cfi), cutoff: `≥ ${f2(FIT_CUTOFFS.cfi)}`, meets: fit.cfi >= FIT_CUTOFFS.cfi },
        { name: 'TLI', value: f3(fit.tli), cutoff: `≥ ${f2(FIT_CUTOFFS.tli)}`, meets: fit.tli >= FIT_CUTOFFS.tli },
        { name: 'RMSEA', value: f3(fit.rmsea), cutoff: `≤ ${f2(FIT_CUTOFFS.rmsea)}`, meets: fit.rmsea <= FIT_CUTOFFS.rmsea },
        { name: 'SRMR', value: f3(fit.srmr), cutoff: `≤ ${f2(FIT_CUTOFFS.srmr)}`, meets: fit.srmr <= FIT_CUTOFFS.srmr },
      ],
    };
  } else if (m && m.reason === 'below-minimum') {
    model = {
      ok: false,
      text:
        m.n === null
          ? t('quality.cfa.belowMinimumFew', { needed: formatNumber(lang, m.minimum, 0), k })
          : t('quality.cfa.belowMinimum', { needed: formatNumber(lang, m.minimum, 0), n: formatNumber(lang, m.n, 0) }),
    };
  } else if (m) {
    model = { ok: false, text: t(`quality.cfa.reason.${m.reason}`) };
  }

  return {
    waveName: results.wave.name,
    k,
    withheld: report.withheld ? t('quality.withheld', { reason: t(`disclosure.${report.withheld}`, { k }) }) : null,
    respondents: report.respondents.kind === 'value' ? formatNumber(lang, report.respondents.value, 0) : '',
    thresholds: {
      alpha: f2(ALPHA_THRESHOLD),
      itemRest: f2(ITEM_REST_THRESHOLD),
      cfaMinimum: CFA_MIN_RESPONDENTS,
      perParameter: CFA_RESPONDENTS_PER_PARAMETER,
      cfi: f2(FIT_CUTOFFS.cfi),
      tli: f2(FIT_CUTOFFS.tli),
      rmsea: f2(FIT_CUTOFFS.rmsea),
      srmr: f2(FIT_CUTOFFS.srmr),
    },
    themes,
    model,
    csv: { standard: `${base}/quality.csv`, excel: `${base}/quality.csv?dialect=excel-nl` },
    columns: qualityColumns(results.layout).map((c) => ({ name: c.name, description: t(`quality.columns.${c.name}`) })),
  };
}
