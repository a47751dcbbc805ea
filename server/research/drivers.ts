import { Worker } from 'node:worker_threads';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { withCopySession, type CopyRowVisitor } from '../db/copy.ts';
import { isUuid } from '../platform/problems.ts';
import { recode, themeScores, type Disclosed, type DisclosedGroup, type Layout } from '../../analysis/index.ts';
import type { DriverJob, DriverResult } from './drivers-job.ts';
import type { WaveResults } from '../results/wave-results.ts';
import { SealedWaveCache } from '../results/sealed-wave-cache.ts';

/**
 * "What matters most for staying" (issue 20): per outcome item of a sealed wave, the key-driver
 * analysis of the outcome on the respondents' theme scores, for the network and each benchmark group
 * (never a school), over exactly the schools the wave's disclosure put in that group, and only for a
 * group it released. Computed once per wave and process (a sealed wave never changes).
 */

/** Bootstrap draws per analysis: percentile 95 % intervals need about a thousand. */
export const DRIVER_RESAMPLES = 1000;

export type DriverScopeKind = 'network' | 'group';
export type { DriverResult } from './drivers-job.ts';

export interface DriverScope {
  scope: DriverScopeKind;
  /** `network`, or the benchmark group's id */
  scopeId: string;
  group: DisclosedGroup;
  /** per outcome item (layout order): the analysis or its refusal; suppressed with the group's rule */
  outcomes: ReadonlyArray<Disclosed<DriverResult>>;
}

export interface DriverReport {
  waveId: string;
  resamples: number;
  scopes: readonly DriverScope[];
}

/**
 * The bootstrap seed of one analysis: FNV-1a of wave, scope and outcome, so two runs (or two
 * instances) give the same intervals, and analyses of one wave draw unrelated streams.
 */
export function driverSeed(waveId: string, scopeId: string, outcomeId: string): number {
  let h = 0x811c9dc5;
  for (const ch of `${waveId}\u0000${scopeId}\u0000${outcomeId}`) {
    h ^= ch.codePointAt(0)!;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** The groups analysed: the network, then benchmark groups by id (the exports' order). */
export function driverGroups(results: WaveResults): Array<{ scope: DriverScopeKind; scopeId: string; group: DisclosedGroup }> {
  const d = results.disclosure;
  const ids = [...new Set([...results.schools.values()].map((s) => s.benchmarkGroup))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return [
    { scope: 'network', scopeId: 'network', group: d.network() },
    ...ids.map((id) => ({ scope: 'group' as const, scopeId: id, group: d.benchmarkGroup(id) })),
  ];
}

/**
 * The respondents of a wave as the driver analysis needs them: per respondent its school (index into
 * `schools`) and `width` numbers — the theme scores, then the recoded outcome answers — NaN = missing.
 */
export interface DriverRespondents {
  schools: readonly string[];
  school: Uint32Array;
  values: Float64Array;
  width: number;
  count: number;
}

/**
 * Reads every response of the wave once, in one binary COPY (`select school_id, answers`), turning
 * each into its theme scores and recoded outcomes as it arrives; nothing else of a response is kept.
 * The rows come sorted by school and answers — a canonical order, made by the database, so the
 * bootstrap (which draws respondents by position) gives the same intervals whatever order the rows
 * are stored in.
 */
export async function readDriverRespondents(db: Kysely<Database>, waveId: string, layout: Layout): Promise<DriverRespondents> {
  // COPY takes no parameters: the id goes into the statement, so it must be exactly a UUID.
  if (!isUuid(waveId)) throw new RangeError(`not a wave id: ${waveId}`);
  const themes = layout.themes.length;
  const width = themes + layout.outcomes.length;
  const schools: string[] = [];
  const schoolIndex = new Map<string, number>();
  let size = 1024;
  let school = new Uint32Array(size);
  let values = new Float64Array(size * width);
  let count = 0;
  const answers: (number | null)[] = new Array<number | null>(layout.width).fill(null);
  const visit: CopyRowVisitor = (data, start, end) => {
    if (end[0]! - start[0]! !== 16) throw new Error('a school id is not a UUID');
    const key = data.toString('hex', start[0]!, end[0]!);
    let s = schoolIndex.get(key);
    if (s === undefined) {
      s = schools.length;
      schools.push(key);
      schoolIndex.set(key, s);
    }
    readSmallintArray(data, start[1]!, end[1]!, answers, layout.width);
    if (count === size) {
      size *= 2;
      const grownSchool = new Uint32Array(size);
      grownSchool.set(school);
      school = grownSchool;
      const grown = new Float64Array(size * width);
      grown.set(values);
      values = grown;
    }
    school[count] = s;
    const at = count * width;
    const scores = themeScores(answers, layout);
    for (let t = 0; t < themes; t++) values[at + t] = scores[t] ?? NaN;
    layout.outcomes.forEach((o, j) => (values[at + themes + j] = recode(answers[o.position] ?? null, o.reverse) ?? NaN));
    count++;
  };
  await withCopySession(db, (session) =>
    session.copyOut(
      `copy (select school_id, answers from response where wave_id = '${waveId}' order by school_id, answers) to stdout (format binary)`,
      visit,
    ),
  );
  const hex = (h: string) => `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  return { schools: schools.map(hex), school, values, width, count };
}

/** A binary `smallint[]` (one dimension) into `into`, which must have exactly its length. */
function readSmallintArray(data: Buffer, start: number, end: number, into: (number | null)[], length: number): void {
  if (start < 0) throw new Error('a response without answers');
  const dims = data.readInt32BE(start);
  const n = dims === 0 ? 0 : data.readInt32BE(start + 12);
  if (dims > 1 || n !== length) throw new RangeError(`expected ${length} answers, got ${n}`);
  let at = start + 12 + 8 * dims;
  for (let i = 0; i < n; i++) {
    const len = data.readInt32BE(at);
    at += 4;
    if (len < 0) into[i] = null;
    else {
      into[i] = data.readInt16BE(at);
      at += len;
    }
  }
  if (at !== end) throw new Error('malformed smallint[]');
}

/**
 * Runs the job on a worker thread, so the main thread's event loop serves other requests meanwhile
 * (the analyses of a network wave take seconds).
 */
export function runDriverJob(job: DriverJob): Promise<DriverResult[][]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./drivers-worker.mjs', import.meta.url), {
      workerData: job,
      transferList: [job.values.buffer as ArrayBuffer, job.school.buffer as ArrayBuffer],
    });
    let settled = false;
    worker.once('message', (m: DriverResult[][]) => {
      settled = true;
      resolve(m);
      void worker.terminate();
    });
    worker.once('error', (err) => {
      settled = true;
      reject(err);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`driver analysis worker stopped with code ${code}`));
    });
  });
}

const WITHHELD: DriverResult = Object.freeze({ ok: false, reason: 'too-few', n: 0, minimum: 0 });

/** Every driver analysis of a sealed wave. A questionnaire without outcome items has none (no scopes). */
export async function computeDrivers(
  db: Kysely<Database>,
  results: WaveResults,
  options: { resamples?: number; run?: (job: DriverJob) => Promise<DriverResult[][]> } = {},
): Promise<DriverReport> {
  const { layout, disclosure } = results;
  const waveId = results.wave.id;
  const resamples = options.resamples ?? DRIVER_RESAMPLES;
  if (!layout.outcomes.length || !results.wave.sealed) return { waveId, resamples, scopes: [] };
  const groups = driverGroups(results);
  const released = groups.filter((g) => g.group.released);
  let analysed: DriverResult[][] = [];
  // Nothing is read when no group is released; a withheld group is never analysed.
  if (released.length) {
    const r = await readDriverRespondents(db, waveId, layout);
    analysed = await (options.run ?? runDriverJob)({
      values: r.values,
      school: r.school,
      count: r.count,
      width: r.width,
      themes: layout.themes.length,
      resamples,
      groups: released.map((g) => {
        const included = new Set(g.group.schoolIds);
        return {
          member: Uint8Array.from(r.schools, (id) => (included.has(id) ? 1 : 0)),
          seeds: layout.outcomes.map((o) => driverSeed(waveId, g.scopeId, o.id)),
        };
      }),
    });
  }
  const scopes: DriverScope[] = groups.map((g) => {
    const at = released.indexOf(g);
    return {
      ...g,
      outcomes: layout.outcomes.map((_, oi) => disclosure.release<DriverResult>(g.group, at === -1 ? WITHHELD : analysed[at]![oi]!)),
    };
  });
  return { waveId, resamples, scopes };
}

/** One per process: the page, the CSV and the network report share one computation per wave. */
const reports = new SealedWaveCache<DriverReport>({ entries: 16 });

/**
 * The sealed wave's key-driver report, computed (by `compute`: tests see what is kept) once per
 * process. A questionnaire without outcome items has nothing to analyse: its empty report is made
 * on the spot, and takes no place in the cache.
 */
export function driverReport(
  db: Kysely<Database>,
  results: WaveResults,
  compute: (db: Kysely<Database>, results: WaveResults) => Promise<DriverReport> = computeDrivers,
): Promise<DriverReport> {
  if (!results.layout.outcomes.length) return Promise.resolve({ waveId: results.wave.id, resamples: DRIVER_RESAMPLES, scopes: [] });
  return reports.get(results.wave.id, () => compute(db, results));
}
