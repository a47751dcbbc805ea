import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { testStore, type TestStore } from '../helpers/store.ts';
import { migrateDownAll, migrateToLatest, migrator } from '../../server/db/migrate.ts';
import { partitionName } from '../../server/db/partitions.ts';

const TABLES = [
  'access_code',
  'app_meta',
  'app_user',
  'audit_log',
  'comment',
  'encrypted_comment',
  'encrypted_response',
  'questionnaire',
  'rep_school',
  'response',
  'school',
  'session',
  'wave',
  'wave_key',
  'wave_school',
  'wave_school_breakdowns',
  'wave_school_sums',
];

async function tables(store: TestStore): Promise<string[]> {
  const { rows } = await sql<{ table_name: string }>`
    select table_name from information_schema.tables
    where table_schema = 'public' and table_name not like 'kysely_%' order by table_name`.execute(store.db);
  return rows.map((r) => r.table_name);
}

describe('migrations', () => {
  // Each test stands alone (any one can run by itself): a migrated store for the schema checks,
  // fresh ones for the tests that migrate.
  let store: TestStore;
  beforeAll(async () => {
    store = await testStore();
  });
  afterAll(async () => store?.drop());

  it('go up, down and up again', async () => {
    const fresh = await testStore({ migrate: false });
    try {
      await migrateToLatest(fresh.db);
      expect(await tables(fresh)).toEqual(expect.arrayContaining(TABLES));
      await migrateDownAll(fresh.db);
      expect(await tables(fresh)).toEqual([]);
      await migrateToLatest(fresh.db);
      expect(await tables(fresh)).toEqual(expect.arrayContaining(TABLES));
    } finally {
      await fresh.drop();
    }
  });

  it('give waves that are not sealed their encrypted partitions, and refuse to go down while they hold answers', async () => {
    const fresh = await testStore({ migrate: false });
    try {
      const db = fresh.db;
      const m = migrator(db);
      expect((await m.migrateTo('2026-11-25T1410-wave-school-sums')).error).toBeUndefined();
      await sql`insert into school (id, name, benchmark_group) values ('00000000-0000-4000-8000-000000000001', 'S', 'g')`.execute(db);
      await sql`insert into questionnaire (id, key, version, definition) values ('00000000-0000-4000-8000-000000000002', 'q', 1, '{}')`.execute(
        db,
      );
      const open = '00000000-0000-4000-8000-0000000000b1';
      const sealed = '00000000-0000-4000-8000-0000000000b2';
      for (const [w, isSealed] of [
        [open, false],
        [sealed, true],
      ] as const) {
        await sql`insert into wave (id, name, questionnaire_id, k, status, sealed) values (${w}, ${w}, '00000000-0000-4000-8000-000000000002', 5, ${isSealed ? 'closed' : 'open'}, ${isSealed})`.execute(
          db,
        );
        await sql`create table ${sql.id(partitionName('response', w))} partition of response for values in (${sql.lit(w)})`.execute(db);
        await sql`insert into wave_school (wave_id, school_id) values (${w}, '00000000-0000-4000-8000-000000000001')`.execute(db);
      }
      expect((await m.migrateTo('2026-11-29T1000-encrypted-until-sealed')).error).toBeUndefined();
      const partitions = async (table: string) =>
        (
          await sql<{
            relname: string;
          }>`select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = ${table}::regclass`.execute(db)
        ).rows.map((r) => r.relname);
      expect(await partitions('encrypted_response')).toEqual([partitionName('encrypted_response', open)]);
      expect(await partitions('encrypted_comment')).toEqual([partitionName('encrypted_comment', open)]);

      await sql`insert into encrypted_response (wave_id, school_id, box) values (${open}, '00000000-0000-4000-8000-000000000001', '\x01')`.execute(
        db,
      );
      const refused = await m.migrateTo('2026-11-25T1410-wave-school-sums');
      expect(String(refused.error)).toMatch(/seal them before migrating down/);
      expect(await partitions('encrypted_response')).toHaveLength(1);
      await sql`delete from encrypted_response`.execute(db);
      expect((await m.migrateTo('2026-11-25T1410-wave-school-sums')).error).toBeUndefined();
      expect(await tables(fresh)).not.toContain('wave_key');
    } finally {
      await fresh.drop();
    }
  });

  it('move the rows of existing waves into per-wave partitions and back, keeping their physical order', async () => {
    const fresh = await testStore({ migrate: false });
    try {
      const db = fresh.db;
      const m = migrator(db);
      const before = await m.migrateTo('2026-11-25T1000-accounts');
      expect(before.error).toBeUndefined();
      await sql`insert into school (id, name, benchmark_group) values ('00000000-0000-4000-8000-000000000001', 'S', 'g')`.execute(db);
      await sql`insert into questionnaire (id, key, version, definition) values ('00000000-0000-4000-8000-000000000002', 'q', 1, '{}')`.execute(
        db,
      );
      const waves = ['00000000-0000-4000-8000-0000000000a1', '00000000-0000-4000-8000-0000000000a2'];
      for (const w of waves) {
        await sql`insert into wave (id, name, questionnaire_id, k) values (${w}, ${w}, '00000000-0000-4000-8000-000000000002', 5)`.execute(
          db,
        );
        await sql`insert into wave_school (wave_id, school_id) values (${w}, '00000000-0000-4000-8000-000000000001')`.execute(db);
        await sql`insert into access_code (hash, wave_id, school_id) values (${`h-${w}`}, ${w}, '00000000-0000-4000-8000-000000000001')`.execute(
          db,
        );
        for (let i = 0; i < 20; i++) {
          await sql`insert into response (wave_id, school_id, answers) values (${w}, '00000000-0000-4000-8000-000000000001', ${sql.val([i])}::smallint[])`.execute(
            db,
          );
        }
        await sql`insert into comment (wave_id, school_id, text) values (${w}, '00000000-0000-4000-8000-000000000001', ${`c ${w}`})`.execute(
          db,
        );
      }
      const read = async () => ({
        responses: (
          await sql<{
            id: string;
            wave_id: string;
            answers: number[];
          }>`select id, wave_id, answers from response order by wave_id, ctid`.execute(db)
        ).rows,
        codes: (await sql<{ hash: string }>`select hash from access_code order by hash`.execute(db)).rows,
        comments: (await sql<{ id: string; text: string }>`select id, text from comment order by text`.execute(db)).rows,
      });
      const rows = await read();
      expect(rows.responses).toHaveLength(40);

      await migrateToLatest(db);
      expect(await read()).toEqual(rows);
      for (const w of waves) {
        const own = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(partitionName('response', w))}`.execute(db);
        expect(own.rows[0]!.n).toBe(20);
      }
      const kind = await sql<{ relkind: string }>`select relkind from pg_class where relname = 'response'`.execute(db);
      expect(kind.rows[0]!.relkind).toBe('p');

      const down = await m.migrateTo('2026-11-25T1000-accounts');
      expect(down.error).toBeUndefined();
      expect(await read()).toEqual(rows);
    } finally {
      await fresh.drop();
    }
  });

  it('give response and code tables no time, address or sequence column', async () => {
    const { rows } = await sql<{ table_name: string; column_name: string; data_type: string; column_default: string | null }>`
      select table_name, column_name, data_type, column_default from information_schema.columns
      where table_schema = 'public' and table_name in ('response', 'comment', 'access_code', 'encrypted_response', 'encrypted_comment')`.execute(
      store.db,
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      expect(r.data_type, `${r.table_name}.${r.column_name}`).not.toMatch(/time|date|inet|cidr|interval/);
      expect(r.column_default ?? '', `${r.table_name}.${r.column_name}`).not.toMatch(/nextval|now\(\)/);
    }
  });

  it("make comments sealed before moderation pending, the labelled demo network's shown, and drop withheld ones going down", async () => {
    const fresh = await testStore({ migrate: false });
    try {
      const db = fresh.db;
      const m = migrator(db);
      expect((await m.migrateTo('2026-11-30T1800-sealing-storage')).error).toBeUndefined();
      await sql`insert into questionnaire (id, key, version, definition) values ('00000000-0000-4000-8000-000000000002', 'q', 1, '{}')`.execute(
        db,
      );
      const wave = '00000000-0000-4000-8000-0000000000c1';
      await sql`insert into wave (id, name, questionnaire_id, k, status, sealed) values (${wave}, 'w', '00000000-0000-4000-8000-000000000002', 5, 'closed', true)`.execute(
        db,
      );
      await sql`create table ${sql.id(partitionName('comment', wave))} partition of comment for values in (${sql.lit(wave)})`.execute(db);
      const schools = { demo: '00000000-0000-4000-8000-0000000000d1', real: '00000000-0000-4000-8000-0000000000d2' };
      for (const [id, name] of [
        [schools.demo, 'Demo Atheneum Scheldeland'],
        [schools.real, 'Atheneum Scheldeland'],
      ]) {
        await sql`insert into school (id, name, benchmark_group) values (${id}, ${name}, 'secundair')`.execute(db);
        await sql`insert into comment (wave_id, school_id, text) values (${wave}, ${id}, ${name})`.execute(db);
      }
      const states = async () =>
        (await sql<{ text: string; moderation: string }>`select text, moderation::text from comment order by text`.execute(db)).rows;
      // Without the demo mark a school named like a demo school is a real one: its comment waits too.
      expect((await m.migrateTo('2026-11-30T1900-comment-moderation')).error).toBeUndefined();
      expect(await states()).toEqual([
        { text: 'Atheneum Scheldeland', moderation: 'pending' },
        { text: 'Demo Atheneum Scheldeland', moderation: 'pending' },
      ]);
      expect((await m.migrateTo('2026-11-30T1800-sealing-storage')).error).toBeUndefined();
      await sql`insert into app_meta (key, value) values ('demo', 'true')`.execute(db);
      expect((await m.migrateTo('2026-11-30T1900-comment-moderation')).error).toBeUndefined();
      expect(await states()).toEqual([
        { text: 'Atheneum Scheldeland', moderation: 'pending' },
        { text: 'Demo Atheneum Scheldeland', moderation: 'shown' },
      ]);
      await sql`update comment set moderation = 'withheld', text = '' where school_id = ${schools.real}`.execute(db);
      expect((await m.migrateTo('2026-11-30T1800-sealing-storage')).error).toBeUndefined();
      expect((await sql<{ text: string }>`select text from comment`.execute(db)).rows).toEqual([{ text: 'Demo Atheneum Scheldeland' }]);
    } finally {
      await fresh.drop();
    }
  });

  it("count each sealed wave's comments still waiting for moderation, from its comments", async () => {
    const fresh = await testStore({ migrate: false });
    try {
      const db = fresh.db;
      const m = migrator(db);
      expect((await m.migrateTo('2026-12-01T1000-school-breakdowns')).error).toBeUndefined();
      await sql`insert into questionnaire (id, key, version, definition) values ('00000000-0000-4000-8000-000000000002', 'q', 1, '{}')`.execute(
        db,
      );
      await sql`insert into school (id, name, benchmark_group) values ('00000000-0000-4000-8000-0000000000d1', 'S', 'g')`.execute(db);
      const waves = ['00000000-0000-4000-8000-0000000000c1', '00000000-0000-4000-8000-0000000000c2'];
      for (const [i, wave] of waves.entries()) {
        await sql`insert into wave (id, name, questionnaire_id, k, status, sealed) values (${wave}, ${wave}, '00000000-0000-4000-8000-000000000002', 5, 'closed', true)`.execute(
          db,
        );
        await sql`insert into wave_frozen (wave_id, questionnaire_id, k, backgrounds) values (${wave}, '00000000-0000-4000-8000-000000000002', 5, '[]')`.execute(
          db,
        );
        await sql`create table ${sql.id(partitionName('comment', wave))} partition of comment for values in (${sql.lit(wave)})`.execute(db);
        for (const moderation of i === 0 ? ['pending', 'pending', 'shown', 'pending', 'withheld'] : ['shown'])
          await sql`insert into comment (wave_id, school_id, text, moderation) values (${wave}, '00000000-0000-4000-8000-0000000000d1', 'x', ${moderation}::comment_moderation)`.execute(
            db,
          );
      }
      await migrateToLatest(db);
      const counted = await sql<{ wave_id: string; pending_comments: number }>`
        select wave_id, pending_comments from wave_frozen order by wave_id`.execute(db);
      expect(counted.rows).toEqual([
        { wave_id: waves[0], pending_comments: 3 },
        { wave_id: waves[1], pending_comments: 0 },
      ]);
      await expect(sql`update wave_frozen set pending_comments = -1`.execute(db)).rejects.toThrow();
    } finally {
      await fresh.drop();
    }
  });

  it('refuse to change a published questionnaire', async () => {
    await sql`insert into questionnaire (key, version, definition) values ('x', 1, '{}')`.execute(store.db);
    await expect(sql`update questionnaire set definition = '{"a":1}' where key = 'x'`.execute(store.db)).rejects.toThrow(
      /cannot be changed/,
    );
  });
});
