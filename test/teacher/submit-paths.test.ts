/**
 * POST /submit takes one of two paths: answers that fit the questionnaire of the wave the form was
 * shown for (its hidden `wave` field) are sealed and stored in one statement; anything else goes
 * through the full path (look the code up, check the answers against its own wave, store). Both
 * must answer exactly alike.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  sql,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
} from 'kysely';
import type { FastifyInstance } from 'fastify';
import { testStore, storeKind, type TestStore } from '../helpers/store.ts';
import { testApp, useApp } from '../helpers/app.ts';
import { counts, fullAnswers, openedSubmissions, openWaveWithCodes, shipped } from '../helpers/fixtures.ts';
import { publishQuestionnaire } from '../../server/questionnaires.ts';
import { createWave, issueCodes, openWave } from '../../server/waves.ts';
import { itemsInOrder } from '../../surveys/load.ts';

const form = (body: Record<string, string>) => ({
  method: 'POST' as const,
  url: '/submit',
  headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
  payload: new URLSearchParams(body).toString(),
});

async function refuseResponses(store: TestStore, refuse: boolean) {
  if (refuse) {
    await sql`create function sp_refuse() returns trigger language plpgsql as $$ begin raise exception 'refused'; end $$`.execute(store.db);
    await sql`create trigger sp_refuse before insert on encrypted_response for each row execute function sp_refuse()`.execute(store.db);
  } else {
    await sql`drop trigger sp_refuse on encrypted_response`.execute(store.db);
    await sql`drop function sp_refuse()`.execute(store.db);
  }
}

class CountStatements implements KyselyPlugin {
  count = 0;
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.count++;
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

describe(`which path a submission takes (${storeKind})`, () => {
  let store: TestStore;
  let app: FastifyInstance;
  const counter = new CountStatements();
  beforeAll(async () => {
    store = await testStore();
    app = await testApp({ ...store, db: store.db.withPlugin(counter) });
  });
  afterAll(async () => {
    await app?.close();
    await store?.drop();
  });

  it('stores a fitting submission with one statement when the form names its wave, and otherwise looks the code up first', async () => {
    const { codes, waveId, schoolId } = await openWaveWithCodes(store.db, 6);
    const shown = { wave: waveId, school: schoolId };
    const statements = async (body: Record<string, string>, status: number) => {
      counter.count = 0;
      const res = await app.inject(form(body));
      expect(res.statusCode).toBe(status);
      return counter.count;
    };
    // The wave's first answer makes its key (and the server caches the wave for a minute).
    expect(await statements({ ...fullAnswers(codes[0]!), ...shown }, 303)).toBeGreaterThan(1);
    expect(await statements({ ...fullAnswers(codes[1]!), ...shown }, 303), 'the form names its wave and school').toBe(1);
    expect(await statements({ ...fullAnswers(codes[2]!), ...shown, comment: 'Met opmerking.' }, 303)).toBe(1);
    expect(await statements(fullAnswers(codes[3]!), 303), 'neither in the form: look-up, store').toBe(2);
    // Unknown: the one statement stores nothing, the look-up finds no code.
    expect(await statements({ ...fullAnswers('ABCDEFGHJKMNP'), ...shown }, 404)).toBe(2);
    // Spent: the look-up does not tell a used code from an unused one (no participation oracle),
    // so the store is tried once more and refuses.
    expect(await statements({ ...fullAnswers(codes[2]!), ...shown }, 404)).toBe(3);
    // Answers that do not fit never reach the database before the code is looked up.
    expect(await statements({ ...fullAnswers(codes[4]!), ...shown, 'a.com_1': '9' }, 422)).toBe(1);
    // A forged wave or school is checked by the statement itself: nothing stored there, the code's own are used.
    expect(await statements({ ...fullAnswers(codes[5]!), wave: '00000000-0000-4000-8000-000000000000', school: schoolId }, 303)).toBe(3);
  });
});

for (const path of ['full', 'one-statement'] as const) {
  describe(`a submission that fails in the database, ${path} path (${storeKind})`, () => {
    const { store, app } = useApp();

    it('says nothing was saved (503), keeps the answers and the comment, stores nothing, and the code still works', async () => {
      const { codes, waveId, schoolId } = await openWaveWithCodes(store.db, 2);
      // The form's wave and school fields are what send a submission down the one-statement path.
      const wave: Record<string, string> = path === 'one-statement' ? { wave: waveId, school: schoolId } : {};
      const before = await counts(store.db);
      await refuseResponses(store, true);
      try {
        const res = await app.inject(form({ ...fullAnswers(codes[0]!), ...wave, comment: 'Blijft dit bewaard?' }));
        expect(res.statusCode).toBe(503);
        expect(res.body).toContain('Er is niets bewaard');
        expect(res.body).toMatch(/name="a.com_1" value="\d" checked/);
        expect(res.body).toContain('Blijft dit bewaard?');
        expect(res.body).toContain(`name="wave" value="${waveId}"`);
        expect(res.body).toContain(`name="school" value="${schoolId}"`);
        expect(res.headers['set-cookie']).toBeUndefined();
      } finally {
        await refuseResponses(store, false);
      }
      expect(await counts(store.db)).toEqual(before);
      const retry = await app.inject(form({ ...fullAnswers(codes[0]!), ...wave, comment: 'Blijft dit bewaard?' }));
      expect(retry.statusCode).toBe(303);
      expect(await counts(store.db)).toEqual({
        ...before,
        responses: before.responses + 1,
        comments: before.comments + 1,
        spent: before.spent + 1,
      });
    });
  });
}

describe(`two questionnaires open at once (${storeKind})`, () => {
  const { store, app } = useApp();

  it("stores each response in its own code's questionnaire layout, whatever wave the form names", async () => {
    const v1 = await openWaveWithCodes(store.db, 3);
    const v2 = structuredClone(shipped);
    v2.version = 2;
    v2.themes[0]!.items.push({ ...v2.themes[0]!.items[0]!, id: 'com_extra' });
    const v2Wave = await createWave(store.db, {
      name: 'Versie 2',
      questionnaireId: await publishQuestionnaire(store.db, v2),
      schoolIds: [v1.schoolId],
      k: 5,
    });
    await openWave(store.db, v2Wave);
    const v2Codes = await issueCodes(store.db, v2Wave, v1.schoolId, 3);
    const layout = (q: typeof shipped) => itemsInOrder(q).map((it) => it.id);
    const stored = async (waveId: string) => (await openedSubmissions(store.db, waveId)).responses.map((r) => r.answers);

    // A version-2 code in a form that names the version-1 wave (stale or forged), answering only the shared items.
    const school = v1.schoolId;
    expect((await app.inject(form({ ...fullAnswers(v2Codes[0]!), wave: v1.waveId, school }))).statusCode).toBe(303);
    // …and answering the extra item too, which version 1 does not know.
    expect((await app.inject(form({ ...fullAnswers(v2Codes[1]!), wave: v1.waveId, school, 'a.com_extra': '4' }))).statusCode).toBe(303);
    // A version-1 code in a form naming the version-2 wave.
    expect((await app.inject(form({ ...fullAnswers(v1.codes[0]!), wave: v2Wave, school }))).statusCode).toBe(303);
    // Answering an item of the other version is refused, naming it, on either side.
    const wrong = await app.inject(form({ ...fullAnswers(v1.codes[1]!), wave: v2Wave, school, 'a.com_extra': '4' }));
    expect(wrong.statusCode).toBe(422);
    expect(wrong.body).toContain('a.com_extra');

    const v2Answers = await stored(v2Wave);
    expect(v2Answers).toHaveLength(2);
    for (const a of v2Answers) expect(a).toHaveLength(layout(v2).length);
    expect(v2Answers.map((a) => a[layout(v2).indexOf('com_extra')])).toEqual(expect.arrayContaining([null, 4]));
    const v1Answers = await stored(v1.waveId);
    expect(v1Answers).toEqual([itemsInOrder(shipped).map((it) => Number(fullAnswers(v1.codes[0]!)[`a.${it.id}`]))]);
  });
});
