import { sql, type Kysely } from 'kysely';
import { createWavePartitions } from './db/partitions.ts';
import { sentAhead } from './db/sent-ahead.ts';
import { compiledOnce } from './db/compiled-query.ts';
import type { Database, WaveStatus } from './db/schema.ts';
import { hashCode, randomCodes } from './teacher/access-codes.ts';
import { recordAction, type Actor } from './platform/audit-log.ts';
import type { WaveKeys } from './encryption/wave-keys.ts';

/**
 * Whether a wave is sealed (design §4): closed, and its responses rewritten. Only a sealed wave has
 * results; a closed wave that is not sealed (sealing failed half-way before it committed) has none.
 */
export const isSealed = (wave: { status: WaveStatus; sealed: boolean }): boolean => wave.status === 'closed' && wave.sealed;

/**
 * The sealed waves of a questionnaire key (the questionnaire key its versions share) around one of them,
 * oldest first: `through` the wave (itself included, if sealed), or the first one `after` it;
 * `school` keeps only waves that school took part in; without `key`, the wave's own. Creation
 * times are compared in the database: a JavaScript Date keeps milliseconds of the column's
 * microseconds, and a wave fell out of its own history (issue 17).
 */
export async function sealedWavesAround(
  db: Kysely<Database>,
  wave: { id: string; key?: string },
  which: 'through' | 'after',
  school?: string,
): Promise<Array<{ id: string; name: string }>> {
  // A school's dashboard asks this on every view: built and compiled once.
  // (The same tests of `key` and `school` as `wavesAround` makes, so that both build one statement.)
  if (which === 'through' && wave.key !== undefined && school) return schoolWavesThrough(db, wave.id, wave.key, school);
  return wavesAround(db, wave, which, school).execute();
}

const schoolWavesThrough = compiledOnce((db, id: string, key: string, school: string) => wavesAround(db, { id, key }, 'through', school));

function wavesAround(db: Kysely<Database>, wave: { id: string; key?: string }, which: 'through' | 'after', school?: string) {
  let query = db
    .selectFrom('wave')
    .innerJoin('questionnaire', 'questionnaire.id', 'wave.questionnaire_id')
    .select(['wave.id', 'wave.name'])
    .where(
      'questionnaire.key',
      '=',
      wave.key ??
        ((eb) =>
          eb
            .selectFrom('wave as viewed')
            .innerJoin('questionnaire as q', 'q.id', 'viewed.questionnaire_id')
            .select('q.key')
            .where('viewed.id', '=', wave.id)),
    )
    .where('wave.status', '=', 'closed')
    .where('wave.sealed', '=', true)
    .where('wave.created_at', which === 'through' ? '<=' : '>', (eb) =>
      eb.selectFrom('wave as viewed').select('viewed.created_at').where('viewed.id', '=', wave.id),
    )
    .orderBy('wave.created_at')
    .orderBy('wave.id');
  if (school)
    query = query.where((eb) =>
      eb.exists(
        eb
          .selectFrom('wave_school')
          .select('wave_school.wave_id')
          .whereRef('wave_school.wave_id', '=', 'wave.id')
          .where('wave_school.school_id', '=', school),
      ),
    );
  if (which === 'after') query = query.limit(1);
  return query;
}

export interface WaveRow {
  id: string;
  name: string;
  status: WaveStatus;
  sealed: boolean;
  k: number;
  createdAt: Date;
  /** `YYYY-MM-DD` or null */
  plannedClose: string | null;
  /** percent */
  responseTarget: number;
  questionnaire: { id: string; key: string; version: number };
  schools: number;
}

/**
 * Waves as every list shows them (the console's wave list, `wave:list`, a wave's own page, the
 * researcher's catalogue of sealed waves): with their questionnaire and how many schools take part.
 * Callers add their filters, order and page.
 */
export function waveRows(db: Kysely<Database>) {
  return db
    .selectFrom('wave')
    .innerJoin('questionnaire', 'questionnaire.id', 'wave.questionnaire_id')
    .select((eb) => [
      'wave.id',
      'wave.name',
      'wave.status',
      'wave.sealed',
      'wave.k',
      'wave.created_at',
      'wave.planned_close',
      'wave.response_target',
      'questionnaire.id as qid',
      'questionnaire.key',
      'questionnaire.version',
      eb
        .selectFrom('wave_school')
        .select((w) => w.fn.countAll<number>().as('n'))
        .whereRef('wave_school.wave_id', '=', 'wave.id')
        .as('schools'),
    ]);
}

type WaveRowData = Awaited<ReturnType<ReturnType<typeof waveRows>['execute']>>[number];

export const toWaveRow = (r: WaveRowData): WaveRow => ({
  id: r.id,
  name: r.name,
  status: r.status,
  sealed: r.sealed,
  k: r.k,
  createdAt: r.created_at,
  plannedClose: r.planned_close,
  responseTarget: r.response_target,
  questionnaire: { id: r.qid, key: r.key, version: r.version },
  schools: Number(r.schools ?? 0),
});

export class WaveError extends Error {
  constructor(
    readonly reason:
      'not-found' | 'not-draft' | 'not-open' | 'no-schools' | 'already-closed' | 'unknown-school' | 'key-unavailable' | 'tampered',
    message: string,
  ) {
    super(message);
  }
}

export interface NewWave {
  name: string;
  questionnaireId: string;
  schoolIds: string[];
  k: number;
  /** `YYYY-MM-DD`, or null when no date is planned */
  plannedClose?: string | null;
  /** percent; 50 when not given */
  responseTarget?: number;
}

/** `actor`, when given, is recorded in the audit log inside the same transaction (also below). */
export async function createWave(db: Kysely<Database>, wave: NewWave, actor?: Actor): Promise<string> {
  return db.transaction().execute(async (trx) => {
    const { id } = await trx
      .insertInto('wave')
      .values({
        name: wave.name,
        questionnaire_id: wave.questionnaireId,
        k: wave.k,
        planned_close: wave.plannedClose ?? null,
        response_target: wave.responseTarget ?? DEFAULT_RESPONSE_TARGET,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await createWavePartitions(trx, id);
    if (wave.schoolIds.length) {
      await trx
        .insertInto('wave_school')
        .values(wave.schoolIds.map((school_id) => ({ wave_id: id, school_id })))
        .execute();
    }
    await recordAction(trx, actor, 'wave.create', `wave:${id}`);
    return id;
  });
}

/**
 * Opens a draft wave. With `keys`, the wave's data key is made in the same transaction, so no
 * teacher's request ever has to write one (a refused request then changes nothing); without, the
 * first answer makes it.
 */
export async function openWave(db: Kysely<Database>, waveId: string, actor?: Actor, keys?: WaveKeys): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const wave = await trx.selectFrom('wave').select('status').where('id', '=', waveId).forUpdate().executeTakeFirst();
    if (!wave) throw new WaveError('not-found', 'wave not found');
    if (wave.status !== 'draft') throw new WaveError('not-draft', `the wave is ${wave.status}, not draft`);
    const schools = await trx
      .selectFrom('wave_school')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('wave_id', '=', waveId)
      .executeTakeFirstOrThrow();
    if (Number(schools.n) === 0) throw new WaveError('no-schools', 'a wave needs at least one participating school');
    await trx.updateTable('wave').set({ status: 'open' }).where('id', '=', waveId).execute();
    await keys?.dataKey(trx, waveId, { create: true });
    await recordAction(trx, actor, 'wave.open', `wave:${waveId}`);
  });
}

const CODE_BATCH = 5000;

/**
 * Generates `count` codes for a school in a draft or open wave. The plain codes are returned once
 * and never stored; only their hashes are.
 */
export async function issueCodes(db: Kysely<Database>, waveId: string, schoolId: string, count: number, actor?: Actor): Promise<string[]> {
  return (await issueCodesForWave(db, waveId, [{ schoolId, count }], actor)).get(schoolId)!;
}

/**
 * Codes for many schools of a wave at once (e.g. every school its staff count), in one transaction:
 * per-school transactions would make a network-wide wave wait for 3,700 commits. All or nothing —
 * an unknown school refuses the whole request. Returns the plain codes per school, once.
 */
export async function issueCodesForWave(
  db: Kysely<Database>,
  waveId: string,
  requests: ReadonlyArray<{ schoolId: string; count: number }>,
  actor?: Actor,
): Promise<Map<string, string[]>> {
  // One draw of random bytes for every code of the request (`randomCodes`), dealt out by school.
  const codes = randomCodes(requests.reduce((n, r) => n + r.count, 0));
  const total = codes.length;
  const bySchool = new Map<string, string[]>();
  const owners: string[] = [];
  for (const { schoolId, count } of requests) {
    if (bySchool.has(schoolId)) throw new RangeError(`school ${schoolId} is listed twice`);
    bySchool.set(schoolId, codes.slice(owners.length, owners.length + count));
    for (let i = 0; i < count; i++) owners.push(schoolId);
  }
  const hashes = (from: number) => codes.slice(from, from + CODE_BATCH).map(hashCode);
  await db.transaction().execute(async (trx) => {
    const wave = await trx.selectFrom('wave').select('status').where('id', '=', waveId).forShare().executeTakeFirst();
    if (!wave) throw new WaveError('not-found', 'wave not found');
    if (wave.status === 'closed') throw new WaveError('already-closed', 'the wave is closed; no new codes can be issued');
    const schoolIds = [...bySchool.keys()];
    const updated = await sql<{ school_id: string }>`
      update wave_school ws set codes_issued = ws.codes_issued + r.n
      from unnest(${schoolIds}::uuid[], ${schoolIds.map((id) => bySchool.get(id)!.length)}::int[]) as r(school_id, n)
      where ws.wave_id = ${waveId} and ws.school_id = r.school_id
      returning ws.school_id`.execute(trx);
    if (updated.rows.length !== schoolIds.length) throw new WaveError('unknown-school', 'the school does not take part in this wave');
    // The next batch is hashed while PostgreSQL stores this one (two cores, two workers).
    let batch = hashes(0);
    for (let i = 0; i < total; i += CODE_BATCH) {
      const inserting = await sentAhead(
        sql`
        insert into access_code (hash, wave_id, school_id)
        select h, ${waveId}::uuid, s from unnest(${batch}::text[], ${owners.slice(i, i + CODE_BATCH)}::uuid[]) as t(h, s)`.execute(trx),
      );
      batch = i + CODE_BATCH < total ? hashes(i + CODE_BATCH) : [];
      await inserting.done;
    }
    // Counts only: codes never reach the audit log.
    const detail =
      requests.length === 1
        ? `wave:${waveId} school:${requests[0]!.schoolId} count:${total}`
        : `wave:${waveId} schools:${requests.length} count:${total}`;
    await recordAction(trx, actor, 'codes.generate', detail);
  });
  return bySchool;
}

/** Below this response rate (percent) results are flagged as less representative, as 5Essentials does. */
export const DEFAULT_RESPONSE_TARGET = 50;
