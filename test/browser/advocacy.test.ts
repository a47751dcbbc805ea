/** The network's advocacy view (issue 19) in Chromium: reached from the admin menu, without JavaScript, axe at 1280 and 360 px, nl and en. */
import { describe, expect, it } from 'vitest';
import { storeKind } from '../helpers/store.ts';
import { browserAvailable, browserFixture, expectAccessible, pageErrors, SHOTS } from '../helpers/browser.ts';
import { testKeys } from '../helpers/app.ts';
import { DEMO_PASSWORD, seedDemo } from '../../server/demo/demo.ts';
import { createAction, planWave } from '../../server/advocacy/action-plans.ts';
import { shipped } from '../helpers/fixtures.ts';

const MARKER = 'GEHEIM-ACTIETEKST-BR';

describe.runIf(browserAvailable)(`the advocacy view in Chromium (${storeKind})`, () => {
  const f = browserFixture(async (store) => {
    await seedDemo(store.db, testKeys(store.db), 5);
    const wave = await store.db.selectFrom('wave').select('id').where('name', '=', 'Demo voorjaar 2025').executeTakeFirstOrThrow();
    const schools = await store.db
      .selectFrom('wave_school')
      .select('school_id')
      .where('wave_id', '=', wave.id)
      .orderBy('school_id')
      .execute();
    for (const [i, s] of schools.entries()) {
      const plan = await planWave(store.db, wave.id, s.school_id);
      const status = ['agreed', 'done', 'in_progress', 'proposed'][i % 4]!;
      await createAction(store.db, plan, {
        themeId: shipped.themes[i % 3]!.id,
        itemId: '',
        action: `${MARKER} ${i}`,
        carrier: 'loc',
        carrierLabel: '',
        due: '2027-06-30',
        status,
        note: MARKER,
      });
    }
  });

  it('an admin opens it from the menu, picks a wave, and it passes axe at both widths', async () => {
    const context = await f.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors = pageErrors(page);
    await page.goto(`${f.base}/admin`);
    await page.waitForURL(/\/login\?next=/);
    await page.getByLabel('E-mailadres').fill('admin@demo.schoolpols.be');
    await page.getByLabel('Wachtwoord').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Aanmelden' }).click();
    await page.waitForURL((u) => u.pathname === '/admin');
    await page.getByRole('link', { name: 'Acties in het netwerk' }).click();
    await page.waitForURL((u) => u.pathname === '/admin/advocacy');
    // The latest sealed wave first; the earlier one by the form (a GET, no script).
    expect(await page.textContent('h1')).toBe('Van resultaten naar acties — Demo najaar 2025');
    await page.getByLabel('Bevraging').selectOption({ label: 'Demo voorjaar 2025' });
    await page.getByRole('button', { name: 'Toon' }).click();
    await page.waitForURL(/\/admin\/advocacy\/[0-9a-f-]{36}(\?|$)/);
    expect(await page.textContent('h1')).toBe('Van resultaten naar acties — Demo voorjaar 2025');
    expect(await page.locator('table caption').count()).toBe(3);
    // Nothing to run: the page is complete without JavaScript.
    expect(await page.locator('script').count()).toBe(0);
    expect(await page.textContent('#not-causal')).toContain('Dit beschrijft, het verklaart niet');
    expect(await page.content()).not.toContain(MARKER);
    await expectAccessible(page, 'advocacy (nl, 1280 px)');
    await page.screenshot({ path: `${SHOTS}/advocacy-1280.png`, fullPage: true });

    await page.setViewportSize({ width: 360, height: 740 });
    await page.getByRole('button', { name: 'English' }).click();
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    expect(await page.textContent('h1')).toBe('From results to actions — Demo voorjaar 2025');
    // Wide tables scroll inside their own region; nothing else is wider than the phone.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    const wide = await page.evaluate(() =>
      [...document.querySelectorAll('body *')]
        .filter((e) => e.getBoundingClientRect().right > 360.5 && !e.closest('.table-wrap table'))
        .map((e) => e.tagName),
    );
    expect(wide, 'elements past the right edge at 360 px').toEqual([]);
    await expectAccessible(page, 'advocacy (en, 360 px)');
    await page.screenshot({ path: `${SHOTS}/advocacy-360.png`, fullPage: true });
    expect(errors).toEqual([]);
    await context.close();
  });
});
