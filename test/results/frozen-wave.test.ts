/**
 * Issue 15, hole 1: a sealed wave's outputs are made from what was frozen at sealing. An admin who
 * moves a small school to another benchmark group, renames it, changes its staff count and
 * deactivates another school, then forces a recomputation (restart, caches cleared), must get every
 * page, JSON and file of the sealed waves back byte for byte — otherwise the group before and after
 * differ by exactly that school.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { testStore, storeKind, type TestStore } from '../helpers/store.ts';
import { testApp } from '../helpers/app.ts';
import { Session } from '../helpers/session.ts';
import { DEMO_PASSWORD } from '../../server/demo/demo.ts';
import { forgetCachedResults, loadWaveResults } from '../../server/results/wave-results.ts';
import { seedSealedDemo } from './helpers.ts';

const DIALECTS = ['standard', 'excel-nl'];
const FILES = ['themes.csv', 'items.csv', 'codebook.csv', 'datapackage.json', 'export.zip'];

/** The session's CSRF token is the only part of a page that belongs to the viewer, not the wave. */
const normalize = (body: Buffer) => body.toString('latin1').replace(/name="_csrf" value="[^"]*"/g, 'name="_csrf" value=""');

describe(`sealed waves are frozen (${storeKind})`, () => {
  let store: TestStore;
  let sealedWaves: string[];
  let schoolIds: string[];
  let questionnaireKey: string;
  let small: string;

  async function everyOutput(): Promise<Map<string, string>> {
    forgetCachedResults();
    const app: FastifyInstance = await testApp(store);
    try {
      const admin = await new Session(app, '10.2.0.1').login('admin@demo.schoolpols.be', DEMO_PASSWORD);
      const researcher = await new Session(app, '10.2.0.2').login('onderzoek@demo.schoolpols.be', DEMO_PASSWORD);
      const out = new Map<string, string>();
      const take = async (who: Session, url: string) => {
        const res = await who.get(url);
        expect(res.statusCode, url).toBe(200);
        out.set(url, normalize(res.rawPayload));
      };
      for (const w of sealedWaves) {
        for (const s of schoolIds) {
          await take(admin, `/schools/${s}/waves/${w}`);
          await take(admin, `/schools/${s}/waves/${w}/report`);
          await take(admin, `/api/schools/${s}/waves/${w}`);
        }
        await take(admin, `/admin/waves/${w}/network`);
        for (const d of DIALECTS) for (const f of FILES) await take(researcher, `/research/waves/${w}/${f}?dialect=${d}`);
      }
      for (const d of DIALECTS) await take(researcher, `/research/questionnaires/${questionnaireKey}/trends.csv?dialect=${d}`);
      return out;
    } finally {
      await app.close();
    }
  }

  beforeAll(async () => {
    store = await testStore();
    ({ sealedWaves, schoolIds, questionnaireKey, small } = await seedSealedDemo(store));
  });
  afterAll(async () => {
    await store?.drop();
  });

  // Every output twice, and the v2 wave's zip runs its key-driver analysis each time (caches cleared).
  it('every page, JSON and file of a sealed wave is byte-identical after schools are edited', async () => {
    const before = await everyOutput();
    const results = await loadWaveResults(store.db, sealedWaves[1]!);
    const smallGroup = results.schools.get(small)!.benchmarkGroup;
    // The attack of issue 15: move a small school to the other group, rename it, change staff counts,
    // deactivate a large school — then make the server compute everything again.
    const other = smallGroup === 'basisonderwijs' ? 'secundair' : 'basisonderwijs';
    await store.db
      .updateTable('school')
      .set({ benchmark_group: other, name: 'Hernoemd', staff_count: 999 })
      .where('id', '=', small)
      .execute();
    await store.db
      .updateTable('school')
      .set({ active: false, name: 'Gedeactiveerd', benchmark_group: 'nieuw' })
      .where('id', '=', schoolIds[0]!)
      .execute();
    const after = await everyOutput();
    expect([...after.keys()]).toEqual([...before.keys()]);
    for (const [url, body] of before) expect(after.get(url) === body, `${url} changed after editing schools`).toBe(true);
    // The edits are real (the live school changed) and the outputs looked at are not trivially equal.
    expect((await loadWaveResults(store.db, sealedWaves[1]!)).schools.get(small)!.benchmarkGroup).toBe(smallGroup);
    expect(before.size).toBeGreaterThan(50);
    expect([...before.values()].some((b) => b.includes('Hernoemd'))).toBe(false);
  }, 240_000);

  it('shows the decisions stored at sealing, not ones made again: a rule changed later changes nothing', async () => {
    const w = sealedWaves[0]!;
    // Stored as the demo sealed the wave (storeSealedResults), before anything was shown.
    const { decisions } = await store.db.selectFrom('wave_frozen').select('decisions').where('wave_id', '=', w).executeTakeFirstOrThrow();
    expect(decisions).not.toBeNull();
    forgetCachedResults();
    const results = await loadWaveResults(store.db, w);
    const shown = [...results.schools.keys()].find((id) => results.disclosure.school(id).released)!;
    const api = `/api/schools/${shown}/waves/${w}`;
    const dashboard = async () => {
      forgetCachedResults();
      const app = await testApp(store);
      try {
        const admin = await new Session(app, '10.2.0.3').login('admin@demo.schoolpols.be', DEMO_PASSWORD);
        return (await admin.get(api)).body;
      } finally {
        await app.close();
      }
    };
    const before = await dashboard();
    // A stricter rule, as a later version might bring: the stored decision now withholds the school.
    // Were decisions made again on each load, the change would not show; as they are read, it does.
    const stricter = structuredClone(decisions!);
    const school = stricter.schools.find(([id]) => id === shown)!;
    school[2] = 'R3';
    school[3] = false;
    await store.db
      .updateTable('wave_frozen')
      .set({ decisions: JSON.stringify(stricter) })
      .where('wave_id', '=', w)
      .execute();
    forgetCachedResults();
    expect((await loadWaveResults(store.db, w)).disclosure.school(shown).rule).toBe('R3');
    expect(await dashboard()).not.toEqual(before);
    // Decisions about other schools than the frozen ones are refused, never used.
    const foreign = { ...stricter, schools: stricter.schools.slice(1) };
    await store.db
      .updateTable('wave_frozen')
      .set({ decisions: JSON.stringify(foreign) })
      .where('wave_id', '=', w)
      .execute();
    forgetCachedResults();
    await expect(loadWaveResults(store.db, w)).rejects.toThrow(/not about its frozen schools/);
    await store.db
      .updateTable('wave_frozen')
      .set({ decisions: JSON.stringify(decisions) })
      .where('wave_id', '=', w)
      .execute();
    forgetCachedResults();
    expect(await dashboard()).toEqual(before);
  });

  it('a sealed wave without its frozen copy is refused, never computed from the schools as they are now', async () => {
    // Drop the frozen copy of the newest wave: computing it must then refuse rather than use edited data.
    const w = sealedWaves[1]!;
    await store.db.deleteFrom('wave_frozen').where('wave_id', '=', w).execute();
    forgetCachedResults();
    await expect(loadWaveResults(store.db, w)).rejects.toThrow(/no frozen disclosure inputs/);
  });
});
