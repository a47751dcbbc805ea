import { sql, type Kysely } from 'kysely';
import type { Database } from '../../server/db/schema.ts';
import { itemsInOrder } from '../../surveys/load.ts';
import { fullAnswers, shipped } from './fixtures.ts';

/** Database views for the hardening tests: what an administrator with `psql` would look at. */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const anyDb = (db: Kysely<Database>) => db as unknown as Kysely<any>;

/** Every table of the public schema, as the catalogue reports it (so a new table is included automatically). */
export async function tables(db: Kysely<Database>): Promise<string[]> {
  // A wave's partition is read through its parent (`access_code`, `response`, `comment`).
  const rows = await sql<{ table_name: string }>`
    select c.relname as table_name from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition order by c.relname`.execute(db);
  return rows.rows.map((r) => r.table_name);
}

/** Row counts of every table except `session` and `audit_log` (which staff requests may change). */
export async function tableCounts(
  db: Kysely<Database>,
  except: readonly string[] = ['session', 'audit_log'],
): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of await tables(db)) {
    if (except.includes(t)) continue;
    const row = await anyDb(db)
      .selectFrom(t)
      .select(sql<number>`count(*)`.as('n'))
      .executeTakeFirstOrThrow();
    out[t] = Number(row.n);
  }
  return out;
}

/** Every row of every table as PostgreSQL's text form, one table per entry: an administrator's full dump. */
export async function dumpText(db: Kysely<Database>): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const t of await tables(db)) {
    const rows = await sql<{ row: string }>`select t::text as row from ${sql.table(t)} t`.execute(db);
    out[t] = rows.rows.map((r) => r.row).join('\n');
  }
  return out;
}

// ---- Submission order, carried inside the answers -------------------------------------------------

const ITEMS = itemsInOrder(shipped);
const DIGITS = 5;

/**
 * A full, valid answer set whose first five items spell `index` in base 5 (values 1..5), so a stored
 * row tells which submission it was — the test's own ground truth, never the application's.
 */
export function indexedAnswers(code: string, index: number): Record<string, string> {
  if (index >= 5 ** DIGITS) throw new Error('index too large');
  const body = fullAnswers(code, index);
  let rest = index;
  for (let d = 0; d < DIGITS; d++) {
    body[`a.${ITEMS[d]!.id}`] = String((rest % 5) + 1);
    rest = Math.floor(rest / 5);
  }
  return body;
}

export function indexOf(answers: readonly (number | null)[]): number {
  let index = 0;
  for (let d = DIGITS - 1; d >= 0; d--) index = index * 5 + (answers[d]! - 1);
  return index;
}

/** Spearman's rank correlation of two equally long sequences without ties. */
export function spearman(a: readonly number[], b: readonly number[]): number {
  const ranks = (xs: readonly number[]) => {
    const order = xs.map((x, i) => [x, i] as const).sort((p, q) => p[0] - q[0]);
    const r = new Array<number>(xs.length);
    order.forEach(([, i], rank) => (r[i] = rank));
    return r;
  };
  const ra = ranks(a);
  const rb = ranks(b);
  const n = a.length;
  const d2 = ra.reduce((s, r, i) => s + (r - rb[i]!) ** 2, 0);
  return 1 - (6 * d2) / (n * (n * n - 1));
}
