import type { Kysely } from 'kysely';
import type { Database, WaveStatus } from '../db/schema.ts';
import { problem, type Checked } from '../platform/problems.ts';
import { recordAction, type Actor } from '../platform/audit-log.ts';
import { WaveError } from '../waves.ts';
import { responseCounts } from '../admin/waves.ts';

/**
 * How a school's wave is going while it runs (issue 17): counts only (R1 allows nothing else
 * before sealing). "Codes issued" counts slips printed, and a reprint inflates it; the slips
 * actually handed out are entered by the admin or the school's rep, and the response rate is taken
 * against them once entered.
 */
export interface Participation {
  waveName: string;
  status: WaveStatus;
  /** responses received so far (open wave: sealed boxes, counted, never opened) */
  responses: number;
  codesIssued: number;
  codesHandedOut: number | null;
  /** percent: below it, results are flagged as less representative */
  responseTarget: number;
  /** `YYYY-MM-DD` or null */
  plannedClose: string | null;
}

export async function participation(db: Kysely<Database>, waveId: string, schoolId: string): Promise<Participation | null> {
  const row = await db
    .selectFrom('wave_school')
    .innerJoin('wave', 'wave.id', 'wave_school.wave_id')
    .select([
      'wave.name',
      'wave.status',
      'wave.response_target',
      'wave.planned_close',
      'wave_school.codes_issued',
      'wave_school.codes_handed_out',
    ])
    .where('wave_school.wave_id', '=', waveId)
    .where('wave_school.school_id', '=', schoolId)
    .executeTakeFirst();
  if (!row) return null;
  const counted = await responseCounts(db, waveId, schoolId);
  return {
    waveName: row.name,
    status: row.status,
    responses: counted.get(schoolId) ?? 0,
    codesIssued: row.codes_issued,
    codesHandedOut: row.codes_handed_out,
    responseTarget: row.response_target,
    plannedClose: row.planned_close,
  };
}

/** The most slips a school can have handed out: more than were printed is a typing error. */
export async function setCodesHandedOut(
  db: Kysely<Database>,
  waveId: string,
  schoolId: string,
  raw: string,
  actor?: Actor,
): Promise<Checked<{ count: number }>> {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('wave_school')
      .innerJoin('wave', 'wave.id', 'wave_school.wave_id')
      .select(['wave.status', 'wave_school.codes_issued'])
      .where('wave_school.wave_id', '=', waveId)
      .where('wave_school.school_id', '=', schoolId)
      .forUpdate()
      .executeTakeFirst();
    if (!row) throw new WaveError('not-found', 'the school is not in this wave');
    // Frozen at sealing with the other per-school counts: a closed wave's number no longer changes.
    if (row.status === 'closed') throw new WaveError('already-closed', 'the wave is closed');
    const text = raw.trim();
    const count = Number(text);
    if (!/^\d{1,7}$/.test(text)) return { ok: false, problems: [problem('handedOut', 'participation.error.notANumber')] };
    if (count > row.codes_issued)
      return { ok: false, problems: [problem('handedOut', 'participation.error.moreThanIssued', { issued: row.codes_issued })] };
    await trx
      .updateTable('wave_school')
      .set({ codes_handed_out: count })
      .where('wave_id', '=', waveId)
      .where('school_id', '=', schoolId)
      .execute();
    await recordAction(trx, actor, 'wave.handedOut', `wave:${waveId} school:${schoolId} count:${count}`);
    return { ok: true, value: { count } };
  });
}
