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
    // An argument that is a parameter and inlined as well.
    const twice = compiledOnce((db, key: string) =>
      db.selectFrom('app_meta').select('value').where('key', '=', key).where('value', '!=', sql.lit(key)),
    );
    await expect(twice(db, 'demo')).rejects.toThrow(/argument 0 is not a parameter/);
    // A branch on the value (its length), and a transformed value: each is a parameter, of the first build only.
    const byLength = compiledOnce((db, key: string) => {
      const q = db.selectFrom('app_meta').select('value').where('key', '=', key);
      return key.length > 60 ? q.where('value', '=', key) : q;
    });
    await expect(byLength(db, 'demo')).rejects.toThrow(/depends on its arguments' values/);
    const lowered = compiledOnce((db, email: string) => db.selectFrom('app_meta').select('value').where('key', '=', email.toLowerCase()));
    await expect(lowered(db, 'Admin@x.nl')).rejects.toThrow(/argument 0 is not a parameter/);
    const cut = compiledOnce((db, sid: string) => db.selectFrom('app_meta').select('value').where('key', '=', sid.slice(0, 64)));
    await expect(cut(db, 'x'.repeat(100))).rejects.toThrow(/argument 0 is not a parameter|depends on its arguments' values/);
  });

  it('refuses a call with fewer or more arguments than the statement declares (an optional one would keep its first value)', async () => {
    const db = store.db;
    const optional = compiledOnce((db, key: string, value?: string) =>
      db
        .selectFrom('app_meta')
        .select('value')
        .where('key', '=', key)
        .where('value', '=', value ?? 'even'),
    );
    await expect((optional as (db: typeof store.db, key: string) => Promise<unknown>)(db, 'compiled-2')).rejects.toThrow(
      /1 arguments for a statement of 2/,
    );
    expect(await optional(db, 'compiled-3', 'odd')).toEqual([{ value: 'odd' }]);
  });

  it('takes dates, a value used twice, and a transaction of its own', async () => {
    const db = store.db;
    const since = compiledOnce((db, key: string, after: Date) =>
      db
        .selectFrom('app_meta')
        .select(['key'])
        .where((eb) => eb.or([eb('key', '=', key), eb('value', '=', key)]))
        .where(sql<boolean>`${after}::timestamptz < now()`),
    );
    expect(await since(db, 'compiled-4', new Date(Date.now() - 60_000))).toEqual([{ key: 'compiled-4' }]);
    expect(await since(db, 'compiled-4', new Date(Date.now() + 60_000))).toEqual([]);
    // the second use of the same argument: the ten rows whose value is 'odd'
    expect((await since(db, 'odd', new Date(0))).map((r) => r.key).sort()).toEqual(
      Array.from({ length: 10 }, (_, i) => `compiled-${2 * i + 1}`).sort(),
    );
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('app_meta').values({ key: 'compiled-in-trx', value: 'x' }).execute();
      expect(await since(trx, 'compiled-in-trx', new Date(0))).toEqual([{ key: 'compiled-in-trx' }]);
    });
  });
});
