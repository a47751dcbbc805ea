import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { groupCommitPerStore } from '../db/group-commit.ts';
import { storeKindOf } from '../db/connect.ts';
import type { Background, Questionnaire } from '../../surveys/schema.ts';
import { answerPositions, itemsInOrder } from '../../surveys/load.ts';
import { hashCode, normaliseCode } from './access-codes.ts';
import { encodeComment, encodeResponse, seal } from '../encryption/boxes.ts';
import type { AnswerableWave } from '../encryption/wave-keys.ts';

/**
 * Why a code cannot be used. `unavailable` is one answer for a code that is unknown or whose wave
 * has closed (a sealed wave keeps no codes at all). A used code of an open wave is NOT refused here:
 * it shows the questionnaire exactly as an unused one does, and only the final, spending store tells
 * them apart — so whoever holds a noted slip cannot learn whether its holder answered without using
 * the slip up (design §4). Only a wave that has not started yet is said as such: none of its codes
 * can have been used.
 */
export type CodeProblem = 'unavailable' | 'not-open';

export interface CodeContext {
  hash: string;
  waveId: string;
  schoolId: string;
}

export type CodeLookup = { ok: true; context: CodeContext } | { ok: false; problem: CodeProblem };

export async function lookUpCode(db: Kysely<Database>, input: string): Promise<CodeLookup> {
  const code = normaliseCode(input);
  if (!code) return { ok: false, problem: 'unavailable' };
  const hash = hashCode(code);
  const row = await db
    .selectFrom('access_code')
    .innerJoin('wave', 'wave.id', 'access_code.wave_id')
    .select(['access_code.wave_id', 'access_code.school_id', 'wave.status'])
    .where('access_code.hash', '=', hash)
    .executeTakeFirst();
  if (!row || row.status === 'closed') return { ok: false, problem: 'unavailable' };
  if (row.status === 'draft') return { ok: false, problem: 'not-open' };
  return { ok: true, context: { hash, waveId: row.wave_id, schoolId: row.school_id } };
}

/**
 * Form fields: `a.<item id>` = "1".."5" or "0" (n.v.t.), for theme and outcome items alike;
 * `b.<background id>` = option id; `priority` = a theme id, repeated per theme named (checkboxes);
 * `comment`.
 */
export type SubmissionFields = Record<string, string | string[] | undefined>;

export interface ValidAnswers {
  answers: (number | null)[];
  background: Record<string, string>;
  comment: string | null;
}

/** Field name → message key; the field name is the form field, so errors name the item. */
export type FieldErrors = Record<string, string>;

/** Fields of the form that are not answers: the code, the wave and school it was shown for, the language. */
const CONTROL_FIELDS = new Set(['code', 'wave', 'school', 'lang']);

/** What `validateAnswers` needs of a questionnaire, derived once per questionnaire object. */
interface AnswerShape {
  /** answer positions (`answerPositions`) */
  itemCount: number;
  /** by form field (`a.<item id>`) */
  itemIndex: Map<string, number>;
  /** per item (questionnaire order): whether its scale offers n.v.t. (answer 0) */
  notApplicable: boolean[];
  backgroundById: Map<string, Background>;
  /** the priority question: its first position, at most how many, and each theme's offset by id */
  priority: { start: number; max: number; themes: Map<string, number> } | null;
}

// Keyed by the object: `getQuestionnaire` caches one object per published version (and versions
// never change), so every submission of a wave finds its shape here instead of rebuilding it.
const shapes = new WeakMap<Questionnaire, AnswerShape>();

function answerShape(q: Questionnaire): AnswerShape {
  let shape = shapes.get(q);
  if (!shape) {
    // Theme items, then outcome items: the positions of `answerPositions`.
    const items = [...itemsInOrder(q), ...(q.outcomes ?? [])];
    const positions = answerPositions(q);
    const withNotApplicable = new Set(q.scales.filter((s) => s.notApplicable !== undefined).map((s) => s.id));
    shape = {
      itemCount: positions.width,
      itemIndex: new Map(items.map((it, i) => [`a.${it.id}`, i])),
      notApplicable: items.map((it) => withNotApplicable.has(it.scale)),
      backgroundById: new Map(q.background.map((b) => [b.id, b])),
      priority: q.priority
        ? { start: positions.items + positions.outcomes, max: q.priority.max, themes: new Map(q.themes.map((t, i) => [t.id, i])) }
        : null,
    };
    shapes.set(q, shape);
  }
  return shape;
}

export function validateAnswers(
  q: Questionnaire,
  fields: SubmissionFields,
): { ok: true; value: ValidAnswers } | { ok: false; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const { itemCount, itemIndex, notApplicable, backgroundById, priority } = answerShape(q);
  const answers: (number | null)[] = new Array<number | null>(itemCount).fill(null);
  const background: Record<string, string> = {};
  let comment: string | null = null;

  for (const [field, raw] of Object.entries(fields)) {
    if (CONTROL_FIELDS.has(field) || raw === undefined) continue;
    if (field === 'priority' && priority) {
      // Checkboxes: one value per theme named. Named: 1; the question answered: every other theme 0.
      const named = new Set((Array.isArray(raw) ? raw : [raw]).filter((v) => v !== ''));
      if ([...named].some((id) => !priority.themes.has(id))) errors[field] = 'error.field.unknownOption';
      else if (named.size > priority.max) errors[field] = 'error.field.tooManyPriorities';
      else if (named.size > 0) for (const [id, i] of priority.themes) answers[priority.start + i] = named.has(id) ? 1 : 0;
      continue;
    }
    if (Array.isArray(raw)) {
      errors[field] = 'error.field.repeated';
      continue;
    }
    if (field.startsWith('a.')) {
      const index = itemIndex.get(field);
      // One character, 0–5: a digit's code minus that of '0' (cheaper than a pattern, on every answer).
      const value = raw.length === 1 ? raw.charCodeAt(0) - 48 : -1;
      if (index === undefined) errors[field] = 'error.field.unknownItem';
      else if (raw === '') answers[index] = null;
      else if (value < 0 || value > 5 || (value === 0 && !notApplicable[index])) {
        errors[field] = 'error.field.offScale';
      } else answers[index] = value;
    } else if (field.startsWith('b.')) {
      const item = backgroundById.get(field.slice(2));
      if (!item) errors[field] = 'error.field.unknownItem';
      else if (raw === '') continue;
      else if (!item.options.some((o) => o.id === raw)) errors[field] = 'error.field.unknownOption';
      else background[item.id] = raw;
    } else if (field === 'comment' && q.comment) {
      const text = raw.trim();
      if (text.length > q.comment.maxLength) errors[field] = 'error.field.commentTooLong';
      else comment = text || null;
    } else {
      errors[field] = 'error.field.unknownItem';
    }
  }
  if (!Object.keys(errors).length && answers.every((a) => a === null)) errors['form'] = 'error.field.nothingAnswered';
  return Object.keys(errors).length ? { ok: false, errors } : { ok: true, value: { answers, background, comment } };
}

/** The boxes of one submission: fixed length per questionnaire, so their size tells nothing. */
export interface SealedSubmission {
  response: Buffer;
  comment: Buffer | null;
}

/** Seals a submission for its wave and school (the school is bound into the boxes: `BoxLabel`). */
export function sealSubmission(wave: AnswerableWave, schoolId: string, value: ValidAnswers): SealedSubmission {
  const { questionnaire: q, key, waveId } = wave;
  return {
    response: seal(key, { kind: 'response', waveId, schoolId }, encodeResponse(q, value)),
    comment:
      value.comment !== null && q.comment
        ? seal(key, { kind: 'comment', waveId, schoolId }, encodeComment(q.comment.maxLength, value.comment))
        : null,
  };
}

/** A code to spend (by its hash, for the wave and school it was shown for) and the boxes to store with it. */
export interface Submission {
  hash: string;
  waveId: string;
  schoolId: string;
  sealed: SealedSubmission;
}

/**
 * Spends the code and stores the sealed answers (and comment) in ONE statement: a statement is
 * atomic, so nothing is ever half-written. Submissions that arrive while statements are on their
 * way are stored together in the next (`GroupCommit`: one round trip and one commit for a burst of
 * them — issue 14); each is still spent-and-stored or not at all. When a batch's statement fails
 * with an error of SQL each submission in it is tried alone; when its connection failed, each gets
 * that error (it may have committed). The write-ahead log records the batch's code hashes beside
 * ciphertext only (design §4).
 *
 * True when stored; false when nothing was written: the code is unknown or spent (or named twice
 * in one batch: stored once), or not a code of this wave and school (the boxes were sealed for
 * them), or the wave is no longer open.
 */
export function storeSubmission(
  db: Kysely<Database>,
  code: { hash: string; waveId: string; schoolId: string },
  sealed: SealedSubmission,
): Promise<boolean> {
  const submission = { ...code, sealed };
  if (db.isTransaction) return storeOne(db, submission);
  return submissions(db).add(submission);
}

/**
 * One statement for the batch; each submission's answer in the batch's order. Data-modifying CTEs
 * run exactly once, whether or not the final SELECT reads them. The conditional UPDATE makes a code
 * single-use under any concurrency: a concurrent submitter waits for the row lock, re-checks
 * `spent = false` against the committed row, matches nothing and stores nothing; a code twice in
 * one batch updates its row once, so only one of the two is stored. Only the rows the UPDATE spent
 * get boxes. Codes go in the order of their hashes, so two servers' batches lock shared codes in
 * one order (in arrival order they deadlocked: 7 times in 10 rounds of overlapping batches). A
 * submission alone has a statement of its own, without arrays (planned once per connection:
 * `prepared-statements.ts`).
 */
export async function storeSubmissions(db: Kysely<Database>, batch: Submission[]): Promise<boolean[]> {
  if (batch.length === 1) return [await storeOne(db, batch[0]!)];
  const sorted = [...batch].sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
  const { rows } = await sql<{ n: number }>`
    with input as (
      select * from unnest(
        ${sorted.map((s) => s.hash)}::text[],
        ${sorted.map((s) => s.waveId)}::uuid[],
        ${sorted.map((s) => s.schoolId)}::uuid[],
        ${sorted.map((s) => s.sealed.response)}::bytea[],
        ${sorted.map((s) => s.sealed.comment)}::bytea[]
      ) with ordinality as i (hash, wave_id, school_id, response, comment, n)
    ),
    spent as (
      update access_code a set spent = true
      from input i
      where a.hash = i.hash
        and a.wave_id = i.wave_id
        and a.school_id = i.school_id
        and a.spent = false
        and exists (select 1 from wave where wave.id = i.wave_id and wave.status = 'open')
      returning i.n
    ),
    stored as (
      insert into encrypted_response (wave_id, school_id, box)
      select i.wave_id, i.school_id, i.response from input i join spent using (n)
      returning 1
    ),
    commented as (
      insert into encrypted_comment (wave_id, school_id, box)
      select i.wave_id, i.school_id, i.comment from input i join spent using (n) where i.comment is not null
      returning 1
    )
    select n::int as n from spent`.execute(db);
  const stored = new Set(rows.map((r) => sorted[r.n - 1]));
  return batch.map((s) => stored.has(s));
}

async function storeOne(db: Kysely<Database>, { hash, waveId, schoolId, sealed }: Submission): Promise<boolean> {
  const { rows } = await sql<{ n: number }>`
    with spent as (
      update access_code set spent = true
      where hash = ${hash}
        and wave_id = ${waveId}
        and school_id = ${schoolId}
        and spent = false
        and exists (select 1 from wave where wave.id = ${waveId} and wave.status = 'open')
      returning wave_id, school_id
    ),
    stored as (
      insert into encrypted_response (wave_id, school_id, box)
      select wave_id, school_id, ${sealed.response}::bytea from spent
      returning 1
    ),
    commented as (
      insert into encrypted_comment (wave_id, school_id, box)
      select wave_id, school_id, ${sealed.comment}::bytea from spent where ${sealed.comment}::bytea is not null
      returning 1
    )
    select (select count(*) from stored)::int as n`.execute(db);
  return rows[0]?.n === 1;
}

/**
 * On PostgreSQL, at most 100 submissions a statement and four statements at a time (one waiting for
 * a row lock holds up only its own). On PGlite (in this process, one connection) there is no round
 * trip to save, and a batch's arrays cost more to pass than the statements they replace (measured:
 * 1,142 → 814 a second): one each.
 */
const submissions = groupCommitPerStore(storeSubmissions, (db) =>
  storeKindOf(db) === 'postgres' ? { max: 100, inFlight: 4 } : { max: 1, inFlight: 1 },
);

/**
 * Responses that were not made through codes — the demo network and synthetic benchmark waves —
 * stored exactly as a teacher's are: sealed with the wave's key, for `closeWave` to open.
 */
export async function storeWithoutCodes(
  db: Kysely<Database>,
  wave: AnswerableWave,
  schoolId: string,
  values: ValidAnswers[],
): Promise<void> {
  const sealed = values.map((v) => sealSubmission(wave, schoolId, v));
  const comments = sealed.flatMap((s) => (s.comment ? [s.comment] : []));
  for (const [table, boxes] of [
    ['encrypted_response', sealed.map((s) => s.response)],
    ['encrypted_comment', comments],
  ] as const) {
    for (let i = 0; i < boxes.length; i += 5000) {
      await db
        .insertInto(table)
        .values(boxes.slice(i, i + 5000).map((box) => ({ wave_id: wave.waveId, school_id: schoolId, box })))
        .execute();
    }
  }
}
