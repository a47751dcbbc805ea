import type pg from 'pg';

/**
 * `COPY … TO STDOUT` on a node-postgres client, its data handed to a sink straight from the
 * socket's chunks. pg-copy-streams hands out every CopyData message as its own Buffer (one
 * allocation per row: 165,000 for a network wave's responses) which then had to be joined into
 * one: fresh memory, and on this kind of machine first touching a megabyte costs 70 times filling
 * it again (measured: 3.6 ms against 0.05). Sealing reads a wave's 80 MB of padded comment boxes
 * this way without ever holding them (issue 14).
 *
 * The mechanism is pg-copy-streams' own: a "submittable" that takes the socket's one `data`
 * listener (node-postgres' message parser) for the duration of the copy and hands the bytes after
 * CopyDone — or an ErrorResponse, whole — back to that parser, which then reports CommandComplete,
 * ReadyForQuery or the error to this query as to any other.
 */
export function copyOut(client: pg.ClientBase, statement: string, sink: CopySink): Promise<void> {
  const query = new CopyOutQuery(statement, sink);
  void client.query(query as never);
  return query.done;
}

/** Takes the copy's data as it arrives, `chunk[start, end)` at a time, in order. */
export type CopySink = (chunk: Buffer, start: number, end: number) => void;

/**
 * The `data` listeners that are done with each chunk before the next arrives, and keep none of it:
 * a socket may hand them a buffer it reads into again (`readingIntoOneBuffer` in copy.ts).
 */
export const takesViews = new WeakSet<(...args: never[]) => void>();

const COPY_DATA = 0x64; // 'd'
const COPY_DONE = 0x63; // 'c'
/** Messages the server sends during a copy out that belong to it (or to no query): consumed here. */
const DURING_COPY = new Set([
  0x48 /* CopyOutResponse */,
  COPY_DATA,
  COPY_DONE,
  0x4e /* Notice */,
  0x53 /* ParameterStatus */,
  0x41 /* Notification */,
]);

interface Connection {
  stream: NodeJS.EventEmitter;
  query(text: string): void;
}

class CopyOutQuery {
  readonly done: Promise<void>;
  private resolve!: () => void;
  private reject!: (err: Error) => void;
  /** the first error the sink threw: the rest of the data is skipped, and the copy fails with it */
  private failure: Error | null = null;
  /** the 5-byte header (type, length) of the message being read, possibly split across chunks */
  private readonly header = Buffer.alloc(5);
  private headerAt = 0;
  private type = 0;
  /** bytes of the current message's body still to come */
  private remaining = 0;
  private stream: NodeJS.EventEmitter | null = null;
  private parser: ((chunk: Buffer) => void) | null = null;

  constructor(
    private readonly text: string,
    private readonly sink: CopySink,
  ) {
    this.done = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  submit(connection: Connection): void {
    const listeners = connection.stream.listeners('data');
    if (listeners.length !== 1) throw new Error(`COPY TO STDOUT expects the connection's one data listener, found ${listeners.length}`);
    this.stream = connection.stream;
    this.parser = listeners[0] as (chunk: Buffer) => void;
    this.stream.removeListener('data', this.parser);
    takesViews.add(this.onData);
    this.stream.on('data', this.onData);
    connection.query(this.text);
  }

  private readonly onData = (chunk: Buffer): void => {
    let at = 0;
    while (at < chunk.length) {
      if (this.remaining > 0) {
        const n = Math.min(this.remaining, chunk.length - at);
        if (this.type === COPY_DATA && !this.failure) this.take(chunk, at, at + n);
        at += n;
        this.remaining -= n;
        if (this.remaining === 0 && this.type === COPY_DONE) return this.detach(chunk.subarray(at));
        continue;
      }
      // An error (or anything unexpected) goes back whole to node-postgres, which reports it.
      if (this.headerAt === 0 && !DURING_COPY.has(chunk[at]!)) return this.detach(chunk.subarray(at));
      this.header[this.headerAt++] = chunk[at++]!;
      if (this.headerAt < 5) continue;
      this.headerAt = 0;
      this.type = this.header[0]!;
      this.remaining = this.header.readUInt32BE(1) - 4;
      if (this.remaining === 0 && this.type === COPY_DONE) return this.detach(chunk.subarray(at));
    }
  };

  private take(chunk: Buffer, start: number, end: number): void {
    try {
      this.sink(chunk, start, end);
    } catch (err) {
      // Thrown inside the socket's data event: kept, and reported once the copy has ended.
      this.failure = err instanceof Error ? err : new Error(String(err));
    }
  }

  private detach(rest: Buffer): void {
    const { stream, parser } = this;
    if (!stream || !parser) return;
    stream.removeListener('data', this.onData);
    stream.on('data', parser);
    this.stream = this.parser = null;
    // A copy: the parser may keep part of it, and `rest` may lie in a buffer the socket reads into again.
    if (rest.length > 0) parser(Buffer.from(rest));
  }

  // Called by node-postgres as for any query.
  handleCommandComplete(): void {}
  handleReadyForQuery(): void {
    if (this.failure) this.reject(this.failure);
    else this.resolve();
  }
  handleError(err: Error): void {
    this.detach(Buffer.alloc(0));
    this.reject(err);
  }
}
