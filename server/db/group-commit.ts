import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

/**
 * Group commit: writes that arrive while statements are on their way go together in the next one,
 * so a burst of them costs one round trip and one commit instead of one each (every round trip and
 * commit costs the server and PostgreSQL CPU, and they share the machine's cores). At most
 * `inFlight` statements at a time, so one that waits (a row lock, a slow disk) holds up its own
 * writes, not every other. Each write settles with its own result. When a batch's statement fails
 * with an error of SQL (a constraint, a deadlock), each of its writes is tried alone, one after
 * another, so one write's failure is its own; when the connection failed, nobody knows whether it
 * committed, and every write of the batch gets that error rather than a second attempt.
 */
export class GroupCommit<In, Out> {
  private queue: Array<{ item: In; resolve: (out: Out) => void; reject: (err: unknown) => void }> = [];
  private running = 0;
  private scheduled = false;

  /** `write` stores a batch in one statement and answers each item's result, in order. */
  constructor(
    private readonly write: (batch: In[]) => Promise<Out[]>,
    private readonly options: { max: number; inFlight: number },
  ) {}

  add(item: In): Promise<Out> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      // Writes made in the same turn of the event loop go together.
      if (!this.scheduled) {
        this.scheduled = true;
        queueMicrotask(() => {
          this.scheduled = false;
          this.pump();
        });
      }
    });
  }

  private pump(): void {
    while (this.running < this.options.inFlight && this.queue.length) {
      const batch = this.queue.splice(0, this.options.max);
      this.running++;
      void this.run(batch).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  private async run(batch: typeof this.queue): Promise<void> {
    try {
      const out = await this.write(batch.map((w) => w.item));
      batch.forEach((w, i) => w.resolve(out[i]!));
    } catch (err) {
      if (batch.length === 1 || !isSqlError(err)) {
        for (const w of batch) w.reject(err);
        return;
      }
      for (const w of batch) await this.write([w.item]).then((out) => w.resolve(out[0]!), w.reject);
    }
  }
}

/**
 * An error PostgreSQL reported about the statement (a SQLSTATE), not about the connection (class 08)
 * or the server going away (class 57): after those the statement may have committed.
 */
export function isSqlError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !code.startsWith('08') && !code.startsWith('57');
}

/** A group commit for each store (`db`), made on its first write; its options may depend on the store. */
export function groupCommitPerStore<In, Out>(
  write: (db: Kysely<Database>, batch: In[]) => Promise<Out[]>,
  options: (db: Kysely<Database>) => { max: number; inFlight: number },
): (db: Kysely<Database>) => GroupCommit<In, Out> {
  const writers = new WeakMap<Kysely<Database>, GroupCommit<In, Out>>();
  return (db) => {
    let writer = writers.get(db);
    if (!writer) writers.set(db, (writer = new GroupCommit((batch) => write(db, batch), options(db))));
    return writer;
  };
}
