import { sql, type Expression, type Kysely, type SqlBool } from 'kysely';
import type { Database, Role, WaveStatus } from '../db/schema.ts';
import { toWaveRow, waveRows, type WaveRow } from '../waves.ts';
import { countRows } from '../db/count.ts';

/**
 * The admin console's lists at network scale (issue 18): schools, staff accounts, waves — each a
 * page at a time, searched, filtered and sorted in the database (Kysely), never loaded whole. The
 * same functions serve the console and the command line (`school:list`, `user:list`, `wave:list`).
 */

export const PAGE_SIZE = 50;
/** The most rows one request may ask for (the command line's `--limit`). */
export const MAX_PAGE_SIZE = 10_000;

export interface Paged<T> {
  rows: T[];
  total: number;
  /** 1-based, clamped to the pages there are */
  page: number;
  pages: number;
  pageSize: number;
}

export type SortDir = 'asc' | 'desc';

/** `text` contains `needle`, case-insensitively; no LIKE pattern, so `%` and `_` are plain characters. */
const contains = (column: Expression<string>, needle: string): Expression<SqlBool> =>
  sql<SqlBool>`strpos(lower(${column}), ${needle.toLowerCase()}) > 0`;

async function paged<T>(
  total: number,
  page: number | undefined,
  pageSize: number | undefined,
  fetch: (limit: number, offset: number) => Promise<T[]>,
): Promise<Paged<T>> {
  const size = Math.min(Math.max(1, pageSize ?? PAGE_SIZE), MAX_PAGE_SIZE);
  const pages = Math.max(1, Math.ceil(total / size));
  const current = Math.min(Math.max(1, page ?? 1), pages);
  const rows = total ? await fetch(size, (current - 1) * size) : [];
  return { rows, total, page: current, pages, pageSize: size };
}

// ---- Schools ------------------------------------------------------------------------------------

export const SCHOOL_SORTS = ['name', 'number', 'group', 'municipality', 'staff'] as const;
export type SchoolSort = (typeof SCHOOL_SORTS)[number];

export interface SchoolFilter {
  /** in the name, the municipality or the school number */
  q?: string;
  group?: string;
  municipality?: string;
  /** schools taking part in this wave */
  wave?: string;
  active?: 'yes' | 'no';
  sort?: SchoolSort;
  dir?: SortDir;
  page?: number;
  pageSize?: number;
}

export interface SchoolRow {
  id: string;
  name: string;
  number: string | null;
  benchmarkGroup: string;
  municipality: string;
  staffCount: number;
  active: boolean;
}

export async function findSchools(db: Kysely<Database>, f: SchoolFilter): Promise<Paged<SchoolRow>> {
  let q = db.selectFrom('school');
  const term = f.q?.trim();
  if (term)
    q = q.where((eb) =>
      eb.or([contains(eb.ref('name'), term), contains(eb.ref('municipality'), term), eb('instellingsnummer', '=', term)]),
    );
  if (f.group) q = q.where('benchmark_group', '=', f.group);
  if (f.municipality?.trim()) q = q.where(sql`lower(municipality)`, '=', f.municipality.trim().toLowerCase());
  if (f.wave) {
    const wave = f.wave;
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('wave_school')
          .select('wave_school.school_id')
          .whereRef('wave_school.school_id', '=', 'school.id')
          .where('wave_school.wave_id', '=', wave),
      ),
    );
  }
  if (f.active) q = q.where('active', '=', f.active === 'yes');
  const { n } = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const dir = f.dir ?? 'asc';
  return paged(Number(n), f.page, f.pageSize, async (limit, offset) => {
    let list = q.select(['id', 'name', 'instellingsnummer', 'benchmark_group', 'municipality', 'staff_count', 'active']);
    switch (f.sort ?? 'name') {
      case 'number':
        list = list.orderBy(dir === 'desc' ? sql`instellingsnummer desc nulls last` : sql`instellingsnummer asc nulls last`);
        break;
      case 'group':
        list = list.orderBy('benchmark_group', dir);
        break;
      case 'municipality':
        list = list.orderBy(sql`lower(municipality)`, dir);
        break;
      case 'staff':
        list = list.orderBy('staff_count', dir);
        break;
      case 'name':
        break;
    }
    const rows = await list
      .orderBy(sql`lower(name)`, f.sort === 'name' || !f.sort ? dir : 'asc')
      .orderBy('id')
      .limit(limit)
      .offset(offset)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      number: r.instellingsnummer,
      benchmarkGroup: r.benchmark_group,
      municipality: r.municipality,
      staffCount: r.staff_count,
      active: r.active,
    }));
  });
}

/** The benchmark groups in use with their number of active schools. */
export async function groupCounts(db: Kysely<Database>): Promise<Array<{ group: string; schools: number }>> {
  const rows = await db
    .selectFrom('school')
    .select(['benchmark_group', (eb) => eb.fn.countAll<number>().as('n')])
    .where('active', '=', true)
    .groupBy('benchmark_group')
    .orderBy('benchmark_group')
    .execute();
  return rows.map((r) => ({ group: r.benchmark_group, schools: Number(r.n) }));
}

// ---- Staff accounts -----------------------------------------------------------------------------

export const USER_SORTS = ['email', 'role'] as const;
export type UserSort = (typeof USER_SORTS)[number];

export interface UserFilter {
  /** in the e-mail address */
  q?: string;
  role?: Role;
  active?: 'yes' | 'no';
  twoFactor?: 'on' | 'off';
  /** reps of this school */
  school?: string;
  sort?: UserSort;
  dir?: SortDir;
  page?: number;
  pageSize?: number;
}

export interface UserRow {
  id: string;
  email: string;
  role: Role;
  active: boolean;
  twoFactor: boolean;
  /** a rep's schools: how many, and the first few names */
  schoolCount: number;
  schoolNames: string[];
}

/** Names of a rep's schools shown in a list; the rest is a count. */
export const NAMES_SHOWN = 3;

export async function findUsers(db: Kysely<Database>, f: UserFilter): Promise<Paged<UserRow>> {
  let q = db.selectFrom('app_user');
  const term = f.q?.trim();
  if (term) q = q.where((eb) => contains(eb.ref('email'), term));
  if (f.role) q = q.where('role', '=', f.role);
  if (f.active) q = q.where('active', '=', f.active === 'yes');
  if (f.twoFactor) q = q.where('totp_secret', f.twoFactor === 'on' ? 'is not' : 'is', null);
  if (f.school) {
    const school = f.school;
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('rep_school')
          .select('rep_school.user_id')
          .whereRef('rep_school.user_id', '=', 'app_user.id')
          .where('rep_school.school_id', '=', school),
      ),
    );
  }
  const { n } = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const dir = f.dir ?? 'asc';
  return paged(Number(n), f.page, f.pageSize, async (limit, offset) => {
    let list = q.select(['id', 'email', 'role', 'active', sql<boolean>`totp_secret is not null`.as('twoFactor')]);
    if (f.sort === 'role') list = list.orderBy('role', dir).orderBy(sql`lower(email)`);
    else list = list.orderBy(sql`lower(email)`, dir);
    const users = await list.orderBy('id').limit(limit).offset(offset).execute();
    const ids = users.map((u) => u.id);
    const counts = ids.length
      ? await db
          .selectFrom('rep_school')
          .select(['user_id', (eb) => eb.fn.countAll<number>().as('n')])
          .where('user_id', 'in', ids)
          .groupBy('user_id')
          .execute()
      : [];
    // The first few names of each rep's schools, in one query (a window over the page's reps).
    const names = ids.length
      ? await db
          .selectFrom((eb) =>
            eb
              .selectFrom('rep_school')
              .innerJoin('school', 'school.id', 'rep_school.school_id')
              .select([
                'rep_school.user_id',
                'school.name',
                sql<number>`row_number() over (partition by rep_school.user_id order by lower(school.name), school.id)`.as('i'),
              ])
              .where('rep_school.user_id', 'in', ids)
              .as('named'),
          )
          .select(['user_id', 'name'])
          .where('i', '<=', NAMES_SHOWN)
          .orderBy('user_id')
          .orderBy('i')
          .execute()
      : [];
    const countOf = new Map(counts.map((c) => [c.user_id, Number(c.n)]));
    return users.map((u) => ({
      ...u,
      schoolCount: countOf.get(u.id) ?? 0,
      schoolNames: names.filter((x) => x.user_id === u.id).map((x) => x.name),
    }));
  });
}

// ---- Waves --------------------------------------------------------------------------------------

export const WAVE_SORTS = ['created', 'name', 'status'] as const;
export type WaveSort = (typeof WAVE_SORTS)[number];

export interface WaveFilter {
  /** in the name */
  q?: string;
  status?: WaveStatus;
  /** waves a school takes part in */
  school?: string;
  sort?: WaveSort;
  dir?: SortDir;
  page?: number;
  pageSize?: number;
}

export async function findWaves(db: Kysely<Database>, f: WaveFilter): Promise<Paged<WaveRow>> {
  let q = waveRows(db);
  const term = f.q?.trim();
  if (term) q = q.where((eb) => contains(eb.ref('wave.name'), term));
  if (f.status) q = q.where('wave.status', '=', f.status);
  if (f.school) {
    const school = f.school;
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('wave_school')
          .select('wave_school.wave_id')
          .whereRef('wave_school.wave_id', '=', 'wave.id')
          .where('wave_school.school_id', '=', school),
      ),
    );
  }
  const { n } = await q
    .clearSelect()
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const dir = f.dir ?? (f.sort === 'name' || f.sort === 'status' ? 'asc' : 'desc');
  return paged(Number(n), f.page, f.pageSize, async (limit, offset) => {
    let list = q;
    if (f.sort === 'name') list = list.orderBy(sql`lower(wave.name)`, dir);
    else if (f.sort === 'status') list = list.orderBy(sql`case wave.status when 'draft' then 0 when 'open' then 1 else 2 end`, dir);
    const rows = await list
      .orderBy('wave.created_at', f.sort === 'created' || !f.sort ? dir : 'desc')
      .orderBy('wave.id')
      .limit(limit)
      .offset(offset)
      .execute();
    return rows.map(toWaveRow);
  });
}

// ---- The state of the network (the admin's home page) --------------------------------------------

export interface NetworkState {
  counts: { schools: number; activeSchools: number; questionnaires: number; users: number };
  waves: { draft: number; open: number; closed: number };
  /** open waves with their progress: counts only (R1 allows counts while a wave is open) */
  open: Array<{
    id: string;
    name: string;
    schools: number;
    issued: number;
    handedOut: number;
    responses: number;
    plannedClose: string | null;
  }>;
  /** closed but not sealed (sealing failed half-way), or open past their planned close: waiting to be sealed */
  toSeal: Array<{ id: string; name: string; status: WaveStatus; plannedClose: string | null }>;
  /** active accounts without two-step verification: how many, and the first few */
  withoutTwoFactor: { total: number; admins: number; first: Array<{ id: string; email: string; role: Role }> };
}

export async function networkState(db: Kysely<Database>, today: string): Promise<NetworkState> {
  const count = (table: 'app_user' | 'school' | 'questionnaire') => countRows(db, table);
  const activeSchools = Number(
    (
      await db
        .selectFrom('school')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('active', '=', true)
        .executeTakeFirstOrThrow()
    ).n,
  );
  const byStatus = await db
    .selectFrom('wave')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('status')
    .execute();
  const waves = { draft: 0, open: 0, closed: 0 };
  for (const r of byStatus) waves[r.status] = Number(r.n);
  const openRows = await db
    .selectFrom('wave')
    .innerJoin('wave_school', 'wave_school.wave_id', 'wave.id')
    .select((eb) => [
      'wave.id',
      'wave.name',
      'wave.planned_close',
      eb.fn.countAll<number>().as('schools'),
      eb.fn.sum<number>('wave_school.codes_issued').as('issued'),
      eb.fn.sum<number>(sql`coalesce(wave_school.codes_handed_out, wave_school.codes_issued)`).as('handed'),
    ])
    .where('wave.status', '=', 'open')
    .groupBy(['wave.id', 'wave.name', 'wave.planned_close', 'wave.created_at'])
    .orderBy('wave.created_at', 'desc')
    .limit(20)
    .execute();
  const openIds = openRows.map((r) => r.id);
  // An open wave's answers are sealed boxes: counted, never opened.
  const responses = openIds.length
    ? await db
        .selectFrom('encrypted_response')
        .select(['wave_id', (eb) => eb.fn.countAll<number>().as('n')])
        .where('wave_id', 'in', openIds)
        .groupBy('wave_id')
        .execute()
    : [];
  const responsesOf = new Map(responses.map((r) => [r.wave_id, Number(r.n)]));
  const toSeal = await db
    .selectFrom('wave')
    .select(['id', 'name', 'status', 'planned_close'])
    .where((eb) =>
      eb.or([
        eb.and([eb('status', '=', 'closed'), eb('sealed', '=', false)]),
        eb.and([eb('status', '=', 'open'), eb('planned_close', '<=', today)]),
      ]),
    )
    .orderBy('planned_close')
    .orderBy('created_at')
    .limit(20)
    .execute();
  const no2fa = db.selectFrom('app_user').where('active', '=', true).where('totp_secret', 'is', null);
  const { total, admins } = await no2fa
    .select((eb) => [eb.fn.countAll<number>().as('total'), eb.fn.sum<number>(sql`case when role = 'admin' then 1 else 0 end`).as('admins')])
    .executeTakeFirstOrThrow();
  const first = await no2fa
    .select(['id', 'email', 'role'])
    .orderBy(sql`case role when 'admin' then 0 else 1 end`)
    .orderBy(sql`lower(email)`)
    .limit(10)
    .execute();
  return {
    counts: { schools: await count('school'), activeSchools, questionnaires: await count('questionnaire'), users: await count('app_user') },
    waves,
    open: openRows.map((r) => ({
      id: r.id,
      name: r.name,
      plannedClose: r.planned_close,
      schools: Number(r.schools),
      issued: Number(r.issued ?? 0),
      handedOut: Number(r.handed ?? 0),
      responses: responsesOf.get(r.id) ?? 0,
    })),
    toSeal: toSeal.map((w) => ({ id: w.id, name: w.name, status: w.status, plannedClose: w.planned_close })),
    withoutTwoFactor: { total: Number(total), admins: Number(admins ?? 0), first },
  };
}
