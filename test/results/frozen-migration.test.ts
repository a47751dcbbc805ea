/**
 * The frozen-waves migration freezes waves sealed before it existed, from the data as it stands —
 * for an unedited wave exactly what sealing freezes — and its `down` removes the tables. The later
 * compact-cells migration keeps every school's cells through its `up` and `down`.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { storeKind, useStore } from '../helpers/store.ts';
import { migrateToLatest, migrator } from '../../server/db/migrate.ts';
import { seedSealedDemo } from './helpers.ts';
import { loadFrozenWave } from '../../server/results/frozen-wave.ts';

const BEFORE = '2026-11-29T1000-encrypted-until-sealed';
const BEFORE_COMPACT = '2026-11-30T2100-staff-summary-slip-links';

/** A background as text with its keys sorted: the same background however it was stored. */
const canonical = (background: Record<string, string>) => JSON.stringify(Object.fromEntries(Object.entries(background).sort()));

describe(`frozen-waves migration (${storeKind})`, () => {
  const store = useStore();
  beforeAll(async () => {
    await seedSealedDemo(store);
  });

  const frozen = async () => ({
    waves: (await sql`select wave_id, questionnaire_id, k from wave_frozen order by wave_id`.execute(store.db)).rows,
    // Every column the frozen-waves migration knows. `codes_handed_out` came later (issue 17): going
    // down past it drops the counts entered, so a wave frozen again has none (checked below).
    // Cells as a set, whatever order and encoding they are stored in.
    schools: await Promise.all(
      (await sql<Record<string, unknown>>`select * from wave_frozen_school order by wave_id, school_id`.execute(store.db)).rows.map(
        async ({ codes_handed_out: _, cell_counts: __, ...row }) => ({
          ...row,
          cells: await cellsOf(row['wave_id'] as string, row['school_id'] as string),
        }),
      ),
    ),
  });
  const cellsOf = async (waveId: string, schoolId: string) =>
    (await loadFrozenWave(store.db, waveId))!.schools
      .find((s) => s.id === schoolId)!
      .cells.map((c) => `${canonical(c.background)} ${c.count}`)
      .sort();

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

  it("compact cells: down writes each school's cells back as JSON, up packs them again, the same cells both ways", async () => {
    const packed = await frozen();
    expect(packed.schools.every((s) => s.cells.length > 0)).toBe(true);
    expect((await migrator(store.db).migrateTo(BEFORE_COMPACT)).error).toBeUndefined();
    const json = await sql<{ wave_id: string; school_id: string; cells: Array<{ background: Record<string, string>; count: number }> }>`
      select wave_id, school_id, cells from wave_frozen_school order by wave_id, school_id`.execute(store.db);
    expect(json.rows.map((r) => r.cells.map((c) => `${canonical(c.background)} ${c.count}`).sort())).toEqual(
      packed.schools.map((s) => s.cells),
    );
    await migrateToLatest(store.db);
    expect(await frozen()).toEqual(packed);
    // Each background is stored once per wave.
    const { rows } = await sql<{ backgrounds: Array<Record<string, string>> }>`select backgrounds from wave_frozen`.execute(store.db);
    for (const r of rows) expect(new Set(r.backgrounds.map(canonical)).size).toBe(r.backgrounds.length);
  });
});
