import { sql, type Kysely } from 'kysely';
import { isSealed } from '../waves.ts';
import type { Database, WaveStatus } from '../db/schema.ts';
import { SealedWaveCache } from './sealed-wave-cache.ts';
import type { Questionnaire } from '../../surveys/schema.ts';
import { getQuestionnaire } from '../questionnaires.ts';
import { HttpProblem } from '../platform/problems.ts';
import { loadFrozenWave, storeDecisions, type FrozenSchool } from './frozen-wave.ts';
import { aggregateWithheld } from './answer-withholding.ts';
import { schoolBreakdowns, storeSchoolBreakdowns, type SchoolBreakdowns } from './school-breakdowns.ts';
import { sumsFromBytes, sumsToBytes } from './packed-bytes.ts';
import {
  combineResponseSums,
  decide,
  disclose,
  discloseDecided,
  groupReport,
  layoutOf,
  packResponseSums,
  sumResponses,
  summarize,
  summaryOfAtLeast,
  themeSummaries,
  unpackResponseSums,
  unpackThemeScores,
  withholdMeasures,
  type Decisions,
  type Disclosed,
  type DisclosedGroup,
  type DisclosureInput,
  type Disclosure,
  type GroupReport,
  type Layout,
  type ResponseSums,
  type ScoreSums,
  type Summary,
} from '../../analysis/index.ts';

export interface WaveSchool {
  id: string;
  name: string;
  /** the official school number (instellingsnummer), null when unknown */
  schoolNumber: string | null;
  benchmarkGroup: string;
  codesIssued: number;
  /** slips handed out, as entered; null if never entered (rates then use `codesIssued`) */
  codesHandedOut: number | null;
  respondents: number;
  /**
   * null while the wave is not sealed: nothing is aggregated before R4 allows it. Unpacked from a
   * compact copy on every read (a cached network wave keeps ~3 kB per school, not ~20 kB of
   * objects), so read it once per use.
   */
  readonly sums: ResponseSums | null;
  /** the themes' score sums alone (`sums`' `themes[ti].scores`), unpacked on every read: what a theme's mean needs */
  readonly themeScores: ScoreSums[] | null;
}

/** The getter lives on the prototype: an accessor defined per object would make each one a slow, large dictionary. */
class PackedWaveSchool implements WaveSchool {
  constructor(
    readonly id: string,
    readonly name: string,
    readonly schoolNumber: string | null,
    readonly benchmarkGroup: string,
    readonly codesIssued: number,
    readonly codesHandedOut: number | null,
    readonly respondents: number,
    private readonly packed: Float64Array | undefined,
    private readonly layout: Layout,
  ) {}

  get sums(): ResponseSums | null {
    return this.packed ? unpackResponseSums(this.packed, this.layout) : null;
  }

  get themeScores(): ScoreSums[] | null {
    return this.packed ? unpackThemeScores(this.packed, this.layout) : null;
  }
}

/** Everything the views and exports of one wave are made from; one disclosure decision for all. */
export interface WaveResults {
  /** `responseTarget`: percent, below which results are flagged as less representative (not a disclosure input) */
  wave: {
    id: string;
    name: string;
    status: WaveStatus;
    sealed: boolean;
    k: number;
    questionnaireId: string;
    createdAt: Date;
    responseTarget: number;
  };
  questionnaire: Questionnaire;
  layout: Layout;
  schools: ReadonlyMap<string, WaveSchool>;
  disclosure: Disclosure;
  /** a sealed wave's stored disclosure decisions, which `disclosure` was made from; null while it is not sealed */
  decisions: Decisions | null;
}

const SCHOOL_BATCH = 200;

/**
 * A sealed wave's results, kept per process. The bound is in schools, since a wave's memory grows
 * with them (a network wave of 3,700 schools holds ~40 MB, mostly its disclosure decisions): four
 * network waves, or many small ones. An open wave's results are shared while computed, not kept.
 */
const sealedResults = new SealedWaveCache<WaveResults>({ entries: 12, weight: 15_000 }, (r) => r.schools.size);

/** Forgets every cached sealed wave, as a restart would (tests prove outputs do not depend on the cache). */
export function forgetCachedResults(): void {
  SealedWaveCache.forgetAll();
}

/**
 * A sealed wave's results if this process keeps them, else undefined (nothing is read): what a
 * sealed wave was is settled for good, so a request can skip asking the database again.
 */
export function keptSealedResults(waveId: string): WaveResults | undefined {
  return sealedResults.peek(waveId);
}

export function loadWaveResults(db: Kysely<Database>, waveId: string): Promise<WaveResults> {
  return sealedResults.get(
    waveId,
    () => compute(db, waveId),
    (r) => r.wave.sealed,
  );
}

async function compute(db: Kysely<Database>, waveId: string): Promise<WaveResults> {
  const wave = await db
    .selectFrom('wave')
    .select(['id', 'name', 'status', 'sealed', 'k', 'questionnaire_id', 'created_at', 'response_target'])
    .where('id', '=', waveId)
    .executeTakeFirst();
  if (!wave) throw new HttpProblem(404, 'error.waveNotFound');
  const sealed = isSealed(wave);
  // A sealed wave is made only from what was frozen at sealing: later edits of schools change nothing.
  // (Read beside the questionnaire: a wave's questionnaire cannot change, so the frozen one is the same.)
  const [frozen, current] = await Promise.all([sealed ? loadFrozenWave(db, waveId) : null, getQuestionnaire(db, wave.questionnaire_id)]);
  if (sealed && !frozen) throw new Error(`sealed wave ${waveId} has no frozen disclosure inputs`);
  const k = frozen?.k ?? wave.k;
  const questionnaireId = frozen?.questionnaireId ?? wave.questionnaire_id;
  const questionnaire = questionnaireId === wave.questionnaire_id ? current : await getQuestionnaire(db, questionnaireId);
  const layout = layoutOf(questionnaire);
  // Independent reads, in parallel on the pool: a cold network wave is read in one round of waits.
  const [participants, sums] = await Promise.all([
    frozen?.schools ?? liveParticipants(db, waveId),
    sealed ? schoolSums(db, waveId, layout) : new Map<string, Float64Array>(),
  ]);

  const schools = new Map<string, WaveSchool>();
  for (const p of participants) {
    schools.set(
      p.id,
      new PackedWaveSchool(
        p.id,
        p.name,
        p.schoolNumber,
        p.benchmarkGroup,
        p.codesIssued,
        p.codesHandedOut,
        p.respondents,
        sums.get(p.id),
        layout,
      ),
    );
  }
  const groups = new Map<string, string[]>();
  for (const p of participants) groups.set(p.benchmarkGroup, [...(groups.get(p.benchmarkGroup) ?? []), p.id]);
  const input: DisclosureInput = {
    waveId,
    status: sealed ? 'sealed' : wave.status === 'closed' ? 'open' : wave.status,
    background: questionnaire.background.map((b) => ({ id: b.id, options: b.options.map((o) => o.id) })),
    schools: participants.map((p) => ({ id: p.id, respondents: p.respondents, cells: p.cells })),
    benchmarkGroups: [...groups].map(([id, schoolIds]) => ({ id, schoolIds })),
  };
  // A sealed wave is shown as it was decided once, right after sealing, whatever the rules are now.
  const decisions = sealed
    ? checked(frozen!.decisions ?? (await storeDecisions(db, waveId, decide(input, { k }))), waveId, participants)
    : null;
  const disclosure = decisions ? discloseDecided(decisions) : disclose(input, { k });
  return {
    wave: {
      id: wave.id,
      name: wave.name,
      status: wave.status,
      sealed: wave.sealed,
      k,
      questionnaireId,
      createdAt: wave.created_at,
      responseTarget: wave.response_target,
    },
    questionnaire,
    layout,
    schools,
    disclosure,
    decisions,
  };
}

/** Stored decisions, if they are this wave's and about its frozen schools (else the store is corrupt). */
function checked(decisions: Decisions, waveId: string, participants: readonly FrozenSchool[]): Decisions {
  const ids = new Set(participants.map((p) => p.id));
  if (decisions.waveId !== waveId || decisions.schools.length !== ids.size || !decisions.schools.every(([id]) => ids.has(id))) {
    throw new Error(`the stored decisions of wave ${waveId} are not about its frozen schools`);
  }
  return decisions;
}

/** Participants of a wave that is not sealed, as they are now (its results are all suppressed, R4). */
async function liveParticipants(db: Kysely<Database>, waveId: string): Promise<FrozenSchool[]> {
  const [participants, cells] = await Promise.all([
    db
      .selectFrom('wave_school')
      .innerJoin('school', 'school.id', 'wave_school.school_id')
      .select([
        'school.id',
        'school.name',
        'school.instellingsnummer',
        'school.benchmark_group',
        'school.staff_count',
        'wave_school.codes_issued',
        'wave_school.codes_handed_out',
        'wave_school.codes_spent',
      ])
      .where('wave_school.wave_id', '=', waveId)
      .orderBy('school.id')
      .execute(),
    // Joint background counts per school: what breakdowns the disclosure rules can allow.
    sql<{ school_id: string; background: Record<string, string>; n: number }>`
      select school_id, background, count(*)::int as n from response where wave_id = ${waveId}
      group by school_id, background`.execute(db),
  ]);
  const cellsBySchool = new Map<string, Array<{ background: Record<string, string>; count: number }>>();
  for (const c of cells.rows) {
    const list = cellsBySchool.get(c.school_id) ?? [];
    list.push({ background: c.background, count: c.n });
    cellsBySchool.set(c.school_id, list);
  }
  return participants.map((p) => {
    const own = cellsBySchool.get(p.id) ?? [];
    return {
      id: p.id,
      name: p.name,
      schoolNumber: p.instellingsnummer,
      benchmarkGroup: p.benchmark_group,
      staffCount: p.staff_count,
      codesIssued: p.codes_issued,
      codesHandedOut: p.codes_handed_out,
      codesSpent: p.codes_spent,
      respondents: own.reduce((a, c) => a + c.count, 0),
      cells: own,
    };
  });
}

/**
 * The per-school sums of a sealed wave, packed: read from `wave_school_sums`, and computed from the
 * responses (and stored) for any school that has none yet — normally once, right after sealing
 * (`storeSealedResults`). A sealed wave never changes, so stored sums never go stale; concurrent fills
 * by two processes write identical rows, and the second one's are ignored.
 */
async function schoolSums(db: Kysely<Database>, waveId: string, layout: Layout): Promise<Map<string, Float64Array>> {
  const out = new Map<string, Float64Array>();
  const stored = await db.selectFrom('wave_school_sums').select(['school_id', 'sums']).where('wave_id', '=', waveId).execute();
  for (const r of stored) out.set(r.school_id, sumsFromBytes(r.sums));
  const missing = (await db.selectFrom('wave_school').select('school_id').where('wave_id', '=', waveId).orderBy('school_id').execute())
    .map((r) => r.school_id)
    .filter((id) => !out.has(id));
  for (let i = 0; i < missing.length; i += SCHOOL_BATCH) {
    const batch = missing.slice(i, i + SCHOOL_BATCH);
    const rows = await db
      .selectFrom('response')
      .select(['school_id', 'answers'])
      .where('wave_id', '=', waveId)
      .where('school_id', 'in', batch)
      .execute();
    const bySchool = new Map<string, Array<{ answers: (number | null)[] }>>();
    for (const r of rows) {
      const list = bySchool.get(r.school_id) ?? [];
      list.push(r);
      bySchool.set(r.school_id, list);
    }
    const packed = batch.map((id) => ({ id, sums: packResponseSums(sumResponses(bySchool.get(id) ?? [], layout), layout) }));
    await db
      .insertInto('wave_school_sums')
      .values(packed.map((p) => ({ wave_id: waveId, school_id: p.id, sums: sumsToBytes(p.sums) })))
      .onConflict((oc) => oc.columns(['wave_id', 'school_id']).doNothing())
      .execute();
    for (const p of packed) out.set(p.id, p.sums);
  }
  return out;
}

/**
 * Stores what a just-sealed wave's outputs are made from — its per-school sums, its disclosure
 * decisions and each school's breakdowns — so no dashboard has to compute them, and the decisions
 * are made as the wave is sealed.
 */
export async function storeSealedResults(db: Kysely<Database>, waveId: string): Promise<void> {
  const wave = await db.selectFrom('wave').select(['status', 'sealed']).where('id', '=', waveId).executeTakeFirst();
  if (!wave || !isSealed(wave)) throw new RangeError('only a sealed wave has stored results');
  let results = await loadWaveResults(db, waveId);
  // A computation of the wave begun before it was sealed (and shared with this call) is of the open
  // wave: not kept, so asking again computes the sealed one.
  if (!results.decisions) results = await loadWaveResults(db, waveId);
  if (!results.decisions) throw new Error(`sealed wave ${waveId} has no disclosure decisions`);
  await storeSchoolBreakdowns(db, results, discloseDecided(results.decisions));
}

function* schoolSumsOf(results: WaveResults, schoolIds: readonly string[]): Generator<ResponseSums> {
  for (const id of schoolIds) yield results.schools.get(id)!.sums!;
}

/**
 * Reports of benchmark groups and the network of a sealed wave, computed once: combining thousands
 * of school sums per request would make every dashboard slower as the network grows. School
 * reports are cheap (one school's sums) and are not kept: thousands of them would hold ~100 MB.
 */
const reportCache = new WeakMap<WaveResults, Map<string, Disclosed<GroupReport>>>();

/**
 * The statistics of one group, released or suppressed by the wave's disclosure. A breakdown
 * group's numbers are its theme summaries (`breakdownThemes`); other groups combine per-school sums.
 */
export async function groupResults(db: Kysely<Database>, results: WaveResults, group: DisclosedGroup): Promise<Disclosed<GroupReport>> {
  // A suppressed group's report is never computed; `release` returns the suppression alone.
  if (!group.released) return results.disclosure.release(group, null as never);
  if (group.kind === 'school') {
    return results.disclosure.release(group, groupReport(results.schools.get(group.schoolId!)!.sums!, results.layout, results.wave.k));
  }
  if (group.kind === 'breakdown') throw new Error('a breakdown group shows its theme summaries alone: breakdownThemes');
  let cache = reportCache.get(results);
  if (!cache) reportCache.set(results, (cache = new Map()));
  const hit = cache.get(group.key);
  if (hit) return hit;
  // Each school's sums unpacked as they are added, not all at once (a network wave's are ~70 MB unpacked).
  const sums = combineResponseSums(schoolSumsOf(results, group.schoolIds), results.layout);
  const report = results.disclosure.release(
    group,
    withholdMeasures(groupReport(sums, results.layout, results.wave.k), aggregateWithheld(results, group.key)),
  );
  cache.set(group.key, report);
  return report;
}

/**
 * A breakdown group's theme summaries — all a dashboard shows of one — released or suppressed by
 * the wave's disclosure, under R1 and with what answer R3 withholds in the school's breakdowns: the
 * same numbers as the themes of its full report, without making every item's statistics.
 */
export async function breakdownThemes(
  db: Kysely<Database>,
  results: WaveResults,
  group: DisclosedGroup,
  /** the school's breakdowns, when the caller has them already (one read for all its groups) */
  breakdowns?: SchoolBreakdowns,
): Promise<Disclosed<Summary[]>> {
  if (group.kind !== 'breakdown') throw new Error(`not a breakdown group: ${group.key}`);
  if (!group.released) return results.disclosure.release(group, null as never);
  const { packed, withheld } = breakdowns ?? (await schoolBreakdowns(db, results, group.schoolId!));
  const sums = packed.get(group.key);
  if (!sums) throw new Error(`no sums for released breakdown group "${group.key}"`);
  return results.disclosure.release(
    group,
    themeSummaries(unpackThemeScores(sums, results.layout), results.layout, results.wave.k, withheld),
  );
}

/**
 * A school's theme summaries in one wave, on the themes named by `themeIds` — matched by id, so a
 * later questionnaire version with the same themes continues the line — under R1; a theme the wave
 * did not ask, or a school without sums, is empty (n 0). Not yet released by the wave's disclosure.
 */
export function schoolThemeSummaries(results: WaveResults, schoolId: string, themeIds: readonly string[]): Summary[] {
  // Unpacked on every read: once per call.
  const scores = results.schools.get(schoolId)?.themeScores;
  return themeIds.map((id) => {
    const ti = results.layout.themes.findIndex((t) => t.id === id);
    return ti < 0 || !scores ? summarize({ n: 0, sum: 0, sumSq: 0 }) : summaryOfAtLeast(scores[ti]!, results.wave.k);
  });
}
