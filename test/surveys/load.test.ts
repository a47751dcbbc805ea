import { readFile, writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it, expect } from 'vitest';
import {
  loadQuestionnaireFile,
  parseQuestionnaire,
  parseQuestionnaireText,
  pointerToPath,
  SHIPPED_QUESTIONNAIRE,
} from '../../surveys/load.ts';

const shippedText = await readFile(SHIPPED_QUESTIONNAIRE, 'utf8');

/** A fresh, valid questionnaire as plain JSON data, for a test to break. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the tests break it anywhere (wrong types, unknown and missing properties): no questionnaire type describes that
const valid = (): any => JSON.parse(shippedText);

function errorsOf(data: unknown) {
  const result = parseQuestionnaire(data);
  if (result.ok) throw new Error('expected the questionnaire to be rejected');
  return result.errors;
}

describe('pointerToPath', () => {
  it.each([
    ['', ''],
    ['/version', 'version'],
    ['/themes/2/items/0/label/en', 'themes[2].items[0].label.en'],
    ['/scales/0/labels/4', 'scales[0].labels[4]'],
    ['/0/id', '[0].id'],
    ['/a~1b/c~0d', 'a/b.c~d'],
    ['/~01', '~1'],
  ])('%j → %j', (pointer, expected) => {
    expect(pointerToPath(pointer)).toBe(expected);
  });
});

describe('parseQuestionnaire', () => {
  it('accepts the shipped questionnaire', () => {
    expect(parseQuestionnaire(valid()).ok).toBe(true);
  });

  it('names the path of a missing property, once', () => {
    const q = valid();
    delete q.themes[2].items[0].label.en;
    expect(errorsOf(q)).toEqual([{ path: 'themes[2].items[0].label.en', message: 'required', code: 'required' }]);
  });

  it('names the path of a missing object', () => {
    const q = valid();
    delete q.themes[1].label;
    expect(errorsOf(q)).toEqual([{ path: 'themes[1].label', message: 'required', code: 'required' }]);
  });

  it('names an unknown property', () => {
    const q = valid();
    q.themes[2].items[0].colour = 'red';
    q.extra = true;
    expect(errorsOf(q)).toEqual([
      { path: 'extra', message: 'unknown property', code: 'unknownProperty' },
      { path: 'themes[2].items[0].colour', message: 'unknown property', code: 'unknownProperty' },
    ]);
  });

  it('names a wrong type', () => {
    const q = valid();
    q.version = '1';
    q.themes[0].items[1].reverse = 'no';
    expect(errorsOf(q)).toEqual([
      { path: 'version', message: 'expected integer', code: 'typeInteger' },
      { path: 'themes[0].items[1].reverse', message: 'expected boolean', code: 'typeBoolean' },
    ]);
  });

  it('names an id that breaks the id pattern', () => {
    const q = valid();
    q.background[1].options[1].id = '5to15';
    expect(errorsOf(q)).toEqual([
      { path: 'background[1].options[1].id', message: expect.stringContaining('expected string to match'), code: 'idPattern' },
    ]);
  });

  it('names an empty text and a wrong number of scale labels', () => {
    const q = valid();
    q.title.nl = '';
    q.scales[0].labels.pop();
    expect(errorsOf(q).map((e) => e.path)).toEqual(['title.nl', 'scales[0].labels']);
    expect(errorsOf(q).map((e) => [e.code, e.params])).toEqual([
      ['empty', undefined],
      ['minItems', { limit: 5 }],
    ]);
  });

  it('lists every problem of a file at once, not the first fifty', () => {
    const q = valid();
    let broken = 0;
    for (const theme of q.themes) {
      for (const item of theme.items) {
        item.label.en = '';
        item.label.nl = '';
        broken += 2;
      }
    }
    expect(broken).toBeGreaterThan(50);
    const errors = errorsOf(q);
    expect(errors).toHaveLength(broken);
    expect(new Set(errors.map((e) => e.path)).size).toBe(broken);
  });

  it('rejects a duplicate item id across themes', () => {
    const q = valid();
    q.themes[3].items[0].id = 'com_1';
    expect(errorsOf(q)).toEqual([
      { path: 'themes[3].items[0].id', message: 'duplicate id "com_1"', code: 'duplicateId', params: { id: 'com_1' } },
    ]);
  });

  it('rejects an item id that repeats a theme id or a background id', () => {
    const q = valid();
    q.themes[0].items[0].id = 'welzijn';
    q.themes[1].items[0].id = 'role';
    expect(errorsOf(q)).toEqual([
      { path: 'themes[7].id', message: 'duplicate id "welzijn"', code: 'duplicateId', params: { id: 'welzijn' } },
      { path: 'background[0].id', message: 'duplicate id "role"', code: 'duplicateId', params: { id: 'role' } },
    ]);
  });

  it('rejects an item referencing an unknown scale', () => {
    const q = valid();
    q.themes[0].items[1].scale = 'freq5';
    expect(errorsOf(q)).toEqual([
      { path: 'themes[0].items[1].scale', message: 'unknown scale "freq5"', code: 'unknownScale', params: { id: 'freq5' } },
    ]);
  });

  it('rejects duplicate scale ids and duplicate option ids', () => {
    const q = valid();
    q.scales.push(structuredClone(q.scales[0]));
    q.background[0].options[2].id = 'leraar';
    expect(errorsOf(q)).toEqual([
      { path: 'scales[1].id', message: 'duplicate scale id "agree5"', code: 'duplicateScale', params: { id: 'agree5' } },
      { path: 'background[0].options[2].id', message: 'duplicate option id "leraar"', code: 'duplicateOption', params: { id: 'leraar' } },
    ]);
  });

  it('rejects a non-object at the root', () => {
    expect(errorsOf([])).toEqual([{ path: '', message: 'expected object', code: 'typeObject' }]);
  });
});

describe('parseQuestionnaireText', () => {
  it('reports invalid JSON at the root', () => {
    const result = parseQuestionnaireText('{ "id": "schoolklimaat", }');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]?.path).toBe('');
    expect(result.errors[0]?.message).toMatch(/^not valid JSON: /);
  });

  it('validates valid JSON text', () => {
    expect(parseQuestionnaireText(shippedText).ok).toBe(true);
  });
});

describe('loadQuestionnaireFile', () => {
  it('throws with the file name and one line per error path', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'schoolpols survey '));
    try {
      const q = valid();
      delete q.themes[2].items[0].label.en;
      const file = path.join(dir, 'broken.json');
      await writeFile(file, JSON.stringify(q));
      await expect(loadQuestionnaireFile(file)).rejects.toThrow(
        `${file} is not a valid questionnaire:\n  themes[2].items[0].label.en: required`,
      );
      await writeFile(file, '');
      await expect(loadQuestionnaireFile(file)).rejects.toThrow(/\(root\): not valid JSON/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
