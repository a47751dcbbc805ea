/** Small helpers shared by the benchmark phases: timing, percentiles, process memory, databases. */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import pg from 'pg';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../server/db/schema.ts';

export const MB = 1024 * 1024;

export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

/** Nearest-rank percentile of unsorted samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (!samples.length) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export const median = (samples: readonly number[]) => percentile(samples, 50);

/** Resident set size of a process in bytes, from `/proc/<pid>/status` (VmRSS, or VmHWM = its peak). */
export function procMemory(pid: number): { rss: number; hwm: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return null;
  }
}

/** Resets the kernel's peak-RSS mark (VmHWM) of a process we own; false where the kernel refuses. */
export function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/**
 * Samples a process's RSS every `everyMs` until stopped. The peak is the larger of the samples and
 * the kernel's VmHWM (reset at start when possible), so a short spike between samples still counts.
 */
export function sampleMemory(pid: number, everyMs = 25) {
  const before = procMemory(pid)?.rss ?? Number.NaN;
  const hwmReset = resetPeak(pid);
  let peak = before;
  const samples: number[] = [];
  const timer = setInterval(() => {
    const m = procMemory(pid);
    if (!m) return;
    samples.push(m.rss);
    if (m.rss > peak) peak = m.rss;
  }, everyMs);
  return {
    before,
    stop() {
      clearInterval(timer);
      const m = procMemory(pid);
      if (m) {
        peak = Math.max(peak, m.rss);
        if (hwmReset) peak = Math.max(peak, m.hwm);
      }
      return { before, peak, after: m?.rss ?? Number.NaN, samples: samples.length, kernelPeak: hwmReset };
    },
  };
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function adminQuery(url: string, statement: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(statement);
  } finally {
    await client.end();
  }
}

export async function recreateDatabase(serverUrl: string, name: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`unsafe database name ${name}`);
  const own = new URL(serverUrl).pathname.slice(1);
  if (own === name) throw new Error(`DATABASE_URL must name another database than ${name} (it is dropped and recreated)`);
  await adminQuery(serverUrl, `drop database if exists ${name} with (force)`);
  await adminQuery(serverUrl, `create database ${name}`);
  return withDatabase(serverUrl, name);
}

export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  await adminQuery(serverUrl, `drop database if exists ${name} with (force)`);
}

export async function machine(serverUrl?: string) {
  let postgres: string | null = null;
  let settings: Record<string, string> = {};
  if (serverUrl) {
    const v = await adminQuery(serverUrl, 'show server_version');
    postgres = String(v.rows[0]?.server_version ?? '');
    const s = await adminQuery(
      serverUrl,
      `select name, setting, unit from pg_settings where name in ('shared_buffers','work_mem','maintenance_work_mem','max_connections','synchronous_commit','max_parallel_workers_per_gather')`,
    );
    const size = (setting: string, unit: string | null) => {
      const kb = unit === 'kB' ? 1 : unit === '8kB' ? 8 : null;
      return kb === null ? (unit ? `${setting} ${unit}` : setting) : `${Math.round((Number(setting) * kb) / 1024)} MB`;
    };
    settings = Object.fromEntries(
      s.rows.map((r: { name: string; setting: string; unit: string | null }) => [r.name, size(r.setting, r.unit)]),
    );
  }
  return {
    cpus: os.availableParallelism?.() ?? os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    loadAverageAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
    node: process.version,
    postgres,
    postgresSettings: settings,
    pglite: readPackageVersion('@electric-sql/pglite'),
    platform: `${os.type()} ${os.release()}`,
  };
}

function readPackageVersion(name: string): string {
  try {
    return JSON.parse(readFileSync(new URL(`../node_modules/${name}/package.json`, import.meta.url), 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

export function shuffle<T>(list: T[], random: () => number): T[] {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [list[i], list[j]] = [list[j]!, list[i]!];
  }
  return list;
}

export const fmtMs = (ms: number) =>
  ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 100 ? `${Math.round(ms)} ms` : `${ms.toFixed(1)} ms`;
export const fmtMB = (bytes: number) => `${(bytes / MB).toFixed(0)} MB`;

// ---- CPU accounting: what one request costs in the app and in PostgreSQL, whatever else runs ----

let ticks: number | null = null;
function clockTicks(): number {
  if (ticks === null) {
    try {
      ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

/** User + system CPU time of a process in ms (from /proc/<pid>/stat), or null when it is gone. */
export function procCpuMs(pid: number, thread?: number): number | null {
  try {
    // `thread`: one thread's CPU alone (the main thread's id is the process's)
    const stat = readFileSync(thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[11], fields[12] = utime, stime (the 14th and 15th fields of the whole line)
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks();
  } catch {
    return null;
  }
}

/** The process's CPU time in the kernel alone (stime), ms: a loopback write's TCP work on both ends counts here. */
export function procKernelMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[12]) * 1000) / clockTicks();
  } catch {
    return null;
  }
}

export type CpuSnapshot = Map<number, number>;

export function cpuSnapshot(pids: Iterable<number>): CpuSnapshot {
  const out: CpuSnapshot = new Map();
  for (const pid of pids) {
    const ms = procCpuMs(pid);
    if (ms !== null) out.set(pid, ms);
  }
  return out;
}

/** CPU spent between two snapshots by the processes in `after` (a process new since `before` counts from 0). */
export function cpuSpent(before: CpuSnapshot, after: CpuSnapshot): number {
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}

/** Server processes of PostgreSQL connected to the database at `url` (same machine only). */
export async function backendPids(url: string): Promise<number[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const r = await client.query('select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()');
    return r.rows.map((x: { pid: number }) => x.pid);
  } finally {
    await client.end();
  }
}

/**
 * Runs `fn`, timing it and, when `url` names a database on this machine, the CPU it cost this
 * process and PostgreSQL's backends of that database (connections must exist before and after).
 */
export async function timedWithCpu<T>(
  url: string | undefined,
  fn: () => Promise<T>,
): Promise<{ ms: number; value: T; cpu: { appMs: number; databaseMs: number } | null }> {
  const before = url ? cpuSnapshot(await backendPids(url)) : null;
  const own = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  const ms = performance.now() - t0;
  const used = process.cpuUsage(own);
  const cpu =
    before && url ? { appMs: (used.user + used.system) / 1000, databaseMs: cpuSpent(before, cpuSnapshot(await backendPids(url))) } : null;
  return { ms, value, cpu };
}

/** A full wave of a database kept by `npm run bench -- --keep` (the third unless named), and its schools in random order: what the surge probes ask for. */
export async function surgeWave(db: Kysely<Database>, name = 'Bench bevraging 3'): Promise<{ id: string; schools: string[] }> {
  const wave = await db.selectFrom('wave').select('id').where('name', '=', name).executeTakeFirstOrThrow();
  const schools = (
    await sql<{ id: string }>`select school_id as id from wave_school where wave_id = ${wave.id} order by random()`.execute(db)
  ).rows.map((r) => r.id);
  return { id: wave.id, schools };
}
