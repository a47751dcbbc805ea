import { sql, type Kysely } from 'kysely';

// Frozen in time: this file must not import application code.
//
// Per-school sufficient statistics of a sealed wave (analysis `packResponseSums`), written once
// after sealing. A sealed wave never changes, so they never go stale; every later dashboard or
// export reads ~3,700 short rows instead of 165,000 responses. Counts and sums only: they hold no
// more than the responses of the same wave do, and they pass the same disclosure control.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table wave_school_sums (
      wave_id uuid not null,
      school_id uuid not null,
      -- the packed numbers as little-endian IEEE 754 doubles: exact, and read without parsing text
      sums bytea not null,
      constraint wave_school_sums_pk primary key (wave_id, school_id),
      constraint wave_school_sums_wave_school_fk foreign key (wave_id, school_id)
        references wave_school (wave_id, school_id) on delete cascade
    )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table wave_school_sums`.execute(db);
}
