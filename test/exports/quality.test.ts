/**
 * The instrument quality report of a sealed wave (issue 20), page and quality.csv, on a seeded wave
 * whose recoded answers are items.csv repeated four times: the numbers must be those of `analysis/`
 * on the same answers and those R computed (test/fixtures/analysis/make-quality-report.R). Tolerance
 * 1e-6: the CSV keeps 6 decimals (rounding ≤ 5e-7) and analysis/ agrees with R to ≤ 1e-8 here
 * (test/analysis/instrument-quality.test.ts).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { testStore, storeKind, type TestStore } from '../helpers/store.ts';
import { testApp } from '../helpers/app.ts';
import { expectedQuality, layout, names, once, seedQualitySchools, seedWave, themeIds } from '../helpers/quality-wave.ts';
import { signedIn } from '../admin/helpers.ts';
import { formatNumber, translator } from '../../server/platform/i18n.ts';
import type { ThemeQuality } from '../../analysis/index.ts';
import { loadWaveResults } from '../../server/results/wave-results.ts';
import { qualityColumns, qualityRows } from '../../server/research/quality-csv.ts';
import { csvText } from '../../server/research/csv.ts';
import { computeQuality } from '../../server/research/quality.ts';

const dir = new URL('../fixtures/analysis/', import.meta.url);
const R = JSON.parse(readFileSync(new URL('quality-report.json', dir), 'utf8')) as {
  reliability: Array<{
    theme: string;
    n: number;
    alpha: number;
    stdAlpha: number;
    itemRest: number[];
    alphaIfDeleted: number[];
    omega: number;
  }>;
  cfa: { n: number; chiSquare: number; df: number; cfi: number; tli: number; rmsea: number; srmr: number };
};
const TOL = 1e-6;

const released = (t: ThemeQuality) => {
  if (t.withheld) throw new Error('withheld');
  return t.reliability;
};

const parse = (csv: string) => {
  const [head, ...body] = csv.trim().split('\r\n');
  const cols = head!.split(',');
  return body.map((line) => Object.fromEntries(line.split(',').map((v, i) => [cols[i]!, v])));
};

describe(`instrument quality report (${storeKind})`, () => {
  let store: TestStore;
  let app: FastifyInstance;
  let big: string;
  let small: string;
  let tiny: string;
  let schoolNames: string[];
  let schoolIds: string[];
  const four = [...once, ...once, ...once, ...once];

  beforeAll(async () => {
    store = await testStore();
    let q: string;
    ({ questionnaireId: q, schoolNames, schoolIds } = await seedQualitySchools(store.db));
    big = await seedWave(store.db, q, schoolIds, 'Kwaliteit groot', four);
    small = await seedWave(store.db, q, schoolIds, 'Kwaliteit klein', once);
    tiny = await seedWave(store.db, q, schoolIds.slice(0, 1), 'Kwaliteit piepklein', once.slice(0, 3));
    app = await testApp(store);
  }, 600_000);
  afterAll(async () => {
    await app?.close();
    await store?.drop();
  });

  it('quality.csv holds exactly analysis/ on the same answers, and R’s values', async () => {
    const { session } = await signedIn(app, store.db, 'researcher');
    const res = await session.get(`/research/waves/${big}/quality.csv`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-disposition']).toBe('attachment; filename="schoolpols-kwaliteit-groot-quality.csv"');
    const expected = expectedQuality(four);
    const respondents = (await loadWaveResults(store.db, big)).disclosure.network().respondents;
    expect(respondents).toMatchObject({ kind: 'value', value: four.length });
    expect(res.body).toBe(
      await csvText(qualityColumns(layout), qualityRows(big, layout, { respondents, withheld: null, quality: expected }), 'standard'),
    );

    const rows = parse(res.body);
    expect(rows.every((r) => r['wave_id'] === big)).toBe(true);
    for (const e of R.reliability) {
      const theme = rows.find((r) => r['level'] === 'theme' && r['theme_id'] === e.theme)!;
      expect(Number(theme['n'])).toBe(e.n);
      expect(Math.abs(Number(theme['alpha']) - e.alpha)).toBeLessThanOrEqual(TOL);
      expect(Math.abs(Number(theme['std_alpha']) - e.stdAlpha)).toBeLessThanOrEqual(TOL);
      expect(Math.abs(Number(theme['omega']) - e.omega)).toBeLessThanOrEqual(TOL);
      const items = rows.filter((r) => r['level'] === 'item' && r['theme_id'] === e.theme);
      e.itemRest.forEach((x, j) => expect(Math.abs(Number(items[j]!['item_rest_r']) - x)).toBeLessThanOrEqual(TOL));
      e.alphaIfDeleted.forEach((x, j) => expect(Math.abs(Number(items[j]!['alpha_if_deleted']) - x)).toBeLessThanOrEqual(TOL));
    }
    const weak = rows.filter((r) => r['weak'] === 'true').map((r) => r['item_id']);
    expect(weak).toEqual(['communication_5']);
    const model = rows.find((r) => r['level'] === 'model')!;
    expect(Number(model['n'])).toBe(R.cfa.n);
    expect(Number(model['df'])).toBe(R.cfa.df);
    expect(Number(model['required_n'])).toBe(940);
    expect(Math.abs(Number(model['chi_square']) - R.cfa.chiSquare)).toBeLessThanOrEqual(TOL);
    for (const k of ['cfi', 'tli', 'rmsea', 'srmr'] as const) expect(Math.abs(Number(model[k]) - R.cfa[k]), k).toBeLessThanOrEqual(TOL);
  });

  it('the page shows the same numbers, the thresholds, the weak item and the CFA fit (nl, then en)', async () => {
    const { session } = await signedIn(app, store.db, 'researcher');
    const expected = expectedQuality(four);
    const res = await session.get(`/research/waves/${big}/quality`);
    expect(res.statusCode).toBe(200);
    const html = res.body;
    for (const [ti, t] of expected.themes.entries()) {
      const r = released(t);
      const row = new RegExp(`<a href="#theme-${themeIds[ti]}">[^<]*</a></th>([\\s\\S]*?)</tr>`).exec(html)![1]!;
      expect(row).toContain(formatNumber('nl', r.n, 0));
      expect(row).toContain(formatNumber('nl', r.alpha.alpha.ok ? r.alpha.alpha.value : NaN, 3));
      expect(row).toContain(formatNumber('nl', r.omega.ok ? r.omega.value : NaN, 3));
    }
    expect(html).toContain('Vraag communication_5');
    expect(/Vraag communication_5[\s\S]*?<strong class="flag">zwak<\/strong>/.exec(html)).not.toBeNull();
    expect(html).toContain('onder 0,30');
    expect(html).toContain('onder 0,70');
    expect(html).toContain('minstens 200 volledige gevallen en minstens 10 per geschat parameter');
    const fit = expected.model.ok ? expected.model.fit : null;
    expect(fit).not.toBeNull();
    expect(html).toContain(
      `${formatNumber('nl', fit!.n, 0)} volledige gevallen, χ² = ${formatNumber('nl', fit!.chiSquare, 1)}, df = ${fit!.df}`,
    );
    for (const k of ['cfi', 'tli', 'rmsea', 'srmr'] as const)
      expect(html).toContain(`<td class="num">${formatNumber('nl', fit![k], 3)}</td>`);
    expect(html).toContain('href="/research/waves/' + big + '/quality.csv"');
    const en = await session.get(`/research/waves/${big}/quality?lang=en`);
    expect(en.body).toContain('Reliability per theme');
    expect(en.body).toContain(formatNumber('en', fit!.cfi, 3));
  });

  it('refuses the CFA below the minimum, with the number needed and the number there, translated', async () => {
    const { session } = await signedIn(app, store.db, 'admin');
    const nl = await session.get(`/research/waves/${small}/quality`);
    expect(nl.statusCode).toBe(200);
    expect(nl.body).toContain('vraagt minstens 940 respondenten die elke vraag beantwoordden, en deze bevraging heeft er 284.');
    const en = await session.get(`/research/waves/${small}/quality?lang=en`);
    expect(en.body).toContain('needs at least 940 respondents who answered every item, and this wave has 284.');
    const csv = parse((await session.get(`/research/waves/${small}/quality.csv`)).body);
    expect(csv.find((r) => r['level'] === 'model')).toMatchObject({
      n: '284',
      required_n: '940',
      chi_square: '',
      cfi: '',
      unavailable: 'cfa:below-minimum',
    });
    // reliability is still reported: it needs only k complete cases per theme
    expect(csv.find((r) => r['level'] === 'theme')!['alpha']).not.toBe('');
  });

  it('says nothing about a school or a group below k', async () => {
    const { session } = await signedIn(app, store.db, 'researcher');
    for (const id of [big, small, tiny]) {
      for (const url of [`/research/waves/${id}/quality`, `/research/waves/${id}/quality.csv`, `/research/waves/${id}/quality?lang=en`]) {
        const body = (await session.get(url)).body;
        for (const [s, name] of schoolNames.entries()) {
          expect(body, url).not.toContain(name);
          expect(body, url).not.toContain(schoolIds[s]);
        }
        expect(body).not.toContain('basisonderwijs');
        expect(body).not.toContain('secundair');
      }
    }
    // A wave of three respondents: the network group is withheld, and so is every number.
    const network = (await loadWaveResults(store.db, tiny)).disclosure.network();
    expect(network.released).toBe(false);
    const rule = network.rule!;
    const page = await session.get(`/research/waves/${tiny}/quality`);
    expect(page.body).toContain(
      `Voor deze bevraging is geen kwaliteitsrapport beschikbaar (${translator('nl')(`disclosure.${rule}`, { k: 5 })}): het netwerk wordt niet getoond.`,
    );
    expect(page.body).not.toMatch(/volledige gevallen, χ²/);
    const rows = parse((await session.get(`/research/waves/${tiny}/quality.csv`)).body);
    expect(rows.length).toBe(names.length + themeIds.length + 1);
    for (const r of rows) {
      expect(r['suppressed'], JSON.stringify(r)).toBe(rule);
      expect(r['n']).toBe('');
      expect(r['alpha']).toBe('');
    }
  });

  it('computes from the network group’s responses, giving the event loop turns as it goes', async () => {
    const results = await loadWaveResults(store.db, big);
    let turns = 0;
    let running = true;
    const spin = () => {
      turns++;
      if (running) setImmediate(spin);
    };
    setImmediate(spin);
    const report = await computeQuality(store.db, results);
    running = false;
    // at least one turn per slice of 1,000 responses
    expect(turns).toBeGreaterThanOrEqual(four.length / 1000);
    expect(report.quality).toEqual(expectedQuality(four));
  });

  it('is reachable from the research page and the admin’s wave page; reps get 403', async () => {
    const researcher = (await signedIn(app, store.db, 'researcher')).session;
    expect((await researcher.get('/research')).body).toContain(`href="/research/waves/${big}/quality"`);
    const admin = (await signedIn(app, store.db, 'admin')).session;
    expect((await admin.get(`/admin/waves/${big}`)).body).toContain(`href="/research/waves/${big}/quality"`);
    const rep = (await signedIn(app, store.db, 'rep', { schoolIds: [schoolIds[0]!] })).session;
    expect((await rep.get(`/research/waves/${big}/quality`)).statusCode).toBe(403);
    expect((await rep.get(`/research/waves/${big}/quality.csv`)).statusCode).toBe(403);
    const logged = await store.db.selectFrom('audit_log').select('target').where('action', '=', 'export.download').execute();
    expect(logged.map((r) => r.target)).toContain(`wave:${big}:quality.csv`);
  });
});
