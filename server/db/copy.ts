import net from 'node:net';
import { finished } from 'node:stream/promises';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { PGlite } from '@electric-sql/pglite';
import copyStreams from 'pg-copy-streams';
import type { Database } from './schema.ts';
import { copyOut, takesViews } from './copy-out.ts';

/**
 * Bulk reads and writes in PostgreSQL's binary COPY format, inside a transaction, on both stores.
 * Sealing moves a whole network wave (165,000 rows) out of ciphertext and into plaintext partitions:
 * as rows of a query, the driver spends more on each row's protocol message and hex decoding than
 * the database spends on the row, and as text literals the database spends more on parsing them than
 * on storing them (measured: issue 14). COPY needs the connection itself, which Kysely does not
 * expose; so a copy session pins one connection and gives a Kysely bound to it next to the copies.
 */
export interface CopySession {
  /** Every query of this Kysely runs on the session's connection (start its transaction here). */
  db: Kysely<Database>;
  /**
   * `COPY (…) TO STDOUT (FORMAT binary)`, row by row as the data arrives: `visit` as for
   * `forEachCopyRow`, but `data` is a buffer the next rows reuse. Resolves to the number of rows.
   */
  copyOut(statement: string, visit: CopyRowVisitor): Promise<number>;
  /**
   * `COPY … FROM STDIN (FORMAT binary)`, fed chunk by chunk (PostgreSQL stores while the next is
   * made). A chunk is done with before the next is drawn, so a writer may reuse its buffer.
   */
  copyIn(statement: string, chunks: Iterable<Buffer>): Promise<void>;
  /**
   * A `copyOut` on a second connection, in a read-only transaction that sees what the session's
   * transaction saw when it exported `snapshot` (`pg_export_snapshot()`): it runs while the
   * session's own connection does other work. One at a time. PostgreSQL only, and only when the
   * session was opened with `alongside`; null otherwise (PGlite has one session).
   */
  copyOutAlongside: ((snapshot: string, statement: string, visit: CopyRowVisitor) => Promise<number>) | null;
}

export interface CopySessionOptions {
  /** Open the second connection of `copyOutAlongside` (PostgreSQL), made as the session starts. */
  alongside?: boolean;
}

type Opener = <T>(fn: (session: CopySession) => Promise<T>, options: CopySessionOptions) => Promise<T>;
const openers = new WeakMap<Kysely<Database>, Opener>();

/** Runs `fn` with a copy session of the store `db` belongs to (made by `openStore`). */
export function withCopySession<T>(
  db: Kysely<Database>,
  fn: (session: CopySession) => Promise<T>,
  options: CopySessionOptions = {},
): Promise<T> {
  const opener = openers.get(db);
  if (!opener) throw new Error('this Kysely instance was not made by openStore: no COPY available');
  return opener(fn, options);
}

const STDIN = /\bfrom\s+stdin\b/i;
const STDOUT = /\bto\s+stdout\b/i;

export function registerPostgresCopy(db: Kysely<Database>, pool: pg.Pool): void {
  openers.set(db, async (fn, options) => {
    // The second connection is not the pool's: a session waiting for a second pooled connection
    // while holding one (and, in sealing, locks that hold up the requests that fill the pool) could
    // wait for ever. It is made while the first is taken, and is ready — connected, its transaction
    // begun (a pooler in front assigns it a server connection now) — before `fn` runs, so that it
    // cannot fail or wait once `fn` holds locks. It is closed with the session.
    const second = options.alongside ? connectAlongside(pool) : null;
    second?.catch(() => undefined);
    const endSecond = () => second?.then((c) => c.end()).catch(() => undefined);
    const client = await pool.connect().catch(async (err: unknown) => {
      await endSecond();
      throw err;
    });
    const other = await (second ?? Promise.resolve(null)).catch((err: unknown) => {
      client.release();
      throw err;
    });
    let begun = other !== null;
    let busy = false;
    let failed = false;
    try {
      const pinned = new Kysely<Database>({
        dialect: new PostgresDialect({
          pool: { connect: async () => ({ query: client.query.bind(client) as never, release: () => {} }), end: async () => {} },
        }),
      });
      return await fn({
        db: pinned,
        async copyOut(statement, visit) {
          const reader = new CopyRowReader(visit);
          await copyOut(client, statement, (chunk, start, end) => reader.push(chunk, start, end));
          return reader.finish();
        },
        async copyIn(statement, chunks) {
          const stream = client.query(copyStreams.from(statement));
          const done = finished(stream);
          // The next chunk is drawn only once this one has gone to the socket (its write callback):
          // writers reuse one buffer, and fresh memory costs more to touch than to fill (issue 14).
          const write = (chunk: Buffer) =>
            new Promise<void>((resolve, reject) => stream.write(chunk, (err) => (err ? reject(err) : resolve())));
          // A writer that throws (sealing: a box that does not open) aborts the copy; its error, not
          // the database's echo of it, is what the caller gets.
          let refused: { err: unknown } | null = null;
          try {
            for (const chunk of chunks) await Promise.race([write(chunk), done]);
            stream.end();
          } catch (err) {
            refused = { err };
            stream.destroy(err as Error);
          }
          await done.catch((err: unknown) => {
            throw refused ? refused.err : err;
          });
          if (refused) throw refused.err;
        },
        copyOutAlongside: other
          ? async (snapshot, statement, visit) => {
              if (busy) throw new Error('one copy alongside at a time');
              busy = true;
              const reader = new CopyRowReader(visit);
              if (!begun) await other.query(BEGIN_ALONGSIDE);
              begun = false;
              await other.query(`set transaction snapshot ${other.escapeLiteral(snapshot)}`);
              await copyOut(other, statement, (chunk, start, end) => reader.push(chunk, start, end));
              await other.query('commit');
              // Only after a copy that ended well: a failed one leaves its transaction to the session's end.
              busy = false;
              return reader.finish();
            }
          : null,
      });
    } catch (err) {
      // A failed COPY leaves the protocol in a state not worth trusting: the connection is closed.
      failed = true;
      throw err;
    } finally {
      client.release(failed);
      // Ending a connection also ends a transaction still open on it (a copy that failed).
      await endSecond();
    }
  });
}

/** The `application_name` of a session's second connection: what an administrator sees of it in pg_stat_activity. */
export const ALONGSIDE = 'schoolpols: copy alongside';

/**
 * A copy alongside reads what the session's transaction has locked against writers; it waits for a
 * lock only when someone else queued a conflicting request in between (an operator's `VACUUM FULL`
 * or `LOCK` on the table, waiting for the session). Waiting would then be for ever: the session
 * waits for the copy in Node, where PostgreSQL's deadlock detector cannot see it. So it gives up
 * after ten seconds, and the session fails with it — sealing changes nothing and can be retried.
 */
const BEGIN_ALONGSIDE = `begin isolation level repeatable read read only; set local lock_timeout = '10s'`;

async function connectAlongside(pool: pg.Pool): Promise<pg.Client> {
  // node-postgres passes the connection's settings (not in its types); TLS reads on its own.
  const stream = (settings?: { ssl?: unknown }) => (settings?.ssl ? new net.Socket() : readingIntoOneBuffer());
  const client = new pg.Client({ ...pool.options, connectionTimeoutMillis: 10_000, stream: stream as () => net.Socket });
  // A connection lost while unused must not crash the process; a query on it fails on its own.
  client.on('error', () => undefined);
  await client.connect();
  // Set here, not in the settings, where an application_name in DATABASE_URL would win.
  await client.query(`set application_name = ${client.escapeLiteral(ALONGSIDE)}`);
  await client.query(BEGIN_ALONGSIDE);
  return client;
}

/**
 * A socket that reads into one buffer, again and again. Node otherwise reads into fresh memory each
 * time, which on this kind of machine costs more to touch than the bytes cost to read: sealing reads
 * a network wave's 53 MB of comment boxes on the connection alongside (measured, 67 MB: 86–265 ms
 * of CPU against 56–57). A copy out (`takesViews`) takes each read as it is, done with it before
 * the next; node-postgres' parser, which may keep a piece of a message for later, gets a copy.
 */
function readingIntoOneBuffer(): net.Socket {
  const buffer = Buffer.allocUnsafe(1 << 16);
  // `onread` is an option of the constructor too (Node's net.js), though not in its types.
  const options: net.SocketConstructorOpts & Pick<net.ConnectOpts, 'onread'> = {
    onread: {
      buffer,
      callback: (n: number) => {
        const read = buffer.subarray(0, n);
        const [listener] = socket.listeners('data');
        socket.emit('data', listener && takesViews.has(listener as never) ? read : Buffer.from(read));
        return true;
      },
    },
  };
  const socket = new net.Socket(options);
  return socket;
}

/** PGlite has one session: its own queries run inside whatever transaction Kysely has open. */
export function registerPgliteCopy(db: Kysely<Database>, pglite: PGlite): void {
  openers.set(db, (fn) =>
    fn({
      db,
      copyOutAlongside: null,
      async copyOut(statement, visit) {
        const result = await pglite.query(statement.replace(STDOUT, "to '/dev/blob'"));
        return result.blob ? forEachCopyRow(Buffer.from(await result.blob.arrayBuffer()), visit) : 0;
      },
      async copyIn(statement, chunks) {
        // Each chunk copied as it comes: writers reuse their buffer for the next.
        const parts: Array<Uint8Array<ArrayBuffer>> = [];
        for (const chunk of chunks) parts.push(Uint8Array.from(chunk));
        await pglite.query(statement.replace(STDIN, "from '/dev/blob'"), [], { blob: new Blob(parts) });
      },
    }),
  );
}

// ---- PostgreSQL's binary COPY format ------------------------------------------------------------

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
/** The start of binary COPY data: signature, flags, no header extension. */
export const COPY_HEADER = Buffer.concat([SIGNATURE, Buffer.alloc(8)]);
/** smallint, the element type of a binary smallint[] */
export const INT2_OID = 21;

/** Where field f of a row lies: `data[start[f], end[f])` (start -1 for NULL); the arrays are reused from row to row. */
export type CopyRowVisitor = (data: Buffer, start: Int32Array, end: Int32Array, row: number) => void;

/** Visits the rows of a whole binary COPY result without copying them. */
export function forEachCopyRow(data: Buffer, visit: CopyRowVisitor): number {
  if (data.length === 0) return 0;
  if (!data.subarray(0, SIGNATURE.length).equals(SIGNATURE)) throw new Error('not binary COPY data');
  let at = SIGNATURE.length + 4;
  at += 4 + data.readUInt32BE(at);
  let start = new Int32Array(0);
  let end = new Int32Array(0);
  for (let row = 0; ; row++) {
    const fields = data.readInt16BE(at);
    at += 2;
    if (fields === -1) return row;
    if (start.length !== fields) [start, end] = [new Int32Array(fields), new Int32Array(fields)];
    for (let f = 0; f < fields; f++) {
      const length = data.readInt32BE(at);
      at += 4;
      start[f] = length < 0 ? -1 : at;
      end[f] = length < 0 ? -1 : at + length;
      if (length > 0) at += length;
    }
    visit(data, start, end, row);
  }
}

/**
 * Visits the rows of binary COPY data that arrives in pieces. Rows that lie whole in a piece are
 * visited where they lie; only a row split between pieces is put together, in a small buffer
 * reused from row to row (nothing of the data is kept).
 */
export class CopyRowReader {
  private pending = Buffer.allocUnsafe(1 << 14);
  private size = 0;
  private header = true;
  private ended = false;
  private rows = 0;
  private start = new Int32Array(0);
  private end = new Int32Array(0);
  constructor(private readonly visit: CopyRowVisitor) {}

  push(chunk: Buffer, from: number, to: number): void {
    let at = from;
    if (this.size > 0 || this.header) {
      // Complete what an earlier piece began, taking from this one only the bytes it needs.
      for (let need = this.unitEnd(this.pending, 0, this.size); need > this.size; need = this.unitEnd(this.pending, 0, this.size)) {
        if (at === to) return;
        const n = Math.min(need - this.size, to - at);
        this.keep(chunk, at, at + n);
        at += n;
      }
      this.consume(this.pending, 0);
      this.size = 0;
    }
    while (!this.ended) {
      const end = this.unitEnd(chunk, at, to);
      if (end > to) break;
      at = this.consume(chunk, at);
    }
    if (at < to && !this.ended) this.keep(chunk, at, to);
    else if (at < to) throw new Error('binary COPY data goes on after its end');
  }

  /** The number of rows, once the data has ended (and an error if it ended early). */
  finish(): number {
    if (!this.ended) throw new Error('binary COPY data ended in the middle of a row');
    return this.rows;
  }

  private keep(chunk: Buffer, from: number, to: number): void {
    if (this.size + to - from > this.pending.length) {
      const bigger = Buffer.allocUnsafe(Math.max(2 * this.pending.length, this.size + to - from));
      this.pending.copy(bigger, 0, 0, this.size);
      this.pending = bigger;
    }
    this.size = put(this.pending, this.size, chunk, from, to);
  }

  /** Where the header or row at `at` ends; beyond `limit` when it is not all there (then at least what must come next). */
  private unitEnd(data: Buffer, at: number, limit: number): number {
    if (this.header)
      return limit - at < SIGNATURE.length + 8
        ? at + SIGNATURE.length + 8
        : at + SIGNATURE.length + 8 + data.readUInt32BE(at + SIGNATURE.length + 4);
    if (limit - at < 2) return at + 2;
    const fields = data.readInt16BE(at);
    let p = at + 2;
    for (let f = 0; f < fields; f++) {
      if (limit - p < 4) return p + 4;
      const length = data.readInt32BE(p);
      p += 4 + Math.max(0, length);
    }
    return p;
  }

  /** Takes the header or row at `at`, which lies whole in `data`; returns where it ends. */
  private consume(data: Buffer, at: number): number {
    if (this.header) {
      if (!data.subarray(at, at + SIGNATURE.length).equals(SIGNATURE)) throw new Error('not binary COPY data');
      const end = this.unitEnd(data, at, data.length);
      this.header = false;
      return end;
    }
    const fields = data.readInt16BE(at);
    if (fields === -1) {
      this.ended = true;
      return at + 2;
    }
    if (this.start.length !== fields) [this.start, this.end] = [new Int32Array(fields), new Int32Array(fields)];
    let p = at + 2;
    for (let f = 0; f < fields; f++) {
      const length = data.readInt32BE(p);
      p += 4;
      this.start[f] = length < 0 ? -1 : p;
      this.end[f] = length < 0 ? -1 : p + length;
      if (length > 0) p += length;
    }
    this.visit(data, this.start, this.end, this.rows++);
    return p;
  }
}

/** Writes rows in binary COPY format into chunks of about `chunkSize` bytes. */
export class CopyWriter {
  private buf: Buffer;
  private at = 0;
  constructor(private readonly chunkSize = 1 << 20) {
    this.buf = Buffer.allocUnsafe(chunkSize + 4096);
    this.at = put(this.buf, 0, COPY_HEADER, 0, COPY_HEADER.length);
  }
  private room(n: number): Buffer {
    if (this.at + n > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
      this.buf.copy(bigger, 0, 0, this.at);
      this.buf = bigger;
    }
    return this.buf;
  }
  row(fields: number): void {
    this.room(2).writeInt16BE(fields, this.at);
    this.at += 2;
  }
  /** A field's bytes as they are (uuid: 16 bytes; text: UTF-8; jsonb: 0x01 + JSON). */
  bytes(value: Buffer): void {
    this.room(4 + value.length).writeInt32BE(value.length, this.at);
    this.at = put(this.buf, this.at + 4, value, 0, value.length);
  }
  /**
   * The chunk written so far, when it is full enough (`force`: whatever there is). It is a view of
   * the writer's buffer, which the next rows overwrite: use it before writing more.
   */
  take(force = false): Buffer | null {
    if (!force && this.at < this.chunkSize) return null;
    const chunk = this.buf.subarray(0, this.at);
    this.at = 0;
    return chunk;
  }
  /** The last chunk, with the trailer. */
  end(): Buffer {
    this.row(-1);
    return this.take(true)!;
  }
}

/**
 * Copies source[start, end) to target at `at` and returns where it ended: byte by byte when short,
 * as a `Buffer.copy` call costs more than copying a UUID.
 */
export function put(target: Buffer, at: number, source: Uint8Array, start: number, end: number): number {
  if (end - start > 64) return at + (source as Buffer).copy(target, at, start, end);
  for (let i = start; i < end; i++) target[at++] = source[i]!;
  return at;
}

/** A UUID's 16 bytes, and back. */
export const uuidBytes = (id: string): Buffer => Buffer.from(id.replaceAll('-', ''), 'hex');
export function uuidText(bytes: Buffer): string {
  const h = bytes.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
