import { sql, type Insertable, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { groupCommitPerStore } from '../db/group-commit.ts';

/**
 * Who does a staff action: a signed-in user, or `null` for the command line (which has no
 * account). Domain functions that take an actor write their audit entry inside their own
 * transaction, so an action and its entry are stored together or not at all.
 */
export interface Actor {
  userId: string | null;
}

export const CLI_ACTOR: Actor = { userId: null };

/** Writes an audit entry for an actor; `target` names objects as `kind:id` tokens, never a secret. */
export async function recordAction(db: Kysely<Database>, actor: Actor | undefined, action: string, target = ''): Promise<void> {
  if (actor) await audit(db, actor.userId, action, target);
}

/**
 * Every action any code records (`recordAction`, `audit`), each with a label in both languages
 * (`admin.audit.action.<name>`; test/admin/audit.test.ts checks both). New actions belong here.
 */
export const AUDIT_ACTIONS = [
  'login',
  'loginFailed',
  'loginLocked',
  'account.password',
  'account.twoFactorOn',
  'account.twoFactorOff',
  'account.sessionsRevoked',
  'school.create',
  'school.update',
  'school.activate',
  'school.deactivate',
  'school.import',
  'questionnaire.publish',
  'wave.create',
  'wave.open',
  'wave.close',
  'wave.addSchools',
  'wave.handedOut',
  'codes.generate',
  'user.create',
  'user.activate',
  'user.deactivate',
  'user.resetPassword',
  'user.resetTwoFactor',
  'user.setSchools',
  'demo.remove',
  'dashboard.view',
  'report.view',
  'slides.download',
  'network.view',
  'network.slides',
  'advocacy.view',
  'advocacy.download',
  'export.download',
  'actionPlan.create',
  'actionPlan.update',
  'actionPlan.status',
  'actionPlan.note',
  'staffSummary.publish',
  'staffSummary.revoke',
  'comment.show',
  'comment.redact',
  'comment.withhold',
  'comment.crisis',
] as const;

export interface AuditEntry {
  id: string;
  at: Date;
  /** the staff member's e-mail; null for the command line (or a removed account) */
  email: string | null;
  action: string;
  /** the target tokens, each with a readable name where the object is known */
  target: Array<{ kind: string; value: string; name: string | null }>;
}

export interface AuditPage {
  entries: AuditEntry[];
  page: number;
  pages: number;
  total: number;
}

export interface AuditFilter {
  /** in the actor's e-mail address; `cli` alone: the command line (no account) */
  actor?: string;
  action?: string;
  /** `YYYY-MM-DD`, days in Brussels time, both included */
  from?: string;
  to?: string;
  /** entries naming this object (a school, wave or user id) */
  about?: string;
}

const KNOWN = { school: 'school', wave: 'wave', user: 'app_user', questionnaire: 'questionnaire' } as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A target's tokens: `kind:value` pairs separated by spaces, or chained (`school:ID:wave:ID`); a
 * value left over after a chain (`wave:ID:items.csv`) is a file name.
 */
export function parseTarget(target: string): Array<{ kind: string; value: string }> {
  const out: Array<{ kind: string; value: string }> = [];
  for (const tok of target.split(/\s+/).filter(Boolean)) {
    const parts = tok.split(':');
    if (parts.length === 1) {
      out.push({ kind: '', value: tok });
      continue;
    }
    let i = 0;
    for (; i + 1 < parts.length; i += 2) out.push({ kind: parts[i]!, value: parts[i + 1]! });
    if (i < parts.length) out.push({ kind: 'file', value: parts[i]! });
  }
  return out;
}

/** The start of a day in Brussels, as an instant. */
const dayStart = (day: string) => sql<Date>`(${day}::date::timestamp at time zone 'Europe/Brussels')`;

function filtered(db: Kysely<Database>, f: AuditFilter) {
  let q = db.selectFrom('audit_log').leftJoin('app_user', 'app_user.id', 'audit_log.user_id');
  const actor = f.actor?.trim().toLowerCase();
  if (actor === 'cli') q = q.where('audit_log.user_id', 'is', null);
  else if (actor) q = q.where(sql<boolean>`strpos(lower(app_user.email), ${actor}) > 0`);
  if (f.action) q = q.where('audit_log.action', '=', f.action);
  if (f.from) q = q.where('audit_log.at', '>=', dayStart(f.from));
  if (f.to) q = q.where('audit_log.at', '<', sql<Date>`(${f.to}::date + 1)::timestamp at time zone 'Europe/Brussels'`);
  if (f.about) q = q.where(sql<boolean>`strpos(audit_log.target, ${f.about.toLowerCase()}) > 0`);
  return q;
}

/** Resolves target ids to names, in one query per kind. */
async function named(
  db: Kysely<Database>,
  rows: Array<{ id: string; at: Date; action: string; target: string; email: string | null }>,
): Promise<AuditEntry[]> {
  const tokens = rows.map((r) => parseTarget(r.target));
  const names = new Map<string, string>();
  for (const kind of Object.keys(KNOWN) as Array<keyof typeof KNOWN>) {
    const ids = [
      ...new Set(
        tokens
          .flat()
          .filter((t) => t.kind === kind && UUID.test(t.value))
          .map((t) => t.value),
      ),
    ];
    if (!ids.length) continue;
    const found =
      kind === 'school'
        ? await db.selectFrom('school').select(['id', 'name as label']).where('id', 'in', ids).execute()
        : kind === 'wave'
          ? await db.selectFrom('wave').select(['id', 'name as label']).where('id', 'in', ids).execute()
          : kind === 'user'
            ? await db.selectFrom('app_user').select(['id', 'email as label']).where('id', 'in', ids).execute()
            : (await db.selectFrom('questionnaire').select(['id', 'key', 'version']).where('id', 'in', ids).execute()).map((q) => ({
                id: q.id,
                label: `${q.key} v${q.version}`,
              }));
    for (const f of found) names.set(`${kind}:${f.id}`, f.label);
  }
  return rows.map((r, i) => ({
    id: r.id,
    at: r.at,
    email: r.email,
    action: r.action,
    target: tokens[i]!.map((t) => ({ ...t, name: names.get(`${t.kind}:${t.value}`) ?? null })),
  }));
}

/** Newest first, `pageSize` entries per page, filtered; target ids are resolved to names. */
export async function listAuditLog(db: Kysely<Database>, page: number, pageSize = 50, filter: AuditFilter = {}): Promise<AuditPage> {
  const { n } = await filtered(db, filter)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const total = Number(n);
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const current = Math.min(Math.max(1, page), pages);
  const rows = await filtered(db, filter)
    .select(['audit_log.id', 'audit_log.at', 'audit_log.action', 'audit_log.target', 'app_user.email'])
    .orderBy('audit_log.at', 'desc')
    .orderBy('audit_log.id', 'desc')
    .limit(pageSize)
    .offset((current - 1) * pageSize)
    .execute();
  return { entries: await named(db, rows), page: current, pages, total };
}

/** Every entry the filter selects, newest first, in batches (for the CSV export). */
export async function* auditEntries(db: Kysely<Database>, filter: AuditFilter, batch = 2000): AsyncGenerator<AuditEntry[]> {
  // Offsets, not keyset: timestamps have microseconds that a JavaScript Date drops.
  for (let offset = 0; ; offset += batch) {
    const rows = await filtered(db, filter)
      .select(['audit_log.id', 'audit_log.at', 'audit_log.action', 'audit_log.target', 'app_user.email'])
      .orderBy('audit_log.at', 'desc')
      .orderBy('audit_log.id', 'desc')
      .limit(batch)
      .offset(offset)
      .execute();
    if (!rows.length) return;
    yield await named(db, rows);
    if (rows.length < batch) return;
  }
}

/** The actions the log holds (for the filter), known ones first in their order. */
export async function actionsInLog(db: Kysely<Database>): Promise<string[]> {
  const rows = await db.selectFrom('audit_log').select('action').distinct().execute();
  const inLog = new Set(rows.map((r) => r.action));
  const known: readonly string[] = AUDIT_ACTIONS;
  return [...AUDIT_ACTIONS.filter((a) => inLog.has(a)), ...[...inLog].filter((a) => !known.includes(a)).sort()];
}

/**
 * Records a staff action (never a teacher's). `target` names the object, e.g. `wave:<id>`. The
 * promise settles once the entry is committed. Inside a transaction the entry is part of it;
 * otherwise entries made while another is being written go to the database together, in one
 * statement (issue 17: fifty reps opening their dashboards at once each waited for a commit of
 * their own, and every round trip costs both processes CPU).
 */
export function audit(db: Kysely<Database>, userId: string | null, action: string, target = ''): Promise<void> {
  const row = { user_id: userId, action, target };
  if (db.isTransaction) return insertEntries(db, [row]);
  return entries(db).add(row);
}

type Entry = Insertable<Database['audit_log']>;

async function insertEntries(db: Kysely<Database>, rows: Entry[]): Promise<void> {
  await db.insertInto('audit_log').values(rows).execute();
}

/** Entries in one statement at most (three parameters each, far below PostgreSQL's 65,535). */
const entries = groupCommitPerStore<Entry, void>(
  (db, rows) => insertEntries(db, rows).then(() => rows.map(() => undefined)),
  () => ({ max: 500, inFlight: 1 }),
);
