/**
 * Disclosure control (design §5): the one place that decides which numbers of a wave may be shown.
 *
 * `disclose(wave, config)` takes every group that any view or export of the wave can show — all
 * schools, their breakdowns by background items, benchmark groups, the network — and decides over
 * all of them together (R1–R4). Numbers reach a page or CSV only as `Disclosed<T>`, which only this
 * module can construct (its brand is a module-private symbol): `Disclosure.release(group, stats)`
 * wraps a group's statistics as a value when the group is released, or as suppressed with its rule.
 * Comments go through `Disclosure.comments` (R5).
 */
import { NETWORK_KEY, benchmarkKey, decisionsOf, plan, planOf, schoolKey } from './disclosure/plan.ts';
import type {
  Decisions,
  DisclosureConfig,
  DisclosureInput,
  GroupKind,
  Plan,
  PlannedGroup,
  Rule,
  DisclosureStatus,
} from './disclosure/types.ts';
import { seededShuffle } from './seeded-shuffle.ts';
import { countCommentThemes } from './comment-themes.ts';

export type { Decisions, DisclosureConfig, DisclosureInput, GroupKind, Rule, SchoolInput, DisclosureStatus } from './disclosure/types.ts';
export { DEFAULT_K } from './disclosure/validate.ts';

const BRAND: unique symbol = Symbol('schoolpols.disclosed');

/**
 * A number (or any statistic) that passed disclosure control: either a value that may be shown, or
 * suppressed with the rule that suppressed it. Only `disclose` and the helpers below make one.
 */
export type Disclosed<T> =
  | { readonly [BRAND]: true; readonly kind: 'value'; readonly value: T }
  | { readonly [BRAND]: true; readonly kind: 'suppressed'; readonly rule: Rule };

function released<T>(value: T): Disclosed<T> {
  return Object.freeze({ [BRAND]: true as const, kind: 'value' as const, value });
}

/** One frozen value per rule: a suppression carries nothing else, and a network wave has tens of thousands. */
const SUPPRESSED = new Map<Rule, Disclosed<never>>();

function suppressed<T>(rule: Rule): Disclosed<T> {
  let s = SUPPRESSED.get(rule);
  if (!s) SUPPRESSED.set(rule, (s = Object.freeze({ [BRAND]: true as const, kind: 'suppressed' as const, rule })));
  return s;
}

/** Runtime check for templates/CSV writers: was this produced by `disclose`? */
export function isDisclosed(x: unknown): x is Disclosed<unknown> {
  return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[BRAND] === true;
}

/** A statistic derived from one released value (e.g. formatting); suppression passes through. `f`
 * must only use its argument. */
export function mapDisclosed<T, U>(d: Disclosed<T>, f: (value: T) => U): Disclosed<U> {
  return d.kind === 'value' ? released(f(d.value)) : suppressed(d.rule);
}

/** A statistic derived from several released values (school − benchmark, change between waves);
 * suppressed with the first rule when any input is suppressed. `f` must only use its arguments. */
export function combineDisclosed<T extends readonly unknown[], U>(
  inputs: { readonly [K in keyof T]: Disclosed<T[K]> },
  f: (...values: T) => U,
): Disclosed<U> {
  const list = inputs as ReadonlyArray<Disclosed<unknown>>;
  const hidden = list.find((d) => d.kind === 'suppressed');
  if (hidden && hidden.kind === 'suppressed') return suppressed(hidden.rule);
  return released(f(...(list.map((d) => (d as { value: unknown }).value) as unknown as T)));
}

/** One group of a wave and the decision about it. */
export interface DisclosedGroup {
  readonly key: string;
  readonly kind: GroupKind;
  readonly schoolId: string | null;
  readonly benchmarkId: string | null;
  readonly backgroundId: string | null;
  /** breakdown groups: the background options covered (`null` = did not answer that item) */
  readonly categories: ReadonlyArray<string | null> | null;
  /** the breakdown's "other" group (several merged categories) */
  readonly other: boolean;
  /** compute the group's numbers over the respondents of exactly these schools (for benchmark
   * groups and the network this can leave out small schools, see R3), restricted to `categories` */
  readonly schoolIds: readonly string[];
  /** exact respondent count ("fewer than k" when suppressed by R1) */
  readonly respondents: Disclosed<number>;
  readonly released: boolean;
  /** why it is suppressed; null when released */
  readonly rule: Rule | null;
}

export interface DisclosedBreakdown {
  readonly schoolId: string;
  readonly backgroundId: string;
  /** null = shown; otherwise the whole breakdown is withheld */
  readonly rule: Rule | null;
  /** shown: the released groups (single options, then "other"), then hidden options (merged or empty);
   * withheld: every option, suppressed with the breakdown's rule */
  readonly groups: readonly DisclosedGroup[];
}

export interface Disclosure {
  readonly waveId: string;
  readonly status: DisclosureStatus;
  readonly k: number;
  /** every group of the wave, in a deterministic order (schools, benchmark groups, the network, then
   * each school's breakdown groups). Deciding every breakdown of a large wave takes time and memory:
   * views use `school`, `benchmarkGroup`, `network` and `breakdowns` instead. */
  readonly groups: readonly DisclosedGroup[];
  school(schoolId: string): DisclosedGroup;
  benchmarkGroup(benchmarkId: string): DisclosedGroup;
  network(): DisclosedGroup;
  breakdowns(schoolId: string): readonly DisclosedBreakdown[];
  breakdown(schoolId: string, backgroundId: string): DisclosedBreakdown;
  /** `value` (the group's statistics) as shown, or suppressed with the group's rule */
  release<T>(group: DisclosedGroup, value: T): Disclosed<T>;
  /** R5: a school's comments, deterministically shuffled, when the school is released and has ≥ 10
   * respondents. Never show them beside other answers, never export them. */
  comments(schoolId: string, comments: readonly string[]): Disclosed<readonly string[]>;
  /** How many of a school's shown comments concern each theme (`tags`: each comment's theme ids),
   * when its comments pass R5 and are at least k (fewer: R1); in `themeIds` order. */
  commentThemes(schoolId: string, tags: ReadonlyArray<readonly string[]>, themeIds: readonly string[]): Disclosed<number[]>;
  /** The same over the network: the comments of every school whose comments pass R5, released when
   * they are at least k. Schools whose comments no one may read are left out, so no difference with
   * a school's counts says anything about comments that stayed hidden. */
  networkCommentThemes(
    tagsBySchool: ReadonlyMap<string, ReadonlyArray<readonly string[]>>,
    themeIds: readonly string[],
  ): Disclosed<number[]>;
}

/** Minimum respondents of a school for its comments to be shown (R5). */
export const MIN_COMMENT_RESPONDENTS = 10;

function toGroup(g: PlannedGroup): DisclosedGroup {
  return Object.freeze({
    key: g.key,
    kind: g.kind,
    schoolId: g.schoolId,
    benchmarkId: g.benchmarkId,
    backgroundId: g.backgroundId,
    categories: g.categories && Object.freeze(g.categories),
    other: g.other,
    schoolIds: Object.freeze(g.schoolIds),
    respondents: g.countReleased ? released(g.respondents) : suppressed<number>(g.rule ?? 'R1'),
    released: g.rule === null,
    rule: g.rule,
  });
}

/**
 * Decides, for a whole wave at once, which groups' numbers may be shown (design §5, R1–R5).
 * Same input (in any order) and config → same decisions. Throws on invalid input or k < 3.
 */
export function disclose(wave: DisclosureInput, config?: DisclosureConfig): Disclosure {
  return fromPlan(plan(wave, config));
}

/**
 * Every decision `disclose` would make about the wave, each school's breakdowns included, as plain
 * data: what a sealed wave stores, so that what it releases never changes (issue 15).
 */
export function decide(wave: DisclosureInput, config?: DisclosureConfig): Decisions {
  return decisionsOf(plan(wave, config));
}

/** The disclosure that stored decisions describe: the very groups and decisions `decide` made. */
export function discloseDecided(decisions: Decisions): Disclosure {
  return fromPlan(planOf(decisions));
}

function fromPlan(p: Plan): Disclosure {
  const { waveId, status, k } = p;
  // Groups are frozen: the decision each carries cannot be edited after it is handed out, so
  // `release` can read it from the group once it has checked the group is its own.
  const base: readonly DisclosedGroup[] = p.groups.map(toGroup);
  const byKey = new Map(base.map((g) => [g.key, g]));
  const get = (key: string, what: string): DisclosedGroup => {
    const g = byKey.get(key);
    if (!g) throw new RangeError(`unknown ${what} in wave "${waveId}"`);
    return g;
  };
  // A school's breakdowns are decided when first asked for (they depend on that school alone): a
  // network wave keeps the ~4,000 school and aggregate groups, not ~35,000 breakdown groups nobody
  // has looked at. Once decided they are kept, so every later call returns the very same groups.
  const bySchool = new Map<string, { groups: readonly DisclosedGroup[]; breakdowns: readonly DisclosedBreakdown[] }>();
  const ofSchool = (schoolId: string) => {
    let hit = bySchool.get(schoolId);
    if (hit) return hit;
    const planned = p.schoolBreakdownsOf(schoolId);
    const groups = planned.groups.map(toGroup);
    for (const g of groups) byKey.set(g.key, g);
    const breakdowns = planned.breakdowns.map((b) =>
      Object.freeze({
        schoolId: b.schoolId,
        backgroundId: b.backgroundId,
        rule: b.rule,
        groups: Object.freeze(b.groupKeys.map((key) => byKey.get(key)!)),
      }),
    );
    bySchool.set(schoolId, (hit = { groups, breakdowns: Object.freeze(breakdowns) }));
    return hit;
  };
  /** R5: why a school's comments stay hidden, or null when they may be shown. */
  const commentRule = (schoolId: string): Rule | null => {
    const { rule, respondents } = get(schoolKey(schoolId), `school "${schoolId}"`);
    if (rule !== null || respondents.kind !== 'value') return rule ?? 'R1';
    return respondents.value < MIN_COMMENT_RESPONDENTS ? 'R5' : null;
  };
  let all: readonly DisclosedGroup[] | null = null;
  const disclosure: Disclosure = {
    waveId,
    status,
    k,
    get groups() {
      return (all ??= Object.freeze([...base, ...p.schoolIds.flatMap((id) => ofSchool(id).groups)]));
    },
    school: (id) => get(schoolKey(id), `school "${id}"`),
    benchmarkGroup: (id) => get(benchmarkKey(id), `benchmark group "${id}"`),
    network: () => get(NETWORK_KEY, 'network'),
    breakdowns: (schoolId) => {
      get(schoolKey(schoolId), `school "${schoolId}"`);
      return ofSchool(schoolId).breakdowns;
    },
    breakdown: (schoolId, backgroundId) => {
      const b = byKey.has(schoolKey(schoolId)) ? ofSchool(schoolId).breakdowns.find((x) => x.backgroundId === backgroundId) : undefined;
      if (!b) throw new RangeError(`no breakdown of school "${schoolId}" by "${backgroundId}" in wave "${waveId}"`);
      return b;
    },
    release: <T>(group: DisclosedGroup, value: T): Disclosed<T> => {
      if (byKey.get(group.key) !== group) throw new RangeError(`group "${group.key}" does not belong to this disclosure`);
      return group.rule === null ? released(value) : suppressed(group.rule);
    },
    comments: (schoolId, comments) => {
      const rule = commentRule(schoolId);
      return rule ? suppressed(rule) : released(Object.freeze(seededShuffle(comments, `${waveId}\u0000${schoolId}`)));
    },
    commentThemes: (schoolId, tags, themeIds) => {
      const rule = commentRule(schoolId) ?? (tags.length < k ? 'R1' : null);
      return rule ? suppressed(rule) : released(countCommentThemes(tags, themeIds));
    },
    networkCommentThemes: (tagsBySchool, themeIds) => {
      const readable = [...tagsBySchool].filter(([schoolId]) => commentRule(schoolId) === null).flatMap(([, tags]) => tags);
      return readable.length < k ? suppressed('R1') : released(countCommentThemes(readable, themeIds));
    },
  };
  return Object.freeze(disclosure);
}
