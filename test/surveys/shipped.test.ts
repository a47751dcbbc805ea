import { describe, it, expect } from 'vitest';
import { itemsInOrder, loadQuestionnaireFile, SHIPPED_QUESTIONNAIRE } from '../../surveys/load.ts';
import type { LocalText } from '../../surveys/schema.ts';

const q = await loadQuestionnaireFile(SHIPPED_QUESTIONNAIRE);

/** Every {nl, en} text in the questionnaire, with its JSON path. */
function texts(value: unknown, path = ''): Array<{ path: string; text: LocalText }> {
  if (Array.isArray(value)) return value.flatMap((v, i) => texts(v, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  const obj = value as Record<string, unknown>;
  if (typeof obj.nl === 'string' && typeof obj.en === 'string') return [{ path, text: obj as LocalText }];
  return Object.entries(obj).flatMap(([k, v]) => texts(v, path ? `${path}.${k}` : k));
}

describe('shipped questionnaire schoolklimaat-v1', () => {
  it('has the expected identity', () => {
    expect(q.id).toBe('schoolklimaat');
    expect(q.version).toBe(1);
    expect(q.$schema).toBe('./questionnaire.schema.json');
  });

  it('has exactly the eight themes, in order', () => {
    expect(q.themes.map((t) => t.id)).toEqual([
      'communicatie',
      'samenwerking',
      'aanvangsbegeleiding',
      'werkdruk',
      'participatie',
      'leerlingen_ouders',
      'waardering',
      'welzijn',
    ]);
  });

  it('has 4–6 items per theme, each with its theme prefix', () => {
    const prefix: Record<string, string> = {
      communicatie: 'com',
      samenwerking: 'sam',
      aanvangsbegeleiding: 'onb',
      werkdruk: 'wer',
      participatie: 'par',
      leerlingen_ouders: 'llo',
      waardering: 'waa',
      welzijn: 'wel',
    };
    for (const t of q.themes) {
      expect(t.items.length, t.id).toBeGreaterThanOrEqual(4);
      expect(t.items.length, t.id).toBeLessThanOrEqual(6);
      for (const it of t.items) expect(it.id).toMatch(new RegExp(`^${prefix[t.id]}_\\d+$`));
    }
  });

  it('keeps item ids and their order (the storage format of a published version)', () => {
    // Changing this list means a new questionnaire version, never an edit of v1.
    expect(itemsInOrder(q).map((it) => it.id)).toEqual([
      'com_1',
      'com_2',
      'com_3',
      'com_4',
      'com_5',
      'com_6',
      'sam_1',
      'sam_2',
      'sam_3',
      'sam_4',
      'sam_5',
      'onb_1',
      'onb_2',
      'onb_3',
      'onb_4',
      'onb_5',
      'wer_1',
      'wer_2',
      'wer_3',
      'wer_4',
      'wer_5',
      'par_1',
      'par_2',
      'par_3',
      'par_4',
      'par_5',
      'llo_1',
      'llo_2',
      'llo_3',
      'llo_4',
      'llo_5',
      'waa_1',
      'waa_2',
      'waa_3',
      'waa_4',
      'waa_5',
      'wel_1',
      'wel_2',
      'wel_3',
      'wel_4',
      'wel_5',
    ]);
  });

  it('has at least 6 reverse-worded items, spread over most themes', () => {
    const reverse = itemsInOrder(q).filter((it) => it.reverse);
    expect(reverse.length).toBeGreaterThanOrEqual(6);
    expect(new Set(reverse.map((it) => it.themeId)).size).toBeGreaterThanOrEqual(5);
  });

  it('uses one agree5 scale with a "don\'t know / n.a." option', () => {
    expect(q.scales.map((s) => s.id)).toEqual(['agree5']);
    const [scale] = q.scales;
    expect(scale?.labels.map((l) => l.nl)).toEqual(['helemaal oneens', 'oneens', 'neutraal', 'eens', 'helemaal eens']);
    expect(scale?.labels.map((l) => l.en)).toEqual(['strongly disagree', 'disagree', 'neutral', 'agree', 'strongly agree']);
    expect(scale?.notApplicable).toEqual({ nl: 'weet niet / n.v.t.', en: "don't know / not applicable" });
    for (const it of itemsInOrder(q)) expect(it.scale, it.id).toBe('agree5');
  });

  it('has both languages, non-empty and different, for every text', () => {
    const all = texts(q);
    expect(all.length).toBeGreaterThan(60);
    for (const { path, text } of all) {
      expect(text.nl.trim(), path).not.toBe('');
      expect(text.en.trim(), path).not.toBe('');
      expect(text.nl, path).not.toBe(text.en);
      expect(text.nl, path).toBe(text.nl.trim());
      expect(text.en, path).toBe(text.en.trim());
    }
  });

  it('keeps item texts short', () => {
    for (const it of itemsInOrder(q)) {
      expect(it.label.nl.length, it.id).toBeLessThanOrEqual(110);
      expect(it.label.en.length, it.id).toBeLessThanOrEqual(110);
    }
  });

  it('asks role and seniority band as background', () => {
    expect(q.background.map((b) => [b.id, b.options.map((o) => o.id)])).toEqual([
      ['role', ['leraar', 'ondersteunend', 'directie']],
      ['seniority', ['lt5', 'from5to15', 'gt15']],
    ]);
  });

  it('has an optional comment that warns against identifying anyone', () => {
    expect(q.comment?.maxLength).toBe(2000);
    expect(q.comment?.label.nl).toMatch(/geen namen/i);
    expect(q.comment?.label.en).toMatch(/names/i);
  });
});
