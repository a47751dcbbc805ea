/** Same data and view → same suppression, whatever the input order, on every call. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide, disclose, discloseDecided, type DisclosureInput, type Disclosure } from '../../analysis/index.ts';
import { arbWaveSpec, inputOf } from './helpers/synthetic-wave.ts';

function snapshot(d: Disclosure) {
  return {
    groups: d.groups.map((g) => ({ ...g })),
    breakdowns: d.groups
      .filter((g) => g.kind === 'school')
      .flatMap((g) => d.breakdowns(g.schoolId!).map((b) => ({ ...b, groups: b.groups.map((x) => x.key) }))),
  };
}

function shuffled<T>(xs: readonly T[], order: readonly number[]): T[] {
  return xs
    .map((x, i) => ({ x, o: order[i % order.length]! * 1000 + i }))
    .sort((a, b) => a.o - b.o)
    .map((e) => e.x);
}

function permute(input: DisclosureInput, order: number[]): DisclosureInput {
  return {
    ...input,
    schools: shuffled(input.schools, order).map((s) => ({ ...s, cells: s.cells ? shuffled(s.cells, [...order].reverse()) : undefined })),
    benchmarkGroups: shuffled(input.benchmarkGroups, order).map((g) => ({ ...g, schoolIds: shuffled(g.schoolIds, order) })),
  };
}

describe('determinism', () => {
  it('same input twice, and the input in shuffled order, give identical decisions', () => {
    fc.assert(
      fc.property(arbWaveSpec, fc.array(fc.nat(50), { minLength: 1, maxLength: 12 }), (spec, order) => {
        const input = inputOf(spec);
        const first = snapshot(disclose(input, { k: spec.k }));
        expect(snapshot(disclose(input, { k: spec.k }))).toEqual(first);
        expect(snapshot(disclose(permute(input, order), { k: spec.k }))).toEqual(first);
      }),
      { numRuns: 300 },
    );
  });

  it('stored decisions (through JSON, as the database keeps them) give the very same disclosure', () => {
    fc.assert(
      fc.property(arbWaveSpec, (spec) => {
        const input = inputOf(spec);
        const stored = JSON.parse(JSON.stringify(decide(input, { k: spec.k })));
        expect(snapshot(discloseDecided(stored))).toEqual(snapshot(disclose(input, { k: spec.k })));
      }),
      { numRuns: 300 },
    );
  });

  it('refuses stored decisions it cannot read: another version, or a school without its breakdowns', () => {
    const input: DisclosureInput = {
      waveId: 'w',
      status: 'sealed',
      background: [],
      schools: [
        { id: 'a', respondents: 7 },
        { id: 'b', respondents: 9 },
      ],
      benchmarkGroups: [],
    };
    const stored = decide(input, { k: 5 });
    expect(() => discloseDecided({ ...stored, version: 2 as never })).toThrow(/version 2/);
    expect(() => discloseDecided({ ...stored, aggregates: [[null, [0, 7], 16, null, true]] })).toThrow(/incomplete/);
  });
});
