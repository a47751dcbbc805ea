import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { isUuid, problem, type Checked, type Problem } from '../platform/problems.ts';
import { recordAction, type Actor } from '../platform/audit-log.ts';
import { DEFAULT_RESPONSE_TARGET, toWaveRow, WaveError, waveRows, type NewWave, type WaveRow } from '../waves.ts';

// Admin: checking, listing and describing waves. Their life cycle (create, open, codes) is `../waves.ts`.

export { isUuid };

export const MIN_K = 3;
export const MAX_K = 100;

/** A new wave as an admin fills it in: `schools` are ids, or `all` for every active school. */
export interface WaveFields {
  name: string;
  questionnaireId: string;
  schools: string[] | 'all';
  /** empty = the configured default */
  k: string;
  /** `YYYY-MM-DD` (a date input's value); empty = none */
  plannedClose?: string;
  /** percent; empty = 50 */
  responseTarget?: string;
}

/** Checks a new wave; every problem names its field. `defaultK` comes from DISCLOSURE_K. */
export async function checkNewWave(db: Kysely<Database>, raw: WaveFields, defaultK: number): Promise<Checked<NewWave>> {
  const problems: Problem[] = [];
  const name = raw.name.trim().replace(/\s+/g, ' ');
  if (!name) problems.push(problem('name', 'admin.waves.error.nameRequired'));
  else if (name.length > 200) problems.push(problem('name', 'admin.waves.error.nameTooLong', { max: 200 }));
  const questionnaire =
    isUuid(raw.questionnaireId) &&
    (await db.selectFrom('questionnaire').select('id').where('id', '=', raw.questionnaireId).executeTakeFirst());
  if (!questionnaire) problems.push(problem('questionnaireId', 'admin.waves.error.questionnaire'));
  const kText = raw.k.trim();
  const k = kText === '' ? defaultK : Number(kText);
  if (!/^\d*$/.test(kText) || !Number.isInteger(k) || k < MIN_K || k > MAX_K)
    problems.push(problem('k', 'admin.waves.error.k', { min: MIN_K, max: MAX_K }));
  const dateText = (raw.plannedClose ?? '').trim();
  const plannedClose = dateText === '' ? null : isDay(dateText) ? dateText : undefined;
  if (plannedClose === undefined) problems.push(problem('plannedClose', 'admin.waves.error.plannedClose'));
  const targetText = (raw.responseTarget ?? '').trim();
  const responseTarget = targetText === '' ? DEFAULT_RESPONSE_TARGET : Number(targetText);
  if (!/^\d*$/.test(targetText) || !Number.isInteger(responseTarget) || responseTarget < 1 || responseTarget > 100) {
    problems.push(problem('responseTarget', 'admin.waves.error.responseTarget', { min: 1, max: 100 }));
  }
  const schoolIds = await resolveSchools(db, raw.schools, problems);
  if (problems.length) return { ok: false, problems };
  return {
    ok: true,
    value: { name, questionnaireId: raw.questionnaireId, schoolIds, k, plannedClose: plannedClose ?? null, responseTarget },
  };
}

/** A calendar day written `YYYY-MM-DD` that exists (not 2026-02-30). */
function isDay(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const d = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === text;
}

async function resolveSchools(db: Kysely<Database>, schools: string[] | 'all', problems: Problem[]): Promise<string[]> {
  if (schools === 'all') {
    return (await db.selectFrom('school').select('id').where('active', '=', true).execute()).map((r) => r.id);
  }
  const ids = [...new Set(schools.map((s) => s.trim()).filter(Boolean))];
  const bad = ids.filter((id) => !isUuid(id));
  const found =
    ids.length - bad.length
      ? new Set(
          (await db.selectFrom('school').select('id').where('id', 'in', ids.filter(isUuid)).where('active', '=', true).execute()).map(
            (r) => r.id,
          ),
        )
      : new Set<string>();
  const unknown = ids.filter((id) => !found.has(id));
  if (unknown.length) problems.push(problem('schools', 'admin.waves.error.schools', { ids: unknown.slice(0, 5).join(', ') }));
  return ids;
}

/** Adds schools to a draft or open wave (a school joining late); schools already in it are kept as they are. */
export async function addSchoolsToWave(
  db: Kysely<Database>,
  waveId: string,
  schools: string[] | 'all',
  actor?: Actor,
): Promise<Checked<{ added: number }>> {
  return db.transaction().execute(async (trx) => {
    const wave = await trx.selectFrom('wave').select('status').where('id', '=', waveId).forUpdate().executeTakeFirst();
    if (!wave) throw new WaveError('not-found', 'wave not found');
    if (wave.status === 'closed') throw new WaveError('already-closed', 'the wave is closed; no schools can be added');
    const problems: Problem[] = [];
    const ids = await resolveSchools(trx, schools, problems);
    if (!ids.length && !problems.length) problems.push(problem('schools', 'admin.waves.error.noSchoolChosen'));
    if (problems.length) return { ok: false, problems };
    const added = await trx
      .insertInto('wave_school')
      .values(ids.map((school_id) => ({ wave_id: waveId, school_id })))
      .onConflict((oc) => oc.columns(['wave_id', 'school_id']).doNothing())
      .returning('school_id')
      .execute();
    if (added.length) await recordAction(trx, actor, 'wave.addSchools', `wave:${waveId} count:${added.length}`);
    return { ok: true, value: { added: added.length } };
  });
}

export interface WaveDetail extends WaveRow {
  participants: Array<{
    id: string;
    name: string;
    /** the school number (instellingsnummer), null when not known */
    number: string | null;
    benchmarkGroup: string;
    staffCount: number;
    codesIssued: number;
    /** slips handed out, as entered; null until entered */
    codesHandedOut: number | null;
    /** codes used so far (open wave) or counted at sealing */
    codesSpent: number;
    responses: number;
  }>;
}

/** A wave with per-school counts (counts only: never which code or response is whose). */
export async function getWaveDetail(db: Kysely<Database>, waveId: string): Promise<WaveDetail | null> {
  if (!isUuid(waveId)) return null;
  const row = await waveRows(db).where('wave.id', '=', waveId).executeTakeFirst();
  if (!row) return null;
  const summary = toWaveRow(row);
  const schools = await db
    .selectFrom('wave_school')
    .innerJoin('school', 'school.id', 'wave_school.school_id')
    .select([
      'school.id',
      'school.name',
      'school.instellingsnummer',
      'school.benchmark_group',
      'school.staff_count',
      'wave_school.codes_issued',
      'wave_school.codes_spent',
      'wave_school.codes_handed_out',
    ])
    .where('wave_school.wave_id', '=', waveId)
    .orderBy(sql`lower(school.name)`)
    .execute();
  const spent = await db
    .selectFrom('access_code')
    .select(['school_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('wave_id', '=', waveId)
    .where('spent', '=', true)
    .groupBy('school_id')
    .execute();
  const responsesBy = await responseCounts(db, waveId);
  const spentBy = new Map(spent.map((r) => [r.school_id, Number(r.n)]));
  return {
    ...summary,
    participants: schools.map((s) => ({
      id: s.id,
      name: s.name,
      number: s.instellingsnummer,
      benchmarkGroup: s.benchmark_group,
      staffCount: s.staff_count,
      codesIssued: s.codes_issued,
      codesHandedOut: s.codes_handed_out,
      codesSpent: s.codes_spent + (spentBy.get(s.id) ?? 0),
      responses: responsesBy.get(s.id) ?? 0,
    })),
  };
}

/**
 * Responses a wave has received, per school (only `schoolId`'s when given): counted, never opened.
 * An open wave's responses are still sealed boxes; a sealed wave's are rows of `response`.
 */
export async function responseCounts(db: Kysely<Database>, waveId: string, schoolId?: string): Promise<Map<string, number>> {
  const school = schoolId === undefined ? sql`` : sql` and school_id = ${schoolId}`;
  const { rows } = await sql<{ school_id: string; n: number }>`
    select school_id, count(*)::int as n from (
      select school_id from encrypted_response where wave_id = ${waveId}${school}
      union all select school_id from response where wave_id = ${waveId}${school}) r
    group by school_id`.execute(db);
  return new Map(rows.map((r) => [r.school_id, Number(r.n)]));
}
