import type { TFunction } from 'i18next';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { mapDisclosed, unavailable, type Stat } from '../../analysis/index.ts';
import { formatNumber, type Lang } from '../platform/i18n.ts';
import { formatter, type Shown } from '../results/format.ts';
import { networkResults } from './network-view.ts';
import { networkView } from './network-page.ts';
import { driverReport } from '../research/drivers.ts';
import { driverPanel, outcomePhrase, type DriverPanel } from '../research/drivers-view.ts';
import { qualityReport } from '../research/quality.ts';

/**
 * The network report (issue 20): a printable A4 report of a sealed wave for the union to publish.
 * Network and benchmark-group numbers only, each from the same released values as the network view
 * (never its per-school heatmap or its spread over schools, which describe single schools), the
 * key drivers of the network, and the instrument quality of the network group.
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
  };
}
