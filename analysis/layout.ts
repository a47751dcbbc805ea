import type { Questionnaire } from '../surveys/schema.ts';
import { itemsInOrder } from '../surveys/load.ts';

/**
 * The shape of a questionnaire that the statistics need: for every item (in `itemsInOrder` order,
 * which is the order of `answers` in a response) whether it is reversed, and for every theme the
 * indices of its items.
 */
export interface Layout {
  items: ReadonlyArray<{ id: string; themeId: string; reverse: boolean }>;
  themes: ReadonlyArray<{ id: string; itemIndices: readonly number[] }>;
}

export function layoutOf(q: Questionnaire): Layout {
  const items = itemsInOrder(q).map((it) => ({ id: it.id, themeId: it.themeId, reverse: it.reverse }));
  const themes = q.themes.map((t) => ({
    id: t.id,
    itemIndices: items.flatMap((it, i) => (it.themeId === t.id ? [i] : [])),
  }));
  return { items, themes };
}
