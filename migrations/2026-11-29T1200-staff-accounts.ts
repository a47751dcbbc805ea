import { sql, type Kysely } from 'kysely';

// Frozen in time: this file must not import application code.
//
// Staff accounts to ASVS level 2 (issue 16):
// - per-account login throttling, shared by every instance: consecutive failures and a back-off
//   deadline on the account itself (columns, not a table of attempts: no address is ever kept);
// - TOTP two-factor authentication: the secret sealed with a key derived from SESSION_SECRET
//   (never in plain text), and the last accepted time step so a code cannot be replayed;
// - sessions that belong to a user (listed and revoked by that user) and know when they were
//   created, for the absolute lifetime.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table app_user
      add column failed_logins integer not null default 0,
      add column last_failed_login_at timestamptz,
      add column locked_until timestamptz,
      add column totp_secret text,
      add column totp_last_step integer`.execute(db);
  await sql`
    alter table session
      add column handle uuid not null default gen_random_uuid(),
      add column user_id uuid references app_user (id) on delete cascade,
      add column created_at timestamptz not null default now()`.execute(db);
  await sql`create unique index session_handle_idx on session (handle)`.execute(db);
  await sql`create index session_user_idx on session (user_id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index session_user_idx`.execute(db);
  await sql`drop index session_handle_idx`.execute(db);
  await sql`alter table session drop column created_at, drop column user_id, drop column handle`.execute(db);
  await sql`
    alter table app_user
      drop column totp_last_step,
      drop column totp_secret,
      drop column locked_until,
      drop column last_failed_login_at,
      drop column failed_logins`.execute(db);
}
