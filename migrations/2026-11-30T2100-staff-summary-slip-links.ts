import { sql, type Kysely } from 'kysely';

// Frozen in time: this file must not import application code.
//
// The next wave's code slips carry a link to the school's staff summary of its previous wave
// (issue 19). The summary's own token exists only in the publisher's hands (its row keeps the
// SHA-256), so a slip sheet gets a link of its own: a fresh random token minted when the sheet is
// made, stored here only as its SHA-256 beside the summary it opens. Revoking or republishing the
// summary closes these links with it (they open only a live summary); deleting it deletes them.
// No time, no school, no wave: the summary row says those.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table staff_summary_link (
      token_hash text primary key check (token_hash ~ '^[0-9a-f]{64}$'),
      summary_id uuid not null references staff_summary (id) on delete cascade
    )`.execute(db);
  await sql`create index staff_summary_link_summary on staff_summary_link (summary_id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table staff_summary_link`.execute(db);
}
