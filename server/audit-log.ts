import type { Kysely } from 'kysely';
import type { Database } from './db/schema.ts';
import { audit } from './audit.ts';

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

const KNOWN = { school: 'school', wave: 'wave', user: 'app_user', questionnaire: 'questionnaire' } as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Newest first, `pageSize` entries per page; target ids are resolved to names in one query per kind. */
export async function listAuditLog(db: Kysely<Database>, page: number, pageSize = 50): Promise<AuditPage> {
  const { n } = await db.selectFrom('audit_log').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const total = Number(n);
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const current = Math.min(Math.max(1, page), pages);
  const rows = await db
    .selectFrom('audit_log')
    .leftJoin('app_user', 'app_user.id', 'audit_log.user_id')
    .select(['audit_log.id', 'audit_log.at', 'audit_log.action', 'audit_log.target', 'app_user.email'])
    .orderBy('audit_log.at', 'desc')
    .orderBy('audit_log.id', 'desc')
    .limit(pageSize)
    .offset((current - 1) * pageSize)
    .execute();
  const tokens = rows.map((r) =>
    r.target
      .split(/\s+/)
      .filter(Boolean)
      .map((tok) => {
        const i = tok.indexOf(':');
        return i < 0 ? { kind: '', value: tok } : { kind: tok.slice(0, i), value: tok.slice(i + 1) };
      }),
  );
  const names = new Map<string, string>();
  for (const kind of Object.keys(KNOWN) as Array<keyof typeof KNOWN>) {
    const ids = [...new Set(tokens.flat().filter((t) => t.kind === kind && UUID.test(t.value)).map((t) => t.value))];
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
  return {
    entries: rows.map((r, i) => ({
      id: r.id,
      at: r.at,
      email: r.email,
      action: r.action,
      target: tokens[i]!.map((t) => ({ ...t, name: names.get(`${t.kind}:${t.value}`) ?? null })),
    })),
    page: current,
    pages,
    total,
  };
}
