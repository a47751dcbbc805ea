import type { Kysely } from 'kysely';
import type { Database } from './db/schema.ts';
import type { Questionnaire } from '../surveys/schema.ts';

/** Published versions never change (a trigger enforces it), so a process-wide cache is safe. */
const cache = new Map<string, Questionnaire>();

export async function publishQuestionnaire(db: Kysely<Database>, q: Questionnaire): Promise<string> {
  const row = await db
    .insertInto('questionnaire')
    .values({ key: q.id, version: q.version, definition: JSON.stringify(q) })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/**
 * The id of this version of the questionnaire, published now unless it already is (the demo, the
 * benchmark network and test fixtures; a store the demo was removed from keeps its versions, which
 * never change).
 */
export async function publishedId(db: Kysely<Database>, q: Questionnaire): Promise<string> {
  const published = await db
    .selectFrom('questionnaire')
    .select('id')
    .where('key', '=', q.id)
    .where('version', '=', q.version)
    .executeTakeFirst();
  return published?.id ?? (await publishQuestionnaire(db, q));
}

export async function getQuestionnaire(db: Kysely<Database>, id: string): Promise<Questionnaire> {
  const hit = cache.get(id);
  if (hit) return hit;
  const row = await db.selectFrom('questionnaire').select('definition').where('id', '=', id).executeTakeFirstOrThrow();
  cache.set(id, row.definition);
  return row.definition;
}
