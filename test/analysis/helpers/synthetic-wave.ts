import fc from 'fast-check';
import type { DisclosureInput } from '../../../analysis/index.ts';

/** Synthetic respondents of a wave, with two background items and one answer (1..5) each. */
export interface Person {
  school: string;
  role: string | null;
  seniority: string | null;
  value: number;
}

export interface WaveSpec {
  k: number;
  people: Person[];
  schools: string[];
  benchmarkGroups: Array<{ id: string; schoolIds: string[] }>;
  /** background items offered for breakdowns */
  background: Array<{ id: 'role' | 'seniority'; options: string[] }>;
}

export const BACKGROUND = [
  { id: 'role' as const, options: ['leraar', 'ondersteunend', 'directie'] },
  { id: 'seniority' as const, options: ['lt5', '5to15', 'gt15'] },
];

const arbPerson = (nested: boolean) =>
  fc
    .record({
      role: fc.constantFrom<string | null>('leraar', 'leraar', 'leraar', 'leraar', 'ondersteunend', 'ondersteunend', 'directie', null),
      seniority: fc.constantFrom<string | null>('lt5', '5to15', 'gt15', 'gt15', null),
      value: fc.integer({ min: 1, max: 5 }),
    })
    // In "nested" schools every directie is > 15 years and support staff < 5: groups of different
    // breakdowns then contain each other, the case R3 must catch.
    .map((p) =>
      nested && p.role === 'directie' ? { ...p, seniority: 'gt15' } : nested && p.role === 'ondersteunend' ? { ...p, seniority: 'lt5' } : p,
    );

const arbSchool = fc.boolean().chain((nested) =>
  fc.record({
    people: fc.oneof(
      fc.array(arbPerson(nested), { maxLength: 4 }),
      fc.array(arbPerson(nested), { minLength: 3, maxLength: 9 }),
      fc.array(arbPerson(nested), { minLength: 8, maxLength: 24 }),
    ),
    member: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
  }),
);

export const arbWaveSpec: fc.Arbitrary<WaveSpec> = fc
  .record({
    k: fc.integer({ min: 3, max: 6 }),
    schools: fc.array(arbSchool, { minLength: 1, maxLength: 10 }),
    groups: fc.integer({ min: 0, max: 3 }),
    backgroundItems: fc.constantFrom(1, 2, 2),
  })
  .map(({ k, schools, groups, backgroundItems }) => {
    const ids = schools.map((_, i) => `s${String(i).padStart(2, '0')}`);
    return {
      k,
      schools: ids,
      people: schools.flatMap((s, i) => s.people.map((p) => ({ ...p, school: ids[i]! }))),
      benchmarkGroups: Array.from({ length: groups }, (_, g) => ({ id: `g${g}`, schoolIds: ids.filter((_, i) => schools[i]!.member[g]) })),
      background: BACKGROUND.slice(0, backgroundItems).map((b) => ({ ...b, options: [...b.options] })),
    };
  });

/** The disclosure input a server would build from the wave (counts only). */
export function inputOf(spec: WaveSpec, status: DisclosureInput['status'] = 'sealed'): DisclosureInput {
  return {
    waveId: 'wave-1',
    status,
    background: spec.background,
    schools: spec.schools.map((id) => {
      const people = spec.people.filter((p) => p.school === id);
      const cells = new Map<string, { background: Record<string, string | null>; count: number }>();
      for (const p of people) {
        const background = Object.fromEntries(spec.background.map((b) => [b.id, p[b.id]]));
        const key = JSON.stringify(background);
        const cell = cells.get(key) ?? { background, count: 0 };
        cell.count++;
        cells.set(key, cell);
      }
      return { id, respondents: people.length, cells: [...cells.values()] };
    }),
    benchmarkGroups: spec.benchmarkGroups,
  };
}
