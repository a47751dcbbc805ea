/**
 * The compact frozen-cells migration (issue 14) down and up on the edges: a sealed wave with
 * no response at all, and a school of a sealed wave with none (no cells), beside one with cells of
 * two-key backgrounds.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { storeKind, useStore } from '../helpers/store.ts';
import { migrateToLatest, migrator } from '../../server/db/migrate.ts';
import { loadFrozenWave } from '../../server/results/frozen-wave.ts';
import { openWaveWithCodes, submit, shipped } from '../helpers/fixtures.ts';
import { testKeys } from '../helpers/app.ts';
import { closeWave } from '../../server/sealing/sealing.ts';
import { createSchool } from '../../server/admin/schools.ts';
import { createWave, issueCodes, openWave } from '../../server/waves.ts';
import { itemsInOrder } from '../../surveys/load.ts';

const BEFORE_COMPACT = '2026-11-30T2100-staff-summary-slip-links';
const canonical = (b: Record<string, string>) => JSON.stringify(Object.fromEntries(Object.entries(b).sort()));

describe(`compact frozen cells at the edges (${storeKind})`, () => {
  const store = useStore();
  let empty: string;
  let mixed: string;

  beforeAll(async () => {
    const db = store.db;
    const a = await openWaveWithCodes(db, 3);
    empty = a.waveId;
    await closeWave(db, testKeys(db), empty);
    const s1 = await createSchool(db, { name: 'Rand 1', benchmark_group: 'secundair', municipality: 'Gent', staff_count: 9 });
    const s2 = await createSchool(db, { name: 'Rand 2', benchmark_group: 'secundair', municipality: 'Gent', staff_count: 9 });
    mixed = await createWave(db, { name: 'Rand', questionnaireId: a.questionnaireId, schoolIds: [s1, s2], k: 5 });
    await openWave(db, mixed, undefined, testKeys(db));
    const codes = await issueCodes(db, mixed, s1, 6);
    await issueCodes(db, mixed, s2, 3);
    const n = itemsInOrder(shipped).length;
    for (const [i, code] of codes.entries())
      expect(
        await submit(db, code, {
          answers: Array.from({ length: n }, () => 3),
          background: i % 2 ? { role: 'leraar', seniority: 'from5to15' } : { seniority: 'from5to15', role: 'directie' },
          comment: null,
        }),
      ).toBe(true);
    await closeWave(db, testKeys(db), mixed);
  });

  const cells = async () => {
    const out: Record<string, string[]> = {};
    for (const w of [empty, mixed])
      for (const s of (await loadFrozenWave(store.db, w))!.schools)
        out[`${w}/${s.id}`] = s.cells.map((c) => `${canonical(c.background)} ${c.count}`).sort();
    return out;
  };

  it('keeps every school (with and without cells) through down and up', async () => {
    const before = await cells();
    expect(Object.values(before).filter((c) => c.length === 0)).toHaveLength(2);
    const down = await migrator(store.db).migrateTo(BEFORE_COMPACT);
    expect(down.error).toBeUndefined();
    const json = await sql<{ wave_id: string; school_id: string; cells: Array<{ background: Record<string, string>; count: number }> }>`
      select wave_id, school_id, cells from wave_frozen_school`.execute(store.db);
    const asJson: Record<string, string[]> = {};
    for (const r of json.rows) asJson[`${r.wave_id}/${r.school_id}`] = r.cells.map((c) => `${canonical(c.background)} ${c.count}`).sort();
    expect(asJson).toEqual(before);
    await migrateToLatest(store.db);
    expect(await cells()).toEqual(before);
    const bg = await sql<{ wave_id: string; backgrounds: unknown[] }>`select wave_id, backgrounds from wave_frozen`.execute(store.db);
    expect(bg.rows.find((r) => r.wave_id === empty)!.backgrounds).toEqual([]);
  });
});
