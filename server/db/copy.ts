import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Kysely, PostgresDialect } from 'kysely';
import type pg from 'pg';
import type { PGlite } from '@electric-sql/pglite';
import copyStreams from 'pg-copy-streams';
import type { Database } from './schema.ts';

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
  /** `COPY (…) TO STDOUT (FORMAT binary)`, the whole result. */
  copyOut(statement: string): Promise<Buffer>;
  /** `COPY … FROM STDIN (FORMAT binary)`, fed chunk by chunk (PostgreSQL stores while the next is made). */
  copyIn(statement: string, chunks: Iterable<Buffer>): Promise<void>;
}

type Opener = <T>(fn: (session: CopySession) => Promise<T>) => Promise<T>;
const openers = new WeakMap<Kysely<Database>, Opener>();

/** Runs `fn` with a copy session of the store `db` belongs to (made by `openStore`). */
export function withCopySession<T>(db: Kysely<Database>, fn: (session: CopySession) => Promise<T>): Promise<T> {
  const opener = openers.get(db);
  if (!opener) throw new Error('this Kysely instance was not made by openStore: no COPY available');
  return opener(fn);
}

const STDIN = /\bfrom\s+stdin\b/i;
const STDOUT = /\bto\s+stdout\b/i;

export function registerPostgresCopy(db: Kysely<Database>, pool: pg.Pool): void {
  openers.set(db, async (fn) => {
    const client = await pool.connect();
    let failed = false;
    try {
      const pinned = new Kysely<Database>({
        dialect: new PostgresDialect({ pool: { connect: async () => ({ query: client.query.bind(client) as never, release: () => {} }), end: async () => {} } }),
      });
      return await fn({
        db: pinned,
        async copyOut(statement) {
          const parts: Buffer[] = [];
          for await (const part of client.query(copyStreams.to(statement))) parts.push(part as Buffer);
          return Buffer.concat(parts);
        },
        async copyIn(statement, chunks) {
          await pipeline(Readable.from(chunks), client.query(copyStreams.from(statement)));
        },
      });
    } catch (err) {
      // A failed COPY leaves the protocol in a state not worth trusting: the connection is closed.
      failed = true;
      throw err;
    } finally {
      client.release(failed);
    }
  });
}

/** PGlite has one session: its own queries run inside whatever transaction Kysely has open. */
export function registerPgliteCopy(db: Kysely<Database>, pglite: PGlite): void {
  openers.set(db, (fn) =>
    fn({
      db,
      async copyOut(statement) {
        const result = await pglite.query(statement.replace(STDOUT, "to '/dev/blob'"));
        return result.blob ? Buffer.from(await result.blob.arrayBuffer()) : Buffer.alloc(0);
      },
      async copyIn(statement, chunks) {
        await pglite.query(statement.replace(STDIN, "from '/dev/blob'"), [], { blob: new Blob([...chunks] as Array<Uint8Array<ArrayBuffer>>) });
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

/**
 * Visits the rows of a binary COPY result without copying them: `start[f]`/`end[f]` are where
 * field f lies in `data` (start -1 for NULL). The arrays are reused from row to row.
 */
export function forEachCopyRow(data: Buffer, visit: (start: Int32Array, end: Int32Array, row: number) => void): number {
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
    visit(start, end, row);
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
  /** The chunk written so far, when it is full enough (`force`: whatever there is). */
  take(force = false): Buffer | null {
    if (!force && this.at < this.chunkSize) return null;
    const chunk = this.buf.subarray(0, this.at);
    this.buf = Buffer.allocUnsafe(this.chunkSize + 4096);
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
