/**
 * Sealing fails as a whole, and says why: an error while the spent codes are counted (here raised by
 * a trigger, as a full disk or a lost lock would be) is reported as itself, not as the "transaction
 * is aborted" of the statement after it, and the wave stays open with its boxes and codes.
 */
import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { useStore, storeKind } from '../helpers/store.ts';
import { openWaveWithCodes, shipped, submit } from '../helpers/fixtures.ts';
import { closeWave } from '../../server/sealing/sealing.ts';
import { partitionName } from '../../server/db/partitions.ts';
import { itemsInOrder } from '../../surveys/load.ts';
import { testKeys } from '../helpers/app.ts';

describe(`sealing that fails while counting the spent codes (${storeKind})`, () => {
  const store = useStore();

  it('rolls back everything and reports the error itself', async () => {
    const db = store.db;
    const { waveId, codes } = await openWaveWithCodes(db, 6);
    const answers = itemsInOrder(shipped).map((_, i) => 1 + (i % 5));
    for (const code of codes.slice(0, 5)) expect(await submit(db, code, { answers, background: {}, comment: null })).toBe(true);
    await sql`create function refuse_counting() returns trigger language plpgsql as $$
              begin raise exception 'counting refused by the test trigger'; end $$`.execute(db);
    await sql`create trigger refuse_counting before update on wave_school for each row execute function refuse_counting()`.execute(db);
    await expect(closeWave(db, testKeys(db), waveId)).rejects.toThrow(/counting refused by the test trigger/);
    await sql`drop trigger refuse_counting on wave_school`.execute(db);

    const wave = await db.selectFrom('wave').select(['status', 'sealed']).where('id', '=', waveId).executeTakeFirstOrThrow();
    expect(wave).toEqual({ status: 'open', sealed: false });
    const boxes = await sql<{
      n: number;
    }>`select count(*)::int as n from ${sql.table(partitionName('encrypted_response', waveId))}`.execute(db);
    expect(boxes.rows[0]!.n).toBe(5);
    const spent = await db.selectFrom('access_code').select('hash').where('wave_id', '=', waveId).where('spent', '=', true).execute();
    expect(spent).toHaveLength(5);
    // And sealing afterwards works as ever.
    await closeWave(db, testKeys(db), waveId);
    expect(await db.selectFrom('response').select('id').where('wave_id', '=', waveId).execute()).toHaveLength(5);
  });
});
