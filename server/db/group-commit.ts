import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

/**
 * Group commit: writes that arrive while a statement is on its way go together in the next one, so
 * a burst of them costs one round trip and one commit instead of one each (every round trip and
 * commit costs the server and PostgreSQL CPU, and they share the machine's cores). One statement
 * at a time per store. Each write settles with its own result; when a batch's statement fails,
 * each of its writes is tried alone, so one write's failure is its own, never its neighbours'.
 */
export class GroupCommit<In, Out> {
  private queue: Array<{ item: In; resolve: (out: Out) => void; reject: (err: unknown) => void }> = [];
  private writing = false;

  /** `write` stores a batch in one statement and answers each item's result, in order. */
  constructor(
    private readonly write: (batch: In[]) => Promise<Out[]>,
    private readonly max: number,
  ) {}

  add(item: In): Promise<Out> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    while (this.queue.length) {
      const batch = this.queue.splice(0, this.max);
      try {
        const out = await this.write(batch.map((w) => w.item));
        batch.forEach((w, i) => w.resolve(out[i]!));
      } catch {
        await Promise.all(batch.map((w) => this.write([w.item]).then((out) => w.resolve(out[0]!), w.reject)));
      }
    }
    this.writing = false;
  }
}

/** A group commit for each store (`db`), made on its first write; `max` may depend on the store. */
export function groupCommitPerStore<In, Out>(
  write: (db: Kysely<Database>, batch: In[]) => Promise<Out[]>,
  max: number | ((db: Kysely<Database>) => number),
): (db: Kysely<Database>) => GroupCommit<In, Out> {
  const writers = new WeakMap<Kysely<Database>, GroupCommit<In, Out>>();
  return (db) => {
    let writer = writers.get(db);
    if (!writer) writers.set(db, (writer = new GroupCommit((batch) => write(db, batch), typeof max === 'number' ? max : max(db))));
    return writer;
  };
}
