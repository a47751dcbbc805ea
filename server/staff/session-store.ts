import type { Kysely } from 'kysely';
import type { SessionStore } from '@fastify/session';
import type { Session } from 'fastify';
import type { Database } from '../db/schema.ts';
import { compiledOnce } from '../db/compiled-query.ts';
import { SESSION_USER_COLUMNS, sessionUserSchools, toSessionUser, type SessionUser } from './users.ts';

/** A session ends after this long without a request (the cookie's max age, renewed on every request). */
export const IDLE_LIFETIME_MS = 8 * 60 * 60 * 1000;
/** … and this long after it was created at sign-in, however active it is (ASVS V3.3). */
export const ABSOLUTE_LIFETIME_MS = 12 * 60 * 60 * 1000;

/** How far a renewed idle expiry may run ahead of the stored one before it is written. */
export const TOUCH_INTERVAL_MS = 60_000;

/**
 * A session as compared before a write: keys in order (jsonb keeps its own order), without the
 * cookie's expiry and the one before it, which every request renews.
 */
function essence(session: Record<string, unknown>): string {
  const { cookie, ...rest } = session;
  const { expires: _renewed, originalExpires: _previous, ...kept } = (cookie ?? {}) as Record<string, unknown>;
  return JSON.stringify({ ...rest, cookie: kept }, (_key, value: unknown) =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : value,
  );
}

const bornAfter = () => new Date(Date.now() - ABSOLUTE_LIFETIME_MS);

/** A session that has not expired (`now`) and was created after `bornAfter`, with its active user. */
const liveSession = compiledOnce((db, sid: string, now: Date, bornAfter: Date) =>
  db
    .selectFrom('session')
    .leftJoin('app_user', (join) => join.onRef('app_user.id', '=', 'session.user_id').on('app_user.active', '=', true))
    .select(['session.data', 'session.expires_at', 'session.user_id'])
    .select(SESSION_USER_COLUMNS)
    .select(sessionUserSchools)
    .where('session.sid', '=', sid)
    .where('session.expires_at', '>', now)
    .where('session.created_at', '>', bornAfter),
);

/**
 * Staff sessions in the database, so that any instance behind a load balancer can serve any
 * request (design §7). A row knows its user (for the user's own session list) and its creation
 * time (for the absolute lifetime). Expired rows are ignored on read and removed now and then on
 * write. Only signed-in users and the second step of a 2FA sign-in have a row: the anonymous login
 * form needs none (server/platform/plugins/auth.ts).
 */
export class DatabaseSessionStore implements SessionStore {
  private writes = 0;
  /** per session id: what the database holds (`essence`), as last read or written by this process */
  private readonly held = new Map<string, { data: string; expires: number }>();
  /** per session id: its user as read with it, until the request's access check takes it (`userOf`) */
  private readonly users = new Map<string, { userId: string; user: SessionUser | null }>();
  constructor(private readonly db: Kysely<Database>) {}

  set(sid: string, session: Session, callback: (err?: unknown) => void): void {
    const expires = session.cookie?.expires ? new Date(session.cookie.expires) : new Date(Date.now() + IDLE_LIFETIME_MS);
    const data = JSON.stringify(session);
    // Every staff request renews the idle expiry; when only that changed, and by less than a
    // minute, the row is left as it is: one write (and one commit) less per page view, and the
    // idle lifetime ends at most a minute early.
    const held = this.held.get(sid);
    const same = essence(JSON.parse(data) as Record<string, unknown>);
    if (held && held.data === same && expires.getTime() - held.expires < TOUCH_INTERVAL_MS) {
      callback();
      return;
    }
    const userId = typeof session.userId === 'string' ? session.userId : null;
    this.db
      .insertInto('session')
      .values({ sid, data, expires_at: expires, user_id: userId })
      .onConflict((oc) => oc.column('sid').doUpdateSet({ data, expires_at: expires, user_id: userId }))
      .execute()
      .then(() => this.hold(sid, same, expires.getTime()))
      .then(() => this.sweep())
      .then(() => callback(), callback);
  }

  get(sid: string, callback: (err: unknown, result?: Session | null) => void): void {
    // The session's user comes in the same query: one round trip less on every staff request.
    liveSession(this.db, sid, new Date(), bornAfter())
      .then(([row]) => row)
      .then(
        (row) => {
          if (row) this.hold(sid, essence(row.data), row.expires_at.getTime());
          else this.held.delete(sid);
          if (row?.user_id) {
            const { data: _data, expires_at: _expires, user_id: userId, ...user } = row;
            // Left-joined: every column of the user is there, or none (no active user).
            this.keepUser(sid, userId, user.id === null ? null : toSessionUser(user as Parameters<typeof toSessionUser>[0]));
          }
          callback(null, (row?.data as Session | undefined) ?? null);
        },
        (err) => callback(err),
      );
  }

  /**
   * The user read with this session in this request (null: none active), once; undefined when it
   * was not read with it, or is another user than `userId` (the session's own word).
   */
  userOf(sid: string, userId: string): SessionUser | null | undefined {
    const read = this.users.get(sid);
    this.users.delete(sid);
    return read?.userId === userId ? read.user : undefined;
  }

  private keepUser(sid: string, userId: string, user: SessionUser | null): void {
    // A bound: a session read by a request that never asks for its user must not stay for ever.
    if (this.users.size >= 1_000) this.users.clear();
    this.users.set(sid, { userId, user });
  }

  destroy(sid: string, callback: (err?: unknown) => void): void {
    this.held.delete(sid);
    this.users.delete(sid);
    this.db
      .deleteFrom('session')
      .where('sid', '=', sid)
      .execute()
      .then(() => callback(), callback);
  }

  private hold(sid: string, data: string, expires: number): void {
    // A bound, not a cache policy: forgetting only costs the next request its write.
    if (this.held.size >= 10_000 && !this.held.has(sid)) this.held.clear();
    this.held.set(sid, { data, expires });
  }

  private async sweep(): Promise<void> {
    if (++this.writes % 100 !== 0) return;
    await this.db
      .deleteFrom('session')
      .where((eb) => eb.or([eb('expires_at', '<=', new Date()), eb('created_at', '<=', bornAfter())]))
      .execute();
  }
}

export interface SessionSummary {
  handle: string;
  createdAt: Date;
  /** The last request, to the quarter hour (coarse on purpose: the list is not an activity log). */
  lastSeen: Date;
  current: boolean;
}

const QUARTER_HOUR = 15 * 60_000;

/** A user's live sessions, newest first; `currentSid` marks the one asking. No address, no user agent: none is stored. */
export async function listSessions(db: Kysely<Database>, userId: string, currentSid: string): Promise<SessionSummary[]> {
  const rows = await db
    .selectFrom('session')
    .select(['sid', 'handle', 'created_at', 'expires_at'])
    .where('user_id', '=', userId)
    .where('expires_at', '>', new Date())
    .where('created_at', '>', bornAfter())
    .orderBy('created_at', 'desc')
    .execute();
  return rows.map((r) => ({
    handle: r.handle,
    createdAt: r.created_at,
    // Never shown before the sign-in itself.
    lastSeen: new Date(
      Math.max(r.created_at.getTime(), Math.floor((r.expires_at.getTime() - IDLE_LIFETIME_MS) / QUARTER_HOUR) * QUARTER_HOUR),
    ),
    current: r.sid === currentSid,
  }));
}

/** Ends one of the user's sessions by its handle (never another user's); false when there is none. */
export async function revokeSession(db: Kysely<Database>, userId: string, handle: string): Promise<boolean> {
  const rows = await db.deleteFrom('session').where('user_id', '=', userId).where('handle', '=', handle).returning('sid').execute();
  return rows.length > 0;
}

/** Ends every session of the user but `keepSid` (after a password change, or on request); returns how many. */
export async function endOtherSessions(db: Kysely<Database>, userId: string, keepSid: string | null): Promise<number> {
  let q = db.deleteFrom('session').where('user_id', '=', userId);
  if (keepSid) q = q.where('sid', '!=', keepSid);
  return (await q.returning('sid').execute()).length;
}
