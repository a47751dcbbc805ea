import type { TFunction } from 'i18next';
import type { Item, Questionnaire } from '../../surveys/schema.ts';
import type { Lang } from '../platform/i18n.ts';
import type { FieldErrors, SubmissionFields } from './submissions.ts';

/** The view-model of the questionnaire form: everything the template prints, nothing it computes. */
export interface QuestionnaireView {
  title: string;
  intro: string;
  code: string;
  errorSummary: Array<{ field: string; label: string; message: string }>;
  themes: Array<{
    id: string;
    label: string;
    items: Array<{ field: string; label: string; error: string | null; options: Option[] }>;
  }>;
  /** the outcome items (no theme), asked after the themes; empty without them */
  outcomes: Array<{ field: string; label: string; error: string | null; options: Option[] }>;
  /** "which (at most) `max` themes first?": one checkbox per theme; null without the question */
  priority: { field: string; label: string; hint: string; error: string | null; options: Option[] } | null;
  background: Array<{ field: string; label: string; error: string | null; options: Option[] }>;
  comment: { label: string; value: string; maxLength: number; error: string | null } | null;
}

interface Option {
  value: string;
  label: string;
  checked: boolean;
  /** "weet niet / n.v.t." is set apart visually. */
  missing?: boolean;
}

const fieldId = (field: string) => field.replace(/\./g, '-');

export function questionnaireView(
  q: Questionnaire,
  lang: Lang,
  t: TFunction,
  code: string,
  values: SubmissionFields = {},
  errors: FieldErrors = {},
): QuestionnaireView {
  const value = (field: string) => {
    const v = values[field];
    return typeof v === 'string' ? v : '';
  };
  const scales = new Map(q.scales.map((s) => [s.id, s]));
  const labels = new Map<string, string>();
  // The priority question's limit goes into its messages ("choose at most 3").
  const message = (key: string) => t(key, { max: q.priority?.max });
  const scaleItem = (item: Item) => {
    const field = `a.${item.id}`;
    labels.set(field, item.label[lang]);
    const scale = scales.get(item.scale)!;
    const options: Option[] = scale.labels.map((l, i) => ({
      value: String(i + 1),
      label: l[lang],
      checked: value(field) === String(i + 1),
    }));
    if (scale.notApplicable) {
      options.push({ value: '0', label: scale.notApplicable[lang], checked: value(field) === '0', missing: true });
    }
    return { field, label: item.label[lang], error: errors[field] ? message(errors[field]!) : null, options };
  };
  const themes = q.themes.map((theme) => ({ id: theme.id, label: theme.label[lang], items: theme.items.map(scaleItem) }));
  const outcomes = (q.outcomes ?? []).map(scaleItem);
  const named = new Set([values['priority'] ?? []].flat());
  const priority = q.priority
    ? {
        field: 'priority',
        label: q.priority.label[lang],
        hint: t('questionnaire.priorityHint', { max: q.priority.max }),
        error: errors['priority'] ? message(errors['priority']) : null,
        options: q.themes.map((theme) => ({ value: theme.id, label: theme.label[lang], checked: named.has(theme.id) })),
      }
    : null;
  if (priority) labels.set('priority', priority.label);
  const background = q.background.map((b) => {
    const field = `b.${b.id}`;
    labels.set(field, b.label[lang]);
    return {
      field,
      label: b.label[lang],
      error: errors[field] ? message(errors[field]!) : null,
      options: b.options.map((o) => ({ value: o.id, label: o.label[lang], checked: value(field) === o.id })),
    };
  });
  const comment = q.comment
    ? {
        label: q.comment.label[lang],
        value: value('comment'),
        maxLength: q.comment.maxLength,
        error: errors['comment'] ? t(errors['comment']!) : null,
      }
    : null;
  if (comment) labels.set('comment', comment.label);
  const errorSummary = Object.entries(errors).map(([field, key]) => ({
    field: field === 'form' ? 'questionnaire' : fieldId(field),
    label: labels.get(field) ?? field,
    message: message(key),
  }));
  return { title: q.title[lang], intro: q.intro[lang], code, errorSummary, themes, outcomes, priority, background, comment };
}

export { fieldId };
