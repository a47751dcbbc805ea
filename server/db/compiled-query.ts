import { createQueryId, type Compilable, type CompiledQuery, type Kysely } from 'kysely';
import type { Database } from './schema.ts';

/**
 * A statement built and compiled by Kysely once, then run with each call's values: every request of
 * a dashboard sends the same few statements, and building and compiling them again cost ~0.6 ms of
 * the server's one thread a dashboard (issue 17: fifty reps at once queue on that thread). The
 * builder is called once with a marker for each argument; the compiled statement's parameters say
 * where each marker went, and a call puts its values there. So only a statement whose shape does
 * not depend on its arguments may be built so — an argument Kysely inlines, or one that chooses a
 * branch, is refused when the statement is first compiled.
 */
export function compiledOnce<Args extends unknown[], Row>(
  build: (db: Kysely<Database>, ...args: Args) => Compilable<Row>,
): (db: Kysely<Database>, ...args: Args) => Promise<Row[]> {
  const compiled = new WeakMap<Kysely<Database>, { query: CompiledQuery<Row>; slots: number[] }>();
  return async (db, ...args) => {
    let hit = compiled.get(db);
    if (!hit) {
      const markers = args.map((_, i) => `\u0000compiled-once argument ${i}\u0000`);
      const query = build(db, ...(markers as Args)).compile();
      const slots = query.parameters.map((p) => markers.indexOf(p as string));
      const placed = new Set(slots);
      markers.forEach((marker, i) => {
        if (!placed.has(i) || query.sql.includes(marker))
          throw new Error(`compiledOnce: argument ${i} is not a parameter of the statement (${query.sql.slice(0, 80)}…)`);
      });
      compiled.set(db, (hit = { query, slots }));
    }
    const { query, slots } = hit;
    const parameters = slots.map((slot, i) => (slot < 0 ? query.parameters[i] : args[slot]));
    return (await db.executeQuery<Row>({ ...query, queryId: createQueryId(), parameters })).rows;
  };
}
