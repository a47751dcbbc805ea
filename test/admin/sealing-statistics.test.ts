/**
 * Sealing leaves no code of the wave anywhere (design §4), and that includes what PostgreSQL keeps
 * about a table beside its rows: the planner's statistics hold a sample of a column's values (some
 * hundred of the wave's code hashes, once the codes' partition was analysed, as autovacuum does
 * soon after codes are issued). Found by an adversarial review of a sealing that emptied the codes'
 * partition with TRUNCATE, which keeps the relation and so its statistics.
 */
import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { useStore, storeKind } from '../helpers/store.ts';
import { testKeys } from '../helpers/app.ts';
import { openWaveWithCodes, shipped, submit } from '../helpers/fixtures.ts';
import { closeWave } from '../../server/sealing/sealing.ts';
import { partitionName } from '../../server/db/partitions.ts';
import { hashCode, normaliseCode } from '../../server/teacher/access-codes.ts';
import { itemsInOrder } from '../../surveys/load.ts';

describe(`statistics of a wave's codes after sealing (${storeKind})`, () => {
  const store = useStore();

  it('keeps no planner statistics of the codes’ partition, so no sample of the wave’s code hashes', async () => {
    const w = await openWaveWithCodes(store.db, 40);
    const answers = itemsInOrder(shipped).map((_, i) => 1 + (i % 5));
    for (const code of w.codes.slice(0, 10)) expect(await submit(store.db, code, { answers, background: {}, comment: null })).toBe(true);
    const codes = partitionName('access_code', w.waveId);
    await sql`analyze ${sql.table(codes)}`.execute(store.db);
    const statistics = async () =>
      (
        await sql<{ values: string | null }>`select coalesce(most_common_vals::text, '') || coalesce(histogram_bounds::text, '') as values
          from pg_stats where tablename = ${codes} and attname = 'hash'`.execute(store.db)
      ).rows;
    // The probe: before sealing, the statistics hold hashes of the wave's codes.
    const before = (await statistics()).map((r) => r.values ?? '').join(' ');
    expect(w.codes.some((code) => before.includes(hashCode(normaliseCode(code)!)))).toBe(true);

    await closeWave(store.db, testKeys(store.db), w.waveId);
    expect(await statistics()).toEqual([]);
    const everywhere = await sql<{
      values: string;
    }>`select coalesce(most_common_vals::text, '') || coalesce(histogram_bounds::text, '') as values
      from pg_stats`.execute(store.db);
    const text = everywhere.rows.map((r) => r.values).join(' ');
    for (const code of w.codes) expect(text.includes(hashCode(normaliseCode(code)!)), `a hash of ${code} in pg_stats`).toBe(false);
  });
});
