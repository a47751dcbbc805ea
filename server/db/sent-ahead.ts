import { setImmediate } from 'node:timers/promises';

/**
 * A statement on its way to PostgreSQL before this thread turns to other work: Kysely and the
 * driver write it to the socket only after a few awaits, so the caller yields one turn of the event
 * loop first and then works while PostgreSQL runs it. Its failure waits for whoever awaits `done`,
 * rather than being reported as unhandled should the caller's own work throw first.
 */
export async function sentAhead<T>(statement: Promise<T>): Promise<{ done: Promise<T> }> {
  statement.catch(() => undefined);
  await setImmediate();
  return { done: statement };
}
