import { describe, expect, it } from 'vitest';
import { storeKind } from '../helpers/store.ts';
import { openWaveWithCodes, openedSubmissions, counts, shipped } from '../helpers/fixtures.ts';
import { browserAvailable, browserFixture, expectAccessible, SHOTS } from '../helpers/browser.ts';
import { formatCode } from '../../server/teacher/access-codes.ts';
import { itemsInOrder } from '../../surveys/load.ts';

describe.runIf(browserAvailable)(`a teacher in Chromium (${storeKind})`, () => {
  const f = browserFixture();

  it('answers on a 360 px phone with the keyboard alone, in English, and reaches the thank-you page', async () => {
    const { codes, waveId } = await openWaveWithCodes(f.store.db, 1);
    const context = await f.browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    const foreign: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(f.base)) foreign.push(r.url());
    });
    const cspErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') cspErrors.push(m.text());
    });

    await page.goto(`${f.base}/`);
    await expectAccessible(page, 'home (nl)');
    // Switch to English from the header, by keyboard: Tab past the skip link and brand to the switch.
    await page.getByRole('link', { name: 'English' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/lang=en/);
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    await page.screenshot({ path: `${SHOTS}/teacher-home-360.png`, fullPage: true });

    await page.getByLabel('Access code').focus();
    await page.keyboard.type(formatCode(codes[0]!).toLowerCase());
    await page.keyboard.press('Enter');
    await page.waitForSelector('form#questionnaire');
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    await expectAccessible(page, 'questionnaire (en)');
    // Nothing overflows a 360 px screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);

    // Keyboard only: Tab into each radio group, arrow keys choose a value.
    const items = itemsInOrder(shipped);
    await page.locator(`input[name="a.${items[0]!.id}"]`).first().focus();
    for (let i = 0; i < items.length; i++) {
      await page.keyboard.press('ArrowDown'); // moves from the first option to the second and checks it
      await page.keyboard.press('Tab');
    }
    await page.screenshot({ path: `${SHOTS}/teacher-questionnaire-360.png`, fullPage: true });
    const checked = await page.locator('form#questionnaire input[type=radio]:checked').count();
    expect(checked).toBe(items.length);
    // Tab on to the submit button and press it.
    const submit = page.getByRole('button', { name: 'Send my answers' });
    for (let i = 0; i < 20 && !(await submit.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/thanks\?lang=en/);
    expect(await page.textContent('h1')).toBe('Thank you!');
    await expectAccessible(page, 'thank-you (en)');

    await page.goto(`${f.base}/privacy`);
    await expectAccessible(page, 'privacy (nl)');
    await page.goto(`${f.base}/privacy?lang=en`);
    await expectAccessible(page, 'privacy (en)');

    expect(await context.cookies()).toEqual([]);
    expect(foreign).toEqual([]);
    expect(cspErrors).toEqual([]);
    const stored = (await openedSubmissions(f.store.db, waveId)).responses;
    expect(stored).toHaveLength(1);
    expect(stored[0]!.answers.every((a) => a === 2)).toBe(true);
    expect((await counts(f.store.db)).spent).toBe(1);
    await context.close();
  });

  it('shows an error for a wrong code with the focus-friendly message, in Dutch', async () => {
    const page = await f.browser.newPage({ viewport: { width: 360, height: 740 } });
    await page.goto(`${f.base}/`);
    await page.getByLabel('Toegangscode').fill('AAAA-BBBB-CCCCC');
    await page.getByRole('button', { name: 'Start de vragenlijst' }).click();
    await page.waitForSelector('#code-error');
    expect(await page.textContent('#code-error')).toContain('Deze code kan niet gebruikt worden');
    await expectAccessible(page, 'home with error');
    await page.close();
  });
});
