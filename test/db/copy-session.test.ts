/**
 * Sealing writes a wave in binary COPY chunks and opens each box as its row is written (issue 14),
 * so a box that does not open stops the copy after earlier chunks have gone to the database. That
 * must leave nothing behind and the store usable, on both stores.
 */
import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { useStore, storeKind } from '../helpers/store.ts';
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
