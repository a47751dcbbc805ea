import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { withCopySession, type CopyRowVisitor } from '../db/copy.ts';
import { isUuid } from '../platform/problems.ts';
import {
  MAX_FAILED_DRAWS,
  bootstrapDraw,
  bootstrapPlan,
  driverData,
  driverIntervals,
  keyDrivers,
  recode,
  themeScores,
  type Disclosed,
  type DisclosedGroup,
  type DriverRefusal,
  type DriverRow,
  type KeyDriverAnalysis,
  type KeyDrivers,
  type Layout,
} from '../../analysis/index.ts';
import type { WaveResults } from '../results/wave-results.ts';

/**
 * "What matters most for staying" (issue 20): per outcome item of a sealed wave, the key-driver
 * analysis of the outcome on the respondents' theme scores, for the network and each benchmark group
 * (never a school), over exactly the schools the wave's disclosure put in that group, and only for a
 * group it released. Computed once per wave and process (a sealed wave never changes).
 */

/** Bootstrap draws per analysis: percentile 95 % intervals need about a thousand. */
export const DRIVER_RESAMPLES = 1000;
/** Draws between turns of the event loop: ~25 draws of a network group take a few milliseconds. */
const DRAW_CHUNK = 25;

export type DriverScopeKind = 'network' | 'group';
export type DriverResult = KeyDriverAnalysis | DriverRefusal;

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

/** The rows of one group and outcome for `driverData`: one row object, refilled (driverData keeps nothing of it). */
function* groupRows(r: DriverRespondents, member: Uint8Array, themes: number, outcome: number): Generator<DriverRow> {
  const scores: (number | null)[] = new Array<number | null>(themes).fill(null);
  const row = { outcome: null as number | null, scores };
  for (let i = 0; i < r.count; i++) {
    if (!member[r.school[i]!]) continue;
    const at = i * r.width;
    for (let t = 0; t < themes; t++) {
      const x = r.values[at + t]!;
      scores[t] = Number.isNaN(x) ? null : x;
    }
    const y = r.values[at + themes + outcome]!;
    row.outcome = Number.isNaN(y) ? null : y;
    yield row;
  }
}

/**
 * One analysis with its bootstrap in chunks of `DRAW_CHUNK` draws, a turn of the event loop between
 * them; the same numbers as `keyDriverAnalysis` with this seed (each draw depends on seed and index only).
 */
export async function chunkedAnalysis(
  rows: Iterable<DriverRow>,
  predictors: number,
  seed: number,
  resamples = DRIVER_RESAMPLES,
  onChunk: () => Promise<unknown> = () => nextTurn(),
): Promise<DriverResult> {
  const data = driverData(rows, predictors);
  const estimate = keyDrivers(data);
  if (!estimate.ok) return estimate;
  const plan = bootstrapPlan(data, seed);
  const draws: (KeyDrivers | null)[] = [];
  for (let b = 0; b < resamples; b += DRAW_CHUNK) {
    await onChunk();
    for (let i = b; i < Math.min(resamples, b + DRAW_CHUNK); i++) draws.push(bootstrapDraw(plan, i));
  }
  const failed = draws.filter((d) => d === null).length;
  if (failed > MAX_FAILED_DRAWS * resamples) return { ok: false, reason: 'unstable-bootstrap', n: estimate.n, draws: resamples, failed };
  return { ...estimate, intervals: driverIntervals(draws) };
}

const WITHHELD: DriverResult = Object.freeze({ ok: false, reason: 'too-few', n: 0, minimum: 0 });

/** Every driver analysis of a sealed wave. A questionnaire without outcome items has none (no scopes). */
export async function computeDrivers(
  db: Kysely<Database>,
  results: WaveResults,
  options: { resamples?: number; onChunk?: () => Promise<unknown> } = {},
): Promise<DriverReport> {
  const { layout, disclosure } = results;
  const waveId = results.wave.id;
  const resamples = options.resamples ?? DRIVER_RESAMPLES;
  if (!layout.outcomes.length || !results.wave.sealed) return { waveId, resamples, scopes: [] };
  const groups = driverGroups(results);
  // Nothing is read when no group is released.
  const respondents = groups.some((g) => g.group.released) ? await readDriverRespondents(db, waveId, layout) : null;
  const themes = layout.themes.length;
  const scopes: DriverScope[] = [];
  for (const g of groups) {
    const outcomes: Array<Disclosed<DriverResult>> = [];
    for (const [oi, o] of layout.outcomes.entries()) {
      // A withheld group is never analysed: `release` suppresses it with the group's rule.
      if (!g.group.released || !respondents) {
        outcomes.push(disclosure.release<DriverResult>(g.group, WITHHELD));
        continue;
      }
      const included = new Set(g.group.schoolIds);
      const member = Uint8Array.from(respondents.schools, (id) => (included.has(id) ? 1 : 0));
      await nextTurn();
      const result = await chunkedAnalysis(
        groupRows(respondents, member, themes, oi),
        themes,
        driverSeed(waveId, g.scopeId, o.id),
        resamples,
        options.onChunk,
      );
      outcomes.push(disclosure.release(g.group, result));
    }
    scopes.push({ ...g, outcomes });
  }
  return { waveId, resamples, scopes };
}

/**
 * Reports by wave id, most recently used last, like `QualityCache`: computed once per process, and
 * a request arriving meanwhile waits for the same computation; a failure is not remembered.
 */
export class DriverCache {
  readonly #entries = new Map<string, Promise<DriverReport>>();

  constructor(readonly limit = 16) {}

  get size(): number {
    return this.#entries.size;
  }

  report(waveId: string, compute: () => Promise<DriverReport>): Promise<DriverReport> {
    const hit = this.#entries.get(waveId);
    if (hit) {
      this.#entries.delete(waveId);
      this.#entries.set(waveId, hit);
      return hit;
    }
    const pending = compute();
    this.#entries.set(waveId, pending);
    pending.catch(() => {
      if (this.#entries.get(waveId) === pending) this.#entries.delete(waveId);
    });
    for (const id of this.#entries.keys()) {
      if (this.#entries.size <= this.limit) break;
      this.#entries.delete(id);
    }
    return pending;
  }
}

/** One process-wide cache: the page, the CSV and the network report share one computation per wave. */
export const driverCache = new DriverCache();
