import type { TFunction } from 'i18next';
import type { Lang } from '../platform/i18n.ts';
import type { Draft } from './questionnaire-draft.ts';
import type { QuestionnaireDiff } from '../../surveys/diff.ts';

/**
 * The editing form's view-model (issue 18). Field names are JSON paths (`questionnaire-draft.ts`);
 * every field has a short label for its place in the form (inside its theme's or item's fieldset)
 * and a long one, standing alone, for the error summary.
 */
export interface EditorField {
  name: string;
  id: string;
  value: string;
  label: string;
  error: string | undefined;
}

const LANGS = ['nl', 'en'] as const;

/** Every field's and every group's long name, by JSON path: where the error summary says a problem is. */
export function editorLabels(draft: Draft, t: TFunction): Record<string, string> {
  const f = (key: string) => t(`questionnaireEditor.field.${key}`);
  const labels: Record<string, string> = {
    '': t('questionnaireEditor.where.root'),
    id: f('id'),
    version: f('version'),
    scales: f('scales'),
    outcomes: f('outcomes'),
    priority: f('priority'),
    themes: f('themes'),
    background: f('background'),
  };
  for (const lang of LANGS) {
    labels[`title.${lang}`] = f(`title_${lang}`);
    labels[`intro.${lang}`] = f(`intro_${lang}`);
    labels[`comment.label.${lang}`] = t('questionnaireEditor.where.comment', { field: f(`question_${lang}`) });
  }
  labels['comment'] = f('comment');
  labels['comment.maxLength'] = t('questionnaireEditor.where.comment', { field: f('maxLength') });
  draft.themes.forEach((theme, i) => {
    const at = (field: string) => t('questionnaireEditor.where.theme', { n: i + 1, field });
    labels[`themes[${i}]`] = t('questionnaireEditor.theme', { n: i + 1 });
    labels[`themes[${i}].id`] = at(f('id'));
    labels[`themes[${i}].items`] = at(f('items'));
    labels[`themes[${i}].riskDomains`] = at(f('riskDomains'));
    for (const lang of LANGS) labels[`themes[${i}].label.${lang}`] = at(f(`name_${lang}`));
    theme.items.forEach((_, j) => {
      const on = (field: string) => t('questionnaireEditor.where.item', { n: i + 1, m: j + 1, field });
      const base = `themes[${i}].items[${j}]`;
      labels[base] = on('');
      labels[`${base}.id`] = on(f('id'));
      labels[`${base}.scale`] = on(f('scale'));
      labels[`${base}.reverse`] = on(f('reverse'));
      for (const lang of LANGS) labels[`${base}.label.${lang}`] = on(f(`text_${lang}`));
    });
  });
  draft.background.forEach((b, i) => {
    const at = (field: string) => t('questionnaireEditor.where.background', { n: i + 1, field });
    labels[`background[${i}]`] = t('questionnaireEditor.backgroundItem', { n: i + 1 });
    labels[`background[${i}].id`] = at(f('id'));
    labels[`background[${i}].options`] = at(f('options'));
    for (const lang of LANGS) labels[`background[${i}].label.${lang}`] = at(f(`question_${lang}`));
    b.options.forEach((_, j) => {
      const on = (field: string) => t('questionnaireEditor.where.option', { n: i + 1, m: j + 1, field });
      labels[`background[${i}].options[${j}]`] = on('');
      labels[`background[${i}].options[${j}].id`] = on(f('id'));
      for (const lang of LANGS) labels[`background[${i}].options[${j}].label.${lang}`] = on(f(`text_${lang}`));
    });
  });
  return labels;
}

export function editorView(draft: Draft, t: TFunction, errors: Record<string, string>, idOf: (name: string) => string) {
  const f = (key: string) => t(`questionnaireEditor.field.${key}`);
  const field = (name: string, value: string, label: string): EditorField => ({ name, id: idOf(name), value, label, error: errors[name] });
  const texts = (base: string, text: { nl: string; en: string }, key: string) =>
    LANGS.map((lang) => field(`${base}.${lang}`, text[lang], f(`${key}_${lang}`)));
  let scaleIds: string[] = [];
  try {
    scaleIds = (JSON.parse(draft.scales) as Array<{ id: string }>).map((s) => s.id);
  } catch {
    // The scales field shows the text and its error.
  }
  return {
    key: field('id', draft.id, f('id')),
    version: field('version', draft.version, f('version')),
    title: texts('title', draft.title, 'title'),
    intro: texts('intro', draft.intro, 'intro'),
    scales: field('scales', draft.scales, f('scales')),
    outcomes: field('outcomes', draft.outcomes, f('outcomes')),
    priority: field('priority', draft.priority, f('priority')),
    themes: draft.themes.map((theme, i) => ({
      index: i,
      legend: t('questionnaireEditor.theme', { n: i + 1 }),
      groupId: idOf(`themes[${i}]`),
      itemsId: idOf(`themes[${i}].items`),
      id: field(`themes[${i}].id`, theme.id, f('id')),
      label: texts(`themes[${i}].label`, theme.label, 'name'),
      riskDomains: field(`themes[${i}].riskDomains`, theme.riskDomains, f('riskDomains')),
      items: theme.items.map((item, j) => {
        const base = `themes[${i}].items[${j}]`;
        return {
          index: j,
          legend: t('questionnaireEditor.item', { n: j + 1 }),
          groupId: idOf(base),
          id: field(`${base}.id`, item.id, f('id')),
          label: texts(`${base}.label`, item.label, 'text'),
          scale: {
            ...field(`${base}.scale`, item.scale, f('scale')),
            options: scaleIds.includes(item.scale) || !item.scale ? scaleIds : [...scaleIds, item.scale],
          },
          reverse: { ...field(`${base}.reverse`, item.reverse ? 'true' : '', f('reverse')), checked: item.reverse },
        };
      }),
    })),
    background: draft.background.map((b, i) => ({
      index: i,
      legend: t('questionnaireEditor.backgroundItem', { n: i + 1 }),
      groupId: idOf(`background[${i}]`),
      optionsId: idOf(`background[${i}].options`),
      id: field(`background[${i}].id`, b.id, f('id')),
      label: texts(`background[${i}].label`, b.label, 'question'),
      options: b.options.map((o, j) => ({
        index: j,
        legend: t('questionnaireEditor.option', { n: j + 1 }),
        groupId: idOf(`background[${i}].options[${j}]`),
        id: field(`background[${i}].options[${j}].id`, o.id, f('id')),
        label: texts(`background[${i}].options[${j}].label`, o.label, 'text'),
      })),
    })),
    comment: {
      groupId: idOf('comment'),
      enabled: { ...field('comment.enabled', draft.comment.enabled ? 'true' : '', f('commentEnabled')), checked: draft.comment.enabled },
      label: texts('comment.label', draft.comment.label, 'question'),
      maxLength: field('comment.maxLength', draft.comment.maxLength, f('maxLength')),
    },
  };
}

/** The check page's comparison with the version before, in the admin's language. */
export function diffView(diff: QuestionnaireDiff, lang: Lang) {
  const other: Lang = lang === 'nl' ? 'en' : 'nl';
  const changedItems = (items: QuestionnaireDiff['outcomes']['items']) =>
    items
      .filter((i) => i.change !== 'unchanged')
      .map((i) => ({
        id: i.id,
        change: i.change,
        what: i.what,
        before: i.before
          ? { text: i.before.label[lang], other: i.before.label[other], scale: i.before.scale, reverse: i.before.reverse }
          : null,
        after: i.after ? { text: i.after.label[lang], other: i.after.label[other], scale: i.after.scale, reverse: i.after.reverse } : null,
      }));
  return {
    counts: diff.counts,
    titleChanged: diff.titleChanged,
    introChanged: diff.introChanged,
    comment: diff.comment,
    themes: diff.themes.map((theme) => ({
      id: theme.id,
      change: theme.change,
      label: (theme.labelAfter ?? theme.labelBefore)![lang],
      labelBefore:
        theme.change === 'changed' && theme.labelBefore && theme.labelAfter && theme.labelBefore[lang] !== theme.labelAfter[lang]
          ? theme.labelBefore[lang]
          : null,
      changed: changedItems(theme.items),
      unchanged: theme.items.filter((i) => i.change === 'unchanged').length,
    })),
    outcomes: {
      change: diff.outcomes.change,
      changed: changedItems(diff.outcomes.items),
      unchanged: diff.outcomes.items.filter((i) => i.change === 'unchanged').length,
    },
    priority: diff.priority,
    background: diff.background
      .filter((b) => b.change !== 'unchanged')
      .map((b) => ({
        id: b.id,
        change: b.change,
        before: b.before && { label: b.before.label[lang], options: b.before.options },
        after: b.after && { label: b.after.label[lang], options: b.after.options },
      })),
  };
}
