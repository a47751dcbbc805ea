import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { useStore, storeKind } from '../helpers/store.ts';
import { shipped, submit } from '../helpers/fixtures.ts';
import { publishQuestionnaire } from '../../server/questionnaires.ts';
import { createSchool } from '../../server/admin/schools.ts';
import { createWave, issueCodes, openWave } from '../../server/waves.ts';
import { closeWave } from '../../server/sealing/sealing.ts';
import { loadFrozenWave } from '../../server/results/frozen-wave.ts';
import { itemsInOrder } from '../../surveys/load.ts';
import { layoutOf, sumResponses } from '../../analysis/index.ts';
import { testKeys } from '../helpers/app.ts';

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
  const store = useStore();

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

    // Submit in a known order, each its own transaction.
    const submitted: Array<{ school_id: string; answers: (number | null)[]; background: Record<string, string> }> = [];
    const submittedComments: string[] = [];
    for (let i = 0; i < N; i++) {
      const answers = answersFor(i, itemCount);
      const background = { role: i % 3 === 0 ? 'leraar' : 'directie' };
      // Any character survives: quotes, backslashes, tabs, newlines, accents, emoji (binary COPY, no escaping).
      const comment = i % 10 === 0 ? `opmerking ${i}: "té\\st"\t\n✓ 😀` : null;
      expect(await submit(db, codeFor(i), { answers, background, comment })).toBe(true);
      submitted.push({ school_id: schools[i % 2]!, answers, background });
      if (comment) submittedComments.push(`${schools[i % 2]} ${comment}`);
    }

    const read = () =>
      db
        .selectFrom('response')
        .select(['id', 'school_id', 'answers', 'background'])
        .where('wave_id', '=', waveId)
        .orderBy(sql`ctid`)
        .execute();
    const xmins = async (table: 'response' | 'comment' | 'encrypted_response') =>
      (
        await sql<{ xmin: string }>`select distinct xmin::text as xmin from ${sql.table(table)} where wave_id = ${waveId}`.execute(db)
      ).rows.map((r) => r.xmin);

    // Before sealing, storage reveals the order of arrival (one transaction each, in physical order),
    // but only of ciphertext: this is what sealing must remove.
    expect(await read()).toHaveLength(0);
    expect((await xmins('encrypted_response')).length).toBe(N);

    const { alreadyClosed } = await closeWave(db, testKeys(db), waveId);
    expect(alreadyClosed).toBe(false);

    const after = await read();
    expect(after).toHaveLength(N);
    // 1. Every id is fresh, distinct and a random (version 4) UUID.
    expect(new Set(after.map((r) => r.id)).size).toBe(N);
    for (const r of after) expect(r.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // 2. Physical order (ctid) unrelated to the submission order.
    const submissionOrder = after.map((r) => patternOf(r.answers));
    expect(new Set(submissionOrder).size).toBe(N);
    const rho = spearman(
      submissionOrder,
      after.map((_, p) => p),
    );
    expect(Math.abs(rho)).toBeLessThan(0.2);
    // Grouped by school (schools in id order, for the school index), and within each school too the
    // order is unrelated to the submission order.
    expect(after.map((r) => r.school_id)).toEqual([...after.map((r) => r.school_id)].sort());
    for (const school of schools) {
      const mine = after.filter((r) => r.school_id === school).map((r) => patternOf(r.answers));
      const ranks = [...mine].sort((a, b) => a - b);
      expect(
        Math.abs(
          spearman(
            mine.map((x) => ranks.indexOf(x)),
            mine.map((_, p) => p),
          ),
        ),
      ).toBeLessThan(0.3);
    }
    // 3. One inserting transaction for all rows (and for the comments); the encrypted partitions and the key are gone.
    expect(await xmins('response')).toHaveLength(1);
    expect(await xmins('comment')).toHaveLength(1);
    expect(await xmins('encrypted_response')).toEqual([]);
    expect(await db.selectFrom('wave_key').select('wave_id').where('wave_id', '=', waveId).execute()).toEqual([]);
    // 4. Same content, so the same analysis results.
    const canonical = <T extends { answers: (number | null)[] }>(rows: T[]) =>
      [...rows].sort((a, b) => patternOf(a.answers) - patternOf(b.answers));
    expect(canonical(after).map(({ id: _id, ...rest }) => rest)).toEqual(canonical(submitted));
    expectClose(sumResponses(after, layout), sumResponses(submitted, layout));
    for (const school of schools) {
      expectClose(
        sumResponses(
          after.filter((r) => r.school_id === school),
          layout,
        ),
        sumResponses(
          submitted.filter((r) => r.school_id === school),
          layout,
        ),
      );
    }
    // Comments: same texts per school.
    const commentsAfter = await db.selectFrom('comment').select(['id', 'text', 'school_id']).where('wave_id', '=', waveId).execute();
    expect(commentsAfter.map((c) => `${c.school_id} ${c.text}`).sort()).toEqual(submittedComments.sort());
    // The disclosure inputs frozen at sealing count exactly the sealed responses, per school and background.
    const frozen = (await loadFrozenWave(db, waveId))!.schools;
    for (const f of frozen) {
      const mine = after.filter((r) => r.school_id === f.id);
      expect(f.respondents).toBe(mine.length);
      const counted = new Map<string, number>();
      for (const r of mine) counted.set(JSON.stringify(r.background), (counted.get(JSON.stringify(r.background)) ?? 0) + 1);
      expect(Object.fromEntries(f.cells.map((c) => [JSON.stringify(c.background), c.count]))).toEqual(Object.fromEntries(counted));
    }
    expect(frozen).toHaveLength(2);
    // Every code is gone: spent ones became counts, unused ones could only tell whether a slip was used.
    expect(await db.selectFrom('access_code').select('hash').where('wave_id', '=', waveId).execute()).toEqual([]);
    expect(
      await db
        .selectFrom('wave_school')
        .select(['school_id', 'codes_issued', 'codes_spent'])
        .where('wave_id', '=', waveId)
        .orderBy('school_id')
        .execute(),
    ).toEqual([...schools].sort().map((school_id) => ({ school_id, codes_issued: N / 2 + 5, codes_spent: N / 2 })));

    // Closing again changes nothing.
    const again = await closeWave(db, testKeys(db), waveId);
    expect(again.alreadyClosed).toBe(true);
    expect((await read()).map((r) => r.id)).toEqual(after.map((r) => r.id));
  });
});
