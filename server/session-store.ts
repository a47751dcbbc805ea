import type { Kysely } from 'kysely';
import type { SessionStore } from '@fastify/session';
import type { Session } from 'fastify';
import type { Database } from './db/schema.ts';

const DEFAULT_TTL_MS = 8 * 60 * 60 * 1000;

/**
 * Staff sessions in the database, so that any instance behind a load balancer can serve any
 * request (design §7). Expired rows are ignored on read and removed now and then on write.
 */
export class DatabaseSessionStore implements SessionStore {
  private writes = 0;
  constructor(private readonly db: Kysely<Database>) {}

  set(sid: string, session: Session, callback: (err?: unknown) => void): void {
    const expires = session.cookie?.expires ? new Date(session.cookie.expires) : new Date(Date.now() + DEFAULT_TTL_MS);
    const data = JSON.stringify(session);
    this.db
      .insertInto('session')
      .values({ sid, data, expires_at: expires })
      .onConflict((oc) => oc.column('sid').doUpdateSet({ data, expires_at: expires }))
      .execute()
      .then(() => this.sweep())
      .then(() => callback(), callback);
  }

  get(sid: string, callback: (err: unknown, result?: Session | null) => void): void {
    this.db
      .selectFrom('session')
      .select('data')
      .where('sid', '=', sid)
      .where('expires_at', '>', new Date())
      .executeTakeFirst()
      .then((row) => callback(null, (row?.data as Session | undefined) ?? null), (err) => callback(err));
  }

  destroy(sid: string, callback: (err?: unknown) => void): void {
    this.db
      .deleteFrom('session')
      .where('sid', '=', sid)
      .execute()
      .then(() => callback(), callback);
  }

  private async sweep(): Promise<void> {
    if (++this.writes % 100 !== 0) return;
    await this.db.deleteFrom('session').where('expires_at', '<=', new Date()).execute();
  }
}
