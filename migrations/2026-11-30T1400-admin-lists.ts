import { sql, type Kysely } from 'kysely';

// Frozen in time: this file must not import application code.
//
// An admin console for a whole network (issue 18): 3,700 schools, thousands of staff accounts and a
// long audit log, listed a page at a time with search, filters and sorting.
//
// - `school.instellingsnummer`: the official school number (digits), unique when present. Not
//   anonymity-relevant: it names a school, as its name does.
// - Indexes for what the lists sort and filter by. Substring search (`like '%…%'`) over names,
//   municipalities and e-mail addresses reads the whole table; at 3,700 schools and thousands of
//   accounts that is well under a millisecond's work per row and needs no trigram extension (which
//   the embedded store does not load).
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table school add column instellingsnummer text check (instellingsnummer ~ '^[0-9]{1,12}$')`.execute(db);
  await sql`create unique index school_instellingsnummer_unique on school (instellingsnummer) where instellingsnummer is not null`.execute(
    db,
  );
  await sql`create index school_name_idx on school (lower(name), id)`.execute(db);
  await sql`create index school_group_name_idx on school (benchmark_group, lower(name))`.execute(db);
  await sql`create index school_municipality_idx on school (lower(municipality))`.execute(db);
  await sql`create index rep_school_school_idx on rep_school (school_id)`.execute(db);
  await sql`create index wave_school_school_idx on wave_school (school_id)`.execute(db);
  await sql`create index app_user_role_email_idx on app_user (role, lower(email))`.execute(db);
  await sql`create index wave_created_idx on wave (created_at desc, id)`.execute(db);
  await sql`create index audit_log_at_id_idx on audit_log (at desc, id desc)`.execute(db);
  await sql`create index audit_log_action_at_idx on audit_log (action, at desc)`.execute(db);
  await sql`create index audit_log_user_at_idx on audit_log (user_id, at desc)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const index of [
    'audit_log_user_at_idx',
    'audit_log_action_at_idx',
    'audit_log_at_id_idx',
    'wave_created_idx',
    'app_user_role_email_idx',
    'wave_school_school_idx',
    'rep_school_school_idx',
    'school_municipality_idx',
    'school_group_name_idx',
    'school_name_idx',
    'school_instellingsnummer_unique',
  ]) {
    await sql`drop index ${sql.id(index)}`.execute(db);
  }
  await sql`alter table school drop column instellingsnummer`.execute(db);
}
