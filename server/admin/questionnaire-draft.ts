import type { LocalText, Questionnaire } from '../../surveys/schema.ts';

/**
 * A questionnaire as its editing form holds it (issue 18: a new version without writing JSON): every
 * text as typed, numbers still text, so whatever the admin entered comes back to them with the
 * problems beside it. Form fields are named by the JSON path they fill (`themes[0].items[2].label.nl`),
 * so a schema error's path is the name of the field it belongs to. The scales are carried unchanged
 * (they are edited as JSON). Names are matched against a closed grammar, never used as object keys.
 */
export interface Draft {
  id: string;
  version: string;
  title: LocalText;
  intro: LocalText;
  /** the scales as JSON text, carried from the version the draft started from */
  scales: string;
  /** the outcome items and the priority question as JSON text ('' = none), carried like the scales */
  outcomes: string;
  priority: string;
  /** `riskDomains`: the theme's domains of the psychosocial risk analysis, separated by spaces ('' = none) */
  themes: Array<{ id: string; label: LocalText; riskDomains: string; items: DraftItem[] }>;
  background: Array<{ id: string; label: LocalText; options: Array<{ id: string; label: LocalText }> }>;
  comment: { enabled: boolean; label: LocalText; maxLength: string };
}
export interface DraftItem {
  id: string;
  label: LocalText;
  scale: string;
  reverse: boolean;
}

const L = '(nl|en)';
/** Every field name the form has; the body schema refuses any other. */
export const DRAFT_FIELD = new RegExp(
  `^(id|version|scales|outcomes|priority|(title|intro)\\.${L}|themes\\[\\d{1,2}\\]\\.(id|riskDomains|label\\.${L}|items\\[\\d{1,2}\\]\\.(id|scale|reverse|label\\.${L}))` +
    `|background\\[\\d\\]\\.(id|label\\.${L}|options\\[\\d{1,2}\\]\\.(id|label\\.${L}))|comment\\.(enabled|maxLength|label\\.${L}))$`,
);

const blank = (): LocalText => ({ nl: '', en: '' });

export function draftOf(q: Questionnaire, version: number): Draft {
  return {
    id: q.id,
    version: String(version),
    title: { ...q.title },
    intro: { ...q.intro },
    scales: JSON.stringify(q.scales),
    outcomes: q.outcomes ? JSON.stringify(q.outcomes) : '',
    priority: q.priority ? JSON.stringify(q.priority) : '',
    themes: q.themes.map((t) => ({
      id: t.id,
      label: { ...t.label },
      riskDomains: (t.riskDomains ?? []).join(' '),
      items: t.items.map((it) => ({ id: it.id, label: { ...it.label }, scale: it.scale, reverse: it.reverse })),
    })),
    background: q.background.map((b) => ({
      id: b.id,
      label: { ...b.label },
      options: b.options.map((o) => ({ id: o.id, label: { ...o.label } })),
    })),
    comment: q.comment
      ? { enabled: true, label: { ...q.comment.label }, maxLength: String(q.comment.maxLength) }
      : { enabled: false, label: blank(), maxLength: '2000' },
  };
}

/** Places values at their indices, then closes the gaps (a removed row leaves one), in index order. */
class Slots<T> {
  private readonly at = new Map<number, T>();
  constructor(private readonly make: () => T) {}
  get(i: number): T {
    let v = this.at.get(i);
    if (!v) this.at.set(i, (v = this.make()));
    return v;
  }
  list(): T[] {
    return [...this.at].sort(([a], [b]) => a - b).map(([, v]) => v);
  }
}

type ThemeSlot = { id: string; label: LocalText; riskDomains: string; items: Slots<DraftItem> };
type BackgroundSlot = { id: string; label: LocalText; options: Slots<{ id: string; label: LocalText }> };

const setText = (target: { id: string; label: LocalText }, part: string, value: string) => {
  if (part === 'id') target.id = value.trim();
  else target.label[part.slice(6) as 'nl' | 'en'] = value;
};

/** The draft a submitted form describes (names already checked against `DRAFT_FIELD`). */
export function draftFromFields(fields: Record<string, string>): Draft {
  const draft: Draft = {
    id: '',
    version: '',
    title: blank(),
    intro: blank(),
    scales: '[]',
    outcomes: '',
    priority: '',
    themes: [],
    background: [],
    comment: { enabled: false, label: blank(), maxLength: '' },
  };
  const themes = new Slots<ThemeSlot>(() => ({
    id: '',
    label: blank(),
    riskDomains: '',
    items: new Slots(() => ({ id: '', label: blank(), scale: '', reverse: false })),
  }));
  const background = new Slots<BackgroundSlot>(() => ({ id: '', label: blank(), options: new Slots(() => ({ id: '', label: blank() })) }));
  for (const [name, value] of Object.entries(fields)) {
    let m: RegExpExecArray | null;
    if (name === 'id') draft.id = value.trim();
    else if (name === 'version') draft.version = value.trim();
    else if (name === 'scales') draft.scales = value;
    else if (name === 'outcomes' || name === 'priority') draft[name] = value.trim();
    else if ((m = /^themes\[(\d+)\]\.riskDomains$/.exec(name))) themes.get(Number(m[1])).riskDomains = value.trim();
    else if ((m = /^(title|intro)\.(nl|en)$/.exec(name))) draft[m[1] as 'title' | 'intro'][m[2] as 'nl' | 'en'] = value;
    else if ((m = /^themes\[(\d+)\]\.items\[(\d+)\]\.(.+)$/.exec(name))) {
      const item = themes.get(Number(m[1])).items.get(Number(m[2]));
      if (m[3] === 'scale') item.scale = value;
      else if (m[3] === 'reverse') item.reverse = value === 'true';
      else setText(item, m[3]!, value);
    } else if ((m = /^themes\[(\d+)\]\.(id|label\.nl|label\.en)$/.exec(name))) setText(themes.get(Number(m[1])), m[2]!, value);
    else if ((m = /^background\[(\d+)\]\.options\[(\d+)\]\.(.+)$/.exec(name)))
      setText(background.get(Number(m[1])).options.get(Number(m[2])), m[3]!, value);
    else if ((m = /^background\[(\d+)\]\.(id|label\.nl|label\.en)$/.exec(name))) setText(background.get(Number(m[1])), m[2]!, value);
    else if (name === 'comment.enabled') draft.comment.enabled = value === 'true';
    else if (name === 'comment.maxLength') draft.comment.maxLength = value.trim();
    else if ((m = /^comment\.label\.(nl|en)$/.exec(name))) draft.comment.label[m[1] as 'nl' | 'en'] = value;
  }
  draft.themes = themes.list().map((t) => ({ id: t.id, label: t.label, riskDomains: t.riskDomains, items: t.items.list() }));
  draft.background = background.list().map((b) => ({ id: b.id, label: b.label, options: b.options.list() }));
  return draft;
}

export type DraftOp =
  | { kind: 'check' | 'download' | 'add-theme' | 'add-background' }
  | { kind: 'add-item' | 'remove-theme' | 'add-option' | 'remove-background'; at: number }
  | { kind: 'remove-item' | 'remove-option'; at: number; sub: number };

export function parseOp(op: string | undefined): DraftOp | null {
  if (op === undefined || op === 'check') return { kind: 'check' };
  let m: RegExpExecArray | null;
  if ((m = /^(download|add-theme|add-background)$/.exec(op))) return { kind: m[1] as 'download' | 'add-theme' | 'add-background' };
  if ((m = /^(add-item|remove-theme|add-option|remove-background):(\d{1,2})$/.exec(op)))
    return { kind: m[1] as 'add-item', at: Number(m[2]) };
  if ((m = /^(remove-item|remove-option):(\d{1,2}):(\d{1,2})$/.exec(op)))
    return { kind: m[1] as 'remove-item', at: Number(m[2]), sub: Number(m[3]) };
  return null;
}

/** Adds or removes a row; a new item takes the first scale, and starts unreversed with no words. */
export function applyOp(draft: Draft, op: DraftOp): Draft {
  const firstScale = (() => {
    try {
      return ((JSON.parse(draft.scales) as Array<{ id?: unknown }>)[0]?.id as string | undefined) ?? '';
    } catch {
      return '';
    }
  })();
  const item = (): DraftItem => ({ id: '', label: blank(), scale: firstScale, reverse: false });
  switch (op.kind) {
    case 'add-theme':
      draft.themes.push({ id: '', label: blank(), riskDomains: '', items: [item()] });
      break;
    case 'add-item':
      draft.themes[op.at]?.items.push(item());
      break;
    case 'remove-theme':
      draft.themes.splice(op.at, 1);
      break;
    case 'remove-item':
      draft.themes[op.at]?.items.splice(op.sub, 1);
      break;
    case 'add-background':
      draft.background.push({
        id: '',
        label: blank(),
        options: [
          { id: '', label: blank() },
          { id: '', label: blank() },
        ],
      });
      break;
    case 'add-option':
      draft.background[op.at]?.options.push({ id: '', label: blank() });
      break;
    case 'remove-background':
      draft.background.splice(op.at, 1);
      break;
    case 'remove-option':
      draft.background[op.at]?.options.splice(op.sub, 1);
      break;
    case 'check':
    case 'download':
      break;
  }
  return draft;
}

/** Whole numbers as numbers; anything else stays text, for the schema to name. */
const numeric = (s: string): number | string => (/^\d{1,9}$/.test(s) ? Number(s) : s);

/** The questionnaire JSON the draft stands for (not yet checked: `parseQuestionnaire` does that). */
export function questionnaireOf(draft: Draft): Record<string, unknown> {
  // Text that is not JSON stays text, for the schema to name at its field.
  const json = (text: string): unknown => {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  };
  return {
    id: draft.id,
    version: numeric(draft.version),
    title: draft.title,
    intro: draft.intro,
    scales: json(draft.scales),
    themes: draft.themes.map(({ riskDomains, ...t }) => (riskDomains ? { ...t, riskDomains: riskDomains.split(/[\s,]+/) } : t)),
    ...(draft.outcomes ? { outcomes: json(draft.outcomes) } : {}),
    ...(draft.priority ? { priority: json(draft.priority) } : {}),
    background: draft.background,
    ...(draft.comment.enabled ? { comment: { label: draft.comment.label, maxLength: numeric(draft.comment.maxLength) } } : {}),
  };
}
