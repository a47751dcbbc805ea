import { sql, type Kysely } from 'kysely';
import type { CommentModeration, Database } from '../db/schema.ts';
import { partitionName } from '../db/partitions.ts';
import { MIN_COMMENT_RESPONDENTS } from '../../analysis/index.ts';
import { recordAction, type Actor } from '../platform/audit-log.ts';
import { HttpProblem, problem, type Checked, type Problem } from '../platform/problems.ts';
import type { Questionnaire } from '../../surveys/schema.ts';

/**
 * Comments safe to show (issue 19): before a sealed comment reaches a school's rep, an admin reads
 * it out of context — no school, no other comment of the wave, no order of arrival — and shows it
 * (as written, or redacted: the redacted text replaces the original, which is kept nowhere), or
 * withholds it; tags it with the questionnaire's themes; flags it as a crisis for COnneCt's coaches.
 * A decision is final. The audit log names the wave and counts, never a comment's id or text: with
 * the entry's time, an id would say which school was being read when.
 */

/** One comment as the moderator sees it. */
export interface QueueItem {
  id: string;
  waveId: string;
  text: string;
  waveName: string;
  themes: Questionnaire['themes'];
  maxLength: number;
}

export interface Decision {
  show: boolean;
  /** the text as the moderator left it: different from the original = redacted */
  text: string;
  themes: readonly string[];
  crisis: boolean;
}

/** The longest text a moderator may leave when the questionnaire sets none (the shipped one allows 2,000). */
const DEFAULT_MAX_LENGTH = 2000;
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]|\p{Cs}/u;

const pendingOfSealed = (db: Kysely<Database>) =>
  db
    .selectFrom('comment')
    .innerJoin('wave', 'wave.id', 'comment.wave_id')
    .where('comment.moderation', '=', 'pending')
    .where('wave.sealed', '=', true);

/**
 * Comments of sealed waves that wait for a decision, network-wide: each sealed wave keeps its count
 * (`wave_frozen.pending_comments`, written at sealing, one fewer with each decision), so the admin's
 * home does not count them among every comment of every wave.
 */
export async function pendingCount(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('wave_frozen')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('pending_comments'), eb.lit(0)).as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * The next comment to decide: the pending one with the lowest id. Ids are drawn at random when a wave
 * is sealed, so this order says nothing of school or arrival, and two moderators meet the same comment
 * (the second decision is refused) rather than each other's neighbours.
 */
export async function nextComment(db: Kysely<Database>): Promise<QueueItem | null> {
  const row = await pendingOfSealed(db).select('comment.id').orderBy('comment.id').limit(1).executeTakeFirst();
  return row ? commentToModerate(db, row.id) : null;
}

/** A pending comment of a sealed wave by id (to show it again with problems), or null. */
export async function commentToModerate(db: Kysely<Database>, commentId: string): Promise<QueueItem | null> {
  const row = await pendingOfSealed(db)
    .innerJoin('questionnaire', 'questionnaire.id', 'wave.questionnaire_id')
    .select(['comment.id', 'comment.wave_id', 'comment.text', 'wave.name', 'questionnaire.definition'])
    .where('comment.id', '=', commentId)
    .executeTakeFirst();
  if (!row) return null;
  const q = row.definition;
  return {
    id: row.id,
    waveId: row.wave_id,
    text: row.text,
    waveName: row.name,
    themes: q.themes,
    maxLength: q.comment?.maxLength ?? DEFAULT_MAX_LENGTH,
  };
}

/** Line breaks as a form sends them (CRLF) and surrounding spaces do not make a redaction. */
const normalised = (text: string) => text.replace(/\r\n?/g, '\n').trim();

function problemsOf(item: QueueItem, d: Decision, text: string): Problem[] {
  const problems: Problem[] = [];
  const known = new Set(item.themes.map((t) => t.id));
  if (d.themes.some((id) => !known.has(id)) || new Set(d.themes).size !== d.themes.length)
    problems.push(problem('themes', 'moderation.error.themes'));
  if (d.show && !text) problems.push(problem('text', 'moderation.error.empty'));
  if ([...text].length > item.maxLength) problems.push(problem('text', 'moderation.error.long', { max: item.maxLength }));
  if (CONTROL.test(text)) problems.push(problem('text', 'moderation.error.control'));
  return problems;
}

/**
 * Decides a comment once, in one transaction with its audit entries. Refuses (HttpProblem) a comment
 * that is not there or not of a sealed wave (404) and one already decided (409); returns problems
 * with the moderator's input. A withheld comment loses its text — no one will read it — unless it is
 * flagged as a crisis, which the coaches read. Says what was done: shown, redacted (and shown) or withheld.
 *
 * No row lock: the update itself only changes a comment still pending, so of two moderators the
 * second is refused, and a refused decision leaves the sealed row untouched (a lock would mark it).
 * The partition is vacuumed afterwards, so the old row version (with the original, when the text
 * changed) goes at once rather than whenever autovacuum comes by; the visibility map keeps this to
 * the few pages decisions touched since.
 */
export async function decideComment(
  db: Kysely<Database>,
  commentId: string,
  d: Decision,
  actor: Actor,
): Promise<Checked<'shown' | 'redacted' | 'withheld'>> {
  const item = await commentToModerate(db, commentId);
  if (!item) throw await refusal(db, commentId);
  const text = normalised(d.text);
  const problems = problemsOf(item, d, text);
  if (problems.length) return { ok: false, problems };
  const redacted = d.show && text !== normalised(item.text);
  const state: CommentModeration = d.show ? 'shown' : 'withheld';
  const kept = d.show ? (redacted ? text : item.text) : d.crisis ? text : '';
  await db.transaction().execute(async (trx) => {
    const done = await trx
      .updateTable('comment')
      .set({ moderation: state, text: kept, themes: sql<string[]>`${sql.val([...d.themes])}::text[]`, crisis: d.crisis })
      .where('id', '=', commentId)
      .where('wave_id', '=', item.waveId)
      .where('moderation', '=', 'pending')
      .returning('id')
      .executeTakeFirst();
    if (!done) throw new HttpProblem(409, 'moderation.error.decided');
    await trx
      .updateTable('wave_frozen')
      .set((eb) => ({ pending_comments: eb('pending_comments', '-', 1) }))
      .where('wave_id', '=', item.waveId)
      .execute();
    const action = !d.show ? 'comment.withhold' : redacted ? 'comment.redact' : 'comment.show';
    await recordAction(trx, actor, action, `wave:${item.waveId} themes:${d.themes.length}`);
    if (d.crisis) await recordAction(trx, actor, 'comment.crisis', `wave:${item.waveId}`);
  });
  await vacuumComments(db, item.waveId);
  return { ok: true, value: redacted ? 'redacted' : state };
}

/** Why a comment cannot be decided: decided already (409), or no comment of a sealed wave (404). */
async function refusal(db: Kysely<Database>, commentId: string): Promise<HttpProblem> {
  const row = await db
    .selectFrom('comment')
    .innerJoin('wave', 'wave.id', 'comment.wave_id')
    .select('comment.moderation')
    .where('comment.id', '=', commentId)
    .where('wave.sealed', '=', true)
    .executeTakeFirst();
  return row ? new HttpProblem(409, 'moderation.error.decided') : new HttpProblem(404, 'moderation.error.notFound');
}

/**
 * Frees the old row versions of a wave's comments (a redacted original, a withheld text) now. Outside
 * any transaction (VACUUM cannot run in one); the bytes may stay in the file's free space until
 * overwritten, and in the WAL and backups (docs/storage.md).
 */
export async function vacuumComments(db: Kysely<Database>, waveId: string): Promise<void> {
  await sql`vacuum ${sql.id(partitionName('comment', waveId))}`.execute(db);
}

export interface CrisisEntry {
  text: string;
  waveId: string;
  waveName: string;
  /** the school's name at sealing, only when it had ≥ 10 respondents in the wave; otherwise null (network level) */
  school: string | null;
}

/**
 * Comments flagged as a crisis, for COnneCt's coaches (admins only): newest wave first, within a wave
 * in id order (random). A school is named only where R5 would let its rep read the comments.
 */
export async function crisisList(db: Kysely<Database>): Promise<CrisisEntry[]> {
  const rows = await db
    .selectFrom('comment')
    .innerJoin('wave', 'wave.id', 'comment.wave_id')
    .innerJoin('wave_frozen_school as fs', (j) =>
      j.onRef('fs.wave_id', '=', 'comment.wave_id').onRef('fs.school_id', '=', 'comment.school_id'),
    )
    .select(['comment.text', 'wave.id as waveId', 'wave.name as waveName', 'fs.name as school', 'fs.respondents'])
    .where('comment.crisis', '=', true)
    .where('wave.sealed', '=', true)
    .orderBy('wave.created_at', 'desc')
    .orderBy('wave.id')
    .orderBy('comment.id')
    .execute();
  return rows.map((r) => ({
    text: r.text,
    waveId: r.waveId,
    waveName: r.waveName,
    school: r.respondents >= MIN_COMMENT_RESPONDENTS ? r.school : null,
  }));
}

/** Each school's shown comments' tags in a sealed wave: what the network view counts (through disclosure). */
export async function shownCommentThemes(db: Kysely<Database>, waveId: string): Promise<Map<string, string[][]>> {
  const rows = await db
    .selectFrom('comment')
    .select(['school_id', 'themes'])
    .where('wave_id', '=', waveId)
    .where('moderation', '=', 'shown')
    .execute();
  const bySchool = new Map<string, string[][]>();
  for (const r of rows) {
    const list = bySchool.get(r.school_id) ?? [];
    list.push(r.themes);
    bySchool.set(r.school_id, list);
  }
  return bySchool;
}
