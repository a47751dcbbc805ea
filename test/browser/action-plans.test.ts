import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { storeKind } from '../helpers/store.ts';
import { browserAvailable, browserFixture, signInAsDemoRep, expectAccessible, pageErrors, SHOTS } from '../helpers/browser.ts';
import { seedDemo } from '../../server/demo/demo.ts';
import { testKeys } from '../helpers/app.ts';

/**
 * The action plan (issue 19) in Chromium: WCAG 2.1 AA (axe) at 1280 and 360 px, empty, with an
 * error and with an action; no script on the page (forms only); nothing wider than a phone; and the
 * next wave's dashboard with "you said, we did".
 */
describe.runIf(browserAvailable)(`an action plan in Chromium (${storeKind})`, () => {
  const f = browserFixture((store) => seedDemo(store.db, testKeys(store.db), 5));

  const fitsPhone = async (page: Page, label: string) => {
    await page.setViewportSize({ width: 360, height: 740 });
    await expectAccessible(page, `${label} at 360 px`);
    expect(await page.evaluate(() => document.documentElement.scrollWidth), `${label}: wider than 360 px`).toBeLessThanOrEqual(360);
    await page.setViewportSize({ width: 1280, height: 900 });
  };

  it('adds an action with forms only, accessible at 1280 and 360 px, and the next dashboard shows it', async () => {
    const db = f.store.db;
    const school = (await db.selectFrom('school').select('id').where('name', '=', 'Demo Atheneum Scheldeland').executeTakeFirstOrThrow())
      .id;
    const wave = async (name: string) => (await db.selectFrom('wave').select('id').where('name', '=', name).executeTakeFirstOrThrow()).id;
    const [first, second] = [await wave('Demo voorjaar 2025'), await wave('Demo najaar 2025')];

    const context = await f.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors = pageErrors(page);
    await signInAsDemoRep(page, f.base);

    // The first wave's plan, opened directly; the dashboard's link to its plan is followed below, on
    // the second wave.
    await page.goto(`${f.base}/schools/${school}/waves/${first}/actions`);
    // Forms only: the page loads no script, so it works as well with scripts off.
    expect(await page.locator('script').count()).toBe(0);
    await expectAccessible(page, 'empty action plan');
    await fitsPhone(page, 'empty action plan');

    // Sent empty: every problem named, each linked to its field.
    await page.getByRole('button', { name: 'Actie toevoegen' }).click();
    expect(await page.locator('#error-summary li').count()).toBeGreaterThanOrEqual(4);
    await expect(page.locator('#error-summary a[href="#f-action"]').textContent()).resolves.toBe('Afgesproken actie');
    await expectAccessible(page, 'action plan with problems');
    await fitsPhone(page, 'action plan with problems');

    await page.getByLabel('Thema', { exact: true }).selectOption({ label: 'Communicatie' });
    await page
      .getByLabel('Afgesproken actie', { exact: true })
      .fill('Een vaste wekelijkse nieuwsbrief van de directie, met de agenda van het LOC');
    await page.getByLabel('Wie draagt de actie').selectOption('andere');
    await page.getByLabel('Welke groep of rol (kort)').fill('werkgroep communicatie');
    await page.getByLabel('Tegen wanneer').fill('2027-06-30');
    await page.getByLabel('Notitie (niet verplicht)').first().fill('Afgesproken op het LOC van mei');
    await page.getByRole('button', { name: 'Actie toevoegen' }).click();
    await page.waitForURL(/\?done=created#action-/);
    await expect(page.locator('.action-card h3').first().textContent()).resolves.toContain('Communicatie');
    await expectAccessible(page, 'action plan with an action');
    await page.screenshot({ path: `${SHOTS}/action-plan-1280.png`, fullPage: true });
    await fitsPhone(page, 'action plan with an action');
    await page.setViewportSize({ width: 360, height: 740 });
    await page.screenshot({ path: `${SHOTS}/action-plan-360.png`, fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });

    // A status change through the action's own form.
    await page.locator('.action-card select[name="status"]').first().selectOption('in_progress');
    await page.getByRole('button', { name: 'Toevoegen aan het verloop' }).first().click();
    await page.waitForURL(/\?done=noted#action-/);
    expect(await page.locator('.action-card .history li').count()).toBe(2);
    await context.close();

    // The next wave's dashboard, with scripts as usual: the action beside its theme's change.
    const withScripts = await f.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const dash = await withScripts.newPage();
    const dashErrors = pageErrors(dash);
    await signInAsDemoRep(dash, f.base);
    await dash.goto(`${f.base}/schools/${school}/waves/${second}`);
    await dash.waitForSelector('figure[data-chart="themes"]:not([hidden]) canvas');
    await expect(dash.locator('#follow-up').textContent()).resolves.toBe('Jullie zeiden, wij deden');
    await expect(dash.locator('.follow-up .action-card').first().textContent()).resolves.toContain('Een vaste wekelijkse nieuwsbrief');
    await expectAccessible(dash, 'dashboard with actions');
    expect(await dash.getByRole('link', { name: 'Actieplan bekijken of aanvullen' }).getAttribute('href')).toBe(
      `/schools/${school}/waves/${second}/actions`,
    );
    await dash.setViewportSize({ width: 360, height: 740 });
    await dash.waitForTimeout(300); // Chart.js follows its box on the next frames
    await expectAccessible(dash, 'dashboard with actions at 360 px');
    expect(await dash.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    // The printed report's actions page fits the printable width of A4 (182 mm, web/static/report.css).
    const report = await withScripts.newPage();
    const reportErrors = pageErrors(report);
    await report.emulateMedia({ media: 'print' });
    await report.setViewportSize({ width: 688, height: 1000 });
    await report.goto(`${f.base}/schools/${school}/waves/${second}/report`);
    const actionsPage = await report.evaluate(() => {
      const section = document.querySelector('.actions-section');
      const rights = [...document.querySelectorAll('.actions-section, .actions-section *')].map((e) => e.getBoundingClientRect().right);
      return { found: !!section, text: section?.textContent ?? '', right: Math.max(...rights), page: document.documentElement.scrollWidth };
    });
    expect(actionsPage.found).toBe(true);
    expect(actionsPage.text).toContain('Een vaste wekelijkse nieuwsbrief');
    expect(actionsPage.right).toBeLessThanOrEqual(688);
    expect(actionsPage.page).toBeLessThanOrEqual(688);
    expect(reportErrors).toEqual([]);
    await withScripts.close();
    // The refused form answered 422 on purpose; nothing else went wrong.
    expect(errors.filter((e) => !e.includes('status of 422'))).toEqual([]);
    expect(dashErrors).toEqual([]);
  });
});
