import { describe, expect, it } from 'vitest';
import { storeKind } from '../helpers/store.ts';
import { browserAvailable, browserFixture, expectAccessible, pageErrors, SHOTS } from '../helpers/browser.ts';
import { testKeys } from '../helpers/app.ts';
import { once, seedQualitySchools, seedWave } from '../helpers/quality-wave.ts';
import { DEMO_PASSWORD, seedDemo } from '../../server/demo/demo.ts';

/** The instrument quality report (issue 20) in Chromium: without JavaScript, axe at 1280 and 360 px, nl and en. */
describe.runIf(browserAvailable)(`the instrument quality report in Chromium (${storeKind})`, () => {
  const f = browserFixture(async (store) => {
    await seedDemo(store.db, testKeys(store.db), 5);
    const { questionnaireId, schoolIds } = await seedQualitySchools(store.db);
    await seedWave(store.db, questionnaireId, schoolIds, 'Kwaliteit groot', [...once, ...once, ...once, ...once]);
  });

  it('a researcher opens it from /research; the CFA table and the refusal both pass axe, on a phone too', async () => {
    const context = await f.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors = pageErrors(page);
    page.setDefaultTimeout(15_000);
    await page.goto(`${f.base}/research`);
    await page.waitForURL(/\/login\?next=%2Fresearch$/);
    await page.getByLabel('E-mailadres').fill('onderzoek@demo.schoolpols.be');
    await page.getByLabel('Wachtwoord').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Aanmelden' }).click();
    await page.waitForURL(/\/research$/);

    await page.getByRole('link', { name: 'Kwaliteit van de vragenlijst — Kwaliteit groot' }).click();
    await page.waitForURL(/\/quality$/);
    expect(await page.textContent('h1')).toBe('Kwaliteit van de vragenlijst — Kwaliteit groot');
    // Nothing to run: the page is complete without JavaScript.
    expect(await page.locator('script').count()).toBe(0);
    expect(await page.locator('#cfa-caption').textContent()).toMatch(/^Fit van het themamodel \(1\.136 volledige gevallen/);
    expect(await page.locator('strong.flag', { hasText: 'zwak' }).count()).toBe(1);
    await expectAccessible(page, 'quality (nl, 1280 px)');
    await page.screenshot({ path: `${SHOTS}/quality-1280.png`, fullPage: true });

    await page.setViewportSize({ width: 360, height: 740 });
    await page.getByRole('button', { name: 'English' }).click();
    await page.waitForURL(/\/quality$/);
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await page.textContent('h1')).toBe('Questionnaire quality — Kwaliteit groot');
    // Wide tables scroll inside their own region; the page itself never scrolls sideways.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await expectAccessible(page, 'quality (en, 360 px)');
    await page.screenshot({ path: `${SHOTS}/quality-360.png`, fullPage: true });

    // A demo wave: too few complete respondents for the CFA, said with the numbers.
    await page.goto(`${f.base}/research`);
    await page.getByRole('link', { name: 'Questionnaire quality — Demo najaar 2025' }).click();
    await page.waitForURL(/\/quality$/);
    expect(await page.locator('#cfa-refused').textContent()).toMatch(
      /^The factor analysis was not run: it needs at least 1,100 respondents who answered every item, and this wave has (\d+|fewer than 5)\.$/,
    );
    await expectAccessible(page, 'quality, CFA refused (en, 360 px)');
    await page.setViewportSize({ width: 1280, height: 900 });
    await expectAccessible(page, 'quality, CFA refused (en, 1280 px)');
    expect(errors).toEqual([]);
    await context.close();
  });
});
