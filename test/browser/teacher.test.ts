import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { testStore, storeKind, type TestStore } from '../helpers/store.ts';
import { testApp } from '../helpers/app.ts';
import { openWaveWithCodes, counts, shipped } from '../helpers/fixtures.ts';
import { browserAvailable, expectAccessible, launch } from '../helpers/browser.ts';
import { formatCode } from '../../server/access-codes.ts';
import { itemsInOrder } from '../../surveys/load.ts';

const SHOTS = 'test-results/screenshots';

describe.runIf(browserAvailable)(`a teacher in Chromium (${storeKind})`, () => {
  let store: TestStore;
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    store = await testStore();
    app = await testApp(store);
    base = await app.listen({ port: 0, host: '127.0.0.1' });
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await store?.drop();
  });

  it('answers on a 360 px phone with the keyboard alone, in English, and reaches the thank-you page', async () => {
    const { codes, waveId } = await openWaveWithCodes(store.db, 1);
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    const foreign: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(base)) foreign.push(r.url());
    });
    const cspErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') cspErrors.push(m.text());
    });

    await page.goto(`${base}/`);
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

    await page.goto(`${base}/privacy`);
    await expectAccessible(page, 'privacy (nl)');
    await page.goto(`${base}/privacy?lang=en`);
    await expectAccessible(page, 'privacy (en)');

    expect(await context.cookies()).toEqual([]);
    expect(foreign).toEqual([]);
    expect(cspErrors).toEqual([]);
    const stored = await store.db.selectFrom('response').select('answers').where('wave_id', '=', waveId).execute();
    expect(stored).toHaveLength(1);
    expect(stored[0]!.answers.every((a) => a === 2)).toBe(true);
    expect((await counts(store.db)).spent).toBe(1);
    await context.close();
  });

  it('shows an error for a wrong code with the focus-friendly message, in Dutch', async () => {
    const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
    await page.goto(`${base}/`);
    await page.getByLabel('Toegangscode').fill('AAAA-BBBB-CCCCC');
    await page.getByRole('button', { name: 'Start de vragenlijst' }).click();
    await page.waitForSelector('#code-error');
    expect(await page.textContent('#code-error')).toContain('Deze code werkt niet');
    await expectAccessible(page, 'home with error');
    await page.close();
  });
});
