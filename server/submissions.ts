import { sql, type Kysely } from 'kysely';
import type { Database } from './db/schema.ts';
import type { Background, Questionnaire } from '../surveys/schema.ts';
import { itemsInOrder } from '../surveys/load.ts';
import { hashCode, normaliseCode } from './access-codes.ts';
import { getQuestionnaire } from './questionnaires.ts';

/** Why a code cannot be used; each has its own message for the teacher. */
export type CodeProblem = 'unknown' | 'spent' | 'not-open';

export interface CodeContext {
  hash: string;
  waveId: string;
  schoolId: string;
  questionnaire: Questionnaire;
}

export type CodeLookup = { ok: true; context: CodeContext } | { ok: false; problem: CodeProblem };

/**
 * Per store: the questionnaire of the code most recently looked up in an open wave. While a wave is
 * open nearly every teacher answers that one questionnaire, so a submission can be checked against
 * it and stored in one round trip (`expectedSubmission`, `storeExpected`) instead of looking its code
 * up first. Only a hint: the statement stores nothing unless the code's wave uses this very
 * questionnaire, and a missing or wrong hint sends the submission down the full path.
 */
const expectedQuestionnaire = new WeakMap<Kysely<Database>, { id: string; questionnaire: Questionnaire }>();

export async function lookUpCode(db: Kysely<Database>, input: string): Promise<CodeLookup> {
  const code = normaliseCode(input);
  if (!code) return { ok: false, problem: 'unknown' };
  const hash = hashCode(code);
  const row = await db
    .selectFrom('access_code')
    .innerJoin('wave', 'wave.id', 'access_code.wave_id')
    .select(['access_code.wave_id', 'access_code.school_id', 'access_code.spent', 'wave.status', 'wave.questionnaire_id'])
    .where('access_code.hash', '=', hash)
    .executeTakeFirst();
  if (!row) return { ok: false, problem: 'unknown' };
  if (row.spent) return { ok: false, problem: 'spent' };
  if (row.status !== 'open') return { ok: false, problem: 'not-open' };
  const questionnaire = await getQuestionnaire(db, row.questionnaire_id);
  if (expectedQuestionnaire.get(db)?.id !== row.questionnaire_id) expectedQuestionnaire.set(db, { id: row.questionnaire_id, questionnaire });
  return { ok: true, context: { hash, waveId: row.wave_id, schoolId: row.school_id, questionnaire } };
}

/** Form fields: `a.<item id>` = "1".."5" or "0" (n.v.t.), `b.<background id>` = option id, `comment`. */
export type SubmissionFields = Record<string, string | string[] | undefined>;

export interface ValidAnswers {
  answers: (number | null)[];
  background: Record<string, string>;
  comment: string | null;
}

/** Field name → message key; the field name is the form field, so errors name the item. */
export type FieldErrors = Record<string, string>;

const CONTROL_FIELDS = new Set(['code', 'lang']);

/** What `validateAnswers` needs of a questionnaire, derived once per questionnaire object. */
interface AnswerShape {
  itemCount: number;
  itemIndex: Map<string, number>;
  /** per item (questionnaire order): whether its scale offers n.v.t. (answer 0) */
  notApplicable: boolean[];
  backgroundById: Map<string, Background>;
}

// Keyed by the object: `getQuestionnaire` caches one object per published version (and versions
// never change), so every submission of a wave finds its shape here instead of rebuilding it.
const shapes = new WeakMap<Questionnaire, AnswerShape>();

function answerShape(q: Questionnaire): AnswerShape {
  let shape = shapes.get(q);
  if (!shape) {
    const items = itemsInOrder(q);
    const withNotApplicable = new Set(q.scales.filter((s) => s.notApplicable !== undefined).map((s) => s.id));
    shape = {
      itemCount: items.length,
      itemIndex: new Map(items.map((it, i) => [it.id, i])),
      notApplicable: items.map((it) => withNotApplicable.has(it.scale)),
      backgroundById: new Map(q.background.map((b) => [b.id, b])),
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
  const { itemCount, itemIndex, notApplicable, backgroundById } = answerShape(q);
  const answers: (number | null)[] = new Array<number | null>(itemCount).fill(null);
  const background: Record<string, string> = {};
  let comment: string | null = null;

  for (const [field, raw] of Object.entries(fields)) {
    if (CONTROL_FIELDS.has(field) || raw === undefined) continue;
    if (Array.isArray(raw)) {
      errors[field] = 'error.field.repeated';
      continue;
    }
    if (field.startsWith('a.')) {
      const index = itemIndex.get(field.slice(2));
      if (index === undefined) errors[field] = 'error.field.unknownItem';
      else if (raw === '') answers[index] = null;
      else if (!/^[0-5]$/.test(raw) || (raw === '0' && !notApplicable[index])) {
        errors[field] = 'error.field.offScale';
      } else answers[index] = Number(raw);
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

export type StoreResult = { ok: true } | { ok: false; problem: CodeProblem };

/**
 * Spends the code and stores the response (and comment) in ONE statement; see `spendAndStore`.
 * `wave_id` narrows the UPDATE to the code's own wave (one partition once codes are partitioned by
 * wave); it comes from `lookUpCode` and never changes for a code.
 */
export async function storeResponse(
  db: Kysely<Database>,
  context: CodeContext,
  value: ValidAnswers,
): Promise<StoreResult> {
  if (await spendAndStore(db, context.hash, { waveId: context.waveId }, value)) return { ok: true };
  return { ok: false, problem: await lookUpState(db, context.hash) };
}

/** A submission whose answers fit the expected questionnaire, ready for `storeExpected`. */
export interface ExpectedSubmission {
  hash: string;
  questionnaireId: string;
  /** what the answers were checked against */
  questionnaire: Questionnaire;
  value: ValidAnswers;
}

/**
 * The submission checked against the questionnaire this store expects (see `expectedQuestionnaire`),
 * or null — no expectation yet, an input that cannot be a code, answers that do not fit — for the
 * full path, which also says what is wrong. Touches no database.
 */
export function expectedSubmission(db: Kysely<Database>, input: string, fields: SubmissionFields): ExpectedSubmission | null {
  const expected = expectedQuestionnaire.get(db);
  const code = expected && normaliseCode(input);
  if (!expected || !code) return null;
  const checked = validateAnswers(expected.questionnaire, fields);
  if (!checked.ok) return null;
  return { hash: hashCode(code), questionnaireId: expected.id, questionnaire: expected.questionnaire, value: checked.value };
}

/**
 * Stores an expected submission in one statement, without looking the code up first. True when
 * stored; false when nothing was written because the code is unknown or spent, its wave not open, or
 * answered with another questionnaire — the full path (`lookUpCode`, `validateAnswers`,
 * `storeResponse`) then decides and says which.
 */
export async function storeExpected(db: Kysely<Database>, submission: ExpectedSubmission): Promise<boolean> {
  return spendAndStore(db, submission.hash, { questionnaireId: submission.questionnaireId }, submission.value);
}

/**
 * ONE statement instead of a four-statement transaction: a statement is atomic, so nothing is ever
 * half-written, and it is one round trip (on two shared CPUs the round trips were the largest part
 * of a submission's cost). Data-modifying CTEs run exactly once, whether or not the final SELECT
 * reads them. The conditional UPDATE makes a code single-use under any concurrency: a concurrent
 * submitter waits for the row lock, re-checks `spent = false` against the committed row, matches
 * nothing and stores nothing.
 */
async function spendAndStore(
  db: Kysely<Database>,
  hash: string,
  scope: { waveId: string } | { questionnaireId: string },
  value: ValidAnswers,
): Promise<boolean> {
  // One wave, so one row at most: the key is (hash, wave_id), and two waves' random codes could
  // (most improbably) share a hash. Without a wave given, the wave of any one row with this hash.
  const inWave =
    'waveId' in scope
      ? sql`and access_code.wave_id = ${scope.waveId}`
      : sql`and access_code.wave_id = (select candidate.wave_id from access_code candidate where candidate.hash = ${hash} limit 1)`;
  const answeredWith = 'questionnaireId' in scope ? sql`and wave.questionnaire_id = ${scope.questionnaireId}` : sql``;
  const { rows } = await sql<{ n: number }>`
    with spent as (
      update access_code set spent = true
      where hash = ${hash}
        ${inWave}
        and spent = false
        and exists (select 1 from wave where wave.id = access_code.wave_id and wave.status = 'open' ${answeredWith})
      returning wave_id, school_id
    ),
    stored as (
      insert into response (wave_id, school_id, answers, background)
      select wave_id, school_id, ${value.answers}::smallint[], ${JSON.stringify(value.background)}::jsonb from spent
      returning 1
    ),
    commented as (
      insert into comment (wave_id, school_id, text)
      select wave_id, school_id, ${value.comment}::text from spent where ${value.comment}::text is not null
      returning 1
    )
    select (select count(*) from stored)::int as n`.execute(db);
  return rows[0]?.n === 1;
}

async function lookUpState(db: Kysely<Database>, hash: string): Promise<CodeProblem> {
  const row = await db.selectFrom('access_code').select('spent').where('hash', '=', hash).executeTakeFirst();
  if (!row) return 'unknown';
  return row.spent ? 'spent' : 'not-open';
}
