import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.ts';

/** The tables partitioned by wave; in the order a submission locks them. */
export const WAVE_PARTITIONED = ['access_code', 'response', 'comment', 'encrypted_response', 'encrypted_comment'] as const;
export type WavePartitioned = (typeof WAVE_PARTITIONED)[number];

/** e.g. `response_0f8e…` (the wave id without dashes; 32 hex digits keep it under 63 bytes). */
export function partitionName(table: WavePartitioned, waveId: string): string {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(waveId)) throw new RangeError('not a wave id');
  return `${table}_${waveId.replace(/-/g, '').toLowerCase()}`;
}

/**
 * Comment boxes (about 6 kB each, padded to one length) are kept in their rows rather than moved out
 * of line to TOAST at 2 kB: sealing reads them straight through (migration 2026-11-30T1800).
 */
const STORAGE: Partial<Record<WavePartitioned, string>> = { encrypted_comment: 'with (toast_tuple_target = 8160)' };

/** A new wave's partitions; call inside the transaction that creates the wave. */
export async function createWavePartitions(db: Kysely<Database>, waveId: string): Promise<void> {
  for (const table of WAVE_PARTITIONED) {
    await sql`create table ${sql.id(partitionName(table, waveId))} partition of ${sql.table(table)} for values in (${sql.lit(waveId)}) ${sql.raw(STORAGE[table] ?? '')}`.execute(
      db,
    );
  }
}
