import type pg from 'pg';

/**
 * Most statements one connection keeps prepared. Statements with a varying number of parameters
 * (`in (…)` lists) each take a place; once a connection has this many, the rest run unnamed.
 */
export const PREPARED_PER_CONNECTION = 100;
/** Most distinct statement texts the process names at all (a bound on the map, not a policy). */
const MAX_NAMED = 5_000;

/** Statement text → name, the same on every connection of the process. */
const names = new Map<string, string>();

/**
 * Statements sent with parameters (all Kysely sends) become named prepared statements, parsed and
 * planned once per connection and then only bound and executed: a dashboard sends the same five
 * statements on every request, and PostgreSQL parsing and planning them each time cost more than
 * running them (issue 17: the school's history 0.29 → 0.05 ms of its CPU, the comments 0.11 → 0.07).
 * PostgreSQL replans a prepared statement itself when a table it reads changes (a partition swapped
 * at sealing); one whose result columns changed runs unnamed from then on
 * (test/db/prepared-statements.test.ts).
 */
export function prepareStatements(client: pg.PoolClient): void {
  const prepared = new Set<string>();
  const stale = new Set<string>();
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  // Only the form Kysely uses (text, parameters); COPY streams, cursors and callbacks pass through.
  // Without parameters pg keeps the simple protocol, which allows several statements in one text.
  (client as unknown as { query: unknown }).query = (config: unknown, values?: unknown, callback?: unknown) => {
    if (typeof config !== 'string' || !Array.isArray(values) || values.length === 0 || callback !== undefined) {
      return query(config, values, callback);
    }
    // A statement with an array (`unnest($1)`: bulk writes, code generation) keeps custom plans: a
    // plan made for any array would assume a hundred rows, and parsing is nothing beside the work.
    if (values.some(Array.isArray)) return query(config, values);
    const name = nameOf(config, prepared, stale);
    if (!name) return query(config, values);
    const outsideTransaction = client.getTransactionStatus() === 'I';
    return (query({ name, text: config, values }) as Promise<unknown>).catch((err: unknown) => {
      // "cached plan must not change result type": the columns of what it reads changed under it
      // (`select *` after another instance's migration). Unnamed from now on, on this connection;
      // outside a transaction it is answered unnamed at once, inside one the transaction fails once.
      if ((err as { code?: string }).code !== '0A000') throw err;
      stale.add(name);
      if (outsideTransaction) return query(config, values);
      throw err;
    });
  };
}

function nameOf(text: string, prepared: Set<string>, stale: Set<string>): string | null {
  let name = names.get(text);
  if (name === undefined) {
    if (names.size >= MAX_NAMED) return null;
    name = `sp${names.size.toString(36)}`;
    names.set(text, name);
  }
  if (stale.has(name)) return null;
  if (!prepared.has(name)) {
    if (prepared.size >= PREPARED_PER_CONNECTION) return null;
    prepared.add(name);
  }
  return name;
}
