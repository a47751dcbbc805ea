import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database, Role } from '../db/schema.ts';
import { hashPassword, MIN_PASSWORD_LENGTH, passwordProblems, verifyPassword } from './passwords.ts';
import { recordAction, type Actor } from '../platform/audit-log.ts';
import { isUuid, problem, type Checked, type Problem } from '../platform/problems.ts';

export interface SessionUser {
  id: string;
  email: string;
  role: Role;
  lang: 'nl' | 'en';
  /** Schools a rep is assigned to (empty for other roles). */
  schoolIds: string[];
  /** TOTP two-factor authentication is on. */
  twoFactor: boolean;
}

export async function createUser(
  db: Kysely<Database>,
  user: { email: string; role: Role; password: string; schoolIds?: string[]; lang?: 'nl' | 'en' },
): Promise<string> {
  if (user.password.length < MIN_PASSWORD_LENGTH) throw new Error(`password: at least ${MIN_PASSWORD_LENGTH} characters`);
  const password_hash = await hashPassword(user.password);
  return db.transaction().execute((trx) => insertUser(trx, { ...user, password_hash }));
}

async function insertUser(
  trx: Kysely<Database>,
  user: { email: string; role: Role; password_hash: string; schoolIds?: string[]; lang?: 'nl' | 'en' },
): Promise<string> {
  const { id } = await trx
    .insertInto('app_user')
    .values({ email: user.email.trim(), role: user.role, password_hash: user.password_hash, lang: user.lang ?? 'nl' })
    .returning('id')
    .executeTakeFirstOrThrow();
  if (user.schoolIds?.length) {
    await trx
      .insertInto('rep_school')
      .values(user.schoolIds.map((school_id) => ({ user_id: id, school_id })))
      .execute();
  }
  return id;
}

export async function findLogin(db: Kysely<Database>, email: string) {
  return db
    .selectFrom('app_user')
    .select(['id', 'email', 'role', 'password_hash', 'active', 'failed_logins', 'locked_until', 'totp_secret', 'totp_last_step'])
    .where((eb) => eb(eb.fn('lower', ['email']), '=', email.trim().toLowerCase()))
    .executeTakeFirst();
}

/**
 * What a staff request knows of its user, read with `app_user` in scope: alone
 * (`loadSessionUser`) or together with the session row (server/staff/session-store.ts), one query
 * on every staff request, a rep's schools included (issue 17: round trips add up).
 */
export const SESSION_USER_COLUMNS = ['app_user.id', 'app_user.email', 'app_user.role', 'app_user.lang', 'app_user.totp_secret'] as const;
export const sessionUserSchools = sql<
  string[]
>`array(select rs.school_id::text from rep_school rs where rs.user_id = app_user.id and app_user.role = 'rep')`.as('school_ids');

export function toSessionUser(row: {
  id: string;
  email: string;
  role: Role;
  lang: 'nl' | 'en';
  totp_secret: string | null;
  school_ids: string[];
}): SessionUser {
  const { totp_secret, school_ids, ...rest } = row;
  return { ...rest, schoolIds: school_ids, twoFactor: totp_secret !== null };
}

export async function loadSessionUser(db: Kysely<Database>, id: string): Promise<SessionUser | null> {
  const user = await db
    .selectFrom('app_user')
    .select(SESSION_USER_COLUMNS)
    .select(sessionUserSchools)
    .where('id', '=', id)
    .where('active', '=', true)
    .executeTakeFirst();
  return user ? toSessionUser(user) : null;
}

export async function setUserLang(db: Kysely<Database>, id: string, lang: 'nl' | 'en'): Promise<void> {
  await db.updateTable('app_user').set({ lang }).where('id', '=', id).execute();
}

/** A readable random password shown once (admin reset, demo accounts are fixed instead). */
export function generatePassword(): string {
  return randomBytes(12).toString('base64url');
}

// ---- Admin: managing staff accounts -------------------------------------------------------------

export const ROLES: readonly Role[] = ['admin', 'rep', 'researcher'];
export const isRole = (value: string): value is Role => (ROLES as readonly string[]).includes(value);

export interface UserSummary {
  id: string;
  email: string;
  role: Role;
  lang: 'nl' | 'en';
  active: boolean;
  /** Two-step verification is on. */
  twoFactor: boolean;
  schools: Array<{ id: string; name: string }>;
}

export async function listUsers(db: Kysely<Database>, options: { id?: string } = {}): Promise<UserSummary[]> {
  let q = db
    .selectFrom('app_user')
    .select(['id', 'email', 'role', 'lang', 'active', sql<boolean>`totp_secret is not null`.as('twoFactor')])
    .orderBy(sql`lower(email)`);
  if (options.id) q = q.where('id', '=', options.id);
  const users = await q.execute();
  const links = users.length
    ? await db
        .selectFrom('rep_school')
        .innerJoin('school', 'school.id', 'rep_school.school_id')
        .select(['rep_school.user_id', 'school.id', 'school.name'])
        .where(
          'rep_school.user_id',
          'in',
          users.map((u) => u.id),
        )
        .orderBy(sql`lower(school.name)`)
        .execute()
    : [];
  return users.map((u) => ({ ...u, schools: links.filter((l) => l.user_id === u.id).map((l) => ({ id: l.id, name: l.name })) }));
}

export async function getUser(db: Kysely<Database>, id: string): Promise<UserSummary | undefined> {
  if (!isUuid(id)) return undefined;
  return (await listUsers(db, { id }))[0];
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** A new account as an admin fills it in; without a password one is generated (and shown once). */
export interface UserFields {
  email: string;
  role: string;
  schools: string[];
  lang: string;
  password?: string;
}

async function checkSchoolIds(db: Kysely<Database>, ids: string[], problems: Problem[]): Promise<string[]> {
  const unique = [...new Set(ids.map((s) => s.trim()).filter(Boolean))];
  const valid = unique.filter((id) => isUuid(id));
  const found = valid.length
    ? new Set((await db.selectFrom('school').select('id').where('id', 'in', valid).where('active', '=', true).execute()).map((r) => r.id))
    : new Set<string>();
  const unknown = unique.filter((id) => !found.has(id));
  if (unknown.length) problems.push(problem('schools', 'admin.users.error.schools', { ids: unknown.slice(0, 5).join(', ') }));
  return unique;
}

async function emailTaken(db: Kysely<Database>, email: string): Promise<boolean> {
  return !!(await findLogin(db, email));
}

/** Creates a staff account with its audit entry; returns the password to show once when generated. */
export async function addUser(
  db: Kysely<Database>,
  raw: UserFields,
  actor: Actor,
): Promise<Checked<{ id: string; generatedPassword: string | null }>> {
  const problems: Problem[] = [];
  const email = raw.email.trim();
  if (!EMAIL.test(email) || email.length > 320) problems.push(problem('email', 'admin.users.error.email'));
  if (!isRole(raw.role)) problems.push(problem('role', 'admin.users.error.role', { roles: ROLES.join(', ') }));
  const lang = raw.lang === 'en' ? 'en' : raw.lang === 'nl' || raw.lang === '' ? 'nl' : null;
  if (!lang) problems.push(problem('lang', 'admin.users.error.lang'));
  const schoolIds = await checkSchoolIds(db, raw.schools, problems);
  if (schoolIds.length && raw.role !== 'rep') problems.push(problem('schools', 'admin.users.error.schoolsOnlyForReps'));
  // The password policy (server/staff/passwords.ts) for a chosen password; a generated one is random.
  if (raw.password !== undefined && raw.password !== '') problems.push(...(await passwordProblems(raw.password, { email })));
  if (!problems.some((p) => p.field === 'email') && (await emailTaken(db, email)))
    problems.push(problem('email', 'admin.users.error.emailTaken'));
  if (problems.length) return { ok: false, problems };
  const generatedPassword = raw.password ? null : generatePassword();
  const password_hash = await hashPassword(raw.password || generatedPassword!);
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext('schoolpols.app_user'))`.execute(trx);
    if (await emailTaken(trx, email)) return { ok: false, problems: [problem('email', 'admin.users.error.emailTaken')] };
    const id = await insertUser(trx, { email, role: raw.role as Role, password_hash, schoolIds, lang: lang! });
    await recordAction(trx, actor, 'user.create', `user:${id} role:${raw.role}`);
    return { ok: true, value: { id, generatedPassword } };
  });
}

/** Signs a user out everywhere (sessions live in the database). */
async function endSessions(trx: Kysely<Database>, userId: string): Promise<void> {
  await trx
    .deleteFrom('session')
    .where(sql`data->>'userId'`, '=', userId)
    .execute();
}

export type AccountChange = 'ok' | 'not-found' | 'own-account' | 'last-admin';

/** Deactivating ends the user's sessions; an admin cannot deactivate themself or the last active admin. */
export async function setUserActive(db: Kysely<Database>, id: string, active: boolean, actor: Actor): Promise<AccountChange> {
  if (!isUuid(id)) return 'not-found';
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext('schoolpols.app_user'))`.execute(trx);
    const user = await trx.selectFrom('app_user').select(['role', 'active']).where('id', '=', id).executeTakeFirst();
    if (!user) return 'not-found';
    if (!active) {
      if (actor.userId === id) return 'own-account';
      if (user.role === 'admin' && user.active) {
        const { n } = await trx
          .selectFrom('app_user')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('role', '=', 'admin')
          .where('active', '=', true)
          .executeTakeFirstOrThrow();
        if (Number(n) <= 1) return 'last-admin';
      }
      await endSessions(trx, id);
    }
    await trx.updateTable('app_user').set({ active }).where('id', '=', id).execute();
    await recordAction(trx, actor, active ? 'user.activate' : 'user.deactivate', `user:${id}`);
    return 'ok';
  });
}

/** A new generated password (returned once, stored only as a hash); the user's sessions end. */
export async function resetPassword(db: Kysely<Database>, id: string, actor: Actor): Promise<string | null> {
  if (!isUuid(id)) return null;
  const password = generatePassword();
  const password_hash = await hashPassword(password);
  return db.transaction().execute(async (trx) => {
    const row = await trx.updateTable('app_user').set({ password_hash }).where('id', '=', id).returning('id').executeTakeFirst();
    if (!row) return null;
    await endSessions(trx, id);
    await recordAction(trx, actor, 'user.resetPassword', `user:${id}`);
    return password;
  });
}

/** Replaces the schools a rep is assigned to. */
export async function setRepSchools(db: Kysely<Database>, id: string, schools: string[], actor: Actor): Promise<Checked<void> | null> {
  if (!isUuid(id)) return null;
  const user = await db.selectFrom('app_user').select('role').where('id', '=', id).executeTakeFirst();
  if (!user) return null;
  const problems: Problem[] = [];
  if (user.role !== 'rep') problems.push(problem('schools', 'admin.users.error.schoolsOnlyForReps'));
  const schoolIds = await checkSchoolIds(db, schools, problems);
  if (problems.length) return { ok: false, problems };
  return db.transaction().execute(async (trx) => {
    await trx.deleteFrom('rep_school').where('user_id', '=', id).execute();
    if (schoolIds.length)
      await trx
        .insertInto('rep_school')
        .values(schoolIds.map((school_id) => ({ user_id: id, school_id })))
        .execute();
    await recordAction(trx, actor, 'user.setSchools', `user:${id} count:${schoolIds.length}`);
    return { ok: true, value: undefined };
  });
}

// ---- The signed-in user's own account ---------------------------------------------------------

export interface PasswordChange {
  current: string;
  next: string;
  repeat: string;
}

/**
 * A user changes their own password: the current one first (a wrong one counts as a failed
 * sign-in, see server/staff/login-throttle.ts, and is reported as `current`), then the policy. The
 * caller ends the user's other sessions. Fields: `currentPassword`, `newPassword`, `repeatPassword`.
 */
export async function changeOwnPassword(
  db: Kysely<Database>,
  userId: string,
  change: PasswordChange,
): Promise<Checked<void> | { ok: false; wrongCurrent: true; problems: Problem[] }> {
  const user = await db
    .selectFrom('app_user')
    .select(['email', 'password_hash'])
    .where('id', '=', userId)
    .where('active', '=', true)
    .executeTakeFirst();
  if (!(await verifyPassword(user?.password_hash ?? null, change.current)) || !user) {
    return { ok: false, wrongCurrent: true, problems: [problem('currentPassword', 'account.password.error.current')] };
  }
  const problems = await passwordProblems(change.next, { email: user.email, field: 'newPassword' });
  if (!problems.length && change.next === change.current) problems.push(problem('newPassword', 'account.password.error.same'));
  if (change.repeat !== change.next) problems.push(problem('repeatPassword', 'account.password.error.repeat'));
  if (problems.length) return { ok: false, problems };
  const password_hash = await hashPassword(change.next);
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('app_user').set({ password_hash }).where('id', '=', userId).execute();
    await recordAction(trx, { userId }, 'account.password', `user:${userId}`);
  });
  return { ok: true, value: undefined };
}

/** Turns off an account's two-factor authentication (lost phone): admin console or command line. */
export async function resetTwoFactor(db: Kysely<Database>, id: string, actor: Actor): Promise<boolean> {
  if (!isUuid(id)) return false;
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('app_user')
      .set({ totp_secret: null, totp_last_step: null })
      .where('id', '=', id)
      .returning('id')
      .executeTakeFirst();
    if (!row) return false;
    await endSessions(trx, id);
    await recordAction(trx, actor, 'user.resetTwoFactor', `user:${id}`);
    return true;
  });
}

/** The account of an e-mail address (the command line names accounts by e-mail). */
export async function userIdByEmail(db: Kysely<Database>, email: string): Promise<string | null> {
  return (await findLogin(db, email))?.id ?? null;
}
