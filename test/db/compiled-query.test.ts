/**
 * Statements built and compiled once (server/db/compiled-query.ts, issue 17): a dashboard's session,
 * history, breakdowns and comments are read so on every view. What could go wrong: one call's values
 * answering another's (a session read for the wrong cookie, another school's comments), a constant
 * of the statement lost, and a statement whose shape depends on its arguments compiled for the first
 * call's shape and then used for all.
 */
import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { storeKind, useStore } from '../helpers/store.ts';
import { compiledOnce } from '../../server/db/compiled-query.ts';

describe(`compiledOnce (${storeKind})`, () => {
  const store = useStore();

  it('answers each call with its own values, also many at once, and keeps the constants of the statement', async () => {
    const db = store.db;
    await db
      .insertInto('app_meta')
      .values(Array.from({ length: 20 }, (_, i) => ({ key: `compiled-${i}`, value: i % 2 ? 'odd' : 'even' })))
      .execute();
    const read = compiledOnce((db, prefix: string, value: string) =>
      db
        .selectFrom('app_meta')
        .select(['key', 'value'])
        .where('key', 'like', prefix)
        // a constant of the statement: a parameter no argument fills
        .where('key', '!=', 'compiled-0')
        .where('value', '=', value)
        .orderBy('key'),
    );
    const direct = (prefix: string, value: string) =>
      db
        .selectFrom('app_meta')
        .select(['key', 'value'])
        .where('key', 'like', prefix)
        .where('key', '!=', 'compiled-0')
        .where('value', '=', value)
        .orderBy('key')
        .execute();
    const asked = Array.from({ length: 20 }, (_, i) => [`compiled-${i}%`, i % 3 ? 'odd' : 'even'] as const);
    const got = await Promise.all(asked.map(([p, v]) => read(db, p, v)));
    for (const [i, [p, v]] of asked.entries()) expect(got[i]).toEqual(await direct(p, v));
    expect(got.flat().some((r) => r.key === 'compiled-0')).toBe(false);
    expect(got.flat().length).toBeGreaterThan(0);
  });

  it('refuses a statement whose shape depends on an argument, rather than compiling the first call for all', async () => {
    const db = store.db;
    // An argument inlined into the text: every call would read the first call's key.
    const inlined = compiledOnce((db, key: string) => db.selectFrom('app_meta').select('value').where('key', '=', sql.lit(key)));
    await expect(inlined(db, 'demo')).rejects.toThrow(/argument 0 is not a parameter/);
    // An argument that picks a branch: the marker takes one branch, the statement has no place for it.
    const branching = compiledOnce((db, limit: number) => {
      const q = db.selectFrom('app_meta').select('value');
      return limit > 0 ? q.limit(limit) : q;
    });
    await expect(branching(db, 5)).rejects.toThrow(/argument 0 is not a parameter/);
  });
});
