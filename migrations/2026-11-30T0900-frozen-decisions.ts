import { sql, type Kysely } from 'kysely';

// Frozen in time: this file must not import application code.
//
// A sealed wave keeps its disclosure decisions, not only their inputs (issue 15): which groups are
// released, how breakdowns merge their small options, which schools benchmark groups and the
// network are computed over. They are decided once, right after sealing (or, for waves sealed
// before this migration, the first time the wave is read) and every later output is made from the
// stored decisions: a change of the rules, or of the code, cannot change what an old wave releases.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table wave_frozen add column decisions jsonb`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table wave_frozen drop column decisions`.execute(db);
}
