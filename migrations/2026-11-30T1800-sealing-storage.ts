import { sql, type Kysely } from 'kysely';

// Frozen in time: this file must not import application code.
//
// A comment box is padded to one length (about 6 kB for a 2,000-character comment), over the 2 kB
// at which PostgreSQL moves a value out of line into the table's TOAST table: sealing then read each
// box back in pieces through the TOAST index. With `toast_tuple_target` near a page, a box stays in
// its row (one row a page) and sealing reads the partition straight through (issue 14: ~1.5× faster
// in psql on a network wave's 13,000 boxes). Partitions of new waves are created with it; this sets
// it on those of waves open now (for rows written from now on).
//
// Sealing also freezes each school's joint background counts (`wave_frozen_school.cells`), 3.4 MB of
// JSON for a network wave, in its one transaction. Stored as `json` they are checked and kept as
// written rather than parsed into jsonb (~60 ms of the sealing transaction in psql); they are only
// ever read whole.

const TARGET = 8160;

async function openPartitions(db: Kysely<any>): Promise<string[]> {
  const rows = await sql<{ name: string }>`
    select c.relname as name from pg_inherits i
    join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent
    where p.relname = 'encrypted_comment'`.execute(db);
  return rows.rows.map((r) => r.name);
}

export async function up(db: Kysely<any>): Promise<void> {
  for (const name of await openPartitions(db))
    await sql`alter table ${sql.id(name)} set (toast_tuple_target = ${sql.lit(TARGET)})`.execute(db);
  await sql`alter table wave_frozen_school alter column cells type json using cells::json`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const name of await openPartitions(db)) await sql`alter table ${sql.id(name)} reset (toast_tuple_target)`.execute(db);
  await sql`alter table wave_frozen_school alter column cells type jsonb using cells::jsonb`.execute(db);
}
