/**
 * A rep reads a v2 wave (issue 20) in Chromium: the dashboard and the printable report show the
 * outcome items, the union's priorities and each theme's risk-analysis domains; axe-core finds no
 * violation at 360 px and on a desktop, nothing overflows a phone, and a school where fewer than k
 * answered the priority question says so instead of showing shares.
 */
import { describe, expect, it } from 'vitest';
import { storeKind } from '../helpers/store.ts';
import { testKeys } from '../helpers/app.ts';
import { browserAvailable, browserFixture, expectAccessible, pageErrors, SHOTS } from '../helpers/browser.ts';
import { seedV2Network } from '../helpers/v2-network.ts';
import { createUser } from '../../server/staff/users.ts';

const PASSWORD = 'correct horse battery staple v2';
let seeded: Awaited<ReturnType<typeof seedV2Network>>;

describe.runIf(browserAvailable)(`a rep reads a v2 wave in Chromium (${storeKind})`, () => {
  const f = browserFixture(async (store) => {
    seeded = await seedV2Network(store.db, testKeys(store.db));
    await createUser(store.db, {
      email: 'rep.v2@example.org',
      role: 'rep',
      password: PASSWORD,
      schoolIds: [seeded.schools[0]!.id, seeded.few.id],
    });
  });

  it('dashboard and report: outcomes, priorities, risk domains; accessible at 360 px and 1280 px', async () => {
    for (const viewport of [
      { width: 360, height: 740 },
      { width: 1280, height: 900 },
    ]) {
      const context = await f.browser.newContext({ viewport });
      const page = await context.newPage();
      const errors = pageErrors(page);
      await page.goto(`${f.base}/login`);
      await page.getByLabel('E-mailadres').fill('rep.v2@example.org');
      await page.getByLabel('Wachtwoord').fill(PASSWORD);
      await page.getByRole('button', { name: 'Aanmelden' }).click();
      await page.waitForURL(/\/home$/);
      for (const school of [seeded.schools[0]!, seeded.few]) {
        for (const suffix of ['', '/report']) {
          await page.goto(`${f.base}/schools/${school.id}/waves/${seeded.waves[1]!}${suffix}`);
          await expectAccessible(page, `v2 ${suffix || 'dashboard'} ${school.name} at ${viewport.width}`);
          if (viewport.width === 360) expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
          const table = page.locator('table.data.priorities');
          await expect.poll(() => table.count()).toBe(1);
          const text = await table.textContent();
          expect(text).toContain('Werkdruk en combinatie werk–gezin');
          if (school === seeded.few) expect(text).toContain('minder dan 5 geldige antwoorden');
          else expect(text).toMatch(/100 %/);
          expect(await page.locator('table.data.outcomes tbody tr').count()).toBe(6);
          expect(await page.locator('.risk-domains').first().textContent()).toContain('Risicoanalyse psychosociale aspecten');
        }
      }
      await page.screenshot({ path: `${SHOTS}/rep-v2-report-${viewport.width}.png`, fullPage: true });
      expect(errors).toEqual([]);
      await context.close();
    }
  });
});
