import { sql, type Kysely } from 'kysely';

// Frozen in time: this file must not import application code.
//
// The session secret no longer lives in the database beside the session ids it signs (issue 16):
// PostgreSQL deployments set SESSION_SECRET, the embedded store keeps one in a 0600 file in
// DATA_DIR. The secret an earlier version stored is removed, so a copy of the database (a backup,
// a replica) no longer holds what forges a staff session. Sessions signed with it end: everyone
// signs in again once.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`delete from app_meta where key = 'session_secret'`.execute(db);
}

// Nothing to put back: the removed secret is gone by design, and an earlier version makes a new
// one on its first start when none is stored.
export async function down(_db: Kysely<any>): Promise<void> {}
