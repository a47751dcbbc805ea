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
 * at sealing, another process's migration; test/db/prepared-statements.test.ts).
 */
export function prepareStatements(client: pg.PoolClient): void {
  const prepared = new Set<string>();
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  // Only the form Kysely uses (text, parameters); COPY streams, cursors and callbacks pass through.
  // Without parameters pg keeps the simple protocol, which allows several statements in one text.
  (client as unknown as { query: unknown }).query = (config: unknown, values?: unknown, callback?: unknown) => {
    if (typeof config !== 'string' || !Array.isArray(values) || values.length === 0 || callback !== undefined) {
      return query(config, values, callback);
    }
    const name = nameOf(config, prepared);
    return name ? query({ name, text: config, values }) : query(config, values);
  };
}

function nameOf(text: string, prepared: Set<string>): string | null {
  let name = names.get(text);
  if (name === undefined) {
    if (names.size >= MAX_NAMED) return null;
    name = `sp${names.size.toString(36)}`;
    names.set(text, name);
  }
  if (!prepared.has(name)) {
    if (prepared.size >= PREPARED_PER_CONNECTION) return null;
    prepared.add(name);
  }
  return name;
}
