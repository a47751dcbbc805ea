import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

/** Every row of a table, counted (for the start-up check and the console's network figures). */
export async function countRows(db: Kysely<Database>, table: 'app_user' | 'school' | 'questionnaire'): Promise<number> {
  const row = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
