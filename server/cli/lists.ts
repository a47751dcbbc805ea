import type { CliIo, Options } from './command.ts';
import { str, UsageError } from './command.ts';

// Listing (school:list, wave:list, user:list): the admin console's lists, for scripts -------------

export const lists = () => import('../admin/lists.ts');
export const SCHOOL_SORT_NAMES = ['name', 'number', 'group', 'municipality', 'staff'] as const;
export const WAVE_SORT_NAMES = ['created', 'name', 'status'] as const;
export const USER_SORT_NAMES = ['email', 'role'] as const;
export const LIST_OPTIONS: Options = {
  search: { type: 'string' },
  sort: { type: 'string' },
  desc: { type: 'boolean' },
  limit: { type: 'string' },
  page: { type: 'string' },
  json: { type: 'boolean' },
};
export const LIST_HELP = [
  '--desc               sort descending (waves by creation: always newest first)',
  '--limit N            at most N rows (default: all, up to 10000)',
  '--page P             with --limit: the P-th page of N rows',
  '--json               JSON ({ total, page, pages, rows }) instead of a table',
];

export function positiveInt(v: unknown, option: string): number | undefined {
  const s = str(v);
  if (!s) return undefined;
  if (!/^\d{1,6}$/.test(s) || Number(s) < 1) throw new UsageError(`${option} must be a whole number of at least 1, not "${s}"`);
  return Number(s);
}

export function yesNo(v: unknown, option: string, key: 'active'): { active?: 'yes' | 'no' } {
  const s = str(v);
  if (!s) return {};
  if (s !== 'yes' && s !== 'no') throw new UsageError(`${option} must be yes or no, not "${s}"`);
  return { [key]: s };
}

export function listFilter<S extends string>(
  values: Record<string, unknown>,
  sorts: readonly S[],
): { q?: string; sort?: S; dir?: 'asc' | 'desc'; page?: number; pageSize: number } {
  const sort = str(values['sort']);
  if (sort && !(sorts as readonly string[]).includes(sort))
    throw new UsageError(`--sort must be one of ${sorts.join(', ')}, not "${sort}"`);
  const limit = positiveInt(values['limit'], '--limit');
  const page = positiveInt(values['page'], '--page');
  if (page && !limit) throw new UsageError('--page needs --limit');
  return {
    ...(str(values['search']) ? { q: str(values['search']) } : {}),
    ...(sort ? { sort: sort as S } : {}),
    ...(values['desc'] === true ? { dir: 'desc' as const } : {}),
    ...(page ? { page } : {}),
    pageSize: Math.min(limit ?? 10_000, 10_000),
  };
}

/** A list as a table (columns padded) or as JSON; a line on stderr says when rows were left out. */
export function printList(
  io: CliIo,
  values: Record<string, unknown>,
  found: { rows: object[]; total: number; page: number; pages: number },
  columns: string[],
) {
  if (values['json'] === true) {
    io.out(`${JSON.stringify({ total: found.total, page: found.page, pages: found.pages, rows: found.rows }, null, 2)}\n`);
    return;
  }
  const cell = (v: unknown) =>
    v === null || v === undefined ? '-' : typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v).replace(/\s+/g, ' ');
  const table = [columns, ...found.rows.map((r) => columns.map((c) => cell((r as Record<string, unknown>)[c])))];
  const widths = columns.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  io.out(table.map((row) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n') + '\n');
  if (found.rows.length < found.total)
    io.err(`${found.rows.length} of ${found.total} shown (page ${found.page} of ${found.pages}); use --limit and --page for more.\n`);
}
