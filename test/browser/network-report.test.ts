import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { storeKind } from '../helpers/store.ts';
import { browserAvailable, browserFixture, expectAccessible, pageErrors } from '../helpers/browser.ts';
import { shippedV2 } from '../helpers/fixtures.ts';
import { driverSchools, seedDriverWave } from '../helpers/driver-wave.ts';
import { signedIn } from '../admin/helpers.ts';
import { publishQuestionnaire } from '../../server/questionnaires.ts';

/**
 * The network report (issue 20) in Chromium: axe finds no violation, nothing is wider than the
 * printable width of A4 (210 mm less the report's 2 × 14 mm margins), and the PDF has A4 pages, each
 * with the running header and its page number.
 */
const OUT = 'test-results/network-report';
const PRINTABLE = ((210 - 2 * 14) * 96) / 25.4;

describe.runIf(browserAvailable)(`the network report in Chromium (${storeKind})`, () => {
  let waveId = '';
  const f = browserFixture(async (store) => {
    const q = await publishQuestionnaire(store.db, shippedV2);
    const basis = await driverSchools(store.db, 'basisonderwijs', 6, 12, 'Printschool basis');
    const secundair = await driverSchools(store.db, 'secundair', 2, 30, 'Printschool secundair');
    // An earlier wave of the same questionnaire, so the report has themes over two waves to print.
    await seedDriverWave(store.db, q, 'Eerdere golf', [...basis, ...secundair], 4);
    waveId = await seedDriverWave(store.db, q, 'Netwerk print', [...basis, ...secundair], 5);
  });

  it('passes axe, fits the printable width and prints on A4 with header and page numbers (nl, en)', async () => {
    mkdirSync(OUT, { recursive: true });
    const context = await f.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors = pageErrors(page);
    page.setDefaultTimeout(30_000);
    // Admins sign in with two-step verification (issue 16): the session is made as other admin tests make it.
    const { session } = await signedIn(f.app, f.store.db, 'admin');
    const [name, value] = session.cookie!.split('=') as [string, string];
    await context.addCookies([{ name, value, url: f.base }]);
    await page.goto(`${f.base}/admin/waves/${waveId}/network`);
    await page.getByRole('link', { name: 'Netwerkrapport om af te drukken (A4)' }).click();
    await page.waitForURL(/\/network\/report$/);
    for (const lang of ['nl', 'en'] as const) {
      await page.emulateMedia({ media: 'screen' });
      await page.setViewportSize({ width: 1280, height: 900 });
      await page.goto(`${f.base}/admin/waves/${waveId}/network/report?lang=${lang}`);
      await expectAccessible(page, `network report (${lang})`);
      // Themes over the waves on a phone: every column in view, no sideways scrolling.
      await page.setViewportSize({ width: 360, height: 800 });
      const scrolled = await page.evaluate(() =>
        [...document.querySelectorAll('table.trends')].map((tb) => {
          const wrap = tb.closest('.table-wrap')!;
          return wrap.scrollWidth - wrap.clientWidth;
        }),
      );
      expect(scrolled.length, `trend tables (${lang})`).toBeGreaterThan(0);
      for (const over of scrolled) expect(over, `trend table wider than 360 px (${lang})`).toBeLessThanOrEqual(0);
      await page.emulateMedia({ media: 'print' });
      await page.setViewportSize({ width: Math.floor(PRINTABLE), height: 900 });
      const tooWide = await page.evaluate((edge) => {
        const out: string[] = [];
        for (const el of document.querySelectorAll('main *')) {
          const r = el.getBoundingClientRect();
          if (r.width > 0 && r.right > edge + 0.5) out.push(`${el.tagName.toLowerCase()}.${el.className}: ${Math.round(r.right)}`);
        }
        return out;
      }, Math.floor(PRINTABLE));
      expect(tooWide, `wider than the printable width (${lang})`).toEqual([]);
      const pdf = `${OUT}/report-${lang}.pdf`;
      await page.pdf({ path: pdf, format: 'A4', printBackground: true });
      const info = execFileSync('pdfinfo', [pdf], { encoding: 'utf8' });
      expect(info).toMatch(/Page size:\s+59[56](\.\d+)? x 84[12](\.\d+)? pts \(A4\)/);
      const pages = Number(/Pages:\s+(\d+)/.exec(info)![1]);
      expect(pages).toBeGreaterThan(1);
      // The new sections print whole: every row of every trend table (one per group and theme) is on paper.
      const all = execFileSync('pdftotext', [pdf, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
      const rows = await page.locator('table.trends tbody tr th[scope="row"]', { hasText: 'Eerdere golf' }).count();
      expect(rows).toBeGreaterThan(0);
      expect(all.split('Eerdere golf').length - 1, `trend rows on paper (${lang})`).toBe(rows);
      for (const heading of lang === 'nl'
        ? ["Thema's over de bevragingen", 'Acties na deze bevraging']
        : ['Themes over the waves', 'Actions after this wave'])
        expect(all).toContain(heading);
      const header = lang === 'nl' ? 'COnneCt netwerkrapport · Netwerk print' : 'COnneCt network report · Netwerk print';
      for (let i = 1; i <= pages; i++) {
        const text = execFileSync('pdftotext', ['-f', String(i), '-l', String(i), pdf, '-'], { encoding: 'utf8' });
        expect(text, `page ${i}: running header`).toContain(header);
        expect(text, `page ${i}: page number`).toMatch(new RegExp(`(^|\\s)${i}\\s*/\\s*${pages}(\\s|$)`));
        expect(text).not.toContain('Printschool');
      }
    }
    expect(errors).toEqual([]);
    await context.close();
  });
});
