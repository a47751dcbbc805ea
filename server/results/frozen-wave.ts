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
 * wave's code counts are final and before the wave is marked sealed, with `frozenRows` of the
 * responses sealing wrote (schools without one have none); a second call for the same wave changes
 * nothing. Cells are kept in one order (by their background's JSON), though `disclose` does not
 * depend on it.
 */
export async function freezeWave(trx: Kysely<Database>, waveId: string, frozen: FrozenRows): Promise<void> {
  const done = await sql`
    insert into wave_frozen (wave_id, questionnaire_id, k, backgrounds, pending_comments)
    select id, questionnaire_id, k, ${frozen.backgrounds}::json, ${frozen.comments}::int from wave where id = ${waveId}
    on conflict (wave_id) do nothing returning wave_id`.execute(trx);
  if (done.rows.length === 0) return;
  await sql`
    insert into wave_frozen_school (wave_id, school_id, name, benchmark_group, staff_count, codes_issued, codes_handed_out, codes_spent, respondents, cell_counts)
    select ws.wave_id, ws.school_id, s.name, s.benchmark_group, s.staff_count, ws.codes_issued, ws.codes_handed_out, ws.codes_spent,
           coalesce(t.respondents, 0), coalesce(t.cells, '{}')
    from wave_school ws
    join school s on s.id = ws.school_id
    left join json_to_recordset(${frozen.counted}::json) as t(school_id uuid, respondents int, cells int[]) on t.school_id = ws.school_id
    where ws.wave_id = ${waveId}`.execute(trx);
}

/** What `freezeWave` writes of the responses and comments sealing wrote, as JSON. */
export interface FrozenRows {
  /** the wave's distinct backgrounds */
  backgrounds: string;
  /** per school: respondents, and cells as (background's position, count) pairs */
  counted: string;
  /** comments, each pending moderation */
  comments: number;
}

/**
 * Made apart from `freezeWave`, with no I/O, so that sealing makes it while PostgreSQL builds the
 * response partition's index (issue 14).
 */
export function frozenRows(tallies: ReadonlyMap<string, SchoolTally>, comments: number): FrozenRows {
  // The wave's distinct backgrounds once, and each school's cells as (position, count) pairs: the
  // same cells in a tenth of the bytes, which halved the cost of this insert (issue 14).
  // Sealing's tallies share one object per distinct background: each is written out once, not once
  // per school that has it (≈ 100,000 cells in a network wave: 80 ms of sealing, issue 14).
  const written = new Map<Record<string, string>, string>();
  const keyOf = (background: Record<string, string>) => {
    let key = written.get(background);
    if (key === undefined) written.set(background, (key = JSON.stringify(background)));
    return key;
  };
  const distinct = new Map<string, Record<string, string>>();
  for (const t of tallies.values()) for (const c of t.cells) distinct.set(keyOf(c.background), c.background);
  const keys = [...distinct.keys()].sort();
  const position = new Map(keys.map((key, i) => [key, i]));
  const counted = [...tallies].map(([schoolId, t]) => ({
    school_id: schoolId,
    respondents: t.respondents,
    cells: t.cells
      .map((c) => [position.get(keyOf(c.background))!, c.count] as const)
      .sort((x, y) => x[0] - y[0])
      .flat(),
  }));
  return { backgrounds: JSON.stringify(keys.map((key) => distinct.get(key))), counted: JSON.stringify(counted), comments };
}

/** The frozen inputs of a sealed wave, or null when the wave was never frozen (not sealed). */
export async function loadFrozenWave(db: Kysely<Database>, waveId: string): Promise<FrozenWave | null> {
  const [wave, schools] = await Promise.all([
    db
      .selectFrom('wave_frozen')
      .select(['k', 'questionnaire_id', 'decisions', 'backgrounds'])
      .where('wave_id', '=', waveId)
      .executeTakeFirst(),
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
      cells: cellsOf(s.cell_counts, wave.backgrounds),
    })),
  };
}

function cellsOf(pairs: readonly number[], backgrounds: ReadonlyArray<Record<string, string>>): FrozenSchool['cells'] {
  const cells: FrozenSchool['cells'] = [];
  for (let i = 0; i + 1 < pairs.length; i += 2) cells.push({ background: backgrounds[pairs[i]!]!, count: pairs[i + 1]! });
  return cells;
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
