import { describe, expect, it } from 'vitest';
import { diffQuestionnaires } from '../../surveys/diff.ts';
import { shipped } from '../helpers/fixtures.ts';
import type { Questionnaire } from '../../surveys/schema.ts';

const copy = (): Questionnaire => structuredClone(shipped);

describe('what a new questionnaire version changes', () => {
  it('nothing, for the same questionnaire', () => {
    const d = diffQuestionnaires(shipped, copy());
    expect(d.counts).toEqual({ added: 0, removed: 0, reworded: 0, unchanged: shipped.themes.flatMap((t) => t.items).length });
    expect(d.themes.every((t) => t.change === 'unchanged')).toBe(true);
    expect([d.titleChanged, d.introChanged, d.comment, d.background.every((b) => b.change === 'unchanged')]).toEqual([
      false,
      false,
      'unchanged',
      true,
    ]);
  });

  it('names each item by what changed: words, scale, direction, theme; and what came and went', () => {
    const next = copy();
    const [a, b, c] = [next.themes[0]!.items[0]!, next.themes[0]!.items[1]!, next.themes[1]!.items[0]!];
    a.label.en = 'Reworded';
    b.reverse = !b.reverse;
    b.scale = 'other';
    // c moves to the first theme; the last item of theme 3 goes; a new one comes.
    next.themes[1]!.items.shift();
    next.themes[0]!.items.push(c);
    const gone = next.themes[2]!.items.pop()!;
    next.themes[2]!.items.push({ id: 'new_1', label: { nl: 'Nieuw', en: 'New' }, scale: 'agree5', reverse: false });
    next.title.nl = 'Anders';
    delete next.comment;
    next.background[0]!.options[0]!.label.nl = 'Anders';
    const d = diffQuestionnaires(shipped, next);
    const item = (id: string) => d.themes.flatMap((t) => t.items).find((i) => i.id === id)!;
    expect(item(a.id)).toMatchObject({ change: 'changed', what: ['en'] });
    expect(item(b.id)).toMatchObject({ change: 'changed', what: ['scale', 'reverse'] });
    expect(item(c.id)).toMatchObject({ change: 'changed', what: ['theme'] });
    expect(d.themes[0]!.items.map((i) => i.id)).toContain(c.id);
    expect(item(gone.id)).toMatchObject({ change: 'removed', after: null });
    expect(d.themes[2]!.items.map((i) => i.id)).toContain(gone.id);
    expect(item('new_1')).toMatchObject({ change: 'added', before: null });
    expect(d.counts).toMatchObject({ added: 1, removed: 1, reworded: 3 });
    expect(d.titleChanged).toBe(true);
    expect(d.comment).toBe('removed');
    expect(d.background[0]!.change).toBe('changed');
  });
});
