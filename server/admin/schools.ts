import { sql, type Kysely } from 'kysely';
import type { Database, School, SchoolTable } from '../db/schema.ts';
import type { Insertable } from 'kysely';
import { recordAction, type Actor } from '../platform/audit-log.ts';
import { problem, type Checked, type Problem } from '../platform/problems.ts';

export async function createSchool(db: Kysely<Database>, school: Insertable<SchoolTable>): Promise<string> {
  const row = await db.insertInto('school').values(school).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

/** A school as an admin enters it (form field names; the CSV import maps its columns onto these). */
export interface SchoolInput {
  name: string;
  benchmarkGroup: string;
  municipality: string;
  staffCount: number;
  /** the official school number (instellingsnummer): digits; null = none; undefined = leave as it is */
  number?: string | null;
  /** one of `PROVINCES`; null = not known; undefined = leave as it is */
  province?: string | null;
}

/** The form's fields; `number` absent = leave the school number as it is. */
export interface SchoolFields {
  name: string;
  benchmarkGroup: string;
  municipality: string;
  staffCount: string;
  number?: string | undefined;
  province?: string | undefined;
}
export const SCHOOL_FIELDS = ['name', 'benchmarkGroup', 'municipality', 'staffCount', 'number', 'province'] as const;

/** Flanders' five provinces and Brussels, as the database allows them (migration 2026-11-30T2000). */
export const PROVINCES = ['Antwerpen', 'Limburg', 'Oost-Vlaanderen', 'Vlaams-Brabant', 'West-Vlaanderen', 'Brussel'] as const;
const squeeze = (s: string) => s.toLowerCase().replace(/[^a-z]/g, '');
const PROVINCE_NAMES = new Map<string, string>([
  ...PROVINCES.map((p): [string, string] => [squeeze(p), p]),
  ['brussels', 'Brussel'],
  ['bruxelles', 'Brussel'],
]);

/** A province as typed or imported ("oost vlaanderen", "LIMBURG") as stored; undefined when unknown. */
export function provinceOf(text: string): string | undefined {
  return PROVINCE_NAMES.get(squeeze(text));
}
/** An instellingsnummer: digits only (1 to 12). */
export const SCHOOL_NUMBER_FORMAT = /^\d{1,12}$/;

export const MAX_STAFF = 100_000;

/** Checks one school's fields; each problem names its field. */
export function checkSchool(raw: SchoolFields): Checked<SchoolInput> {
  const problems: Problem[] = [];
  const name = raw.name.trim().replace(/\s+/g, ' ');
  const benchmarkGroup = raw.benchmarkGroup.trim().toLowerCase();
  const municipality = raw.municipality.trim();
  const staff = raw.staffCount.trim();
  if (!name) problems.push(problem('name', 'admin.schools.error.nameRequired'));
  else if (name.length > 200) problems.push(problem('name', 'admin.schools.error.tooLong', { max: 200 }));
  if (!benchmarkGroup) problems.push(problem('benchmarkGroup', 'admin.schools.error.groupRequired'));
  else if (!/^[\p{L}\p{N}][\p{L}\p{N} _-]{0,59}$/u.test(benchmarkGroup))
    problems.push(problem('benchmarkGroup', 'admin.schools.error.groupFormat'));
  if (municipality.length > 100) problems.push(problem('municipality', 'admin.schools.error.tooLong', { max: 100 }));
  if (!staff) problems.push(problem('staffCount', 'admin.schools.error.staffRequired'));
  else if (!/^\d{1,6}$/.test(staff) || Number(staff) > MAX_STAFF)
    problems.push(problem('staffCount', 'admin.schools.error.staffFormat', { max: MAX_STAFF }));
  const number = raw.number === undefined ? undefined : raw.number.replace(/\s+/g, '');
  if (number && !SCHOOL_NUMBER_FORMAT.test(number)) problems.push(problem('number', 'admin.schools.error.numberFormat'));
  const provinceText = raw.province?.trim();
  const province = provinceText ? provinceOf(provinceText) : provinceText === undefined ? undefined : null;
  if (provinceText && !province) problems.push(problem('province', 'admin.schools.error.province', { provinces: PROVINCES.join(', ') }));
  if (problems.length) return { ok: false, problems };
  return {
    ok: true,
    value: {
      name,
      benchmarkGroup,
      municipality,
      staffCount: Number(staff),
      ...(number === undefined ? {} : { number: number || null }),
      ...(province === undefined ? {} : { province }),
    },
  };
}

export const toRow = (s: SchoolInput): Insertable<SchoolTable> => ({
  name: s.name,
  benchmark_group: s.benchmarkGroup,
  municipality: s.municipality,
  staff_count: s.staffCount,
  ...(s.number === undefined ? {} : { instellingsnummer: s.number }),
  ...(s.province === undefined ? {} : { province: s.province }),
});

export async function listSchools(db: Kysely<Database>, options: { activeOnly?: boolean } = {}): Promise<School[]> {
  let q = db
    .selectFrom('school')
    .selectAll()
    .orderBy(sql`lower(name)`)
    .orderBy('id');
  if (options.activeOnly) q = q.where('active', '=', true);
  return q.execute();
}

export async function getSchool(db: Kysely<Database>, id: string): Promise<School | undefined> {
  return db.selectFrom('school').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The benchmark groups in use, for suggestions in forms. */
export async function benchmarkGroups(db: Kysely<Database>): Promise<string[]> {
  const rows = await db.selectFrom('school').select('benchmark_group').distinct().orderBy('benchmark_group').execute();
  return rows.map((r) => r.benchmark_group);
}

/** Names already taken (compared without case), among `names`, optionally ignoring one school. */
export async function takenNames(db: Kysely<Database>, names: string[], except?: string): Promise<Set<string>> {
  if (!names.length) return new Set();
  let q = db
    .selectFrom('school')
    .select(sql<string>`lower(name)`.as('n'))
    .where(
      sql<string>`lower(name)`,
      'in',
      names.map((n) => n.toLowerCase()),
    );
  if (except) q = q.where('id', '!=', except);
  return new Set((await q.execute()).map((r) => r.n));
}

/** School numbers already taken, among `numbers`, optionally ignoring one school. */
export async function takenNumbers(db: Kysely<Database>, numbers: string[], except?: string): Promise<Set<string>> {
  if (!numbers.length) return new Set();
  let q = db.selectFrom('school').select('instellingsnummer').where('instellingsnummer', 'in', numbers);
  if (except) q = q.where('id', '!=', except);
  return new Set((await q.execute()).map((r) => r.instellingsnummer!));
}

export async function addSchool(db: Kysely<Database>, raw: SchoolFields, actor: Actor): Promise<Checked<string>> {
  const checked = checkSchool(raw);
  if (!checked.ok) return checked;
  return db.transaction().execute(async (trx) => {
    await lockSchools(trx);
    if ((await takenNames(trx, [checked.value.name])).size)
      return { ok: false, problems: [problem('name', 'admin.schools.error.nameTaken')] };
    if (checked.value.number && (await takenNumbers(trx, [checked.value.number])).size)
      return { ok: false, problems: [problem('number', 'admin.schools.error.numberTaken')] };
    const id = await createSchool(trx, toRow(checked.value));
    await recordAction(trx, actor, 'school.create', `school:${id}`);
    return { ok: true, value: id };
  });
}

export async function updateSchool(db: Kysely<Database>, id: string, raw: SchoolFields, actor: Actor): Promise<Checked<void> | null> {
  const checked = checkSchool(raw);
  return db.transaction().execute(async (trx) => {
    const existing = await trx.selectFrom('school').select('id').where('id', '=', id).forUpdate().executeTakeFirst();
    if (!existing) return null;
    if (!checked.ok) return checked;
    await lockSchools(trx);
    if ((await takenNames(trx, [checked.value.name], id)).size)
      return { ok: false, problems: [problem('name', 'admin.schools.error.nameTaken')] };
    if (checked.value.number && (await takenNumbers(trx, [checked.value.number], id)).size)
      return { ok: false, problems: [problem('number', 'admin.schools.error.numberTaken')] };
    await trx.updateTable('school').set(toRow(checked.value)).where('id', '=', id).execute();
    await recordAction(trx, actor, 'school.update', `school:${id}`);
    return { ok: true, value: undefined };
  });
}

/** A deactivated school is left out of new waves and rep assignment; waves it is in are unchanged. */
export async function setSchoolActive(db: Kysely<Database>, id: string, active: boolean, actor: Actor): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const row = await trx.updateTable('school').set({ active }).where('id', '=', id).returning('id').executeTakeFirst();
    if (!row) return false;
    await recordAction(trx, actor, active ? 'school.activate' : 'school.deactivate', `school:${id}`);
    return true;
  });
}

/**
 * Serialises school writes that check names first (the unique index is case-sensitive, the check
 * is not): a transaction-scoped advisory lock, released at commit.
 */
export async function lockSchools(trx: Kysely<Database>): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext('schoolpols.school'))`.execute(trx);
}
