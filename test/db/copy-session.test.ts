/**
 * Sealing writes a wave in binary COPY chunks and opens each box as its row is written (issue 14),
 * so a box that does not open stops the copy after earlier chunks have gone to the database. That
 * must leave nothing behind and the store usable, on both stores.
 */
import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { describeOn, itOn, useStore, storeKind } from '../helpers/store.ts';
import { CopyWriter, withCopySession } from '../../server/db/copy.ts';

class Refused extends Error {}

/** Rows of `(n int, text text)`, 100 bytes of text each, in chunks of 64 kB; throws after `failAfter` rows. */
function* rows(count: number, failAfter = Infinity): Generator<Buffer> {
  const out = new CopyWriter(1 << 16);
  const text = Buffer.alloc(100, 'x');
  const n = Buffer.alloc(4);
  for (let i = 0; i < count; i++) {
    if (i === failAfter) throw new Refused(`row ${i} refused`);
    out.row(2);
    n.writeInt32BE(i);
    out.bytes(n);
    out.bytes(text);
    const chunk = out.take();
    if (chunk) yield chunk;
  }
  yield out.end();
}

describe(`a copy stopped by its writer (${storeKind})`, () => {
  const store = useStore();

  it('copies every row when nothing refuses', async () => {
    await sql`create table if not exists copy_probe (n int not null, text text not null)`.execute(store.db);
    await sql`truncate copy_probe`.execute(store.db);
    await withCopySession(store.db, (s) =>
      s.db.transaction().execute(() => s.copyIn('copy copy_probe (n, text) from stdin (format binary)', rows(5000))),
    );
    expect((await sql<{ n: number }>`select count(*)::int as n from copy_probe`.execute(store.db)).rows[0]!.n).toBe(5000);
  });

  it('rejects with the writer’s error after chunks were sent, writes nothing, and the store goes on', async () => {
    await sql`create table if not exists copy_probe (n int not null, text text not null)`.execute(store.db);
    await sql`truncate copy_probe`.execute(store.db);
    let sent = 0;
    const counted = function* () {
      for (const chunk of rows(5000, 4000)) {
        sent++;
        yield chunk;
      }
    };
    const err = await withCopySession(store.db, (s) =>
      s.db.transaction().execute(async (trx) => {
        await sql`insert into copy_probe values (-1, 'before the copy')`.execute(trx);
        await s.copyIn('copy copy_probe (n, text) from stdin (format binary)', counted());
      }),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Refused);
    expect(sent, 'chunks went to the database before the refusal').toBeGreaterThan(1);
    expect((await sql<{ n: number }>`select count(*)::int as n from copy_probe`.execute(store.db)).rows[0]!.n).toBe(0);
    // The store answers, and copies again.
    await withCopySession(store.db, (s) =>
      s.db.transaction().execute(() => s.copyIn('copy copy_probe (n, text) from stdin (format binary)', rows(10))),
    );
    expect((await sql<{ n: number }>`select count(*)::int as n from copy_probe`.execute(store.db)).rows[0]!.n).toBe(10);
  });
});

describeOn('postgres', 'a copy alongside (PostgreSQL)', () => {
  const store = useStore();

  itOn(
    'postgres',
    'sees the snapshot of the session’s transaction, byte for byte, though its socket reads into one buffer again and again',
    async () => {
      await sql`create table alongside_probe (n int not null, text text not null)`.execute(store.db);
      // Rows of every length from 1 to 9,000 bytes: ~13 MB, cut across the socket's reads of 64 kB at every place.
      await sql`insert into alongside_probe select n, repeat(chr(65 + n % 26), 1 + (n * 7919) % 9000) from generate_series(1, 3000) n`.execute(
        store.db,
      );
      const seen = new Map<number, string>();
      await withCopySession(
        store.db,
        (s) =>
          s.db.transaction().execute(async (trx) => {
            const { rows } = await sql<{ snapshot: string }>`select pg_export_snapshot() as snapshot`.execute(trx);
            // Committed by another connection after the snapshot was taken: the copy alongside does not see it.
            await sql`insert into alongside_probe values (0, 'after the snapshot')`.execute(store.db);
            const count = await s.copyOutAlongside!(
              rows[0]!.snapshot,
              'copy (select n, text from alongside_probe) to stdout (format binary)',
              (data, start, end) => seen.set(data.readInt32BE(start[0]!), data.toString('latin1', start[1]!, end[1]!)),
            );
            expect(count).toBe(3000);
            // The connection is still in order after the copy: a second one on it, from the same snapshot.
            const again = await s.copyOutAlongside!(rows[0]!.snapshot, 'copy (select 1) to stdout (format binary)', () => {});
            expect(again).toBe(1);
          }),
        { alongside: true },
      );
      expect(seen.size).toBe(3000);
      for (let n = 1; n <= 3000; n++)
        expect(seen.get(n), `row ${n}`).toBe(String.fromCharCode(65 + (n % 26)).repeat(1 + ((n * 7919) % 9000)));
    },
  );
});
