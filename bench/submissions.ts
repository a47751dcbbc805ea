/**
 * Submission throughput: full questionnaire bodies with distinct codes, over HTTP (bench/http-load.ts,
 * 50 keep-alive connections) against the server child, and the same transaction issued directly with `pg`
 * at the same concurrency (a pool of 50): the one statement the app stores a submission with.
 */
import { randomBytes } from 'node:crypto';
import { CompiledQuery, type Kysely } from 'kysely';
import pg from 'pg';
import type { Database } from '../server/db/schema.ts';
import type { Questionnaire } from '../surveys/schema.ts';
import { itemsInOrder } from '../surveys/load.ts';
import { hashCode } from '../server/teacher/access-codes.ts';
import { rng, schoolEffect, syntheticResponse } from '../server/demo/synthetic.ts';
import { encodeResponse, seal } from '../server/encryption/boxes.ts';
import { backendPids, cpuSnapshot, cpuSpent, percentile, procCpuMs, sampleMemory } from './util.ts';
import { formPost, httpLoad } from './http-load.ts';
import { GroupCommit } from '../server/db/group-commit.ts';

export const CONNECTIONS = 50;

export interface Answers {
  /** the form body without its code: `wave=…&a.com_1=4&…&b.role=leraar` (the wave the form was shown for) */
  form: string;
  /** for the direct baseline: the answers sealed beforehand, a box of the size the app writes */
  box: Buffer;
}

/** A few hundred distinct, realistic answer sets for one wave, reused round-robin (each with a fresh code). */
export function answerSets(q: Questionnaire, waveId: string, count = 400, seed = 8): Answers[] {
  const random = rng(seed);
  const items = itemsInOrder(q);
  // The baseline's boxes need only the right size; nobody opens them (the benchmark wave is never sealed).
  const key = randomBytes(32);
  const sets: Answers[] = [];
  for (let i = 0; i < count; i++) {
    const r = syntheticResponse(q, schoolEffect(q, random), random);
    const params = new URLSearchParams({ wave: waveId });
    r.answers.forEach((a, j) => {
      if (a === null) return;
      if (j < items.length) params.append(`a.${items[j]!.id}`, String(a));
      else if (j - items.length < (q.outcomes?.length ?? 0)) params.append(`a.${q.outcomes![j - items.length]!.id}`, String(a));
      else if (a === 1) params.append('priority', q.themes[j - items.length - (q.outcomes?.length ?? 0)]!.id);
    });
    for (const [k, v] of Object.entries(r.background)) params.append(`b.${k}`, v);
    sets.push({ form: params.toString(), box: seal(key, { kind: 'response', waveId, schoolId: waveId }, encodeResponse(q, r)) });
  }
  return sets;
}

/**
 * What the app's `/submit` runs for a submission that arrives alone (`storeSubmission` in
 * server/teacher/submissions.ts, the path nearly every submission takes): ONE statement that spends
 * the code in the form's wave and stores the sealed response (and comment). The baseline of row 1
 * (issue 14) issues it once for each submission, by hand, with boxes sealed before the clock starts:
 * what the database needs for one submission at a time. The app sends submissions that arrive
 * together as one statement (`STORE_GROUPED`); the grouped baseline, an information figure, does too.
 */
const STORE = `with spent as (
    update access_code set spent = true
    where hash = $1
      and wave_id = $2
      and school_id = $5
      and spent = false
      and exists (select 1 from wave where wave.id = $2 and wave.status = 'open')
    returning wave_id, school_id),
  stored as (
    insert into encrypted_response (wave_id, school_id, box)
    select wave_id, school_id, $3::bytea from spent returning 1),
  commented as (
    insert into encrypted_comment (wave_id, school_id, box)
    select wave_id, school_id, $4::bytea from spent where $4::bytea is not null returning 1)
  select (select count(*) from stored)::int as n`;

/**
 * The same, for a batch of submissions at once: what the app sends for submissions that arrived
 * together (`storeSubmissions`, grouped by `GroupCommit`). Only for the grouped baseline, an
 * information figure: how the app compares with a baseline that groups as it does.
 */
const STORE_GROUPED = `with input as (
    select * from unnest($1::text[], $2::uuid[], $3::uuid[], $4::bytea[], $5::bytea[])
      with ordinality as i (hash, wave_id, school_id, response, comment, n)),
  spent as (
    update access_code a set spent = true
    from input i
    where a.hash = i.hash and a.wave_id = i.wave_id and a.school_id = i.school_id and a.spent = false
      and exists (select 1 from wave where wave.id = i.wave_id and wave.status = 'open')
    returning i.n),
  stored as (
    insert into encrypted_response (wave_id, school_id, box)
    select i.wave_id, i.school_id, i.response from input i join spent using (n) returning 1),
  commented as (
    insert into encrypted_comment (wave_id, school_id, box)
    select i.wave_id, i.school_id, i.comment from input i join spent using (n) where i.comment is not null returning 1)
  select n::int as n from spent`;

export interface Throughput {
  requests: number;
  ok: number;
  failed: number;
  ms: number;
  perSecond: number;
  latencyP50Ms?: number;
  latencyP99Ms?: number;
  /** every request's latency (HTTP), for combining rounds */
  latenciesMs?: number[];
  statusCounts?: Record<string, number>;
  /** CPU per stored response, in ms: the app (or the direct script), PostgreSQL's backends, the load generator */
  cpu?: { appMs: number; databaseMs: number; loadGeneratorMs?: number };
  /** write-ahead log per stored response, and checkpoints that began while the phase ran */
  wal?: { fullPageImages: number; kB: number; syncs: number; checkpoints: number };
}

/**
 * The write-ahead log written while a phase ran (the whole cluster's: the benchmark is its only
 * writer): full-page images are what a page costs the first time it changes after a checkpoint, so
 * a checkpoint falling inside one phase and not the other shows here.
 */
async function walActivity(url: string | undefined) {
  if (!url) return null;
  const read = async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const r = await client.query<{ fpi: string; bytes: string; syncs: string; checkpoints: string }>(
        'select wal_fpi as fpi, wal_bytes as bytes, wal_sync as syncs, (select checkpoints_timed + checkpoints_req from pg_stat_bgwriter) as checkpoints from pg_stat_wal',
      );
      const row = r.rows[0]!;
      return { fpi: Number(row.fpi), bytes: Number(row.bytes), syncs: Number(row.syncs), checkpoints: Number(row.checkpoints) };
    } catch {
      return null; // pg_stat_wal is PostgreSQL 14+
    } finally {
      await client.end();
    }
  };
  const before = await read();
  return async (ok: number) => {
    const after = await read();
    if (!before || !after) return undefined;
    return {
      fullPageImages: (after.fpi - before.fpi) / ok,
      kB: (after.bytes - before.bytes) / 1024 / ok,
      syncs: (after.syncs - before.syncs) / ok,
      checkpoints: after.checkpoints - before.checkpoints,
    };
  };
}

/** PostgreSQL backends of the database: their CPU is what a request costs the database. */
async function databaseCpu(url: string | undefined) {
  if (!url) return null;
  const before = cpuSnapshot(await backendPids(url));
  return async () => cpuSpent(before, cpuSnapshot(await backendPids(url)));
}

/** `codes.length` transactions through a pool of `connections`, each worker taking the next code. */
/**
 * The baseline's connections, opened once and kept for every round, as the app keeps its pool: a
 * fresh pool per round would make each round pay for 50 new backends' first statements.
 */
export async function directPool(url: string, connections = CONNECTIONS): Promise<pg.Pool> {
  const pool = new pg.Pool({ connectionString: url, max: connections, idleTimeoutMillis: 0 });
  pool.on('error', () => {});
  const clients = await Promise.all(Array.from({ length: connections }, () => pool.connect()));
  clients.forEach((c) => c.release());
  return pool;
}

export async function directSubmissions(
  url: string,
  waveId: string,
  codes: string[],
  sets: Answers[],
  schoolOf: ReadonlyMap<string, string>,
  connections = CONNECTIONS,
  shared?: pg.Pool,
  grouped = false,
): Promise<Throughput> {
  const pool = shared ?? (await directPool(url, connections));
  // Grouped: the submissions waiting while statements are on their way go together in the next.
  const group = new GroupCommit<unknown[], boolean>(
    async (batch) => {
      const { rows } = await pool.query<{ n: number }>(
        STORE_GROUPED,
        [0, 1, 2, 3, 4].map((k) => batch.map((values) => values[k])),
      );
      const stored = new Set(rows.map((r) => r.n));
      return batch.map((_, i) => stored.has(i + 1));
    },
    { max: 100, inFlight: 4 },
  ); // as the app's (server/teacher/submissions.ts)
  const dbCpu = await databaseCpu(url);
  const wal = await walActivity(url);
  const cpu0 = process.cpuUsage();
  let next = 0;
  let ok = 0;
  let failed = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      for (let i = next++; i < codes.length; i = next++) {
        const set = sets[i % sets.length]!;
        try {
          const stored = grouped
            ? await group.add([hashCode(codes[i]!), waveId, schoolOf.get(codes[i]!), set.box, null])
            : // Named, as the app's statements are (server/db/prepared-statements.ts): parsed once a connection.
              (
                await pool.query<{ n: number }>({
                  name: 'bench-store',
                  text: STORE,
                  values: [hashCode(codes[i]!), waveId, set.box, null, schoolOf.get(codes[i]!)],
                })
              ).rows[0]!.n === 1;
          if (stored) ok++;
          else failed++;
        } catch (err) {
          failed++;
          if (failed === 1) process.stderr.write(`direct submission failed: ${(err as Error).message}\n`);
        }
      }
    }),
  );
  const ms = performance.now() - t0;
  const used = process.cpuUsage(cpu0);
  const databaseMs = dbCpu ? await dbCpu() : NaN;
  const walUsed = wal ? await wal(ok) : undefined;
  if (!shared) await pool.end();
  const cpu = { appMs: (used.user + used.system) / 1000 / ok, databaseMs: databaseMs / ok };
  return { requests: codes.length, ok, failed, ms, perSecond: (ok / ms) * 1000, cpu, ...(walUsed ? { wal: walUsed } : {}) };
}

/** The same, serialized through Kysely on PGlite (one connection, as the app has there). */
export async function directSubmissionsKysely(
  db: Kysely<Database>,
  waveId: string,
  codes: string[],
  sets: Answers[],
  schoolOf: ReadonlyMap<string, string>,
  connections = CONNECTIONS,
): Promise<Throughput> {
  let next = 0;
  let ok = 0;
  let failed = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      for (let i = next++; i < codes.length; i = next++) {
        const set = sets[i % sets.length]!;
        const done = await db
          .executeQuery<{ n: number }>(CompiledQuery.raw(STORE, [hashCode(codes[i]!), waveId, set.box, null, schoolOf.get(codes[i]!)]))
          .then((r) => r.rows[0]?.n === 1)
          .catch(() => false);
        if (done) ok++;
        else failed++;
      }
    }),
  );
  const ms = performance.now() - t0;
  return { requests: codes.length, ok, failed, ms, perSecond: (ok / ms) * 1000 };
}

/**
 * POST /submit over `connections` keep-alive connections (bench/http-load.ts): `amount` requests,
 * each with the next code of the list, built before the clock starts. A stored response answers 303.
 */
export async function httpSubmissions(
  baseUrl: string,
  codes: string[],
  sets: Answers[],
  amount: number,
  options: { connections?: number; pid?: number; databaseUrl?: string; schoolOf?: ReadonlyMap<string, string> } = {},
): Promise<Throughput & { memory?: ReturnType<ReturnType<typeof sampleMemory>['stop']> }> {
  if (codes.length < amount) throw new Error('the benchmark ran out of access codes');
  const target = new URL(baseUrl);
  const requests = codes.slice(0, amount).map((code, i) => {
    // The form a teacher is shown names the wave and school of their code: the one-statement path.
    const school = options.schoolOf?.get(code);
    const body = `code=${code}${school ? `&school=${school}` : ''}&lang=nl&${sets[i % sets.length]!.form}`;
    return formPost(target.host, '/submit', body, { accept: 'text/html' });
  });
  const dbCpu = await databaseCpu(options.databaseUrl);
  const wal = await walActivity(options.databaseUrl);
  const appCpu0 = options.pid ? procCpuMs(options.pid) : null;
  const cpu0 = process.cpuUsage();
  const memory = options.pid ? sampleMemory(options.pid) : null;
  const result = await httpLoad({ host: target.hostname, port: Number(target.port) }, requests, options.connections ?? CONNECTIONS);
  const mem = memory?.stop();
  const appCpu1 = options.pid ? procCpuMs(options.pid) : null;
  const generator = process.cpuUsage(cpu0);
  const databaseMs = dbCpu ? await dbCpu() : NaN;
  const ok = result.statusCounts['303'] ?? 0;
  const walUsed = wal ? await wal(ok) : undefined;
  const answered = result.latenciesMs.length;
  return {
    requests: amount,
    ok,
    failed: amount - ok,
    ms: result.ms,
    perSecond: (ok / result.ms) * 1000,
    ...latencies(result.latenciesMs),
    statusCounts: {
      ...result.statusCounts,
      ...(answered < amount ? { unanswered: amount - answered } : {}),
      ...(result.errors ? { socketErrors: result.errors } : {}),
    },
    cpu: {
      appMs: appCpu0 !== null && appCpu1 !== null ? (appCpu1 - appCpu0) / ok : NaN,
      databaseMs: databaseMs / ok,
      loadGeneratorMs: (generator.user + generator.system) / 1000 / ok,
    },
    ...(mem ? { memory: mem } : {}),
    ...(walUsed ? { wal: walUsed } : {}),
  };
}

/** Every request's latency, and its median and 99th percentile to a tenth of a millisecond. */
function latencies(ms: number[]): Pick<Throughput, 'latenciesMs' | 'latencyP50Ms' | 'latencyP99Ms'> {
  const tenth = (x: number) => Math.round(x * 10) / 10;
  return { latenciesMs: ms, latencyP50Ms: tenth(percentile(ms, 50)), latencyP99Ms: tenth(percentile(ms, 99)) };
}

/**
 * Rounds of one side as one run: rates from the summed counts and times, CPU and WAL per stored
 * response weighted by what each round stored, the memory peak the highest of the rounds'.
 */
export function combineRounds<T extends Throughput & { memory?: ReturnType<ReturnType<typeof sampleMemory>['stop']> }>(rounds: T[]): T {
  const sum = (f: (r: T) => number) => rounds.reduce((a, r) => a + f(r), 0);
  const ok = sum((r) => r.ok);
  const ms = sum((r) => r.ms);
  // A round that stored nothing has no per-response figures (x / 0): it weighs nothing.
  const weighted = (f: (r: T) => number | undefined) => sum((r) => (r.ok ? (f(r) ?? NaN) * r.ok : 0)) / ok;
  const all = rounds.flatMap((r) => r.latenciesMs ?? []);
  const statusCounts: Record<string, number> = {};
  for (const r of rounds) for (const [k, v] of Object.entries(r.statusCounts ?? {})) statusCounts[k] = (statusCounts[k] ?? 0) + v;
  const first = rounds[0]!;
  const memories = rounds.flatMap((r) => (r.memory ? [r.memory] : []));
  return {
    ...first,
    requests: sum((r) => r.requests),
    ok,
    failed: sum((r) => r.failed),
    ms,
    perSecond: (ok / ms) * 1000,
    statusCounts,
    ...(all.length ? latencies(all) : {}),
    ...(first.cpu
      ? {
          cpu: {
            appMs: weighted((r) => r.cpu?.appMs),
            databaseMs: weighted((r) => r.cpu?.databaseMs),
            ...(first.cpu.loadGeneratorMs !== undefined ? { loadGeneratorMs: weighted((r) => r.cpu?.loadGeneratorMs) } : {}),
          },
        }
      : {}),
    ...(first.wal
      ? {
          wal: {
            fullPageImages: weighted((r) => r.wal?.fullPageImages),
            kB: weighted((r) => r.wal?.kB),
            syncs: weighted((r) => r.wal?.syncs),
            checkpoints: sum((r) => r.wal?.checkpoints ?? 0),
          },
        }
      : {}),
    ...(memories.length
      ? {
          memory: {
            before: memories[0]!.before,
            peak: Math.max(...memories.map((m) => m.peak)),
            after: memories.at(-1)!.after,
            samples: memories.reduce((a, m) => a + m.samples, 0),
            kernelPeak: memories.every((m) => m.kernelPeak),
          },
        }
      : {}),
  };
}
