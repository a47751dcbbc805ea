/**
 * Issue 17 (the dashboard surge): a school's breakdowns are stored right after sealing and read by
 * its dashboard instead of its responses. What is stored must be exactly what the responses give —
 * every released group's sums and the measures answer R3 withholds — for every school; a wave sealed
 * before they were stored, and a row that lists other groups or is cut short, must give the very same
 * dashboard.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { testStore, storeKind, type TestStore } from '../helpers/store.ts';
import { testApp } from '../helpers/app.ts';
import { Session } from '../helpers/session.ts';
import { DEMO_PASSWORD } from '../../server/demo/demo.ts';
import { forgetCachedResults, loadWaveResults } from '../../server/results/wave-results.ts';
import { schoolBreakdowns } from '../../server/results/school-breakdowns.ts';
import {
  breakdownAnswersR3,
  measureCount,
  sumResponses,
  unpackResponseSums,
  validAnswers,
  type ResponseSums,
} from '../../analysis/index.ts';
import { seedSealedDemo } from './helpers.ts';

const normalize = (html: string) => html.replace(/name="_csrf" value="[^"]*"/g, 'name="_csrf" value=""');

describe(`breakdowns stored at sealing (${storeKind})`, () => {
  let store: TestStore;
  let app: FastifyInstance;
  let admin: Session;
  let waveId: string;
  let schoolIds: string[];

  beforeAll(async () => {
    store = await testStore();
    const demo = await seedSealedDemo(store);
    waveId = demo.sealedWaves.at(-1)!;
    schoolIds = demo.schoolIds;
    app = await testApp(store);
    admin = await new Session(app, '10.17.0.1').login('admin@demo.schoolpols.be', DEMO_PASSWORD);
  });
  afterAll(async () => {
    await app?.close();
    await store?.drop();
  });

  const dashboards = async () => {
    const out = new Map<string, string>();
    for (const id of schoolIds) {
      const res = await admin.get(`/schools/${id}/waves/${waveId}?lang=en`);
      if (res.statusCode === 200) out.set(id, normalize(res.body));
    }
    return out;
  };

  /** Independently of the module: each released group's responses summed, and R3 over the school's background combinations. */
  async function fromResponses(schoolId: string) {
    const results = await loadWaveResults(store.db, waveId);
    const rows = (
      await store.db
        .selectFrom('response')
        .select(['answers', 'background'])
        .where('wave_id', '=', waveId)
        .where('school_id', '=', schoolId)
        .execute()
    ).map((r) => ({ answers: r.answers, background: r.background }));
    const released = results.disclosure.breakdowns(schoolId).flatMap((b) => b.groups.filter((g) => g.released));
    const sums = new Map<string, ResponseSums>();
    for (const g of released) {
      const wanted = new Set(g.categories ?? []);
      sums.set(
        g.key,
        sumResponses(
          rows.filter((r) => wanted.has(r.background[g.backgroundId!] ?? null)),
          results.layout,
        ),
      );
    }
    const ids = results.questionnaire.background.map((b) => b.id);
    const atomOf = (r: (typeof rows)[number]) => ids.map((id) => r.background[id] ?? '-').join('|');
    const atoms = [...new Set(rows.map(atomOf))].sort();
    const groups = [
      atoms.map((_, i) => i),
      ...released.map((g) => {
        const wanted = new Set(g.categories ?? []);
        const bi = ids.indexOf(g.backgroundId!);
        return atoms.flatMap((a, i) => {
          const v = a.split('|')[bi]!;
          return wanted.has(v === '-' ? null : v) ? [i] : [];
        });
      }),
    ];
    const valid = atoms.map((a) =>
      validAnswers(
        sumResponses(
          rows.filter((r) => atomOf(r) === a),
          results.layout,
        ),
      ),
    );
    const withheld = released.length ? breakdownAnswersR3(groups, valid, measureCount(results.layout), results.wave.k) : new Set<number>();
    return { sums, withheld: new Set(withheld) };
  }

  it('are stored for every school with a released breakdown group, exactly as its responses give them', async () => {
    const results = await loadWaveResults(store.db, waveId);
    const stored = await store.db
      .selectFrom('wave_school_breakdowns')
      .select(['school_id', 'groups'])
      .where('wave_id', '=', waveId)
      .execute();
    const withGroups = schoolIds.filter((id) =>
      results.schools.has(id) ? results.disclosure.breakdowns(id).some((b) => b.groups.some((g) => g.released)) : false,
    );
    expect(withGroups.length).toBeGreaterThan(3);
    expect(stored.map((r) => r.school_id).sort()).toEqual([...withGroups].sort());
    let withheldSomewhere = false;
    for (const id of withGroups) {
      const expected = await fromResponses(id);
      const got = await schoolBreakdowns(store.db, results, id);
      expect([...got.packed.keys()]).toEqual([...expected.sums.keys()]);
      for (const [key, sums] of expected.sums)
        expect(unpackResponseSums(got.packed.get(key)!, results.layout), `${id} ${key}`).toEqual(sums);
      expect([...got.withheld].sort((a, b) => a - b)).toEqual([...expected.withheld].sort((a, b) => a - b));
      withheldSomewhere ||= got.withheld.size > 0;
    }
    // The demo must exercise answer R3 in some breakdown, or this test proves less than it says.
    expect(withheldSomewhere).toBe(true);
  });

  it('give the same dashboards as a wave sealed before they were stored, and are remade when a row is not the disclosure’s', async () => {
    const before = await dashboards();
    expect(before.size).toBeGreaterThan(3);

    await sql`delete from wave_school_breakdowns where wave_id = ${waveId}`.execute(store.db);
    forgetCachedResults();
    expect(await dashboards()).toEqual(before);
    // Each first view made and stored its school's row again.
    const remade = await store.db
      .selectFrom('wave_school_breakdowns')
      .select(['school_id', 'sums'])
      .where('wave_id', '=', waveId)
      .execute();
    expect(remade.length).toBeGreaterThan(3);

    // A row naming other groups (an earlier version's), and one cut short, are not believed.
    const [first, second] = remade;
    await sql`update wave_school_breakdowns set groups = array['not-a-group'], sums = ${new Uint8Array(8)}
              where wave_id = ${waveId} and school_id = ${first!.school_id}`.execute(store.db);
    await sql`update wave_school_breakdowns set sums = substring(sums from 1 for 16) where wave_id = ${waveId} and school_id = ${second!.school_id}`.execute(
      store.db,
    );
    forgetCachedResults();
    expect(await dashboards()).toEqual(before);
    const after = await store.db
      .selectFrom('wave_school_breakdowns')
      .select(['school_id', 'sums'])
      .where('wave_id', '=', waveId)
      .where('school_id', 'in', [first!.school_id, second!.school_id])
      .execute();
    for (const r of after) expect(Buffer.from(r.sums)).toEqual(Buffer.from(remade.find((x) => x.school_id === r.school_id)!.sums));
  });

  it('are made again when another version of the rules made them, so a changed rule reaches sealed waves', async () => {
    const before = await dashboards();
    const rows = await store.db
      .selectFrom('wave_school_breakdowns')
      .select(['school_id', 'withheld', 'made_by'])
      .where('wave_id', '=', waveId)
      .execute();
    const withheld = rows.find((r) => r.withheld.length > 0)!;
    expect(withheld).toBeDefined();
    // What an earlier version of answer R3 might have stored: the same groups, less withheld.
    await sql`update wave_school_breakdowns set withheld = '{}', made_by = 'answers-r3/0'
              where wave_id = ${waveId} and school_id = ${withheld.school_id}`.execute(store.db);
    forgetCachedResults();
    expect(await dashboards()).toEqual(before);
    const again = await store.db
      .selectFrom('wave_school_breakdowns')
      .select(['withheld', 'made_by'])
      .where('wave_id', '=', waveId)
      .where('school_id', '=', withheld.school_id)
      .executeTakeFirstOrThrow();
    expect(again).toEqual({ withheld: withheld.withheld.map(Number), made_by: withheld.made_by });
  });
});
