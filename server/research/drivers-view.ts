import type { TFunction } from 'i18next';
import { MIN_DRIVER_RESPONDENTS, type Disclosed } from '../../analysis/index.ts';
import { formatNumber, type Lang } from '../platform/i18n.ts';
import type { WaveResults } from '../results/wave-results.ts';
import type { DriverReport, DriverResult } from './drivers.ts';
import { driverColumns } from './drivers-csv.ts';

/** One scope's analysis of one outcome, as shown: the ranked themes, or why there are none. */
export interface DriverPanel {
  scopeLabel: string;
  /** plain-language reason when refused or withheld; null when shown */
  refusal: string | null;
  n: string;
  r2: string;
  r2Interval: string;
  /** "Werkdruk explains the largest share …", and a caution when the top two intervals overlap */
  reading: string;
  overlap: string | null;
  /** themes by weight, largest first */
  rows: Array<{ id: string; label: string; weight: string; interval: string; share: string }>;
  /** for the chart: percent of variance, in `rows` order */
  chart: { labels: string[]; weights: number[]; lower: number[]; upper: number[] } | null;
}

export interface DriversView {
  waveId: string;
  waveName: string;
  k: number;
  minimum: number;
  resamples: number;
  /** no outcome items in this questionnaire */
  none: boolean;
  outcomes: Array<{ id: string; label: string; panels: DriverPanel[] }>;
  csv: { standard: string; excel: string };
  columns: Array<{ name: string; description: string }>;
  chartJson: string;
}

/** Why a released group's analysis was refused, in plain words (an exact n only when it is at least k). */
export function refusalText(
  result: Exclude<DriverResult, { ok: true }>,
  themeLabels: readonly string[],
  k: number,
  lang: Lang,
  t: TFunction,
): string {
  const count = (n: number) => formatNumber(lang, n, 0);
  switch (result.reason) {
    case 'too-few':
      return result.n >= k
        ? t('drivers.refused.tooFew', { n: count(result.n), minimum: MIN_DRIVER_RESPONDENTS })
        : t('drivers.refused.tooFewSmall', { k, minimum: MIN_DRIVER_RESPONDENTS });
    case 'constant-outcome':
      return t('drivers.refused.constantOutcome');
    case 'constant-predictor':
      return t('drivers.refused.constantPredictor', { theme: themeLabels[result.predictor] ?? '' });
    case 'collinear':
      return t('drivers.refused.collinear', { theme: themeLabels[result.predictor] ?? '' });
    case 'unstable-bootstrap':
      return t('drivers.refused.unstable', { failed: count(result.failed), draws: count(result.draws) });
  }
}

export function driverPanel(
  d: Disclosed<DriverResult>,
  scopeLabel: string,
  outcomePhrase: string,
  themes: ReadonlyArray<{ id: string; label: string }>,
  k: number,
  lang: Lang,
  t: TFunction,
): DriverPanel {
  const empty = { n: '', r2: '', r2Interval: '', reading: '', overlap: null, rows: [], chart: null };
  if (d.kind === 'suppressed')
    return { scopeLabel, ...empty, refusal: t('drivers.withheld', { reason: t(`disclosure.${d.rule}`, { k }) }) };
  const r = d.value;
  if (!r.ok)
    return {
      scopeLabel,
      ...empty,
      refusal: refusalText(
        r,
        themes.map((th) => th.label),
        k,
        lang,
        t,
      ),
    };
  const p1 = (x: number) => formatNumber(lang, 100 * x, 1);
  const order = r.weights.map((w, j) => ({ w, j })).sort((a, b) => b.w - a.w || a.j - b.j);
  const rows = order.map(({ j }) => ({
    id: themes[j]!.id,
    label: themes[j]!.label,
    weight: `${p1(r.weights[j]!)} %`,
    interval: `${p1(r.intervals.weights[j]!.lower)} – ${p1(r.intervals.weights[j]!.upper)} %`,
    share: r.shares ? `${formatNumber(lang, 100 * r.shares[j]!, 0)} %` : '',
  }));
  const [first, second] = order;
  const overlap =
    first && second && r.intervals.weights[first.j]!.lower <= r.intervals.weights[second.j]!.upper
      ? t('drivers.overlap', { first: themes[first.j]!.label, second: themes[second.j]!.label })
      : null;
  return {
    scopeLabel,
    refusal: null,
    n: formatNumber(lang, r.n, 0),
    r2: `${p1(r.r2)} %`,
    r2Interval: `${p1(r.intervals.r2.lower)} – ${p1(r.intervals.r2.upper)} %`,
    reading: t('drivers.reading', { theme: themes[first!.j]!.label, outcome: outcomePhrase }),
    overlap,
    rows,
    chart: {
      labels: rows.map((x) => x.label),
      weights: order.map(({ j }) => 100 * r.weights[j]!),
      lower: order.map(({ j }) => 100 * r.intervals.weights[j]!.lower),
      upper: order.map(({ j }) => 100 * r.intervals.weights[j]!.upper),
    },
  };
}

/** The scope's label: the network, or the benchmark group's name. */
export const scopeLabel = (scope: 'network' | 'group', id: string, t: TFunction) =>
  scope === 'network' ? t('dashboard.network') : t(`benchmark.${id}`, { defaultValue: id });

/** How an outcome reads inside a sentence ("the intention to stay in education"); the item's wording when unknown. */
export const outcomePhrase = (id: string, label: string, t: TFunction) => t(`drivers.outcome.${id}`, { defaultValue: `“${label}”` });

export function driversView(results: WaveResults, report: DriverReport, lang: Lang, t: TFunction): DriversView {
  const q = results.questionnaire;
  const k = results.wave.k;
  const themes = q.themes.map((th) => ({ id: th.id, label: th.label[lang] }));
  const outcomes = (q.outcomes ?? []).map((o, oi) => ({
    id: o.id,
    label: o.label[lang],
    panels: report.scopes.map((s) =>
      driverPanel(s.outcomes[oi]!, scopeLabel(s.scope, s.scopeId, t), outcomePhrase(o.id, o.label[lang], t), themes, k, lang, t),
    ),
  }));
  const base = `/research/waves/${results.wave.id}`;
  const chart = outcomes.map((o) => o.panels.map((p) => p.chart));
  return {
    waveId: results.wave.id,
    waveName: results.wave.name,
    k,
    minimum: MIN_DRIVER_RESPONDENTS,
    resamples: report.resamples,
    none: outcomes.length === 0,
    outcomes,
    csv: { standard: `${base}/drivers.csv`, excel: `${base}/drivers.csv?dialect=excel-nl` },
    columns: driverColumns(results.layout).map((c) => ({ name: c.name, description: t(`drivers.columns.${c.name}`) })),
    chartJson: JSON.stringify({ axis: t('drivers.axis'), interval: t('drivers.interval'), charts: chart }).replace(/</g, '\\u003c'),
  };
}
