/** Tag counts of moderated comments (issue 19): the count, and when disclosure lets it out. */
import { describe, expect, it } from 'vitest';
import { countCommentThemes, disclose, type DisclosureInput } from '../../analysis/index.ts';

const THEMES = ['werkdruk', 'communicatie', 'welzijn'];
const wave = (schools: Array<[id: string, respondents: number]>): DisclosureInput => ({
  waveId: 'w',
  status: 'sealed',
  background: [],
  schools: schools.map(([id, respondents]) => ({ id, respondents })),
  benchmarkGroups: [],
});
const tags = (n: number, themes: string[]) => Array.from({ length: n }, () => themes);

describe('countCommentThemes', () => {
  it('counts each comment once per theme it names, in the order of the themes', () => {
    expect(countCommentThemes([['werkdruk'], ['werkdruk', 'welzijn'], [], ['welzijn']], THEMES)).toEqual([2, 0, 2]);
  });
  it('ignores tags that name no theme of the list, and a theme named twice on one comment', () => {
    expect(countCommentThemes([['onbekend'], ['werkdruk', 'werkdruk']], THEMES)).toEqual([1, 0, 0]);
  });
  it('is all zeros without comments or themes', () => {
    expect(countCommentThemes([], THEMES)).toEqual([0, 0, 0]);
    expect(countCommentThemes([['werkdruk']], [])).toEqual([]);
  });
});

describe('Disclosure.commentThemes (a school)', () => {
  const d = disclose(
    wave([
      ['big', 12],
      ['small', 8],
      ['tiny', 3],
    ]),
    { k: 5 },
  );

  it('releases the counts from k shown comments on, when the school passes R5', () => {
    const c = d.commentThemes('big', [...tags(4, ['werkdruk']), ['welzijn']], THEMES);
    expect(c.kind === 'value' && c.value).toEqual([4, 0, 1]);
  });
  it('withholds them (R1) below k shown comments, even when the comments themselves are shown', () => {
    expect(d.comments('big', ['a', 'b', 'c', 'd']).kind).toBe('value');
    const c = d.commentThemes('big', tags(4, ['werkdruk']), THEMES);
    expect(c.kind === 'suppressed' && c.rule).toBe('R1');
  });
  it("withholds them with the comments: R5 below 10 respondents, the school's own rule when it is suppressed", () => {
    const small = d.commentThemes('small', tags(6, ['werkdruk']), THEMES);
    expect(small.kind === 'suppressed' && small.rule).toBe('R5');
    const tiny = d.commentThemes('tiny', tags(6, ['werkdruk']), THEMES);
    expect(tiny.kind === 'suppressed' && tiny.rule).toBe('R1');
  });
  it("follows the wave's k", () => {
    const d3 = disclose(wave([['big', 12]]), { k: 3 });
    expect(d3.commentThemes('big', tags(3, ['welzijn']), THEMES).kind).toBe('value');
    expect(d3.commentThemes('big', tags(2, ['welzijn']), THEMES).kind).toBe('suppressed');
  });
});

describe('Disclosure.networkCommentThemes', () => {
  const d = disclose(
    wave([
      ['a', 12],
      ['b', 15],
      ['small', 8],
    ]),
    { k: 5 },
  );

  it('counts only the comments of schools that pass R5, so no difference reveals hidden ones', () => {
    const c = d.networkCommentThemes(
      new Map([
        ['a', tags(3, ['werkdruk'])],
        ['b', tags(2, ['communicatie'])],
        ['small', tags(9, ['welzijn'])],
      ]),
      THEMES,
    );
    expect(c.kind === 'value' && c.value).toEqual([3, 2, 0]);
  });
  it('withholds the counts (R1) when fewer than k such comments remain', () => {
    const c = d.networkCommentThemes(
      new Map([
        ['a', tags(3, ['werkdruk'])],
        ['small', tags(9, ['welzijn'])],
      ]),
      THEMES,
    );
    expect(c.kind === 'suppressed' && c.rule).toBe('R1');
  });
  it('refuses a school that is not in the wave', () => {
    expect(() => d.networkCommentThemes(new Map([['elsewhere', []]]), THEMES)).toThrow(/unknown school/);
  });
});
