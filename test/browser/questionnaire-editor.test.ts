/**
 * The questionnaire editor as an admin uses it (issue 18): with no script of its own, at 1280
 * and at 360 px, axe on the form, on the form with problems and on the check page with its diff;
 * nothing wider than a phone.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { generate } from 'otplib';
import { storeKind } from '../helpers/store.ts';
import { browserAvailable, browserFixture, expectAccessible, pageErrors, SHOTS } from '../helpers/browser.ts';
import { shipped } from '../helpers/fixtures.ts';
import { createUser } from '../../server/staff/users.ts';
import { publishQuestionnaire } from '../../server/questionnaires.ts';

const PASSWORD = 'correct horse battery staple';

describe.runIf(browserAvailable)(`the questionnaire editor in Chromium (${storeKind})`, { timeout: 300_000 }, () => {
  let questionnaireId = '';
  const f = browserFixture(async (store) => {
    await createUser(store.db, { email: 'editor@example.org', role: 'admin', password: PASSWORD });
    questionnaireId = await publishQuestionnaire(store.db, shipped);
  });

  async function signInAndEnrol(page: Page) {
    await page.goto(`${f.base}/admin`);
    await page.waitForURL(/\/login\?next=/);
    await page.getByLabel('E-mailadres').fill('editor@example.org');
    await page.getByLabel('Wachtwoord').fill(PASSWORD);
    await page.getByRole('button', { name: 'Aanmelden' }).click();
    await page.waitForURL((u) => u.pathname === '/account/two-factor');
    const secret = (await page.textContent('#totp-secret'))!.replace(/\s/g, '');
    await page.getByLabel('Code (6 cijfers)').fill(await generate({ secret }));
    await page.getByRole('button', { name: 'Bevestigen en aanzetten' }).click();
    await page.waitForURL((u) => u.pathname === '/account');
  }

  const noWiderThan = async (page: Page, width: number) =>
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);

  it('edits, shows problems and the diff, accessibly at 1280 and 360 px', async () => {
    const context = await f.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors = pageErrors(page);
    await signInAndEnrol(page);
    for (const width of [1280, 360]) {
      await page.setViewportSize({ width, height: 900 });
      await page.goto(`${f.base}/admin/questionnaires/${questionnaireId}/edit`);
      // Every button posts the form: the page works without a script of its own (axe needs JavaScript on).
      expect(await page.locator('script').count()).toBe(0);
      await expectAccessible(page, `questionnaire editor ${width}`);
      await noWiderThan(page, width);
    }
    await page.screenshot({ path: `${SHOTS}/questionnaire-editor-360.png`, fullPage: false });

    // A problem: shown in the summary and beside the field, the page still accessible.
    await page.locator('#f-themes-0--items-0--label-en').fill('');
    await page.getByRole('button', { name: 'Controleren en verschillen tonen' }).first().click();
    await page.waitForLoadState();
    expect(await page.textContent('#error-summary')).toContain('Thema 1, vraag 1: Tekst (Engels)');
    await expectAccessible(page, 'questionnaire editor with a problem');
    await noWiderThan(page, 360);

    // Fixed, one item added and one reworded: the check page shows the two.
    await page.locator('#f-themes-0--items-0--label-en').fill(shipped.themes[0]!.items[0]!.label.en);
    await page.getByRole('button', { name: 'Vraag toevoegen aan Thema 1' }).click();
    await page.waitForLoadState();
    const n = shipped.themes[0]!.items.length;
    await page.locator(`#f-themes-0--items-${n}--id`).fill('com_nieuw');
    await page.locator(`#f-themes-0--items-${n}--label-nl`).fill('Ik weet bij wie ik terechtkan met een vraag.');
    await page.locator(`#f-themes-0--items-${n}--label-en`).fill('I know whom to ask when I have a question.');
    await page.locator('#f-themes-0--items-1--label-nl').fill('Herschreven vraag.');
    await page.getByRole('button', { name: 'Controleren en verschillen tonen' }).first().click();
    await page.waitForURL((u) => u.pathname === '/admin/questionnaires/edit');
    expect(await page.textContent('main')).toContain('1 nieuw, 1 gewijzigd, 0 weg');
    await expectAccessible(page, 'questionnaire check with diff 360');
    await noWiderThan(page, 360);
    await page.setViewportSize({ width: 1280, height: 900 });
    await expectAccessible(page, 'questionnaire check with diff 1280');
    // The form with a problem answers 422 on purpose; anything else (a CSP violation above all) is a failure.
    expect(errors.filter((e) => !/status of 422/.test(e))).toEqual([]);
    await context.close();
  });
});
