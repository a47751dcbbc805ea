/**
 * `npm run bench` — issue 8: the platform under a network-wide wave. Every figure is a ratio
 * against a baseline measured in the same run on the same database; see docs/performance.md.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench            full scale
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench -- --fast  smoke run (1/200)
 *
 * Options: --fast (1/200 scale, seconds; writes bench/results.fast.json only), --scale <f> (writes
 * bench/results.custom.json only),
 * --no-pglite (skip the 1/20 PGlite run), --keep (keep the schoolpols_bench database afterwards),
 * --strict (exit 1 when a target fails).
 *
 * DATABASE_URL names the PostgreSQL server; the benchmark drops and recreates the database
 * `schoolpols_bench` on it (never the database named in the URL).
 */
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { openStore, type Store } from '../server/db/connect.ts';
import type { Database } from '../server/db/schema.ts';
import { migrateToLatest } from '../server/db/migrate.ts';
import { createUser } from '../server/staff/users.ts';
import { issueCodes, openWave } from '../server/waves.ts';
import { rng } from '../server/demo/synthetic.ts';
import { generateNetwork, networkSize, type Network } from './network.ts';
import { generateMasterKeyText, parseMasterKey } from '../server/encryption/master-key.ts';
import { WaveKeys } from '../server/encryption/wave-keys.ts';
import { adminPages, ADMIN_PAGES, type AdminPagesRun } from './admin-pages.ts';
import {
  codeGeneration,
  medianSealing,
  naiveAggregation,
  sealingProbe,
  type CodeGeneration,
  type Naive,
  type Sealing,
} from './measures.ts';
import {
  answerSets,
  combineRounds,
  directPool,
  directSubmissions,
  directSubmissionsKysely,
  httpSubmissions,
  CONNECTIONS,
  type Throughput,
} from './submissions.ts';
import { copyBaseline, downloadExport, exportRouteExists, type ExportRun } from './export.ts';
import { fetchRound, signIn, startServer, surgeRound, timedGet, type ServerChild } from './server.ts';
import { markdownTable, row, terminalTable, writePerformanceDoc, type Row } from './report.ts';
import {
  backendPids,
  cpuSnapshot,
  cpuSpent,
  fmtMB,
  fmtMs,
  machine,
  median,
  percentile,
  procCpuMs,
  procMemory,
  recreateDatabase,
  dropDatabase,
  shuffle,
  MB,
} from './util.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const option = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};

const FAST = flag('fast');
const SCALE = Number(option('scale') ?? (FAST ? 1 / 200 : 1));
const PGLITE_SCALE = FAST ? 1 / 400 : 1 / 20;
const BENCH_DB = 'schoolpols_bench';
const ADMIN = { email: 'bench-admin@bench.invalid', password: randomBytes(18).toString('base64url') };
const P = {
  naiveRuns: FAST ? 5 : 7,
  dashboardSamples: FAST ? 10 : 60,
  adminSamples: FAST ? 10 : 40,
  dashboardSchools: 20,
  surgeReps: 50,
  surgeRounds: FAST ? 2 : 5,
  submissions: FAST ? 500 : 20_000,
  submissionWarmup: FAST ? 100 : 1000,
  submissionRounds: FAST ? 2 : 4,
  pgliteSubmissions: FAST ? 150 : 2000,
  copyRuns: 3,
};
/** submissions per round of each side (the rounds alternate) */
const perRound = Math.ceil(P.submissions / P.submissionRounds);

// One master key for the run: the generator seals responses with it and the servers it starts (which
// inherit this environment) open them.
process.env['SCHOOLPOLS_KEY'] ??= generateMasterKeyText();
const master = parseMasterKey(process.env['SCHOOLPOLS_KEY']);

const started = new Date();
/** The machine is shared: the 1-minute load average is recorded through the run. */
const loadSamples: number[] = [];
const loadTimer = setInterval(() => loadSamples.push(os.loadavg()[0]!), 5000);
loadTimer.unref();
const log = (message: string) =>
  process.stdout.write(`[${((Date.now() - started.getTime()) / 1000).toFixed(0).padStart(4)} s] ${message}\n`);

interface DashboardRun {
  schools: number;
  responsesPerWave: number;
  coldMs: number;
  samples: number[];
  p50: number;
  p95: number;
  bytes: number;
  /** CPU per warm request: the server process and PostgreSQL's backends (PostgreSQL only) */
  cpu: { appMs: number; databaseMs: number };
}

/** One warm-up request (it loads the wave and its trend waves into the process cache), then timed requests over a sample of schools. */
async function dashboards(
  server: ServerChild,
  cookie: string,
  network: Network,
  samples: number,
  databaseUrl?: string,
): Promise<DashboardRun> {
  const wave = network.waves.at(-1)!;
  // The largest school and a fair sample of the others (the school list is shuffled).
  const largest = [...network.schools].sort((a, b) => b.staff - a.staff)[0]!;
  const schools = [largest, ...network.schools.filter((s) => s !== largest).slice(0, P.dashboardSchools - 1)];
  const url = (id: string) => `${server.url}/schools/${id}/waves/${wave.id}`;
  const cold = await timedGet(url(schools[0]!.id), cookie);
  if (cold.status !== 200) throw new Error(`dashboard answered ${cold.status}: ${cold.body.slice(0, 300)}`);
  const times: number[] = [];
  let bytes = 0;
  const db0 = databaseUrl ? cpuSnapshot(await backendPids(databaseUrl)) : null;
  const app0 = procCpuMs(server.pid) ?? NaN;
  for (let i = 0; i < samples; i++) {
    const r = await timedGet(url(schools[i % schools.length]!.id), cookie);
    if (r.status !== 200) throw new Error(`dashboard answered ${r.status}`);
    times.push(r.ms);
    bytes = Math.max(bytes, r.bytes);
  }
  const appMs = ((procCpuMs(server.pid) ?? NaN) - app0) / samples;
  const databaseMs = db0 && databaseUrl ? cpuSpent(db0, cpuSnapshot(await backendPids(databaseUrl))) / samples : NaN;
  return {
    schools: network.schools.length,
    responsesPerWave: network.responsesPerWave,
    coldMs: cold.ms,
    samples: times,
    p50: median(times),
    p95: percentile(times, 95),
    bytes,
    cpu: { appMs, databaseMs },
  };
}

interface SurgeRun {
  reps: number;
  /** the first round, on a server that had served nothing: the wave is loaded by these requests */
  cold: { p50: number; p95: number; max: number };
  /** the rounds after it, each `reps` other schools at once */
  warm: { samples: number; p50: number; p95: number };
}

/**
 * Reps opening their school's dashboard at the same moment, as after a wave is released (issue 17):
 * `reps` different schools at once, on a server that has served nothing yet (the first round loads
 * the wave), then `rounds − 1` more rounds of other schools, each all at once. `client`: the lean
 * load generator of `surgeRound` (the target's), or `fetch` (undici), whose own CPU on the server's
 * two cores shows in the figure (information). `skip`: schools another surge has asked for.
 */
async function dashboardSurge(
  server: ServerChild,
  cookie: string,
  network: Network,
  reps: number,
  rounds: number,
  client: 'lean' | 'fetch' = 'lean',
  skip = 0,
): Promise<SurgeRun> {
  const wave = network.waves.at(-1)!;
  const path = (id: string) => `/schools/${id}/waves/${wave.id}`;
  const round = async (list: Network['schools']) =>
    (
      await (client === 'lean' ? surgeRound : fetchRound)(
        server.url,
        cookie,
        list.map((s) => path(s.id)),
      )
    ).ms;
  // In turn from `skip`, round the list again where a small network (`--fast`) has too few.
  const schools = Array.from({ length: reps * rounds }, (_, i) => network.schools[(skip + i) % network.schools.length]!);
  const cold = await round(schools.slice(0, reps));
  const warm: number[] = [];
  for (let i = 1; i < rounds; i++) warm.push(...(await round(schools.slice(i * reps, (i + 1) * reps))));
  return {
    reps,
    cold: { p50: median(cold), p95: percentile(cold, 95), max: Math.max(...cold) },
    warm: { samples: warm.length, p50: median(warm), p95: percentile(warm, 95) },
  };
}

/** All plain codes of the codes wave, shuffled (codes of all schools mixed, as in a real surge). */
function codePool(codes: CodeGeneration, seed: number): string[] {
  return shuffle([...codes.codesBySchool.values()].flat(), rng(seed));
}

/** Takes the next `n` codes of the pool for each phase; running short is an error, never a smaller phase. */
function codeTaker(pool: readonly string[]): (n: number) => string[] {
  let at = 0;
  return (n) => {
    const list = pool.slice(at, (at += n));
    if (list.length < n) throw new Error(`the benchmark ran out of access codes (${n} asked, ${list.length} left)`);
    return list;
  };
}

/** Each code's school, as the form shown for it carries. */
function schoolsOf(codes: CodeGeneration): Map<string, string> {
  return new Map([...codes.codesBySchool].flatMap(([school, list]) => list.map((code) => [code, school] as const)));
}

async function ensureCodes(db: Kysely<Database>, codes: CodeGeneration, network: Network, needed: number): Promise<void> {
  let have = codes.codes;
  for (let i = 0; have < needed; i++) {
    const school = network.schools[i % network.schools.length]!;
    const extra = await issueCodes(db, codes.waveId, school.id, Math.min(5000, needed - have));
    codes.codesBySchool.get(school.id)!.push(...extra);
    have += extra.length;
  }
}

async function dirSize(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    total += entry.isDirectory() ? await dirSize(p) : (await stat(p)).size;
  }
  return total;
}

// ---- PostgreSQL -------------------------------------------------------------------------------

interface PostgresResults {
  tenth: Network;
  full: Network;
  sealing: Sealing;
  naive: Naive;
  naiveTenth: Naive;
  codes: CodeGeneration;
  dashboard: DashboardRun;
  dashboardTenth: DashboardRun;
  dashboardServerRss: number;
  adminTenth: AdminPagesRun;
  adminFull: AdminPagesRun;
  surge: SurgeRun;
  /** the same surge with `fetch` as the client (information) */
  surgeFetch: SurgeRun;
  exportRun: { cold: ExportRun; warm: ExportRun; copy: { ms: number; bytes: number } | { unavailable: string } } | { unavailable: string };
  direct: Throughput;
  directGrouped: Throughput;
  http: Awaited<ReturnType<typeof httpSubmissions>>;
  rssIdle: number;
  databaseBytes: number;
}

async function runPostgres(serverUrl: string): Promise<PostgresResults> {
  log(`PostgreSQL: (re)creating database ${BENCH_DB}`);
  const url = await recreateDatabase(serverUrl, BENCH_DB);
  const store: Store = await openStore({ databaseUrl: url, poolSize: 10 });
  const servers: ServerChild[] = [];
  try {
    const db = store.db;
    await migrateToLatest(db);
    await createUser(db, { email: ADMIN.email, role: 'admin', password: ADMIN.password });

    const tenth = await generateNetwork(db, {
      scale: SCALE / 10,
      minSchools: 10,
      label: 'Bench 1-10',
      seed: 10,
      log,
      keys: new WaveKeys(db, master),
    });
    // The admin console while the store holds only the 1/10 network; again below with the full one.
    await sql`analyze`.execute(db);
    const adminTenth = await adminPages(url, ADMIN, P.adminSamples, tenth.schools.length);
    const sealings: Sealing[] = [];
    const probe = sealingProbe(db, sealings, url);
    const full = await generateNetwork(db, {
      keys: new WaveKeys(db, master),
      scale: SCALE,
      label: 'Bench',
      seed: 1,
      log,
      onSeal: probe,
    });
    const sealing = medianSealing(sealings);
    log(
      `sealing ${sealing.responses} responses: closeWave ${fmtMs(sealing.closeWaveMs)}, CREATE TABLE AS … ORDER BY random() ${fmtMs(sealing.baselineMs)}`,
    );
    await sql`analyze`.execute(db);

    log('naive aggregation of a full wave');
    const naive = await naiveAggregation(db, full.waves[2]!.id, P.naiveRuns);
    const naiveTenth = await naiveAggregation(db, tenth.waves[2]!.id, P.naiveRuns);
    log(
      `naive: p50 ${fmtMs(naive.p50)}, p95 ${fmtMs(naive.p95)} (${naive.rows} rows; ${fmtMs(naive.serverOnlyMs ?? NaN)} inside the database); 1/10: p50 ${fmtMs(naiveTenth.p50)}`,
    );

    log(
      `code generation: ${full.responsesPerWave} codes for ${full.schools.length} schools, one issueCodesForWave call (codes:generate --all)`,
    );
    const codes = await codeGeneration(db, full.questionnaireId, full.schools, 'Bench', url);
    log(`issueCodesForWave ${fmtMs(codes.issueCodesMs)} vs bulk insert ${fmtMs(codes.baselineMs)}`);
    const needed = 2 * P.submissionWarmup + 3 * P.submissionRounds * perRound;
    await ensureCodes(db, codes, full, needed);
    await openWave(db, codes.waveId, undefined, new WaveKeys(db, master));
    // Vacuumed as well as analysed: after the bulk loads above (three sealed waves, 165,000 codes)
    // autovacuum could otherwise start in the middle of the latency measurements that follow and
    // take one of a machine's two cores from them (issue 17: the surge read 0.067 and 0.11 in two
    // runs of one morning).
    await sql`vacuum (analyze)`.execute(db);

    const adminFull = await adminPages(url, ADMIN, P.adminSamples, tenth.schools.length + full.schools.length);
    log(`admin pages: ${ADMIN_PAGES.map((p) => `${p} p95 ${fmtMs(adminFull[p].p95)} vs ${fmtMs(adminTenth[p].p95)} at 1/10`).join('; ')}`);

    // -- dashboards (a server that has served nothing yet)
    log('dashboards over HTTP (1/10 scale, then full scale)');
    const dashServer = await startServer({ DATABASE_URL: url });
    servers.push(dashServer);
    // One sign-in for the dashboard, surge and export servers: sessions live in the database, so a
    // session outlives a restart, as an admin's does. Signing in again on each server waited for a
    // fresh two-step code (up to 30 s a time) with the new server idle meanwhile, and V8 shrank an
    // idle server's heap: the export's RSS growth was then measured from that shrunk heap.
    const cookie = await signIn(dashServer.url, ADMIN.email, ADMIN.password);
    const dashboardTenth = await dashboards(dashServer, cookie, tenth, P.dashboardSamples, url);
    const dashboard = await dashboards(dashServer, cookie, full, P.dashboardSamples, url);
    const dashboardServerRss = procMemory(dashServer.pid)?.rss ?? NaN;
    log(
      `dashboard full: cold ${fmtMs(dashboard.coldMs)}, p50 ${fmtMs(dashboard.p50)}, p95 ${fmtMs(dashboard.p95)}; 1/10: p50 ${fmtMs(dashboardTenth.p50)}`,
    );
    await dashServer.stop();

    // -- 50 reps at once, right after release (a server that has served nothing yet)
    log('50 dashboards at once, cold then warm');
    const surgeServer = await startServer({ DATABASE_URL: url });
    servers.push(surgeServer);
    const surge = await dashboardSurge(surgeServer, cookie, full, P.surgeReps, P.surgeRounds);
    log(
      `surge of ${surge.reps}: cold p95 ${fmtMs(surge.cold.p95)} (max ${fmtMs(surge.cold.max)}); warm p50 ${fmtMs(surge.warm.p50)}, p95 ${fmtMs(surge.warm.p95)}`,
    );
    await surgeServer.stop();
    // The same surge with `fetch` as the client, on a server of its own and other schools: what the
    // figure was before the lean client (information, row 2g).
    const fetchServer = await startServer({ DATABASE_URL: url });
    servers.push(fetchServer);
    const surgeFetch = await dashboardSurge(fetchServer, cookie, full, P.surgeReps, P.surgeRounds, 'fetch', P.surgeReps * P.surgeRounds);
    log(
      `surge through fetch: cold p95 ${fmtMs(surgeFetch.cold.p95)}; warm p50 ${fmtMs(surgeFetch.warm.p50)}, p95 ${fmtMs(surgeFetch.warm.p95)}`,
    );
    await fetchServer.stop();

    // -- export (a fresh server: the first download loads the wave, as after a restart)
    log('export zip of a full wave over HTTP');
    const exportServer = await startServer({ DATABASE_URL: url });
    servers.push(exportServer);
    const exportCookie = cookie;
    let exportRun: PostgresResults['exportRun'];
    if (!(await exportRouteExists(exportServer.url, exportCookie))) {
      exportRun = { unavailable: 'GET /research/waves/:waveId/export.zip does not exist yet' };
    } else {
      const waveId = full.waves[1]!.id;
      await new Promise((r) => setTimeout(r, 500));
      const cold = await downloadExport(exportServer.url, exportCookie, waveId, exportServer.pid);
      const warm = await downloadExport(exportServer.url, exportCookie, waveId, exportServer.pid);
      if (cold.status !== 200 || warm.status !== 200) throw new Error(`export answered ${cold.status}/${warm.status}`);
      const copies = [];
      for (let i = 0; i < P.copyRuns; i++) copies.push(await copyBaseline(url, waveId));
      const ok = copies.filter((c): c is { ms: number; bytes: number } => 'ms' in c);
      const copy = ok.length ? { ms: median(ok.map((c) => c.ms)), bytes: ok[0]!.bytes } : copies[0]!;
      exportRun = { cold, warm, copy };
      log(
        `export: cold ${fmtMs(cold.ms)} (+${fmtMB(cold.growth)} RSS), warm ${fmtMs(warm.ms)}; COPY ${'ms' in copy ? fmtMs(copy.ms) : copy.unavailable}`,
      );
    }
    await exportServer.stop();

    // -- submissions (a fresh server)
    log(`submissions: ${P.submissions} over HTTP and ${P.submissions} directly, ${CONNECTIONS} connections`);
    const sets = answerSets(full.questionnaire, codes.waveId);
    const pool = codePool(codes, 99);
    const take = codeTaker(pool);
    const schoolOf = schoolsOf(codes);
    const directConnections = await directPool(url);
    await directSubmissions(url, codes.waveId, take(P.submissionWarmup), sets, schoolOf, CONNECTIONS, directConnections);
    const subServer = await startServer({ DATABASE_URL: url });
    servers.push(subServer);
    await httpSubmissions(subServer.url, take(P.submissionWarmup), sets, P.submissionWarmup, { schoolOf });
    await new Promise((r) => setTimeout(r, 1000));
    const rssIdle = procMemory(subServer.pid)?.rss ?? NaN;
    // The two sides take turns in rounds (each side first in every other round), so a drift in the
    // machine's speed or a neighbour's load falls on both: one pair of phases varied by ±20 % here.
    // Each phase starts just after a checkpoint: the first change of a page after one writes the
    // whole page to the WAL, so a checkpoint inside only one phase would tilt the ratio.
    const directRounds: Throughput[] = [];
    const groupedRounds: Throughput[] = [];
    const httpRounds: Awaited<ReturnType<typeof httpSubmissions>>[] = [];
    const directRound = async () => {
      await sql`checkpoint`.execute(db);
      directRounds.push(await directSubmissions(url, codes.waveId, take(perRound), sets, schoolOf, CONNECTIONS, directConnections));
    };
    const groupedRound = async () => {
      await sql`checkpoint`.execute(db);
      groupedRounds.push(await directSubmissions(url, codes.waveId, take(perRound), sets, schoolOf, CONNECTIONS, directConnections, true));
    };
    const httpRound = async () => {
      await sql`checkpoint`.execute(db);
      httpRounds.push(
        await httpSubmissions(subServer.url, take(perRound), sets, perRound, {
          pid: subServer.pid,
          databaseUrl: url,
          schoolOf,
        }),
      );
    };
    for (let round = 0; round < P.submissionRounds; round++) {
      for (const phase of round % 2 === 0 ? [directRound, httpRound, groupedRound] : [groupedRound, httpRound, directRound]) await phase();
    }
    await directConnections.end();
    const direct = combineRounds(directRounds);
    const directGrouped = combineRounds(groupedRounds);
    const http = combineRounds(httpRounds);
    await subServer.stop();
    log(
      `submissions: HTTP ${http.perSecond.toFixed(0)}/s (${http.ok} stored, statuses ${JSON.stringify(http.statusCounts)}), direct ${direct.perSecond.toFixed(0)}/s; server RSS peak ${fmtMB(http.memory?.peak ?? NaN)}`,
    );
    const stored = Number(
      (
        await db
          .selectFrom('encrypted_response')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('wave_id', '=', codes.waveId)
          .executeTakeFirstOrThrow()
      ).n,
    );
    if (stored < http.ok + direct.ok) throw new Error(`only ${stored} responses stored for ${http.ok + direct.ok} successful submissions`);
    const size = await sql<{ n: number }>`select pg_database_size(current_database())::bigint as n`.execute(db);
    return {
      tenth,
      full,
      sealing,
      naive,
      naiveTenth,
      codes,
      dashboard,
      dashboardTenth,
      dashboardServerRss,
      adminTenth,
      adminFull,
      surge,
      surgeFetch,
      exportRun,
      direct,
      directGrouped,
      http,
      rssIdle,
      databaseBytes: Number(size.rows[0]!.n),
    };
  } finally {
    for (const s of servers) await s.stop().catch(() => {});
    await store.close();
    if (!flag('keep')) await dropDatabase(serverUrl, BENCH_DB).catch(() => {});
  }
}

// ---- PGlite -----------------------------------------------------------------------------------

interface PgliteResults {
  network: Network;
  sealing: Sealing;
  naive: Naive;
  codes: CodeGeneration;
  dashboard: DashboardRun;
  direct: Throughput;
  http: Awaited<ReturnType<typeof httpSubmissions>>;
  rssIdle: number;
  storeBytes: number;
}

async function runPglite(): Promise<PgliteResults> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'schoolpols-bench-'));
  const servers: ServerChild[] = [];
  try {
    log(`PGlite (1/${Math.round(1 / PGLITE_SCALE)} scale) in ${dataDir}`);
    let store = await openStore({ pgliteDir: path.join(dataDir, 'pglite') });
    let network: Network;
    let sealing: Sealing;
    let naive: Naive;
    let codes: CodeGeneration;
    let sets;
    try {
      const db = store.db;
      await migrateToLatest(db);
      await createUser(db, { email: ADMIN.email, role: 'admin', password: ADMIN.password });
      const out: Sealing[] = [];
      const probe = sealingProbe(db, out);
      network = await generateNetwork(db, {
        keys: new WaveKeys(db, master),
        scale: PGLITE_SCALE,
        label: 'Bench',
        seed: 1,
        log,
        onSeal: probe,
      });
      sealing = medianSealing(out);
      await sql`analyze`.execute(db);
      naive = await naiveAggregation(db, network.waves[2]!.id, P.naiveRuns);
      codes = await codeGeneration(db, network.questionnaireId, network.schools, 'Bench');
      await ensureCodes(db, codes, network, 2 * (P.pgliteSubmissions + 100));
      await openWave(db, codes.waveId, undefined, new WaveKeys(db, master));
      sets = answerSets(network.questionnaire, codes.waveId);
      log(
        `PGlite: sealing ${fmtMs(sealing.closeWaveMs)} vs ${fmtMs(sealing.baselineMs)}; naive p50 ${fmtMs(naive.p50)}; issueCodes ${fmtMs(codes.issueCodesMs)} vs ${fmtMs(codes.baselineMs)}`,
      );
    } catch (err) {
      await store.close();
      throw err;
    }
    const pool = codePool(codes, 98);
    const take = codeTaker(pool);
    await directSubmissionsKysely(store.db, codes.waveId, take(100), sets, schoolsOf(codes));
    const direct = await directSubmissionsKysely(store.db, codes.waveId, take(P.pgliteSubmissions), sets, schoolsOf(codes));
    await store.close();

    // PGlite admits one process: the server opens the same directory once the benchmark has closed it.
    const server = await startServer({ DATA_DIR: dataDir });
    servers.push(server);
    const cookie = await signIn(server.url, ADMIN.email, ADMIN.password);
    const dashboard = await dashboards(server, cookie, network, P.dashboardSamples);
    const schoolOf = schoolsOf(codes);
    await httpSubmissions(server.url, take(100), sets, 100, { schoolOf });
    const rssIdle = procMemory(server.pid)?.rss ?? NaN;
    const http = await httpSubmissions(server.url, take(P.pgliteSubmissions), sets, P.pgliteSubmissions, {
      pid: server.pid,
      schoolOf,
    });
    await server.stop();
    log(
      `PGlite: dashboard cold ${fmtMs(dashboard.coldMs)}, p50 ${fmtMs(dashboard.p50)}, p95 ${fmtMs(dashboard.p95)}; submissions HTTP ${http.perSecond.toFixed(0)}/s, direct ${direct.perSecond.toFixed(0)}/s`,
    );
    store = await openStore({ pgliteDir: path.join(dataDir, 'pglite') });
    const stored = Number(
      (
        await store.db
          .selectFrom('encrypted_response')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('wave_id', '=', codes.waveId)
          .executeTakeFirstOrThrow()
      ).n,
    );
    await store.close();
    if (stored < http.ok + direct.ok)
      throw new Error(`PGlite: only ${stored} responses stored for ${http.ok + direct.ok} successful submissions`);
    return { network, sealing, naive, codes, dashboard, direct, http, rssIdle, storeBytes: await dirSize(dataDir) };
  } finally {
    for (const s of servers) await s.stop().catch(() => {});
    await rm(dataDir, { recursive: true, force: true });
  }
}

// ---- report ----------------------------------------------------------------------------------

const per = (n: number) => `${n.toFixed(0)}/s`;
const rowsNote = (s: Sealing) =>
  `tables held ${s.tableRowsBefore.response.toLocaleString('en')} responses, ${s.tableRowsBefore.comment.toLocaleString('en')} comments, ` +
  `${s.tableRowsBefore.access_code.toLocaleString('en')} codes of all waves when this wave of ${s.responses.toLocaleString('en')} was sealed`;
const ratiosNote = (s: Sealing) =>
  s.ratios && s.ratios.length > 1
    ? `median of ${s.ratios.length} waves, each with its own baseline: ${s.ratios.map((x) => `${x.toFixed(2)} ×`).join(', ')}; this one's `
    : '';
const cpuText = (ms: number | undefined) => (ms === undefined || !Number.isFinite(ms) ? '?' : `${ms.toFixed(2)} ms`);
const walText = (wal: Throughput['wal']) =>
  wal
    ? `${wal.kB.toFixed(1)} kB, ${wal.fullPageImages.toFixed(2)} full pages${wal.checkpoints ? `, ${wal.checkpoints} checkpoint(s) began` : ''}`
    : '?';

function postgresRows(r: PostgresResults): Row[] {
  const rows: Row[] = [];
  rows.push(
    row({
      id: '1',
      store: 'postgres',
      figure: 'Submission throughput (HTTP, 50 connections)',
      measured: `${per(r.http.perSecond)} (p99 ${r.http.latencyP99Ms} ms)`,
      baseline: `${per(r.direct.perSecond)} direct pg, pool 50`,
      ratio: r.http.perSecond / r.direct.perSecond,
      target: '≥ 0.6',
      note: `CPU per response: app ${cpuText(r.http.cpu?.appMs)} + PostgreSQL ${cpuText(r.http.cpu?.databaseMs)} (+ load generator ${cpuText(r.http.cpu?.loadGeneratorMs)}); direct: script ${cpuText(r.direct.cpu?.appMs)} + PostgreSQL ${cpuText(r.direct.cpu?.databaseMs)}. WAL per response: ${walText(r.http.wal)} vs ${walText(r.direct.wal)} direct. The app stores submissions that arrive together in one statement; the baseline sends one statement per submission (row 1i: a baseline that groups too)`,
    }),
    row({
      id: '1i',
      store: 'postgres',
      figure: 'Submission throughput vs a direct baseline that groups submissions as the app does',
      measured: per(r.http.perSecond),
      baseline: `${per(r.directGrouped.perSecond)} direct pg, grouped, pool 50`,
      ratio: r.http.perSecond / r.directGrouped.perSecond,
      target: '',
      note: `direct grouped: script ${cpuText(r.directGrouped.cpu?.appMs)} + PostgreSQL ${cpuText(r.directGrouped.cpu?.databaseMs)} per response; WAL per response ${walText(r.directGrouped.wal)}`,
    }),
    row({
      id: '2a',
      store: 'postgres',
      figure: 'School dashboard p50 (full HTML, warm)',
      measured: fmtMs(r.dashboard.p50),
      baseline: `${fmtMs(r.naive.p50)} naive network aggregation p50`,
      ratio: r.dashboard.p50 / r.naive.p50,
      target: '',
    }),
    row({
      id: '2b',
      store: 'postgres',
      figure: 'School dashboard p95 (full HTML, warm)',
      measured: fmtMs(r.dashboard.p95),
      baseline: `${fmtMs(r.naive.p95)} naive network aggregation p95`,
      ratio: r.dashboard.p95 / r.naive.p95,
      target: '≤ 0.1',
      note: `CPU per request: app ${cpuText(r.dashboard.cpu.appMs)} + PostgreSQL ${cpuText(r.dashboard.cpu.databaseMs)}; naive query ${fmtMs(r.naive.serverOnlyMs ?? NaN)} inside the database`,
    }),
    row({
      id: '2c',
      store: 'postgres',
      figure: `Dashboard scale: p50 at ${r.full.schools.length} schools vs ${r.tenth.schools.length}`,
      measured: fmtMs(r.dashboard.p50),
      baseline: `${fmtMs(r.dashboardTenth.p50)} at 1/10 scale`,
      ratio: r.dashboard.p50 / r.dashboardTenth.p50,
      target: '≤ 1.5',
      note: `CPU per request: app ${cpuText(r.dashboard.cpu.appMs)} vs ${cpuText(r.dashboardTenth.cpu.appMs)} at 1/10 scale`,
    }),
    row({
      id: '2d',
      store: 'postgres',
      figure: 'First dashboard after a server start (cold cache)',
      measured: fmtMs(r.dashboard.coldMs),
      baseline: `${fmtMs(r.naive.p50)} naive p50`,
      ratio: r.dashboard.coldMs / r.naive.p50,
      target: '',
      note: `1/10 scale: ${fmtMs(r.dashboardTenth.coldMs)}`,
    }),
    row({
      id: '2e',
      store: 'postgres',
      figure: `${r.surge.reps} reps open their dashboards at once (warm), p95`,
      measured: fmtMs(r.surge.warm.p95),
      baseline: `${fmtMs(r.naive.p95)} naive network aggregation p95`,
      ratio: r.surge.warm.p95 / r.naive.p95,
      target: '≤ 0.1',
      note: `${r.surge.warm.samples} requests in rounds of ${r.surge.reps} different schools at once, each over a connection of its own; p50 ${fmtMs(r.surge.warm.p50)}. The first round, on a server that had served nothing (the wave just released): p95 ${fmtMs(r.surge.cold.p95)}, slowest ${fmtMs(r.surge.cold.max)}`,
    }),
    row({
      id: '2g',
      store: 'postgres',
      figure: `The same surge with fetch as the client, p95`,
      measured: fmtMs(r.surgeFetch.warm.p95),
      baseline: `${fmtMs(r.naive.p95)} naive network aggregation p95`,
      ratio: r.surgeFetch.warm.p95 / r.naive.p95,
      target: '',
      note: `a server of its own and other schools; undici's CPU on the same two cores shows in it. p50 ${fmtMs(r.surgeFetch.warm.p50)}; first round p95 ${fmtMs(r.surgeFetch.cold.p95)}`,
    }),
    ...ADMIN_PAGES.map((page, i) =>
      row({
        id: `2f${'ab'[i]}`,
        store: 'postgres',
        figure: `Admin ${page} p95 with ${r.adminFull[page].schools} schools vs ${r.adminTenth[page].schools}`,
        measured: fmtMs(r.adminFull[page].p95),
        baseline: `${fmtMs(r.adminTenth[page].p95)} with the 1/10 network only`,
        ratio: r.adminFull[page].p95 / r.adminTenth[page].p95,
        target: '≤ 2',
        note: `p50 ${fmtMs(r.adminFull[page].p50)} vs ${fmtMs(r.adminTenth[page].p50)}; ${Math.round(r.adminFull[page].bytes / 1024)} KiB of HTML vs ${Math.round(r.adminTenth[page].bytes / 1024)} KiB`,
      }),
    ),
    row({
      id: '3',
      store: 'postgres',
      figure: `Sealing a full wave (closeWave, ${r.sealing.responses} responses)`,
      measured: fmtMs(r.sealing.closeWaveMs),
      baseline: `${fmtMs(r.sealing.baselineMs)} CREATE TABLE AS … ORDER BY random()`,
      ratio: r.sealing.closeWaveMs / r.sealing.baselineMs,
      target: '≤ 4',
      note: `${ratiosNote(r.sealing)}${rowsNote(r.sealing)}${r.sealing.cpu ? `; PostgreSQL CPU ${fmtMs(r.sealing.cpu.closeWaveMs)} vs ${fmtMs(r.sealing.cpu.baselineMs)}` : ''}`,
    }),
  );
  if ('unavailable' in r.exportRun) {
    rows.push(
      row({
        id: '4a',
        store: 'postgres',
        figure: 'Export zip of a full wave',
        measured: 'not available',
        baseline: '—',
        ratio: null,
        target: '',
        verdict: 'n/a',
        note: r.exportRun.unavailable,
      }),
    );
    rows.push(
      row({
        id: '4b',
        unit: 'MB',
        store: 'postgres',
        figure: 'Export: server peak RSS growth',
        measured: 'not available',
        baseline: '—',
        ratio: null,
        target: '≤ 100 MB',
        verdict: 'n/a',
      }),
    );
  } else {
    const { cold, warm, copy } = r.exportRun;
    rows.push(
      row({
        id: '4a',
        store: 'postgres',
        figure: 'Export zip of a full wave (first download after start)',
        measured: `${fmtMs(cold.ms)} (${fmtMB(cold.bytes)} zip)`,
        baseline: 'ms' in copy ? `${fmtMs(copy.ms)} COPY … TO STDOUT (${fmtMB(copy.bytes)})` : copy.unavailable,
        ratio: 'ms' in copy ? cold.ms / copy.ms : null,
        target: '',
        note: `again, wave cached: ${fmtMs(warm.ms)}`,
      }),
      row({
        id: '4b',
        unit: 'MB',
        store: 'postgres',
        figure: 'Export: server peak RSS growth',
        measured: `+${fmtMB(Math.max(cold.growth, warm.growth))}`,
        baseline: `RSS before: ${fmtMB(cold.rssBefore)}`,
        ratio: Math.max(cold.growth, warm.growth) / MB,
        target: '≤ 100 MB',
        note: `peak ${fmtMB(Math.max(cold.rssPeak, warm.rssPeak))}`,
      }),
    );
  }
  rows.push(
    row({
      id: '5',
      store: 'postgres',
      figure: `Code generation (${r.codes.codes} codes for ${r.codes.calls} schools, one issueCodesForWave call)`,
      measured: fmtMs(r.codes.issueCodesMs),
      baseline: `${fmtMs(r.codes.baselineMs)} bulk insert of the hashes`,
      ratio: r.codes.issueCodesMs / r.codes.baselineMs,
      target: '≤ 2',
      note: `generating + hashing in JS alone: ${fmtMs(r.codes.hashingMs)}${r.codes.cpu ? `; CPU app + PostgreSQL ${fmtMs(r.codes.cpu.issueCodes.appMs)} + ${fmtMs(r.codes.cpu.issueCodes.databaseMs)} vs ${fmtMs(r.codes.cpu.baseline.appMs)} + ${fmtMs(r.codes.cpu.baseline.databaseMs)}` : ''}`,
    }),
    row({
      id: '6',
      unit: 'MB',
      store: 'postgres',
      figure: 'Server RSS during the submission load',
      measured: `${fmtMB(r.http.memory?.peak ?? NaN)} peak`,
      baseline: `idle after warm-up: ${fmtMB(r.rssIdle)}`,
      ratio: (r.http.memory?.peak ?? NaN) / MB,
      target: '≤ 250 MB',
    }),
  );
  return rows;
}

function pgliteRows(r: PgliteResults): Row[] {
  return [
    row({
      id: 'L1',
      store: 'pglite',
      figure: 'Submission throughput (HTTP, 50 connections)',
      measured: `${per(r.http.perSecond)} (p99 ${r.http.latencyP99Ms} ms)`,
      baseline: `${per(r.direct.perSecond)} direct (in-process PGlite)`,
      ratio: r.http.perSecond / r.direct.perSecond,
      target: '≥ 0.6',
    }),
    row({
      id: 'L2a',
      store: 'pglite',
      figure: 'School dashboard p50',
      measured: fmtMs(r.dashboard.p50),
      baseline: `${fmtMs(r.naive.p50)} naive p50`,
      ratio: r.dashboard.p50 / r.naive.p50,
      target: '',
    }),
    row({
      id: 'L2b',
      store: 'pglite',
      figure: 'School dashboard p95',
      measured: fmtMs(r.dashboard.p95),
      baseline: `${fmtMs(r.naive.p95)} naive p95`,
      ratio: r.dashboard.p95 / r.naive.p95,
      target: '≤ 0.1',
    }),
    row({
      id: 'L2d',
      store: 'pglite',
      figure: 'First dashboard after a server start (cold cache)',
      measured: fmtMs(r.dashboard.coldMs),
      baseline: `${fmtMs(r.naive.p50)} naive p50`,
      ratio: r.dashboard.coldMs / r.naive.p50,
      target: '',
    }),
    row({
      id: 'L3',
      store: 'pglite',
      figure: `Sealing a wave (${r.sealing.responses} responses)`,
      measured: fmtMs(r.sealing.closeWaveMs),
      baseline: `${fmtMs(r.sealing.baselineMs)} CREATE TABLE AS … ORDER BY random()`,
      ratio: r.sealing.closeWaveMs / r.sealing.baselineMs,
      target: '≤ 4',
      note: `${ratiosNote(r.sealing)}${rowsNote(r.sealing)}`,
    }),
    row({
      id: 'L5',
      store: 'pglite',
      figure: `Code generation (${r.codes.codes} codes, ${r.codes.calls} schools, one call)`,
      measured: fmtMs(r.codes.issueCodesMs),
      baseline: `${fmtMs(r.codes.baselineMs)} bulk insert`,
      ratio: r.codes.issueCodesMs / r.codes.baselineMs,
      target: '≤ 2',
    }),
    row({
      id: 'L6',
      unit: 'MB',
      store: 'pglite',
      figure: 'Server RSS during the submission load',
      measured: `${fmtMB(r.http.memory?.peak ?? NaN)} peak`,
      baseline: `idle: ${fmtMB(r.rssIdle)}`,
      ratio: (r.http.memory?.peak ?? NaN) / MB,
      target: '≤ 250 MB',
    }),
  ];
}

async function main() {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    process.stderr.write(
      'npm run bench needs a PostgreSQL server: set DATABASE_URL, e.g.\n' +
        '  DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench\n' +
        `It drops and recreates the database ${BENCH_DB} on that server.\n`,
    );
    process.exit(2);
  }
  const info = await machine(serverUrl);
  const full = networkSize(SCALE);
  log(
    `mode ${FAST ? 'fast' : 'full'}: ${full.schools} schools, ${full.responses} responses per wave × 3 sealed waves on PostgreSQL ${info.postgres}; ${info.cpus} CPUs, ${info.memoryGB} GB, Node ${info.node}, load average ${info.loadAverageAtStart.join(' ')}`,
  );

  const pgResults = await runPostgres(serverUrl);
  const pglite = flag('no-pglite') ? null : await runPglite();

  const rows = postgresRows(pgResults);
  const lite = pglite ? pgliteRows(pglite) : [];
  const finished = new Date();
  clearInterval(loadTimer);
  const load = loadSamples.length ? { min: Math.min(...loadSamples), median: median(loadSamples), max: Math.max(...loadSamples) } : null;
  const minutes = (finished.getTime() - started.getTime()) / 60_000;
  const scaleName = SCALE === 1 ? 'full scale' : `scale 1/${Math.round(1 / SCALE)}`;
  process.stdout.write(
    `\n${terminalTable(rows, `PostgreSQL ${info.postgres}, ${scaleName}: ${pgResults.full.schools.length} schools, ${pgResults.full.responsesPerWave} responses per wave`)}\n`,
  );
  if (pglite)
    process.stdout.write(
      `\n${terminalTable(lite, `PGlite ${info.pglite}, scale 1/${Math.round(1 / PGLITE_SCALE)}: ${pglite.network.schools.length} schools, ${pglite.network.responsesPerWave} responses per wave (reference)`)}\n`,
    );
  const failed = rows.filter((r) => r.verdict === 'FAIL');
  const judged = rows.filter((r) => r.verdict === 'PASS' || r.verdict === 'FAIL');
  process.stdout.write(
    `\n${judged.length - failed.length} of ${judged.length} PostgreSQL targets pass${failed.length ? `; failing: ${failed.map((r) => r.id).join(', ')}` : ''}. Took ${minutes.toFixed(1)} min.\n`,
  );

  const details = {
    postgres: {
      generation: { tenth: summary(pgResults.tenth), full: summary(pgResults.full) },
      sealing: pgResults.sealing,
      naive: pgResults.naive,
      naiveTenth: pgResults.naiveTenth,
      dashboard: pgResults.dashboard,
      dashboardTenth: pgResults.dashboardTenth,
      dashboardServerRssAfterBothNetworks: pgResults.dashboardServerRss,
      surge: pgResults.surge,
      surgeFetch: pgResults.surgeFetch,
      export: pgResults.exportRun,
      codes: { ...pgResults.codes, codesBySchool: undefined },
      submissions: { direct: pgResults.direct, http: pgResults.http, rssIdle: pgResults.rssIdle },
      databaseBytes: pgResults.databaseBytes,
    },
    pglite: pglite && {
      generation: summary(pglite.network),
      sealing: pglite.sealing,
      naive: pglite.naive,
      dashboard: pglite.dashboard,
      codes: { ...pglite.codes, codesBySchool: undefined },
      submissions: { direct: pglite.direct, http: pglite.http, rssIdle: pglite.rssIdle },
      storeBytes: pglite.storeBytes,
    },
  };
  const result = {
    mode: FAST ? 'fast' : SCALE === 1 ? 'full' : 'custom',
    scale: SCALE,
    pgliteScale: pglite ? PGLITE_SCALE : null,
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    minutes: Math.round(minutes * 10) / 10,
    machine: info,
    tree: treeState(),
    loadAverage: load,
    parameters: P,
    rows,
    pgliteRows: lite,
    details,
  };
  // Only a full-scale run replaces the recorded numbers; a smoke or custom run writes beside them.
  const official = !FAST && SCALE === 1;
  const jsonFile = path.join(ROOT, 'bench', official ? 'results.json' : FAST ? 'results.fast.json' : 'results.custom.json');
  // Every request's latency is summarised by its percentiles; the list itself stays out of the file.
  writeFileSync(jsonFile, JSON.stringify(result, (key, value: unknown) => (key === 'latenciesMs' ? undefined : value), 2) + '\n');
  log(`wrote ${path.relative(ROOT, jsonFile)}`);
  if (official) {
    writePerformanceDoc(path.join(ROOT, 'docs', 'performance.md'), docBlock(result, pgResults, pglite));
    log('wrote docs/performance.md');
  }
  if (flag('strict') && failed.length) process.exitCode = 1;
}

/** Which code was measured (read-only git; the tree is shared and changes while we measure). */
function treeState() {
  const git = (...a: string[]) => {
    try {
      return execFileSync('git', a, { cwd: ROOT, encoding: 'utf8' }).trim();
    } catch {
      return null;
    }
  };
  const status = git('status', '--porcelain');
  return { commit: git('rev-parse', '--short', 'HEAD'), changedFiles: status === null ? null : status.split('\n').filter(Boolean).length };
}

function summary(n: Network) {
  return {
    schools: n.schools.length,
    responsesPerWave: n.responsesPerWave,
    groups: Object.fromEntries([...new Set(n.schools.map((s) => s.group))].map((g) => [g, n.schools.filter((s) => s.group === g).length])),
    largestSchool: Math.max(...n.schools.map((s) => s.staff)),
    smallestSchool: Math.min(...n.schools.map((s) => s.staff)),
    waves: n.waves.map(({ name, responses, comments, loadMs, sealMs, sumsMs }) => ({
      name,
      responses,
      comments,
      loadMs: Math.round(loadMs),
      sealMs: Math.round(sealMs),
      sumsMs: Math.round(sumsMs),
    })),
    totalMs: Math.round(n.totalMs),
  };
}

function docBlock(
  result: {
    startedAt: string;
    minutes: number;
    machine: Awaited<ReturnType<typeof machine>>;
    rows: Row[];
    pgliteRows: Row[];
    scale: number;
    tree: ReturnType<typeof treeState>;
    loadAverage: { min: number; median: number; max: number } | null;
  },
  pg: PostgresResults,
  lite: PgliteResults | null,
): string {
  const m = result.machine;
  const lines = [
    `## Latest run`,
    ``,
    `${result.startedAt.slice(0, 16).replace('T', ' ')} UTC, ${result.scale === 1 ? 'full scale' : `scale ${result.scale}`}, ${result.minutes} min in all. ` +
      `Machine: ${m.cpus} CPUs (${m.cpuModel}), ${m.memoryGB} GB RAM, ${m.platform}, Node ${m.node}, PostgreSQL ${m.postgres} ` +
      `(${Object.entries(m.postgresSettings)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}), PGlite ${m.pglite}. ` +
      `Code: commit ${result.tree.commit ?? '?'} with ${result.tree.changedFiles ?? '?'} changed files in the working tree. ` +
      `The machine is shared: 1-minute load average during the run ${result.loadAverage ? `min ${result.loadAverage.min.toFixed(1)}, median ${result.loadAverage.median.toFixed(1)}, max ${result.loadAverage.max.toFixed(1)}` : 'not sampled'} on ${m.cpus} CPUs, so wall times carry noise; the CPU-per-request figures in the notes are steadier.`,
    ``,
    `### PostgreSQL: ${pg.full.schools.length} schools, ${pg.full.responsesPerWave.toLocaleString('en')} responses per wave, 3 sealed waves (+ a 1/10 network of ${pg.tenth.schools.length} schools in the same database)`,
    ``,
    markdownTable(result.rows),
    ``,
    `Database after the run: ${fmtMB(pg.databaseBytes)}. Generating the networks: ${fmtMs(pg.tenth.totalMs + pg.full.totalMs)} ` +
      `(per full wave: load ${pg.full.waves.map((w) => fmtMs(w.loadMs)).join(' / ')}, seal ${pg.full.waves.map((w) => fmtMs(w.sealMs)).join(' / ')}, per-school sums stored after sealing ${pg.full.waves.map((w) => fmtMs(w.sumsMs)).join(' / ')}). ` +
      `Naive aggregation: ${pg.naive.rows.toLocaleString('en')} rows, ${fmtMs(pg.naive.serverOnlyMs ?? NaN)} of it inside the database (EXPLAIN ANALYZE); at 1/10 scale p50 ${fmtMs(pg.naiveTenth.p50)}. ` +
      `Dashboard page ≈ ${Math.round(pg.dashboard.bytes / 1024)} kB; dashboard server RSS with both networks' waves cached: ${fmtMB(pg.dashboardServerRss)}. ` +
      `Submissions: HTTP p50 ${pg.http.latencyP50Ms} ms / p99 ${pg.http.latencyP99Ms} ms per request, statuses ${JSON.stringify(pg.http.statusCounts)}.`,
  ];
  if (lite) {
    lines.push(
      ``,
      `### PGlite: ${lite.network.schools.length} schools, ${lite.network.responsesPerWave.toLocaleString('en')} responses per wave, 3 sealed waves (reference)`,
      ``,
      markdownTable(result.pgliteRows),
      ``,
      `Store on disk: ${fmtMB(lite.storeBytes)}. Generating: ${fmtMs(lite.network.totalMs)}. Submissions over HTTP: p50 ${lite.http.latencyP50Ms} ms / p99 ${lite.http.latencyP99Ms} ms.`,
    );
  }
  return lines.join('\n');
}

main().catch((err: Error) => {
  process.stderr.write(`\nbench failed: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
