import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Value, type ValueError } from '@sinclair/typebox/value';
import { ValueErrorType } from '@sinclair/typebox/errors';
import { QuestionnaireSchema, type Item, type Questionnaire } from './schema.ts';

export interface QuestionnaireError {
  /** JSON path in dot/bracket form, e.g. `themes[2].items[0].label.en` (empty for the root). */
  path: string;
  message: string;
}

export type LoadResult =
  | { ok: true; questionnaire: Questionnaire }
  | { ok: false; errors: QuestionnaireError[] };

/** `/themes/2/items/0/label/en` → `themes[2].items[0].label.en` */
export function pointerToPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), '');
}

function describe(e: ValueError): QuestionnaireError {
  if (e.type === ValueErrorType.ObjectRequiredProperty) return { path: pointerToPath(e.path), message: 'required' };
  if (e.type === ValueErrorType.ObjectAdditionalProperties) {
    return { path: pointerToPath(e.path), message: 'unknown property' };
  }
  return { path: pointerToPath(e.path), message: e.message.toLowerCase() };
}

/** Checks that a schema cannot express: unique ids, and scale references that resolve. */
function crossChecks(q: Questionnaire): QuestionnaireError[] {
  const errors: QuestionnaireError[] = [];
  const scaleIds = new Set<string>();
  q.scales.forEach((s, i) => {
    if (scaleIds.has(s.id)) errors.push({ path: `scales[${i}].id`, message: `duplicate scale id "${s.id}"` });
    scaleIds.add(s.id);
  });
  const seen = new Set<string>();
  const claim = (id: string, path: string) => {
    if (seen.has(id)) errors.push({ path, message: `duplicate id "${id}"` });
    seen.add(id);
  };
  q.themes.forEach((t, ti) => {
    claim(t.id, `themes[${ti}].id`);
    t.items.forEach((it, ii) => {
      claim(it.id, `themes[${ti}].items[${ii}].id`);
      if (!scaleIds.has(it.scale)) {
        errors.push({ path: `themes[${ti}].items[${ii}].scale`, message: `unknown scale "${it.scale}"` });
      }
    });
  });
  q.background.forEach((b, bi) => {
    claim(b.id, `background[${bi}].id`);
    const options = new Set<string>();
    b.options.forEach((o, oi) => {
      if (options.has(o.id)) errors.push({ path: `background[${bi}].options[${oi}].id`, message: `duplicate option id "${o.id}"` });
      options.add(o.id);
    });
  });
  if (q.comment) claim('comment', 'comment');
  return errors;
}

/** Validates parsed JSON as a questionnaire; every error names its JSON path. */
export function parseQuestionnaire(data: unknown): LoadResult {
  if (!Value.Check(QuestionnaireSchema, data)) {
    const errors = [...Value.Errors(QuestionnaireSchema, data)].slice(0, 50).map(describe);
    // TypeBox also reports a missing property as a type error ("expected string") at the same path.
    const missing = new Set(errors.filter((e) => e.message === 'required').map((e) => e.path));
    return { ok: false, errors: errors.filter((e) => e.message === 'required' || !missing.has(e.path)) };
  }
  const errors = crossChecks(data);
  return errors.length ? { ok: false, errors } : { ok: true, questionnaire: data };
}

/** Parses questionnaire JSON text; a syntax error is reported at the root with its position. */
export function parseQuestionnaireText(text: string): LoadResult {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    return { ok: false, errors: [{ path: '', message: `not valid JSON: ${(err as Error).message}` }] };
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

export const SHIPPED_QUESTIONNAIRE = fileURLToPath(new URL('./schoolklimaat-v1.json', import.meta.url));
