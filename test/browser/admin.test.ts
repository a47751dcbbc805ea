import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { storeKind } from '../helpers/store.ts';
import { browserAvailable, browserFixture, expectAccessible, SHOTS } from '../helpers/browser.ts';
import { generate } from 'otplib';
import { createUser } from '../../server/staff/users.ts';
import { SHIPPED_QUESTIONNAIRE } from '../../surveys/load.ts';

const OUT = 'test-results';
const PASSWORD = 'correct horse battery staple';

/** The whole admin cycle through the UI, keyboard-free but JavaScript-free (the pages have none), axe on every page. */
describe.runIf(browserAvailable)(`an admin runs a wave in Chromium (${storeKind})`, { timeout: 600_000 }, () => {
  const f = browserFixture((store) => createUser(store.db, { email: 'beheer@example.org', role: 'admin', password: PASSWORD }));

  async function signIn(page: Page, email: string, password: string, next: string) {
    await page.goto(`${f.base}${next}`);
    await page.waitForURL(/\/login\?next=/);
    await page.getByLabel('E-mailadres').fill(email);
    await page.getByLabel('Wachtwoord').fill(password);
    await page.getByRole('button', { name: 'Aanmelden' }).click();
    await page.waitForURL((u) => u.pathname === next);
  }

  it('imports schools, publishes the questionnaire, opens a wave, prints slips, closes it, and a rep sees the school', async () => {
    const context = await f.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      // The refused CSV import answers 422 on purpose; anything else (a CSP violation above all) is a failure.
      if (m.type() === 'error' && !/status of 422/.test(m.text())) problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    const foreign: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(f.base)) foreign.push(r.url());
    });
    const check = async (label: string) => {
      await expectAccessible(page, label);
      await page.screenshot({ path: `${SHOTS}/admin-${label.replace(/[^a-z0-9]+/gi, '-')}.png`, fullPage: true });
    };

    // An admin enrols in two-step verification before anything else (issue 16): QR code, key, a code.
    await page.goto(`${f.base}/admin`);
    await page.waitForURL(/\/login\?next=/);
    await page.getByLabel('E-mailadres').fill('beheer@example.org');
    await page.getByLabel('Wachtwoord').fill(PASSWORD);
    await page.getByRole('button', { name: 'Aanmelden' }).click();
    await page.waitForURL((u) => u.pathname === '/account/two-factor');
    await check('two-step enrolment');
    const secret = (await page.textContent('#totp-secret'))!.replace(/\s/g, '');
    let usedStep = Math.floor(Date.now() / 30_000);
    await page.getByLabel('Code (6 cijfers)').fill(await generate({ secret, epoch: usedStep * 30 }));
    await page.getByRole('button', { name: 'Bevestigen en aanzetten' }).click();
    await page.waitForURL((u) => u.pathname === '/account');
    expect(await page.textContent('main')).toContain('Tweestapsverificatie staat aan');
    await check('account');
    await page.getByRole('link', { name: 'Aangemelde sessies bekijken' }).click();
    await page.waitForURL((u) => u.pathname === '/account/sessions');
    await check('sessions');
    await page.goto(`${f.base}/admin`);
    expect(await page.textContent('h1')).toBe('Beheer');
    await check('home');
    await page.setViewportSize({ width: 360, height: 740 });
    await check('home at 360 px');
    await page.setViewportSize({ width: 1280, height: 900 });

    // Schools: a CSV with an error first (nothing imported), then the right one.
    await page.getByRole('link', { name: 'Scholen', exact: true }).first().click();
    await page.getByRole('link', { name: 'Scholen importeren (CSV)' }).click();
    await check('school import');
    await page.getByLabel('CSV-bestand').setInputFiles({
      name: 'fout.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('naam;niveau;gemeente;personeel\nBasisschool Het Anker;basisonderwijs;Gent;twintig\n'),
    });
    await page.getByRole('button', { name: 'Controleren' }).click();
    await page.waitForSelector('#error-summary');
    expect(await page.textContent('#error-summary')).toContain('regel 2, kolom 4 (personeel)');
    await check('school import errors');
    const csv =
      'naam;niveau;gemeente;personeel;instellingsnummer\nBasisschool Het Anker;basisonderwijs;Gent;20;123456\nAtheneum De Brug;secundair;Genk;64;234567\n';
    await page.getByLabel('CSV-bestand').setInputFiles({ name: 'scholen.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByRole('button', { name: 'Controleren' }).click();
    await page.waitForSelector('text=Controleer de import');
    await check('school import preview');
    await page.getByRole('button', { name: 'Importeer deze 2 scholen' }).click();
    await page.waitForSelector('text=Geïmporteerd: 2 scholen.');
    await check('schools');
    // Search and filters are a plain GET form: the view is in the URL.
    await page.getByLabel('Benchmarkgroep (schoolniveau)').selectOption('secundair');
    await page.getByRole('button', { name: 'Toepassen' }).click();
    await page.waitForURL((u) => u.searchParams.get('group') === 'secundair');
    expect(await page.locator('tbody th[scope=row]').allTextContents()).toEqual(['Atheneum De Brug']);
    await check('schools filtered');
    await page.setViewportSize({ width: 360, height: 740 });
    await check('schools at 360 px');
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${f.base}/admin/schools`);
    await page.getByRole('link', { name: 'Basisschool Het Anker' }).click();
    await check('school edit');
    await page.goto(`${f.base}/admin/schools/new`);
    await check('school new');

    // Questionnaire: upload the shipped file, preview in both languages, publish.
    await page.goto(`${f.base}/admin/questionnaires`);
    await check('questionnaires');
    await page.getByLabel('JSON-bestand').setInputFiles(SHIPPED_QUESTIONNAIRE);
    await page.getByRole('button', { name: 'Controleren' }).click();
    await page.waitForSelector('text=De vragenlijst is geldig.');
    await check('questionnaire check');
    await page.getByRole('button', { name: 'Bekijk in het Engels' }).click();
    await page.waitForSelector('.preview-banner');
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await page.locator('button', { hasText: 'Send my answers' }).count()).toBe(0);
    await check('questionnaire preview en');
    await page.getByRole('button', { name: 'Preview in Dutch' }).click();
    await page.waitForSelector('.preview-banner');
    expect(await page.getAttribute('html', 'lang')).toBe('nl');
    await check('questionnaire preview nl');
    await page.getByRole('button', { name: 'Publiceren' }).click();
    await page.waitForSelector('text=De vragenlijst is gepubliceerd.');
    await check('questionnaire');

    // A wave for both schools; open it.
    await page.goto(`${f.base}/admin/waves`);
    await check('waves empty');
    await page.getByRole('link', { name: 'Nieuwe bevraging' }).click();
    await check('wave new');
    await page.getByLabel('Naam').fill('Voorjaar 2026');
    await page.getByLabel('Alle actieve scholen (2)').check();
    await page.getByRole('button', { name: 'Bevraging aanmaken' }).click();
    await page.waitForSelector('text=De bevraging is aangemaakt');
    expect(await page.inputValue('#f-k').catch(() => null)).toBeNull(); // k is fixed: no field any more
    await check('wave draft');
    await page.getByRole('button', { name: 'Bevraging openen' }).click();
    await page.waitForSelector('text=De bevraging is open.');
    await check('wave open');

    // Twelve slips for the basisschool: two A4 pages.
    await page.getByLabel('School', { exact: true }).selectOption({ label: 'Basisschool Het Anker (20 personeelsleden)' });
    await page.getByLabel('Aantal codes').fill('12');
    await page.getByLabel('Briefjes om af te drukken (A4, met QR-code)').check();
    await page.getByRole('button', { name: 'Codes aanmaken' }).click();
    await page.waitForSelector('.slips');
    await check('slips');
    const codes = await page.locator('.slip-code strong').allTextContents();
    expect(codes).toHaveLength(12);
    expect(await page.locator('.slip svg.qr').count()).toBe(12);
    await page.emulateMedia({ media: 'print' });
    const boxes = await page
      .locator('.slip')
      .evaluateAll((els) => els.map((e) => e.getBoundingClientRect()).map((r) => ({ x: Math.round(r.x), h: Math.round(r.height) })));
    expect(new Set(boxes.map((b) => b.x)).size).toBe(2); // two slips a row
    expect(await page.locator('header.site').isVisible()).toBe(false);
    const pdf = `${OUT}/admin-slips-a4.pdf`;
    await page.pdf({ path: pdf, format: 'A4', printBackground: true, preferCSSPageSize: true });
    await page.emulateMedia({ media: null });
    const pdfText = readFileSync(pdf, 'latin1');
    expect(statSync(pdf).size).toBeGreaterThan(10_000);
    expect((pdfText.match(/\/Type\s*\/Page[^s]/g) ?? []).length).toBe(2);

    // Three teachers answer with three of the codes (their own browser: no cookies).
    const teacher = await f.browser.newContext({ viewport: { width: 390, height: 800 } });
    for (const code of codes.slice(0, 3)) {
      const t = await teacher.newPage();
      await t.goto(`${f.base}/?lang=nl`);
      await t.getByLabel('Toegangscode').fill(code);
      await t.getByRole('button', { name: 'Start de vragenlijst' }).click();
      await t.waitForSelector('form#questionnaire');
      for (const name of ['a.com_1', 'a.com_2', 'a.sam_1', 'a.wel_5']) await t.locator(`input[name="${name}"][value="4"]`).check();
      await t.getByRole('button', { name: 'Verstuur mijn antwoorden' }).click();
      await t.waitForURL(/\/thanks/);
      await t.close();
    }
    expect(await teacher.cookies()).toEqual([]);
    await teacher.close();

    // Close and seal.
    await page.goto(page.url().replace(/\/codes$/, ''));
    expect(await page.textContent('tbody')).toContain('Basisschool Het Anker');
    await page.getByLabel('Ik begrijp dat afsluiten definitief is').check();
    await page.getByRole('button', { name: 'Bevraging afsluiten' }).click();
    await page.waitForSelector('text=De bevraging is afgesloten en verzegeld.');
    await check('wave closed');
    expect(await page.getAttribute('a[href$="/network"]', 'href')).toMatch(/^\/admin\/waves\/[0-9a-f-]{36}\/network$/);
    const waveId = /\/admin\/waves\/([0-9a-f-]{36})/.exec(page.url())![1]!;
    // The network view, on a laptop and on a phone (its wide tables scroll, reachable by keyboard).
    await page.goto(`${f.base}/admin/waves/${waveId}/network`);
    await check('network');
    await page.setViewportSize({ width: 360, height: 740 });
    await check('network at 360 px');
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${f.base}/admin/waves/${waveId}`);
    expect(await f.store.db.selectFrom('wave').select(['status', 'sealed']).where('id', '=', waveId).executeTakeFirstOrThrow()).toEqual({
      status: 'closed',
      sealed: true,
    });
    expect((await f.store.db.selectFrom('response').select('id').where('wave_id', '=', waveId).execute()).length).toBe(3);
    await page.goto(`${f.base}/admin/waves`);
    await check('waves');
    await page.setViewportSize({ width: 360, height: 740 });
    await check('waves at 360 px');
    await page.setViewportSize({ width: 1280, height: 900 });

    // A rep for the basisschool.
    await page.goto(`${f.base}/admin/users`);
    await check('users');
    await page.setViewportSize({ width: 360, height: 740 });
    await check('users at 360 px');
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.getByRole('link', { name: 'Nieuwe gebruiker' }).click();
    await check('user new');
    await page.getByLabel('E-mailadres').fill('rep.anker@example.org');
    await page.getByRole('radio', { name: /vakbondsafgevaardigde/ }).check();
    // The rep's school by its school number (no list of every school); a preview counts the choice.
    await page.getByLabel('Instellingsnummers').fill('123456 999999');
    await page.getByRole('button', { name: 'Toon de keuze' }).click();
    await page.waitForSelector('#error-summary');
    expect(await page.textContent('#error-summary')).toContain('999999');
    await check('user new with unknown number');
    await page.getByLabel('Instellingsnummers').fill('123456');
    await page.getByRole('button', { name: 'Toon de keuze' }).click();
    await page.waitForSelector('text=Deze keuze telt 1 scholen.');
    await check('user new with choice');
    await page.setViewportSize({ width: 360, height: 740 });
    await check('user new at 360 px');
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.getByRole('button', { name: 'Gebruiker aanmaken' }).click();
    await page.waitForSelector('#password');
    const password = (await page.textContent('#password'))!;
    await check('password');
    await page.goto(`${f.base}/admin/users`);
    await page.getByRole('link', { name: 'rep.anker@example.org' }).click();
    await check('user');
    await page.goto(`${f.base}/admin/audit`);
    await check('audit');
    await page.setViewportSize({ width: 360, height: 740 });
    await check('audit at 360 px');
    await page.setViewportSize({ width: 1280, height: 900 });
    const actions = await page.locator('tbody th[scope=row]').allTextContents();
    expect(actions).toEqual(
      expect.arrayContaining([
        'scholen geïmporteerd',
        'vragenlijst gepubliceerd',
        'bevraging aangemaakt',
        'bevraging geopend',
        'toegangscodes aangemaakt',
        'bevraging afgesloten en verzegeld',
        'gebruiker aangemaakt',
      ]),
    );

    // The rep sees the school on their overview.
    const repContext = await f.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const repPage = await repContext.newPage();
    await signIn(repPage, 'rep.anker@example.org', password, '/home');
    expect(await repPage.textContent('main')).toContain('Basisschool Het Anker');
    await repContext.close();

    // The admin again, elsewhere: the password, then a code (a later one: a code is accepted once).
    const againContext = await f.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const again = await againContext.newPage();
    await again.goto(`${f.base}/admin`);
    await again.waitForURL(/\/login\?next=/);
    await again.getByLabel('E-mailadres').fill('beheer@example.org');
    await again.getByLabel('Wachtwoord').fill(PASSWORD);
    await again.getByRole('button', { name: 'Aanmelden' }).click();
    await again.waitForURL((u) => u.pathname === '/login/code');
    await expectAccessible(again, 'sign-in code');
    usedStep = Math.max(usedStep + 1, Math.floor(Date.now() / 30_000));
    await again.getByLabel('Code (6 cijfers)').fill(await generate({ secret, epoch: usedStep * 30 }));
    await again.getByRole('button', { name: 'Aanmelden' }).click();
    await again.waitForURL((u) => u.pathname === '/admin');
    await againContext.close();

    expect(problems).toEqual([]);
    expect(foreign).toEqual([]);
    await context.close();
  });
});
