import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { itOn, useStore, storeKind, type TestStore } from '../helpers/store.ts';
import { openStore } from '../../server/db/connect.ts';
import { issueCodes } from '../../server/waves.ts';
import { counts, fullAnswers, openWaveWithCodes, shipped } from '../helpers/fixtures.ts';
import { testKeys } from '../helpers/app.ts';
import { hashCode } from '../../server/teacher/access-codes.ts';
import { sealSubmission, storeSubmission, storeSubmissions, validateAnswers, type ValidAnswers } from '../../server/teacher/submissions.ts';
import { decodeComment, decodeResponse, open } from '../../server/encryption/boxes.ts';
import type { AnswerableWave } from '../../server/encryption/wave-keys.ts';
import { itemsInOrder } from '../../surveys/load.ts';
import type { Questionnaire } from '../../surveys/schema.ts';

const items = itemsInOrder(shipped);

function answers(seed: number): ValidAnswers {
  // Every fifth item unanswered: NULLs must survive the box.
  return { answers: items.map((_, i) => (i % 5 === 4 ? null : ((i + seed) % 5) + 1)), background: { role: 'leraar' }, comment: null };
}

const spentOf = async (store: TestStore, code: string) =>
  (await store.db.selectFrom('access_code').select('spent').where('hash', '=', hashCode(code)).executeTakeFirstOrThrow()).spent;

describe(`storeSubmission: spend and store sealed answers in one statement (${storeKind})`, () => {
  const store = useStore();

  const waveOf = async (waveId: string) => (await testKeys(store.db).answerable(waveId))!;
  const schoolOf = new Map<string, string>();
  const put = async (wave: AnswerableWave, code: string, value: ValidAnswers) => {
    const schoolId = schoolOf.get(wave.waveId)!;
    return storeSubmission(store.db, { hash: hashCode(code), waveId: wave.waveId, schoolId }, sealSubmission(wave, schoolId, value));
  };
  const waveOfFixture = async (w: { waveId: string; schoolId: string }) => {
    schoolOf.set(w.waveId, w.schoolId);
    return waveOf(w.waveId);
  };

  it('spends the code and stores only ciphertext that opens to exactly what was given, the comment only when there is one', async () => {
    const w = await openWaveWithCodes(store.db, 2);
    const wave = await waveOfFixture(w);
    const before = await counts(store.db);
    const first = answers(1);
    expect(await put(wave, w.codes[0]!, first)).toBe(true);
    expect(await counts(store.db)).toEqual({ ...before, responses: before.responses + 1, spent: before.spent + 1 });
    expect(await spentOf(store, w.codes[0]!)).toBe(true);

    const second = { ...answers(2), background: {}, comment: 'Meer overleg graag.' };
    expect(await put(wave, w.codes[1]!, second)).toBe(true);
    expect(await counts(store.db)).toEqual({
      ...before,
      responses: before.responses + 2,
      comments: before.comments + 1,
      spent: before.spent + 2,
    });

    // Nothing in the plaintext tables while the wave is open.
    expect(await store.db.selectFrom('response').select('id').where('wave_id', '=', w.waveId).execute()).toEqual([]);
    expect(await store.db.selectFrom('comment').select('id').where('wave_id', '=', w.waveId).execute()).toEqual([]);
    const boxes = await store.db.selectFrom('encrypted_response').select(['school_id', 'box']).where('wave_id', '=', w.waveId).execute();
    expect(boxes.map((b) => b.school_id)).toEqual([w.schoolId, w.schoolId]);
    const opened = boxes.map((b) =>
      decodeResponse(shipped, open(wave.key, { kind: 'response', waveId: w.waveId, schoolId: w.schoolId }, b.box)),
    );
    expect(opened).toContainEqual({ answers: first.answers, background: { role: 'leraar' } });
    expect(opened).toContainEqual({ answers: second.answers, background: {} });
    const comments = await store.db.selectFrom('encrypted_comment').select('box').where('wave_id', '=', w.waveId).execute();
    expect(comments.map((c) => decodeComment(open(wave.key, { kind: 'comment', waveId: w.waveId, schoolId: w.schoolId }, c.box)))).toEqual([
      'Meer overleg graag.',
    ]);
    // The ciphertext holds none of it in the clear, and cannot be opened as another wave's or another kind of box.
    expect(() => open(wave.key, { kind: 'comment', waveId: w.waveId, schoolId: w.schoolId }, boxes[0]!.box)).toThrow();
    expect(() => open(wave.key, { kind: 'response', waveId: w.schoolId, schoolId: w.schoolId }, boxes[0]!.box)).toThrow();
    // Bound to its school: copied into another school of the wave, it no longer opens.
    expect(() => open(wave.key, { kind: 'response', waveId: w.waveId, schoolId: crypto.randomUUID() }, boxes[0]!.box)).toThrow();
  });

  it('gives every response box of a questionnaire one length and every comment box one length, whatever was answered', async () => {
    const w = await openWaveWithCodes(store.db, 4);
    const wave = await waveOfFixture(w);
    const few = { answers: items.map((_, i) => (i === 0 ? 3 : null)), background: {}, comment: 'x' };
    const many = {
      ...answers(3),
      background: { role: 'directie', seniority: 'gt15' },
      comment: 'Een heel lang verhaal met é, ü en 😀 '.repeat(50).slice(0, shipped.comment!.maxLength),
    };
    expect(await put(wave, w.codes[0]!, few)).toBe(true);
    expect(await put(wave, w.codes[1]!, many)).toBe(true);
    const lengths = async (table: 'encrypted_response' | 'encrypted_comment') =>
      new Set((await store.db.selectFrom(table).select('box').where('wave_id', '=', w.waveId).execute()).map((r) => r.box.byteLength));
    expect((await lengths('encrypted_response')).size).toBe(1);
    expect((await lengths('encrypted_comment')).size).toBe(1);
  });

  it('stores nothing for a spent code, a draft wave, an unknown code, or a code of another wave', async () => {
    const openW = await openWaveWithCodes(store.db, 2);
    const other = await openWaveWithCodes(store.db, 1);
    const draft = await openWaveWithCodes(store.db, 1, { open: false });
    const wave = await waveOfFixture(openW);
    expect(await put(wave, openW.codes[0]!, answers(1))).toBe(true);
    const before = await counts(store.db);
    const withComment = { ...answers(3), comment: 'Mag niet bewaard worden.' };
    expect(await put(wave, openW.codes[0]!, withComment)).toBe(false);
    expect(
      await storeSubmission(
        store.db,
        { hash: hashCode(draft.codes[0]!), waveId: draft.waveId, schoolId: draft.schoolId },
        sealSubmission(wave, draft.schoolId, withComment),
      ),
    ).toBe(false);
    expect(await put(wave, 'ZZZZZZZZZZZZZ', withComment)).toBe(false);
    expect(await put(wave, other.codes[0]!, withComment)).toBe(false);
    // A code of this wave, stored as if it were another school's (a forged form): nothing.
    expect(
      await storeSubmission(
        store.db,
        { hash: hashCode(openW.codes[1]!), waveId: openW.waveId, schoolId: other.schoolId },
        sealSubmission(wave, other.schoolId, withComment),
      ),
    ).toBe(false);
    expect(await counts(store.db)).toEqual(before);
    expect(await spentOf(store, draft.codes[0]!)).toBe(false);
    expect(await spentOf(store, other.codes[0]!)).toBe(false);
  });

  it('stores exactly one of 25 simultaneous submissions of one code', async () => {
    const w = await openWaveWithCodes(store.db, 1);
    const wave = await waveOfFixture(w);
    const before = await counts(store.db);
    const results = await Promise.all(
      Array.from({ length: 25 }, (_, i) => put(wave, w.codes[0]!, { ...answers(i), comment: `opmerking ${i}` })),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await counts(store.db)).toEqual({
      ...before,
      responses: before.responses + 1,
      comments: before.comments + 1,
      spent: before.spent + 1,
    });
  });

  it('stores submissions that arrive together in one statement (one transaction), each spent and stored as its own', async () => {
    const w1 = await openWaveWithCodes(store.db, 12);
    const w2 = await openWaveWithCodes(store.db, 8);
    const [wave1, wave2] = [await waveOfFixture(w1), await waveOfFixture(w2)];
    const before = await counts(store.db);
    const given = [
      ...w1.codes.map((code, i) => ({ wave: wave1, code, value: { ...answers(i), comment: i % 3 ? null : `opmerking ${i}` } })),
      ...w2.codes.map((code, i) => ({ wave: wave2, code, value: answers(100 + i) })),
    ];
    // The first goes alone (nothing else is on its way); the others wait for it, and go together.
    expect(await Promise.all(given.map((g) => put(g.wave, g.code, g.value)))).toEqual(given.map(() => true));
    expect(await counts(store.db)).toEqual({
      ...before,
      responses: before.responses + 20,
      comments: before.comments + 4,
      spent: before.spent + 20,
    });
    // On PostgreSQL they share a transaction; PGlite (one connection in this process, no round trip
    // to save) stores them one at a time.
    const xmins = await sql<{ xmin: string }>`
      select distinct xmin::text as xmin from encrypted_response where wave_id in (${w1.waveId}, ${w2.waveId})`.execute(store.db);
    if (storeKind === 'postgres') expect(xmins.rows.length).toBeLessThanOrEqual(2);
    else expect(xmins.rows.length).toBe(20);
    // Every box opens to the answers of one submission of its wave, each submission once.
    for (const [w, wave] of [
      [w1, wave1],
      [w2, wave2],
    ] as const) {
      const boxes = await store.db.selectFrom('encrypted_response').select('box').where('wave_id', '=', w.waveId).execute();
      const opened = boxes.map((b) =>
        decodeResponse(shipped, open(wave.key, { kind: 'response', waveId: w.waveId, schoolId: w.schoolId }, b.box)),
      );
      expect(opened.map((o) => JSON.stringify(o.answers)).sort()).toEqual(
        given
          .filter((g) => g.wave === wave)
          .map((g) => JSON.stringify(g.value.answers))
          .sort(),
      );
    }
    const comments = await store.db.selectFrom('encrypted_comment').select('box').where('wave_id', '=', w1.waveId).execute();
    expect(
      comments.map((c) => decodeComment(open(wave1.key, { kind: 'comment', waveId: w1.waveId, schoolId: w1.schoolId }, c.box))).sort(),
    ).toEqual(['opmerking 0', 'opmerking 3', 'opmerking 6', 'opmerking 9']);
  });

  it('stores a code named several times in one batch once', async () => {
    const w = await openWaveWithCodes(store.db, 2);
    const wave = await waveOfFixture(w);
    const before = await counts(store.db);
    // The first goes alone; the five that wait for it share a statement, all with one code.
    const first = put(wave, w.codes[0]!, answers(0));
    const same = Array.from({ length: 5 }, (_, i) => put(wave, w.codes[1]!, { ...answers(i + 1), comment: `dubbel ${i}` }));
    expect(await first).toBe(true);
    expect((await Promise.all(same)).filter(Boolean)).toHaveLength(1);
    expect(await counts(store.db)).toEqual({
      ...before,
      responses: before.responses + 2,
      comments: before.comments + 1,
      spent: before.spent + 2,
    });
  });

  it('answers each submission of one batch statement for itself: spent, unknown, repeated, of a draft or closed wave, of another school', async () => {
    const w = await openWaveWithCodes(store.db, 5);
    const other = await openWaveWithCodes(store.db, 1);
    const draft = await openWaveWithCodes(store.db, 1, { open: false });
    const closed = await openWaveWithCodes(store.db, 1);
    const wave = await waveOfFixture(w);
    const closedWave = await waveOfFixture(closed);
    expect(await put(wave, w.codes[4]!, answers(0))).toBe(true);
    await store.db.updateTable('wave').set({ status: 'closed' }).where('id', '=', closed.waveId).execute();
    const before = await counts(store.db);
    const entry = (code: string, waveId: string, schoolId: string, seed: number, sealFor = wave) => ({
      hash: hashCode(code),
      waveId,
      schoolId,
      sealed: sealSubmission(sealFor, schoolId, { ...answers(seed), comment: `batch ${seed}` }),
    });
    const batch = [
      entry(w.codes[0]!, w.waveId, w.schoolId, 1),
      entry(w.codes[1]!, w.waveId, w.schoolId, 2),
      entry(w.codes[0]!, w.waveId, w.schoolId, 3), // the same code again
      entry(w.codes[4]!, w.waveId, w.schoolId, 4), // spent before
      entry('ZZZZZZZZZZZZZ', w.waveId, w.schoolId, 5), // no such code
      entry(draft.codes[0]!, draft.waveId, draft.schoolId, 6), // a draft wave's
      entry(closed.codes[0]!, closed.waveId, closed.schoolId, 7, closedWave), // a closed wave's
      entry(w.codes[2]!, w.waveId, other.schoolId, 8), // named for another school
      entry(w.codes[3]!, w.waveId, w.schoolId, 9),
    ];
    const stored = await storeSubmissions(store.db, batch);
    // One of the two with code 0 (which is not said), and codes 1 and 3; nothing else.
    expect(stored.filter((x, i) => x && (i === 0 || i === 2))).toHaveLength(1);
    expect([stored[1], ...stored.slice(3, 8), stored[8]]).toEqual([true, false, false, false, false, false, true]);
    expect(await counts(store.db)).toEqual({
      ...before,
      responses: before.responses + 3,
      comments: before.comments + 3,
      spent: before.spent + 3,
    });
    for (const code of [w.codes[0]!, w.codes[1]!, w.codes[3]!]) expect(await spentOf(store, code)).toBe(true);
    for (const code of [w.codes[2]!, draft.codes[0]!, closed.codes[0]!]) expect(await spentOf(store, code)).toBe(false);
    // The boxes stored are those of the submissions answered true, all in the batch's one transaction
    // (the wave's other box, stored before, in its own).
    const comments = await store.db.selectFrom('encrypted_comment').select(['box', 'school_id']).where('wave_id', '=', w.waveId).execute();
    expect(
      comments.map((c) => decodeComment(open(wave.key, { kind: 'comment', waveId: w.waveId, schoolId: c.school_id }, c.box))).sort(),
    ).toEqual(batch.map((_, i) => `batch ${i + 1}`).filter((_, i) => stored[i]));
    const xmins = await sql<{ xmin: string }>`
      select distinct xmin::text as xmin from encrypted_response where wave_id = ${w.waveId}`.execute(store.db);
    expect(xmins.rows).toHaveLength(2);
  });

  itOn(
    'postgres',
    'lets a submission that waits for a row lock hold up only its own statement, not the others',
    async () => {
      const w = await openWaveWithCodes(store.db, 11);
      const wave = await waveOfFixture(w);
      // Another transaction (another instance storing the same code, say) holds the first code's row.
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let locked!: () => void;
      const isLocked = new Promise<void>((resolve) => (locked = resolve));
      const holder = store.db.transaction().execute(async (trx) => {
        await sql`select 1 from access_code where hash = ${hashCode(w.codes[0]!)} for update`.execute(trx);
        locked();
        await held;
      });
      await isLocked;
      let waited = false;
      try {
        const blocked = put(wave, w.codes[0]!, answers(0)).then((stored) => ((waited = true), stored));
        await new Promise((resolve) => setTimeout(resolve, 50));
        // The others are stored while the first still waits (with one statement at a time, they waited too).
        const others = Promise.all(w.codes.slice(1).map((code, i) => put(wave, code, answers(i + 1))));
        const stalled = new Promise((resolve) => setTimeout(() => resolve('still waiting after 5 s'), 5000));
        expect(await Promise.race([others, stalled])).toEqual(w.codes.slice(1).map(() => true));
        expect(waited).toBe(false);
        release();
        expect(await blocked).toBe(true);
      } finally {
        release();
        await holder;
      }
    },
    20_000,
  );

  itOn('postgres', 'lets two servers store batches naming the same codes without deadlocking each other', async () => {
    // Two stores on one database, as two instances of the server: a teacher's double click can reach
    // both. A wave with codes enough that PostgreSQL looks each one up by its index, as in a real
    // network (with few, it reads the partition in its own order and no order of the batch matters).
    const w = await openWaveWithCodes(store.db, 500);
    await issueCodes(store.db, w.waveId, w.schoolId, 60_000);
    await sql`analyze access_code`.execute(store.db);
    const wave = await waveOfFixture(w);
    const second = await openStore({ databaseUrl: store.url!, poolSize: 4 });
    try {
      // In the order of arrival, 7 of 10 such rounds deadlocked (PostgreSQL then aborts one batch).
      for (let round = 0; round < 25; round++) {
        const codes = w.codes.slice(20 * round, 20 * round + 20);
        const batch = () =>
          [...codes]
            .sort(() => Math.random() - 0.5)
            .map((code, i) => ({
              hash: hashCode(code),
              waveId: w.waveId,
              schoolId: w.schoolId,
              sealed: sealSubmission(wave, w.schoolId, answers(i)),
            }));
        const [a, b] = await Promise.all([storeSubmissions(store.db, batch()), storeSubmissions(second.db, batch())]);
        // Every code stored exactly once, by one of the two.
        expect(a.filter(Boolean).length + b.filter(Boolean).length).toBe(20);
      }
    } finally {
      await second.close();
    }
  });

  it('keeps one submission’s failure its own when it arrived together with others', async () => {
    const w = await openWaveWithCodes(store.db, 8);
    const wave = await waveOfFixture(w);
    const before = await counts(store.db);
    const first = put(wave, w.codes[0]!, answers(0));
    // A hash PostgreSQL cannot take as text fails the statement it is in; the others in that statement are stored alone.
    const broken = storeSubmission(
      store.db,
      { hash: 'kapot\u0000', waveId: w.waveId, schoolId: w.schoolId },
      sealSubmission(wave, w.schoolId, answers(1)),
    );
    const rest = w.codes.slice(1).map((code, i) => put(wave, code, answers(i + 2)));
    expect(await first).toBe(true);
    await expect(broken).rejects.toThrow();
    expect(await Promise.all(rest)).toEqual(rest.map(() => true));
    expect(await counts(store.db)).toEqual({ ...before, responses: before.responses + 8, spent: before.spent + 8 });
  });

  it('inside a transaction, stores as part of it: rolled back with it', async () => {
    const w = await openWaveWithCodes(store.db, 1);
    const wave = await waveOfFixture(w);
    const before = await counts(store.db);
    await expect(
      store.db.transaction().execute(async (trx) => {
        expect(
          await storeSubmission(
            trx,
            { hash: hashCode(w.codes[0]!), waveId: w.waveId, schoolId: w.schoolId },
            sealSubmission(wave, w.schoolId, answers(1)),
          ),
        ).toBe(true);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await counts(store.db)).toEqual(before);
    expect(await spentOf(store, w.codes[0]!)).toBe(false);
  });

  it('writes nothing at all when any part fails: the comment insert failing leaves the code unspent and no response', async () => {
    const w = await openWaveWithCodes(store.db, 1);
    const wave = await waveOfFixture(w);
    const before = await counts(store.db);
    await sql`create function sp_refuse_comment() returns trigger language plpgsql as $$ begin raise exception 'refused'; end $$`.execute(
      store.db,
    );
    await sql`create trigger sp_refuse_comment before insert on encrypted_comment for each row execute function sp_refuse_comment()`.execute(
      store.db,
    );
    try {
      await expect(put(wave, w.codes[0]!, { ...answers(1), comment: 'Gaat mis.' })).rejects.toThrow(/refused/);
    } finally {
      await sql`drop trigger sp_refuse_comment on encrypted_comment`.execute(store.db);
      await sql`drop function sp_refuse_comment()`.execute(store.db);
    }
    expect(await counts(store.db)).toEqual(before);
    expect(await spentOf(store, w.codes[0]!)).toBe(false);
    // The same code still works afterwards.
    expect(await put(wave, w.codes[0]!, { ...answers(1), comment: 'Nu wel.' })).toBe(true);
    expect(await counts(store.db)).toEqual({
      ...before,
      responses: before.responses + 1,
      comments: before.comments + 1,
      spent: before.spent + 1,
    });
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
    expect(validateAnswers(stricter, { code: 'X', [`a.${withNa!.id}`]: '0' })).toEqual({
      ok: false,
      errors: { [`a.${withNa!.id}`]: 'error.field.offScale' },
    });
    expect(validateAnswers(stricter, { code: 'X', [`a.${dropped.id}`]: '3' })).toEqual({
      ok: false,
      errors: { [`a.${dropped.id}`]: 'error.field.unknownItem' },
    });
    const ok = validateAnswers(stricter, { code: 'X', 'a.com_1': '2' });
    expect(ok.ok && ok.value.answers).toHaveLength(items.length - 1);
    // …and the shipped object is still answered by its own shape.
    expect(validateAnswers(shipped, { code: 'X', [`a.${withNa!.id}`]: '0' }).ok).toBe(true);
    expect(validateAnswers(shipped, { code: 'X', [`a.${dropped.id}`]: '3' }).ok).toBe(true);
  });
});
