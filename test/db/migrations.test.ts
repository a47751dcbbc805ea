import { afterAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { testStore, type TestStore } from '../helpers/store.ts';
import { migrateDownAll, migrateToLatest } from '../../server/db/migrate.ts';

const TABLES = ['access_code', 'app_meta', 'app_user', 'audit_log', 'comment', 'questionnaire', 'rep_school', 'response', 'school', 'session', 'wave', 'wave_school'];

async function tables(store: TestStore): Promise<string[]> {
  const { rows } = await sql<{ table_name: string }>`
    select table_name from information_schema.tables
    where table_schema = 'public' and table_name not like 'kysely_%' order by table_name`.execute(store.db);
  return rows.map((r) => r.table_name);
}

describe('migrations', () => {
  let store: TestStore;
  afterAll(async () => store?.drop());

  it('go up, down and up again', async () => {
    store = await testStore({ migrate: false });
    await migrateToLatest(store.db);
    expect(await tables(store)).toEqual(expect.arrayContaining(TABLES));
    await migrateDownAll(store.db);
    expect(await tables(store)).toEqual([]);
    await migrateToLatest(store.db);
    expect(await tables(store)).toEqual(expect.arrayContaining(TABLES));
  });

  it('give response and code tables no time, address or sequence column', async () => {
    const { rows } = await sql<{ table_name: string; column_name: string; data_type: string; column_default: string | null }>`
      select table_name, column_name, data_type, column_default from information_schema.columns
      where table_schema = 'public' and table_name in ('response', 'comment', 'access_code')`.execute(store.db);
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      expect(r.data_type, `${r.table_name}.${r.column_name}`).not.toMatch(/time|date|inet|cidr|interval/);
      expect(r.column_default ?? '', `${r.table_name}.${r.column_name}`).not.toMatch(/nextval|now\(\)/);
    }
  });

  it('refuse to change a published questionnaire', async () => {
    await sql`insert into questionnaire (key, version, definition) values ('x', 1, '{}')`.execute(store.db);
    await expect(sql`update questionnaire set definition = '{"a":1}' where key = 'x'`.execute(store.db)).rejects.toThrow(/cannot be changed/);
  });
});
