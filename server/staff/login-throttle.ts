import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

/**
 * Login throttling per account (ASVS V2.2.1), beside the limit per client address
 * (@fastify/rate-limit on the sign-in routes). The count lives on the account row, so every
 * instance behind the load balancer sees the same one; no address is ever stored.
 *
 * - Wrong passwords and wrong codes count alike, consecutively; a complete sign-in (both factors)
 *   resets the count, and so does a day without failures.
 * - The first FREE_FAILURES failures cost nothing (typos, a forgotten caps lock). From then on
 *   each failure starts a back-off of 1, 2, 4, 8, then at most 15 minutes, during which no
 *   password or code of that account is even checked.
 * - A lock never lasts longer than 15 minutes, whatever an attacker does: an attempt during a
 *   lock is refused without counting and without extending it. An attacker can at most keep an
 *   account waiting (about 4 guesses an hour once locked, far below ASVS's 100 an hour), never
 *   lock it for good — and not without notice: every failure and every lock is in the audit log,
 *   and the account page shows the account's own recent failures to its user.
 */
export const FREE_FAILURES = 10;
export const MAX_LOCK_MS = 15 * 60_000;
const FORGET_AFTER_MS = 24 * 60 * 60_000;

/** The back-off after `failures` consecutive failures (0 while still free). */
export function backoffMs(failures: number): number {
  if (failures < FREE_FAILURES) return 0;
  return Math.min(MAX_LOCK_MS, 60_000 * 2 ** Math.min(failures - FREE_FAILURES, 10));
}

/** Milliseconds until the account may try again (0 = now). */
export function lockedForMs(account: { locked_until: Date | null }, now = Date.now()): number {
  return account.locked_until ? Math.max(0, account.locked_until.getTime() - now) : 0;
}

/** Counts a failure; returns the new count and the lock it started, if any. */
export async function recordFailure(
  db: Kysely<Database>,
  userId: string,
  now = new Date(),
): Promise<{ failures: number; lockedUntil: Date | null }> {
  const forgetBefore = new Date(now.getTime() - FORGET_AFTER_MS);
  const row = await db
    .updateTable('app_user')
    .set({
      // One statement: concurrent failures on two instances both count.
      failed_logins: sql<number>`case when last_failed_login_at is null or last_failed_login_at < ${forgetBefore} then 1 else failed_logins + 1 end`,
      last_failed_login_at: now,
    })
    .where('id', '=', userId)
    .returning('failed_logins')
    .executeTakeFirst();
  const failures = row?.failed_logins ?? 0;
  const wait = backoffMs(failures);
  if (!wait) return { failures, lockedUntil: null };
  const lockedUntil = new Date(now.getTime() + wait);
  await db.updateTable('app_user').set({ locked_until: lockedUntil }).where('id', '=', userId).execute();
  return { failures, lockedUntil };
}

/** A complete sign-in: the count starts again. */
export async function recordSuccess(db: Kysely<Database>, userId: string): Promise<void> {
  await db.updateTable('app_user').set({ failed_logins: 0, locked_until: null }).where('id', '=', userId).execute();
}
