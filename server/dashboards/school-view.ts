import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import {
  combineDisclosed,
  compareWithBenchmark,
  mapDisclosed,
  rankAmongReleased,
  sortedForRanking,
  sortedIncludes,
  summaryOfAtLeast,
  trend,
  unavailable,
  type Disclosed,
  type DisclosedBreakdown,
  type GroupReport,
  type Stat,
  type Summary,
  type TrendStep,
} from '../../analysis/index.ts';
import { HttpProblem } from '../platform/problems.ts';
import { breakdownThemes, groupResults, loadWaveResults, schoolThemeSummaries, type WaveResults } from '../results/wave-results.ts';
import { schoolBreakdowns } from '../results/school-breakdowns.ts';
import { sealedWavesAround } from '../waves.ts';
import { compiledOnce } from '../db/compiled-query.ts';
import { turns } from '../platform/turns.ts';

/** A page's numbers, view-model and template, one request at a time (server/platform/turns.ts). */
const inTurn = turns();

/**
 * Everything one school's dashboard (and its printable report and JSON) shows for a sealed wave,
 * still as `Disclosed` values: formatting happens in the view-models (`dashboard-view.ts`, `results/format.ts`), numbers only here.
 */
export interface SchoolWaveResults {
  results: WaveResults;
  schoolId: string;
  school: Disclosed<GroupReport>;
  respondents: Disclosed<number>;
  benchmark: { id: string; report: Disclosed<GroupReport>; schools: Disclosed<number> };
  network: Disclosed<GroupReport>;
  themes: Array<{
    themeId: string;
    comparison: Disclosed<ReturnType<typeof compareWithBenchmark>>;
    percentile: Disclosed<Stat>;
    trend: TrendStep[];
    /** per trend point: the wave's name, same order as `trend` */
    trendWaves: Array<{ id: string; name: string }>;
  }>;
  /** the school's previous sealed wave of this questionnaire key, with its % favourable per theme (this wave's themes), as that wave released them */
  previous: { id: string; name: string; favourable: Disclosed<Stat[]> } | null;
  breakdowns: Array<{
    breakdown: DisclosedBreakdown;
    groups: Array<{
      categories: ReadonlyArray<string | null>;
      other: boolean;
      respondents: Disclosed<number>;
      /** per theme (layout order): all a breakdown group shows */
      themes: Disclosed<Summary[]>;
    }>;
  }>;
  /** the comments a moderator showed (issue 19), under R5 */
  comments: Disclosed<readonly string[]>;
  /** per theme (layout order), how many of those comments concern it; only from k comments on */
  commentThemes: Disclosed<number[]>;
}

/**
 * Theme means of every released school, per wave, each list sorted ascending: what percentile
 * ranks are taken among. Sorted once per wave, so a dashboard finds and ranks its school by binary
 * search instead of copying and sorting every released school's mean (~3,700 in a network wave)
 * for each theme on every request.
 */
const releasedMeans = new WeakMap<WaveResults, ReadonlyArray<readonly number[]>>();

function schoolThemeMeans(results: WaveResults): ReadonlyArray<readonly number[]> {
  const hit = releasedMeans.get(results);
  if (hit) return hit;
  const means = results.layout.themes.map(() => [] as number[]);
  for (const school of results.schools.values()) {
    // Unpacked on every read: once per school.
    const scores = school.themeScores;
    if (!scores || !results.disclosure.school(school.id).released) continue;
    results.layout.themes.forEach((_, ti) => {
      const s = summaryOfAtLeast(scores[ti]!, results.wave.k);
      if (s.mean.ok) means[ti]!.push(s.mean.value);
    });
  }
  const sorted = means.map(sortedForRanking);
  releasedMeans.set(results, sorted);
  return sorted;
}

export async function schoolWaveResults(db: Kysely<Database>, waveId: string, schoolId: string): Promise<SchoolWaveResults> {
  return (await schoolWaveResultsWith(db, waveId, schoolId, () => Promise.resolve(null))).data;
}

/**
 * `schoolWaveResults`, with `alongside` — what else the page needs from the database for the
 * school's trend waves (its action plan) — read together with it. Everything is read first and the
 * numbers are made after the last read: the reads overlap (issue 17: the p50 of fifty dashboards at
 * once 260–276 → 188–225 ms), and nothing made for the page waits in memory while others run.
 * The numbers and `use` (the caller's view-model and page) are made in one turn: one request's at a
 * time, so `use` must not wait for I/O.
 */
export async function schoolWaveResultsWith<T, R = { data: SchoolWaveResults; alongside: T }>(
  db: Kysely<Database>,
  waveId: string,
  schoolId: string,
  alongside: (trendWaveIds: string[]) => Promise<T>,
  use: (made: { data: SchoolWaveResults; alongside: T }) => R | Promise<R> = (made) => made as R,
): Promise<R> {
  const results = await loadWaveResults(db, waveId);
  const info = results.schools.get(schoolId);
  if (!info) throw new HttpProblem(404, 'dashboard.error.notInWave');
  const waves = await historyWaves(db, results, schoolId);
  // The school's breakdowns (stored at sealing, one row for all its groups), its comments and the
  // caller's reads, together.
  const [stored, commentRows, extra] = await Promise.all([
    schoolBreakdowns(db, results, schoolId),
    shownComments(db, waveId, schoolId),
    alongside(waves.map((w) => w.id)),
  ]);
  return inTurn(async () => use(await made(db, results, schoolId, waves, stored, commentRows, extra)));
}

/** The numbers of a school's dashboard from what was read for it: CPU only. */
async function made<T>(
  db: Kysely<Database>,
  results: WaveResults,
  schoolId: string,
  waves: Awaited<ReturnType<typeof historyWaves>>,
  stored: Awaited<ReturnType<typeof schoolBreakdowns>>,
  commentRows: Array<{ text: string; themes: string[] }>,
  extra: T,
): Promise<{ data: SchoolWaveResults; alongside: T }> {
  const d = results.disclosure;
  const info = results.schools.get(schoolId)!;
  const schoolGroup = d.school(schoolId);
  const benchGroup = d.benchmarkGroup(info.benchmarkGroup);
  const school = await groupResults(db, results, schoolGroup);
  const bench = await groupResults(db, results, benchGroup);
  const network = await groupResults(db, results, d.network());
  const history = schoolHistory(results, waves, schoolId);
  const before = waves.length >= 2 ? waves[waves.length - 2]! : null;
  const previous = before
    ? { id: before.id, name: before.name, favourable: await favourableIn(db, before.results, schoolId, results) }
    : null;
  const means = schoolThemeMeans(results);

  const themes = results.layout.themes.map((theme, ti) => {
    const comparison = combineDisclosed([school, bench] as const, (s, b) => {
      const bm = b.themes[ti]!.mean;
      return bm.ok
        ? compareWithBenchmark(s.themes[ti]!, bm.value)
        : { difference: unavailable<number>(bm.reason), distinguishable: unavailable<boolean>(bm.reason) };
    });
    const percentile = mapDisclosed(school, (s): Stat => {
      const m = s.themes[ti]!.mean;
      return m.ok && sortedIncludes(means[ti]!, m.value)
        ? rankAmongReleased(m.value, means[ti]!)
        : unavailable(m.ok ? 'no-data' : m.reason);
    });
    const points = history.map((h) => ({ waveId: h.id, k: h.k, summary: h.summaries.kind === 'value' ? h.summaries.value[ti]! : null }));
    return { themeId: theme.id, comparison, percentile, trend: trend(points), trendWaves: history.map(({ id, name }) => ({ id, name })) };
  });

  const breakdowns = [];
  for (const b of d.breakdowns(schoolId)) {
    const groups = [];
    for (const g of b.groups) {
      groups.push({
        categories: g.categories ?? [],
        other: g.other,
        respondents: g.respondents,
        themes: await breakdownThemes(db, results, g, stored),
      });
    }
    breakdowns.push({ breakdown: b, groups });
  }

  const data: SchoolWaveResults = {
    results,
    schoolId,
    school,
    respondents: schoolGroup.respondents,
    benchmark: { id: info.benchmarkGroup, report: bench, schools: d.release(benchGroup, benchGroup.schoolIds.length) },
    network,
    themes,
    previous,
    breakdowns,
    comments: d.comments(
      schoolId,
      commentRows.map((c) => c.text),
    ),
    commentThemes: d.commentThemes(
      schoolId,
      commentRows.map((c) => c.themes),
      results.layout.themes.map((t) => t.id),
    ),
  };
  return { data, alongside: extra };
}

/** The comments a moderator showed: pending and withheld ones never leave the database here. */
const shownComments = compiledOnce((db, waveId: string, schoolId: string) =>
  db
    .selectFrom('comment')
    .select(['text', 'themes'])
    .where('wave_id', '=', waveId)
    .where('school_id', '=', schoolId)
    .where('moderation', '=', 'shown')
    .orderBy('id'),
);

/**
 * The school's sealed waves of the same questionnaire key through the one viewed, oldest first,
 * with their results (the viewed wave's own, the others loaded once per process).
 */
async function historyWaves(db: Kysely<Database>, current: WaveResults, schoolId: string) {
  const waves = await sealedWavesAround(db, { id: current.wave.id, key: current.questionnaire.id }, 'through', schoolId);
  // The wave and the school's part in it, as the database has them now: results kept in memory do
  // not answer for a wave another process removed (the dashboard asks nothing else of the database).
  if (!waves.some((w) => w.id === current.wave.id)) throw new HttpProblem(404, 'dashboard.error.noResults');
  // Earlier waves load together: after a restart their database reads overlap.
  const loaded = await Promise.all(waves.map((w) => (w.id === current.wave.id ? current : loadWaveResults(db, w.id))));
  return waves.map((w, i) => ({ ...w, results: loaded[i]! }));
}

/**
 * The school's theme summaries in each of `waves`, each as its own disclosure released them (null
 * where the school was suppressed).
 */
function schoolHistory(current: WaveResults, waves: ReadonlyArray<{ id: string; name: string; results: WaveResults }>, schoolId: string) {
  const themeIds = current.layout.themes.map((t) => t.id);
  return waves.map(({ id, name, results: r }) => {
    const group = r.disclosure.school(schoolId);
    const summaries = schoolThemeSummaries(r, schoolId, themeIds);
    return { id, name, k: r.wave.k, summaries: r.disclosure.release(group, summaries) };
  });
}

/**
 * A school's % favourable per theme in an earlier wave, on the themes of the wave viewed (matched by
 * id; a theme that wave did not ask is no-data), released or withheld as that wave decided.
 */
async function favourableIn(
  db: Kysely<Database>,
  earlier: WaveResults,
  schoolId: string,
  current: WaveResults,
): Promise<Disclosed<Stat[]>> {
  const report = await groupResults(db, earlier, earlier.disclosure.school(schoolId));
  return mapDisclosed(report, (r) =>
    current.layout.themes.map((t) => {
      const ti = earlier.layout.themes.findIndex((x) => x.id === t.id);
      return ti < 0 ? unavailable('no-data') : r.themes[ti]!.favourable;
    }),
  );
}
