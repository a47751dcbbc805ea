import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { testStore, storeKind, type TestStore } from '../helpers/store.ts';
import { shipped } from '../helpers/fixtures.ts';
import { publishQuestionnaire } from '../../server/questionnaires.ts';
import { createSchool } from '../../server/schools.ts';
import { closeWave, createWave, issueCodes, openWave } from '../../server/waves.ts';
import { hashCode } from '../../server/access-codes.ts';
import { storeResponse } from '../../server/submissions.ts';
import { itemsInOrder } from '../../surveys/load.ts';
import { layoutOf, sumResponses } from '../../analysis/index.ts';

/** Responses submitted one by one (each its own transaction), in a known order. */
const N = 400;
const PATTERN_ITEMS = 4; // 5^4 = 625 distinct patterns ≥ N

/** Response i: its first four answers spell i in base 5 (values 1..5), the rest vary deterministically. */
function answersFor(i: number, itemCount: number): (number | null)[] {
  const out: (number | null)[] = [];
  let x = i;
  for (let d = 0; d < PATTERN_ITEMS; d++) {
    out.push((x % 5) + 1);
    x = Math.floor(x / 5);
  }
  for (let j = PATTERN_ITEMS; j < itemCount; j++) {
    const v = (i * 7 + j * 13 + ((i * j) % 11)) % 7; // 0..6: 0 = n.v.t., 6 = skipped
    out.push(v === 6 ? null : v);
  }
  return out;
}

function patternOf(answers: readonly (number | null)[]): number {
  let i = 0;
  for (let d = PATTERN_ITEMS - 1; d >= 0; d--) i = i * 5 + (answers[d]! - 1);
  return i;
}

/** Spearman's rank correlation of two orderings without ties (ranks 0..n-1). */
function spearman(a: number[], b: number[]): number {
  const n = a.length;
  const d2 = a.reduce((acc, x, i) => acc + (x - b[i]!) ** 2, 0);
  return 1 - (6 * d2) / (n * (n * n - 1));
}

/** Deep equality with a relative tolerance for floats (sums in another order may differ in the last bit). */
function expectClose(actual: unknown, expected: unknown, path = '$'): void {
  if (typeof expected === 'number' && typeof actual === 'number') {
    expect(Math.abs(actual - expected), path).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(expected)));
  } else if (Array.isArray(expected)) {
    expect(Array.isArray(actual), path).toBe(true);
    expect((actual as unknown[]).length, path).toBe(expected.length);
    expected.forEach((e, i) => expectClose((actual as unknown[])[i], e, `${path}[${i}]`));
  } else if (expected && typeof expected === 'object') {
    expect(Object.keys(actual as object).sort(), path).toEqual(Object.keys(expected).sort());
    for (const [k, v] of Object.entries(expected)) expectClose((actual as Record<string, unknown>)[k], v, `${path}.${k}`);
  } else {
    expect(actual, path).toEqual(expected);
  }
}

describe(`sealing a wave at close (${storeKind})`, () => {
  let store: TestStore;
  beforeAll(async () => {
    store = await testStore();
  });
  afterAll(async () => {
    await store?.drop();
  });

  it(`rewrites ${N} responses: new ids, physical order unrelated to submission order, one xmin, same results`, async () => {
    const db = store.db;
    const itemCount = itemsInOrder(shipped).length;
    const layout = layoutOf(shipped);
    const questionnaireId = await publishQuestionnaire(db, shipped);
    const schools = [
      await createSchool(db, { name: 'Zegel A', benchmark_group: 'secundair', municipality: 'Gent', staff_count: N / 2 }),
      await createSchool(db, { name: 'Zegel B', benchmark_group: 'secundair', municipality: 'Gent', staff_count: N / 2 }),
    ];
    const waveId = await createWave(db, { name: 'Zegel', questionnaireId, schoolIds: schools, k: 5 });
    await openWave(db, waveId);
    const codes = [...(await issueCodes(db, waveId, schools[0]!, N / 2 + 5)), ...(await issueCodes(db, waveId, schools[1]!, N / 2 + 5))];
    const codeFor = (i: number) => (i % 2 === 0 ? codes[i / 2]! : codes[N / 2 + 5 + (i - 1) / 2]!);

    // Submit in a known order, recording each response id right after its insert.
    const submittedIds: string[] = [];
    for (let i = 0; i < N; i++) {
      const answers = answersFor(i, itemCount);
      const result = await storeResponse(
        db,
        { hash: hashCode(codeFor(i)), waveId, schoolId: schools[i % 2]!, questionnaire: shipped },
        { answers, background: { role: i % 3 === 0 ? 'leraar' : 'directie' }, comment: i % 10 === 0 ? `opmerking ${i}` : null },
      );
      expect(result.ok).toBe(true);
      const row = await db
        .selectFrom('response')
        .select('id')
        .where('wave_id', '=', waveId)
        .where(sql`answers[1:${sql.lit(PATTERN_ITEMS)}]`, '=', sql`${sql.val(answers.slice(0, PATTERN_ITEMS))}::smallint[]`)
        .executeTakeFirstOrThrow();
      submittedIds.push(row.id);
    }

    const read = () =>
      db.selectFrom('response').select(['id', 'school_id', 'answers', 'background']).where('wave_id', '=', waveId).orderBy(sql`ctid`).execute();
    const xmins = async (table: 'response' | 'comment') =>
      (await sql<{ xmin: string }>`select distinct xmin::text as xmin from ${sql.table(table)} where wave_id = ${waveId}`.execute(db)).rows.map((r) => r.xmin);

    const before = await read();
    const commentsBefore = await db.selectFrom('comment').select(['id', 'text', 'school_id']).where('wave_id', '=', waveId).execute();
    expect(before).toHaveLength(N);
    // Before sealing, storage does reveal the order: this is what sealing must remove.
    expect(spearman(before.map((r) => patternOf(r.answers)), before.map((_, p) => p))).toBeGreaterThan(0.95);
    expect((await xmins('response')).length).toBe(N);

    const { alreadyClosed } = await closeWave(db, waveId);
    expect(alreadyClosed).toBe(false);

    const after = await read();
    expect(after).toHaveLength(N);
    // 1. Every id is new.
    const old = new Set(submittedIds);
    expect(after.filter((r) => old.has(r.id))).toEqual([]);
    expect(new Set(after.map((r) => r.id)).size).toBe(N);
    // 2. Physical order (ctid) unrelated to the submission order.
    const submissionOrder = after.map((r) => patternOf(r.answers));
    expect(new Set(submissionOrder).size).toBe(N);
    const rho = spearman(submissionOrder, after.map((_, p) => p));
    expect(Math.abs(rho)).toBeLessThan(0.2);
    // 3. One inserting transaction for all rows (and for the comments).
    expect(await xmins('response')).toHaveLength(1);
    expect(await xmins('comment')).toHaveLength(1);
    // 4. Same content, so the same analysis results.
    const canonical = (rows: typeof before) => [...rows].sort((a, b) => patternOf(a.answers) - patternOf(b.answers));
    const strip = (rows: typeof before) => canonical(rows).map(({ id: _id, ...rest }) => rest);
    expect(strip(after)).toEqual(strip(before));
    expect(sumResponses(canonical(after), layout)).toEqual(sumResponses(canonical(before), layout));
    expectClose(sumResponses(after, layout), sumResponses(before, layout));
    for (const school of schools) {
      expectClose(sumResponses(after.filter((r) => r.school_id === school), layout), sumResponses(before.filter((r) => r.school_id === school), layout));
    }
    // Comments: re-keyed, same texts per school.
    const commentsAfter = await db.selectFrom('comment').select(['id', 'text', 'school_id']).where('wave_id', '=', waveId).execute();
    const oldComments = new Set(commentsBefore.map((c) => c.id));
    expect(commentsAfter.filter((c) => oldComments.has(c.id))).toEqual([]);
    const texts = (cs: typeof commentsBefore) => cs.map((c) => `${c.school_id} ${c.text}`).sort();
    expect(texts(commentsAfter)).toEqual(texts(commentsBefore));
    // Spent codes became counts; unspent ones remain (and no longer work: the wave is closed).
    expect(await db.selectFrom('access_code').select('spent').where('wave_id', '=', waveId).where('spent', '=', true).execute()).toEqual([]);
    expect(await db.selectFrom('wave_school').select(['school_id', 'codes_issued', 'codes_spent']).where('wave_id', '=', waveId).orderBy('school_id').execute()).toEqual(
      [...schools].sort().map((school_id) => ({ school_id, codes_issued: N / 2 + 5, codes_spent: N / 2 })),
    );

    // Closing again changes nothing.
    const again = await closeWave(db, waveId);
    expect(again.alreadyClosed).toBe(true);
    expect((await read()).map((r) => r.id)).toEqual(after.map((r) => r.id));
  });
});
