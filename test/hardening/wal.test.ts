/**
 * Issue 14: nothing links a code to its answers — not the tables, and not what the database writes
 * before the tables. Tried as a database administrator would: read the raw write-ahead log (WAL) and
 * the raw table files while a wave is open, and look for the answers and comment a teacher just
 * sent. PostgreSQL: its WAL segments through `pg_read_binary_file` (a superuser needs no file path).
 * PGlite: the files of its data directory, as anyone with a copy of DATA_DIR would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { storeKind, testStore } from '../helpers/store.ts';
import { preparedPgliteDir } from '../helpers/data-dir.ts';
import { testApp, testKeys } from '../helpers/app.ts';
import { openWaveWithCodes, shipped } from '../helpers/fixtures.ts';
import { openStore, type Store } from '../../server/db/connect.ts';
import { migrateToLatest } from '../../server/db/migrate.ts';
import { closeWave } from '../../server/sealing/sealing.ts';
import { partitionName } from '../../server/db/partitions.ts';
import { open } from '../../server/encryption/boxes.ts';
import { itemsInOrder } from '../../surveys/load.ts';

const items = itemsInOrder(shipped);
/** Marker answers: a pattern no other test submits, every value 1..5 (no NULL, so stored as a plain int16 run). */
const markerAnswers = items.map((_, i) => [5, 1, 4, 2, 3, 3, 1, 5, 2, 4, 4, 1][i % 12]!);
const markerComment = `WalCanary-${randomBytes(6).toString('hex')}-opmerking over de werkdruk`;
const markerBytes = () => [Buffer.from(markerComment, 'utf8'), int16Run(markerAnswers)];
/** For the probe that shows the search works: other values, so it leaves no trace of the markers. */
const probeAnswers = markerAnswers.map((v) => 6 - v).reverse();
const probeComment = `WalProbe-${randomBytes(6).toString('hex')}-plaintext`;

function int16Run(values: number[]): Buffer {
  const out = Buffer.alloc(values.length * 2);
  values.forEach((v, i) => out.writeInt16LE(v, i * 2));
  return out;
}

const contains = (bytes: Buffer, markers: Buffer[]) => markers.some((m) => bytes.includes(m));

interface Files {
  /** WAL segments written since `since` (PostgreSQL) or every file under pg_wal (PGlite) */
  wal(): Promise<Array<{ name: string; bytes: Buffer }>>;
  /** every table and index file of the database, after a checkpoint */
  tables(): Promise<Array<{ name: string; bytes: Buffer }>>;
  /** the file(s) of one relation */
  relation(name: string): Promise<Buffer>;
}

async function filesUnder(dir: string): Promise<Array<{ name: string; bytes: Buffer }>> {
  const out: Array<{ name: string; bytes: Buffer }> = [];
  for (const entry of await readdir(dir, { recursive: true })) {
    const full = path.join(dir, entry);
    if ((await stat(full)).isFile()) out.push({ name: entry, bytes: await readFile(full) });
  }
  return out;
}

function postgresFiles(store: Store, since: string): Files {
  const read = async (file: string) =>
    Buffer.from((await sql<{ b: Uint8Array }>`select pg_read_binary_file(${file}) as b`.execute(store.db)).rows[0]!.b);
  return {
    async wal() {
      const { rows } = await sql<{ name: string }>`
        select name from pg_ls_waldir()
        where name ~ '^[0-9A-F]{24}$' and name between pg_walfile_name(${since}::pg_lsn) and pg_walfile_name(pg_current_wal_lsn())
        order by name`.execute(store.db);
      expect(rows.length).toBeGreaterThan(0);
      return Promise.all(rows.map(async (r) => ({ name: r.name, bytes: await read(`pg_wal/${r.name}`) })));
    },
    async tables() {
      await sql`checkpoint`.execute(store.db);
      const { rows } = await sql<{ path: string }>`
        select pg_relation_filepath(c.oid) as path from pg_class c
        where c.relkind in ('r', 't', 'i', 'm') and pg_relation_filepath(c.oid) is not null and c.relpersistence = 'p'
          and pg_relation_size(c.oid) > 0`.execute(store.db);
      return Promise.all(rows.map(async (r) => ({ name: r.path, bytes: await read(r.path) })));
    },
    async relation(name) {
      await sql`checkpoint`.execute(store.db);
      const { rows } = await sql<{ path: string }>`select pg_relation_filepath(${name}::regclass) as path`.execute(store.db);
      return read(rows[0]!.path);
    },
  };
}

function pgliteFiles(store: Store, dir: string): Files {
  return {
    wal: () => filesUnder(path.join(dir, 'pg_wal')),
    async tables() {
      await sql`checkpoint`.execute(store.db);
      return filesUnder(path.join(dir, 'base'));
    },
    async relation(name) {
      await sql`checkpoint`.execute(store.db);
      const { rows } = await sql<{ path: string }>`select pg_relation_filepath(${name}::regclass) as path`.execute(store.db);
      return readFile(path.join(dir, rows[0]!.path));
    },
  };
}

describe(`the write-ahead log and table files of an open wave hold no answer (${storeKind})`, () => {
  let store: Store & { drop(): Promise<void> };
  let app: FastifyInstance;
  let files: Files;
  let dir: string | undefined;
  let waveId: string;
  let codes: string[];

  beforeAll(async () => {
    if (storeKind === 'postgres') {
      store = await testStore();
    } else {
      // A data directory on disk, as `npm start` keeps one: what a copy of DATA_DIR would hold.
      dir = await mkdtemp(path.join(os.tmpdir(), 'sp-wal-'));
      await preparedPgliteDir(dir);
      const s = await openStore({ pgliteDir: dir });
      await migrateToLatest(s.db);
      store = { ...s, drop: () => s.close() };
    }
    app = await testApp(store);
    let schoolId: string;
    ({ waveId, codes, schoolId } = await openWaveWithCodes(store.db, 6));
    const since =
      storeKind === 'postgres' ? (await sql<{ lsn: string }>`select pg_current_wal_lsn()::text as lsn`.execute(store.db)).rows[0]!.lsn : '';
    files = storeKind === 'postgres' ? postgresFiles(store, since) : pgliteFiles(store, dir!);

    const body = new URLSearchParams({
      code: codes[0]!,
      wave: waveId,
      school: schoolId,
      comment: markerComment,
      'b.role': 'leraar',
      'b.seniority': 'gt15',
    });
    items.forEach((it, i) => body.append(`a.${it.id}`, String(markerAnswers[i])));
    const res = await app.inject({
      method: 'POST',
      url: '/submit',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: body.toString(),
    });
    expect(res.statusCode).toBe(303);
  });
  afterAll(async () => {
    await app?.close();
    await store?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('the search finds values where they are in plaintext (the check can fail)', async () => {
    const probe = `probe_${randomBytes(4).toString('hex')}`;
    const probeBytes = [Buffer.from(probeComment, 'utf8'), int16Run(probeAnswers)];
    await sql`create table ${sql.id(probe)} (t text, a smallint[])`.execute(store.db);
    await sql`insert into ${sql.id(probe)} values (${probeComment}, ${probeAnswers}::smallint[])`.execute(store.db);
    try {
      const relation = await files.relation(probe);
      for (const m of probeBytes) expect(relation.includes(m)).toBe(true);
      const wal = await files.wal();
      for (const m of probeBytes)
        expect(
          wal.some((f) => f.bytes.includes(m)),
          'a plaintext insert is found in the WAL',
        ).toBe(true);
    } finally {
      await sql`drop table ${sql.id(probe)}`.execute(store.db);
    }
  });

  it('while the wave is open, no WAL segment and no table file holds the answers or the comment', async () => {
    const wal = await files.wal();
    expect(wal.length).toBeGreaterThan(0);
    for (const f of wal) expect(contains(f.bytes, markerBytes()), `WAL ${f.name}`).toBe(false);
    const tables = await files.tables();
    expect(tables.length).toBeGreaterThan(10);
    for (const f of tables) expect(contains(f.bytes, markerBytes()), `table file ${f.name}`).toBe(false);
  });

  it('a copy of the database and its WAL joins a spent code to ciphertext only, which no key in the database opens', async () => {
    const { rows } = await sql<{ hash: string; box: Uint8Array; school_id: string }>`
      select a.hash, e.box, e.school_id from access_code a join encrypted_response e on e.xmin = a.xmin
      where a.wave_id = ${waveId} and a.spent`.execute(store.db);
    // The join an administrator would try does link the code to its row: that row is ciphertext.
    expect(rows).toHaveLength(1);
    const box = Buffer.from(rows[0]!.box);
    expect(contains(box, markerBytes())).toBe(false);
    // What the database holds of keys: the wrapped data key. It is not the data key, and without the
    // master key (outside the database) nothing opens the box.
    const wrapped = await store.db.selectFrom('wave_key').select('wrapped').where('wave_id', '=', waveId).executeTakeFirstOrThrow();
    const w = Buffer.from(wrapped.wrapped);
    for (const candidate of [w.subarray(w.length - 16 - 32, w.length - 16), randomBytes(32)]) {
      expect(() => open(candidate, { kind: 'response', waveId, schoolId: rows[0]!.school_id }, box)).toThrow();
    }
    // The master key does open it: the key, not the schema, is what protects the answers.
    expect(
      open(
        (await testKeys(store.db).dataKey(store.db, waveId, { create: false }))!,
        { kind: 'response', waveId, schoolId: rows[0]!.school_id },
        box,
      ).length,
    ).toBe(items.length + shipped.background.length);
  });

  it('after sealing, the markers are in the sealed partitions alone, and the wave key is gone', async () => {
    await closeWave(store.db, testKeys(store.db), waveId);
    expect(await store.db.selectFrom('wave_key').select('wave_id').where('wave_id', '=', waveId).execute()).toEqual([]);
    const sealedResponses = await files.relation(partitionName('response', waveId));
    const sealedComments = await files.relation(partitionName('comment', waveId));
    expect(sealedResponses.includes(int16Run(markerAnswers))).toBe(true);
    expect(sealedComments.includes(Buffer.from(markerComment))).toBe(true);
    const holding = (await files.tables()).filter((f) => f.bytes.includes(Buffer.from(markerComment))).length;
    expect(holding, 'only the sealed comment partition holds the comment').toBe(1);
  });
});
