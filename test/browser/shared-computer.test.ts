/**
 * Issue 14: a shared staff-room computer shows nothing of the person before. In real Chromium, over
 * HTTPS and with its back/forward cache on (Playwright turns it off by default, and current Chrome
 * keeps even no-store pages there when no cookie changed): Back after the thank-you page shows
 * neither the answers nor the comment; Back after a rep signed out shows no dashboard.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { storeKind, testStore, type TestStore } from '../helpers/store.ts';
import { testApp, testKeys } from '../helpers/app.ts';
import { openWaveWithCodes, shipped } from '../helpers/fixtures.ts';
import { browserAvailable, CHROMIUM } from '../helpers/browser.ts';
import { DEMO_PASSWORD, seedDemo } from '../../server/demo/demo.ts';
import { itemsInOrder } from '../../surveys/load.ts';

const COMMENT = 'StaffRoomCanary: de kopieermachine is altijd stuk';

describe.runIf(browserAvailable)(`a shared computer in Chromium, back/forward cache on, over HTTPS (${storeKind})`, () => {
  const f = {} as { store: TestStore; app: FastifyInstance; server: Server; browser: Browser; base: string };
  let dir: string;
  beforeAll(async () => {
    f.store = await testStore();
    await seedDemo(f.store.db, testKeys(f.store.db), 5);
    f.app = await testApp(f.store);
    dir = mkdtempSync(path.join(tmpdir(), 'sp-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-keyout',
        `${dir}/k.pem`,
        '-out',
        `${dir}/c.pem`,
      ],
      { stdio: 'ignore' },
    );
    f.server = createServer({ key: readFileSync(`${dir}/k.pem`), cert: readFileSync(`${dir}/c.pem`) }, (req, res) =>
      f.app.routing(req, res),
    );
    await new Promise<void>((resolve) => f.server.listen(0, '127.0.0.1', resolve));
    f.base = `https://127.0.0.1:${(f.server.address() as { port: number }).port}`;
    f.browser = await chromium.launch({
      executablePath: CHROMIUM,
      ignoreDefaultArgs: ['--disable-back-forward-cache'],
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--ignore-certificate-errors',
      ],
    });
  });
  afterAll(async () => {
    await f.browser?.close();
    f.server?.close();
    await f.app?.close();
    await f.store?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('Back after the thank-you page shows no answer and no comment of the teacher before', async () => {
    const { codes } = await openWaveWithCodes(f.store.db, 1);
    const context = await f.browser.newContext({ viewport: { width: 1280, height: 900 }, ignoreHTTPSErrors: true });
    const page = await context.newPage();
    const shown = await page.goto(`${f.base}/c/${codes[0]}`);
    expect(shown!.headers()['cache-control']).toContain('no-store');
    expect(await page.getAttribute('form#questionnaire', 'autocomplete')).toBe('off');
    const items = itemsInOrder(shipped);
    for (const item of items.slice(0, 6)) await page.locator(`input[name="a.${item.id}"][value="5"]`).check();
    await page.locator('textarea[name="comment"]').fill(COMMENT);
    await page.locator('form#questionnaire button[type=submit]').click();
    await page.waitForURL(/\/thanks/);

    // A page restored from the back/forward cache fires no load event: wait for the commit, then a moment.
    await page.goBack({ waitUntil: 'commit' });
    await page.waitForTimeout(1500);
    await page.waitForLoadState('load');
    const html = await page.content();
    expect(html).not.toContain('StaffRoomCanary');
    // Whatever Back shows, no filled-in answer: the questionnaire is not restored from a cache.
    expect(await page.locator('input[type=radio]:checked').count()).toBe(0);
    expect(await page.locator('textarea').evaluateAll((els) => els.map((e) => (e as HTMLTextAreaElement).value).join(''))).toBe('');
    await context.close();
  });

  it('Back after a rep signed out shows no dashboard', async () => {
    const rep = await f.store.db
      .selectFrom('app_user')
      .select('id')
      .where('email', '=', 'rep.basis@demo.schoolpols.be')
      .executeTakeFirstOrThrow();
    const school = await f.store.db
      .selectFrom('rep_school')
      .innerJoin('school', 'school.id', 'rep_school.school_id')
      .select(['school.id', 'school.name'])
      .where('rep_school.user_id', '=', rep.id)
      .orderBy('school.staff_count', 'desc')
      .executeTakeFirstOrThrow();
    const wave = await f.store.db
      .selectFrom('wave')
      .select('id')
      .where('sealed', '=', true)
      .orderBy('created_at', 'desc')
      .executeTakeFirstOrThrow();

    const context = await f.browser.newContext({ viewport: { width: 1280, height: 900 }, ignoreHTTPSErrors: true });
    const page = await context.newPage();
    await page.goto(`${f.base}/login`);
    await page.locator('#email').fill('rep.basis@demo.schoolpols.be');
    await page.locator('#password').fill(DEMO_PASSWORD);
    await page.locator('main button[type=submit]').click();
    await page.waitForURL(/\/home/);
    const dashboard = await page.goto(`${f.base}/schools/${school.id}/waves/${wave.id}`);
    expect(dashboard!.status()).toBe(200);
    expect(dashboard!.headers()['cache-control']).toContain('no-store');
    expect(await page.content()).toContain(school.name);

    await page.locator('form.logout button[type=submit]').click();
    await page.waitForLoadState('load');
    expect(page.url()).not.toContain('/schools/');
    await page.goBack({ waitUntil: 'commit' });
    await page.waitForTimeout(1500);
    await page.waitForLoadState('load');
    const html = await page.content();
    expect(html).not.toContain(school.name);
    expect(page.url()).toMatch(/\/login|\/$/);
    await context.close();
  });
});
