import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { isUuid, problem, type Problem } from '../platform/problems.ts';
import { provinceOf } from './schools.ts';

/**
 * Choosing schools for a wave or a rep at network scale (issue 18): not a checkbox per school, but
 * a benchmark group, a province and/or municipalities (all that are given must hold), plus a pasted list of school numbers (instellingsnummers),
 * plus schools already chosen (a rep's current schools, kept as checkboxes). Only active schools are
 * chosen. A preview shows how many schools the choice makes and names every number it does not know.
 */

export interface SchoolChoiceFields {
  /** a benchmark group, '' = any */
  group?: string | undefined;
  /** a province (`PROVINCES`), '' = any */
  province?: string | undefined;
  /** municipalities, one per line or separated by `,` or `;` */
  municipalities?: string | undefined;
  /** school numbers, separated by white space, `,` or `;` */
  numbers?: string | undefined;
  /** school ids chosen already (checkboxes) */
  ids?: string[] | undefined;
}

export interface SchoolChoice {
  ids: string[];
  /** pasted numbers that name no active school */
  unknownNumbers: string[];
  /** pasted tokens that are not a school number at all */
  badNumbers: string[];
  /** municipalities asked for in which no active school lies */
  unknownMunicipalities: string[];
  /** the first few chosen schools, by name, for the preview */
  sample: Array<{ id: string; name: string; number: string | null; benchmarkGroup: string; municipality: string }>;
  /** whether anything was asked for at all */
  asked: boolean;
}

export const SCHOOL_NUMBER = /^\d{1,12}$/;
export const MAX_PASTED = 10_000;
const SAMPLE = 20;

const split = (text: string | undefined, by: RegExp) => [
  ...new Set(
    (text ?? '')
      .split(by)
      .map((s) => s.trim())
      .filter(Boolean),
  ),
];

export function parseNumbers(text: string | undefined): { numbers: string[]; bad: string[] } {
  const tokens = split(text, /[\s,;]+/).slice(0, MAX_PASTED);
  return { numbers: tokens.filter((t) => SCHOOL_NUMBER.test(t)), bad: tokens.filter((t) => !SCHOOL_NUMBER.test(t)) };
}

export async function chooseSchools(db: Kysely<Database>, fields: SchoolChoiceFields): Promise<SchoolChoice> {
  const group = fields.group?.trim() ?? '';
  // An unknown province chooses nothing rather than everything.
  const province = fields.province?.trim() ? (provinceOf(fields.province) ?? fields.province.trim()) : '';
  const municipalities = split(fields.municipalities, /[\n\r,;]+/).map((m) => m.toLowerCase());
  const { numbers, bad } = parseNumbers(fields.numbers);
  const givenIds = [...new Set((fields.ids ?? []).map((s) => s.trim()).filter(isUuid))];
  const chosen = new Set<string>();
  let unknownMunicipalities: string[] = [];
  if (group || province || municipalities.length) {
    let q = db
      .selectFrom('school')
      .select(['id', sql<string>`lower(municipality)`.as('m')])
      .where('active', '=', true);
    if (group) q = q.where('benchmark_group', '=', group);
    if (province) q = q.where('province', '=', province);
    if (municipalities.length) q = q.where(sql`lower(municipality)`, 'in', municipalities);
    const rows = await q.execute();
    for (const r of rows) chosen.add(r.id);
    const seen = new Set(rows.map((r) => r.m));
    unknownMunicipalities = municipalities.filter((m) => !seen.has(m));
  }
  let unknownNumbers: string[] = [];
  if (numbers.length) {
    const rows = await db
      .selectFrom('school')
      .select(['id', 'instellingsnummer'])
      .where('active', '=', true)
      .where('instellingsnummer', 'in', numbers)
      .execute();
    for (const r of rows) chosen.add(r.id);
    const found = new Set(rows.map((r) => r.instellingsnummer));
    unknownNumbers = numbers.filter((n) => !found.has(n));
  }
  if (givenIds.length) {
    const rows = await db.selectFrom('school').select('id').where('active', '=', true).where('id', 'in', givenIds).execute();
    for (const r of rows) chosen.add(r.id);
  }
  const ids = [...chosen];
  const sample = ids.length
    ? (
        await db
          .selectFrom('school')
          .select(['id', 'name', 'instellingsnummer', 'benchmark_group', 'municipality'])
          .where('id', 'in', ids)
          .orderBy(sql`lower(name)`)
          .orderBy('id')
          .limit(SAMPLE)
          .execute()
      ).map((s) => ({
        id: s.id,
        name: s.name,
        number: s.instellingsnummer,
        benchmarkGroup: s.benchmark_group,
        municipality: s.municipality,
      }))
    : [];
  return {
    ids,
    unknownNumbers,
    badNumbers: bad,
    unknownMunicipalities,
    sample,
    asked: !!(group || province || municipalities.length || numbers.length || bad.length || givenIds.length),
  };
}

/** The choice a console form made: its filters, and the schools ticked on it (`schools`). */
export function chooseFromForm(
  db: Kysely<Database>,
  form: Omit<SchoolChoiceFields, 'ids'> & { schools?: string[] | undefined },
): Promise<SchoolChoice> {
  return chooseSchools(db, {
    group: form.group,
    province: form.province,
    municipalities: form.municipalities,
    numbers: form.numbers,
    ids: form.schools ?? [],
  });
}

/** What stops a choice from being used: numbers that are not school numbers, or name no active school. */
export function choiceProblems(choice: SchoolChoice): Problem[] {
  const problems: Problem[] = [];
  const list = (xs: string[]) => xs.slice(0, 50).join(', ') + (xs.length > 50 ? ', …' : '');
  if (choice.badNumbers.length)
    problems.push(
      problem('numbers', 'admin.choice.error.badNumbers', { count: choice.badNumbers.length, numbers: list(choice.badNumbers) }),
    );
  if (choice.unknownNumbers.length)
    problems.push(
      problem('numbers', 'admin.choice.error.unknownNumbers', {
        count: choice.unknownNumbers.length,
        numbers: list(choice.unknownNumbers),
      }),
    );
  if (choice.unknownMunicipalities.length)
    problems.push(
      problem('municipalities', 'admin.choice.error.unknownMunicipalities', {
        count: choice.unknownMunicipalities.length,
        names: list(choice.unknownMunicipalities),
      }),
    );
  return problems;
}
