import type { TFunction } from 'i18next';
import type { Questionnaire } from '../../surveys/schema.ts';
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
  const themes = q.themes.map((theme) => ({
    id: theme.id,
    label: theme.label[lang],
    items: theme.items.map((item) => {
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
      return { field, label: item.label[lang], error: errors[field] ? t(errors[field]!) : null, options };
    }),
  }));
  const background = q.background.map((b) => {
    const field = `b.${b.id}`;
    labels.set(field, b.label[lang]);
    return {
      field,
      label: b.label[lang],
      error: errors[field] ? t(errors[field]!) : null,
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
    message: t(key),
  }));
  return { title: q.title[lang], intro: q.intro[lang], code, errorSummary, themes, background, comment };
}

export { fieldId };
