import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Value, type ValueError } from '@sinclair/typebox/value';
import { ValueErrorType } from '@sinclair/typebox/errors';
import { QuestionnaireSchema, type Item, type Questionnaire } from './schema.ts';

export interface QuestionnaireError {
  /** JSON path in dot/bracket form, e.g. `themes[2].items[0].label.en` (empty for the root). */
  path: string;
  /** in English, for the command line and logs */
  message: string;
  /** what is wrong, for a message in the reader's language (`questionnaireErrors.<code>`) */
  code: QuestionnaireErrorCode;
  params?: Record<string, string | number>;
}

export type QuestionnaireErrorCode =
  | 'json'
  | 'required'
  | 'unknownProperty'
  | 'typeString'
  | 'typeNumber'
  | 'typeInteger'
  | 'typeBoolean'
  | 'typeArray'
  | 'typeObject'
  | 'empty'
  | 'minLength'
  | 'maxLength'
  | 'idPattern'
  | 'minItems'
  | 'maxItems'
  | 'minimum'
  | 'maximum'
  | 'invalid'
  | 'duplicateId'
  | 'duplicateScale'
  | 'unknownScale'
  | 'duplicateOption';

export type LoadResult = { ok: true; questionnaire: Questionnaire } | { ok: false; errors: QuestionnaireError[] };

/** `/themes/2/items/0/label/en` → `themes[2].items[0].label.en` */
export function pointerToPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), '');
}

const TYPE_CODES: Partial<Record<ValueErrorType, QuestionnaireErrorCode>> = {
  [ValueErrorType.String]: 'typeString',
  [ValueErrorType.Number]: 'typeNumber',
  [ValueErrorType.Integer]: 'typeInteger',
  [ValueErrorType.Boolean]: 'typeBoolean',
  [ValueErrorType.Array]: 'typeArray',
  [ValueErrorType.Object]: 'typeObject',
};
/** Limits, with the schema keyword that holds the limit. */
const LIMIT_CODES: Partial<Record<ValueErrorType, [QuestionnaireErrorCode, string]>> = {
  [ValueErrorType.StringMinLength]: ['minLength', 'minLength'],
  [ValueErrorType.StringMaxLength]: ['maxLength', 'maxLength'],
  [ValueErrorType.ArrayMinItems]: ['minItems', 'minItems'],
  [ValueErrorType.ArrayMaxItems]: ['maxItems', 'maxItems'],
  [ValueErrorType.IntegerMinimum]: ['minimum', 'minimum'],
  [ValueErrorType.NumberMinimum]: ['minimum', 'minimum'],
  [ValueErrorType.IntegerMaximum]: ['maximum', 'maximum'],
  [ValueErrorType.NumberMaximum]: ['maximum', 'maximum'],
};

function describe(e: ValueError): QuestionnaireError {
  const path = pointerToPath(e.path);
  if (e.type === ValueErrorType.ObjectRequiredProperty) return { path, message: 'required', code: 'required' };
  if (e.type === ValueErrorType.ObjectAdditionalProperties) return { path, message: 'unknown property', code: 'unknownProperty' };
  const message = e.message.toLowerCase();
  const type = TYPE_CODES[e.type];
  if (type) return { path, message, code: type };
  const limit = LIMIT_CODES[e.type];
  if (limit) {
    const bound = Number((e.schema as Record<string, unknown>)[limit[1]]);
    return limit[0] === 'minLength' && bound === 1
      ? { path, message, code: 'empty' }
      : { path, message, code: limit[0], params: { limit: bound } };
  }
  // The only pattern in the format is that of ids.
  if (e.type === ValueErrorType.StringPattern) return { path, message, code: 'idPattern' };
  return { path, message, code: 'invalid', params: { message } };
}

/** A list of objects as far as the data has one (the schema reports the rest). */
const listOf = (value: unknown): Array<Record<string, unknown>> =>
  Array.isArray(value) ? value.map((v) => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {})) : [];
const idOf = (value: Record<string, unknown>): string | null => (typeof value['id'] === 'string' ? value['id'] : null);

/**
 * Checks that a schema cannot express: unique ids, and scale references that resolve. They run on
 * whatever the data holds even when the schema found problems too, so every problem is listed at once.
 */
function crossChecks(data: unknown): QuestionnaireError[] {
  const q = data && typeof data === 'object' ? (data as Record<string, unknown>) : {};
  const errors: QuestionnaireError[] = [];
  const scaleIds = new Set<string>();
  listOf(q['scales']).forEach((s, i) => {
    const id = idOf(s);
    if (id === null) return;
    if (scaleIds.has(id))
      errors.push({ path: `scales[${i}].id`, message: `duplicate scale id "${id}"`, code: 'duplicateScale', params: { id } });
    scaleIds.add(id);
  });
  const seen = new Set<string>();
  const claim = (id: string | null, path: string) => {
    if (id === null) return;
    if (seen.has(id)) errors.push({ path, message: `duplicate id "${id}"`, code: 'duplicateId', params: { id } });
    seen.add(id);
  };
  const item = (it: Record<string, unknown>, path: string) => {
    claim(idOf(it), `${path}.id`);
    const scale = it['scale'];
    if (typeof scale === 'string' && scale && !scaleIds.has(scale)) {
      errors.push({ path: `${path}.scale`, message: `unknown scale "${scale}"`, code: 'unknownScale', params: { id: scale } });
    }
  };
  const themes = listOf(q['themes']);
  themes.forEach((t, ti) => {
    claim(idOf(t), `themes[${ti}].id`);
    listOf(t['items']).forEach((it, ii) => item(it, `themes[${ti}].items[${ii}]`));
  });
  // Outcome items share the items' ids: an answer is posted and stored by item id.
  listOf(q['outcomes']).forEach((it, oi) => item(it, `outcomes[${oi}]`));
  const priority = q['priority'] && typeof q['priority'] === 'object' ? (q['priority'] as Record<string, unknown>) : null;
  if (priority && typeof priority['max'] === 'number' && themes.length > 0 && priority['max'] > themes.length) {
    // Asking for more themes than there are would make the limit no limit.
    errors.push({
      path: 'priority.max',
      message: `must be <= ${themes.length} (the number of themes)`,
      code: 'maximum',
      params: { limit: themes.length },
    });
  }
  listOf(q['background']).forEach((b, bi) => {
    claim(idOf(b), `background[${bi}].id`);
    const options = new Set<string>();
    listOf(b['options']).forEach((o, oi) => {
      const id = idOf(o);
      if (id === null) return;
      if (options.has(id))
        errors.push({
          path: `background[${bi}].options[${oi}].id`,
          message: `duplicate option id "${id}"`,
          code: 'duplicateOption',
          params: { id },
        });
      options.add(id);
    });
  });
  if (q['comment']) claim('comment', 'comment');
  if (priority) claim('priority', 'priority');
  return errors;
}

/** Every problem is listed (an upload is fixed in one go), up to a bound no real file reaches. */
const MAX_ERRORS = 1000;

/** Validates parsed JSON as a questionnaire; every error names its JSON path. */
export function parseQuestionnaire(data: unknown): LoadResult {
  const errors: QuestionnaireError[] = [];
  if (!Value.Check(QuestionnaireSchema, data)) {
    for (const e of Value.Errors(QuestionnaireSchema, data)) if (errors.push(describe(e)) >= MAX_ERRORS) break;
    // TypeBox also reports a missing property as a type error ("expected string") at the same path.
    const missing = new Set(errors.filter((e) => e.message === 'required').map((e) => e.path));
    errors.splice(0, errors.length, ...errors.filter((e) => e.message === 'required' || !missing.has(e.path)));
  }
  errors.push(...crossChecks(data));
  return errors.length ? { ok: false, errors } : { ok: true, questionnaire: data as Questionnaire };
}

/** Parses questionnaire JSON text; a syntax error is reported at the root with its position. */
export function parseQuestionnaireText(text: string): LoadResult {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    return { ok: false, errors: [{ path: '', message: `not valid JSON: ${message}`, code: 'json', params: { message } }] };
  }
  return parseQuestionnaire(data);
}

export async function loadQuestionnaireFile(file: string): Promise<Questionnaire> {
  const result = parseQuestionnaireText(await readFile(file, 'utf8'));
  if (!result.ok) {
    const lines = result.errors.map((e) => `  ${e.path || '(root)'}: ${e.message}`).join('\n');
    throw new Error(`${file} is not a valid questionnaire:\n${lines}`);
  }
  return result.questionnaire;
}

/**
 * Items in questionnaire order. A response stores its answers as an array in this order, so the
 * order of a published (immutable) version is part of the storage format.
 */
export function itemsInOrder(q: Questionnaire): Array<Item & { themeId: string }> {
  return q.themes.flatMap((t) => t.items.map((it) => ({ ...it, themeId: t.id })));
}

/**
 * Where each part of a response sits in its `answers` array (design §2, issue 20): the theme items
 * (`itemsInOrder`), then the outcome items, then one position per theme for the priority question
 * (1 = named, 0 = not named, null = question left unanswered). A questionnaire without outcomes or
 * priority question (v1) has only the theme items: its stored answers are as they always were.
 */
export function answerPositions(q: Questionnaire): { items: number; outcomes: number; priority: number; width: number } {
  const items = q.themes.reduce((a, t) => a + t.items.length, 0);
  const outcomes = q.outcomes?.length ?? 0;
  const priority = q.priority ? q.themes.length : 0;
  return { items, outcomes, priority, width: items + outcomes + priority };
}

export const SHIPPED_QUESTIONNAIRE = fileURLToPath(new URL('./schoolklimaat-v1.json', import.meta.url));
/** The version with outcome items and the priority question (issue 20); v1 stays as published. */
export const SHIPPED_QUESTIONNAIRE_V2 = fileURLToPath(new URL('./schoolklimaat-v2.json', import.meta.url));
