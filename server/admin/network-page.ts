import type { TFunction } from 'i18next';
import { mapDisclosed, schoolSpread, type Disclosed, type GroupReport, type Stat } from '../../analysis/index.ts';

import type { Lang } from '../platform/i18n.ts';
import { reportableMeans, type NetworkResults } from './network-view.ts';
import { formatter, type Shown } from '../results/format.ts';

export interface NetworkView {
  waveId: string;
  waveName: string;
  themes: Array<{ id: string; label: string }>;
  scopes: Array<{ label: string; n: Shown; schools: number | null; means: Shown[]; favourable: Shown[]; alpha: Shown[] }>;
  spread: Array<{ label: string; schools: number; min: string; q1: string; median: string; q3: string; max: string }>;
  heatmap: {
    page: number;
    pages: number;
    rows: Array<{ name: string; group: string; n: Shown; rate: Shown; cells: Array<{ text: string; heat: string }> }>;
  };
  trend: Array<{ wave: string; means: Shown[] }>;
  heatLegend: Array<{ heat: string; label: string }>;
  /** themes by how many shown comments concern them, most first; or why not shown */
  commentThemes: { rows: Array<{ label: string; count: number }>; reason: string | null };
  chartJson: string;
}

export const HEATMAP_PAGE = 200;

/** Heat class of a mean: five bands on the 1–5 scale, so the table reads like a heatmap (colours in CSS). */
function heat(mean: number | null): string {
  if (mean === null) return 'heat-none';
  return mean < 2.5 ? 'heat-1' : mean < 3 ? 'heat-2' : mean < 3.5 ? 'heat-3' : mean < 4 ? 'heat-4' : 'heat-5';
}

export function networkView(data: NetworkResults, lang: Lang, t: TFunction, page: number): NetworkView {
  const { results } = data;
  const q = results.questionnaire;
  const fmt = formatter(lang, t, results.wave.k);
  const themes = q.themes.map((th) => ({ id: th.id, label: th.label[lang] }));
  const perTheme = (d: Disclosed<GroupReport>, f: (r: GroupReport, ti: number) => Stat | number, digits: number, suffix = '') =>
    themes.map((_, ti) =>
      fmt.number(
        mapDisclosed(d, (r) => f(r, ti)),
        digits,
        suffix,
      ),
    );
  const scope = (label: string, d: Disclosed<GroupReport>, schools: number | null) => ({
    label,
    n: fmt.count(mapDisclosed(d, (r) => r.respondents)),
    schools,
    means: perTheme(d, (r, ti) => r.themes[ti]!.mean, 2),
    favourable: perTheme(d, (r, ti) => r.themes[ti]!.favourable, 0, ' %'),
    alpha: perTheme(d, (r, ti) => r.themes[ti]!.alpha.alpha, 2),
  });
  const scopes = [
    scope(t('dashboard.network'), data.network, null),
    ...data.groups.map((g) => scope(t(`benchmark.${g.id}`, { defaultValue: g.id }), g.report, g.schools)),
  ];
  const spread = themes.map((th, ti) => {
    const s = schoolSpread(reportableMeans(data, ti));
    const v = (x: number) => fmt.plain(x);
    return s.ok
      ? {
          label: th.label,
          schools: s.value.schools,
          min: v(s.value.min),
          q1: v(s.value.q1),
          median: v(s.value.median),
          q3: v(s.value.q3),
          max: v(s.value.max),
        }
      : { label: th.label, schools: 0, min: '', q1: '', median: '', q3: '', max: '' };
  });
  const pages = Math.max(1, Math.ceil(data.schools.length / HEATMAP_PAGE));
  const current = Math.min(Math.max(1, page), pages);
  const rows = data.schools.slice((current - 1) * HEATMAP_PAGE, current * HEATMAP_PAGE).map((s) => ({
    name: s.name,
    group: t(`benchmark.${s.benchmarkGroup}`, { defaultValue: s.benchmarkGroup }),
    n: fmt.count(s.respondents),
    rate: fmt.rate(s.respondents, s.codesHandedOut ?? s.codesIssued),
    cells: themes.map((_, ti) => {
      const shown = fmt.number(
        mapDisclosed(s.themes, (ts) => ts[ti]!.mean),
        2,
      );
      return { text: shown.text, heat: heat(shown.value) };
    }),
  }));
  const trend = data.history.map((h) => ({ wave: h.name, means: perTheme(h.network, (r, ti) => r.themes[ti]!.mean, 2) }));
  const chart = {
    labels: themes.map((th) => th.label),
    scopes: scopes.map((s) => ({ label: s.label, means: s.means.map((m) => m.value) })),
    spread: themes.map((_, ti) => {
      const s = schoolSpread(reportableMeans(data, ti));
      return s.ok ? [s.value.min, s.value.q1, s.value.median, s.value.q3, s.value.max] : null;
    }),
    trend: {
      waves: trend.map((p) => p.wave),
      series: themes.map((th, ti) => ({ label: th.label, means: trend.map((p) => p.means[ti]!.value) })),
    },
  };
  return {
    waveId: results.wave.id,
    waveName: results.wave.name,
    themes,
    scopes,
    spread,
    heatmap: { page: current, pages, rows },
    trend,
    heatLegend: [
      { heat: 'heat-1', label: `< ${fmt.plain(2.5, 1)}` },
      { heat: 'heat-2', label: `${fmt.plain(2.5, 1)} – ${fmt.plain(3, 1)}` },
      { heat: 'heat-3', label: `${fmt.plain(3, 1)} – ${fmt.plain(3.5, 1)}` },
      { heat: 'heat-4', label: `${fmt.plain(3.5, 1)} – ${fmt.plain(4, 1)}` },
      { heat: 'heat-5', label: `≥ ${fmt.plain(4, 1)}` },
    ],
    chartJson: JSON.stringify(chart).replace(/</g, '\\u003c'),
    commentThemes: commentThemesView(data.commentThemes, themes, t, results.wave.k),
  };
}

function commentThemesView(
  counts: Disclosed<number[]>,
  themes: Array<{ label: string }>,
  t: TFunction,
  k: number,
): NetworkView['commentThemes'] {
  if (counts.kind !== 'value') return { rows: [], reason: t('moderation.network.tooFew', { k }) };
  return { rows: themes.map((th, ti) => ({ label: th.label, count: counts.value[ti]! })).sort((a, b) => b.count - a.count), reason: null };
}
