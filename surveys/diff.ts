import type { Background, LocalText, Questionnaire } from './schema.ts';

/**
 * What a new version of a questionnaire changes against the version before it, item by item, so an
 * admin sees before publishing exactly what teachers will read differently. Items are matched by
 * id (trends join on it): an item with the same id and other words is "reworded", which keeps its
 * trend — the check refuses the changes that would break one (an id removed, moved to another theme
 * or turned around).
 */
export type Change = 'added' | 'removed' | 'changed' | 'unchanged';

export interface ItemDiff {
  id: string;
  change: Change;
  /** what changed of an item kept: its words (nl, en), its scale, its direction, its theme */
  what: Array<'nl' | 'en' | 'scale' | 'reverse' | 'theme'>;
  before: { label: LocalText; scale: string; reverse: boolean; themeId: string } | null;
  after: { label: LocalText; scale: string; reverse: boolean; themeId: string } | null;
}

export interface ThemeDiff {
  id: string;
  change: Change;
  labelBefore: LocalText | null;
  labelAfter: LocalText | null;
  items: ItemDiff[];
}

export interface BackgroundDiff {
  id: string;
  change: Change;
  before: { label: LocalText; options: string[] } | null;
  after: { label: LocalText; options: string[] } | null;
}

export interface QuestionnaireDiff {
  titleChanged: boolean;
  introChanged: boolean;
  themes: ThemeDiff[];
  /** the outcome items (no theme; their `themeId` is '') */
  outcomes: { change: Change; items: ItemDiff[] };
  background: BackgroundDiff[];
  priority: Change;
  comment: Change;
  counts: { added: number; removed: number; reworded: number; unchanged: number };
}

const sameText = (a: LocalText, b: LocalText) => a.nl === b.nl && a.en === b.en;
const options = (b: Background) => b.options.map((o) => `${o.id}: ${o.label.nl} / ${o.label.en}`);

export function diffQuestionnaires(before: Questionnaire, after: Questionnaire): QuestionnaireDiff {
  type Placed = { label: LocalText; scale: string; reverse: boolean; themeId: string };
  const itemsOf = (q: Questionnaire) =>
    new Map<string, Placed>([
      ...q.themes.flatMap((t) =>
        t.items.map((it) => [it.id, { label: it.label, scale: it.scale, reverse: it.reverse, themeId: t.id }] as const),
      ),
      ...(q.outcomes ?? []).map((it) => [it.id, { label: it.label, scale: it.scale, reverse: it.reverse, themeId: '' }] as const),
    ]);
  const was = itemsOf(before);
  const is = itemsOf(after);
  const counts = { added: 0, removed: 0, reworded: 0, unchanged: 0 };

  const itemDiff = (id: string): ItemDiff => {
    const b = was.get(id) ?? null;
    const a = is.get(id) ?? null;
    if (!b) return (counts.added++, { id, change: 'added', what: [], before: null, after: a });
    if (!a) return (counts.removed++, { id, change: 'removed', what: [], before: b, after: null });
    const what: ItemDiff['what'] = [];
    if (b.label.nl !== a.label.nl) what.push('nl');
    if (b.label.en !== a.label.en) what.push('en');
    if (b.scale !== a.scale) what.push('scale');
    if (b.reverse !== a.reverse) what.push('reverse');
    if (b.themeId !== a.themeId) what.push('theme');
    if (what.length) counts.reworded++;
    else counts.unchanged++;
    return { id, change: what.length ? 'changed' : 'unchanged', what, before: b, after: a };
  };

  const themeIds = [
    ...after.themes.map((t) => t.id),
    ...before.themes.map((t) => t.id).filter((id) => !after.themes.some((t) => t.id === id)),
  ];
  const themes = themeIds.map((id): ThemeDiff => {
    const b = before.themes.find((t) => t.id === id) ?? null;
    const a = after.themes.find((t) => t.id === id) ?? null;
    // An item is listed under the theme it is in now; a removed one under the theme it was in.
    const ids = [...(a?.items.map((it) => it.id) ?? []), ...(b?.items.map((it) => it.id).filter((i) => !is.has(i)) ?? [])];
    const items = ids.map(itemDiff);
    const relabelled = !!a && !!b && !sameText(a.label, b.label);
    const change: Change = !b
      ? 'added'
      : !a
        ? 'removed'
        : relabelled || items.some((i) => i.change !== 'unchanged')
          ? 'changed'
          : 'unchanged';
    return { id, change, labelBefore: b?.label ?? null, labelAfter: a?.label ?? null, items };
  });

  const outcomeIds = [
    ...(after.outcomes ?? []).map((it) => it.id),
    ...(before.outcomes ?? []).map((it) => it.id).filter((id) => !is.has(id)),
  ];
  const outcomeItems = outcomeIds.map(itemDiff);
  const outcomes = {
    change: (!before.outcomes?.length && outcomeItems.length
      ? 'added'
      : !after.outcomes?.length && outcomeItems.length
        ? 'removed'
        : outcomeItems.some((i) => i.change !== 'unchanged')
          ? 'changed'
          : 'unchanged') as Change,
    items: outcomeItems,
  };
  const priority: Change =
    !before.priority && !after.priority
      ? 'unchanged'
      : !before.priority
        ? 'added'
        : !after.priority
          ? 'removed'
          : sameText(before.priority.label, after.priority.label) && before.priority.max === after.priority.max
            ? 'unchanged'
            : 'changed';

  const backgroundIds = [
    ...after.background.map((b) => b.id),
    ...before.background.map((b) => b.id).filter((id) => !after.background.some((b) => b.id === id)),
  ];
  const background = backgroundIds.map((id): BackgroundDiff => {
    const b = before.background.find((x) => x.id === id);
    const a = after.background.find((x) => x.id === id);
    const shape = (x: Background | undefined) => (x ? { label: x.label, options: options(x) } : null);
    const change: Change = !b
      ? 'added'
      : !a
        ? 'removed'
        : sameText(a.label, b.label) && options(a).join('\n') === options(b).join('\n')
          ? 'unchanged'
          : 'changed';
    return { id, change, before: shape(b), after: shape(a) };
  });

  const comment: Change =
    !before.comment && !after.comment
      ? 'unchanged'
      : !before.comment
        ? 'added'
        : !after.comment
          ? 'removed'
          : sameText(before.comment.label, after.comment.label) && before.comment.maxLength === after.comment.maxLength
            ? 'unchanged'
            : 'changed';

  return {
    titleChanged: !sameText(before.title, after.title),
    introChanged: !sameText(before.intro, after.intro),
    themes,
    outcomes,
    background,
    priority,
    comment,
    counts,
  };
}
