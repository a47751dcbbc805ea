import type { Questionnaire } from '../surveys/schema.ts';
import { answerPositions, itemsInOrder } from '../surveys/load.ts';

/**
 * The shape of a questionnaire that the statistics need, and where each answer sits in a response's
 * `answers` array (`answerPositions`): the theme items first (`itemsInOrder`; `items[i]` is position
 * i), then the outcome items, then the priority question's one position per theme. A questionnaire
 * without outcomes or priority question has `width` = its item count, as every v1 response has.
 */
export interface Layout {
  /** theme items, each at its own index */
  items: ReadonlyArray<{ id: string; themeId: string; reverse: boolean }>;
  themes: ReadonlyArray<{ id: string; itemIndices: readonly number[] }>;
  /** items of no theme (intention to stay, satisfaction, wellbeing), at `position` */
  outcomes: ReadonlyArray<{ id: string; reverse: boolean; position: number }>;
  /**
   * "which (at most) `max` themes first?": theme `layout.themes[t]` is named at `start + t`
   * (1 = named, 0 = not named, null = the question left unanswered); null without the question.
   */
  priority: { max: number; start: number } | null;
  /** positions in a response's answers */
  width: number;
}

export function layoutOf(q: Questionnaire): Layout {
  const items = itemsInOrder(q).map((it) => ({ id: it.id, themeId: it.themeId, reverse: it.reverse }));
  const themes = q.themes.map((t) => ({
    id: t.id,
    itemIndices: items.flatMap((it, i) => (it.themeId === t.id ? [i] : [])),
  }));
  const positions = answerPositions(q);
  const outcomes = (q.outcomes ?? []).map((o, i) => ({ id: o.id, reverse: o.reverse, position: positions.items + i }));
  const priority = q.priority ? { max: q.priority.max, start: positions.items + positions.outcomes } : null;
  return { items, themes, outcomes, priority, width: positions.width };
}
