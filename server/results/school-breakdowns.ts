import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { compiledOnce } from '../db/compiled-query.ts';
import { parseSmallintArray } from '../db/arrays.ts';
import { ANSWERS_R3_VERSION, packedLength, packResponseSums, sumResponses, type Disclosure, type Layout } from '../../analysis/index.ts';
import { breakdownWithheldOf } from './answer-withholding.ts';
import { sumsFromBytes, sumsToBytes } from './packed-bytes.ts';
import type { WaveResults } from './wave-results.ts';

/**
 * A sealed school's breakdowns (issue 17): the sums of each breakdown group its wave's disclosure
 * released, and the measures withheld from all of them so that none can be differenced back (answer
 * R3). They are made from the school's responses once — right after sealing for every school
 * (`storeSchoolBreakdowns`), or on the first view of a wave sealed before they were stored — and
 * stored, so a dashboard reads one row where it read the school's responses and decided R3 again.
 */
export interface SchoolBreakdowns {
  /** per released breakdown group's key, its sums packed (`unpackResponseSums` or `unpackThemeScores` read them) */
  packed: ReadonlyMap<string, Float64Array>;
  withheld: ReadonlySet<number>;
}

export interface SchoolResponse {
  answers: (number | null)[];
  background: Record<string, string>;
}

const SCHOOL_BATCH = 200;

const madeByCache = new WeakMap<Layout, string>();

/**
 * What a stored row was made by: the version of answer R3 and the wave's measures in order (the
 * positions `withheld` holds). A row made by another version of the rules is not believed: the
 * rules may have changed what they withhold.
 */
function madeBy(results: WaveResults): string {
  let hit = madeByCache.get(results.layout);
  if (!hit) {
    const { items, themes, outcomes, priority } = results.layout;
    const measures = JSON.stringify([items.map((i) => i.id), themes.map((t) => t.id), outcomes.map((o) => o.id), priority ? 1 : 0]);
    hit = `answers-r3/${ANSWERS_R3_VERSION} measures/${createHash('sha256').update(measures).digest('hex').slice(0, 16)}`;
    madeByCache.set(results.layout, hit);
  }
  return `${hit} k/${results.wave.k}`;
}

/** The keys of a school's released breakdown groups, in the order the disclosure lists them: the order of stored sums. */
function releasedKeys(disclosure: Disclosure, schoolId: string): string[] {
  return disclosure.breakdowns(schoolId).flatMap((b) => b.groups.filter((g) => g.released).map((g) => g.key));
}

interface Made {
  groups: string[];
  packed: Float64Array[];
  withheld: number[];
}

function make(results: WaveResults, disclosure: Disclosure, schoolId: string, rows: readonly SchoolResponse[]): Made {
  const groups = disclosure.breakdowns(schoolId).flatMap((b) => b.groups.filter((g) => g.released));
  const packed = groups.map((g) => {
    const wanted = new Set(g.categories ?? []);
    const sums = sumResponses(
      rows.filter((r) => wanted.has(r.background[g.backgroundId!] ?? null)),
      results.layout,
    );
    return packResponseSums(sums, results.layout);
  });
  const withheld = groups.length ? [...breakdownWithheldOf(results, disclosure, schoolId, rows)].sort((a, b) => a - b) : [];
  return { groups: groups.map((g) => g.key), packed, withheld };
}

function joined(parts: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function unpacked(
  results: WaveResults,
  made: { groups: readonly string[]; packed: Float64Array; withheld: readonly number[] },
): SchoolBreakdowns {
  const width = packedLength(results.layout);
  const packed = new Map<string, Float64Array>();
  made.groups.forEach((key, i) => packed.set(key, made.packed.subarray(i * width, (i + 1) * width)));
  return { packed, withheld: new Set(made.withheld) };
}

/** A school's breakdowns: as stored, or made from its responses (and stored) when they are not, or not as this disclosure lists its groups. */
export async function schoolBreakdowns(db: Kysely<Database>, results: WaveResults, schoolId: string): Promise<SchoolBreakdowns> {
  const keys = releasedKeys(results.disclosure, schoolId);
  if (!keys.length) return { packed: new Map(), withheld: new Set() };
  const [row] = await storedRow(db, results.wave.id, schoolId);
  if (
    row &&
    row.made_by === madeBy(results) &&
    sameKeys(row.groups, keys) &&
    row.sums.byteLength === keys.length * packedLength(results.layout) * 8
  )
    return unpacked(results, { groups: row.groups, packed: sumsFromBytes(row.sums), withheld: row.withheld.map(Number) });
  const made = make(
    results,
    results.disclosure,
    schoolId,
    await schoolResponses(db, results.wave.id, [schoolId]).then((m) => m.get(schoolId) ?? []),
  );
  await write(db, results, [[schoolId, made]], Boolean(row)).catch((err: unknown) => {
    // The wave was deleted since its history was read: the page is made anyway, and the next one is a 404.
    if ((err as { code?: unknown } | null)?.code !== FOREIGN_KEY_VIOLATION) throw err;
  });
  return unpacked(results, { groups: made.groups, packed: joined(made.packed), withheld: made.withheld });
}

const storedRow = compiledOnce((db, waveId: string, schoolId: string) =>
  db
    .selectFrom('wave_school_breakdowns')
    .select(['groups', 'sums', 'withheld', 'made_by'])
    .where('wave_id', '=', waveId)
    .where('school_id', '=', schoolId),
);

const sameKeys = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((k, i) => k === b[i]);

/**
 * Makes and stores the breakdowns of every school of a sealed wave that has a released breakdown
 * group and none stored yet. Its schools' breakdowns are decided by a disclosure of its own, made
 * from the same stored decisions and dropped afterwards: the wave's kept results then hold only the
 * breakdowns someone looked at, not ~35,000 groups of a network wave.
 */
export async function storeSchoolBreakdowns(db: Kysely<Database>, results: WaveResults, disclosure: Disclosure): Promise<void> {
  const stored = new Set(
    (await db.selectFrom('wave_school_breakdowns').select('school_id').where('wave_id', '=', results.wave.id).execute()).map(
      (r) => r.school_id,
    ),
  );
  const missing = [...results.schools.keys()].filter((id) => !stored.has(id) && releasedKeys(disclosure, id).length).sort();
  for (let i = 0; i < missing.length; i += SCHOOL_BATCH) {
    const batch = missing.slice(i, i + SCHOOL_BATCH);
    const rows = await schoolResponses(db, results.wave.id, batch);
    const made: Array<readonly [string, Made]> = [];
    for (const id of batch) {
      made.push([id, make(results, disclosure, id, rows.get(id) ?? [])]);
      // A network wave's schools take seconds of CPU in all: requests are served between two.
      await new Promise((resolve) => setImmediate(resolve));
    }
    await write(db, results, made, false);
  }
}

const FOREIGN_KEY_VIOLATION = '23503';

/** `replace`: a stored row is not the disclosure's, or another version of the rules made it: it is made again. */
async function write(
  db: Kysely<Database>,
  results: WaveResults,
  made: ReadonlyArray<readonly [string, Made]>,
  replace: boolean,
): Promise<void> {
  if (!made.length) return;
  const waveId = results.wave.id;
  const by = madeBy(results);
  // Two processes making the same school's row write identical rows; the second one's is ignored.
  await db
    .insertInto('wave_school_breakdowns')
    .values(
      made.map(([schoolId, m]) => ({
        wave_id: waveId,
        school_id: schoolId,
        groups: m.groups,
        sums: sumsToBytes(joined(m.packed)),
        withheld: m.withheld,
        made_by: by,
      })),
    )
    .onConflict((oc) =>
      replace
        ? oc.columns(['wave_id', 'school_id']).doUpdateSet({
            groups: (eb) => eb.ref('excluded.groups'),
            sums: (eb) => eb.ref('excluded.sums'),
            withheld: (eb) => eb.ref('excluded.withheld'),
            made_by: (eb) => eb.ref('excluded.made_by'),
          })
        : oc.columns(['wave_id', 'school_id']).doNothing(),
    )
    .execute();
}

/** Sealed responses of some schools, per school: what their breakdowns are made from. */
async function schoolResponses(db: Kysely<Database>, waveId: string, schoolIds: readonly string[]): Promise<Map<string, SchoolResponse[]>> {
  // The answers as text, parsed here: the driver's array parser makes a string per element first.
  const rows = await db
    .selectFrom('response')
    .select(['school_id', sql<string>`answers::text`.as('answers'), 'background'])
    .where('wave_id', '=', waveId)
    .where('school_id', 'in', schoolIds)
    .execute();
  const out = new Map<string, SchoolResponse[]>();
  for (const r of rows) {
    let list = out.get(r.school_id);
    if (!list) out.set(r.school_id, (list = []));
    list.push({ answers: parseSmallintArray(r.answers), background: r.background });
  }
  return out;
}
