import type { TFunction } from 'i18next';
import { mapDisclosed, unavailable, type Disclosed, type GroupReport, type Stat } from '../../analysis/index.ts';
import type { Lang } from '../platform/i18n.ts';
import type { SchoolWaveResults } from './school-view.ts';
import { formatter, type Shown } from '../results/format.ts';
import { glanceView, type GlanceView } from './glance.ts';

/** The view-model of a school's dashboard and report: display text and chart data, nothing to compute in templates. */
export interface DashboardView {
  schoolId: string;
  schoolName: string;
  waveId: string;
  waveName: string;
  benchmarkLabel: string;
  networkLabel: string;
  respondents: Shown;
  codesIssued: number;
  /** slips handed out, as entered; null if never entered (the rate is then against `codesIssued`) */
  codesHandedOut: number | null;
  rate: Shown;
  k: number;
  scaleLabels: string[];
  suppressedSchool: string | null;
  /** what a rep reads first: sentences about strengths, concerns, changes and participation */
  glance: GlanceView;
  themes: ThemeView[];
  /** the outcome items (no theme): empty for a questionnaire without them */
  outcomes: OutcomeView[];
  /** the union's priorities (issue 20); null for a questionnaire without the question */
  priorities: PrioritiesView | null;
  breakdowns: BreakdownView[];
  comments: { list: readonly string[]; reason: string | null };
  /** how many shown comments concern each theme: counts, or why there are none (null: the comments themselves are withheld) */
  commentThemes: { counts: Array<{ label: string; count: number }>; reason: string | null } | null;
  chartJson: string;
}

export interface ThemeView {
  id: string;
  label: string;
  n: Shown;
  mean: Shown;
  ci: string;
  favourable: Shown;
  benchmarkMean: Shown;
  benchmarkFavourable: Shown;
  networkMean: Shown;
  networkFavourable: Shown;
  difference: Shown;
  verdict: string;
  /** what the verdict says, for colour: null when no comparison can be made */
  verdictKind: 'higher' | 'alike' | 'lower' | null;
  percentile: Shown;
  reliability: string | null;
  /** the domains of the psychosocial risk analysis the theme informs, in words (empty: none named) */
  riskDomains: string[];
  items: Array<{
    id: string;
    label: string;
    reverse: boolean;
    n: Shown;
    mean: Shown;
    favourable: Shown;
    /** the benchmark group's % favourable on the same item */
    benchmarkFavourable: Shown;
    notApplicable: Shown;
    /** share of each answer option as the teacher saw it, in the order of the scale's labels */
    percents: Shown[];
    /** the options (indexes of `percents`) that count as favourable */
    favourableOptions: number[];
  }>;
  trend: Array<{ waveName: string; mean: string; ci: string; change: string; significant: boolean }>;
}

export interface OutcomeView {
  id: string;
  label: string;
  reverse: boolean;
  n: Shown;
  mean: Shown;
  favourable: Shown;
  benchmarkFavourable: Shown;
  networkFavourable: Shown;
}

/** Per theme, the share of those who answered the priority question naming it, for school, benchmark group and network. */
export interface PrioritiesView {
  max: number;
  question: string;
  /** respondents who answered the question: the denominators */
  n: { school: Shown; benchmark: Shown; network: Shown };
  rows: Array<{ id: string; label: string; school: Shown; benchmark: Shown; network: Shown }>;
}

export interface BreakdownView {
  label: string;
  withheld: string | null;
  groups: Array<{ label: string; n: Shown; means: Shown[] }>;
}

/**
 * The outcome items and the priorities of a school beside its benchmark group and the network, each
 * number from a released report (`Disclosed`), withheld as that report's R1 for answers says.
 */
export function outcomesAndPriorities(
  data: Pick<SchoolWaveResults, 'results' | 'school' | 'benchmark' | 'network'>,
  lang: Lang,
  t: TFunction,
): { outcomes: OutcomeView[]; priorities: PrioritiesView | null } {
  const { results } = data;
  const q = results.questionnaire;
  const fmt = formatter(lang, t, results.wave.k);
  const of = (d: Disclosed<GroupReport>, f: (r: GroupReport) => Stat | number, digits = 2, suffix = '') =>
    fmt.number(mapDisclosed(d, f), digits, suffix);
  const outcomes = (q.outcomes ?? []).map((o, i) => ({
    id: o.id,
    label: o.label[lang],
    reverse: o.reverse,
    n: of(data.school, (r) => (r.outcomes[i]!.fewAnswers ? unavailable('few-answers') : r.outcomes[i]!.n), 0),
    mean: of(data.school, (r) => r.outcomes[i]!.mean),
    favourable: of(data.school, (r) => r.outcomes[i]!.favourable, 0, ' %'),
    benchmarkFavourable: of(data.benchmark.report, (r) => r.outcomes[i]!.favourable, 0, ' %'),
    networkFavourable: of(data.network, (r) => r.outcomes[i]!.favourable, 0, ' %'),
  }));
  if (!q.priority) return { outcomes, priorities: null };
  const answered = (d: Disclosed<GroupReport>) => of(d, (r) => (r.priority!.fewAnswers ? unavailable('few-answers') : r.priority!.n), 0);
  const share = (d: Disclosed<GroupReport>, ti: number) => of(d, (r) => r.priority!.themes[ti]!.share, 0, ' %');
  return {
    outcomes,
    priorities: {
      max: q.priority.max,
      question: q.priority.label[lang],
      n: { school: answered(data.school), benchmark: answered(data.benchmark.report), network: answered(data.network) },
      rows: q.themes.map((th, ti) => ({
        id: th.id,
        label: th.label[lang],
        school: share(data.school, ti),
        benchmark: share(data.benchmark.report, ti),
        network: share(data.network, ti),
      })),
    },
  };
}

export function dashboardView(data: SchoolWaveResults, lang: Lang, t: TFunction): DashboardView {
  const { results } = data;
  const q = results.questionnaire;
  const fmt = formatter(lang, t, results.wave.k);
  const school = results.schools.get(data.schoolId)!;
  const itemsById = new Map(q.themes.flatMap((th) => th.items.map((it) => [it.id, it])));
  const themeLabels = new Map(q.themes.map((th) => [th.id, th.label[lang]]));
  const respondents = fmt.count(data.respondents);
  // Against the slips handed out once entered; until then against the slips printed.
  const codes = school.codesHandedOut ?? school.codesIssued;
  const rate = fmt.rate(data.respondents, codes);
  const of = (d: Disclosed<GroupReport>, f: (r: GroupReport) => Stat | number, digits = 2, suffix = '') =>
    fmt.number(mapDisclosed(d, f), digits, suffix);

  const themes: ThemeView[] = results.layout.themes.map((theme, ti) => {
    const extra = data.themes[ti]!;
    const mine = (f: (r: GroupReport) => Stat | number, digits = 2, suffix = '') => of(data.school, f, digits, suffix);
    const ciText = fmt.interval(mapDisclosed(data.school, (r) => r.themes[ti]!.ci));
    const comparison = extra.comparison;
    const difference = fmt.number(
      mapDisclosed(comparison, (c) => c.difference),
      2,
    );
    const verdict =
      comparison.kind === 'suppressed'
        ? fmt.reason(comparison.rule)
        : !comparison.value.distinguishable.ok
          ? t(`stat.${comparison.value.distinguishable.reason}`, { k: fmt.k })
          : !comparison.value.distinguishable.value
            ? t('dashboard.notDistinguishable')
            : (difference.value ?? 0) > 0
              ? t('dashboard.higher')
              : t('dashboard.lower');
    const verdictKind =
      comparison.kind === 'suppressed' || !comparison.value.distinguishable.ok
        ? null
        : !comparison.value.distinguishable.value
          ? 'alike'
          : (difference.value ?? 0) > 0
            ? 'higher'
            : 'lower';
    const networkAlpha = data.network.kind === 'value' ? data.network.value.themes[ti]!.alpha : null;
    // A count of fewer than k answers reads "fewer than k answers", like every withheld number.
    const answers = (d: Disclosed<GroupReport>, few: (r: GroupReport) => boolean, f: (r: GroupReport) => number) =>
      of(d, (r) => (few(r) ? unavailable('few-answers') : f(r)), 0);
    const items = theme.itemIndices.map((i) => {
      const item = results.layout.items[i]!;
      const few = (r: GroupReport) => r.items[i]!.fewAnswers;
      return {
        id: item.id,
        label: itemsById.get(item.id)!.label[lang],
        reverse: item.reverse,
        n: answers(data.school, few, (r) => r.items[i]!.n),
        mean: mine((r) => r.items[i]!.mean),
        favourable: mine((r) => r.items[i]!.favourable, 0, ' %'),
        benchmarkFavourable: of(data.benchmark.report, (r) => r.items[i]!.favourable, 0, ' %'),
        // "n.v.t." is a count of people too: 1..k−1 of them read "fewer than k answers".
        notApplicable: answers(
          data.school,
          (r) => few(r) || (r.items[i]!.notApplicable > 0 && r.items[i]!.notApplicable < fmt.k),
          (r) => r.items[i]!.notApplicable,
        ),
        // On the item's own wording: the distribution is of recoded values, and a negatively worded
        // item's recoded value v is its answer option 6 − v. Mean and % favourable stay recoded.
        percents: [0, 1, 2, 3, 4].map((option) =>
          mine(
            (r) => {
              const p = r.items[i]!.distribution.percents;
              return p.ok ? p.value[item.reverse ? 4 - option : option]! : unavailable(p.reason);
            },
            0,
            ' %',
          ),
        ),
        favourableOptions: item.reverse ? [0, 1] : [3, 4],
      };
    });
    const trendRows = extra.trend.map((step, wi) => ({
      waveName: extra.trendWaves[wi]!.name,
      mean:
        step.summary === null
          ? t('dashboard.notReported')
          : step.summary.mean.ok
            ? fmt.plain(step.summary.mean.value)
            : t(`stat.${step.summary.mean.reason}`, { k: fmt.k }),
      ci: step.summary && step.summary.ci.ok ? `${fmt.plain(step.summary.ci.value.lower)} – ${fmt.plain(step.summary.ci.value.upper)}` : '',
      change: step.change.ok
        ? `${step.change.value.difference > 0 ? '+' : ''}${fmt.plain(step.change.value.difference)} (${t(step.change.value.significant ? 'dashboard.significant' : 'dashboard.notSignificant')})`
        : step.change.reason === 'small-change'
          ? t('stat.small-change', { k: fmt.k })
          : '',
      significant: step.change.ok && step.change.value.significant,
    }));
    return {
      id: theme.id,
      riskDomains: (q.themes[ti]!.riskDomains ?? []).map((d) => t(`riskDomain.${d}`)),
      label: themeLabels.get(theme.id)!,
      n: answers(
        data.school,
        (r) => r.themes[ti]!.fewAnswers,
        (r) => r.themes[ti]!.n,
      ),
      mean: mine((r) => r.themes[ti]!.mean),
      ci: ciText,
      favourable: mine((r) => r.themes[ti]!.favourable, 0, ' %'),
      benchmarkMean: of(data.benchmark.report, (r) => r.themes[ti]!.mean),
      benchmarkFavourable: of(data.benchmark.report, (r) => r.themes[ti]!.favourable, 0, ' %'),
      networkMean: of(data.network, (r) => r.themes[ti]!.mean),
      networkFavourable: of(data.network, (r) => r.themes[ti]!.favourable, 0, ' %'),
      difference,
      verdict,
      verdictKind,
      percentile: fmt.number(extra.percentile, 0),
      reliability: networkAlpha && networkAlpha.reliability === 'low' ? t('dashboard.lowReliability') : null,
      items,
      trend: trendRows,
    };
  });

  const breakdowns: BreakdownView[] = data.breakdowns.map(({ breakdown, groups }) => {
    const item = q.background.find((b) => b.id === breakdown.backgroundId)!;
    const optionLabel = (id: string | null) =>
      id === null ? t('dashboard.notAnswered') : (item.options.find((o) => o.id === id)?.label[lang] ?? id);
    return {
      label: item.label[lang],
      withheld: breakdown.rule ? fmt.reason(breakdown.rule) : null,
      groups: breakdown.rule
        ? []
        : groups
            .filter((g) => g.themes.kind === 'value')
            .map((g) => ({
              label: g.other
                ? `${t('dashboard.other')} (${g.categories.map(optionLabel).join(', ')})`
                : g.categories.map(optionLabel).join(', '),
              n: fmt.count(g.respondents),
              means: results.layout.themes.map((_, ti) =>
                fmt.number(
                  mapDisclosed(g.themes, (themes) => themes[ti]!.mean),
                  2,
                ),
              ),
            })),
    };
  });

  const benchmarkLabel = t(`benchmark.${school.benchmarkGroup}`, { defaultValue: school.benchmarkGroup });
  const chart = {
    labels: themes.map((th) => th.label),
    school: themes.map((th) => th.mean.value),
    ciLow: themes.map((th) => (th.mean.value === null ? null : ciBound(data, th.id, 'lower'))),
    ciHigh: themes.map((th) => (th.mean.value === null ? null : ciBound(data, th.id, 'upper'))),
    benchmark: themes.map((th) => th.benchmarkMean.value),
    network: themes.map((th) => th.networkMean.value),
    legend: { school: school.name, benchmark: benchmarkLabel, network: t('dashboard.network'), ci: t('dashboard.ci') },
    // % favourable per theme, the school's bar coloured by what the comparison with the benchmark says.
    favourable: {
      school: themes.map((th) => th.favourable.value),
      benchmark: themes.map((th) => th.benchmarkFavourable.value),
      network: themes.map((th) => th.networkFavourable.value),
      kind: themes.map((th) => th.verdictKind),
      // The school in its previous wave: the change since then, on the same scale.
      previous: themes.map((_, ti) => {
        const p = data.previous?.favourable;
        const stat = p && p.kind === 'value' ? p.value[ti]! : null;
        return stat && stat.ok ? stat.value : null;
      }),
      legend: {
        higher: t('dashboard.chartHigher', { benchmark: benchmarkLabel }),
        alike: t('dashboard.chartAlike'),
        lower: t('dashboard.chartLower', { benchmark: benchmarkLabel }),
        previous: data.previous ? t('dashboard.chartPrevious', { wave: data.previous.name }) : '',
      },
    },
    scale: q.scales[0]!.labels.map((l) => l[lang]),
    items: themes.map((th) => ({
      theme: th.id,
      // Shortened here, so that a negatively worded item keeps its mark when a long question is cut.
      labels: th.items.map((it) =>
        it.reverse
          ? `${shorten(it.label, CHART_LABEL - 3 - t('dashboard.favourableSide').length)} (${t('dashboard.favourableSide')})`
          : shorten(it.label, CHART_LABEL),
      ),
      percents: th.items.map((it) => it.percents.map((p) => p.value)),
    })),
    trends: themes.map((th, ti) => ({
      theme: th.id,
      waves: data.themes[ti]!.trendWaves.map((w) => w.name),
      mean: data.themes[ti]!.trend.map((s) => (s.summary && s.summary.mean.ok ? s.summary.mean.value : null)),
      low: data.themes[ti]!.trend.map((s) => (s.summary && s.summary.ci.ok ? s.summary.ci.value.lower : null)),
      high: data.themes[ti]!.trend.map((s) => (s.summary && s.summary.ci.ok ? s.summary.ci.value.upper : null)),
      significant: data.themes[ti]!.trend.map((s) => s.change.ok && s.change.value.significant),
    })),
  };

  return {
    schoolId: data.schoolId,
    schoolName: school.name,
    waveId: results.wave.id,
    waveName: results.wave.name,
    benchmarkLabel,
    networkLabel: t('dashboard.network'),
    respondents,
    codesIssued: school.codesIssued,
    codesHandedOut: school.codesHandedOut,
    rate,
    k: results.wave.k,
    scaleLabels: q.scales[0]!.labels.map((l) => l[lang]),
    suppressedSchool: data.school.kind === 'suppressed' ? fmt.reason(data.school.rule) : null,
    glance: glanceView(data, t, fmt, themeLabels, benchmarkLabel, {
      text: t(school.codesHandedOut === null ? 'report.responseRatePrinted' : 'report.responseRate', {
        respondents: respondents.text,
        codes,
        rate: rate.text,
      }),
      rate: rate.value,
      target: results.wave.responseTarget,
    }),
    themes,
    ...outcomesAndPriorities(data, lang, t),
    breakdowns,
    comments:
      data.comments.kind === 'value' ? { list: data.comments.value, reason: null } : { list: [], reason: fmt.reason(data.comments.rule) },
    commentThemes: commentThemesView(data, lang, t),
    chartJson: JSON.stringify(chart).replace(/</g, '\\u003c'),
  };
}

function ciBound(data: SchoolWaveResults, themeId: string, side: 'lower' | 'upper'): number | null {
  if (data.school.kind !== 'value') return null;
  const ti = data.results.layout.themes.findIndex((t) => t.id === themeId);
  const ci = data.school.value.themes[ti]!.ci;
  return ci.ok ? ci.value[side] : null;
}

/** The longest item label a chart shows (the browser script cuts longer ones at the same length). */
const CHART_LABEL = 48;
const shorten = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** Tag counts beside the comments; none at all when the comments are withheld (their reason says why). */
function commentThemesView(data: SchoolWaveResults, lang: Lang, t: TFunction): DashboardView['commentThemes'] {
  if (data.comments.kind !== 'value' || !data.comments.value.length) return null;
  const c = data.commentThemes;
  if (c.kind !== 'value') return { counts: [], reason: t('moderation.dashboard.tooFew', { k: data.results.wave.k }) };
  const labels = data.results.questionnaire.themes.map((th) => th.label[lang]);
  return { counts: c.value.map((count, i) => ({ label: labels[i]!, count })).filter((x) => x.count > 0), reason: null };
}
