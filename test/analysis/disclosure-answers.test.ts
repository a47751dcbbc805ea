/**
 * Issue 15, holes 4–6 in `analysis/`: statistics on fewer than k valid answers, their differencing
 * between schools and inside breakdowns, percentile ranks among few schools, changes between waves.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  aggregateAnswersR3,
  breakdownAnswersR3,
  groupReport,
  rankAmongReleased,
  sumResponses,
  trend,
  summarize,
  type Layout,
} from '../../analysis/index.ts';
import { Attacker } from './helpers/attacker.ts';

const layout: Layout = {
  items: [
    { id: 'a', themeId: 't', reverse: false },
    { id: 'b', themeId: 't', reverse: false },
    { id: 'c', themeId: 'u', reverse: false },
  ],
  themes: [
    { id: 't', itemIndices: [0, 1] },
    { id: 'u', itemIndices: [2] },
  ],
  outcomes: [],
  priority: null,
  width: 3,
};

describe('R1 for answers', () => {
  // Five respondents; item b: one "n.v.t." (4 valid answers); item c: one valid answer.
  const responses = [
    { answers: [1, 0, 0] },
    { answers: [2, 3, null] },
    { answers: [3, 4, 0] },
    { answers: [4, 5, 5] },
    { answers: [5, 2, 0] },
  ];
  it('withholds an item with 1..k−1 valid answers, and the theme % favourable that adds it', () => {
    const r = groupReport(sumResponses(responses, layout), layout, 5);
    expect(r.items[0]).toMatchObject({ n: 5, fewAnswers: false, mean: { ok: true, value: 3 } });
    expect(r.items[1]).toMatchObject({
      n: 0,
      notApplicable: 0,
      fewAnswers: true,
      mean: { ok: false, reason: 'few-answers' },
      favourable: { ok: false, reason: 'few-answers' },
    });
    expect(r.items[1]!.distribution).toEqual({ counts: [0, 0, 0, 0, 0], percents: { ok: false, reason: 'few-answers' } });
    // theme t: five scores (every respondent has ≥ half valid) — shown, but its % favourable would be
    // (favourable of a + b) and so give b's favourable answers away: withheld.
    expect(r.themes[0]).toMatchObject({ n: 5, fewAnswers: false, mean: { ok: true }, favourable: { ok: false, reason: 'few-answers' } });
    // theme u: one score — withheld as a whole
    expect(r.themes[1]).toMatchObject({
      n: 0,
      fewAnswers: true,
      mean: { ok: false, reason: 'few-answers' },
      ci: { ok: false, reason: 'few-answers' },
    });
    expect(r.themes[1]!.alpha.alpha).toEqual({ ok: false, reason: 'few-answers' });
  });
  it('k valid answers are enough; without k (statistics tests) nothing is withheld', () => {
    const r = groupReport(sumResponses(responses, layout), layout, 4);
    expect(r.items[1]).toMatchObject({ n: 4, fewAnswers: false });
    const plain = groupReport(sumResponses(responses, layout), layout);
    expect(plain.items[2]).toMatchObject({ n: 1, fewAnswers: false, mean: { ok: true, value: 5 } });
  });
});

describe('percentile ranks only among ≥ 5 released schools', () => {
  it('says why not below 5', () => {
    expect(rankAmongReleased(3, [2, 3, 4])).toEqual({ ok: false, reason: 'few-schools' });
    expect(rankAmongReleased(3, [1, 2, 3, 4])).toEqual({ ok: false, reason: 'few-schools' });
    expect(rankAmongReleased(3, [1, 2, 3, 4, 5])).toEqual({ ok: true, value: 60 });
  });
});

describe('changes between waves', () => {
  const s = (n: number, mean: number) => summarize({ n, sum: n * mean, sumSq: n * mean * mean + (n - 1) * 0.64 });
  it('only when the n differ by 0 or by at least k', () => {
    const steps = trend([
      { waveId: 'w1', k: 5, summary: s(12, 3) },
      { waveId: 'w2', k: 5, summary: s(13, 3.2) }, // one more: the change would be about one person
      { waveId: 'w3', k: 5, summary: s(13, 3.1) }, // same n
      { waveId: 'w4', k: 5, summary: s(18, 3.4) }, // k more
      { waveId: 'w5', k: 6, summary: s(23, 3.4) }, // 5 more, but this wave's k is 6
    ]);
    expect(steps.map((x) => (x.change.ok ? 'change' : x.change.reason))).toEqual([
      'no-previous',
      'small-change',
      'change',
      'change',
      'small-change',
    ]);
  });
});

describe('R3 in valid answers between schools', () => {
  const net = (schoolIds: string[]) => ({ key: 'network', kind: 'network' as const, schoolIds });
  it('a released school whose item is withheld cannot be computed as network − the other schools', () => {
    const schools = new Map([
      ['a', { released: true, valid: [10, 1] }],
      ['b', { released: true, valid: [10, 10] }],
      ['c', { released: true, valid: [10, 10] }],
    ]);
    const out = aggregateAnswersR3([net(['a', 'b', 'c'])], schools, 2, 5);
    expect([...out.get('network')!]).toEqual([1]);
  });
  it('hidden schools together with ≥ k valid answers keep the item in the aggregate', () => {
    const schools = new Map([
      ['a', { released: true, valid: [10, 3] }],
      ['b', { released: false, valid: [3, 2] }],
      ['c', { released: true, valid: [10, 10] }],
    ]);
    // item 1: a (3, withheld in a) and b (2, b suppressed) hide together with 5 — kept; item 0: b
    // alone is hidden with 3 answers — withheld.
    expect([...aggregateAnswersR3([net(['a', 'b', 'c'])], schools, 2, 5).get('network')!]).toEqual([0]);
  });
  it('withholds in the narrowest aggregate first, then the wider one if still needed', () => {
    const schools = new Map([
      ['a', { released: true, valid: [2] }],
      ['b', { released: true, valid: [10] }],
      ['c', { released: true, valid: [10] }],
      ['d', { released: false, valid: [4] }], // outside the group: network − group = d alone
    ]);
    const out = aggregateAnswersR3(
      [{ key: 'benchmark:g', kind: 'benchmark', schoolIds: ['a', 'b', 'c'] }, net(['a', 'b', 'c', 'd'])],
      schools,
      1,
      5,
    );
    // {a} in (g, network) has 2: g goes; then {a, d} in the network alone has 6 — the network stays.
    expect([[...out.get('benchmark:g')!], [...out.get('network')!]]).toEqual([[0], []]);
  });
  it('property: no signed combination of shown schools and aggregates touches 1..k−1 answers of one item', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 3, max: 6 }),
        fc.array(fc.record({ released: fc.boolean(), valid: fc.integer({ min: 0, max: 12 }) }), { minLength: 1, maxLength: 9 }),
        fc.array(fc.array(fc.boolean(), { minLength: 9, maxLength: 9 }), { minLength: 0, maxLength: 3 }),
        (k, list, masks) => {
          const ids = list.map((_, i) => `s${i}`);
          const schools = new Map(ids.map((id, i) => [id, { released: list[i]!.released, valid: [list[i]!.valid] }]));
          const aggregates = [
            ...masks.map((m, g) => ({ key: `benchmark:${g}`, kind: 'benchmark' as const, schoolIds: ids.filter((_, i) => m[i]) })),
            { key: 'network', kind: 'network' as const, schoolIds: ids },
          ];
          const withheld = aggregateAnswersR3(aggregates, schools, 1, k);
          // What shows the item: schools released with ≥ k answers, aggregates that keep it.
          const counted = ids.map((_, i) => i).filter((i) => list[i]!.valid > 0);
          const index = new Map(counted.map((a, j) => [a, j]));
          const rows = [
            ...counted.filter((i) => list[i]!.released && list[i]!.valid >= k).map((i) => [i]),
            ...aggregates.filter((a) => !withheld.get(a.key)!.has(0)).map((a) => a.schoolIds.map((id) => ids.indexOf(id))),
          ].map((r) => r.filter((i) => index.has(i)).map((i) => index.get(i)!));
          const attacker = new Attacker(
            counted.length,
            rows.map((atoms) => ({ atoms, values: [0] })),
          );
          expect(
            attacker.smallCombination(
              counted.map((i) => list[i]!.valid),
              k,
              1_000_000,
            ),
          ).toBeNull();
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('R3 in valid answers inside a school', () => {
  it('counts signed combinations in valid answers: a breakdown group 4 of whose 5 said n.v.t.', () => {
    // atoms: leraar (7 people, 7 valid), directie (5 people, 1 valid); groups: school, leraar, directie
    const groups = [[0, 1], [0], [1]];
    expect([
      ...breakdownAnswersR3(
        groups,
        [
          [7, 7],
          [5, 1],
        ],
        2,
        5,
      ),
    ]).toEqual([1]);
  });
  it('atoms without any valid answer are free: a combination that only moves them reveals nothing', () => {
    // atoms 0 (6 valid), 1 (0 valid), 2 (6 valid); groups {0,1}, {1,2}, {0,1,2}: the difference
    // {0,1} − {1,2}… touches atom 0 and 2 (12 answers) — fine; atom 1 alone = total − … has 0.
    expect([
      ...breakdownAnswersR3(
        [
          [0, 1],
          [1, 2],
          [0, 1, 2],
        ],
        [[6], [0], [6]],
        1,
        5,
      ),
    ]).toEqual([]);
  });
  it('property: whatever is not withheld, no signed combination of shown groups touches 1..k−1 answers', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 3, max: 6 }),
        fc.array(fc.record({ people: fc.integer({ min: 1, max: 9 }), missing: fc.integer({ min: 0, max: 9 }) }), {
          minLength: 2,
          maxLength: 6,
        }),
        fc.array(fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }), { minLength: 1, maxLength: 4 }),
        (k, atoms, masks) => {
          const valid = atoms.map((a) => Math.max(0, a.people - a.missing));
          const groups = [
            atoms.map((_, i) => i),
            ...masks.map((m) => atoms.flatMap((_, i) => (m[i] ? [i] : []))).filter((g) => g.length > 0),
          ];
          const withheld = breakdownAnswersR3(
            groups,
            valid.map((v) => [v]),
            1,
            k,
          ).has(0);
          if (withheld) return;
          // the attacker over atoms with answers only: atoms without any are dropped from every group
          const counted = atoms.map((_, i) => i).filter((i) => valid[i]! > 0);
          const index = new Map(counted.map((a, j) => [a, j]));
          const attacker = new Attacker(
            counted.length,
            groups.map((g) => ({ atoms: g.filter((a) => index.has(a)).map((a) => index.get(a)!), values: [0] })),
          );
          expect(
            attacker.smallCombination(
              counted.map((a) => valid[a]!),
              k,
              1_000_000,
            ),
          ).toBeNull();
        },
      ),
      { numRuns: 500 },
    );
  });
});
