/** Input and plain (not yet branded) decisions of the disclosure planner. Public types are re-exported by `../disclosure.ts`. */

export type Rule = 'R1' | 'R2' | 'R3' | 'R4' | 'R5';

/** Where a wave is, as disclosure sees it: draft → open → sealed. Only a sealed wave is reported (R4). */
export type DisclosureStatus = 'draft' | 'open' | 'sealed';

export interface DisclosureConfig {
  /** minimum group size k (design §5): default 5, an integer ≥ 3; fixed once a wave opens */
  k?: number;
}

/**
 * Everything a wave's views and exports can show, together: `disclose` decides over all of it at
 * once, so that combining views (school pages, benchmark, network, breakdowns, CSV) reveals nothing
 * that one view hides.
 */
export interface DisclosureInput {
  waveId: string;
  status: DisclosureStatus;
  /** background items that may be broken down by, in questionnaire order (earlier = preferred when
   * two breakdowns of one school cannot both be shown), each with its option ids in order */
  background: ReadonlyArray<{ id: string; options: readonly string[] }>;
  schools: ReadonlyArray<SchoolInput>;
  /** benchmark groups by member school ids (groups may overlap); the network is always all schools */
  benchmarkGroups: ReadonlyArray<{ id: string; schoolIds: readonly string[] }>;
}

export interface SchoolInput {
  id: string;
  /** responses of the school in this wave */
  respondents: number;
  /**
   * Joint counts of background answers: one entry per combination that occurs, e.g.
   * `{ background: { role: 'leraar', seniority: null }, count: 7 }` (`null` or a missing key = not
   * answered). Counts must add up to `respondents`. Omit to offer no breakdowns for this school.
   */
  cells?: ReadonlyArray<{ background: Readonly<Record<string, string | null>>; count: number }>;
}

export type GroupKind = 'school' | 'benchmark' | 'network' | 'breakdown';

export interface PlannedGroup {
  key: string;
  kind: GroupKind;
  schoolId: string | null;
  benchmarkId: string | null;
  backgroundId: string | null;
  /** breakdown groups: the background options covered (`null` = did not answer the background item) */
  categories: ReadonlyArray<string | null> | null;
  /** breakdown group that merges several small categories ("other") */
  other: boolean;
  /** schools whose respondents the group's numbers must be computed over */
  schoolIds: readonly string[];
  respondents: number;
  /** null = released */
  rule: Rule | null;
  /** whether the respondent count may be shown (released groups; schools etc. during an open wave) */
  countReleased: boolean;
}

export interface PlannedBreakdown {
  schoolId: string;
  backgroundId: string;
  rule: Rule | null;
  groupKeys: readonly string[];
}

export interface SchoolPlan {
  groups: PlannedGroup[];
  breakdowns: PlannedBreakdown[];
}

export interface Plan {
  waveId: string;
  status: DisclosureStatus;
  k: number;
  /** schools, then benchmark groups and the network */
  groups: PlannedGroup[];
  /** every school, in the order breakdown groups are listed */
  schoolIds: string[];
  /** a school's breakdown groups and breakdowns (computed on each call) */
  schoolBreakdownsOf(schoolId: string): SchoolPlan;
}

/**
 * A sealed wave's decisions, whole — every school's breakdowns decided — as plain data to store.
 * Outputs made from stored decisions later do not depend on the rules, or the code, in force then:
 * a sealed wave releases what it released when it was sealed (issue 15). Compact, as a network wave
 * has ~40,000 groups: what a group's key, kind and school follow from is not repeated.
 */
export interface Decisions {
  version: 1;
  waveId: string;
  status: DisclosureStatus;
  k: number;
  /** every school, in `Plan.schoolIds` order, with its own group's decision and its breakdowns */
  schools: StoredSchool[];
  /** benchmark groups, then the network (id null): the schools (indexes into `schools`) their numbers are computed over */
  aggregates: Array<[id: string | null, schools: number[], respondents: number, rule: Rule | null, countReleased: boolean]>;
}

export type StoredSchool = [id: string, respondents: number, rule: Rule | null, countReleased: boolean, breakdowns: StoredBreakdown[]];

/** A breakdown: its groups' categories, whether one is "other", respondents and rule (released when null). */
export type StoredBreakdown = [
  backgroundId: string,
  rule: Rule | null,
  groups: Array<[categories: Array<string | null>, other: boolean, respondents: number, rule: Rule | null]>,
];
