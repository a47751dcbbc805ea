/**
 * Statements with parameters are prepared once per PostgreSQL connection (server/db/prepared-statements.ts,
 * issue 17). What could go wrong: a statement prepared under one text answering for another, a
 * connection collecting prepared statements without bound, a statement answering from a table as it
 * was, and statements without parameters (several in one text) breaking.
 */
import { describe, expect } from 'vitest';
import { sql, type Kysely } from 'kysely';
import { itOn, storeKind, useStore } from '../helpers/store.ts';
import { PREPARED_PER_CONNECTION } from '../../server/db/prepared-statements.ts';
import type { Database } from '../../server/db/schema.ts';

const preparedOn = async (db: Kysely<Database>) =>
  (await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(db)).rows.map((r) => r.statement);

describe(`prepared statements (${storeKind})`, () => {
  const store = useStore();

  itOn('postgres', 'prepares a statement once per connection and answers each call with its own parameters', async () => {
    await store.db.connection().execute(async (db) => {
      const byName = (name: string) => db.selectFrom('app_meta').select('value').where('key', '=', name).execute();
      await sql`insert into app_meta (key, value) values ('probe-a', '1'), ('probe-b', '2') on conflict do nothing`.execute(db);
      expect(await byName('probe-a')).toEqual([{ value: '1' }]);
      expect(await byName('probe-b')).toEqual([{ value: '2' }]);
      expect(await byName('probe-c')).toEqual([]);
      const text = byNameText(db);
      expect((await preparedOn(db)).filter((s) => s === text)).toHaveLength(1);
    });
  });

  itOn('postgres', 'a statement whose result columns changed under it (another instance migrated) still answers right', async () => {
    await store.db.connection().execute(async (db) => {
      await sql`create temporary table probe (n int)`.execute(db);
      await sql`insert into probe values (1)`.execute(db);
      const read = (on: Kysely<Database> = db) =>
        sql<Record<string, unknown>>`select * from probe where n = ${1}`.execute(on).then((r) => r.rows);
      expect(await read()).toEqual([{ n: 1 }]);
      // Outside a transaction: answered at once (unnamed).
      await sql`alter table probe add column m int`.execute(db);
      expect(await read()).toEqual([{ n: 1, m: null }]);
      expect(await read()).toEqual([{ n: 1, m: null }]);
      // Inside one, a statement prepared before the change fails that transaction once; the next is answered.
      const other = (on: Kysely<Database>) =>
        sql<Record<string, unknown>>`select * from probe where m is null and n = ${1}`.execute(on).then((r) => r.rows);
      expect(await other(db)).toEqual([{ n: 1, m: null }]);
      await sql`alter table probe add column o int`.execute(db);
      await expect(db.transaction().execute((trx) => other(trx))).rejects.toMatchObject({ code: '0A000' });
      expect(await db.transaction().execute((trx) => other(trx))).toEqual([{ n: 1, m: null, o: null }]);
      await sql`alter table probe alter column n type text`.execute(db);
      expect(await read()).toEqual([{ n: '1', m: null, o: null }]);
    });
  });

  itOn('postgres', 'leaves statements with an array parameter unnamed (their plans depend on its length)', async () => {
    await store.db.connection().execute(async (db) => {
      const keys = ['none-a', 'none-b'];
      const q = sql<{ key: string }>`select key from app_meta where key = any(${keys}::text[]) and value = ${'x'}`;
      expect((await q.execute(db)).rows).toEqual([]);
      expect(await preparedOn(db)).not.toContain(q.compile(db).sql);
    });
  });

  itOn('postgres', 'runs statements without parameters as before, several in one text too', async () => {
    // Unnamed, so pg keeps the simple protocol, which takes several statements in one text.
    await expect(sql`select 1 as one; select 2 as one`.execute(store.db)).resolves.toBeDefined();
  });

  // Last: it fills its connection (the pool may hand the same one to the tests above).
  itOn('postgres', `keeps at most ${PREPARED_PER_CONNECTION} prepared statements on a connection; the rest run unnamed`, async () => {
    await store.db.connection().execute(async (db) => {
      // A different text each time: `in (…)` lists of growing length.
      for (let n = 1; n <= PREPARED_PER_CONNECTION + 20; n++) {
        const keys = Array.from({ length: n }, (_, i) => `none-${i}`);
        expect(await db.selectFrom('app_meta').select('key').where('key', 'in', keys).execute()).toEqual([]);
      }
      expect((await preparedOn(db)).length).toBeLessThanOrEqual(PREPARED_PER_CONNECTION);
      expect((await preparedOn(db)).length).toBeGreaterThan(PREPARED_PER_CONNECTION / 2);
    });
  });
});

function byNameText(db: Kysely<Database>): string {
  return db.selectFrom('app_meta').select('value').where('key', '=', 'x').compile().sql;
}
