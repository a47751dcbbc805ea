/**
 * The database-side measurements and their baselines, written against Kysely so that they run on
 * PostgreSQL and PGlite alike: the naive network aggregation, sealing, code generation.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../server/db/schema.ts';
import { createWave, issueCodesForWave } from '../server/waves.ts';
import { hashCode, randomCodes } from '../server/teacher/access-codes.ts';
import type { NetworkSchool } from './network.ts';
import { median, percentile, timed, timedWithCpu } from './util.ts';

// ---- 2. the naive dashboard: aggregate the whole wave per request ------------------------------

export interface Naive {
  runs: number[];
  p50: number;
  p95: number;
  rows: number;
  /** execution time inside the database only (EXPLAIN ANALYZE, no rows sent), median of the runs */
  serverOnlyMs: number | null;
}

/**
 * Counts per (school, item, value) of one wave, straight from the raw answers: what a dashboard
 * would cost if every request aggregated the network itself. Rows are fetched through Kysely, the
 * app's own driver path.
 */
export async function naiveAggregation(db: Kysely<Database>, waveId: string, runs: number): Promise<Naive> {
  const query = () =>
    sql<{ school_id: string; item: number; value: number | null; n: number }>`
    select r.school_id, a.item, a.value, count(*)::int as n
    from response r cross join lateral unnest(r.answers) with ordinality as a(value, item)
    where r.wave_id = ${waveId}
    group by r.school_id, a.item, a.value`.execute(db);
  await query(); // warm the cache: the dashboard is measured warm too
  const times: number[] = [];
  let rows = 0;
  for (let i = 0; i < runs; i++) {
    const { ms, value } = await timed(query);
    times.push(ms);
    rows = value.rows.length;
  }
  const server: number[] = [];
  for (let i = 0; i < Math.min(3, runs); i++) {
    const plan = await sql<{ 'QUERY PLAN': string }>`
      explain (analyze, timing off, format text)
      select r.school_id, a.item, a.value, count(*)::int as n
      from response r cross join lateral unnest(r.answers) with ordinality as a(value, item)
      where r.wave_id = ${waveId}
      group by r.school_id, a.item, a.value`.execute(db);
    const line = plan.rows.map((r) => Object.values(r)[0]).find((l) => /Execution Time/.test(String(l)));
    const ms = Number(/Execution Time: ([\d.]+) ms/.exec(String(line))?.[1]);
    if (Number.isFinite(ms)) server.push(ms);
  }
  return { runs: times, p50: median(times), p95: percentile(times, 95), rows, serverOnlyMs: server.length ? median(server) : null };
}

// ---- 3. sealing ----------------------------------------------------------------------------------

export interface Sealing {
  responses: number;
  closeWaveMs: number;
  baselineMs: number;
  /** CPU of PostgreSQL's backends (PostgreSQL only): the rest of the wall time is I/O and waiting */
  cpu: { closeWaveMs: number; baselineMs: number } | null;
  /**
   * Rows in the three tables sealing may rewrite, before and after: the wave's own rows are what
   * must move; anything beyond is work that grows with every wave ever stored.
   */
  tableRowsBefore: TableRows;
  tableRows: TableRows;
  /** closeWave ÷ baseline of every wave sealed this way, in sealing order (the figure is their median) */
  ratios?: number[];
}

/**
 * The sealing of record among several waves, each timed with its own baseline right after it: the
 * one with the median ratio, carrying all the ratios. One pair of timings varied by ±15 % between
 * runs on this machine (3.7 × to 4.4 × for the same code); every wave is a full network wave.
 */
export function medianSealing(all: Sealing[]): Sealing {
  const ratio = (s: Sealing) => s.closeWaveMs / s.baselineMs;
  const sorted = [...all].sort((a, b) => ratio(a) - ratio(b));
  return { ...sorted[Math.floor((sorted.length - 1) / 2)]!, ratios: all.map(ratio) };
}

export interface TableRows {
  response: number;
  comment: number;
  access_code: number;
}

async function tableRows(db: Kysely<Database>): Promise<TableRows> {
  const count = async (table: 'response' | 'comment' | 'access_code') =>
    Number(
      (
        await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return { response: await count('response'), comment: await count('comment'), access_code: await count('access_code') };
}

/**
 * For `generateNetwork`'s `onSeal`: `closeWave` itself — which reads the wave's sealed boxes,
 * decrypts, shuffles and writes them (issue 14: ≤ 4×) — then the baseline: `CREATE TABLE … AS
 * SELECT … ORDER BY random()` of the same wave's responses in plaintext (then dropped), the
 * shuffled copy sealing produced before answers were encrypted.
 */
export function sealingProbe(db: Kysely<Database>, out: Sealing[], databaseUrl?: string) {
  return async (wave: { id: string; responses: number }, seal: () => Promise<void>) => {
    const before = await tableRows(db);
    await sql`checkpoint`.execute(db).catch(() => {});
    const close = await timedWithCpu(databaseUrl, seal);
    const after = await tableRows(db);
    await sql`checkpoint`.execute(db).catch(() => {});
    const baseline = await timedWithCpu(databaseUrl, () =>
      sql`create table bench_seal_baseline as
          select wave_id, school_id, answers, background from response where wave_id = ${wave.id} order by random()`.execute(db),
    );
    await sql`drop table bench_seal_baseline`.execute(db);
    out.push({
      responses: wave.responses,
      closeWaveMs: close.ms,
      baselineMs: baseline.ms,
      cpu: close.cpu && baseline.cpu ? { closeWaveMs: close.cpu.databaseMs, baselineMs: baseline.cpu.databaseMs } : null,
      tableRowsBefore: before,
      tableRows: after,
    });
  };
}

// ---- 5. code generation ----------------------------------------------------------------------

export interface CodeGeneration {
  codes: number;
  calls: number;
  /** `issueCodesForWave` for every school of the network */
  issueCodesMs: number;
  baselineMs: number;
  /** generating and hashing the plain codes in JS alone (part of issueCodes, not of the baseline) */
  hashingMs: number;
  /** CPU in this process and in PostgreSQL's backends (PostgreSQL only) */
  cpu: { issueCodes: { appMs: number; databaseMs: number }; baseline: { appMs: number; databaseMs: number } } | null;
  waveId: string;
  /** the plain codes issued, per school, for the submission phase */
  codesBySchool: Map<string, string[]>;
}

/**
 * The admin's way for a network-wide round (`codes:generate --all`): one `issueCodesForWave` call,
 * every school its whole staff, in a new wave. The
 * baseline: the same number of SHA-256 hashes (computed beforehand) bulk-inserted into
 * `access_code` in batches of 5,000 rows, for a scratch (draft) wave whose codes are deleted afterwards.
 */
export async function codeGeneration(
  db: Kysely<Database>,
  questionnaireId: string,
  schools: NetworkSchool[],
  label: string,
  databaseUrl?: string,
): Promise<CodeGeneration> {
  const total = schools.reduce((a, s) => a + s.staff, 0);
  const schoolIds = schools.map((s) => s.id);
  const hashing = await timed(async () => randomCodes(total).map(hashCode));
  const hashes = hashing.value;
  const owners = schools.flatMap((s) => Array.from({ length: s.staff }, () => s.id));

  const scratch = await createWave(db, { name: `${label} scratch codes`, questionnaireId, schoolIds, k: 5 });
  const baseline = await timedWithCpu(databaseUrl, async () => {
    for (let i = 0; i < total; i += 5000) {
      await sql`insert into access_code (hash, wave_id, school_id)
        select h, ${scratch}::uuid, s from unnest(${hashes.slice(i, i + 5000)}::text[], ${owners.slice(i, i + 5000)}::uuid[]) as t(h, s)`.execute(
        db,
      );
    }
  });
  // The scratch codes go; the (draft, empty) scratch wave stays.
  await db.deleteFrom('access_code').where('wave_id', '=', scratch).execute();
  await sql`vacuum analyze access_code`.execute(db);

  const waveId = await createWave(db, { name: `${label} codes wave`, questionnaireId, schoolIds, k: 5 });
  // As `codes:generate --all` does: every school its staff count, one transaction.
  let codesBySchool = new Map<string, string[]>();
  const issue = await timedWithCpu(databaseUrl, async () => {
    codesBySchool = await issueCodesForWave(
      db,
      waveId,
      schools.map((s) => ({ schoolId: s.id, count: s.staff })),
    );
  });
  const cpu = issue.cpu && baseline.cpu ? { issueCodes: issue.cpu, baseline: baseline.cpu } : null;
  return {
    codes: total,
    calls: schools.length,
    issueCodesMs: issue.ms,
    baselineMs: baseline.ms,
    hashingMs: hashing.ms,
    cpu,
    waveId,
    codesBySchool,
  };
}
