/**
 * A teacher answers questionnaire v2 (issue 20) in Chromium on a 360 px phone with JavaScript off:
 * the outcome items and the priority checkboxes work, choosing four themes is refused with the
 * question named (the error summary links to it), and after unticking one the answers are stored.
 * axe-core finds no violation on the form, on the refused form, or on the thank-you page.
 */
import { describe, expect, it } from 'vitest';
import { storeKind } from '../helpers/store.ts';
import { openedSubmissions, shippedV2 } from '../helpers/fixtures.ts';
import type { Page } from 'playwright-core';
import { browserAvailable, browserFixture, expectAccessible, SHOTS } from '../helpers/browser.ts';
import { answerPositions, itemsInOrder } from '../../surveys/load.ts';
import { publishQuestionnaire } from '../../server/questionnaires.ts';
import { createSchool } from '../../server/admin/schools.ts';
import { createWave, issueCodes, openWave } from '../../server/waves.ts';
import { testKeys } from '../helpers/app.ts';

describe.runIf(browserAvailable)(`a teacher answers v2 in Chromium without JavaScript (${storeKind})`, () => {
  const f = browserFixture();

  it('at 360 px: outcome items, at most three priorities (four refused, naming the question), stored in the v2 layout', async () => {
    const db = f.store.db;
    const questionnaireId = await publishQuestionnaire(db, shippedV2);
    const schoolId = await createSchool(db, { name: 'Browser V2', benchmark_group: 'basis', municipality: 'Gent', staff_count: 5 });
    const waveId = await createWave(db, { name: 'V2 browser', questionnaireId, schoolIds: [schoolId], k: 5 });
    await openWave(db, waveId, undefined, testKeys(db));
    const [code] = await issueCodes(db, waveId, schoolId, 1);

    const themes = shippedV2.themes;
    const fill = async (page: Page, named: typeof themes) => {
      for (const it of [...itemsInOrder(shippedV2), ...shippedV2.outcomes!])
        await page.locator(`input[name="a.${it.id}"][value="4"]`).check();
      for (const t of named) await page.getByRole('checkbox', { name: t.label.nl }).check();
      await page.getByRole('button', { name: 'Verstuur mijn antwoorden' }).click();
    };
    const phone = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true };

    // axe-core runs in the page: the form and the refused form with scripts on (a refusal spends no code).
    const checked = await f.browser.newContext(phone);
    const a11y = await checked.newPage();
    await a11y.goto(`${f.base}/c/${code}`);
    await expectAccessible(a11y, 'questionnaire v2 (nl)');
    expect(await a11y.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await fill(a11y, themes.slice(0, 4));
    await a11y.waitForSelector('#error-summary');
    await expectAccessible(a11y, 'questionnaire v2 refused (nl)');
    expect(await a11y.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await checked.close();

    // The teacher herself, with JavaScript off.
    const context = await f.browser.newContext({ ...phone, javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${f.base}/c/${code}`);
    await page.waitForSelector('form#questionnaire');
    await fill(page, themes.slice(3, 7));
    await page.waitForSelector('#error-summary');
    const summary = await page.textContent('#error-summary');
    expect(summary).toContain(shippedV2.priority!.label.nl);
    expect(summary).toContain("Kies hoogstens 3 thema's.");
    expect(await page.locator('#priority-error').textContent()).toBe("Kies hoogstens 3 thema's.");
    await page.screenshot({ path: `${SHOTS}/teacher-v2-refused-360.png`, fullPage: true });
    // Everything ticked is still ticked; untick one and send again.
    expect(await page.locator('input[name="priority"]:checked').count()).toBe(4);
    expect(await page.locator('input[type="radio"]:checked').count()).toBe(itemsInOrder(shippedV2).length + shippedV2.outcomes!.length);
    await page.getByRole('checkbox', { name: themes[6]!.label.nl }).uncheck();
    await page.getByRole('button', { name: 'Verstuur mijn antwoorden' }).click();
    await page.waitForURL(/\/thanks/);
    expect(await page.textContent('h1')).toBe('Bedankt!');

    const stored = (await openedSubmissions(db, waveId)).responses;
    expect(stored).toHaveLength(1);
    const { items, outcomes } = answerPositions(shippedV2);
    expect(stored[0]!.answers).toEqual([
      ...Array.from({ length: items + outcomes }, () => 4),
      ...themes.map((_, i) => (i >= 3 && i < 6 ? 1 : 0)),
    ]);
    expect(await context.cookies()).toEqual([]);
    await context.close();
  });
});
