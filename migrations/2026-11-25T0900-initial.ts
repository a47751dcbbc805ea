import { sql, type Kysely } from 'kysely';

// Frozen in time: this file must not import application code.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('app_meta')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('school')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('benchmark_group', 'text', (c) => c.notNull())
    .addColumn('municipality', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('staff_count', 'integer', (c) =>
      c
        .notNull()
        .defaultTo(0)
        .check(sql`staff_count >= 0`),
    )
    .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(true))
    .addUniqueConstraint('school_name_unique', ['name'])
    .execute();

  await db.schema
    .createTable('questionnaire')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().check(sql`version >= 1`))
    .addColumn('definition', 'jsonb', (c) => c.notNull())
    .addUniqueConstraint('questionnaire_key_version_unique', ['key', 'version'])
    .execute();

  // A published version is immutable: waves and trends depend on its item order.
  await sql`
    create function questionnaire_immutable() returns trigger language plpgsql as $$
    begin
      raise exception 'a published questionnaire version cannot be changed; publish a new version';
    end $$`.execute(db);
  await sql`
    create trigger questionnaire_no_update before update on questionnaire
    for each row execute function questionnaire_immutable()`.execute(db);

  await db.schema
    .createTable('wave')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('questionnaire_id', 'uuid', (c) => c.notNull().references('questionnaire.id'))
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('draft')
        .check(sql`status in ('draft', 'open', 'closed')`),
    )
    .addColumn('k', 'integer', (c) => c.notNull().check(sql`k >= 3`))
    .addColumn('sealed', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('wave_school')
    .addColumn('wave_id', 'uuid', (c) => c.notNull().references('wave.id').onDelete('cascade'))
    .addColumn('school_id', 'uuid', (c) => c.notNull().references('school.id'))
    .addColumn('codes_issued', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('codes_spent', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('wave_school_pk', ['wave_id', 'school_id'])
    .execute();

  await db.schema
    .createTable('access_code')
    .addColumn('hash', 'text', (c) => c.primaryKey())
    .addColumn('wave_id', 'uuid', (c) => c.notNull())
    .addColumn('school_id', 'uuid', (c) => c.notNull())
    .addColumn('spent', 'boolean', (c) => c.notNull().defaultTo(false))
    .addForeignKeyConstraint('access_code_wave_school_fk', ['wave_id', 'school_id'], 'wave_school', ['wave_id', 'school_id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();

  await db.schema
    .createTable('response')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('wave_id', 'uuid', (c) => c.notNull())
    .addColumn('school_id', 'uuid', (c) => c.notNull())
    .addColumn('answers', sql`smallint[]`, (c) => c.notNull())
    .addColumn('background', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addForeignKeyConstraint('response_wave_school_fk', ['wave_id', 'school_id'], 'wave_school', ['wave_id', 'school_id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();
  await db.schema.createIndex('response_wave_school_idx').on('response').columns(['wave_id', 'school_id']).execute();

  await db.schema
    .createTable('comment')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('wave_id', 'uuid', (c) => c.notNull())
    .addColumn('school_id', 'uuid', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addForeignKeyConstraint('comment_wave_school_fk', ['wave_id', 'school_id'], 'wave_school', ['wave_id', 'school_id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();
  await db.schema.createIndex('comment_wave_school_idx').on('comment').columns(['wave_id', 'school_id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['comment', 'response', 'access_code', 'wave_school', 'wave', 'questionnaire', 'school', 'app_meta']) {
    await db.schema.dropTable(table).execute();
  }
  await sql`drop function questionnaire_immutable()`.execute(db);
}
