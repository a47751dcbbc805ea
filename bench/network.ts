/**
 * Synthetic network for the benchmarks (issue 8): schools in benchmark groups with realistic
 * school effects, a fixed number of responses per wave, and waves sealed through `closeWave`.
 *
 * Scale 1 is a network-wide wave in Flanders: 3,700 schools, 165,000 responses per wave. A smaller
 * scale has fewer schools of the same sizes, so "the network grows" means more schools, never
 * bigger schools.
 *
 * What goes through the product and what is bulk-loaded:
 * - the questionnaire (`publishQuestionnaire`), waves (`createWave`, `openWave`) and sealing
 *   (`closeWave`) are the product path;
 * - schools, spent access codes, responses and comments are bulk-loaded in batches of 5,000 rows
 *   with `INSERT … SELECT … FROM unnest(arrays)` (works on PostgreSQL and PGlite alike). The codes
 *   of a sealed wave are random hashes, all spent: sealing turns them into a count per school as it
 *   would after a real wave. Answers come from `server/demo/synthetic.ts` (school effect per school, a
 *   personal level per respondent, a wave shift), so statistics look like a real network.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../server/db/schema.ts';
import type { Questionnaire } from '../surveys/schema.ts';
import { loadQuestionnaireFile, SHIPPED_QUESTIONNAIRE } from '../surveys/load.ts';
import { publishedId } from '../server/questionnaires.ts';
import { createWave, openWave } from '../server/waves.ts';
import { closeWave } from '../server/sealing/sealing.ts';
import { storeSealedResults } from '../server/results/wave-results.ts';
import { rng, schoolEffect, syntheticResponse, type SchoolEffect } from '../server/demo/synthetic.ts';
import { sealSubmission } from '../server/teacher/submissions.ts';
import type { AnswerableWave, WaveKeys } from '../server/encryption/wave-keys.ts';

export const FULL_SCHOOLS = 3700;
export const FULL_RESPONSES = 165_000;
export const BATCH = 5000;

/** Benchmark groups with their share of schools and typical staff size (Flemish orders of magnitude). */
export const GROUPS = [
  { id: 'basisonderwijs', share: 0.62, meanStaff: 28 },
  { id: 'secundair', share: 0.25, meanStaff: 92 },
  { id: 'buitengewoon', share: 0.07, meanStaff: 45 },
  { id: 'volwassenenonderwijs', share: 0.06, meanStaff: 38 },
] as const;

const MIN_STAFF = 3;

const COMMENTS = [
  'Meer overlegmomenten binnen de lesuren zouden veel helpen.',
  'De mailstroom is niet meer te volgen.',
  'Fijne collega’s, maar de werkdruk rond de rapporten is te hoog.',
  'Ik mis inspraak bij de planning van het schooljaar.',
  'Nieuwe collega’s worden goed opgevangen.',
  'Meer waardering voor het ondersteunend personeel, alstublieft.',
  'Oudercontacten lopen steeds vaker uit de hand.',
  'Dank voor deze bevraging.',
];

export interface NetworkOptions {
  /** 1 = 3,700 schools and 165,000 responses per wave. */
  scale: number;
  waves?: number;
  /** Never fewer schools than this (a tiny scale still needs groups to compare). */
  minSchools?: number;
  seed?: number;
  /** Prefix of school and wave names; school names are unique in a store. */
  label?: string;
  /**
   * The questionnaire file the waves run (default: the shipped v1, which the benchmark's baselines
   * were measured on); with v2 (`SHIPPED_QUESTIONNAIRE_V2`) every response also has outcome answers
   * and priorities that follow from its theme scores (`syntheticResponse`).
   */
  questionnaireFile?: string;
  /** Share of respondents who leave a comment. */
  commentRate?: number;
  k?: number;
  /** The store's wave keys: responses are stored sealed, as teachers' are, and opened at sealing. */
  keys: WaveKeys;
  /**
   * Called instead of sealing a wave directly: `seal` runs `closeWave`. The benchmark uses it to
   * time sealing (and its baseline) on a wave it did not have to load twice.
   */
  onSeal?: (wave: { id: string; index: number; responses: number }, seal: () => Promise<void>) => Promise<void>;
  log?: (message: string) => void;
}

export interface NetworkSchool {
  id: string;
  name: string;
  group: string;
  /** Staff = codes per wave = responses per wave (full participation: the peak a network must take). */
  staff: number;
  effect: SchoolEffect;
}

export interface NetworkWave {
  id: string;
  name: string;
  responses: number;
  comments: number;
  loadMs: number;
  sealMs: number;
  /** storing the per-school sums and decisions after sealing (`storeSealedResults`), as the admin's close does */
  sumsMs: number;
}

export interface Network {
  questionnaireId: string;
  questionnaire: Questionnaire;
  schools: NetworkSchool[];
  waves: NetworkWave[];
  responsesPerWave: number;
  totalMs: number;
}

/** Schools and responses per wave at a scale; the mean school size stays that of the full network. */
export function networkSize(scale: number, minSchools = 1): { schools: number; responses: number } {
  const schools = Math.max(minSchools, Math.round(FULL_SCHOOLS * scale));
  return { schools, responses: Math.round((schools * FULL_RESPONSES) / FULL_SCHOOLS) };
}

function normal(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** Group per school (largest remainder, so every scale keeps the shares) and sizes summing exactly to `responses`. */
export function schoolPlan(schools: number, responses: number, random: () => number): Array<{ group: string; staff: number }> {
  const exact = GROUPS.map((g) => g.share * schools);
  const counts = exact.map(Math.floor);
  const order = exact.map((e, i) => [e - Math.floor(e), i] as const).sort((a, b) => b[0] - a[0]);
  for (let r = schools - counts.reduce((a, c) => a + c, 0), j = 0; r > 0; r--, j++) counts[order[j % order.length]![1]]! += 1;
  const plan: Array<{ group: string; raw: number }> = [];
  GROUPS.forEach((g, gi) => {
    // Log-normal sizes around the group's typical staff size (sigma 0.45: a few very small schools).
    for (let i = 0; i < counts[gi]!; i++) plan.push({ group: g.id, raw: g.meanStaff * Math.exp(0.45 * normal(random) - 0.1) });
  });
  const total = plan.reduce((a, p) => a + p.raw, 0);
  const spare = responses - MIN_STAFF * schools;
  if (spare < 0) throw new Error(`${responses} responses cannot fill ${schools} schools of at least ${MIN_STAFF}`);
  const sized = plan.map((p) => ({ group: p.group, share: (p.raw / total) * spare }));
  const staff = sized.map((s) => MIN_STAFF + Math.floor(s.share));
  const byRemainder = sized.map((s, i) => [s.share - Math.floor(s.share), i] as const).sort((a, b) => b[0] - a[0]);
  for (let r = responses - staff.reduce((a, s) => a + s, 0), j = 0; r > 0; r--, j++) staff[byRemainder[j % schools]![1]]! += 1;
  // Shuffled (Fisher–Yates) so that any prefix of the list is a fair sample of groups and sizes.
  const out = sized.map((s, i) => ({ group: s.group, staff: staff[i]! }));
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Sealed boxes travel as hex text and are decoded in SQL: one shape for both drivers' array parameters. */
async function insertBoxes(
  db: Kysely<Database>,
  table: 'encrypted_response' | 'encrypted_comment',
  waveId: string,
  schoolIds: string[],
  boxes: string[],
): Promise<void> {
  await sql`
    insert into ${sql.table(table)} (wave_id, school_id, box)
    select ${waveId}::uuid, s, decode(b, 'hex')
    from unnest(${schoolIds}::uuid[], ${boxes}::text[]) as t(s, b)`.execute(db);
}

/** Spent codes (random SHA-256 hashes) per school, and the issued count on `wave_school`. */
async function insertSpentCodes(db: Kysely<Database>, waveId: string, schools: NetworkSchool[]): Promise<void> {
  for (let i = 0; i < schools.length;) {
    const ids: string[] = [];
    const counts: number[] = [];
    let rows = 0;
    for (; i < schools.length && rows < BATCH; i++) {
      ids.push(schools[i]!.id);
      counts.push(schools[i]!.staff);
      rows += schools[i]!.staff;
    }
    await sql`
      insert into access_code (hash, wave_id, school_id, spent)
      select encode(sha256(convert_to(gen_random_uuid()::text, 'UTF8')), 'hex'), ${waveId}::uuid, s, true
      from unnest(${ids}::uuid[], ${counts}::int[]) as t(s, n), generate_series(1, t.n)`.execute(db);
    await sql`
      update wave_school ws set codes_issued = t.n
      from unnest(${ids}::uuid[], ${counts}::int[]) as t(s, n)
      where ws.wave_id = ${waveId}::uuid and ws.school_id = t.s`.execute(db);
  }
}

/** Bulk-inserts schools (3,700 `createSchool` calls would only time round trips). */
async function insertSchools(db: Kysely<Database>, label: string, plan: Array<{ group: string; staff: number }>): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < plan.length; i += BATCH) {
    const part = plan.slice(i, i + BATCH);
    const rows = await db
      .insertInto('school')
      .values(
        part.map((p, j) => ({
          name: `${label} school ${String(i + j + 1).padStart(4, '0')}`,
          benchmark_group: p.group,
          municipality: `Gemeente ${((i + j) % 300) + 1}`,
          staff_count: p.staff,
        })),
      )
      .returning('id')
      .execute();
    ids.push(...rows.map((r) => r.id));
  }
  return ids;
}

export async function generateNetwork(db: Kysely<Database>, options: NetworkOptions): Promise<Network> {
  const started = performance.now();
  const log = options.log ?? (() => {});
  const label = options.label ?? 'Bench';
  const waveCount = options.waves ?? 3;
  const k = options.k ?? 5;
  const commentRate = options.commentRate ?? 0.08;
  const random = rng(options.seed ?? 20_260_008);
  const size = networkSize(options.scale, options.minSchools ?? 1);

  const questionnaire = await loadQuestionnaireFile(options.questionnaireFile ?? SHIPPED_QUESTIONNAIRE);
  const questionnaireId = await publishedId(db, questionnaire);

  const plan = schoolPlan(size.schools, size.responses, random);
  const ids = await insertSchools(db, label, plan);
  const schools: NetworkSchool[] = plan.map((p, i) => ({
    id: ids[i]!,
    name: `${label} school ${String(i + 1).padStart(4, '0')}`,
    group: p.group,
    staff: p.staff,
    effect: schoolEffect(questionnaire, random),
  }));
  log(`${label}: ${schools.length} schools, ${size.responses} responses per wave`);

  // A small improvement over time, and each school drifts a little from wave to wave.
  const shifts = [-0.1, 0, 0.05, 0.1, 0.12, 0.15];
  const waves: NetworkWave[] = [];
  for (let w = 0; w < waveCount; w++) {
    const t0 = performance.now();
    const name = `${label} bevraging ${w + 1}`;
    const waveId = await createWave(db, { name, questionnaireId, schoolIds: schools.map((s) => s.id), k });
    await openWave(db, waveId, undefined, options.keys);
    await insertSpentCodes(db, waveId, schools);
    const wave: AnswerableWave = (await options.keys.answerable(waveId))!;
    let batch = { schoolIds: [] as string[], boxes: [] as string[] };
    let notes = { schoolIds: [] as string[], boxes: [] as string[] };
    let responses = 0;
    // One batch is inserted while the next is generated (the generator is CPU-bound JavaScript).
    let pending: Promise<void> = Promise.resolve();
    const flush = async () => {
      const full = batch;
      batch = { schoolIds: [], boxes: [] };
      await pending;
      pending = insertBoxes(db, 'encrypted_response', waveId, full.schoolIds, full.boxes);
      pending.catch(() => {}); // awaited at the next flush; this only keeps it from counting as unhandled
      responses += full.schoolIds.length;
    };
    for (const school of schools) {
      const drift = normal(random) * 0.08;
      for (let i = 0; i < school.staff; i++) {
        const r = syntheticResponse(questionnaire, school.effect, random, (shifts[w] ?? 0) + drift);
        const comment = random() < commentRate ? COMMENTS[Math.floor(random() * COMMENTS.length)]! : null;
        const sealed = sealSubmission(wave, school.id, { ...r, comment });
        batch.schoolIds.push(school.id);
        batch.boxes.push(sealed.response.toString('hex'));
        if (sealed.comment) {
          notes.schoolIds.push(school.id);
          notes.boxes.push(sealed.comment.toString('hex'));
        }
        if (batch.schoolIds.length >= BATCH) await flush();
      }
    }
    if (batch.schoolIds.length) await flush();
    await pending;
    // Comment boxes are ~6 KB each (padded to the longest comment): smaller batches.
    for (let i = 0; i < notes.boxes.length; i += BATCH / 10) {
      await insertBoxes(db, 'encrypted_comment', waveId, notes.schoolIds.slice(i, i + BATCH / 10), notes.boxes.slice(i, i + BATCH / 10));
    }
    const comments = notes.boxes.length;
    notes = { schoolIds: [], boxes: [] };
    const loadMs = performance.now() - t0;
    // closeWave alone: `onSeal` may time a baseline around it.
    let sealMs = 0;
    const seal = async () => {
      const t1 = performance.now();
      await closeWave(db, options.keys, waveId);
      sealMs = performance.now() - t1;
    };
    if (options.onSeal) await options.onSeal({ id: waveId, index: w, responses }, seal);
    else await seal();
    const t2 = performance.now();
    await storeSealedResults(db, waveId);
    const sumsMs = performance.now() - t2;
    log(
      `${name}: ${responses} responses, ${comments} comments loaded in ${(loadMs / 1000).toFixed(1)} s, sealed in ${(sealMs / 1000).toFixed(1)} s, sums stored in ${(sumsMs / 1000).toFixed(1)} s`,
    );
    waves.push({ id: waveId, name, responses, comments, loadMs, sealMs, sumsMs });
  }
  return { questionnaireId, questionnaire, schools, waves, responsesPerWave: size.responses, totalMs: performance.now() - started };
}
