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
 * Spends the code and stores the response (and comment) in ONE statement: a statement is atomic,
 * so nothing is ever half-written, and it costs one round trip instead of a four-statement
 * transaction (on two shared CPUs the round trips were the largest part of a submission's cost).
 * Data-modifying CTEs run exactly once, whether or not the final SELECT reads them. The conditional
 * UPDATE makes a code single-use under any concurrency: a concurrent submitter waits for the row
 * lock, re-checks `spent = false` against the committed row, matches nothing and stores nothing.
 * `wave_id` narrows the UPDATE to the code's own wave (one partition once codes are partitioned by
 * wave); it comes from `lookUpCode` and never changes for a code.
 */
export async function storeResponse(
  db: Kysely<Database>,
  context: CodeContext,
  value: ValidAnswers,
): Promise<StoreResult> {
  const { rows } = await sql<{ n: number }>`
    with spent as (
      update access_code set spent = true
      where hash = ${context.hash}
        and wave_id = ${context.waveId}
        and spent = false
        and exists (select 1 from wave where wave.id = access_code.wave_id and wave.status = 'open')
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
  if (!rows[0]?.n) return { ok: false, problem: await lookUpState(db, context.hash) };
  return { ok: true };
}

async function lookUpState(db: Kysely<Database>, hash: string): Promise<CodeProblem> {
  const row = await db.selectFrom('access_code').select('spent').where('hash', '=', hash).executeTakeFirst();
  if (!row) return 'unknown';
  return row.spent ? 'spent' : 'not-open';
}
