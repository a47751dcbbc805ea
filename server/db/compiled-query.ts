import { createQueryId, type Compilable, type CompiledQuery, type Kysely } from 'kysely';
import type { Database } from './schema.ts';

/**
 * A statement built and compiled by Kysely once, then run with each call's values: every request of
 * a dashboard sends the same few statements, and building and compiling them again cost ~0.6 ms of
 * the server's one thread a dashboard (issue 17: fifty reps at once queue on that thread). The
 * builder is called with a marker for each argument it declares; the compiled statement's
 * parameters say where each marker went, and a call puts its values there. So each argument must go
 * into the statement as it is, as a value: not tested, transformed or inlined, and none left out.
 * What can be caught is refused when the statement is first compiled: an argument that is not a
 * parameter (inlined, or dropped by a branch), and a statement whose text differs when built again
 * with other markers (a branch on the value, a transformed value); a call with another number of
 * arguments than the builder declares is refused every time.
 */
export function compiledOnce<Args extends unknown[], Row>(
  build: (db: Kysely<Database>, ...args: Args) => Compilable<Row>,
): (db: Kysely<Database>, ...args: Args) => Promise<Row[]> {
  const arity = build.length - 1;
  const compiled = new WeakMap<Kysely<Database>, { query: CompiledQuery<Row>; slots: number[] }>();
  const compile = (db: Kysely<Database>, marker: (i: number) => string) => {
    const markers = Array.from({ length: arity }, (_, i) => marker(i));
    const query = build(db, ...(markers as Args)).compile();
    const slots = query.parameters.map((p) => markers.indexOf(p as string));
    const placed = new Set(slots);
    markers.forEach((m, i) => {
      if (!placed.has(i) || query.sql.includes(m))
        throw new Error(`compiledOnce: argument ${i} is not a parameter of the statement (${query.sql.slice(0, 80)}…)`);
    });
    return { query, slots };
  };
  return async (db, ...args) => {
    if (args.length !== arity) throw new Error(`compiledOnce: ${args.length} arguments for a statement of ${arity}`);
    let hit = compiled.get(db);
    if (!hit) {
      hit = compile(db, (i) => `\u0000Compiled-Once argument ${i}\u0000`);
      const again = compile(db, (i) => `\u0000${'another marker, longer and Other, '.repeat(4)}${i}\u0000`);
      if (again.query.sql !== hit.query.sql || again.slots.join() !== hit.slots.join())
        throw new Error(`compiledOnce: the statement depends on its arguments' values (${hit.query.sql.slice(0, 80)}…)`);
      compiled.set(db, hit);
    }
    const { query, slots } = hit;
    const parameters = slots.map((slot, i) => (slot < 0 ? query.parameters[i] : args[slot]));
    return (await db.executeQuery<Row>({ ...query, queryId: createQueryId(), parameters })).rows;
  };
}
