import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { storeKind } from '../helpers/store.ts';
import { browserAvailable, browserFixture, signInAsDemoRep, expectAccessible, pageErrors, SHOTS } from '../helpers/browser.ts';
import { DEMO_PASSWORD, seedDemo } from '../../server/demo/demo.ts';
import { testKeys } from '../helpers/app.ts';

const OUT = 'test-results';

describe.runIf(browserAvailable)(`a rep in Chromium (${storeKind})`, () => {
  const f = browserFixture((store) => seedDemo(store.db, testKeys(store.db), 5));

  it('draws every sealed wave’s charts without a script error, the first wave (no earlier one to compare) included', async () => {
    const context = await f.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors = pageErrors(page);
    await signInAsDemoRep(page, f.base);
    for (const wave of ['Demo voorjaar 2025', 'Demo najaar 2025']) {
      await page.getByRole('link', { name: 'Demo Atheneum Scheldeland' }).first().click();
      await page.getByRole('link', { name: wave, exact: true }).click();
      await page.waitForSelector('figure[data-chart="favourable"]:not([hidden]) canvas');
      await page.waitForTimeout(200);
      const drawn = await page.evaluate(
        () =>
          [...document.querySelectorAll<HTMLCanvasElement>('figure[data-chart]:not([hidden]) canvas')].filter((c) => c.width > 0).length,
      );
      expect(drawn, wave).toBeGreaterThan(2);
      expect(errors, wave).toEqual([]);
      await page.goto(`${f.base}/home`);
    }
    await context.close();
  });

  it('signs in, opens a school dashboard, switches to English, and prints the report to PDF', async () => {
    const context = await f.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors = pageErrors(page);

    await page.goto(`${f.base}/login`);
    await expectAccessible(page, 'login');
    await page.getByLabel('E-mailadres').fill('rep.secundair@demo.schoolpols.be');
    await page.getByLabel('Wachtwoord').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Aanmelden' }).click();
    await page.waitForURL(/\/home$/);
    await expectAccessible(page, 'rep home');
    const schools = await page.locator('table.data tbody th a').allTextContents();
    expect(schools).toEqual(['Demo Atheneum Scheldeland', 'Demo Sint-Lutgardiscollege']);

    await page.getByRole('link', { name: 'Demo Atheneum Scheldeland' }).click();
    await page.getByRole('link', { name: 'Demo najaar 2025', exact: true }).click();
    await page.waitForSelector('figure[data-chart="themes"]:not([hidden]) canvas');
    // "At a glance" comes first: right after the heading, and on a phone within the first screen.
    const glanceFirst = () =>
      page.evaluate(() => {
        const h1 = document.querySelector('main h1')!;
        const glance = document.querySelector('section.glance')!;
        return {
          next: h1.nextElementSibling === glance,
          top: glance.getBoundingClientRect().top + window.scrollY,
          items: glance.querySelectorAll('li').length,
        };
      });
    const wide = await glanceFirst();
    expect(wide.next).toBe(true);
    expect(wide.items).toBeGreaterThan(2);
    expect(await page.getAttribute('html', 'lang')).toBe('nl');
    expect(await page.textContent('table.themes')).toMatch(/\d,\d\d/); // decimal comma in Dutch
    await expectAccessible(page, 'dashboard (nl)');
    await page.screenshot({ path: `${SHOTS}/dashboard-1280.png`, fullPage: true });

    await page.getByRole('button', { name: 'English' }).click();
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    expect(await page.textContent('h2#themes')).toBe('Themes compared');
    expect(await page.textContent('table.themes')).toMatch(/\d\.\d\d/);
    await expectAccessible(page, 'dashboard (en)');

    await page.setViewportSize({ width: 360, height: 740 });
    expect((await glanceFirst()).top).toBeLessThan(740);
    // No chart label drawn past the canvas's edge: each fits the room its axis has.
    await page.waitForTimeout(300); // Chart.js follows its box on the next frames
    const clipped = await page.evaluate(() => {
      type Scale = { ticks: Array<{ label: string | string[] }>; width: number; left: number; options: { ticks: { font: unknown } } };
      const chartjs = (
        globalThis as unknown as {
          Chart: {
            getChart(
              c: HTMLCanvasElement,
            ): { options: { indexAxis?: string }; scales: Record<string, Scale>; ctx: CanvasRenderingContext2D } | undefined;
            helpers: { toFont(f: unknown): { string: string } };
          };
        }
      ).Chart;
      const out: string[] = [];
      let checked = 0;
      for (const canvas of document.querySelectorAll<HTMLCanvasElement>('figure[data-chart]:not([hidden]) canvas')) {
        const chart = chartjs.getChart(canvas);
        if (!chart || chart.options.indexAxis !== 'y') continue;
        const y = chart.scales['y']!;
        chart.ctx.save();
        chart.ctx.font = chartjs.helpers.toFont(y.options.ticks.font).string;
        for (const t of y.ticks) {
          checked++;
          const text = Array.isArray(t.label) ? t.label.join(' ') : t.label;
          if (chart.ctx.measureText(text).width > y.width + y.left) out.push(text);
        }
        chart.ctx.restore();
      }
      return { out, checked };
    });
    expect(clipped.checked).toBeGreaterThan(40);
    expect(clipped.out).toEqual([]);
    await page.screenshot({ path: `${SHOTS}/dashboard-360.png`, fullPage: true });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    // On a phone the wide tables scroll sideways: each such region must be reachable by keyboard
    // (axe's scrollable-region-focusable), and there must be some, or this proves nothing.
    expect(
      await page.evaluate(() => [...document.querySelectorAll('.table-wrap')].filter((e) => e.scrollWidth > e.clientWidth).length),
    ).toBeGreaterThan(0);
    await expectAccessible(page, 'dashboard (en) at 360 px');

    await page.setViewportSize({ width: 1280, height: 900 });
    await page.getByRole('link', { name: 'Printable report' }).click();
    await page.waitForSelector('.report');
    await expectAccessible(page, 'report (en)');
    await page.setViewportSize({ width: 360, height: 740 });
    await expectAccessible(page, 'report (en) at 360 px');
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.emulateMedia({ media: 'print' });
    const pdf = `${OUT}/report.pdf`;
    await page.pdf({ path: pdf, format: 'A4', printBackground: true });
    expect(statSync(pdf).size).toBeGreaterThan(20_000);
    expect(errors).toEqual([]);

    // The language choice persists for this user in a new session.
    const second = await f.browser.newContext();
    const p2 = await second.newPage();
    await signInAsDemoRep(p2, f.base);
    expect(await p2.getAttribute('html', 'lang')).toBe('en');
    await second.close();
    await context.close();
  });
});
