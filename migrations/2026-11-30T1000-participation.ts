import { sql, type Kysely } from 'kysely';

// Frozen in time: this file must not import application code.
//
// Participation while a wave runs (issue 17). "Codes issued" counts slips printed, and a reprint
// inflates it; the admin or rep now enters how many slips were actually handed out per school, and
// the response rate is taken against that. A wave has a response-rate target (percent; below it
// results are flagged as less representative) and a planned close date. The handed-out count is
// frozen with the other per-school inputs at sealing.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table wave add column planned_close date`.execute(db);
  await sql`alter table wave add column response_target smallint not null default 50 check (response_target between 1 and 100)`.execute(db);
  await sql`alter table wave_school add column codes_handed_out integer check (codes_handed_out >= 0)`.execute(db);
  await sql`alter table wave_frozen_school add column codes_handed_out integer`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table wave_frozen_school drop column codes_handed_out`.execute(db);
  await sql`alter table wave_school drop column codes_handed_out`.execute(db);
  await sql`alter table wave drop column response_target`.execute(db);
  await sql`alter table wave drop column planned_close`.execute(db);
}
