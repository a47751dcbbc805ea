import type { Kysely } from 'kysely';
import type { Database, SchoolTable } from './db/schema.ts';
import type { Insertable } from 'kysely';

export async function createSchool(db: Kysely<Database>, school: Insertable<SchoolTable>): Promise<string> {
  const row = await db.insertInto('school').values(school).returning('id').executeTakeFirstOrThrow();
  return row.id;
}
