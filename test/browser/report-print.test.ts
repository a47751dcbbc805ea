import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { storeKind } from '../helpers/store.ts';
import { browserAvailable, browserFixture, signInAsDemoRep, pageErrors } from '../helpers/browser.ts';
import { seedDemo } from '../../server/demo/demo.ts';
import { testKeys } from '../helpers/app.ts';

/**
 * Issue #17: the printed report cut its content (distribution charts stopped at ~75 %, the cover
 * chart's axis at 4, the last table columns were lost) because the charts kept the size they had on
 * the screen the rep printed from. The print layout must not depend on the window's width.
 */
const OUT = 'test-results/report-print';
const PX_PER_MM = 96 / 25.4; // CSS px at 96 dpi
const A4 = { width: 210, height: 297 }; // mm, portrait

/** The report's own `@page` rule: A4 portrait, and the margins the printable area is measured with. */
function pageRule(): { top: number; right: number; bottom: number; left: number } {
  const css = readFileSync('web/static/report.css', 'utf8');
  const rule = /@page\s*\{([^}]*)\}/.exec(css);
  expect(rule, '@page rule in report.css').not.toBeNull();
  const body = rule![1]!;
  expect(body).toMatch(/size:\s*A4\b/);
  const margin = /margin:\s*([^;]+);/.exec(body);
  expect(margin, '@page margin').not.toBeNull();
  const mm = margin![1]!
    .trim()
    .split(/\s+/)
    .map((m) => {
      expect(m).toMatch(/^\d+(\.\d+)?mm$/);
      return Number.parseFloat(m);
    });
  const [top, right = top, bottom = top, left = right] = mm as [number, number?, number?, number?];
  return { top, right, bottom, left };
}

interface Measured {
  printable: number;
  tooWide: string[];
  clipped: string[];
  charts: Array<{
    kind: string;
    label: string;
    max: number;
    lastTick: string;
    datasets: number;
    lastVisible: boolean;
    axisEnd: number;
    barEnds: number[];
  }>;
}

/**
 * Measures the print layout in the DOM. With `printTask`, it plays what Chromium does when it prints:
 * `beforeprint` is dispatched while the screen layout is still there, then the document is laid out
 * at the page's printable width and painted in the same task — no animation frame and no
 * ResizeObserver callback runs in between (so a chart that merely follows its box keeps its screen
 * size). We reproduce that inside one evaluate: dispatch `beforeprint`, pin the root element to the
 * printable width (print media is already emulated: `main` has no padding, so the root's width is
 * the page's content width), force layout, measure, then unpin and dispatch `afterprint`.
 * Without `printTask` it measures the page as it is (after the viewport was set to the printable width).
 */
async function measure(page: Page, printable: number, printTask: boolean): Promise<Measured> {
  return page.evaluate(
    ({ printable, printTask }) => {
      const root = document.documentElement;
      if (printTask) {
        window.dispatchEvent(new Event('beforeprint'));
        root.style.width = `${printable}px`;
      }
      try {
        const rootLeft = root.getBoundingClientRect().left;
        const edge = printable + 0.5; // sub-pixel rounding
        const name = (el: Element) => {
          const caption =
            el.querySelector('caption')?.textContent ??
            el.getAttribute('aria-label') ??
            el.querySelector('canvas')?.getAttribute('aria-label') ??
            '';
          return `${el.tagName.toLowerCase()}${el.className ? '.' + String(el.className).replace(/\s+/g, '.') : ''} «${caption.trim().slice(0, 60)}»`;
        };
        const report = document.querySelector('.report')!;
        const tooWide: string[] = [];
        for (const el of report.querySelectorAll('canvas, table, figure, svg, .chart-box, .table-wrap')) {
          const r = el.getBoundingClientRect();
          if (r.width === 0 && r.height === 0) continue;
          if (r.width > edge || r.left - rootLeft < -0.5 || r.right - rootLeft > edge)
            tooWide.push(`${name(el)}: ${r.left - rootLeft}…${r.right - rootLeft} px`);
        }
        const clipped: string[] = [];
        for (const el of report.querySelectorAll('table, .table-wrap')) {
          if (el.scrollWidth > el.clientWidth) clipped.push(`${name(el)}: scrollWidth ${el.scrollWidth} > clientWidth ${el.clientWidth}`);
        }
        for (const cell of report.querySelectorAll('th, td')) {
          const text = `cell «${cell.textContent!.trim().slice(0, 40)}»`;
          const right = cell.getBoundingClientRect().right - rootLeft;
          if (right > edge) clipped.push(`${text}: ends at ${right} px`);
          if (cell.scrollWidth > cell.clientWidth)
            clipped.push(`${text}: scrollWidth ${cell.scrollWidth} > clientWidth ${cell.clientWidth}`);
        }
        type ChartLike = {
          width: number;
          scales: { x: { max: number; getPixelForValue(v: number): number; ticks: Array<{ label: string | string[] }> } };
          data: { datasets: unknown[] };
          isDatasetVisible(i: number): boolean;
          getDatasetMeta(i: number): { data: Array<{ x: number }> };
        };
        const ChartJs = (window as unknown as { Chart: { getChart(c: HTMLCanvasElement): ChartLike | undefined } }).Chart;
        const charts = [...report.querySelectorAll<HTMLElement>('figure[data-chart]')].map((figure) => {
          const canvas = figure.querySelector('canvas')!;
          const chart = ChartJs.getChart(canvas);
          const kind = figure.dataset.chart!;
          const label = canvas.getAttribute('aria-label') ?? '';
          if (!chart) return { kind, label, max: NaN, lastTick: '', datasets: 0, lastVisible: false, axisEnd: Infinity, barEnds: [] };
          const r = canvas.getBoundingClientRect();
          const scale = r.width / chart.width; // CSS may scale the canvas on paper
          const toPage = (px: number) => r.left - rootLeft + px * scale;
          const last = chart.data.datasets.length - 1;
          const ticks = chart.scales.x.ticks;
          return {
            kind,
            label,
            max: chart.scales.x.max,
            lastTick: String(ticks[ticks.length - 1]?.label ?? ''),
            datasets: chart.data.datasets.length,
            lastVisible: chart.isDatasetVisible(last),
            axisEnd: toPage(chart.scales.x.getPixelForValue(chart.scales.x.max)),
            barEnds: kind === 'items' ? chart.getDatasetMeta(last).data.map((bar) => toPage(bar.x)) : [],
          };
        });
        return { printable, tooWide, clipped, charts };
      } finally {
        if (printTask) {
          root.style.width = '';
          window.dispatchEvent(new Event('afterprint'));
        }
      }
    },
    { printable, printTask },
  );
}

function expectFits(m: Measured, where: string, answers: number): void {
  expect(m.tooWide, `${where}: wider than the printable ${m.printable} px`).toEqual([]);
  expect(m.clipped, `${where}: clipped tables or cells`).toEqual([]);
  const cover = m.charts.filter((c) => c.kind === 'themes');
  expect(cover.length, `${where}: cover chart`).toBe(1);
  for (const c of cover) {
    expect(c.max, `${where}: cover axis max`).toBe(5);
    expect(c.lastTick, `${where}: cover axis last tick`).toBe('5');
    expect(c.axisEnd, `${where}: cover axis end (5) on the page`).toBeLessThanOrEqual(m.printable + 0.5);
  }
  const items = m.charts.filter((c) => c.kind === 'items');
  expect(items.length, `${where}: distribution charts`).toBeGreaterThan(1);
  for (const c of items) {
    expect(c.max, `${where}: ${c.label}: x max`).toBe(100);
    expect(c.lastTick, `${where}: ${c.label}: last tick`).toBe('100%');
    expect(c.datasets, `${where}: ${c.label}: one dataset per answer`).toBe(answers);
    expect(c.lastVisible, `${where}: ${c.label}: last answer visible`).toBe(true);
    expect(c.axisEnd, `${where}: ${c.label}: 100 % on the page`).toBeLessThanOrEqual(m.printable + 0.5);
    expect(c.barEnds.length, `${where}: ${c.label}: bars of the last answer`).toBeGreaterThan(0);
    for (const end of c.barEnds) expect(end, `${where}: ${c.label}: end of the last answer's bar`).toBeLessThanOrEqual(m.printable + 0.5);
  }
}

/** The text the report shows in print (hidden and visually-hidden text left out). */
async function visibleText(page: Page): Promise<string> {
  const texts = await page.evaluate(() => {
    const out: string[] = [];
    const walker = document.createTreeWalker(document.querySelector('.report')!, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const el = node.parentElement!;
      if (!el.checkVisibility({ visibilityProperty: true }) || el.closest('.visually-hidden, script')) continue;
      out.push(node.textContent!);
    }
    return out;
  });
  return texts.join(' ');
}

/**
 * What the PDF lacks of the text shown: letters and digits are counted (case, line breaks and
 * hyphenation set aside, as a narrow column may break a long word anywhere); a column cut off
 * loses its header and its figures. `words` names shown words not found on paper, to tell which.
 */
function missingText(shown: string, pdf: string): { characters: string[]; words: string[] } {
  const printed = execFileSync('pdftotext', [pdf, '-'], { encoding: 'utf8', maxBuffer: 64 << 20 }).toLowerCase();
  const count = (text: string) => {
    const n = new Map<string, number>();
    for (const c of text.toLowerCase().match(/[\p{L}\p{N}]/gu) ?? []) n.set(c, (n.get(c) ?? 0) + 1);
    return n;
  };
  const onPaper = count(printed);
  const characters = [...count(shown)]
    .filter(([c, n]) => n > (onPaper.get(c) ?? 0))
    .map(([c, n]) => `${c}: ${n} shown, ${onPaper.get(c) ?? 0} printed`);
  const flat = printed.replace(/[^\p{L}\p{N}]/gu, '');
  const words = [
    ...new Set(
      shown
        .toLowerCase()
        .split(/\s+/)
        .map((w) => w.replace(/[^\p{L}\p{N}]/gu, '')),
    ),
  ].filter((w) => w && !flat.includes(w));
  return { characters, words };
}

/** The raster images of a PDF (the charts) and the width each is placed at on paper, from `pdfimages -list`. */
function pdfImages(pdf: string): Array<{ page: number; inches: number }> {
  const rows = execFileSync('pdfimages', ['-list', pdf], { encoding: 'utf8' }).split('\n').slice(2);
  return rows
    .map((row) => row.trim().split(/\s+/))
    .filter((c) => c[2] === 'image')
    .map((c) => ({ page: Number(c[0]), inches: Number(c[3]) / Number(c[12]) }));
}

/** Reads the PNG pages in Chromium (no image library needed): per page, its size and where the ink is. */
async function inspectPngs(
  context: BrowserContext,
  files: string[],
  margins: { top: number; right: number; bottom: number; left: number },
  dpi: number,
) {
  const page = await context.newPage();
  try {
    return await page.evaluate(
      async ({ pngs, margins, dpi }) => {
        const near = 235; // a pixel with every channel at or above this counts as white
        return Promise.all(
          pngs.map(async (b64) => {
            const bitmap = await createImageBitmap(await (await fetch(`data:image/png;base64,${b64}`)).blob());
            const { width, height } = bitmap;
            const canvas = new OffscreenCanvas(width, height);
            const ctx = canvas.getContext('2d')!;
            ctx.drawImage(bitmap, 0, 0);
            const px = ctx.getImageData(0, 0, width, height).data;
            // Margins in device pixels, less 2 px of slack for anti-aliasing at the content's edge.
            const mm = dpi / 25.4;
            const box = {
              left: margins.left * mm - 2,
              right: width - margins.right * mm + 2,
              top: margins.top * mm - 2,
              bottom: height - margins.bottom * mm + 2,
            };
            let ink = 0;
            let inMargin = 0;
            const marginSpots: string[] = [];
            for (let y = 0; y < height; y++)
              for (let x = 0; x < width; x++) {
                const i = (y * width + x) * 4;
                if (px[i]! >= near && px[i + 1]! >= near && px[i + 2]! >= near) continue;
                ink++;
                // The side margins only: the top and bottom ones hold the running header and the page number.
                if (x < box.left || x >= box.right) {
                  inMargin++;
                  if (marginSpots.length < 5) marginSpots.push(`(${x},${y})`);
                }
              }
            return { width, height, ink, inMargin, marginSpots };
          }),
        );
      },
      { pngs: files.map((f) => readFileSync(f).toString('base64')), margins, dpi },
    );
  } finally {
    await page.close();
  }
}

/**
 * For each window width and language: the report is opened at that width, then checked three ways —
 * the print layout in the DOM (see `measure`), the PDF Chromium prints from that window (pages,
 * chart images, text; PNGs under test-results/report-print/), and the DOM again with the viewport
 * set to the printable width.
 */
describe.runIf(browserAvailable)(`the printed report fits A4 whatever the window's width (${storeKind})`, () => {
  const f = browserFixture((store) => seedDemo(store.db, testKeys(store.db), 5));
  let context: BrowserContext | undefined;
  let reportPath = '';
  afterAll(async () => {
    await context?.close();
  });

  async function signIn(): Promise<string> {
    if (reportPath) return reportPath;
    context = await f.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await signInAsDemoRep(page, f.base);
    await page.getByRole('link', { name: 'Demo Atheneum Scheldeland' }).click();
    await page.getByRole('link', { name: 'Demo najaar 2025', exact: true }).click();
    reportPath = (await page.getByRole('link', { name: 'Afdrukbaar rapport' }).getAttribute('href'))!;
    expect(reportPath).toMatch(/^\/schools\/[\w-]+\/waves\/[\w-]+\/report$/);
    await page.close();
    return reportPath;
  }

  for (const [windowWidth, lang] of [
    [1280, 'en'],
    [1280, 'nl'],
    [800, 'en'],
    [800, 'nl'],
  ] as const) {
    it(`printed from a ${windowWidth} px window (${lang})`, async () => {
      const margins = pageRule();
      const printable = (A4.width - margins.left - margins.right) * PX_PER_MM;
      const path = await signIn();
      const page = await context!.newPage();
      const errors = pageErrors(page);
      await page.setViewportSize({ width: windowWidth, height: 900 });
      await page.goto(`${f.base}${path}?lang=${lang}`);
      await page.waitForSelector('.report');
      const figures = await page.locator('.report figure[data-chart]').count();
      await page.waitForFunction((n) => document.querySelectorAll('.report figure[data-chart]:not([hidden]) canvas').length === n, figures);
      const answers = await page.evaluate(
        () => (JSON.parse(document.getElementById('chart-data')!.textContent!) as { scale: unknown[] }).scale.length,
      );
      expect(answers).toBe(5);

      await page.emulateMedia({ media: 'print' });
      await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
      expectFits(await measure(page, printable, true), `print task from ${windowWidth} px`, answers);

      // The PDF, printed from the rep's window as it is.
      const dir = `${OUT}/${lang}-${windowWidth}`;
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      const pdf = `${dir}/report.pdf`;
      const shown = await visibleText(page);
      await page.pdf({ path: pdf, format: 'A4', printBackground: true });

      // Its pages: more than one, A4 portrait, none blank, nothing in the margins.
      const dpi = 50;
      execFileSync('pdftoppm', ['-r', String(dpi), '-png', pdf, `${dir}/page`]);
      const pngs = readdirSync(dir)
        .filter((n) => n.endsWith('.png'))
        .sort()
        .map((n) => `${dir}/${n}`);
      expect(pngs.length, 'pages').toBeGreaterThan(1);
      // Every page says whose report it is and which page of how many (the @page margin boxes).
      pngs.forEach((_, i) => {
        const text = execFileSync('pdftotext', ['-f', String(i + 1), '-l', String(i + 1), pdf, '-'], { encoding: 'utf8' });
        expect(text, `page ${i + 1}: running header`).toContain('Demo Atheneum Scheldeland · Demo najaar 2025');
        expect(text, `page ${i + 1}: page number`).toMatch(new RegExp(`(^|\\s)${i + 1}\\s*/\\s*${pngs.length}(\\s|$)`));
      });
      const pages = await inspectPngs(context!, pngs, margins, dpi);
      pages.forEach((p, i) => {
        const file = pngs[i]!;
        expect(Math.abs(p.width - Math.round((A4.width / 25.4) * dpi)), `${file}: A4 width`).toBeLessThanOrEqual(1);
        expect(Math.abs(p.height - Math.round((A4.height / 25.4) * dpi)), `${file}: A4 height (portrait)`).toBeLessThanOrEqual(1);
        expect(p.ink, `${file}: blank page`).toBeGreaterThan(100);
        expect(p.inMargin, `${file}: ink in the page margin at ${p.marginSpots.join(' ')}`).toBe(0);
      });

      // Chromium clips what overflows at the edge of the printable area (the margins stay white), so
      // a cut shows in the PDF itself: a chart image placed wider than the printable area, or words
      // of the page that never made it onto paper. When the overflow is small, Chromium shrinks the
      // whole page to fit instead (smaller print that depends on the window): charts placed narrower
      // than the printable width.
      const printableInches = (A4.width - margins.left - margins.right) / 25.4;
      const images = pdfImages(pdf);
      expect(images.length, 'chart images in the PDF').toBeGreaterThan(1);
      const wideImages = images
        .filter((im) => Math.abs(im.inches / printableInches - 1) > 0.02)
        .map((im) => `page ${im.page}: ${im.inches.toFixed(2)} in`);
      expect(
        wideImages,
        `charts not placed at the printable width of ${printableInches.toFixed(2)} in (wider: cut; narrower: the page was shrunk to fit)`,
      ).toEqual([]);
      const missing = missingText(shown, pdf);
      expect(
        missing.characters,
        `text of the report missing from the PDF (words not found: ${missing.words.slice(0, 20).join(' ')})`,
      ).toEqual([]);

      // The DOM with the viewport at the printable width (print media still emulated).
      await page.setViewportSize({ width: Math.floor(printable), height: 900 });
      await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
      expectFits(await measure(page, Math.floor(printable), false), `viewport at the printable width, from ${windowWidth} px`, answers);

      // Back on screen, the charts follow their boxes again.
      await page.emulateMedia({ media: 'screen' });
      await page.setViewportSize({ width: windowWidth, height: 900 });
      await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
      const screen = await page.evaluate(() =>
        [...document.querySelectorAll('.report .chart-box')].map((box) => ({
          box: box.clientWidth,
          canvas: box.querySelector('canvas')!.getBoundingClientRect().width,
        })),
      );
      for (const s of screen) expect(Math.abs(s.canvas - s.box), 'chart fills its box on screen').toBeLessThanOrEqual(1);
      expect(errors).toEqual([]);
      await page.close();
    });
  }
});
