/**
 * Issue 15, holes 3–5, scanned over every output of a sealed wave with small schools: every count
 * shown is 0, at least k, or "fewer than k" (admin pages included); no percentile among fewer than 5
 * released schools; no item or theme statistic on fewer than k valid answers, in pages and exports.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import Papa from 'papaparse';
import { testStore, storeKind, type TestStore } from '../helpers/store.ts';
import { testApp, testKeys } from '../helpers/app.ts';
import { Session } from '../helpers/session.ts';
import { DEMO_PASSWORD } from '../../server/demo/demo.ts';
import { createSchool } from '../../server/admin/schools.ts';
import { createWave, openWave } from '../../server/waves.ts';
import { closeWave } from '../../server/sealing/sealing.ts';
import { storeWithoutCodes } from '../../server/teacher/submissions.ts';
import { seedSealedDemo } from './helpers.ts';

const K = 5;
const ITEMS = 41;
/** The first theme (communicatie) has items 0..5. */
const person = (role: string, value: number, notApplicable: number[] = []) => ({
  answers: Array.from({ length: ITEMS }, (_, i) => (notApplicable.includes(i) ? 0 : 1 + ((value + i) % 5))),
  background: { role },
  comment: null,
});

describe(`sealed counts below k (${storeKind})`, () => {
  let store: TestStore;
  let app: FastifyInstance;
  let admin: Session;
  let researcher: Session;
  let waveId: string;
  const schools: Record<string, string> = {};

  beforeAll(async () => {
    store = await testStore();
    const demo = await seedSealedDemo(store);
    const db = store.db;
    const keys = testKeys(db);
    const { questionnaire_id } = await db
      .selectFrom('wave')
      .select('questionnaire_id')
      .where('id', '=', demo.sealedWaves[0]!)
      .executeTakeFirstOrThrow();
    // Four schools in one group (so no benchmark: < 5 schools), three of them released: A (6, where
    // two said n.v.t. to the first item: 4 valid answers), B (7), D (12: leraar 7, directie 5, three
    // directie answered n.v.t. to the whole first theme) and C (3: R1).
    const people: Record<string, ReturnType<typeof person>[]> = {
      A: [...[1, 2, 3, 4].map((v) => person('leraar', v)), ...[5, 1].map((v) => person('leraar', v, [0]))],
      B: [1, 2, 3, 4, 5, 1, 2].map((v) => person('leraar', v)),
      C: [1, 2, 3].map((v) => person('leraar', v)),
      D: [
        ...[1, 2, 3, 4, 5, 1, 2].map((v) => person('leraar', v)),
        ...[3, 4].map((v) => person('directie', v)),
        ...[5, 1, 2].map((v) => person('directie', v, [0, 1, 2, 3, 4, 5])),
      ],
    };
    for (const name of Object.keys(people)) {
      schools[name] = await createSchool(db, { name: `Klein ${name}`, benchmark_group: 'klein', municipality: 'Gent', staff_count: 20 });
    }
    waveId = await createWave(db, { name: 'Kleine bevraging', questionnaireId: questionnaire_id, schoolIds: Object.values(schools), k: K });
    await openWave(db, waveId);
    const wave = (await keys.answerable(waveId))!;
    for (const [name, list] of Object.entries(people)) {
      await storeWithoutCodes(db, wave, schools[name]!, list);
      await db
        .updateTable('wave_school')
        .set({ codes_issued: 20, codes_spent: list.length })
        .where('wave_id', '=', waveId)
        .where('school_id', '=', schools[name]!)
        .execute();
    }
    await closeWave(db, keys, waveId);
    app = await testApp(store);
    admin = await new Session(app, '10.3.0.1').login('admin@demo.schoolpols.be', DEMO_PASSWORD);
    researcher = await new Session(app, '10.3.0.2').login('onderzoek@demo.schoolpols.be', DEMO_PASSWORD);
  });
  afterAll(async () => {
    await app?.close();
    await store?.drop();
  });

  type Shown = { text: string; value: number | null; rule: string | null };
  const okCount = (s: Shown, where: string) => expect(s.value === null || s.value === 0 || s.value >= K, `${where}: ${s.text}`).toBe(true);

  it('dashboards (JSON): every count 0, ≥ k or "fewer than k"; no percentile among 3 schools; no item on 4 answers', async () => {
    let counts = 0;
    for (const [name, id] of Object.entries(schools)) {
      const res = await admin.get(`/api/schools/${id}/waves/${waveId}`);
      expect(res.statusCode).toBe(200);
      const v = JSON.parse(res.body);
      okCount(v.respondents, `${name} respondents`);
      for (const th of v.themes) {
        okCount(th.n, `${name} ${th.id} n`);
        // Three released schools: a rank among them would tell a rep how the other two did.
        expect(th.percentile.value, `${name} ${th.id} percentile`).toBeNull();
        if (name !== 'C') expect(th.percentile.text).toMatch(/minder dan 5 rapporteerbare scholen/);
        for (const it of th.items) {
          okCount(it.n, `${name} ${it.id} n`);
          okCount(it.notApplicable, `${name} ${it.id} n.v.t.`);
          counts += 2;
        }
      }
      for (const b of v.breakdowns) for (const g of b.groups) okCount(g.n, `${name} ${b.label} ${g.label}`);
    }
    expect(counts).toBeGreaterThan(100);
    const a = JSON.parse((await admin.get(`/api/schools/${schools.A}/waves/${waveId}`)).body);
    const first = a.themes[0].items[0];
    expect(first.n.text).toBe('minder dan 5 geldige antwoorden');
    expect([first.mean.value, first.favourable.value, ...first.percents.map((p: Shown) => p.value)]).toEqual([
      null,
      null,
      null,
      null,
      null,
      null,
      null,
    ]);
    expect(a.themes[0].items[1].n.value).toBe(6);
    // D's directie (5) has 2 theme scores for "communicatie": withheld in the breakdown, other themes shown.
    const d = JSON.parse((await admin.get(`/api/schools/${schools.D}/waves/${waveId}`)).body);
    const role = d.breakdowns.find((b: { groups: unknown[] }) => b.groups.length > 0);
    const directie = role.groups.find((g: { label: string }) => /Directie/i.test(g.label));
    expect(directie.n.value).toBe(5);
    expect(directie.means[0].value).toBeNull();
    expect(directie.means[0].text).toBe('minder dan 5 geldige antwoorden');
    expect(directie.means[1].value).not.toBeNull();
  });

  it('the admin wave page shows used codes and responses below k as "fewer than k", totals too when they would give them away', async () => {
    const page = (await admin.get(`/admin/waves/${waveId}`)).body;
    const rows = [
      ...page.matchAll(
        /<tr><th scope="row">([^<]*)<\/th><td>[^<]*<\/td><td class="num">(\d+)<\/td><td class="num">(\d+)<\/td><td class="num">[^<]*<\/td><td class="num">([^<]*)<\/td><td class="num">([^<]*)<\/td><\/tr>/g,
      ),
    ];
    expect(rows.map((r) => r[1])).toEqual(['Klein A', 'Klein B', 'Klein C', 'Klein D']);
    for (const r of rows)
      for (const cell of [r[4]!, r[5]!])
        expect(/^\d+$/.test(cell) ? Number(cell) >= K : cell === 'minder dan 5 antwoorden', `${r[1]}: ${cell}`).toBe(true);
    expect(rows.find((r) => r[1] === 'Klein C')!.slice(4)).toEqual(['minder dan 5 antwoorden', 'minder dan 5 antwoorden']);
    expect(rows.find((r) => r[1] === 'Klein D')!.slice(4)).toEqual(['12', '12']);
    // total − shown schools would be C's 3: the totals say why they are not shown
    expect(page).not.toContain('>28<');
    expect(page).toMatch(
      /<td class="num">niet getoond: zou kleine groepen herleidbaar maken<\/td><td class="num">niet getoond: zou kleine groepen herleidbaar maken<\/td><\/tr>/,
    );
  });

  it('pages and exports: no count below k, no statistic on fewer than k valid answers', async () => {
    for (const id of Object.values(schools)) {
      for (const url of [`/schools/${id}/waves/${waveId}`, `/schools/${id}/waves/${waveId}/report`]) {
        const html = (await admin.get(url)).body;
        expect(html, url).not.toMatch(/<td class="num[^"]*">[1-4]<\/td>/);
      }
    }
    const network = (await admin.get(`/admin/waves/${waveId}/network`)).body;
    // the heatmap's respondents per school (the spread table's column counts schools, not people)
    const heat = [...network.matchAll(/<tr><th scope="row">[^<]*<\/th><td>[^<]*<\/td><td class="num">([^<]*)<\/td>/g)].map((m) => m[1]!);
    expect(heat).toHaveLength(4);
    for (const n of heat) expect(/^\d+$/.test(n) ? Number(n) >= K : n === 'minder dan 5 antwoorden', n).toBe(true);
    const csv = async (url: string) =>
      Papa.parse<Record<string, string>>((await researcher.get(url)).body, { header: true, skipEmptyLines: true }).data;
    const items = await csv(`/research/waves/${waveId}/items.csv`);
    const themes = await csv(`/research/waves/${waveId}/themes.csv`);
    const trends = (await csv('/research/questionnaires/schoolklimaat/trends.csv')).filter((r) => r.wave_id === waveId);
    for (const [file, rows] of [
      ['items', items],
      ['themes', themes],
      ['trends', trends],
    ] as const) {
      expect(rows.length, file).toBeGreaterThan(0);
      for (const r of rows) expect(r.n === '' || Number(r.n) >= K, `${file} ${r.scope_id} ${r.item_id ?? r.theme_id}: n ${r.n}`).toBe(true);
    }
    const first = items.find((r) => r.scope_id === schools.A && r.item_id === items[0]!.item_id)!;
    expect(first).toMatchObject({ n: '', mean: '', pct_1: '', pct_favourable: '', suppressed: 'R1' });
  });
});
