import { sql, type Kysely } from 'kysely';

// Frozen in time: this file must not import application code.
//
// How many of a sealed wave's comments still wait for a moderator, kept with the wave: written at
// sealing (every comment starts pending) and counted down by each decision, in its transaction. The
// admin's home page counted them among every comment of every sealed wave on each view — 12 ms at
// network scale (three waves, 40,000 comments), the one part of it that grew with the network.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table wave_frozen add column pending_comments integer not null default 0`.execute(db);
  await sql`
    update wave_frozen f
    set pending_comments = (select count(*)::int from comment c where c.wave_id = f.wave_id and c.moderation = 'pending')`.execute(db);
  await sql`alter table wave_frozen add constraint wave_frozen_pending_comments check (pending_comments >= 0)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table wave_frozen drop column pending_comments`.execute(db);
}
