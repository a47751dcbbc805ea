import type { Kysely } from 'kysely';
import type { Database } from './db/schema.ts';
import type { Questionnaire } from '../surveys/schema.ts';
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

export function validateAnswers(
  q: Questionnaire,
  fields: SubmissionFields,
): { ok: true; value: ValidAnswers } | { ok: false; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const items = itemsInOrder(q);
  const itemIndex = new Map(items.map((it, i) => [it.id, i]));
  const backgroundById = new Map(q.background.map((b) => [b.id, b]));
  const answers: (number | null)[] = items.map(() => null);
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
      else if (!/^[0-5]$/.test(raw) || (raw === '0' && !hasNotApplicable(q, items[index]!.scale))) {
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

function hasNotApplicable(q: Questionnaire, scaleId: string): boolean {
  return q.scales.some((s) => s.id === scaleId && s.notApplicable !== undefined);
}

export type StoreResult = { ok: true } | { ok: false; problem: CodeProblem };

/**
 * Spends the code and stores the response in one transaction. The conditional UPDATE makes a code
 * single-use under any concurrency: of many simultaneous submissions exactly one matches.
 */
export async function storeResponse(
  db: Kysely<Database>,
  context: CodeContext,
  value: ValidAnswers,
): Promise<StoreResult> {
  return db.transaction().execute(async (trx) => {
    const spent = await trx
      .updateTable('access_code')
      .set({ spent: true })
      .where('hash', '=', context.hash)
      .where('spent', '=', false)
      .where((eb) =>
        eb.exists(eb.selectFrom('wave').select('wave.id').where('wave.id', '=', eb.ref('access_code.wave_id')).where('wave.status', '=', 'open')),
      )
      .returning(['wave_id', 'school_id'])
      .executeTakeFirst();
    if (!spent) {
      const now = await lookUpState(trx, context.hash);
      return { ok: false, problem: now };
    }
    await trx
      .insertInto('response')
      .values({
        wave_id: spent.wave_id,
        school_id: spent.school_id,
        answers: value.answers,
        background: JSON.stringify(value.background),
      })
      .execute();
    if (value.comment) {
      await trx.insertInto('comment').values({ wave_id: spent.wave_id, school_id: spent.school_id, text: value.comment }).execute();
    }
    return { ok: true } as const;
  });
}

async function lookUpState(db: Kysely<Database>, hash: string): Promise<CodeProblem> {
  const row = await db.selectFrom('access_code').select('spent').where('hash', '=', hash).executeTakeFirst();
  if (!row) return 'unknown';
  return row.spent ? 'spent' : 'not-open';
}
