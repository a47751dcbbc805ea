import { sql, type Kysely } from 'kysely';
import type { Database } from './db/schema.ts';
import { generateCode, hashCode } from './access-codes.ts';

export class WaveError extends Error {
  constructor(
    readonly reason: 'not-found' | 'not-draft' | 'not-open' | 'no-schools' | 'already-closed' | 'unknown-school',
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
}

export async function createWave(db: Kysely<Database>, wave: NewWave): Promise<string> {
  return db.transaction().execute(async (trx) => {
    const { id } = await trx
      .insertInto('wave')
      .values({ name: wave.name, questionnaire_id: wave.questionnaireId, k: wave.k })
      .returning('id')
      .executeTakeFirstOrThrow();
    if (wave.schoolIds.length) {
      await trx
        .insertInto('wave_school')
        .values(wave.schoolIds.map((school_id) => ({ wave_id: id, school_id })))
        .execute();
    }
    return id;
  });
}

export async function openWave(db: Kysely<Database>, waveId: string): Promise<void> {
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
  });
}

const CODE_BATCH = 5000;

/**
 * Generates `count` codes for a school in a draft or open wave. The plain codes are returned once
 * and never stored; only their hashes are.
 */
export async function issueCodes(
  db: Kysely<Database>,
  waveId: string,
  schoolId: string,
  count: number,
): Promise<string[]> {
  const codes = Array.from({ length: count }, generateCode);
  await db.transaction().execute(async (trx) => {
    const wave = await trx.selectFrom('wave').select('status').where('id', '=', waveId).forShare().executeTakeFirst();
    if (!wave) throw new WaveError('not-found', 'wave not found');
    if (wave.status === 'closed') throw new WaveError('already-closed', 'the wave is closed; no new codes can be issued');
    const updated = await trx
      .updateTable('wave_school')
      .set((eb) => ({ codes_issued: eb('codes_issued', '+', count) }))
      .where('wave_id', '=', waveId)
      .where('school_id', '=', schoolId)
      .returning('school_id')
      .executeTakeFirst();
    if (!updated) throw new WaveError('unknown-school', 'the school does not take part in this wave');
    for (let i = 0; i < codes.length; i += CODE_BATCH) {
      await trx
        .insertInto('access_code')
        .values(codes.slice(i, i + CODE_BATCH).map((c) => ({ hash: hashCode(c), wave_id: waveId, school_id: schoolId })))
        .execute();
    }
  });
  return codes;
}

/**
 * Closes and seals a wave (design §4) in one transaction: responses and comments are rewritten in
 * random order with fresh ids (so all share one xmin and nothing keeps the submission order), and
 * spent codes are reduced to a count per school. VACUUM FULL then removes the old row versions.
 * Retrying after a crash is safe: before commit nothing changed; after commit only VACUUM is redone.
 */
export async function closeWave(db: Kysely<Database>, waveId: string): Promise<{ alreadyClosed: boolean }> {
  const alreadyClosed = await db.transaction().execute(async (trx) => {
    const wave = await trx.selectFrom('wave').select(['status', 'sealed']).where('id', '=', waveId).forUpdate().executeTakeFirst();
    if (!wave) throw new WaveError('not-found', 'wave not found');
    if (wave.status === 'draft') throw new WaveError('not-open', 'a draft wave cannot be closed; open it first');
    if (wave.sealed) return true;
    await sql`
      update wave_school ws set codes_spent = ws.codes_spent + c.n
      from (select school_id, count(*)::int as n from access_code
            where wave_id = ${waveId} and spent group by school_id) c
      where ws.wave_id = ${waveId} and ws.school_id = c.school_id`.execute(trx);
    await trx.deleteFrom('access_code').where('wave_id', '=', waveId).where('spent', '=', true).execute();
    await sql`
      with moved as (delete from response where wave_id = ${waveId} returning wave_id, school_id, answers, background)
      insert into response (wave_id, school_id, answers, background)
      select wave_id, school_id, answers, background from moved order by random()`.execute(trx);
    await sql`
      with moved as (delete from comment where wave_id = ${waveId} returning wave_id, school_id, text)
      insert into comment (wave_id, school_id, text)
      select wave_id, school_id, text from moved order by random()`.execute(trx);
    await trx.updateTable('wave').set({ status: 'closed', sealed: true }).where('id', '=', waveId).execute();
    return false;
  });
  await sql`vacuum full response, comment, access_code`.execute(db);
  return { alreadyClosed };
}
