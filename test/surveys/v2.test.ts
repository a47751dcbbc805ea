/**
 * Questionnaire `schoolklimaat` version 2 (issue 20): v1's themes and items with the same ids (so
 * trends hold), outcome items that belong to no theme, a priority question with one option per
 * theme, and each theme's domains of the psychosocial risk analysis. v1 stays as published.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  answerPositions,
  itemsInOrder,
  loadQuestionnaireFile,
  parseQuestionnaire,
  SHIPPED_QUESTIONNAIRE,
  SHIPPED_QUESTIONNAIRE_V2,
} from '../../surveys/load.ts';
import { diffQuestionnaires } from '../../surveys/diff.ts';
import { RISK_DOMAINS } from '../../surveys/schema.ts';
import { draftFromFields, draftOf, questionnaireOf } from '../../server/admin/questionnaire-draft.ts';

const v1 = await loadQuestionnaireFile(SHIPPED_QUESTIONNAIRE);
const v2 = await loadQuestionnaireFile(SHIPPED_QUESTIONNAIRE_V2);
const v2Text = await readFile(SHIPPED_QUESTIONNAIRE_V2, 'utf8');
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the tests break it anywhere: no questionnaire type describes that
const data = (): any => JSON.parse(v2Text);
const errorsOf = (q: unknown) => {
  const r = parseQuestionnaire(q);
  if (r.ok) throw new Error('expected the questionnaire to be rejected');
  return r.errors;
};

describe('shipped questionnaire schoolklimaat v2', () => {
  it('is version 2 of the same key', () => {
    expect([v2.id, v2.version, v2.$schema]).toEqual([v1.id, 2, './questionnaire.schema.json']);
  });

  it('keeps v1 byte for byte (a published version never changes)', async () => {
    const hash = createHash('sha256')
      .update(await readFile(SHIPPED_QUESTIONNAIRE))
      .digest('hex');
    expect(hash).toBe('4a38e77e07ad10d53e71384508e3d6f17787c4a52915a3b6496b22f521878f39');
    expect(answerPositions(v1)).toEqual({ items: itemsInOrder(v1).length, outcomes: 0, priority: 0, width: itemsInOrder(v1).length });
  });

  it('has v1’s themes and items with the same ids, in the same order, worded the same', () => {
    expect(v2.themes.map((t) => t.id)).toEqual(v1.themes.map((t) => t.id));
    expect(itemsInOrder(v2)).toEqual(itemsInOrder(v1));
    const d = diffQuestionnaires(v1, v2);
    expect(d.counts).toEqual({ added: v2.outcomes!.length, removed: 0, reworded: 0, unchanged: itemsInOrder(v1).length });
    expect(d.outcomes.change).toBe('added');
    expect(d.outcomes.items.map((i) => i.id)).toEqual(v2.outcomes!.map((o) => o.id));
    expect(d.priority).toBe('added');
  });

  it('asks about staying in education, staying at the school, job satisfaction and wellbeing, on a scale it defines', () => {
    const ids = v2.outcomes!.map((o) => o.id);
    expect(ids).toEqual(expect.arrayContaining(['blijf_onderwijs', 'blijf_school', 'tevredenheid']));
    expect(ids.filter((id) => id.startsWith('wb_')).length).toBeGreaterThanOrEqual(3);
    for (const o of v2.outcomes!) expect(v2.scales.map((s) => s.id)).toContain(o.scale);
    expect(v2.priority!.max).toBe(3);
    // One position per theme item, outcome item and theme (priority), in that order.
    expect(answerPositions(v2)).toEqual({ items: 41, outcomes: ids.length, priority: 8, width: 41 + ids.length + 8 });
  });

  it('maps every theme to domains of the psychosocial risk analysis', () => {
    for (const t of v2.themes) {
      expect(t.riskDomains!.length, t.id).toBeGreaterThan(0);
      for (const d of t.riskDomains!) expect(RISK_DOMAINS).toContain(d);
    }
    expect(new Set(v2.themes.flatMap((t) => t.riskDomains!))).toEqual(new Set(RISK_DOMAINS));
  });

  it('is short and concrete: no text longer than 200 characters outside the introduction, nl and en both', () => {
    const texts = [...v2.outcomes!.map((o) => o.label), v2.priority!.label];
    for (const t of texts) for (const lang of ['nl', 'en'] as const) expect(t[lang].length, t[lang]).toBeLessThanOrEqual(200);
  });
});

describe('the format’s checks for outcome items and the priority question', () => {
  it('refuses an outcome id used by an item, and an outcome on a scale that does not exist', () => {
    const q = data();
    q.outcomes[0].id = 'com_1';
    q.outcomes[1].scale = 'nope';
    expect(errorsOf(q)).toEqual([
      expect.objectContaining({ path: 'outcomes[0].id', code: 'duplicateId' }),
      expect.objectContaining({ path: 'outcomes[1].scale', code: 'unknownScale' }),
    ]);
  });

  it('refuses a priority question that allows more themes than there are, or none', () => {
    const q = data();
    q.priority.max = 9;
    expect(errorsOf(q)).toEqual([expect.objectContaining({ path: 'priority.max', code: 'maximum', params: { limit: 8 } })]);
    q.priority.max = 0;
    expect(errorsOf(q)).toEqual([expect.objectContaining({ path: 'priority.max', code: 'minimum' })]);
  });

  it('refuses an unknown risk-analysis domain, and one named twice', () => {
    const q = data();
    q.themes[0].riskDomains = ['arbeidsvreugde'];
    expect(errorsOf(q).map((e) => e.path)).toContain('themes[0].riskDomains[0]');
    q.themes[0].riskDomains = ['arbeidsinhoud', 'arbeidsinhoud'];
    expect(errorsOf(q).map((e) => e.path)).toContain('themes[0].riskDomains');
  });
});

describe('the questionnaire editor carries v2 whole', () => {
  it('a draft of v2, as its form sends it back, is v2 again', () => {
    const draft = draftOf(v2, 2);
    const fields: Record<string, string> = {
      id: draft.id,
      version: draft.version,
      scales: draft.scales,
      outcomes: draft.outcomes,
      priority: draft.priority,
      'title.nl': draft.title.nl,
      'title.en': draft.title.en,
      'intro.nl': draft.intro.nl,
      'intro.en': draft.intro.en,
      'comment.enabled': 'true',
      'comment.maxLength': draft.comment.maxLength,
      'comment.label.nl': draft.comment.label.nl,
      'comment.label.en': draft.comment.label.en,
    };
    draft.themes.forEach((t, i) => {
      Object.assign(fields, { [`themes[${i}].id`]: t.id, [`themes[${i}].riskDomains`]: t.riskDomains });
      Object.assign(fields, { [`themes[${i}].label.nl`]: t.label.nl, [`themes[${i}].label.en`]: t.label.en });
      t.items.forEach((it, j) => {
        const b = `themes[${i}].items[${j}]`;
        Object.assign(fields, {
          [`${b}.id`]: it.id,
          [`${b}.scale`]: it.scale,
          [`${b}.label.nl`]: it.label.nl,
          [`${b}.label.en`]: it.label.en,
        });
        if (it.reverse) fields[`${b}.reverse`] = 'true';
      });
    });
    draft.background.forEach((b, i) => {
      Object.assign(fields, {
        [`background[${i}].id`]: b.id,
        [`background[${i}].label.nl`]: b.label.nl,
        [`background[${i}].label.en`]: b.label.en,
      });
      b.options.forEach((o, j) => {
        const p = `background[${i}].options[${j}]`;
        Object.assign(fields, { [`${p}.id`]: o.id, [`${p}.label.nl`]: o.label.nl, [`${p}.label.en`]: o.label.en });
      });
    });
    const back = parseQuestionnaire(questionnaireOf(draftFromFields(fields)));
    expect(back.ok).toBe(true);
    const { $schema: _link, ...expected } = v2;
    expect(back.ok && back.questionnaire).toEqual(expected);
  });
});
