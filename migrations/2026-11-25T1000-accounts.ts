import { sql, type Kysely } from 'kysely';

// Frozen in time: this file must not import application code.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('app_user')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('admin', 'rep', 'researcher')`))
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('lang', 'text', (c) =>
      c
        .notNull()
        .defaultTo('nl')
        .check(sql`lang in ('nl', 'en')`),
    )
    .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(true))
    .execute();
  await sql`create unique index app_user_email_unique on app_user (lower(email))`.execute(db);

  await db.schema
    .createTable('rep_school')
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('app_user.id').onDelete('cascade'))
    .addColumn('school_id', 'uuid', (c) => c.notNull().references('school.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('rep_school_pk', ['user_id', 'school_id'])
    .execute();

  // Staff sessions live in the database so several instances share them.
  await db.schema
    .createTable('session')
    .addColumn('sid', 'text', (c) => c.primaryKey())
    .addColumn('data', 'jsonb', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('session_expires_idx').on('session').column('expires_at').execute();

  // Staff actions only; teachers are never audited.
  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('user_id', 'uuid', (c) => c.references('app_user.id').onDelete('set null'))
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  await db.schema.createIndex('audit_log_at_idx').on('audit_log').column('at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['audit_log', 'session', 'rep_school', 'app_user']) await db.schema.dropTable(table).execute();
}
