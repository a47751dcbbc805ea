import type { TFunction } from 'i18next';
import type { Lang } from '../platform/i18n.ts';
import { asciiFilename, BRAND, deckFile, FULL, H, M, MUTED, newDeck, SERIES, xmlSafe } from '../dashboards/slides.ts';
import type { NetworkReportView, TrendScope } from './network-report.ts';

/**
 * The network report as slides (issue 20), for the union to present: the printable report's
 * sections with native charts. Made only from the report's view-model — the one path through
 * disclosure control — so a withheld number arrives as its reason in words, a withheld chart value
 * as null (no bar), and nothing here reads the store or the analysis.
 */

/** Earlier waves in greys, lighter the older; this wave in the brand colour, so it stands out in every trend chart. */
const PAST = ['D5DBE1', 'B7C0CA', '9AA5B1', '7D8995', '606C78'];
const waveColours = (waves: number) =>
  Array.from({ length: waves }, (_, i) => (i === waves - 1 ? BRAND : PAST[Math.max(0, PAST.length - (waves - 1) + i)]!));

export async function networkSlides(input: NetworkReportView, lang: Lang, t: TFunction): Promise<Buffer> {
  const view = xmlSafe(input);
  const { pptx, text, heading, table, tableOptions, chartText } = await newDeck(lang);
  pptx.title = t('networkReport.title', { wave: view.waveName });
  const note = (slide: ReturnType<typeof pptx.addSlide>, words: string, y = 1.0, h = 0.6) =>
    slide.addText(words, { ...text, x: M, y, w: FULL, h, fontSize: 11, color: MUTED, valign: 'top' });
  const barChart = {
    ...chartText,
    barDir: 'bar' as const,
    barGrouping: 'clustered' as const,
    // Top to bottom in the table's order (a bar chart's first category is otherwise at the bottom).
    catAxisOrientation: 'maxMin' as 'minMax',
    // The answer scale: 1 (strongly disagree) to 5 (strongly agree).
    valAxisMinVal: 1,
    valAxisMaxVal: 5,
    valAxisMajorUnit: 1,
    showValue: true,
    dataLabelFormatCode: '0.00',
    dataLabelFontSize: 8,
  };
  const labels = view.themes.map((th) => th.label);

  // 1. Title, response, and which groups this wave does not show (named, never numbered).
  const cover = pptx.addSlide();
  cover.addText(t('networkReport.kicker'), { ...text, x: M, y: 0.4, w: FULL, h: 0.4, fontSize: 14, color: MUTED });
  cover.addText(t('networkReport.title', { wave: view.waveName }), {
    ...text,
    ...{ x: M, y: 0.8, w: FULL, h: 1.2, fontSize: 32, bold: true, color: BRAND, valign: 'top' as const },
  });
  cover.addText(
    [
      { text: t('networkReport.intro'), options: { breakLine: true } },
      { text: t('networkReport.response', { n: view.respondents.text, rate: view.rate.text }), options: { breakLine: true } },
      ...(view.withheldScopes.length ? [{ text: t('networkReport.withheldGroups', { groups: view.withheldScopes.join('; ') }) }] : []),
    ],
    { ...text, x: M, y: 2.2, w: FULL, h: 4.5, fontSize: 16, valign: 'top', paraSpaceAfter: 10 },
  );

  // 2. This wave's themes for the network and each released group: the chart, and the table it is read with.
  const themes = pptx.addSlide();
  heading(themes, t('networkReport.themesTitle'));
  const charted = view.scopes.some((s) => s.means.some((m) => m.value !== null));
  if (charted) {
    themes.addChart(
      pptx.ChartType.bar,
      // A withheld value stays null: pptxgenjs writes an empty point, so there is no bar (its types ask for numbers).
      view.scopes.map((s) => ({ name: s.label, labels, values: s.means.map((m) => m.value) as number[] })),
      {
        ...barChart,
        x: M,
        y: 1.2,
        w: 6.2,
        h: 5.9,
        title: t('networkReport.slides.themesChart'),
        altText: t('networkReport.slides.themesChart'),
        chartColors: SERIES,
      },
    );
  }
  const tableWidth = charted ? FULL - 6.4 : FULL;
  const scopeWidth = Math.min(1.6, (tableWidth * 0.6) / Math.max(1, view.scopes.length));
  themes.addTable(
    table([
      [t('dashboard.theme'), ...view.scopes.map((s) => s.label)],
      ...view.themes.map((th, ti) => [
        th.label,
        ...view.scopes.map((s) => `${s.favourable[ti]!.text} · ${t('networkReport.meanShort')} ${s.means[ti]!.text}`),
      ]),
      [t('networkReport.respondents'), ...view.scopes.map((s) => s.n.text)],
    ]),
    {
      ...tableOptions(charted ? M + 6.4 : M, 1.2, [tableWidth - scopeWidth * view.scopes.length, ...view.scopes.map(() => scopeWidth)]),
      fontSize: 9,
    },
  );

  // 3. Each group over the waves: one chart (a series a wave), then its table with CIs and the change.
  for (const scope of view.trends) trendSlides(scope);

  function trendSlides(scope: TrendScope) {
    const series = scope.waves.map((wave, wi) => ({
      name: wave,
      labels,
      values: scope.themes.map((th) => th.points[wi]!.mean?.value ?? null) as number[],
    }));
    // No chart of nothing: a group every wave withheld has only its table, which says why.
    if (series.some((s) => s.values.some((v) => v !== null))) {
      const chart = pptx.addSlide();
      heading(chart, `${t('networkReport.trends.title')} · ${scope.label}`);
      chart.addChart(pptx.ChartType.bar, series, {
        ...barChart,
        x: M,
        y: 1.1,
        w: FULL,
        h: H - 1.4,
        title: t('networkReport.slides.trendChart', { scope: scope.label }),
        altText: t('networkReport.slides.trendChart', { scope: scope.label }),
        chartColors: waveColours(scope.waves.length),
      });
    }
    const slide = pptx.addSlide();
    heading(slide, t('networkReport.slides.trendTable', { scope: scope.label }));
    const cell = (p: TrendScope['themes'][number]['points'][number]) =>
      p.withheld ?? `${p.mean!.text} (${p.ci})\n${t('networkReport.trends.favourable')}: ${p.favourable!.text}`;
    const waveWidth = Math.min(2.4, 7.5 / scope.waves.length);
    const themeWidth = 2.3;
    slide.addTable(
      table([
        [t('dashboard.theme'), ...scope.waves, t('networkReport.trends.change')],
        ...scope.themes.map((th) => [th.label, ...th.points.map(cell), th.points.at(-1)!.change]),
      ]),
      {
        ...tableOptions(M, 1.1, [themeWidth, ...scope.waves.map(() => waveWidth), FULL - themeWidth - waveWidth * scope.waves.length]),
        fontSize: scope.waves.length > 3 ? 7 : 8,
      },
    );
  }

  // 4. Priorities, risk-analysis domains and measurement quality per theme.
  const domains = pptx.addSlide();
  heading(domains, t('networkReport.domainsTitle'));
  note(domains, t('networkReport.domainsIntro'));
  const priority = view.priority;
  domains.addTable(
    table([
      [t('dashboard.theme'), t('networkReport.domains'), ...(priority ? [t('networkReport.priority')] : []), t('networkReport.quality')],
      ...view.themes.map((th) => [th.label, th.domains.join(', '), ...(priority ? [th.priority!.text] : []), th.quality]),
    ]),
    { ...tableOptions(M, 1.7, priority ? [3.0, 4.0, 1.5, 3.833] : [3.0, 4.8, 4.533]), fontSize: 9 },
  );
  const lines = [
    ...(priority ? [t('networkReport.priorityNote', { question: priority.question, n: priority.n.text })] : []),
    view.qualityWithheld ?? t('networkReport.qualityNote'),
  ];
  note(domains, lines.join(' '), H - 0.9, 0.7);

  // 5. The key drivers of the network: per outcome its reading and the three themes that explain most.
  for (const d of view.drivers) {
    const slide = pptx.addSlide();
    heading(slide, `${t('drivers.link')}: ${d.label}`);
    note(slide, t('drivers.caution'), 1.0, 0.7);
    if (d.panel.refusal) {
      slide.addText(d.panel.refusal, { ...text, x: M, y: 1.8, w: FULL, h: 1.0, fontSize: 16, valign: 'top' });
      continue;
    }
    slide.addText(
      [
        { text: d.panel.reading, options: { bold: true } },
        {
          text: `${d.panel.overlap ? ` ${d.panel.overlap}` : ''} ${t('drivers.summary', { r2: d.panel.r2, interval: d.panel.r2Interval, n: d.panel.n })}`,
        },
      ],
      { ...text, x: M, y: 1.8, w: FULL, h: 1.3, fontSize: 14, valign: 'top' },
    );
    slide.addTable(
      table([
        [t('drivers.theme'), t('drivers.weight'), t('drivers.interval')],
        ...d.panel.rows.slice(0, 3).map((r) => [r.label, r.weight, r.interval]),
      ]),
      tableOptions(M, 3.3, [6.333, 2.5, 3.5]),
    );
    note(slide, t('networkReport.driversNote'), H - 0.9, 0.6);
  }

  // 6. Actions agreed after this wave: counts and group means of the advocacy view only.
  const a = view.actions;
  const actions = pptx.addSlide();
  heading(actions, t('networkReport.actions.title'));
  note(
    actions,
    `${t('networkReport.actions.intro')} ${a.nextWave ? t('networkReport.actions.next', { wave: a.nextWave, k: a.minSchools }) : t('networkReport.actions.noNext')}`,
    1.0,
    1.0,
  );
  const change = (c: { schools: string; change: string } | null) =>
    c ? t('networkReport.actions.changeCell', { change: c.change, schools: c.schools }) : '';
  actions.addTable(
    table([
      [
        t('networkReport.actions.theme'),
        t('networkReport.actions.schools'),
        t('networkReport.actions.agreed'),
        ...(a.nextWave
          ? [
              t(a.doneToday ? 'networkReport.actions.doneToday' : 'networkReport.actions.done'),
              t('networkReport.actions.withActions'),
              t('networkReport.actions.withoutActions'),
            ]
          : []),
      ],
      ...a.rows.map((r) => [
        r.theme,
        String(r.schoolsAgreed),
        String(r.agreed),
        ...(a.nextWave ? [r.done, change(r.withActions), change(r.withoutActions)] : []),
      ]),
    ]),
    { ...tableOptions(M, 2.1, a.nextWave ? [3.0, 1.6, 1.4, 1.8, 2.25, 2.283] : [6.333, 3.0, 3.0]), fontSize: 9 },
  );
  if (a.nextWave) note(actions, t('advocacy.notCausal'), H - 0.8, 0.6);

  // 7. How to read it, and what is never shown: the report's own words.
  const method = pptx.addSlide();
  heading(method, t('networkReport.methodTitle'));
  method.addText(
    [
      t('networkReport.method.k', { k: view.k }),
      t('networkReport.method.groups', { k: view.k }),
      t('networkReport.method.noSchool'),
      t('networkReport.method.favourable'),
      t('networkReport.themesNote'),
      t('networkReport.trends.changeNote'),
    ].map((line) => ({ text: line, options: { bullet: true, breakLine: true } })),
    { ...text, x: M, y: 1.1, w: FULL, h: H - 1.4, fontSize: 14, valign: 'top', paraSpaceAfter: 8 },
  );

  return deckFile(pptx);
}

/** `netwerkrapport_<wave>.pptx` (or `network-report_…`), ASCII only. */
export function networkSlidesFilename(view: Pick<NetworkReportView, 'waveName'>, t: TFunction): string {
  return asciiFilename([t('networkReport.slides.file'), view.waveName]);
}
