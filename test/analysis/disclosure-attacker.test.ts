/**
 * The attacker sees everything `disclose` releases for a wave, across all views at once, and solves
 * the linear relations between released groups (totals − shown parts, benchmark − schools, network −
 * groups, merged "other" groups, counts × means → sums, % × n → distributions). It must never
 * determine the count, sum/mean or distribution of any set of 1..k−1 respondents: a suppressed small
 * group, a background combination of a school, two of them together, or the schools left out of an
 * aggregate.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { disclose, type Disclosed, type DisclosedGroup } from '../../analysis/index.ts';
import { Attacker, type Observation } from './helpers/attacker.ts';
import { arbWaveSpec, inputOf, type Person, type WaveSpec } from './helpers/synthetic-wave.ts';

interface Released {
  n: number;
  mean: number | null;
  percents: number[] | null;
}

interface Atom {
  school: string;
  combo: Array<string | null>;
  people: Person[];
}

function atomsOf(spec: WaveSpec): Atom[] {
  const map = new Map<string, Atom>();
  for (const p of spec.people) {
    const combo = spec.background.map((b) => p[b.id]);
    const key = JSON.stringify([p.school, combo]);
    const atom = map.get(key) ?? { school: p.school, combo, people: [] };
    atom.people.push(p);
    map.set(key, atom);
  }
  return [...map.values()];
}

function statsOf(people: Person[]): Released {
  const n = people.length;
  if (n === 0) return { n, mean: null, percents: null };
  const sum = people.reduce((s, p) => s + p.value, 0);
  return { n, mean: sum / n, percents: [1, 2, 3, 4, 5].map((v) => (100 * people.filter((p) => p.value === v).length) / n) };
}

/** Attack one wave; returns a description of the first leak, or null. */
export function attack(
  spec: WaveSpec,
  release: (g: DisclosedGroup, value: Released) => Disclosed<Released>,
  groups: readonly DisclosedGroup[],
  searched = { complete: 0, cutOff: 0 },
) {
  const { k } = spec;
  const atoms = atomsOf(spec);
  const atomsIn = (g: DisclosedGroup) =>
    atoms.flatMap((a, i) => {
      if (!g.schoolIds.includes(a.school)) return [];
      if (g.kind !== 'breakdown') return [i];
      const b = spec.background.findIndex((x) => x.id === g.backgroundId);
      return g.categories!.includes(a.combo[b]!) ? [i] : [];
    });
  const size = (set: readonly number[]) => set.reduce((s, i) => s + atoms[i]!.people.length, 0);
  const truth = (set: readonly number[]) => statsOf(set.flatMap((i) => atoms[i]!.people));

  // What the viewer sees: released numbers only, turned into linear equations.
  const observations: Observation[] = [];
  const shown: Array<{ group: DisclosedGroup; atoms: number[] }> = [];
  for (const g of groups) {
    const set = atomsIn(g);
    const d = release(g, truth(set));
    if (d.kind !== 'value') continue;
    const { n, mean, percents } = d.value;
    observations.push({ atoms: set, values: [n, n * (mean ?? 0), ...(percents ?? [0, 0, 0, 0, 0]).map((p) => (p * n) / 100)] });
    shown.push({ group: g, atoms: set });
  }
  const attacker = new Attacker(atoms.length, observations);

  // Sanity: the attacker really solves — a released group's numbers come out of the equations.
  if (shown.length > 0) {
    const probe = shown[shown.length - 1]!;
    const solved = attacker.solve(probe.atoms);
    const t = truth(probe.atoms);
    if (!solved || Math.abs(solved[0]! - t.n) > 1e-6) return `attacker failed to solve released group ${probe.group.key}`;
  }

  const targets: Array<{ what: string; set: number[] }> = [];
  for (const g of groups) if (g.rule !== null) targets.push({ what: `suppressed ${g.key} (${g.rule})`, set: atomsIn(g) });
  atoms.forEach((a, i) => targets.push({ what: `atom ${a.school} ${JSON.stringify(a.combo)}`, set: [i] }));
  for (let i = 0; i < atoms.length; i++) {
    for (let j = i + 1; j < atoms.length; j++) {
      if (atoms[i]!.school === atoms[j]!.school) targets.push({ what: `atoms ${i}+${j}`, set: [i, j] });
    }
  }
  const hiddenSchools = groups.filter((g) => g.kind === 'school' && g.rule !== null).map((g) => atomsIn(g));
  for (let i = 0; i < hiddenSchools.length; i++) {
    for (let j = i + 1; j < hiddenSchools.length; j++)
      targets.push({ what: `hidden schools ${i}+${j}`, set: [...hiddenSchools[i]!, ...hiddenSchools[j]!] });
  }
  for (const { what, set } of targets) {
    const n = size(set);
    if (n === 0 || n >= k) continue;
    if (attacker.derivable(set)) {
      return `leak: ${what} (${n} respondents) = ${JSON.stringify(attacker.solve(set))}, truth ${JSON.stringify(truth(set))}`;
    }
  }

  // Signed integer combinations of released groups (issue 15): "teachers − > 15 years" may touch two
  // people although no *set* of fewer than k is computable.
  const combination = attacker.smallCombination(
    atoms.map((a) => a.people.length),
    k,
  );
  if (combination === 'budget') searched.cutOff++;
  else searched.complete++;
  if (Array.isArray(combination)) {
    const touched = combination.flatMap((c, i) => (c !== 0 ? [i] : []));
    const solved = attacker.solve(combination, true);
    const truthOf = combination.reduce((sum, c, i) => sum + c * atoms[i]!.people.reduce((s, p) => s + p.value, 0), 0);
    const terms = touched
      .map((i) => `${combination[i]! > 0 ? '+' : ''}${combination[i]}·atom ${atoms[i]!.school} ${JSON.stringify(atoms[i]!.combo)}`)
      .join(' ');
    return `leak: signed combination ${terms} (${size(touched)} respondents): sum of answers = ${solved?.[1]}, truth ${truthOf}`;
  }

  // R3 literally: visible nested groups differ by 0 or ≥ k respondents; aggregate − shown schools too.
  for (const a of shown) {
    for (const b of shown) {
      if (a === b) continue;
      const inA = new Set(a.atoms);
      if (!b.atoms.every((x) => inA.has(x))) continue;
      const diff = size(a.atoms) - size(b.atoms);
      if (diff > 0 && diff < k) return `R3: ${a.group.key} − ${b.group.key} = ${diff} respondents`;
    }
    if (a.group.kind === 'benchmark' || a.group.kind === 'network') {
      const shownSchools = new Set(shown.filter((s) => s.group.kind === 'school').map((s) => s.group.schoolId));
      const rest = a.group.schoolIds.filter((id) => !shownSchools.has(id));
      const restN = spec.people.filter((p) => rest.includes(p.school)).length;
      if (restN > 0 && restN < k) return `R3: ${a.group.key} − shown schools = ${restN} respondents`;
    }
  }

  // R1/R2 invariants.
  for (const { group, atoms: set } of shown) if (size(set) < k) return `R1: ${group.key} released with ${size(set)}`;
  return null;
}

describe('attacker against disclose()', () => {
  it('never determines a group or combination of fewer than k respondents (1,000 random waves)', () => {
    let released = 0;
    let suppressed = 0;
    const seen = { benchmarkShown: 0, breakdownShown: 0, breakdownR2: 0, breakdownR3: 0, other: 0, leftOut: 0 };
    const searched = { complete: 0, cutOff: 0 };
    fc.assert(
      fc.property(arbWaveSpec, (spec) => {
        const d = disclose(inputOf(spec), { k: spec.k });
        for (const g of d.groups)
          if (g.released) released++;
          else suppressed++;
        for (const g of d.groups) {
          if (g.kind === 'benchmark' && g.released) seen.benchmarkShown++;
          if (g.other && g.released) seen.other++;
          if (
            (g.kind === 'benchmark' || g.kind === 'network') &&
            g.released &&
            g.schoolIds.length <
              (g.kind === 'network' ? spec.schools.length : spec.benchmarkGroups.find((b) => b.id === g.benchmarkId)!.schoolIds.length)
          )
            seen.leftOut++;
        }
        for (const s of spec.schools)
          for (const b of d.breakdowns(s)) {
            if (b.rule === null) seen.breakdownShown++;
            if (b.rule === 'R2') seen.breakdownR2++;
            if (b.rule === 'R3') seen.breakdownR3++;
          }
        const leak = attack(spec, d.release, d.groups, searched);
        if (leak) throw new Error(leak);
        // every shown breakdown covers the whole school: nothing is "total − shown"
        for (const s of spec.schools) {
          for (const b of d.breakdowns(s)) {
            if (b.rule !== null) continue;
            const shownN = b.groups
              .filter((g) => g.released)
              .reduce((sum, g) => sum + (g.respondents.kind === 'value' ? g.respondents.value : 0), 0);
            expect(shownN).toBe(spec.people.filter((p) => p.school === s).length);
          }
        }
      }),
      { numRuns: 1000 },
    );
    // The generator produces both outcomes in bulk (the test is not vacuous).
    expect(released).toBeGreaterThan(1000);
    expect(suppressed).toBeGreaterThan(1000);
    // …and reaches every mechanism: shown benchmark groups, "other" groups, breakdowns withheld by R2
    // and by R3 (overlap between breakdowns), schools left out of an aggregate.
    for (const [what, count] of Object.entries(seen)) expect(count, what).toBeGreaterThan(20);
    // The signed-combination search ran to the end in (nearly) every wave: its silence means something.
    expect(searched.cutOff).toBeLessThan(searched.complete / 50);
  });

  it('finds signed differences that no subset reveals (the school of issue 15, released naively)', () => {
    // 1 teacher < 5 years, 4 teachers > 15, 1 director > 15, 4 support staff 5–15: both breakdowns
    // pass R2; leraar − gt15 = the new teacher − the director.
    const person = (role: string, seniority: string, value: number) => ({ school: 's00', role, seniority, value });
    const spec: WaveSpec = {
      k: 5,
      schools: ['s00'],
      benchmarkGroups: [],
      background: [
        { id: 'role', options: ['leraar', 'ondersteunend', 'directie'] },
        { id: 'seniority', options: ['lt5', '5to15', 'gt15'] },
      ],
      people: [
        person('leraar', 'lt5', 5),
        ...[3, 3, 4, 2].map((v) => person('leraar', 'gt15', v)),
        person('directie', 'gt15', 1),
        ...[3, 4, 3, 3].map((v) => person('ondersteunend', '5to15', v)),
      ],
    };
    const d = disclose(inputOf(spec), { k: 5 });
    const school = d.school('s00');
    // What the rules before issue 15 released: the school, leraar 5 / other 5, gt15 5 / other 5.
    const tiny = disclose({ waveId: 'x', status: 'sealed', background: [], schools: [{ id: 'x', respondents: 1 }], benchmarkGroups: [] });
    const old = (_: DisclosedGroup, v: Released) => (v.n >= 5 ? d.release(school, v) : tiny.release(tiny.school('x'), v));
    const naive = d.groups.filter((g) => g.kind === 'school' || g.released || g.backgroundId === 'seniority');
    expect(attack(spec, old, naive)).toMatch(/leak: signed combination .*\(2 respondents\): sum of answers = (4|-4), truth \1/);
    expect(attack(spec, d.release, d.groups)).toBeNull();
  });

  it('does break a naive release (R1 only) — the attacker is real', () => {
    // School of 12: role leraar 9, directie 3. Releasing every group with ≥ k respondents shows the
    // school and "leraar"; directie = school − leraar.
    const spec: WaveSpec = {
      k: 5,
      schools: ['s00'],
      benchmarkGroups: [],
      background: [{ id: 'role', options: ['leraar', 'ondersteunend', 'directie'] }],
      people: [
        ...Array.from({ length: 9 }, (_, i) => ({ school: 's00', role: 'leraar', seniority: null, value: 1 + (i % 5) })),
        ...[2, 2, 5].map((value) => ({ school: 's00', role: 'directie', seniority: null, value })),
      ],
    };
    const d = disclose(inputOf(spec), { k: 5 });
    const anyReleased = d.school('s00');
    const naive = (g: DisclosedGroup, v: Released) =>
      v.n >= 5
        ? d.release(anyReleased, v)
        : d.release(
            d.breakdown('s00', 'role').groups.find((x) => !x.released)!,
            v,
          );
    const leak = attack(spec, naive, d.groups);
    // directie: n 3, sum 9, answers 2, 2, 5 — computed from released numbers only
    expect(leak).toMatch(/leak: suppressed breakdown:s00:role:o.directie \(R2\) \(3 respondents\) = \[3,9,0,2,0,0,1\]/);
    expect(attack(spec, d.release, d.groups)).toBeNull();
  });
});
