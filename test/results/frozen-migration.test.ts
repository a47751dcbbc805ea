/**
 * The frozen-waves migration freezes waves sealed before it existed, from the data as it stands —
 * for an unedited wave exactly what sealing freezes — and its `down` removes the tables.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { storeKind, useStore } from '../helpers/store.ts';
import { migrateToLatest, migrator } from '../../server/db/migrate.ts';
import { seedSealedDemo } from './helpers.ts';

const BEFORE = '2026-11-29T1000-encrypted-until-sealed';

describe(`frozen-waves migration (${storeKind})`, () => {
  const store = useStore();
  beforeAll(async () => {
    await seedSealedDemo(store);
  });

  const frozen = async () => ({
    waves: (await sql`select wave_id, questionnaire_id, k from wave_frozen order by wave_id`.execute(store.db)).rows,
    // Every column the frozen-waves migration knows. `codes_handed_out` came later (issue 17): going
    // down past it drops the counts entered, so a wave frozen again has none (checked below).
    schools: (await sql<Record<string, unknown>>`select * from wave_frozen_school order by wave_id, school_id`.execute(store.db)).rows.map(
      ({ codes_handed_out: _, ...row }) => row,
    ),
  });

  it('down drops the tables; up freezes the sealed waves again, equal to what sealing froze', async () => {
    const sealed = await frozen();
    expect(sealed.waves).toHaveLength(2);
    expect(sealed.schools).toHaveLength(24);
    const down = await migrator(store.db).migrateTo(BEFORE);
    expect(down.error).toBeUndefined();
    const tables = await sql<{
      n: number;
    }>`select count(*)::int as n from information_schema.tables where table_name like 'wave_frozen%'`.execute(store.db);
    expect(tables.rows[0]!.n).toBe(0);
    await migrateToLatest(store.db);
    expect(await frozen()).toEqual(sealed);
    const handedOut = await sql<{
      n: number;
    }>`select count(*)::int as n from wave_frozen_school where codes_handed_out is not null`.execute(store.db);
    expect(handedOut.rows[0]!.n).toBe(0);
  });
});
