import { sql, type Kysely } from 'kysely';

// Frozen in time: this file must not import application code.
//
// A staff summary, shared back (issue 19): for a sealed wave, a school's rep (or an admin) publishes
// a one-page summary for the school's staff at an unguessable link. The database holds only the
// SHA-256 of the link's random token (like access codes), never the token, so whoever reads the
// database cannot open the page. Publishing again revokes the previous link (its row keeps
// `revoked_at`); at most one live link per school and wave. A staff table: its times say when staff
// published or revoked, and it goes with the school's participation in the wave.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table staff_summary (
      id uuid primary key default gen_random_uuid(),
      wave_id uuid not null,
      school_id uuid not null,
      token_hash text not null unique check (token_hash ~ '^[0-9a-f]{64}$'),
      published_at timestamptz not null default now(),
      revoked_at timestamptz,
      check (revoked_at is null or revoked_at >= published_at),
      foreign key (wave_id, school_id) references wave_school (wave_id, school_id) on delete cascade
    )`.execute(db);
  await sql`create unique index staff_summary_live on staff_summary (school_id, wave_id) where revoked_at is null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table staff_summary`.execute(db);
}
