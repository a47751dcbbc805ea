import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Decisions } from '../../analysis/disclosure.ts';

/**
 * Disclosure frozen at sealing (design §5, issue 15). A sealed wave's decisions depend on which
 * schools took part, their benchmark groups, k, the questionnaire version and each school's
 * respondents and background counts. Read from `school` on every computation, an admin moving a
 * 3-respondent school to another group would make the same sealed wave release the group before
 * and after — their difference is that school. So `freezeWave` copies all of it inside the sealing
 * transaction, and every output of a sealed wave is made from the copy: names and groups as they
 * were at sealing, whatever is edited later. The decisions made from these inputs are stored too
 * (`storeDecisions`), right after sealing: later outputs are made from them, so not even a change
 * of the rules changes what a sealed wave releases.
 */

export interface FrozenSchool {
  id: string;
  name: string;
  /**
   * The official school number (instellingsnummer) as it is now, not frozen: an identifier like the
   * id, no disclosure input, so a corrected number reaches a sealed wave's exports. Null when unknown.
   */
  schoolNumber: string | null;
  benchmarkGroup: string;
  staffCount: number;
  codesIssued: number;
  /** slips handed out, as entered while the wave ran; null if never entered */
  codesHandedOut: number | null;
  codesSpent: number;
  respondents: number;
  cells: Array<{ background: Record<string, string>; count: number }>;
}

export interface FrozenWave {
  k: number;
  questionnaireId: string;
  /** the stored decisions; null until the wave's first results are made after sealing */
  decisions: Decisions | null;
  /** by school id */
  schools: FrozenSchool[];
}

/** A school's respondents, counted per background as sealing writes them. */
export interface SchoolTally {
  respondents: number;
  cells: Array<{ background: Record<string, string>; count: number }>;
}

/**
 * Copies what the wave's disclosure depends on. Call inside the sealing transaction, after the
 * wave's code counts are final and before the wave is marked sealed, with the tallies of the
 * responses sealing wrote (schools without one have none); a second call for the same wave changes
 * nothing. Cells are kept in one order (by their background's JSON), though `disclose` does not
 * depend on it.
 */
export async function freezeWave(trx: Kysely<Database>, waveId: string, tallies: ReadonlyMap<string, SchoolTally>): Promise<void> {
  const done = await sql`
    insert into wave_frozen (wave_id, questionnaire_id, k) select id, questionnaire_id, k from wave where id = ${waveId}
    on conflict (wave_id) do nothing returning wave_id`.execute(trx);
  if (done.rows.length === 0) return;
  const counted = [...tallies].map(([schoolId, t]) => ({
    school_id: schoolId,
    respondents: t.respondents,
    cells: t.cells
      .map((c) => ({ key: JSON.stringify(c.background), cell: { background: c.background, count: c.count } }))
      .sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0))
      .map((c) => c.cell),
  }));
  // One json document, and each school's cells kept as written (json, not jsonb: issue 14).
  await sql`
    insert into wave_frozen_school (wave_id, school_id, name, benchmark_group, staff_count, codes_issued, codes_handed_out, codes_spent, respondents, cells)
    select ws.wave_id, ws.school_id, s.name, s.benchmark_group, s.staff_count, ws.codes_issued, ws.codes_handed_out, ws.codes_spent,
           coalesce(t.respondents, 0), coalesce(t.cells, '[]'::json)
    from wave_school ws
    join school s on s.id = ws.school_id
    left join json_to_recordset(${JSON.stringify(counted)}::json) as t(school_id uuid, respondents int, cells json) on t.school_id = ws.school_id
    where ws.wave_id = ${waveId}`.execute(trx);
}

/** The frozen inputs of a sealed wave, or null when the wave was never frozen (not sealed). */
export async function loadFrozenWave(db: Kysely<Database>, waveId: string): Promise<FrozenWave | null> {
  const [wave, schools] = await Promise.all([
    db.selectFrom('wave_frozen').select(['k', 'questionnaire_id', 'decisions']).where('wave_id', '=', waveId).executeTakeFirst(),
    db
      .selectFrom('wave_frozen_school')
      .leftJoin('school', 'school.id', 'wave_frozen_school.school_id')
      .selectAll('wave_frozen_school')
      .select('school.instellingsnummer')
      .where('wave_frozen_school.wave_id', '=', waveId)
      .orderBy('wave_frozen_school.school_id')
      .execute(),
  ]);
  if (!wave) return null;
  return {
    k: wave.k,
    questionnaireId: wave.questionnaire_id,
    decisions: wave.decisions,
    schools: schools.map((s) => ({
      id: s.school_id,
      name: s.name,
      schoolNumber: s.instellingsnummer,
      benchmarkGroup: s.benchmark_group,
      staffCount: s.staff_count,
      codesIssued: s.codes_issued,
      codesHandedOut: s.codes_handed_out,
      codesSpent: s.codes_spent,
      respondents: s.respondents,
      cells: s.cells,
    })),
  };
}

/**
 * Stores a sealed wave's decisions unless some process already has, and returns the stored ones:
 * the first made are kept for good, and everyone uses those.
 */
export async function storeDecisions(db: Kysely<Database>, waveId: string, decisions: Decisions): Promise<Decisions> {
  const { rows } = await sql<{ decisions: Decisions }>`
    update wave_frozen set decisions = coalesce(decisions, ${JSON.stringify(decisions)}::jsonb)
    where wave_id = ${waveId} returning decisions`.execute(db);
  if (!rows[0]) throw new Error(`wave ${waveId} is not frozen`);
  return rows[0].decisions;
}
