import { randomInt } from 'node:crypto';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { createWavePartitions, partitionName } from './db/partitions.ts';
import type { Database, WaveStatus } from './db/schema.ts';
import { isUuid, problem, type Checked, type Problem } from './problems.ts';
import { generateCode, hashCode } from './access-codes.ts';
import { recordAction, type Actor } from './audit-log.ts';
import { freezeWave } from './results/frozen-wave.ts';
import { getQuestionnaire } from './questionnaires.ts';
import { decodeComment, decodeResponse, open } from './encryption/boxes.ts';
import { WaveKeyUnavailable, type WaveKeys } from './encryption/wave-keys.ts';
import type { Questionnaire } from '../surveys/schema.ts';

export class WaveError extends Error {
  constructor(
    readonly reason: 'not-found' | 'not-draft' | 'not-open' | 'no-schools' | 'already-closed' | 'unknown-school' | 'key-unavailable',
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

/** `actor`, when given, is recorded in the audit log inside the same transaction (also below). */
export async function createWave(db: Kysely<Database>, wave: NewWave, actor?: Actor): Promise<string> {
  return db.transaction().execute(async (trx) => {
    const { id } = await trx
      .insertInto('wave')
      .values({ name: wave.name, questionnaire_id: wave.questionnaireId, k: wave.k })
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

export async function openWave(db: Kysely<Database>, waveId: string, actor?: Actor): Promise<void> {
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
    await recordAction(trx, actor, 'wave.open', `wave:${waveId}`);
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
  actor?: Actor,
): Promise<string[]> {
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
  const bySchool = new Map<string, string[]>();
  for (const { schoolId, count } of requests) {
    if (bySchool.has(schoolId)) throw new RangeError(`school ${schoolId} is listed twice`);
    bySchool.set(schoolId, Array.from({ length: count }, generateCode));
  }
  const hashes: string[] = [];
  const owners: string[] = [];
  for (const [schoolId, codes] of bySchool) {
    for (const code of codes) {
      hashes.push(hashCode(code));
      owners.push(schoolId);
    }
  }
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
    for (let i = 0; i < hashes.length; i += CODE_BATCH) {
      await sql`
        insert into access_code (hash, wave_id, school_id)
        select h, ${waveId}::uuid, s from unnest(${hashes.slice(i, i + CODE_BATCH)}::text[], ${owners.slice(i, i + CODE_BATCH)}::uuid[]) as t(h, s)`.execute(trx);
    }
    // Counts only: codes never reach the audit log.
    const detail = requests.length === 1
      ? `wave:${waveId} school:${requests[0]!.schoolId} count:${hashes.length}`
      : `wave:${waveId} schools:${requests.length} count:${hashes.length}`;
    await recordAction(trx, actor, 'codes.generate', detail);
  });
  return bySchool;
}

/**
 * Closes and seals a wave (design §4) in one transaction. While the wave was open its answers and
 * comments were stored only as ciphertext (`encrypted_response`, `encrypted_comment`); sealing
 * opens them with the wave's data key, shuffles them (a cryptographic Fisher–Yates shuffle) and
 * writes them in that order, with fresh random ids, into new partitions of `response` and `comment`
 * (all with one xmin, nothing keeps the submission order). Every code of the wave goes: spent ones
 * become a count per school, and unused ones could no longer be used anyway (keeping them would tell
 * a slip's holder whether it was used). The encrypted partitions are dropped and the wrapped data
 * key deleted, so what the WAL and old backups hold of the open wave is ciphertext whose key is gone
 * once the master key is rotated. The old partitions' files are unlinked at commit, which VACUUM FULL
 * cannot promise. Other waves' rows are not touched. Retrying after a crash is safe: before commit
 * nothing changed; after commit the wave is sealed and closing again is a no-op. If the master key
 * cannot open the wave's key, nothing changes and the error says so.
 */
export async function closeWave(db: Kysely<Database>, keys: WaveKeys, waveId: string, actor?: Actor): Promise<{ alreadyClosed: boolean }> {
  const alreadyClosed = await db.transaction().execute(async (trx) => {
    const wave = await trx.selectFrom('wave').select(['status', 'sealed', 'questionnaire_id']).where('id', '=', waveId).forUpdate().executeTakeFirst();
    if (!wave) throw new WaveError('not-found', 'wave not found');
    if (wave.status === 'draft') throw new WaveError('not-open', 'a draft wave cannot be closed; open it first');
    if (wave.sealed) return true;
    // No submission may slip in between reading and swapping, and detaching needs the parents anyway.
    // Lock order matches a submission's (access_code, then the encrypted tables): no deadlock.
    await sql`lock table access_code, encrypted_response, encrypted_comment, response, comment in access exclusive mode`.execute(trx);
    await sql`
      update wave_school ws set codes_spent = ws.codes_spent + c.n
      from (select school_id, count(*)::int as n from access_code
            where wave_id = ${waveId} and spent group by school_id) c
      where ws.wave_id = ${waveId} and ws.school_id = c.school_id`.execute(trx);
    const opened = await openedSubmissions(trx, keys, waveId, await getQuestionnaire(trx, wave.questionnaire_id)).catch((err) => {
      throw err instanceof WaveKeyUnavailable ? new WaveError('key-unavailable', err.message) : err;
    });
    await replacePartition(trx, 'access_code', waveId, async () => {});
    await replacePartition(trx, 'response', waveId, (fresh) => insertShuffled(trx, fresh, waveId, opened.responses, (r) => [r.schoolId, pgArray(r.answers), JSON.stringify(r.background)], ['school_id', 'answers', 'background'], ['uuid', 'smallint[]', 'jsonb']));
    await replacePartition(trx, 'comment', waveId, (fresh) => insertShuffled(trx, fresh, waveId, opened.comments, (c) => [c.schoolId, c.text], ['school_id', 'text'], ['uuid', 'text']));
    for (const table of ['encrypted_response', 'encrypted_comment'] as const) await sql`drop table ${sql.id(partitionName(table, waveId))}`.execute(trx);
    await trx.deleteFrom('wave_key').where('wave_id', '=', waveId).execute();
    await freezeWave(trx, waveId);
    await trx.updateTable('wave').set({ status: 'closed', sealed: true }).where('id', '=', waveId).execute();
    await recordAction(trx, actor, 'wave.close', `wave:${waveId}`);
    return false;
  });
  keys.forget(waveId);
  return { alreadyClosed };
}

interface OpenedResponse {
  schoolId: string;
  answers: (number | null)[];
  background: Record<string, string>;
}

/**
 * Everything the wave received, decrypted: the boxes, plus any plaintext rows a wave opened before
 * encryption existed still holds (the anonymity audit reports those).
 */
async function openedSubmissions(trx: Kysely<Database>, keys: WaveKeys, waveId: string, q: Questionnaire) {
  const boxes = await trx.selectFrom('encrypted_response').select(['school_id', 'box']).where('wave_id', '=', waveId).execute();
  const commentBoxes = await trx.selectFrom('encrypted_comment').select(['school_id', 'box']).where('wave_id', '=', waveId).execute();
  const key = boxes.length || commentBoxes.length ? await keys.dataKey(trx, waveId, { create: false }) : null;
  if ((boxes.length || commentBoxes.length) && !key) throw new Error(`wave ${waveId} holds encrypted answers but no data key`);
  const responses: OpenedResponse[] = boxes.map((b) => ({ schoolId: b.school_id, ...decodeResponse(q, open(key!, 'response', waveId, b.box)) }));
  const comments = commentBoxes.map((b) => ({ schoolId: b.school_id, text: decodeComment(open(key!, 'comment', waveId, b.box)) }));
  const legacy = await trx.selectFrom('response').select(['school_id', 'answers', 'background']).where('wave_id', '=', waveId).execute();
  for (const r of legacy) responses.push({ schoolId: r.school_id, answers: r.answers, background: r.background });
  const legacyComments = await trx.selectFrom('comment').select(['school_id', 'text']).where('wave_id', '=', waveId).execute();
  for (const c of legacyComments) comments.push({ schoolId: c.school_id, text: c.text });
  return { responses, comments };
}

const pgArray = (values: ReadonlyArray<number | null>) => `{${values.map((v) => (v === null ? 'NULL' : v)).join(',')}}`;

/** Rows per INSERT: bounded parameters, and PGlite's memory stays small. */
const SEAL_BATCH = 20_000;

/** Inserts `rows` in a uniformly random order (Fisher–Yates with a cryptographic generator). */
async function insertShuffled<T>(
  trx: Kysely<Database>,
  table: RawBuilder<unknown>,
  waveId: string,
  rows: T[],
  fields: (row: T) => string[],
  columns: string[],
  types: string[],
): Promise<void> {
  for (let i = rows.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [rows[i], rows[j]] = [rows[j]!, rows[i]!];
  }
  for (let start = 0; start < rows.length; start += SEAL_BATCH) {
    const batch = rows.slice(start, start + SEAL_BATCH).map(fields);
    const arrays = columns.map((_, c) => batch.map((r) => r[c]!));
    const names = columns.map((c, i) => sql.id(`c${i}`));
    // Arrays travel as text[] and are cast per row: `unnest` of a smallint[][] would flatten it.
    await sql`
      insert into ${table} (wave_id, ${sql.join(columns.map((c) => sql.id(c)))})
      select ${waveId}::uuid, ${sql.join(names.map((n, i) => sql`${n}::${sql.raw(types[i]!)}`))}
      from unnest(${sql.join(arrays.map((a) => sql`${a}::text[]`))}) as t(${sql.join(names)})`.execute(trx);
  }
}

/**
 * Swaps in a new table for the wave's partition of `table`, filled by `fill` before it is attached:
 * its indexes are then built in one pass rather than row by row. The old partition's file — with its
 * row versions, ids and order of arrival — is unlinked at commit.
 */
async function replacePartition(trx: Kysely<Database>, table: 'access_code' | 'response' | 'comment', waveId: string, fill: (fresh: RawBuilder<unknown>) => Promise<void>): Promise<void> {
  const name = partitionName(table, waveId);
  const fresh = sql.id(`${name}_new`);
  const old = sql.id(name);
  // LIKE copies the columns, their NOT NULL constraints (attaching needs them) and defaults (fresh ids).
  await sql`create table ${fresh} (like ${sql.table(table)} including defaults)`.execute(trx);
  await fill(fresh);
  await sql`alter table ${sql.table(table)} detach partition ${old}`.execute(trx);
  await sql`drop table ${old}`.execute(trx);
  await sql`alter table ${fresh} rename to ${old}`.execute(trx);
  await sql`alter table ${sql.table(table)} attach partition ${old} for values in (${sql.lit(waveId)})`.execute(trx);
}

// ---- Admin: checking, listing and describing waves ----------------------------------------------

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
}

/** Checks a new wave; every problem names its field. `defaultK` comes from DISCLOSURE_K. */
export async function checkNewWave(db: Kysely<Database>, raw: WaveFields, defaultK: number): Promise<Checked<NewWave>> {
  const problems: Problem[] = [];
  const name = raw.name.trim().replace(/\s+/g, ' ');
  if (!name) problems.push(problem('name', 'admin.waves.error.nameRequired'));
  else if (name.length > 200) problems.push(problem('name', 'admin.waves.error.nameTooLong', { max: 200 }));
  const questionnaire =
    isUuid(raw.questionnaireId) && (await db.selectFrom('questionnaire').select('id').where('id', '=', raw.questionnaireId).executeTakeFirst());
  if (!questionnaire) problems.push(problem('questionnaireId', 'admin.waves.error.questionnaire'));
  const kText = raw.k.trim();
  const k = kText === '' ? defaultK : Number(kText);
  if (!/^\d*$/.test(kText) || !Number.isInteger(k) || k < MIN_K || k > MAX_K) problems.push(problem('k', 'admin.waves.error.k', { min: MIN_K, max: MAX_K }));
  const schoolIds = await resolveSchools(db, raw.schools, problems);
  if (problems.length) return { ok: false, problems };
  return { ok: true, value: { name, questionnaireId: raw.questionnaireId, schoolIds, k } };
}

async function resolveSchools(db: Kysely<Database>, schools: string[] | 'all', problems: Problem[]): Promise<string[]> {
  if (schools === 'all') {
    return (await db.selectFrom('school').select('id').where('active', '=', true).execute()).map((r) => r.id);
  }
  const ids = [...new Set(schools.map((s) => s.trim()).filter(Boolean))];
  const bad = ids.filter((id) => !isUuid(id));
  const found = ids.length - bad.length
    ? new Set((await db.selectFrom('school').select('id').where('id', 'in', ids.filter(isUuid)).where('active', '=', true).execute()).map((r) => r.id))
    : new Set<string>();
  const unknown = ids.filter((id) => !found.has(id));
  if (unknown.length) problems.push(problem('schools', 'admin.waves.error.schools', { ids: unknown.slice(0, 5).join(', ') }));
  return ids;
}

/** Adds schools to a draft or open wave (a school joining late); schools already in it are kept as they are. */
export async function addSchoolsToWave(db: Kysely<Database>, waveId: string, schools: string[] | 'all', actor?: Actor): Promise<Checked<{ added: number }>> {
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

export interface WaveSummary {
  id: string;
  name: string;
  status: WaveStatus;
  sealed: boolean;
  k: number;
  createdAt: Date;
  questionnaire: { id: string; key: string; version: number };
  schools: number;
}

export async function listWaves(db: Kysely<Database>, options: { id?: string } = {}): Promise<WaveSummary[]> {
  let query = db
    .selectFrom('wave')
    .innerJoin('questionnaire', 'questionnaire.id', 'wave.questionnaire_id')
    .select((eb) => [
      'wave.id',
      'wave.name',
      'wave.status',
      'wave.sealed',
      'wave.k',
      'wave.created_at',
      'questionnaire.id as qid',
      'questionnaire.key',
      'questionnaire.version',
      eb.selectFrom('wave_school').select((w) => w.fn.countAll<number>().as('n')).whereRef('wave_school.wave_id', '=', 'wave.id').as('schools'),
    ])
    .orderBy('wave.created_at', 'desc')
    .orderBy('wave.id');
  if (options.id) query = query.where('wave.id', '=', options.id);
  const rows = await query.execute();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    status: r.status,
    sealed: r.sealed,
    k: r.k,
    createdAt: r.created_at,
    questionnaire: { id: r.qid, key: r.key, version: r.version },
    schools: Number(r.schools ?? 0),
  }));
}

export interface WaveDetail extends WaveSummary {
  participants: Array<{
    id: string;
    name: string;
    benchmarkGroup: string;
    staffCount: number;
    codesIssued: number;
    /** codes used so far (open wave) or counted at sealing */
    codesSpent: number;
    responses: number;
  }>;
}

/** A wave with per-school counts (counts only: never which code or response is whose). */
export async function getWaveDetail(db: Kysely<Database>, waveId: string): Promise<WaveDetail | null> {
  if (!isUuid(waveId)) return null;
  const [summary] = await listWaves(db, { id: waveId });
  if (!summary) return null;
  const schools = await db
    .selectFrom('wave_school')
    .innerJoin('school', 'school.id', 'wave_school.school_id')
    .select(['school.id', 'school.name', 'school.benchmark_group', 'school.staff_count', 'wave_school.codes_issued', 'wave_school.codes_spent'])
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
  const responses = await db
    .selectFrom('response')
    .select(['school_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('wave_id', '=', waveId)
    .groupBy('school_id')
    .execute();
  const spentBy = new Map(spent.map((r) => [r.school_id, Number(r.n)]));
  const responsesBy = new Map(responses.map((r) => [r.school_id, Number(r.n)]));
  return {
    ...summary,
    participants: schools.map((s) => ({
      id: s.id,
      name: s.name,
      benchmarkGroup: s.benchmark_group,
      staffCount: s.staff_count,
      codesIssued: s.codes_issued,
      codesSpent: s.codes_spent + (spentBy.get(s.id) ?? 0),
      responses: responsesBy.get(s.id) ?? 0,
    })),
  };
}
