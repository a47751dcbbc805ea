import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type KyselyPlugin, type PluginTransformQueryArgs, type PluginTransformResultArgs, type QueryResult, type RootOperationNode, type UnknownRow } from 'kysely';
import { testStore, storeKind, type TestStore } from '../helpers/store.ts';
import { counts, fullAnswers, openWaveWithCodes, shipped } from '../helpers/fixtures.ts';
import { hashCode } from '../../server/access-codes.ts';
import { expectedSubmission, lookUpCode, storeExpected, storeResponse, validateAnswers, type CodeContext, type ValidAnswers } from '../../server/submissions.ts';
import { publishQuestionnaire } from '../../server/questionnaires.ts';
import { createWave, issueCodes, openWave } from '../../server/waves.ts';
import { itemsInOrder } from '../../surveys/load.ts';
import type { Questionnaire } from '../../surveys/schema.ts';

const items = itemsInOrder(shipped);

function answers(seed: number): ValidAnswers {
  // Every fifth item unanswered: NULLs must survive the smallint[] parameter.
  return { answers: items.map((_, i) => (i % 5 === 4 ? null : ((i + seed) % 5) + 1)), background: { role: 'leraar' }, comment: null };
}

const spentOf = async (store: TestStore, code: string) =>
  (await store.db.selectFrom('access_code').select('spent').where('hash', '=', hashCode(code)).executeTakeFirstOrThrow()).spent;

describe(`storeResponse: one statement (${storeKind})`, () => {
  let store: TestStore;
  beforeAll(async () => {
    store = await testStore();
  });
  afterAll(async () => {
    await store?.drop();
  });

  const contextFor = (code: string, w: { waveId: string; schoolId: string }): CodeContext => ({
    hash: hashCode(code),
    waveId: w.waveId,
    schoolId: w.schoolId,
    questionnaire: shipped,
  });

  it('spends the code and stores the response exactly as given, with the comment only when there is one', async () => {
    const w = await openWaveWithCodes(store.db, 2);
    const before = await counts(store.db);
    const first = answers(1);
    expect(await storeResponse(store.db, contextFor(w.codes[0]!, w), first)).toEqual({ ok: true });
    expect(await counts(store.db)).toEqual({ ...before, responses: before.responses + 1, spent: before.spent + 1 });
    expect(await spentOf(store, w.codes[0]!)).toBe(true);

    const second = { ...answers(2), background: {}, comment: 'Meer overleg graag.' };
    expect(await storeResponse(store.db, contextFor(w.codes[1]!, w), second)).toEqual({ ok: true });
    expect(await counts(store.db)).toEqual({ ...before, responses: before.responses + 2, comments: before.comments + 1, spent: before.spent + 2 });

    const rows = await store.db.selectFrom('response').select(['wave_id', 'school_id', 'answers', 'background']).where('wave_id', '=', w.waveId).execute();
    expect(rows).toHaveLength(2);
    expect(rows).toContainEqual({ wave_id: w.waveId, school_id: w.schoolId, answers: first.answers, background: { role: 'leraar' } });
    expect(rows).toContainEqual({ wave_id: w.waveId, school_id: w.schoolId, answers: second.answers, background: {} });
    const comments = await store.db.selectFrom('comment').select(['wave_id', 'school_id', 'text']).where('wave_id', '=', w.waveId).execute();
    expect(comments).toEqual([{ wave_id: w.waveId, school_id: w.schoolId, text: 'Meer overleg graag.' }]);
  });

  it('stores nothing and says why for a spent code, a wave that is not open and an unknown code', async () => {
    const open = await openWaveWithCodes(store.db, 1);
    const draft = await openWaveWithCodes(store.db, 1, { open: false });
    expect(await storeResponse(store.db, contextFor(open.codes[0]!, open), answers(1))).toEqual({ ok: true });
    const before = await counts(store.db);

    const withComment = { ...answers(3), comment: 'Mag niet bewaard worden.' };
    expect(await storeResponse(store.db, contextFor(open.codes[0]!, open), withComment)).toEqual({ ok: false, problem: 'spent' });
    expect(await storeResponse(store.db, contextFor(draft.codes[0]!, draft), withComment)).toEqual({ ok: false, problem: 'not-open' });
    expect(await storeResponse(store.db, { ...contextFor('ZZZZZZZZZZ', open) }, withComment)).toEqual({ ok: false, problem: 'unknown' });
    expect(await counts(store.db)).toEqual(before);
    expect(await spentOf(store, draft.codes[0]!)).toBe(false);
  });

  it('stores exactly one of 25 simultaneous submissions of one code; the others are told it is spent', async () => {
    const w = await openWaveWithCodes(store.db, 1);
    const before = await counts(store.db);
    const results = await Promise.all(Array.from({ length: 25 }, (_, i) => storeResponse(store.db, contextFor(w.codes[0]!, w), { ...answers(i), comment: `opmerking ${i}` })));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok && r.problem === 'spent')).toHaveLength(24);
    expect(await counts(store.db)).toEqual({ ...before, responses: before.responses + 1, comments: before.comments + 1, spent: before.spent + 1 });
  });

  it('writes nothing at all when any part fails: the comment insert failing leaves the code unspent and no response', async () => {
    const w = await openWaveWithCodes(store.db, 1);
    const before = await counts(store.db);
    await sql`create function sp_refuse_comment() returns trigger language plpgsql as $$ begin raise exception 'refused'; end $$`.execute(store.db);
    await sql`create trigger sp_refuse_comment before insert on comment for each row execute function sp_refuse_comment()`.execute(store.db);
    try {
      await expect(storeResponse(store.db, contextFor(w.codes[0]!, w), { ...answers(1), comment: 'Gaat mis.' })).rejects.toThrow(/refused/);
    } finally {
      await sql`drop trigger sp_refuse_comment on comment`.execute(store.db);
      await sql`drop function sp_refuse_comment()`.execute(store.db);
    }
    expect(await counts(store.db)).toEqual(before);
    expect(await spentOf(store, w.codes[0]!)).toBe(false);
    // The same code still works afterwards.
    expect(await storeResponse(store.db, contextFor(w.codes[0]!, w), { ...answers(1), comment: 'Nu wel.' })).toEqual({ ok: true });
    expect(await counts(store.db)).toEqual({ ...before, responses: before.responses + 1, comments: before.comments + 1, spent: before.spent + 1 });
  });
});

/** Counts the statements sent through a Kysely instance (and gives it an identity of its own). */
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

describe(`expectedSubmission and storeExpected: one round trip (${storeKind})`, () => {
  let store: TestStore;
  beforeAll(async () => {
    store = await testStore();
  });
  afterAll(async () => {
    await store?.drop();
  });

  it('expects nothing before a code of an open wave was looked up through the same store', async () => {
    const w = await openWaveWithCodes(store.db, 2);
    const counter = new CountStatements();
    const db = store.db.withPlugin(counter);
    expect(expectedSubmission(db, w.codes[0]!, fullAnswers(w.codes[0]!))).toBeNull();
    expect((await lookUpCode(db, w.codes[1]!)).ok).toBe(true);
    expect(expectedSubmission(db, w.codes[0]!, fullAnswers(w.codes[0]!))).not.toBeNull();
    // Another Kysely instance (another store) has its own expectation.
    expect(expectedSubmission(store.db.withPlugin(new CountStatements()), w.codes[0]!, fullAnswers(w.codes[0]!))).toBeNull();
  });

  it('stores a fitting submission in one statement, exactly as the full path would', async () => {
    const w = await openWaveWithCodes(store.db, 3);
    const counter = new CountStatements();
    const db = store.db.withPlugin(counter);
    await lookUpCode(db, w.codes[2]!);
    const before = await counts(store.db);
    const body = { ...fullAnswers(w.codes[0]!), comment: ' Graag. ' };
    const expected = expectedSubmission(db, w.codes[0]!.toLowerCase(), body)!;
    expect(expected).toEqual({ hash: hashCode(w.codes[0]!), questionnaireId: w.questionnaireId, questionnaire: shipped, value: (validateAnswers(shipped, body) as { value: ValidAnswers }).value });
    expect(expected.value.comment).toBe('Graag.');
    counter.count = 0;
    expect(await storeExpected(db, expected)).toBe(true);
    expect(counter.count).toBe(1);
    expect(await counts(store.db)).toEqual({ ...before, responses: before.responses + 1, comments: before.comments + 1, spent: before.spent + 1 });
    const row = await store.db.selectFrom('response').select(['school_id', 'answers', 'background']).where('wave_id', '=', w.waveId).executeTakeFirstOrThrow();
    expect(row).toEqual({ school_id: w.schoolId, answers: expected.value.answers, background: { role: 'leraar', seniority: 'from5to15' } });
    // Spent now: nothing more is stored, and the full path is left to say so.
    expect(await storeExpected(db, expectedSubmission(db, w.codes[0]!, body)!)).toBe(false);
    expect(await counts(store.db)).toEqual({ ...before, responses: before.responses + 1, comments: before.comments + 1, spent: before.spent + 1 });
  });

  it('stores nothing for an unknown code, a wave that is not open, or a wave answered with another questionnaire', async () => {
    const open = await openWaveWithCodes(store.db, 1);
    const draft = await openWaveWithCodes(store.db, 1, { open: false });
    const db = store.db.withPlugin(new CountStatements());
    await lookUpCode(db, open.codes[0]!);
    // A later version: the same items and one more; its wave is open too.
    const v2 = structuredClone(shipped);
    v2.version = 2;
    v2.themes[0]!.items.push({ ...v2.themes[0]!.items[0]!, id: 'com_extra' });
    const otherWave = await createWave(store.db, { name: 'Versie 2', questionnaireId: await publishQuestionnaire(store.db, v2), schoolIds: [open.schoolId], k: 5 });
    await openWave(store.db, otherWave);
    const [otherCode] = await issueCodes(store.db, otherWave, open.schoolId, 1);
    const before = await counts(store.db);
    for (const code of ['ABCDEFGHJKMNP', draft.codes[0]!, otherCode!]) {
      const expected = expectedSubmission(db, code, fullAnswers(code));
      expect(expected, code).not.toBeNull();
      expect(await storeExpected(db, expected!), code).toBe(false);
    }
    expect(await counts(store.db)).toEqual(before);
    // Answers that do not fit, or input that cannot be a code, are not expected at all.
    expect(expectedSubmission(db, open.codes[0]!, { ...fullAnswers(open.codes[0]!), 'a.com_extra': '3' })).toBeNull();
    expect(expectedSubmission(db, open.codes[0]!, { code: open.codes[0]! })).toBeNull();
    expect(expectedSubmission(db, 'not a code', fullAnswers('not a code'))).toBeNull();
  });

  it('stores exactly one of 25 simultaneous submissions of one code', async () => {
    const w = await openWaveWithCodes(store.db, 2);
    await lookUpCode(store.db, w.codes[1]!);
    const before = await counts(store.db);
    const results = await Promise.all(
      Array.from({ length: 25 }, (_, i) => storeExpected(store.db, expectedSubmission(store.db, w.codes[0]!, { ...fullAnswers(w.codes[0]!, i), comment: `opmerking ${i}` })!)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await counts(store.db)).toEqual({ ...before, responses: before.responses + 1, comments: before.comments + 1, spent: before.spent + 1 });
  });
});

describe('validateAnswers: shapes cached per questionnaire object', () => {
  it('gives every call its own result, equal for equal input', () => {
    const body = fullAnswers('X');
    const a = validateAnswers(shipped, body);
    const b = validateAnswers(shipped, body);
    expect(a.ok && b.ok).toBe(true);
    if (!a.ok || !b.ok) return;
    expect(b.value).toEqual(a.value);
    expect(b.value.answers).not.toBe(a.value.answers);
    a.value.answers.fill(null);
    expect(validateAnswers(shipped, { code: 'X', 'a.com_1': '3' })).toEqual({
      ok: true,
      value: { answers: items.map((it) => (it.id === 'com_1' ? 3 : null)), background: {}, comment: null },
    });
  });

  it('answers for each questionnaire object from that object, not from one validated before', () => {
    const withNa = items.find((it) => shipped.scales.find((s) => s.id === it.scale)?.notApplicable !== undefined);
    expect(withNa, 'the shipped questionnaire has an item with n.v.t.').toBeDefined();
    expect(validateAnswers(shipped, { code: 'X', [`a.${withNa!.id}`]: '0' }).ok).toBe(true);

    // Another version of the questionnaire: the same items, no n.v.t. and one item fewer.
    const stricter: Questionnaire = structuredClone(shipped);
    for (const s of stricter.scales) delete (s as { notApplicable?: unknown }).notApplicable;
    const dropped = stricter.themes[0]!.items.pop()!;
    expect(validateAnswers(stricter, { code: 'X', [`a.${withNa!.id}`]: '0' })).toEqual({ ok: false, errors: { [`a.${withNa!.id}`]: 'error.field.offScale' } });
    expect(validateAnswers(stricter, { code: 'X', [`a.${dropped.id}`]: '3' })).toEqual({ ok: false, errors: { [`a.${dropped.id}`]: 'error.field.unknownItem' } });
    const ok = validateAnswers(stricter, { code: 'X', 'a.com_1': '2' });
    expect(ok.ok && ok.value.answers).toHaveLength(items.length - 1);
    // …and the shipped object is still answered by its own shape.
    expect(validateAnswers(shipped, { code: 'X', [`a.${withNa!.id}`]: '0' }).ok).toBe(true);
    expect(validateAnswers(shipped, { code: 'X', [`a.${dropped.id}`]: '3' }).ok).toBe(true);
  });
});
