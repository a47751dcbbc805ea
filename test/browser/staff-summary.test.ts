/**
 * The staff summary in Chromium (issue 19): the rep publishes it from the sealed dashboard, and the
 * public page — opened in a browser without any cookie — passes axe at 360 px and 1280 px, nothing
 * on it is wider than a phone, and it leaves no cookie behind. The rep's page with the new link and
 * its poster passes axe too.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { storeKind } from '../helpers/store.ts';
import { browserAvailable, browserFixture, expectAccessible, pageErrors, signInAsDemoRep, SHOTS } from '../helpers/browser.ts';
import { seedDemo } from '../../server/demo/demo.ts';
import { testKeys } from '../helpers/app.ts';

async function notWiderThan(page: Page, width: number, label: string) {
  expect(await page.evaluate(() => document.documentElement.scrollWidth), `${label}: wider than ${width} px`).toBeLessThanOrEqual(width);
  const wide = await page.evaluate(
    (w) =>
      [...document.querySelectorAll('main *')]
        .filter((e) => e.getBoundingClientRect().right > w + 0.5)
        .map((e) => e.tagName + '.' + e.className),
    width,
  );
  expect(wide, `${label}: elements past the right edge`).toEqual([]);
}

describe.runIf(browserAvailable)(`the staff summary in Chromium (${storeKind})`, () => {
  const f = browserFixture((store) => seedDemo(store.db, testKeys(store.db), 5));

  it('is published by the rep and read without cookie, accessible at 360 and 1280 px', async () => {
    const rep = await f.browser.newContext({ viewport: { width: 360, height: 740 } });
    const page = await rep.newPage();
    const errors = pageErrors(page);
    await signInAsDemoRep(page, f.base);
    await page.getByRole('link', { name: 'Demo Atheneum Scheldeland' }).first().click();
    await page.getByRole('link', { name: 'Demo najaar 2025', exact: true }).click();
    await page.getByRole('link', { name: 'Samenvatting voor het team' }).click();
    await page.waitForURL(/\/summary$/);
    await expectAccessible(page, 'summary manage page');
    await notWiderThan(page, 360, 'manage page');
    await page.getByRole('button', { name: 'Publiceer de samenvatting' }).click();
    await page.waitForSelector('#summary-link');
    await expectAccessible(page, 'summary manage page with the new link');
    await notWiderThan(page, 360, 'manage page with the new link');
    const link = await page.inputValue('#summary-link');
    expect(link).toMatch(/\/s\/[A-Za-z0-9_-]{32}$/);
    const path = new URL(link).pathname;
    // Printed, the page is the poster: the school, the QR code and the link, nothing of the rep's controls.
    await page.emulateMedia({ media: 'print' });
    expect(await page.isVisible('.summary-poster svg.qr')).toBe(true);
    expect(await page.isVisible('.summary-poster .summary-url')).toBe(true);
    for (const hidden of ['#summary-link', 'h1', '.summary-preview', 'form'])
      expect(await page.isVisible(hidden), `${hidden} in print`).toBe(false);
    await page.emulateMedia({ media: 'screen' });
    expect(errors).toEqual([]);

    // Whoever gets the link: a browser with no cookie at all.
    for (const width of [360, 1280]) {
      const visitor = await f.browser.newContext({ viewport: { width, height: 900 } });
      const p = await visitor.newPage();
      const visitorErrors = pageErrors(p);
      const res = await p.goto(`${f.base}${path}`);
      expect(res?.status()).toBe(200);
      expect(await p.textContent('h1')).toContain('Wat jullie zeiden');
      await expectAccessible(p, `summary at ${width} px`);
      if (width === 360) await notWiderThan(p, 360, 'summary at 360 px');
      await p.screenshot({ path: `${SHOTS}/staff-summary-${width}.png`, fullPage: true });
      await p.getByRole('link', { name: 'English' }).click();
      await p.waitForFunction(() => document.documentElement.lang === 'en');
      await expectAccessible(p, `summary in English at ${width} px`);
      if (width === 360) await notWiderThan(p, 360, 'summary in English at 360 px');
      expect(await visitor.cookies()).toEqual([]);
      expect(visitorErrors).toEqual([]);
      await visitor.close();
    }
    await rep.close();
  });
});
