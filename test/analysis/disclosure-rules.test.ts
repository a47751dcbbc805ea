/** Hand-written cases for each rule of design §5. */
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  combineDisclosed,
  disclose,
  isDisclosed,
  mapDisclosed,
  type Disclosed,
  type DisclosureInput,
  type DisclosedGroup,
} from '../../analysis/index.ts';

const ROLE = { id: 'role', options: ['leraar', 'ondersteunend', 'directie'] };
const SENIORITY = { id: 'seniority', options: ['lt5', '5to15', 'gt15'] };

type Cells = Array<[role: string | null, seniority: string | null, count: number]>;
const school = (id: string, cells: Cells) => ({
  id,
  respondents: cells.reduce((s, c) => s + c[2], 0),
  cells: cells.map(([role, seniority, count]) => ({ background: { role, seniority }, count })),
});
const plain = (id: string, respondents: number) => ({ id, respondents });

function wave(
  schools: DisclosureInput['schools'],
  benchmarkGroups: DisclosureInput['benchmarkGroups'] = [],
  status: DisclosureInput['status'] = 'sealed',
): DisclosureInput {
  return { waveId: 'w', status, background: [ROLE, SENIORITY], schools, benchmarkGroups };
}

const shown = (b: { groups: readonly DisclosedGroup[] }) =>
  b.groups.filter((g) => g.released).map((g) => [g.categories, g.respondents.kind === 'value' ? g.respondents.value : null]);

describe('configuration', () => {
  it('k defaults to 5 and must be an integer ≥ 3', () => {
    expect(disclose(wave([])).k).toBe(5);
    expect(disclose(wave([]), { k: 3 }).k).toBe(3);
    for (const k of [2, 0, -1, 3.5, Number.NaN]) expect(() => disclose(wave([]), { k })).toThrow(/k must be an integer ≥ 3/);
  });
  it('rejects inconsistent input', () => {
    expect(() => disclose(wave([plain('a', 3), plain('a', 4)]))).toThrow(/duplicate school/);
    expect(() => disclose(wave([plain('a', 3)], [{ id: 'g', schoolIds: ['b'] }]))).toThrow(/unknown school "b"/);
    expect(() => disclose(wave([{ id: 'a', respondents: 5, cells: [{ background: { role: 'leraar' }, count: 4 }] }]))).toThrow(
      /add up to 4/,
    );
    expect(() => disclose(wave([{ id: 'a', respondents: 1, cells: [{ background: { role: 'boss' }, count: 1 }] }]))).toThrow(
      /not an option/,
    );
    expect(() => disclose(wave([{ id: 'a', respondents: 1, cells: [{ background: { age: 'x' }, count: 1 }] }]))).toThrow(
      /unknown background item/,
    );
    expect(() => disclose({ ...wave([]), status: 'closed' as never })).toThrow(/status/);
  });
});

describe('R1 minimum group', () => {
  it('k − 1 respondents: suppressed, also the exact n; k: shown', () => {
    const d = disclose(wave([plain('small', 4), plain('ok', 5)]));
    expect(d.school('small')).toMatchObject({ released: false, rule: 'R1', respondents: { kind: 'suppressed', rule: 'R1' } });
    expect(d.school('ok')).toMatchObject({ released: true, rule: null, respondents: { kind: 'value', value: 5 } });
    expect(d.release(d.school('small'), { mean: 3 })).toMatchObject({ kind: 'suppressed', rule: 'R1' });
    expect(d.release(d.school('ok'), { mean: 3 })).toMatchObject({ kind: 'value', value: { mean: 3 } });
  });
  it('n = 0 and n = 1 are suppressed; with k = 3, 3 is shown', () => {
    const d = disclose(wave([plain('none', 0), plain('one', 1), plain('three', 3)]), { k: 3 });
    expect(d.school('none').rule).toBe('R1');
    expect(d.school('one').rule).toBe('R1');
    expect(d.school('three').rule).toBeNull();
  });
  it('breakdowns of a suppressed school are suppressed', () => {
    const d = disclose(wave([school('a', [['leraar', null, 3]])]));
    expect(d.breakdowns('a').map((b) => b.rule)).toEqual(['R1', 'R1']);
  });
});

describe('R2 complementary', () => {
  it('every group ≥ k: all shown', () => {
    const d = disclose(
      wave([
        school('a', [
          ['leraar', 'lt5', 12],
          ['ondersteunend', 'lt5', 5],
        ]),
      ]),
    );
    const b = d.breakdown('a', 'role');
    expect(b.rule).toBeNull();
    expect(shown(b)).toEqual([
      [['leraar'], 12],
      [['ondersteunend'], 5],
    ]);
    // an empty option hides nobody; it is listed as suppressed
    expect(b.groups.find((g) => g.categories?.[0] === 'directie')).toMatchObject({ released: false, rule: 'R1' });
  });
  it('small groups are merged into "other" when it has ≥ k and merges ≥ 2 groups', () => {
    const d = disclose(
      wave([
        school('a', [
          ['leraar', 'lt5', 20],
          ['ondersteunend', 'lt5', 3],
          ['directie', 'lt5', 2],
        ]),
      ]),
    );
    const b = d.breakdown('a', 'role');
    expect(shown(b)).toEqual([
      [['leraar'], 20],
      [['ondersteunend', 'directie'], 5],
    ]);
    expect(b.groups.find((g) => g.other)).toMatchObject({ other: true, released: true });
    expect(b.groups.filter((g) => !g.released).map((g) => [g.categories, g.rule])).toEqual([
      [['ondersteunend'], 'R1'],
      [['directie'], 'R1'],
      [[null], 'R1'], // nobody left the item unanswered
    ]);
  });
  it('k − 1 in "other" is not enough: the whole breakdown is withheld', () => {
    const d = disclose(
      wave([
        school('a', [
          ['leraar', 'lt5', 20],
          ['ondersteunend', 'lt5', 3],
          ['directie', 'lt5', 1],
        ]),
      ]),
    );
    const b = d.breakdown('a', 'role');
    expect(b.rule).toBe('R2');
    expect(b.groups.every((g) => !g.released && g.rule === 'R2')).toBe(true);
  });
  it('one small group is merged with the smallest large group, never shown as total − rest', () => {
    const d = disclose(
      wave([
        school('a', [
          ['leraar', 'lt5', 20],
          ['ondersteunend', 'lt5', 8],
          ['directie', 'lt5', 2],
        ]),
      ]),
    );
    const b = d.breakdown('a', 'role');
    expect(shown(b)).toEqual([
      [['leraar'], 20],
      [['ondersteunend', 'directie'], 10],
    ]);
    expect(b.groups.find((g) => g.categories?.[0] === 'ondersteunend' && !g.other)).toMatchObject({ released: false, rule: 'R2' });
  });
  it('"did not answer" is a group of its own: small → merged or withheld', () => {
    const d = disclose(
      wave([
        school('a', [
          ['leraar', 'lt5', 20],
          [null, 'lt5', 2],
        ]),
      ]),
    );
    expect(d.breakdown('a', 'role').rule).toBe('R2'); // 2 cannot be merged with anything but leraar
    const e = disclose(
      wave([
        school('a', [
          ['leraar', 'lt5', 20],
          ['directie', 'lt5', 2],
          [null, 'lt5', 3],
        ]),
      ]),
    );
    expect(shown(e.breakdown('a', 'role'))).toEqual([
      [['leraar'], 20],
      [['directie', null], 5],
    ]);
  });
  it('an option called "other" is not confused with the merged "other" group', () => {
    const input: DisclosureInput = {
      waveId: 'w',
      status: 'sealed',
      background: [{ id: 'role', options: ['leraar', 'other', 'directie'] }],
      schools: [
        {
          id: 'a',
          respondents: 25,
          cells: [
            { background: { role: 'leraar' }, count: 10 },
            { background: { role: 'other' }, count: 10 },
            { background: { role: 'directie' }, count: 2 },
            { background: { role: null }, count: 3 },
          ],
        },
      ],
      benchmarkGroups: [],
    };
    const b = disclose(input).breakdown('a', 'role');
    expect(b.groups.map((g) => [g.categories, g.other, g.released])).toEqual([
      [['leraar'], false, true],
      [['other'], false, true],
      [['directie', null], true, true],
      [['directie'], false, false],
      [[null], false, false],
    ]);
    expect(new Set(b.groups.map((g) => g.key)).size).toBe(5);
  });
  it('released groups always add up to the school', () => {
    const d = disclose(
      wave([
        school('a', [
          ['leraar', 'lt5', 6],
          ['ondersteunend', '5to15', 3],
          ['directie', 'gt15', 3],
          [null, null, 5],
        ]),
      ]),
    );
    for (const b of d.breakdowns('a')) {
      if (b.rule !== null) continue;
      expect(b.groups.filter((g) => g.released).reduce((s, g) => s + (g.respondents as { value: number }).value, 0)).toBe(17);
    }
  });
});

describe('R3 differencing', () => {
  it('between breakdowns: directie ⊂ "> 15 years" with a difference of 2 withholds the second breakdown', () => {
    // role: leraar 10, directie 5, ondersteunend 5; seniority: lt5 13, gt15 7 = directie 5 + 2 leraren.
    const d = disclose(
      wave([
        school('a', [
          ['leraar', 'lt5', 8],
          ['leraar', 'gt15', 2],
          ['directie', 'gt15', 5],
          ['ondersteunend', 'lt5', 5],
        ]),
      ]),
    );
    expect(d.breakdown('a', 'role').rule).toBeNull(); // leraar 10, ondersteunend 5, directie 5
    expect(d.breakdown('a', 'seniority').rule).toBe('R3'); // gt15 (7) − directie (5) = 2 leraren
  });
  it('signed differences: teachers − "> 15 years" = the new teacher − the director withholds the second breakdown', () => {
    // The school of issue 15: 1 teacher < 5 years, 4 teachers > 15, 1 director > 15, 4 support staff
    // 5–15. Role (leraar 5 / other 5) and seniority (> 15 years 5 / other 5) each pass R2 and no
    // *set* of fewer than 5 is computable, but leraar − gt15 touches two people.
    const d = disclose(
      wave([
        school('a', [
          ['leraar', 'lt5', 1],
          ['leraar', 'gt15', 4],
          ['directie', 'gt15', 1],
          ['ondersteunend', '5to15', 4],
        ]),
      ]),
    );
    expect(d.breakdown('a', 'role').rule).toBeNull();
    expect(d.breakdown('a', 'seniority').rule).toBe('R3');
    expect(d.breakdown('a', 'seniority').groups.every((g) => !g.released)).toBe(true);
    // deterministic: the same decision whichever order the cells come in, and on every request
    const again = disclose(
      wave([
        school('a', [
          ['ondersteunend', '5to15', 4],
          ['directie', 'gt15', 1],
          ['leraar', 'gt15', 4],
          ['leraar', 'lt5', 1],
        ]),
      ]),
    );
    expect(again.breakdowns('a').map((b) => b.rule)).toEqual([null, 'R3']);
  });
  it('between breakdowns: crossing groups without containment are both shown', () => {
    const d = disclose(
      wave([
        school('a', [
          ['leraar', 'lt5', 3],
          ['leraar', 'gt15', 3],
          ['ondersteunend', 'lt5', 3],
          ['ondersteunend', 'gt15', 3],
        ]),
      ]),
    );
    expect(d.breakdowns('a').map((b) => b.rule)).toEqual([null, null]);
  });
  const five = ['a', 'b', 'c', 'd', 'e'];
  it('a benchmark group needs ≥ 5 schools', () => {
    const schools = five.map((id) => plain(id, 10));
    expect(disclose(wave(schools, [{ id: 'g', schoolIds: five.slice(0, 4) }])).benchmarkGroup('g').rule).toBe('R3');
    expect(disclose(wave(schools, [{ id: 'g', schoolIds: five }])).benchmarkGroup('g')).toMatchObject({
      rule: null,
      respondents: { kind: 'value', value: 50 },
    });
  });
  it('a benchmark group needs ≥ k respondents after removing any one school', () => {
    const schools = [plain('a', 40), plain('b', 1), plain('c', 1), plain('d', 1), plain('e', 1)];
    expect(disclose(wave(schools, [{ id: 'g', schoolIds: five }])).benchmarkGroup('g').rule).toBe('R3');
  });
  it('benchmark − shown schools: a lone small school is left out of the benchmark numbers', () => {
    const schools = [...five.map((id) => plain(id, 10)), plain('tiny', 3)];
    const d = disclose(wave(schools, [{ id: 'g', schoolIds: [...five, 'tiny'] }]));
    const g = d.benchmarkGroup('g');
    expect(g).toMatchObject({ released: true, schoolIds: five, respondents: { kind: 'value', value: 50 } });
    expect(d.network().schoolIds).toEqual(five); // network − shown schools would be 3 as well
  });
  it('benchmark − shown schools: small schools that together have ≥ k stay in', () => {
    const schools = [...five.map((id) => plain(id, 10)), plain('t1', 3), plain('t2', 2)];
    const d = disclose(wave(schools, [{ id: 'g', schoolIds: [...five, 't1', 't2'] }]));
    expect(d.benchmarkGroup('g').schoolIds).toEqual([...five, 't1', 't2']);
    expect(d.benchmarkGroup('g').respondents).toMatchObject({ value: 55 });
  });
  it('network − benchmark group: small schools outside every group move out of the network only as needed', () => {
    const ten = [...five, 'f', 'g', 'h', 'i', 'j'];
    const schools = [...ten.map((id) => plain(id, 10)), plain('t1', 2), plain('t2', 2)];
    const groups = [
      { id: 'basis', schoolIds: [...five, 't1'] },
      { id: 'secundair', schoolIds: ['f', 'g', 'h', 'i', 'j', 't2'] },
    ];
    const d = disclose(wave(schools, groups));
    // t1 and t2 alone (2 each) would be basis − shown and secundair − shown; together (4) < k = 5
    // they would be network − shown. So they are in no shown aggregate.
    expect(d.benchmarkGroup('basis').schoolIds).toEqual(five);
    expect(d.benchmarkGroup('secundair').schoolIds).toEqual(['f', 'g', 'h', 'i', 'j']);
    expect(d.network().schoolIds).toEqual(ten);
    // With k = 3 the two small schools together (4) may stay in the network, not in their groups.
    const e = disclose(wave(schools, groups), { k: 3 });
    expect(e.benchmarkGroup('basis').schoolIds).toEqual(five);
    expect(e.network().schoolIds).toEqual([...ten, 't1', 't2'].sort());
  });
  it('network equal to a benchmark group: difference 0 is fine', () => {
    const schools = five.map((id) => plain(id, 10));
    const d = disclose(wave(schools, [{ id: 'g', schoolIds: five }]));
    expect([d.network().rule, d.benchmarkGroup('g').rule]).toEqual([null, null]);
  });
  it('a single-school wave shows the school, not the network', () => {
    const d = disclose(wave([plain('a', 30)]));
    expect([d.school('a').rule, d.network().rule]).toEqual([null, 'R3']);
  });
});

describe('R4 time', () => {
  it.each(['open', 'draft'] as const)('a %s wave releases no statistic, only response counts of schools and aggregates', (status) => {
    const d = disclose(wave([school('a', [['leraar', 'lt5', 30]]), plain('b', 2)], [], status));
    for (const g of d.groups) {
      expect(g.rule).toBe('R4');
      expect(d.release(g, 1)).toMatchObject({ kind: 'suppressed', rule: 'R4' });
    }
    expect(d.school('a').respondents).toMatchObject({ kind: 'value', value: 30 });
    expect(d.school('b').respondents).toMatchObject({ kind: 'value', value: 2 });
    expect(d.network().respondents).toMatchObject({ kind: 'value', value: 32 });
    expect(d.breakdown('a', 'role').groups.every((g) => g.respondents.kind === 'suppressed')).toBe(true);
    expect(d.comments('a', ['x'])).toMatchObject({ kind: 'suppressed', rule: 'R4' });
  });
});

describe('R5 comments', () => {
  const comments = ['te veel vergaderingen', 'goede sfeer', 'directie luistert', 'werkdruk', 'fijne collega’s'];
  it('only for a school with ≥ 10 respondents', () => {
    const d = disclose(wave([plain('nine', 9), plain('ten', 10), plain('three', 3)]));
    expect(d.comments('nine', comments)).toMatchObject({ kind: 'suppressed', rule: 'R5' });
    expect(d.comments('three', comments)).toMatchObject({ kind: 'suppressed', rule: 'R1' });
    const c = d.comments('ten', comments);
    expect(c.kind).toBe('value');
    if (c.kind === 'value') expect([...c.value].sort()).toEqual([...comments].sort());
  });
  it('shuffled deterministically: same order on every request and for any input order', () => {
    const d = disclose(wave([plain('a', 12), plain('b', 12)]));
    const first = d.comments('a', comments);
    expect(d.comments('a', comments)).toEqual(first);
    expect(d.comments('a', [...comments].reverse())).toEqual(first);
    expect(disclose(wave([plain('b', 12), plain('a', 12)])).comments('a', comments)).toEqual(first);
    // seeded by wave and school: another school gets its own order
    const many = Array.from({ length: 20 }, (_, i) => `c${i}`);
    expect(d.comments('a', many)).not.toEqual(d.comments('b', many));
  });
});

describe('Disclosed<T>', () => {
  it('cannot be forged: only disclose() makes one', () => {
    // @ts-expect-error — the brand is a module-private unique symbol
    const forged: Disclosed<number> = { kind: 'value', value: 3 };
    expect(isDisclosed(forged)).toBe(false);
    const d = disclose(wave([plain('a', 10)]));
    expect(isDisclosed(d.release(d.school('a'), 3))).toBe(true);
    expectTypeOf(d.release(d.school('a'), 3)).toEqualTypeOf<Disclosed<number>>();
  });
  it('release only accepts groups of its own disclosure', () => {
    const d = disclose(wave([plain('a', 10)]));
    const other = disclose(wave([plain('a', 10)]));
    expect(() => d.release(other.school('a'), 1)).toThrow(/does not belong/);
    expect(() => d.release({ ...d.school('a'), rule: null }, 1)).toThrow(/does not belong/);
    // a handed-out group cannot be edited into a release (nor can what it covers)
    const small = disclose(wave([plain('a', 2)]));
    const g = small.school('a');
    expect(() => ((g as { rule: string | null }).rule = null)).toThrow(TypeError);
    expect(() => ((g as { released: boolean }).released = true)).toThrow(TypeError);
    expect(() => (g.schoolIds as string[]).push('b')).toThrow(TypeError);
    expect(() => (small.network().schoolIds as string[]).pop()).toThrow(TypeError);
    expect(small.release(g, 1)).toMatchObject({ kind: 'suppressed', rule: 'R1' });
  });
  it("decides a school's breakdowns once, whether asked for by school or through the whole list", () => {
    const input = () =>
      wave([
        school('a', [
          ['leraar', 'lt5', 6],
          ['leraar', 'gt15', 7],
          ['directie', 'gt15', 6],
        ]),
        school('b', [
          ['leraar', 'lt5', 9],
          ['ondersteunend', 'lt5', 8],
        ]),
      ]);
    const lazy = disclose(input());
    const first = lazy.breakdowns('a');
    expect(lazy.breakdowns('a')).toBe(first);
    expect(lazy.breakdown('a', 'role')).toBe(first[0]);
    for (const g of first.flatMap((b) => b.groups)) expect(lazy.release(g, 1).kind).toBe(g.released ? 'value' : 'suppressed');
    // The whole list holds the very groups handed out before, in the order of a disclosure asked for it first.
    const eager = disclose(input());
    const keys = eager.groups.map((g) => g.key);
    expect(lazy.groups.map((g) => g.key)).toEqual(keys);
    for (const g of first.flatMap((b) => b.groups)) expect(lazy.groups).toContain(g);
    expect(
      eager
        .breakdowns('b')
        .flatMap((b) => b.groups)
        .every((g) => eager.groups.includes(g)),
    ).toBe(true);
    expect(() => lazy.breakdown('zz', 'role')).toThrow(/no breakdown of school "zz"/);
    expect(() => lazy.breakdowns('zz')).toThrow(RangeError);
  });
  it('derived numbers keep suppression', () => {
    const d = disclose(wave([plain('a', 10), plain('b', 2)]));
    const a = d.release(d.school('a'), 3.5);
    const b = d.release(d.school('b'), 2);
    expect(mapDisclosed(a, (x) => x.toFixed(1))).toMatchObject({ kind: 'value', value: '3.5' });
    expect(combineDisclosed([a, b] as const, (x, y) => x - y)).toMatchObject({ kind: 'suppressed', rule: 'R1' });
    expect(combineDisclosed([a, a] as const, (x, y) => x - y)).toMatchObject({ kind: 'value', value: 0 });
  });
});
