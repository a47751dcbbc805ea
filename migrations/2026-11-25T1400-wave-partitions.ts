import { sql, type Kysely } from 'kysely';

// Frozen in time: this file must not import application code.
//
// Codes, responses and comments are partitioned by wave, so sealing a wave rewrites that wave's
// partitions only: its cost no longer grows with every wave stored, and the old partition files
// (arrival order, per-submission xmin, spent-code hashes) are unlinked at commit. Existing rows are
// copied across; a sealed wave keeps its shuffled order because the copy reads it in physical order.
//
// Responses and comments keep their random ids but have no primary-key index and no foreign key:
// nothing looks a response up by id (ids are fresh `gen_random_uuid()` values), a response's wave
// and school are copied from its access code in the same statement (and the code has the foreign
// key), and a wave's partition only exists for a wave. Sealing rebuilds the partition, and that
// index and the foreign key's check over every row were half of its cost for a network wave
// (issue 8: sealing ≤ 3 × a CREATE TABLE AS of the wave).

const TABLES = ['access_code', 'response', 'comment'] as const;

/** Must match `partitionName` in the application (same rule, written twice because migrations stand alone). */
function partition(table: string, waveId: string): string {
  return `${table}_${waveId.replace(/-/g, '')}`;
}

async function saveRows(db: Kysely<any>): Promise<void> {
  for (const t of TABLES) {
    await sql`create temp table ${sql.id(`keep_${t}`)} as select * from ${sql.table(t)}`.execute(db);
    await sql`drop table ${sql.table(t)}`.execute(db);
  }
}

async function restoreRows(db: Kysely<any>): Promise<void> {
  for (const t of TABLES) {
    await sql`insert into ${sql.table(t)} select * from ${sql.id(`keep_${t}`)}`.execute(db);
    await sql`drop table ${sql.id(`keep_${t}`)}`.execute(db);
  }
}

export async function up(db: Kysely<any>): Promise<void> {
  await saveRows(db);
  await sql`
    create table access_code (
      hash text not null,
      wave_id uuid not null,
      school_id uuid not null,
      spent boolean not null default false,
      -- hash first: a teacher's code is looked up by its hash alone, in every wave's partition
      constraint access_code_pk primary key (hash, wave_id),
      constraint access_code_wave_school_fk foreign key (wave_id, school_id)
        references wave_school (wave_id, school_id) on delete cascade
    ) partition by list (wave_id)`.execute(db);
  // Within a wave's partition only the school varies: indexing it alone keeps the index small and
  // quick to build at sealing. Also serves the cascade from wave_school and per-school counts.
  await sql`create index access_code_school_idx on access_code (school_id)`.execute(db);
  await sql`
    create table response (
      id uuid not null default gen_random_uuid(),
      wave_id uuid not null,
      school_id uuid not null,
      answers smallint[] not null,
      background jsonb not null default '{}'::jsonb
    ) partition by list (wave_id)`.execute(db);
  await sql`create index response_school_idx on response (school_id)`.execute(db);
  await sql`
    create table comment (
      id uuid not null default gen_random_uuid(),
      wave_id uuid not null,
      school_id uuid not null,
      text text not null
    ) partition by list (wave_id)`.execute(db);
  await sql`create index comment_school_idx on comment (school_id)`.execute(db);

  const waves = await sql<{ id: string }>`select id::text as id from wave`.execute(db);
  for (const { id } of waves.rows) {
    for (const t of TABLES) {
      await sql`create table ${sql.id(partition(t, id))} partition of ${sql.table(t)} for values in (${sql.lit(id)})`.execute(db);
    }
  }
  await restoreRows(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await saveRows(db);
  await sql`
    create table access_code (
      hash text primary key,
      wave_id uuid not null,
      school_id uuid not null,
      spent boolean not null default false,
      constraint access_code_wave_school_fk foreign key (wave_id, school_id)
        references wave_school (wave_id, school_id) on delete cascade
    )`.execute(db);
  await sql`
    create table response (
      id uuid primary key default gen_random_uuid(),
      wave_id uuid not null,
      school_id uuid not null,
      answers smallint[] not null,
      background jsonb not null default '{}'::jsonb,
      constraint response_wave_school_fk foreign key (wave_id, school_id)
        references wave_school (wave_id, school_id) on delete cascade
    )`.execute(db);
  await sql`create index response_wave_school_idx on response (wave_id, school_id)`.execute(db);
  await sql`
    create table comment (
      id uuid primary key default gen_random_uuid(),
      wave_id uuid not null,
      school_id uuid not null,
      text text not null,
      constraint comment_wave_school_fk foreign key (wave_id, school_id)
        references wave_school (wave_id, school_id) on delete cascade
    )`.execute(db);
  await sql`create index comment_wave_school_idx on comment (wave_id, school_id)`.execute(db);
  await restoreRows(db);
}
