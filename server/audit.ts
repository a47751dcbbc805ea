import type { Kysely } from 'kysely';
import type { Database } from './db/schema.ts';

/** Records a staff action (never a teacher's). `target` names the object, e.g. `wave:<id>`. */
export async function audit(db: Kysely<Database>, userId: string | null, action: string, target = ''): Promise<void> {
  await db.insertInto('audit_log').values({ user_id: userId, action, target }).execute();
}
