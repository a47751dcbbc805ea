import type pptxgenjs from 'pptxgenjs';
import type { FastifyReply } from 'fastify';
import type { TFunction } from 'i18next';
import type { Lang } from '../platform/i18n.ts';
import type { DashboardView, ThemeView } from './dashboard-view.ts';
import type { ActionsOnDashboard } from '../advocacy/action-plans-view.ts';

/**
 * Slides for the local negotiation committee (issue 17): the printable report as a PowerPoint file
 * whose charts stay native, so a rep can restyle or trim them. Made only from the dashboard's
 * view-model, the one path through disclosure control: a withheld number is its `text` (why), a
 * withheld chart value is left out, and nothing here reads the store or the analysis.
 */

/** Only what the slides draw of the dashboard's chart data (server/dashboards/dashboard-view.ts `chart`). */
interface ChartData {
  labels: string[];
  school: Array<number | null>;
  benchmark: Array<number | null>;
  network: Array<number | null>;
  legend: { school: string; benchmark: string; network: string };
}

// pptxgenjs's types describe a CommonJS module (its default export under `default`); at run time
// the ES build it exports for `import` is the class itself. Either way: the class. Imported when
// the first deck is made: its source alone is ~4 MB of every server's heap, for a rare download.
type Pptx = typeof pptxgenjs.default;
let pptxClass: Promise<Pptx> | undefined;
function loadPptx(): Promise<Pptx> {
  pptxClass ??= import('pptxgenjs').then((m) => {
    const exported = m.default as unknown as Pptx & { default?: Pptx };
    return exported.default ?? exported;
  });
  return pptxClass;
}
export type Slide = pptxgenjs.default.Slide;
type TableRow = pptxgenjs.default.TableRow;

// The dashboard's colours (web/static/dashboard.js): the slides should look like what the rep saw.
export const BRAND = '0B5CAB';
export const INK = '1B1F24';
export const MUTED = '4A5560';
export const SERIES = [BRAND, 'D95F02', '8A96A3'];
const SCALE = ['B2182B', 'EF8A62', 'BABABA', '67A9CF', '2166AC'];

// 16:9, in inches.
export const W = 13.333;
export const H = 7.5;
export const M = 0.5;
export const FULL = W - 2 * M;

const PPTX_TYPE = 'application/vnd.openxmlformats-officedocument.presentationml.presentation';

/**
 * A made deck as the download: its headers only once the file exists, so an error before answers as
 * an ordinary error page (Cache-Control: no-store is set for every staff response, server/app.ts).
 */
export function sendDeck(reply: FastifyReply, file: Buffer, filename: string): FastifyReply {
  return reply.type(PPTX_TYPE).header('content-disposition', `attachment; filename="${filename}"`).send(file);
}

/**
 * A new deck in the house style, shared by the school's and the network's slides (issue 20): 16:9,
 * Arial, proofed in the reader's language, and the few ways text, tables and charts are drawn.
 */
export async function newDeck(lang: Lang) {
  const proofing = lang === 'nl' ? 'nl-BE' : 'en-GB';
  const PptxGenJS = await loadPptx();
  const pptx = new PptxGenJS();
  pptx.layout = 'LAYOUT_WIDE';
  pptx.author = 'Schoolpols';

  const text = { lang: proofing, color: INK, fontFace: 'Arial' };
  const heading = (slide: Slide, words: string) =>
    slide.addText(words, { ...text, x: M, y: 0.3, w: FULL, h: 0.7, fontSize: 26, bold: true, color: BRAND, valign: 'top' });
  // The first row is the header. Cells are text, not numbers: a withheld one says why in words.
  const table = (rows: string[][]): TableRow[] =>
    rows.map((row, r) => row.map((cell) => ({ text: cell, options: { bold: r === 0, fill: { color: r === 0 ? 'F3F5F7' : 'FFFFFF' } } })));
  const tableOptions = (x: number, y: number, colW: number[]) => ({
    ...text,
    x,
    y,
    colW,
    fontSize: 10,
    border: { type: 'solid' as const, pt: 0.5, color: '8A96A3' },
    valign: 'middle' as const,
    margin: 0.04,
  });
  const chartText = {
    lang: proofing,
    catAxisLabelFontSize: 10,
    valAxisLabelFontSize: 10,
    legendFontSize: 10,
    titleFontSize: 12,
    showTitle: true,
    showLegend: true,
    legendPos: 'b' as const,
    displayBlanksAs: 'gap',
  };
  return { pptx, text, heading, table, tableOptions, chartText };
}

/**
 * The deck as a file, in memory, never on disk. Not write({ outputType: 'nodebuffer' }): pptxgenjs
 * 4.0.1 drops the compression option there and stores every part uncompressed (about 5× the size);
 * stream() makes the same Buffer with it.
 */
export async function deckFile(pptx: InstanceType<Pptx>): Promise<Buffer> {
  return (await pptx.stream({ compression: true })) as Buffer;
}

/**
 * `plan`: the school's actions (server/advocacy/action-plans-view.ts), on slides of their own before the
 * method when there are any: staff text, written as plain text like every other string here.
 */
export async function slidesFor(input: DashboardView, lang: Lang, t: TFunction, plan?: ActionsOnDashboard): Promise<Buffer> {
  // Parsed before cleaning: JSON escapes control characters, and parsing would bring them back.
  const chart = xmlSafe(JSON.parse(input.chartJson) as ChartData);
  const view = xmlSafe(input);
  const { pptx, text, heading, table, tableOptions, chartText } = await newDeck(lang);
  pptx.title = t('slides.title', { school: view.schoolName, wave: view.waveName });

  // 1. Title and "at a glance", as at the top of the report: participation is its first sentence.
  const cover = pptx.addSlide();
  cover.addText(`${t('report.title')} · ${t('report.for')}`, { ...text, x: M, y: 0.4, w: FULL, h: 0.4, fontSize: 14, color: MUTED });
  cover.addText(view.schoolName, { ...text, x: M, y: 0.8, w: FULL, h: 0.9, fontSize: 32, bold: true, color: BRAND });
  cover.addText(t('report.cover', { wave: view.waveName }), { ...text, x: M, y: 1.7, w: FULL, h: 0.5, fontSize: 18 });
  cover.addText(t('dashboard.glance.title'), { ...text, x: M, y: 2.4, w: FULL, h: 0.5, fontSize: 18, bold: true });
  cover.addText(
    view.glance.sentences.map((s) => ({ text: sentence(s), options: { bullet: true, breakLine: true } })),
    { ...text, x: M, y: 2.9, w: FULL, h: 3.6, fontSize: 14, valign: 'top', paraSpaceAfter: 6 },
  );
  if (view.glance.note)
    cover.addText(view.glance.note, { ...text, x: M, y: 6.6, w: FULL, h: 0.6, fontSize: 11, color: MUTED, valign: 'top' });

  // 2. Themes compared: the chart of the means, and beside it the table the chart is read with.
  const themes = pptx.addSlide();
  heading(themes, t('dashboard.themesTitle'));
  // A withheld value stays null: pptxgenjs then writes an empty point, so there is no bar (its types
  // ask for numbers only, hence the casts below).
  const series = [chart.school, chart.benchmark, chart.network];
  const charted = series.some((values) => values.some((v) => v !== null));
  if (charted) {
    themes.addChart(
      pptx.ChartType.bar,
      [chart.legend.school, chart.legend.benchmark, chart.legend.network].map((name, s) => ({
        name,
        labels: chart.labels,
        values: series[s]! as number[],
      })),
      {
        ...chartText,
        x: M,
        y: 1.2,
        w: 6.2,
        h: 5.9,
        title: t('dashboard.chartThemes'),
        altText: t('dashboard.chartThemes'),
        barDir: 'bar',
        barGrouping: 'clustered',
        // Top to bottom in the table's order (a bar chart's first category is otherwise at the bottom).
        catAxisOrientation: 'maxMin' as 'minMax',
        // The answer scale: 1 (strongly disagree) to 5 (strongly agree).
        valAxisMinVal: 1,
        valAxisMaxVal: 5,
        valAxisMajorUnit: 1,
        chartColors: SERIES,
        showValue: true,
        dataLabelFormatCode: '0.00',
        dataLabelFontSize: 8,
      },
    );
  }
  const verdict = (th: ThemeView) =>
    th.difference.value === null ? th.verdict : `${th.verdict} (${th.difference.value > 0 ? '+' : ''}${th.difference.text})`;
  // Beside the chart, or across the slide when nothing could be charted.
  const themeColumns = charted ? [2.0, 1.0, 0.95, 1.98] : [4.0, 2.4, 2.4, 3.53];
  themes.addTable(
    table([
      [t('dashboard.theme'), t('dashboard.mean'), t('dashboard.favourable'), t('dashboard.verdict')],
      ...view.themes.map((th) => [th.label, th.mean.text, th.favourable.text, verdict(th)]),
    ]),
    tableOptions(charted ? M + 6.4 : M, 1.2, themeColumns),
  );

  // 3. One slide a theme: its figures, the answers to its questions, and its course over the waves.
  for (const th of view.themes) {
    const slide = pptx.addSlide();
    heading(slide, t('report.themeSection', { theme: th.label }));
    const figures = [
      { text: `${t('dashboard.mean')}: `, options: { bold: true } },
      { text: th.mean.value === null ? th.mean.text : `${th.mean.text} (${th.ci})` },
      { text: ' · ' },
      { text: `${t('dashboard.favourable')}: `, options: { bold: true } },
      { text: th.favourable.text },
      { text: ` · ${th.verdict}`, options: { breakLine: !!th.reliability } },
      ...(th.reliability ? [{ text: th.reliability, options: { color: MUTED } }] : []),
    ];
    slide.addText(figures, { ...text, x: M, y: 1.0, w: FULL, h: 0.6, fontSize: 14, valign: 'top' });

    const trend = th.trend.length >= 2 ? th.trend : [];
    const trendHeight = trend.length ? 0.4 + 0.3 * (trend.length + 1) : 0;
    const top = 1.7;
    const chartHeight = H - 0.3 - top - trendHeight;
    if (th.items.some((item) => item.percents.some((p) => p.value !== null))) {
      // The teacher's own wording and answer options; an item that is withheld says why in its label.
      const labels = th.items.map((item) => {
        const withheld = item.percents.every((p) => p.value === null) ? ` (${item.percents[0]!.text})` : '';
        return `${item.label}${item.reverse ? ` (${t('dashboard.reverse')})` : ''}${withheld}`;
      });
      slide.addChart(
        pptx.ChartType.bar,
        view.scaleLabels.map((name, option) => ({
          name,
          labels,
          values: th.items.map((item) => item.percents[option]!.value) as number[],
        })),
        {
          ...chartText,
          x: M,
          y: top,
          w: FULL,
          h: chartHeight,
          title: t('dashboard.distributionCaption'),
          altText: `${t('dashboard.distributionCaption')} · ${th.label}`,
          barDir: 'bar',
          barGrouping: 'stacked',
          barGapWidthPct: 60,
          catAxisOrientation: 'maxMin' as 'minMax',
          valAxisMinVal: 0,
          valAxisMaxVal: 100,
          valAxisMajorUnit: 20,
          chartColors: SCALE,
          // Whole percents as on the dashboard; an empty share gets no label.
          showValue: true,
          dataLabelFormatCode: '0;-0;;',
          dataLabelFontSize: 9,
          dataLabelColor: '000000',
        },
      );
    } else {
      const reason = th.items[0]?.percents[0]?.text ?? th.mean.text;
      slide.addText(t('slides.noDistribution', { reason }), { ...text, x: M, y: top, w: FULL, h: 0.6, fontSize: 14, color: MUTED });
    }
    if (trend.length) {
      const y = H - 0.3 - trendHeight;
      slide.addText(t('dashboard.trendTitle'), { ...text, x: M, y, w: FULL, h: 0.35, fontSize: 12, bold: true });
      const columns = [3.4, 1.4, 2.4, 4.0];
      slide.addTable(
        table([
          [t('dashboard.waveColumn'), t('dashboard.mean'), t('dashboard.ci'), t('dashboard.change')],
          ...trend.map((p) => [p.waveName, p.mean, p.ci, p.change]),
        ]),
        { ...tableOptions(M, y + 0.4, columns), rowH: 0.28 },
      );
    }
  }

  // 3b. Staying and the union's priorities (issue 20), as the dashboard's tables: each cell a released number or why it is withheld.
  if (view.outcomes.length) {
    const slide = pptx.addSlide();
    heading(slide, t('dashboard.outcomesTitle'));
    const header = [
      t('dashboard.item'),
      t('dashboard.n'),
      t('dashboard.mean'),
      t('dashboard.favourable'),
      view.benchmarkLabel,
      t('dashboard.network'),
    ];
    const rows = view.outcomes.map((o) => [
      o.label,
      o.n.text,
      o.mean.text,
      o.favourable.text,
      o.benchmarkFavourable.text,
      o.networkFavourable.text,
    ]);
    slide.addTable(table([header, ...rows]), tableOptions(M, 1.2, [5.333, 1.1, 1.3, 1.3, 1.6, 1.7]));
  }
  if (view.priorities) {
    const p = view.priorities;
    const slide = pptx.addSlide();
    heading(slide, t('dashboard.prioritiesTitle'));
    slide.addText(t('dashboard.prioritiesIntro', { question: p.question, max: p.max }), {
      ...text,
      ...{ x: M, y: 1.0, w: FULL, h: 0.6, fontSize: 11, color: MUTED, valign: 'top' as const },
    });
    const header = [t('dashboard.theme'), t('dashboard.schoolLabel'), view.benchmarkLabel, t('dashboard.network')];
    const rows = [
      ...p.rows.map((r) => [r.label, r.school.text, r.benchmark.text, r.network.text]),
      [t('dashboard.prioritiesAnswered'), p.n.school.text, p.n.benchmark.text, p.n.network.text],
    ];
    slide.addTable(table([header, ...rows]), tableOptions(M, 1.8, [5.333, 2.2, 2.2, 2.6]));
  }

  // 4. The comments, already released by disclosure control; a long list continues on more slides.
  const pages = view.comments.reason
    ? [[view.comments.reason]]
    : view.comments.list.length
      ? commentPages(view.comments.list)
      : [[t('dashboard.noComments')]];
  pages.forEach((page, i) => {
    const slide = pptx.addSlide();
    heading(slide, i === 0 ? t('dashboard.commentsTitle') : `${t('dashboard.commentsTitle')} (${t('slides.continued')})`);
    const listed = !view.comments.reason && view.comments.list.length > 0;
    if (listed && i === 0)
      slide.addText(t('dashboard.commentsIntro'), { ...text, x: M, y: 1.0, w: FULL, h: 0.4, fontSize: 12, color: MUTED });
    slide.addText(
      page.map((c) => ({ text: c, options: { bullet: listed, breakLine: true } })),
      { ...text, x: M, y: 1.5, w: FULL, h: H - 1.8, fontSize: 12, valign: 'top', paraSpaceAfter: 6 },
    );
  });

  // 4b. What the comments are about: the dashboard's own tag counts (`commentThemes`, counts only
  // from k shown comments), worded as the page words them; no slide when the page shows none.
  const ct = view.commentThemes;
  if (ct) {
    const slide = pptx.addSlide();
    heading(slide, t('moderation.dashboard.title'));
    const lines = ct.reason
      ? [ct.reason]
      : ct.counts.length
        ? ct.counts.map((c) => `${c.label}: ${t('moderation.dashboard.count', { count: c.count })}`)
        : [t('moderation.dashboard.none')];
    if (!ct.reason && ct.counts.length)
      slide.addText(t('moderation.dashboard.intro'), { ...text, x: M, y: 1.0, w: FULL, h: 0.4, fontSize: 12, color: MUTED });
    slide.addText(
      lines.map((line) => ({ text: line, options: { bullet: !ct.reason && ct.counts.length > 0, breakLine: true } })),
      { ...text, x: M, y: 1.5, w: FULL, h: H - 1.8, fontSize: 14, valign: 'top', paraSpaceAfter: 6 },
    );
  }

  // 5. The actions: earlier ones beside their theme's change ("you said, we did"), then this wave's plan.
  const actions = plan ? xmlSafe(plan) : null;
  const themeCell = (a: ActionsOnDashboard['current'][number]) => (a.itemLabel ? `${a.themeLabel} — ${a.itemLabel}` : a.themeLabel);
  const actionSlides = (
    title: string,
    intro: string | null,
    header: string[],
    rows: Array<{ cost: number; cells: string[] }>,
    columns: number[],
  ) => {
    actionPages(rows).forEach((page, i) => {
      const slide = pptx.addSlide();
      heading(slide, i === 0 ? title : `${title} (${t('slides.continued')})`);
      if (intro && i === 0) slide.addText(intro, { ...text, x: M, y: 1.0, w: FULL, h: 0.5, fontSize: 11, color: MUTED, valign: 'top' });
      slide.addTable(table([header, ...page.map((r) => r.cells)]), { ...tableOptions(M, 1.6, columns), fontSize: 9 });
    });
  };
  if (actions?.earlier.length) {
    actionSlides(
      t('actions.followUpTitle'),
      t('actions.followUpIntro'),
      [
        t('actions.theme'),
        t('actions.action'),
        t('actions.who'),
        t('actions.field.status'),
        `${t('actions.then', { wave: '…' })} → ${t('actions.now')}`,
        t('actions.change'),
      ],
      actions.earlier.map((a) => ({
        cost: Math.max(a.action.length, 120),
        cells: [
          `${themeCell(a)}\n${t('actions.fromWave', { wave: a.fromWave })}`,
          a.action,
          `${a.carrier}\n${t('actions.dueLabel')}: ${a.due}`,
          a.statusLabel,
          a.then === null ? t('actions.themeNotAsked') : `${a.then} → ${a.now}`,
          a.then === null ? '' : a.changes.map((c) => `${c.waveName}: ${c.change}`).join('\n'),
        ],
      })),
      [2.1, 3.9, 1.8, 1.1, 1.5, 1.933],
    );
  }
  if (actions?.current.length) {
    actionSlides(
      t('actions.currentTitle'),
      null,
      [t('actions.theme'), t('actions.action'), t('actions.who'), t('actions.dueLabel'), t('actions.field.status')],
      actions.current.map((a) => ({
        cost: Math.max(a.action.length, 120),
        cells: [themeCell(a), a.action, a.carrier, a.due, a.statusLabel],
      })),
      [2.6, 5.2, 1.9, 1.5, 1.133],
    );
  }

  // 6. How to read it, and what is never shown: the report's own words.
  const method = pptx.addSlide();
  heading(method, t('report.methodTitle'));
  method.addText(
    [
      { text: t('report.method'), options: { breakLine: true } },
      { text: t('dashboard.distributionNote'), options: { breakLine: true } },
      { text: t('report.privacyTitle'), options: { bold: true, fontSize: 18, breakLine: true, paraSpaceBefore: 12 } },
      { text: t('report.privacy', { k: view.k }) },
    ],
    { ...text, x: M, y: 1.1, w: FULL, h: H - 1.4, fontSize: 14, valign: 'top', paraSpaceAfter: 8 },
  );

  return deckFile(pptx);
}

/** A safe ASCII file name from the school's and wave's names (a header cannot carry more). */
export function slidesFilename(view: Pick<DashboardView, 'schoolName' | 'waveName'>): string {
  return asciiFilename([view.schoolName, view.waveName]);
}

/** `<part>_<part>.pptx` in ASCII letters, digits and dashes only (a header cannot carry more). */
export function asciiFilename(parts: readonly string[]): string {
  const ascii = (s: string) =>
    s
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .replace(/[^A-Za-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '');
  const name = parts
    .map(ascii)
    .filter(Boolean)
    .join('_')
    .slice(0, 120)
    .replace(/[-_]+$/, '');
  return `${name || 'schoolpols'}.pptx`;
}

/** A sentence of "at a glance" as the page writes it (web/views/_glance.eta). */
function sentence(s: DashboardView['glance']['sentences'][number]): string {
  return s.text + s.themes.map((th, i) => ` ${th.label}${th.value ? ` (${th.value})` : ''}${i < s.themes.length - 1 ? ';' : '.'}`).join('');
}

/** Comments in slide-sized pages: about what fits at 12 pt on a slide, never split within one. */
function commentPages(list: readonly string[], budget = 1400): string[][] {
  const pages: string[][] = [[]];
  let used = 0;
  for (const c of list) {
    const cost = Math.max(c.length, 100);
    if (used + cost > budget && pages[pages.length - 1]!.length) {
      pages.push([]);
      used = 0;
    }
    pages[pages.length - 1]!.push(c);
    used += cost;
  }
  return pages;
}

/** Actions in slide-sized pages, like the comments: never more than five, never split within one. */
function actionPages<T extends { cost: number }>(rows: readonly T[], budget = 1300): T[][] {
  const pages: T[][] = [[]];
  let used = 0;
  for (const r of rows) {
    const last = pages[pages.length - 1]!;
    if ((used + r.cost > budget || last.length >= 5) && last.length) {
      pages.push([]);
      used = 0;
    }
    pages[pages.length - 1]!.push(r);
    used += r.cost;
  }
  return pages;
}

/**
 * Every string without the characters XML 1.0 forbids. A teacher's comment may hold any character;
 * pptxgenjs escapes markup but not these, and one of them would make the whole file unreadable.
 */
export function xmlSafe<T>(value: T): T {
  if (typeof value === 'string') return value.replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '') as T;
  if (Array.isArray(value)) return value.map(xmlSafe) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, xmlSafe(v)])) as T;
  return value;
}
