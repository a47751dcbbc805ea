/**
 * Issue 14, sealing on PostgreSQL reads the comments on a second connection while its own reads the
 * response boxes: that connection sees what the sealing transaction sees (an exported snapshot), so
 * the wave's comments must stay unwritable from the moment sealing locks them, and the connection
 * must end with the sealing, whether it succeeds or refuses a box. Tried as an administrator who
 * writes a comment box behind sealing's back, and as an operator who counts connections.
 */
import { expect } from 'vitest';
import pg from 'pg';
import { sql } from 'kysely';
import { describeOn, itOn, useStore } from '../helpers/store.ts';
import { testKeys } from '../helpers/app.ts';
import { openWaveWithCodes, shipped, submit } from '../helpers/fixtures.ts';
import { closeWave } from '../../server/sealing/sealing.ts';
import { partitionName } from '../../server/db/partitions.ts';
import { ALONGSIDE } from '../../server/db/copy.ts';
import { itemsInOrder } from '../../surveys/load.ts';

const answers = itemsInOrder(shipped).map((_, i) => 1 + (i % 5));

describeOn('postgres', 'sealing with a connection alongside (PostgreSQL)', () => {
  const store = useStore();

  async function answered(n: number) {
    const w = await openWaveWithCodes(store.db, n);
    for (let i = 0; i < n; i++)
      expect(await submit(store.db, w.codes[i]!, { answers, background: {}, comment: `opmerking ${i} ${'x'.repeat(i * 300)}` })).toBe(true);
    return w;
  }

  const alongside = async () =>
    (
      await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
        where datname = current_database() and application_name = ${ALONGSIDE}`.execute(store.db)
    ).rows[0]!.n;

  /** A connection of its own, outside the store's pool: an administrator's psql. */
  async function administrator() {
    const client = new pg.Client({ connectionString: store.url });
    await client.connect();
    return client;
  }

  /**
   * Sealing of the wave started and held up at its last lock (on `comment`, which `holder` holds),
   * after it has locked the codes and the boxes; `release` lets it go on.
   */
  async function heldAtItsLastLock(waveId: string, admin: pg.Client) {
    const holder = await administrator();
    await holder.query('begin');
    await holder.query('lock table comment in access share mode');
    const sealing = closeWave(store.db, testKeys(store.db), waveId);
    sealing.catch(() => undefined);
    await waitUntilWaiting(admin, 'comment');
    const release = async () => {
      await holder.query('commit');
      await holder.end();
    };
    return { sealing, release };
  }

  itOn(
    'postgres',
    'the second connection ends with the sealing: after it sealed, and after it refused an altered comment box',
    async () => {
      const refused = await answered(5);
      // The end of the longest comment's box altered (which box is which is what an administrator cannot know).
      await sql`update ${sql.table(partitionName('encrypted_comment', refused.waveId))}
              set box = overlay(box placing '\\x00'::bytea from length(box) - 3)
              where ctid = (select ctid from ${sql.table(partitionName('encrypted_comment', refused.waveId))} limit 1)`.execute(store.db);
      await expect(closeWave(store.db, testKeys(store.db), refused.waveId)).rejects.toThrow(/cannot be opened/);
      expect(await alongside()).toBe(0);
      const wave = await store.db.selectFrom('wave').select('sealed').where('id', '=', refused.waveId).executeTakeFirstOrThrow();
      expect(wave.sealed).toBe(false);

      const w = await answered(5);
      await closeWave(store.db, testKeys(store.db), w.waveId);
      expect(await alongside()).toBe(0);
      const texts = (await store.db.selectFrom('comment').select('text').where('wave_id', '=', w.waveId).execute()).map((c) => c.text);
      expect(texts.sort()).toEqual([0, 1, 2, 3, 4].map((i) => `opmerking ${i} ${'x'.repeat(i * 300)}`).sort());
    },
  );

  itOn('postgres', 'while sealing holds its locks, a comment box written behind its back waits, and a read does not', async () => {
    const w = await answered(5);
    const partition = partitionName('encrypted_comment', w.waveId);
    const admin = await administrator();
    const { sealing, release } = await heldAtItsLastLock(w.waveId, admin);
    try {
      await admin.query(`set lock_timeout = '300ms'`);
      // A read goes through: what the connection alongside does.
      const read = await admin.query(`select count(*)::int as n from "${partition}"`);
      expect(read.rows[0].n).toBe(5);
      // A write does not: a box slipped in now would be read by one connection and not counted by the other.
      await expect(
        admin.query(`insert into "${partition}" (wave_id, school_id, box) select wave_id, school_id, box from "${partition}" limit 1`),
      ).rejects.toThrow(/lock timeout/);
    } finally {
      await release();
      await admin.end();
    }
    await sealing;
    expect(await store.db.selectFrom('comment').select('text').where('wave_id', '=', w.waveId).execute()).toHaveLength(5);
    expect(await alongside()).toBe(0);
  });

  itOn(
    'postgres',
    'an operator’s lock queued behind sealing does not hang it: the copy alongside gives up, sealing changes nothing, and a retry seals',
    async () => {
      const w = await answered(5);
      const partition = partitionName('encrypted_comment', w.waveId);
      const operator = await administrator();
      const admin = await administrator();
      const { sealing, release } = await heldAtItsLastLock(w.waveId, admin);
      let operatorDone: Promise<unknown> = Promise.resolve();
      try {
        // VACUUM FULL, CLUSTER or LOCK on the comment boxes: a request that waits for sealing.
        await operator.query('begin');
        operatorDone = operator.query(`lock table "${partition}" in access exclusive mode`);
        operatorDone.catch(() => undefined);
        await waitUntilWaiting(admin, partition);
      } finally {
        await release();
      }
      const started = performance.now();
      await expect(sealing).rejects.toThrow(/lock timeout/);
      expect(performance.now() - started).toBeLessThan(30_000);
      // The operator gets the lock once sealing has rolled back; then sealing goes through.
      await operatorDone;
      await operator.query('commit');
      await operator.end();
      await admin.end();
      const wave = await store.db.selectFrom('wave').select('sealed').where('id', '=', w.waveId).executeTakeFirstOrThrow();
      expect(wave.sealed).toBe(false);
      expect(await alongside()).toBe(0);
      await closeWave(store.db, testKeys(store.db), w.waveId);
      expect(await store.db.selectFrom('comment').select('text').where('wave_id', '=', w.waveId).execute()).toHaveLength(5);
    },
    60_000,
  );
});

/** Waits until some backend waits for a lock on the relation named `relname`. */
async function waitUntilWaiting(client: pg.Client, relname: string): Promise<void> {
  for (let waited = 0; ; waited += 50) {
    const { rows } = await client.query(
      `select count(*)::int as n from pg_locks l join pg_class c on c.oid = l.relation where c.relname = $1 and not l.granted`,
      [relname],
    );
    if (rows[0].n > 0) return;
    if (waited > 20_000) throw new Error(`nobody came to wait for a lock on ${relname}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
