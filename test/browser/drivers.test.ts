import { describe, expect, it } from 'vitest';
import { storeKind } from '../helpers/store.ts';
import { browserAvailable, browserFixture, expectAccessible, pageErrors, SHOTS } from '../helpers/browser.ts';
import { shippedV2 } from '../helpers/fixtures.ts';
import { driverSchools, seedDriverWave } from '../helpers/driver-wave.ts';
import { publishQuestionnaire } from '../../server/questionnaires.ts';
import { PASSWORD } from '../admin/helpers.ts';
import { createUser } from '../../server/staff/users.ts';

/**
 * "What matters most for staying" (issue 20) in Chromium: the charts drawn over the tables, and axe
 * finds nothing on the page with a withheld group and a refusal, at 1280 and 360 px, nl and en.
 */
describe.runIf(browserAvailable)(`the key-driver page in Chromium (${storeKind})`, () => {
  let waveId = '';
  const f = browserFixture(async (store) => {
    const q = await publishQuestionnaire(store.db, shippedV2);
    const basis = await driverSchools(store.db, 'basisonderwijs', 6, 12, 'Browserschool basis');
    const secundair = await driverSchools(store.db, 'secundair', 2, 30, 'Browserschool secundair');
    waveId = await seedDriverWave(store.db, q, 'Drivers browser', [...basis, ...secundair], 7);
  });

  it('a researcher sees ranked charts and tables; axe finds no violation (nl 1280 px, en 360 px)', async () => {
    const email = 'drivers@example.org';
    await createUser(f.store.db, { email, role: 'researcher', password: PASSWORD });
    const context = await f.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors = pageErrors(page);
    page.setDefaultTimeout(30_000);
    await page.goto(`${f.base}/research`);
    await page.getByLabel('E-mailadres').fill(email);
    await page.getByLabel('Wachtwoord').fill(PASSWORD);
    await page.getByRole('button', { name: 'Aanmelden' }).click();
    await page.waitForURL(/\/research$/);
    await page.getByRole('link', { name: 'Wat weegt het zwaarst om te blijven? — Drivers browser' }).click();
    await page.waitForURL(/\/drivers$/);
    expect(await page.textContent('h1')).toBe('Wat weegt het zwaarst om te blijven? — Drivers browser');
    // The network has 132 respondents: charts for it; the basisonderwijs group (72) too; secundair is withheld.
    await page.locator('figure[data-chart="drivers"]:not([hidden]) canvas').first().waitFor();
    expect(await page.locator('figure[data-chart="drivers"]:not([hidden])').count()).toBe(await page.locator('table.drivers').count());
    expect(await page.locator('.driver-refusal').count()).toBeGreaterThan(0);
    await expectAccessible(page, 'drivers (nl, 1280 px)');
    await page.screenshot({ path: `${SHOTS}/drivers-1280.png`, fullPage: true });

    await page.setViewportSize({ width: 360, height: 740 });
    await page.goto(`${f.base}/research/waves/${waveId}/drivers?lang=en`);
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await expectAccessible(page, 'drivers (en, 360 px)');
    expect(errors).toEqual([]);
    await context.close();
  });
});
