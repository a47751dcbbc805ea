import { sql, type Kysely } from 'kysely';

// Frozen in time: this file must not import application code.
//
// A sealed school's breakdowns, written once after sealing (issue 17: fifty reps opening their
// dashboards at once). A dashboard used to read the school's responses and decide answer R3 over
// its background combinations on every first view: 1–2 ms of CPU a school, the largest single part
// of a view. Now the sums of each released breakdown group (packed little-endian doubles, in the
// order of `groups`) and the measures withheld from them all are stored. Counts and sums only, of
// groups the wave's frozen disclosure released: no more than the responses of the same wave hold.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table wave_school_breakdowns (
      wave_id uuid not null,
      school_id uuid not null,
      -- the released breakdown groups' keys, in the order their sums follow each other in sums
      groups text[] not null,
      sums bytea not null,
      -- measures (items, themes, outcomes, the priority question) withheld from every breakdown group
      withheld smallint[] not null,
      -- what made them: the version of answer R3 and the wave's measures, in order; a row another
      -- version made is made again
      made_by text not null,
      constraint wave_school_breakdowns_pk primary key (wave_id, school_id),
      constraint wave_school_breakdowns_wave_school_fk foreign key (wave_id, school_id)
        references wave_school (wave_id, school_id) on delete cascade
    )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table wave_school_breakdowns`.execute(db);
}
