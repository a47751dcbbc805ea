import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect } from 'vitest';
import { testStore, type TestStore } from './store.ts';
import { testApp } from './app.ts';
import { DEMO_PASSWORD } from '../../server/demo/demo.ts';

export const CHROMIUM = '/usr/bin/chromium';
const required = process.env.REQUIRE_BROWSER === '1';

/**
 * Browser tests need Debian's Chromium. Locally they are skipped with one loud line when it is
 * missing; with REQUIRE_BROWSER=1 (CI) a missing browser fails the run instead.
 */
export const browserAvailable = existsSync(CHROMIUM);
if (!browserAvailable) {
  if (required) throw new Error(`REQUIRE_BROWSER=1 but ${CHROMIUM} is missing (apt-get install -y chromium)`);
  process.stderr.write(`\n!!! BROWSER TESTS SKIPPED: ${CHROMIUM} not found (apt-get install -y chromium) !!!\n\n`);
}

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Runs axe-core for WCAG 2.1 A/AA; evaluated over the DevTools protocol, so the page's CSP stays on. */
export async function expectAccessible(page: Page, label: string): Promise<void> {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as {
        axe: {
          run: (
            ctx: unknown,
            opts: unknown,
          ) => Promise<{ violations: Array<{ id: string; help: string; nodes: Array<{ target: string[] }> }> }>;
        };
      }
    ).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations.map((v) => ({ id: v.id, help: v.help, targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  expect(violations, `axe violations on ${label}`).toEqual([]);
}

export const SHOTS = 'test-results/screenshots';

export interface BrowserFixture {
  store: TestStore;
  app: FastifyInstance;
  browser: Browser;
  /** e.g. http://127.0.0.1:41234 */
  base: string;
}

/**
 * A test store, the app listening on a free port and Chromium, for the tests of one `describe`:
 * started before them (after `seed`), stopped after. Read its fields inside the tests.
 */
export function browserFixture(seed?: (store: TestStore) => Promise<unknown>): BrowserFixture {
  const f = {} as BrowserFixture;
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    f.store = await testStore();
    await seed?.(f.store);
    f.app = await testApp(f.store);
    f.base = await f.app.listen({ port: 0, host: '127.0.0.1' });
    f.browser = await launch();
  });
  afterAll(async () => {
    await f.browser?.close();
    await f.app?.close();
    await f.store?.drop();
  });
  return f;
}

/** Console errors and uncaught exceptions of a page, collected as they happen. */
export function pageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

/** Signs in on the login page as the demo network's secondary-school rep, and waits for their home page. */
export async function signInAsDemoRep(page: Page, base: string): Promise<void> {
  await page.goto(`${base}/login`);
  await page.getByLabel('E-mailadres').fill('rep.secundair@demo.schoolpols.be');
  await page.getByLabel('Wachtwoord').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Aanmelden' }).click();
  await page.waitForURL(/\/home$/);
}
