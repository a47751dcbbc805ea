import { aggregatesR3, type Aggregate } from './aggregates-r3.ts';
import { schoolBreakdowns } from './school-breakdowns.ts';
import type {
  Decisions,
  DisclosureConfig,
  DisclosureInput,
  Plan,
  PlannedBreakdown,
  PlannedGroup,
  Rule,
  SchoolPlan,
  StoredBreakdown,
  StoredSchool,
} from './types.ts';
import { normalize, validK, type Normalized, type NormalizedSchool } from './validate.ts';

const enc = (s: string) => encodeURIComponent(s);
export const schoolKey = (id: string) => `school:${enc(id)}`;
export const benchmarkKey = (id: string) => `benchmark:${enc(id)}`;
export const NETWORK_KEY = 'network';
/** Options are `o.<id>`, so no option id (not even "other") can collide with `~none` / `~other`. */
export const breakdownKey = (schoolId: string, backgroundId: string, category: string | null, other = false) =>
  `breakdown:${enc(schoolId)}:${enc(backgroundId)}:${other ? '~other' : category === null ? '~none' : `o.${enc(category)}`}`;

type GroupFields = Pick<PlannedGroup, 'key' | 'kind' | 'schoolIds' | 'respondents' | 'rule' | 'countReleased'> & Partial<PlannedGroup>;

/** A planned group with every field in one fixed order (one object shape: fast to build and read). */
function group(f: GroupFields): PlannedGroup {
  return {
    key: f.key,
    kind: f.kind,
    schoolId: f.schoolId ?? null,
    benchmarkId: f.benchmarkId ?? null,
    backgroundId: f.backgroundId ?? null,
    categories: f.categories ?? null,
    other: f.other ?? false,
    schoolIds: f.schoolIds,
    respondents: f.respondents,
    rule: f.rule,
    countReleased: f.countReleased,
  };
}

/** All decisions for one wave (plain data; `disclose` turns them into `Disclosed` values); a school's breakdowns on request. */
export function plan(input: DisclosureInput, config?: DisclosureConfig): Plan {
  const k = validK(config);
  const wave = normalize(input);
  const sealed = wave.status === 'sealed';
  const groups: PlannedGroup[] = [];
  const nOf = new Map(wave.schools.map((s) => [s.id, s.respondents]));
  const sumOf = (ids: readonly string[]) => ids.reduce((s, id) => s + (nOf.get(id) ?? 0), 0);

  const aggregates: Aggregate[] = [
    ...wave.benchmarkGroups.map((g) => ({ key: benchmarkKey(g.id), id: g.id, kind: 'benchmark' as const, schoolIds: g.schoolIds })),
    { key: NETWORK_KEY, id: null, kind: 'network', schoolIds: wave.schools.map((s) => s.id) },
  ];
  const decided = sealed ? aggregatesR3(nOf, aggregates, k) : null;

  for (const s of wave.schools) {
    const rule: Rule | null = !sealed ? 'R4' : s.respondents < k ? 'R1' : null;
    // Response counts of schools are fine while a wave is open (R1); afterwards only with results.
    groups.push(
      group({
        key: schoolKey(s.id),
        kind: 'school',
        schoolId: s.id,
        schoolIds: [s.id],
        respondents: s.respondents,
        rule,
        countReleased: !sealed || rule === null,
      }),
    );
  }
  for (const a of aggregates) {
    const d = decided?.get(a.key);
    const schoolIds = d ? d.schoolIds : [...a.schoolIds];
    const rule: Rule | null = !sealed ? 'R4' : d!.shown ? null : 'R3';
    groups.push(
      group({
        benchmarkId: a.id,
        key: a.key,
        kind: a.kind,
        schoolIds,
        respondents: sumOf(schoolIds),
        rule,
        countReleased: !sealed || rule === null,
      }),
    );
  }

  // A school's breakdowns depend on that school alone (its background cells and k), so they are
  // planned when first asked for: a network wave has ~35,000 breakdown groups, and a dashboard
  // needs one school's. `schoolBreakdownsOf` is deterministic, so asking twice gives the same plan.
  const schoolIndex = new Map(wave.schools.map((s, i) => [s.id, i]));
  const schoolBreakdownsOf = (schoolId: string): SchoolPlan => {
    const i = schoolIndex.get(schoolId);
    if (i === undefined) throw new RangeError(`unknown school "${schoolId}"`);
    return planSchool(wave.schools[i]!, wave.background, k, sealed);
  };
  return { waveId: wave.waveId, status: wave.status, k, groups, schoolIds: wave.schools.map((s) => s.id), schoolBreakdownsOf };
}

/** Every decision of a plan, each school's breakdowns included, as data to store. */
export function decisionsOf(p: Plan): Decisions {
  const index = new Map(p.schoolIds.map((id, i) => [id, i]));
  const schools = new Map(p.groups.filter((g) => g.kind === 'school').map((g) => [g.schoolId!, g]));
  const byKey = (plan: SchoolPlan) => new Map(plan.groups.map((g) => [g.key, g]));
  return {
    version: 1,
    waveId: p.waveId,
    status: p.status,
    k: p.k,
    schools: p.schoolIds.map((id): StoredSchool => {
      const g = schools.get(id)!;
      const own = p.schoolBreakdownsOf(id);
      const groups = byKey(own);
      const breakdowns = own.breakdowns.map((b): StoredBreakdown => [
        b.backgroundId,
        b.rule,
        b.groupKeys.map((key) => {
          const x = groups.get(key)!;
          return [[...x.categories!], x.other, x.respondents, x.rule];
        }),
      ]);
      return [id, g.respondents, g.rule, g.countReleased, breakdowns];
    }),
    aggregates: p.groups
      .filter((g) => g.kind === 'benchmark' || g.kind === 'network')
      .map((g) => [g.benchmarkId, g.schoolIds.map((id) => index.get(id)!), g.respondents, g.rule, g.countReleased]),
  };
}

/** The plan that stored decisions describe, group for group; refuses anything it cannot read as such. */
export function planOf(d: Decisions): Plan {
  if (d.version !== 1) throw new RangeError(`stored decisions of version ${String(d.version)} cannot be read`);
  if (!Array.isArray(d.schools) || !Array.isArray(d.aggregates))
    throw new RangeError(`stored decisions of wave "${d.waveId}" are incomplete`);
  const schoolIds = d.schools.map((s) => s[0]);
  const groups: PlannedGroup[] = d.schools.map(([id, respondents, rule, countReleased]) =>
    group({ key: schoolKey(id), kind: 'school', schoolId: id, schoolIds: [id], respondents, rule, countReleased }),
  );
  for (const [id, members, respondents, rule, countReleased] of d.aggregates) {
    const schoolIdsOf = members.map((i) => {
      if (schoolIds[i] === undefined) throw new RangeError(`stored decisions of wave "${d.waveId}" are incomplete`);
      return schoolIds[i];
    });
    groups.push(
      group({
        key: id === null ? NETWORK_KEY : benchmarkKey(id),
        kind: id === null ? 'network' : 'benchmark',
        benchmarkId: id,
        schoolIds: schoolIdsOf,
        respondents,
        rule,
        countReleased,
      }),
    );
  }
  const index = new Map(schoolIds.map((id, i) => [id, i]));
  return {
    waveId: d.waveId,
    status: d.status,
    k: d.k,
    groups,
    schoolIds,
    schoolBreakdownsOf: (schoolId) => {
      const i = index.get(schoolId);
      if (i === undefined) throw new RangeError(`unknown school "${schoolId}"`);
      const plan: SchoolPlan = { groups: [], breakdowns: [] };
      for (const [backgroundId, rule, parts] of d.schools[i]![4]) {
        const groupKeys = parts.map(([categories, other, respondents, partRule]) => {
          const key = breakdownKey(schoolId, backgroundId, categories[0]!, other);
          plan.groups.push(
            group({
              key,
              kind: 'breakdown',
              schoolId,
              backgroundId,
              categories,
              other,
              schoolIds: [schoolId],
              respondents,
              rule: partRule,
              countReleased: partRule === null,
            }),
          );
          return key;
        });
        plan.breakdowns.push({ schoolId, backgroundId, rule, groupKeys });
      }
      return plan;
    },
  };
}

/** The breakdown groups and breakdowns of one school. */
function planSchool(s: NormalizedSchool, background: Normalized['background'], k: number, sealed: boolean): SchoolPlan {
  const groups: PlannedGroup[] = [];
  const breakdowns: PlannedBreakdown[] = [];
  if (s.atoms === null) return { groups, breakdowns };
  const schoolRule: Rule | null = !sealed ? 'R4' : s.respondents < k ? 'R1' : null;
  const planned = schoolRule === null ? schoolBreakdowns(s, background, k) : null;
  const own = [s.id];
  background.forEach((bg, b) => {
    const one = planned?.[b];
    const part = (categories: ReadonlyArray<string | null>, other: boolean, respondents: number, rule: Rule | null): string => {
      const key = breakdownKey(s.id, bg.id, categories[0]!, other);
      groups.push(
        group({
          key,
          kind: 'breakdown',
          schoolId: s.id,
          backgroundId: bg.id,
          categories,
          other,
          schoolIds: own,
          respondents,
          rule,
          countReleased: rule === null,
        }),
      );
      return key;
    };
    const counts = [...bg.options, null].map((category) => ({
      category,
      count: s.atoms!.reduce((sum, a) => sum + (a.combo[b] === category ? a.count : 0), 0),
    }));
    if (!one || one.rule !== null) {
      const rule = schoolRule ?? one!.rule!;
      const groupKeys = counts.map((c) => part([c.category], false, c.count, rule));
      breakdowns.push({ schoolId: s.id, backgroundId: bg.id, rule, groupKeys });
      return;
    }
    const groupKeys = one.result.parts.map((p) => part(p.categories, p.other, p.count, null));
    for (const h of one.result.hidden) groupKeys.push(part([h.category], false, h.count, h.count < k ? 'R1' : 'R2'));
    breakdowns.push({ schoolId: s.id, backgroundId: bg.id, rule: null, groupKeys });
  });
  return { groups, breakdowns };
}
