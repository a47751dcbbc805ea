import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { storeKind } from '../helpers/store.ts';
import { browserAvailable, browserFixture, expectAccessible, pageErrors, SHOTS } from '../helpers/browser.ts';
import { DEMO_PASSWORD, seedDemo } from '../../server/demo/demo.ts';
import { testKeys } from '../helpers/app.ts';

describe.runIf(browserAvailable)(`a researcher in Chromium (${storeKind})`, () => {
  const f = browserFixture((store) => seedDemo(store.db, testKeys(store.db), 5));

  it('signs in, sees the sealed waves (no open one) with their downloads, and the page passes axe', async () => {
    const context = await f.browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    const page = await context.newPage();
    const errors = pageErrors(page);

    await page.goto(`${f.base}/research`);
    await page.waitForURL(/\/login\?next=%2Fresearch$/);
    await page.getByLabel('E-mailadres').fill('onderzoek@demo.schoolpols.be');
    await page.getByLabel('Wachtwoord').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Aanmelden' }).click();
    await page.waitForURL(/\/research$/);
    expect(await page.textContent('h1')).toBe('Onderzoek');

    const waves = await page.locator('table.data tbody th[scope=row]').allTextContents();
    expect(waves).toEqual(['Demo najaar 2025', 'Demo voorjaar 2025']);
    expect(await page.content()).not.toContain('Demo voorjaar 2026');
    await expectAccessible(page, 'research (nl)');
    await page.screenshot({ path: `${SHOTS}/research-1280.png`, fullPage: true });

    // A download link works as a plain link (no JavaScript needed).
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'themes.csv — Demo najaar 2025' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('schoolpols-demo-najaar-2025-themes.csv');
    const text = readFileSync((await download.path())!, 'utf8');
    expect(text.split('\r\n')[0]).toBe(
      'wave_id,scope,scope_id,scope_label,school_number,theme_id,n,mean,sd,ci_low,ci_high,pct_favourable,alpha,suppressed',
    );

    // The same page in English, on a phone.
    await page.setViewportSize({ width: 360, height: 740 });
    await page.getByRole('button', { name: 'English' }).click();
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    expect(await page.textContent('h1')).toBe('Research');
    await expectAccessible(page, 'research (en, 360 px)');
    await page.screenshot({ path: `${SHOTS}/research-360.png`, fullPage: true });
    expect(errors).toEqual([]);
    await context.close();
  });
});
