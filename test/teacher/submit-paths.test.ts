/**
 * POST /submit takes one of two paths: answers that fit the questionnaire the server expects are
 * stored in one round trip; anything else goes through the full path (look the code up, check the
 * answers against its own questionnaire, store). Both must answer exactly alike.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type KyselyPlugin, type PluginTransformQueryArgs, type PluginTransformResultArgs, type QueryResult, type RootOperationNode, type UnknownRow } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { testStore, storeKind, type TestStore } from '../helpers/store.ts';
import { testApp } from '../helpers/app.ts';
import { counts, fullAnswers, openWaveWithCodes, shipped } from '../helpers/fixtures.ts';
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
    await sql`create trigger sp_refuse before insert on response for each row execute function sp_refuse()`.execute(store.db);
  } else {
    await sql`drop trigger sp_refuse on response`.execute(store.db);
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

  it('stores a fitting submission with one statement once a form was shown, and otherwise looks the code up first', async () => {
    const { codes } = await openWaveWithCodes(store.db, 4);
    const statements = async (body: Record<string, string>, status: number) => {
      counter.count = 0;
      const res = await app.inject(form(body));
      expect(res.statusCode).toBe(status);
      return counter.count;
    };
    expect(await statements(fullAnswers(codes[0]!), 303), 'no form shown yet: look-up, questionnaire (first use), store').toBe(3);
    expect(await statements(fullAnswers(codes[1]!), 303), 'expected now (the look-up above)').toBe(1);
    await app.inject({ method: 'GET', url: `/c/${codes[3]}` });
    expect(await statements({ ...fullAnswers(codes[2]!), comment: 'Met opmerking.' }, 303)).toBe(1);
    // Spent, unknown: the one statement stores nothing, the full path says why.
    expect(await statements(fullAnswers(codes[2]!), 409)).toBe(2);
    expect(await statements(fullAnswers('ABCDEFGHJKMNP'), 404)).toBe(2);
    // Answers that do not fit never reach the database before the code is looked up.
    expect(await statements({ ...fullAnswers(codes[3]!), 'a.com_1': '9' }, 422)).toBe(1);
  });
});

for (const path of ['full', 'one-statement'] as const) {
  describe(`a submission that fails in the database, ${path} path (${storeKind})`, () => {
    let store: TestStore;
    let app: FastifyInstance;
    beforeAll(async () => {
      store = await testStore();
      app = await testApp(store);
    });
    afterAll(async () => {
      await app?.close();
      await store?.drop();
    });

    it('says nothing was saved (503), keeps the answers and the comment, stores nothing, and the code still works', async () => {
      const { codes } = await openWaveWithCodes(store.db, 2);
      // Showing a form is what makes the server expect its questionnaire.
      if (path === 'one-statement') expect((await app.inject({ method: 'GET', url: `/c/${codes[1]}` })).statusCode).toBe(200);
      const before = await counts(store.db);
      await refuseResponses(store, true);
      try {
        const res = await app.inject(form({ ...fullAnswers(codes[0]!), comment: 'Blijft dit bewaard?' }));
        expect(res.statusCode).toBe(503);
        expect(res.body).toContain('Er is niets bewaard');
        expect(res.body).toMatch(/name="a.com_1" value="\d" checked/);
        expect(res.body).toContain('Blijft dit bewaard?');
        expect(res.headers['set-cookie']).toBeUndefined();
      } finally {
        await refuseResponses(store, false);
      }
      expect(await counts(store.db)).toEqual(before);
      const retry = await app.inject(form({ ...fullAnswers(codes[0]!), comment: 'Blijft dit bewaard?' }));
      expect(retry.statusCode).toBe(303);
      expect(await counts(store.db)).toEqual({ ...before, responses: before.responses + 1, comments: before.comments + 1, spent: before.spent + 1 });
    });
  });
}

describe(`two questionnaires open at once (${storeKind})`, () => {
  let store: TestStore;
  let app: FastifyInstance;
  beforeAll(async () => {
    store = await testStore();
    app = await testApp(store);
  });
  afterAll(async () => {
    await app?.close();
    await store?.drop();
  });

  it("stores each response in its own code's questionnaire layout, whichever form the server saw last", async () => {
    const v1 = await openWaveWithCodes(store.db, 3);
    const v2 = structuredClone(shipped);
    v2.version = 2;
    v2.themes[0]!.items.push({ ...v2.themes[0]!.items[0]!, id: 'com_extra' });
    const v2Wave = await createWave(store.db, { name: 'Versie 2', questionnaireId: await publishQuestionnaire(store.db, v2), schoolIds: [v1.schoolId], k: 5 });
    await openWave(store.db, v2Wave);
    const v2Codes = await issueCodes(store.db, v2Wave, v1.schoolId, 3);
    const layout = (q: typeof shipped) => itemsInOrder(q).map((it) => it.id);
    const stored = async (waveId: string) =>
      (await store.db.selectFrom('response').select('answers').where('wave_id', '=', waveId).execute()).map((r) => r.answers);

    // The server last showed a version-1 form; a version-2 teacher answers only the shared items.
    await app.inject({ method: 'GET', url: `/c/${v1.codes[2]}` });
    expect((await app.inject(form(fullAnswers(v2Codes[0]!)))).statusCode).toBe(303);
    // …and answers the extra item too, which version 1 does not know.
    expect((await app.inject(form({ ...fullAnswers(v2Codes[1]!), 'a.com_extra': '4' }))).statusCode).toBe(303);
    // The server now expects version 2; a version-1 teacher submits.
    expect((await app.inject(form(fullAnswers(v1.codes[0]!)))).statusCode).toBe(303);
    // Answering an item of the other version is refused, naming it, on either side.
    const wrong = await app.inject(form({ ...fullAnswers(v1.codes[1]!), 'a.com_extra': '4' }));
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
