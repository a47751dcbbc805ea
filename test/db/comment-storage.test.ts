/**
 * A comment box is padded to about 4 kB (6 kB in its first form); kept in its row (not moved out of
 * line to TOAST), sealing reads a wave's comments straight through (issue 14, migration 2026-11-30T1800).
 */
import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { useStore, storeKind } from '../helpers/store.ts';
import { openWaveWithCodes, shipped, submit } from '../helpers/fixtures.ts';
import { commentBoxLengths } from '../../server/encryption/boxes.ts';
import { partitionName } from '../../server/db/partitions.ts';

describe(`comment boxes (${storeKind})`, () => {
  const store = useStore();

  it('stay in their rows: the partition’s TOAST table holds nothing', async () => {
    const w = await openWaveWithCodes(store.db, 3);
    for (const code of w.codes) expect(await submit(store.db, code, { answers: [], background: {}, comment: 'x'.repeat(1500) })).toBe(true);
    const name = partitionName('encrypted_comment', w.waveId);
    const { rows } = await sql<{ options: string[] | null; toast: number; heap: number }>`
      select c.reloptions as options,
             coalesce(pg_relation_size(nullif(c.reltoastrelid, 0)), 0)::int as toast,
             pg_relation_size(c.oid)::int as heap
      from pg_class c where c.relname = ${name}`.execute(store.db);
    expect(rows[0]!.options).toContain('toast_tuple_target=8160');
    // The boxes are in the heap itself.
    expect(rows[0]!.heap).toBeGreaterThanOrEqual(3 * commentBoxLengths(shipped.comment!.maxLength)[0]!);
    expect(rows[0]!.toast).toBe(0);
  });
});
