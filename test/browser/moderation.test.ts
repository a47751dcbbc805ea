/**
 * The moderation queue as an admin uses it (issue 19): no script, at 1280 and at 360 px, axe on the
 * queue, on the queue with problems, after a decision, on the crisis list and the admin home; no
 * school name on the queue; nothing wider than a phone.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { storeKind } from '../helpers/store.ts';
import { testKeys } from '../helpers/app.ts';
import { browserAvailable, browserFixture, expectAccessible, pageErrors, SHOTS } from '../helpers/browser.ts';
import { DEMO_ACCOUNTS, DEMO_PASSWORD, DEMO_SCHOOL_NAMES, seedDemo } from '../../server/demo/demo.ts';

const ADMIN = DEMO_ACCOUNTS.find((a) => a.role === 'admin')!.email;

describe.runIf(browserAvailable)(`the moderation queue in Chromium (${storeKind})`, { timeout: 300_000 }, () => {
  const f = browserFixture(async (store) => {
    await seedDemo(store.db, testKeys(store.db), 5);
    // As if the demo's last sealed wave had just been sealed: its comments wait for a moderator.
    await store.db
      .updateTable('comment')
      .set({ moderation: 'pending', themes: [] })
      .where('wave_id', '=', (eb) => eb.selectFrom('wave').select('id').where('name', '=', 'Demo najaar 2025'))
      .execute();
  });

  // The labelled demo admin needs no second step (server/staff/two-factor.ts).
  async function signIn(page: Page) {
    await page.goto(`${f.base}/admin/moderation`);
    await page.waitForURL(/\/login\?next=/);
    await page.getByLabel('E-mailadres').fill(ADMIN);
    await page.getByLabel('Wachtwoord').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Aanmelden' }).click();
    await page.waitForURL((u) => u.pathname === '/admin/moderation');
  }

  /** `edges`: no element past the right edge either (the home's tables scroll in their own region instead). */
  async function notWiderThan(page: Page, width: number, label: string, edges = true) {
    expect(await page.evaluate(() => document.documentElement.scrollWidth), `${label}: wider than ${width} px`).toBeLessThanOrEqual(width);
    if (!edges) return;
    const wide = await page.evaluate(
      (w) =>
        [...document.querySelectorAll('main *')]
          .filter((e) => e.getBoundingClientRect().right > w + 0.5)
          .map((e) => e.tagName + '.' + e.className),
      width,
    );
    expect(wide, `${label}: elements past the right edge`).toEqual([]);
  }

  it('moderates with redaction and tags, accessibly at 1280 and 360 px', async () => {
    // The pages load no script of their own (the admin console works without JavaScript).
    const context = await f.browser.newContext({ viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(20_000);
    const page = await context.newPage();
    const scripts: string[] = [];
    page.on('request', (r) => {
      if (r.resourceType() === 'script') scripts.push(r.url());
    });
    const errors = pageErrors(page);
    await signIn(page);
    for (const width of [1280, 360]) {
      await page.setViewportSize({ width, height: 900 });
      const check = async (label: string, edges = true) => {
        await expectAccessible(page, `${label} at ${width} px`);
        if (width === 360) await notWiderThan(page, 360, label, edges);
        await page.screenshot({ path: `${SHOTS}/moderation-${label.replace(/[^a-z0-9]+/gi, '-')}-${width}.png`, fullPage: true });
      };
      await page.goto(`${f.base}/admin`);
      await page.getByRole('link', { name: 'Opmerkingen' }).first().click();
      await page.waitForURL((u) => u.pathname === '/admin/moderation');
      expect(await page.textContent('h1')).toBe('Opmerkingen modereren');
      const main = (await page.textContent('main'))!;
      for (const name of DEMO_SCHOOL_NAMES) expect(main).not.toContain(name);
      expect(main).toContain('Bevraging: Demo najaar 2025');
      await check('queue');

      // Shown empty: refused with the form again, the error summary first.
      await page.getByLabel('De opmerking').fill('');
      await page.getByRole('button', { name: 'Tonen aan de school' }).click();
      await page.waitForSelector('#error-summary');
      expect(await page.textContent('#error-summary')).toContain('Een getoonde opmerking mag niet leeg zijn');
      await check('queue with problems');

      // Redacted, tagged with a theme, and shown.
      await page.getByLabel('De opmerking').fill('Onze [naam] vraagt meer overleg.');
      await page.getByLabel('Werkdruk en combinatie werk–gezin').check();
      await page.getByRole('button', { name: 'Tonen aan de school' }).click();
      await page.waitForURL((u) => u.searchParams.get('done') === 'redacted');
      expect(await page.textContent('.notice')).toContain('de oorspronkelijke tekst is niet bewaard');
      await check('queue after a decision');

      // Withheld and flagged as a crisis: on the coaches' list.
      await page.getByLabel('Meldt geweld, pesterijen of een crisis').check();
      await page.getByRole('button', { name: 'Tegenhouden' }).click();
      await page.waitForURL((u) => u.searchParams.get('done') === 'withheld');
      await page.getByRole('link', { name: 'Lijst voor de coaches (crisis)' }).click();
      await page.waitForURL((u) => u.pathname === '/admin/moderation/crisis');
      expect(await page.locator('.crisis-list li').count()).toBe(width === 1280 ? 1 : 2);
      await check('crisis list');
      await page.goto(`${f.base}/admin`);
      expect(await page.textContent('main')).toMatch(/Er wachten nog \d+ opmerkingen\./);
      await check('home', false);
    }
    // The refused form answers 422 on purpose; anything else (a CSP violation above all) is a failure.
    expect(errors.filter((e) => !/status of 422/.test(e))).toEqual([]);
    expect(scripts).toEqual([]);
    await context.close();
  });
});
