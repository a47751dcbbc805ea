import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, Role } from './db/schema.ts';
import { hashPassword, MIN_PASSWORD_LENGTH } from './passwords.ts';

export interface SessionUser {
  id: string;
  email: string;
  role: Role;
  lang: 'nl' | 'en';
  /** Schools a rep is assigned to (empty for other roles). */
  schoolIds: string[];
}

export async function createUser(
  db: Kysely<Database>,
  user: { email: string; role: Role; password: string; schoolIds?: string[]; lang?: 'nl' | 'en' },
): Promise<string> {
  if (user.password.length < MIN_PASSWORD_LENGTH) throw new Error(`password: at least ${MIN_PASSWORD_LENGTH} characters`);
  const password_hash = await hashPassword(user.password);
  return db.transaction().execute(async (trx) => {
    const { id } = await trx
      .insertInto('app_user')
      .values({ email: user.email.trim(), role: user.role, password_hash, lang: user.lang ?? 'nl' })
      .returning('id')
      .executeTakeFirstOrThrow();
    if (user.schoolIds?.length) {
      await trx.insertInto('rep_school').values(user.schoolIds.map((school_id) => ({ user_id: id, school_id }))).execute();
    }
    return id;
  });
}

export async function findLogin(db: Kysely<Database>, email: string) {
  return db
    .selectFrom('app_user')
    .select(['id', 'password_hash', 'active'])
    .where((eb) => eb(eb.fn('lower', ['email']), '=', email.trim().toLowerCase()))
    .executeTakeFirst();
}

export async function loadSessionUser(db: Kysely<Database>, id: string): Promise<SessionUser | null> {
  const user = await db
    .selectFrom('app_user')
    .select(['id', 'email', 'role', 'lang'])
    .where('id', '=', id)
    .where('active', '=', true)
    .executeTakeFirst();
  if (!user) return null;
  const schools =
    user.role === 'rep'
      ? await db.selectFrom('rep_school').select('school_id').where('user_id', '=', id).execute()
      : [];
  return { ...user, schoolIds: schools.map((s) => s.school_id) };
}

export async function setUserLang(db: Kysely<Database>, id: string, lang: 'nl' | 'en'): Promise<void> {
  await db.updateTable('app_user').set({ lang }).where('id', '=', id).execute();
}

/** A readable random password shown once (admin reset, demo accounts are fixed instead). */
export function generatePassword(): string {
  return randomBytes(12).toString('base64url');
}
