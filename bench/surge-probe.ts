/**
 * The dashboard surge of `npm run bench` (row 2e) alone, for trying changes: on a database left by
 * `npm run bench -- --keep`, a fresh server (as `npm start` runs it) serves a cold round of `REPS`
 * schools at once, then `ROUNDS` warm rounds of other schools, and prints p50/p95 and the server's
 * and PostgreSQL's CPU per warm request. Repeats `REPEAT` times with fresh servers and schools.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/schoolpols_bench SCHOOLPOLS_KEY=… npx tsx bench/surge-probe.ts
 *
 * `CPU_PROF=dir` writes the server's CPU profile there when it stops (open it in Chrome DevTools);
 * `NODE_ARGS` adds node options for the server (V8 flags, say); `SERVER_LOG=file` keeps all the
 * server printed (`--trace-opt`, `--trace-gc`), with a line `### warm round N` where each round
 * starts; `RUNNING=n` has the server serve n rounds of the previous wave's dashboards first (a
 * server that was running when the wave was released); `THREADS=1` prints each of the server's
 * threads' CPU (V8's helper thread compiles and collects beside the main thread: on two cores, it
 * competes with PostgreSQL and this client); `CLIENT=fetch` asks through `fetch` (row 2g) rather
 * than `surgeRound` (row 2e).
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { openStore } from '../server/db/connect.ts';
import { createUser } from '../server/staff/users.ts';
import { fetchRound, signIn, startServer, surgeRound } from './server.ts';
import { backendPids, cpuSnapshot, cpuSpent, median, percentile, procCpuMs, procKernelMs, procMemory, surgeWave } from './util.ts';

const url = process.env['DATABASE_URL'];
if (!url) throw new Error('set DATABASE_URL to the kept benchmark database');
const REPS = Number(process.env['REPS'] ?? 50);
const ROUNDS = Number(process.env['ROUNDS'] ?? 4);
const REPEAT = Number(process.env['REPEAT'] ?? 2);

const store = await openStore({ databaseUrl: url });
const { schools, ...wave } = await surgeWave(store.db);
const RUNNING = Number(process.env['RUNNING'] ?? 0);
const earlier = RUNNING ? await surgeWave(store.db, 'Bench bevraging 2') : null;
const admin = { email: `surge-${randomBytes(4).toString('hex')}@bench.invalid`, password: randomBytes(18).toString('base64url') };
await createUser(store.db, { email: admin.email, role: 'admin', password: admin.password });
await store.close();

const nodeArgs = [
  ...(process.env['CPU_PROF'] ? ['--cpu-prof', `--cpu-prof-dir=${process.env['CPU_PROF']}`] : []),
  ...(process.env['NODE_ARGS']?.split(/\s+/).filter(Boolean) ?? []),
];
/** Each thread of a process: its name and CPU so far (ms). */
function threadCpu(pid: number): Map<number, { name: string; ms: number }> {
  const out = new Map<number, { name: string; ms: number }>();
  for (const t of readdirSync(`/proc/${pid}/task`).map(Number)) {
    const ms = procCpuMs(pid, t);
    if (ms !== null) out.set(t, { name: readFileSync(`/proc/${pid}/task/${t}/comm`, 'utf8').trim(), ms });
  }
  return out;
}

let next = 0;
for (let rep = 0; rep < REPEAT; rep++) {
  const server = await startServer({ DATABASE_URL: url }, nodeArgs);
  const cookie = await signIn(server.url, admin.email, admin.password);
  let bytes = 0;
  // CLIENT=fetch: each request through `fetch`, as row 2g of `npm run bench` (the target's row 2e uses `surgeRound`).
  const round = async (ids: string[], waveId = wave.id) => {
    const client = process.env['CLIENT'] === 'fetch' ? fetchRound : surgeRound;
    const r = await client(
      server.url,
      cookie,
      ids.map((id) => `/schools/${id}/waves/${waveId}`),
    );
    bytes = Math.max(bytes, r.bytes);
    return r.ms;
  };
  // SAME=1: every warm round asks for the same schools (what a school seen before costs)
  const take = () => (process.env['SAME'] && next >= 2 * REPS ? schools.slice(next - REPS, next) : schools.slice(next, (next += REPS)));
  for (let i = 0; i < RUNNING; i++) await round(earlier!.schools.slice(i * REPS, (i + 1) * REPS), earlier!.id);
  const cold = await round(take());
  const warm: number[] = [];
  const db0 = cpuSnapshot(await backendPids(url));
  const app0 = procCpuMs(server.pid) ?? NaN;
  const threads0 = threadCpu(server.pid);
  const kernel0 = procKernelMs(server.pid) ?? NaN;
  const client0 = process.cpuUsage();
  const perRound: number[] = [];
  const cpuPerRound: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    server.mark(`warm round ${i + 1}`);
    const before = procCpuMs(server.pid) ?? NaN;
    const times = await round(take());
    cpuPerRound.push(((procCpuMs(server.pid) ?? NaN) - before) / REPS);
    perRound.push(percentile(times, 95));
    warm.push(...times);
  }
  const appMs = ((procCpuMs(server.pid) ?? NaN) - app0) / warm.length;
  const threads1 = threadCpu(server.pid);
  // The main thread's id is the process's.
  const mainMs = ((threads1.get(server.pid)?.ms ?? NaN) - (threads0.get(server.pid)?.ms ?? NaN)) / warm.length;
  const kernelMs = ((procKernelMs(server.pid) ?? NaN) - kernel0) / warm.length;
  const dbMs = cpuSpent(db0, cpuSnapshot(await backendPids(url))) / warm.length;
  const client = process.cpuUsage(client0);
  const clientMs = (client.user + client.system) / 1000 / warm.length;
  console.log(
    `cold p95 ${percentile(cold, 95).toFixed(0)} ms; warm p50 ${median(warm).toFixed(0)} p95 ${percentile(warm, 95).toFixed(0)} ms ` +
      `(rounds ${perRound.map((x) => x.toFixed(0)).join(' ')}; server CPU ${cpuPerRound.map((x) => x.toFixed(1)).join(' ')} ms a request); CPU per warm request: server ${appMs.toFixed(2)} ms (main thread ${mainMs.toFixed(2)}, kernel ${kernelMs.toFixed(2)}), PostgreSQL ${dbMs.toFixed(2)} ms, client ${clientMs.toFixed(2)} ms; ${(bytes / 1024).toFixed(0)} KiB of HTML`,
  );
  if (process.env['THREADS']) {
    const spent = [...threads1].map(([t, { name, ms }]) => [`${name}#${t}`, (ms - (threads0.get(t)?.ms ?? 0)) / warm.length] as const);
    console.log(
      `per thread, ms a warm request: ${spent
        .filter(([, ms]) => ms > 0.01)
        .map(([n, ms]) => `${n} ${ms.toFixed(2)}`)
        .join(', ')}`,
    );
  }
  console.log(`server RSS ${((procMemory(server.pid)?.rss ?? NaN) / 2 ** 20).toFixed(0)} MB`);
  await server.stop();
  // With NODE_ARGS=--trace-gc, say, what the server printed last (its last 20,000 characters).
  if (process.env['SHOW_OUTPUT']) console.log(server.output());
}
