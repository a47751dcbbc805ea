import type { TFunction } from 'i18next';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { mapDisclosed, trend, unavailable, type Disclosed, type GroupReport, type Stat } from '../../analysis/index.ts';
import { formatNumber, type Lang } from '../platform/i18n.ts';
import { formatter, type Shown } from '../results/format.ts';
import { groupResults, loadWaveResults, type WaveResults } from '../results/wave-results.ts';
import { networkResults, type NetworkResults } from './network-view.ts';
import { networkAdvocacy } from '../advocacy/network-advocacy.ts';
import { advocacyView } from '../advocacy/network-advocacy-view.ts';
import { networkView } from './network-page.ts';
import { driverReport } from '../research/drivers.ts';
import { driverPanel, outcomePhrase, type DriverPanel } from '../research/drivers-view.ts';
import { qualityReport } from '../research/quality.ts';

/**
 * The network report (issue 20): a printable A4 report of a sealed wave for the union to publish.
 * Network and benchmark-group numbers only, each from the same released values as the network view
 * (never its per-school heatmap or its spread over schools, which describe single schools), the
 * key drivers of the network, and the instrument quality of the network group; the themes over the
 * earlier sealed waves of the questionnaire key and the actions reps agreed after this wave. The page
 * and the slides (network-slides.ts) are both made from this view and nothing else.
 */
export interface NetworkReportView {
  waveId: string;
  waveName: string;
  k: number;
  respondents: Shown;
  rate: Shown;
  scopes: Array<{ label: string; n: Shown; schools: number | null; means: Shown[]; favourable: Shown[] }>;
  withheldScopes: string[];
  themes: Array<{ id: string; label: string; domains: string[]; priority: Shown | null; quality: string }>;
  priority: { question: string; n: Shown } | null;
  drivers: Array<{ id: string; label: string; panel: DriverPanel }>;
  qualityWithheld: string | null;
  /** the network and each benchmark group released in this wave, over every sealed wave of the key through it */
  trends: TrendScope[];
  actions: ReportActions;
}

export interface TrendScope {
  label: string;
  /** the sealed waves of the questionnaire key through this one, oldest first */
  waves: string[];
  themes: Array<{ id: string; label: string; points: TrendPoint[] }>;
}

export interface TrendPoint {
  wave: string;
  /** why this wave shows nothing for the group or theme (its own disclosure, or not asked); null when shown */
  withheld: string | null;
  mean: Shown | null;
  /** the 95% CI of the mean, or why there is none */
  ci: string;
  favourable: Shown | null;
  /** the change of the mean since the previous wave, with whether it is significant, or why none is shown */
  change: string;
  significant: boolean;
}

/** What reps agreed after this wave, per theme: counts and group means of the advocacy view, no school, no text. */
export interface ReportActions {
  nextWave: string | null;
  /** the next wave's sealing moment is unknown: "done" is today's status */
  doneToday: boolean;
  minSchools: number;
  rows: Array<{
    theme: string;
    schoolsAgreed: number;
    agreed: number;
    done: string;
    /** null without a next wave */
    withActions: { schools: string; change: string } | null;
    withoutActions: { schools: string; change: string } | null;
  }>;
}

export async function networkReport(db: Kysely<Database>, waveId: string, lang: Lang, t: TFunction): Promise<NetworkReportView> {
  const data = await networkResults(db, waveId);
  const { results } = data;
  const q = results.questionnaire;
  const k = results.wave.k;
  const fmt = formatter(lang, t, k);
  // Only `scopes` (network and benchmark groups) and `themes` of the network view: no school row.
  const nv = networkView(data, lang, t, 1);
  const network = results.disclosure.network();
  // Codes of the schools the network's numbers are computed over, so the rate has one set of schools.
  const included = new Set(network.schoolIds);
  const codes = [...results.schools.values()]
    .filter((s) => included.has(s.id))
    .reduce((a, s) => a + (s.codesHandedOut ?? s.codesIssued), 0);

  const quality = await qualityReport(db, results);
  const drivers = await driverReport(db, results);
  const networkDrivers = drivers.scopes.find((s) => s.scope === 'network');
  const themeLabels = q.themes.map((th) => ({ id: th.id, label: th.label[lang] }));

  const f3 = (x: number) => formatNumber(lang, x, 2);
  const qualityLine = (ti: number): string => {
    const tq = quality.quality?.themes[ti];
    if (!tq || tq.withheld) return t('networkReport.qualityWithheld', { k });
    const r = tq.reliability;
    const alpha: Stat = r.alpha.alpha;
    return t('networkReport.qualityLine', {
      alpha: alpha.ok ? f3(alpha.value) : t(`stat.${alpha.reason}`, { k }),
      omega: r.omega.ok ? f3(r.omega.value) : t(`quality.omegaReason.${r.omega.reason}`),
      n: formatNumber(lang, r.n, 0),
    });
  };

  const priorityOf = (ti: number): Shown | null =>
    q.priority
      ? fmt.number(
          mapDisclosed(data.network, (r) => (r.priority!.fewAnswers ? unavailable('few-answers') : r.priority!.themes[ti]!.share)),
          0,
          ' %',
        )
      : null;

  return {
    waveId,
    waveName: results.wave.name,
    k,
    respondents: fmt.count(network.respondents),
    rate: fmt.rate(network.respondents, codes),
    // A withheld group gets no column (its cells would only repeat why): it is named with its reason.
    scopes: nv.scopes
      .filter((s) => s.n.rule === null)
      .map((s) => ({ label: s.label, n: s.n, schools: s.schools, means: s.means, favourable: s.favourable })),
    withheldScopes: nv.scopes.filter((s) => s.n.rule !== null).map((s) => `${s.label} (${s.n.text})`),
    themes: themeLabels.map((th, ti) => ({
      ...th,
      domains: (q.themes[ti]!.riskDomains ?? []).map((d) => t(`riskDomain.${d}`)),
      priority: priorityOf(ti),
      quality: qualityLine(ti),
    })),
    priority: q.priority
      ? {
          question: q.priority.label[lang],
          n: fmt.number(
            mapDisclosed(data.network, (r) => (r.priority!.fewAnswers ? unavailable('few-answers') : r.priority!.n)),
            0,
          ),
        }
      : null,
    drivers: networkDrivers
      ? (q.outcomes ?? []).map((o, oi) => ({
          id: o.id,
          label: o.label[lang],
          panel: driverPanel(
            networkDrivers.outcomes[oi]!,
            t('dashboard.network'),
            outcomePhrase(o.id, o.label[lang], t),
            themeLabels,
            k,
            lang,
            t,
          ),
        }))
      : [],
    qualityWithheld: quality.withheld ? t('quality.withheld', { reason: t(`disclosure.${quality.withheld}`, { k }) }) : null,
    trends: await themeTrends(db, data, lang, t),
    actions: await reportActions(db, waveId, lang, t),
  };
}

/**
 * Each theme over the sealed waves of the questionnaire key through this one (design §6), for the
 * network and every benchmark group this wave releases. Each wave's numbers are that wave's own
 * release of the group (its own k, schools and decision): a group the earlier wave withheld says
 * why there, and the change is Welch's t between two released summaries only (`analysis/trend`,
 * as trends.csv and the dashboards), never across a hidden one.
 */
async function themeTrends(db: Kysely<Database>, data: NetworkResults, lang: Lang, t: TFunction): Promise<TrendScope[]> {
  const q = data.results.questionnaire;
  const waves: Array<NetworkResults['history'][number] & { results: WaveResults }> = [];
  for (const h of data.history)
    waves.push({ ...h, results: h.id === data.results.wave.id ? data.results : await loadWaveResults(db, h.id) });
  const scopes: Array<{ label: string; group: string | null }> = [
    { label: t('dashboard.network'), group: null },
    ...data.groups
      .filter((g) => g.report.kind === 'value')
      .map((g) => ({ label: t(`benchmark.${g.id}`, { defaultValue: g.id }), group: g.id })),
  ];
  const out: TrendScope[] = [];
  for (const scope of scopes) {
    const reports: Array<Disclosed<GroupReport> | null> = [];
    for (const w of waves) {
      if (scope.group === null) reports.push(w.network);
      else if (![...w.results.schools.values()].some((s) => s.benchmarkGroup === scope.group)) reports.push(null);
      else reports.push(await groupResults(db, w.results, w.results.disclosure.benchmarkGroup(scope.group)));
    }
    const themes = q.themes.map((th) => {
      const cells = waves.map((w, wi) => {
        const report = reports[wi]!;
        const ti = w.results.layout.themes.findIndex((x) => x.id === th.id);
        const theme = report?.kind === 'value' && ti >= 0 ? report.value.themes[ti]! : null;
        return { w, report, ti, theme };
      });
      const steps = trend(
        cells.map((c) => ({
          waveId: c.w.id,
          k: c.w.results.wave.k,
          summary: c.theme && !c.theme.fewAnswers ? c.theme : null,
        })),
      );
      const points = cells.map((c, i): TrendPoint => {
        const wk = c.w.results.wave.k;
        const fmt = formatter(lang, t, wk);
        const base = { wave: c.w.name, mean: null, ci: '', favourable: null, change: '', significant: false };
        if (c.report === null) return { ...base, withheld: t('networkReport.trends.notInWave') };
        if (c.report.kind === 'suppressed') return { ...base, withheld: fmt.reason(c.report.rule) };
        if (c.ti < 0) return { ...base, withheld: t('networkReport.trends.notAsked') };
        const theme = c.theme!;
        if (theme.fewAnswers) return { ...base, withheld: t('stat.few-answers', { k: wk }) };
        const released = c.report;
        const step = steps[i]!;
        const kMax = Math.max(wk, i > 0 ? cells[i - 1]!.w.results.wave.k : wk);
        const change = step.change.ok
          ? `${step.change.value.difference > 0 ? '+' : ''}${fmt.plain(step.change.value.difference)} (${t(
              step.change.value.significant ? 'dashboard.significant' : 'dashboard.notSignificant',
            )})`
          : i === 0
            ? t('stat.no-previous')
            : step.change.reason === 'no-previous'
              ? t('networkReport.trends.noComparison')
              : t(`stat.${step.change.reason}`, { k: kMax });
        return {
          ...base,
          withheld: null,
          mean: fmt.number(
            mapDisclosed(released, (r) => r.themes[c.ti]!.mean),
            2,
          ),
          ci: fmt.interval(mapDisclosed(released, (r) => r.themes[c.ti]!.ci)),
          favourable: fmt.number(
            mapDisclosed(released, (r) => r.themes[c.ti]!.favourable),
            0,
            ' %',
          ),
          change,
          significant: step.change.ok && step.change.value.significant,
        };
      });
      return { id: th.id, label: th.label[lang], points };
    });
    out.push({ label: scope.label, waves: waves.map((w) => w.name), themes });
  }
  return out;
}

/**
 * The actions section: the network advocacy view's own data and wording (issue 19), so the report
 * counts and releases exactly what that page does — schools per theme and group means over at
 * least `minSchools` schools, never a school or what an action says.
 */
async function reportActions(db: Kysely<Database>, waveId: string, lang: Lang, t: TFunction): Promise<ReportActions> {
  const view = advocacyView(await networkAdvocacy(db, waveId), [], lang, t);
  return {
    nextWave: view.nextName,
    doneToday: view.doneToday,
    minSchools: view.minSchools,
    rows: view.rows.map((r, i) => ({
      theme: r.theme,
      schoolsAgreed: r.schoolsAgreed,
      agreed: r.agreed,
      done: r.done,
      withActions: view.changes?.[i]?.withActions ?? null,
      withoutActions: view.changes?.[i]?.withoutActions ?? null,
    })),
  };
}
