/**
 * Where a dashboard request spends its time, in-process (no HTTP): the results model
 * (`schoolWaveResults`), the view-model (`dashboardView`) and the whole request through `app.inject`.
 * Needs a database left by `npm run bench -- --keep`.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/schoolpols_bench npx tsx bench/profile-dashboard.ts [label]
 *
 * `label` picks the network ("Bench" = the full one, "Bench 1-10" = the 1/10 one); `PROFILE=x.cpuprofile`
 * writes a CPU profile of the warm requests (open it in Chrome DevTools).
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import inspector from 'node:inspector';
import { sql } from 'kysely';
import pg from 'pg';
import { buildApp } from '../server/app.ts';
import { generateMasterKeyText, parseMasterKey } from '../server/encryption/master-key.ts';
import { loadConfig } from '../server/platform/config.ts';
import { openStore } from '../server/db/connect.ts';
import { createUser } from '../server/staff/users.ts';
import { schoolWaveResults } from '../server/dashboards/school-view.ts';
import { groupResults, loadWaveResults } from '../server/results/wave-results.ts';
import { dashboardView } from '../server/dashboards/dashboard-view.ts';
import { translator } from '../server/platform/i18n.ts';
import { backendPids, cpuSnapshot, cpuSpent, median, percentile, timed } from './util.ts';

const url = process.env.DATABASE_URL;
if (!url) throw new Error('set DATABASE_URL to the kept benchmark database');
const label = process.argv[2] ?? 'Bench';
const N = Number(process.argv[3] ?? 30);

// QUERIES=1: statements are seen by the driver's `query`, patched before the pool's first connection
// binds it (server/db/prepared-statements.ts keeps the method each connection had when it connected).
const seen: string[] = [];
let watching = Boolean(process.env.QUERIES);
if (watching) {
  const original = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: unknown, ...args: unknown[]) {
    const q = args[0];
    if (watching)
      seen.push(
        String(typeof q === 'string' ? q : (q as { text?: string }).text)
          .replace(/\s+/g, ' ')
          .slice(0, 140),
      );
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof original;
}
const store = await openStore({ databaseUrl: url });
const db = store.db;
const wave = await db.selectFrom('wave').select(['id', 'name']).where('name', '=', `${label} bevraging 3`).executeTakeFirstOrThrow();
const schools = (
  await sql<{ id: string }>`
  select s.id from school s join wave_school ws on ws.school_id = s.id where ws.wave_id = ${wave.id} order by s.name limit 20`.execute(db)
).rows.map((r) => r.id);

const cold = await timed(() => loadWaveResults(db, wave.id));
console.log(`${wave.name}: ${schools.length} sample schools; loadWaveResults cold ${cold.ms.toFixed(0)} ms`);
const first = await timed(() => schoolWaveResults(db, wave.id, schools[0]!));
console.log(`first schoolWaveResults (loads the trend waves): ${first.ms.toFixed(0)} ms`);

const results = await loadWaveResults(db, wave.id);
const parts = { school: [] as number[], benchmark: [] as number[], network: [] as number[] };
for (let i = 0; i < N; i++) {
  const id = schools[i % schools.length]!;
  const info = results.schools.get(id)!;
  parts.school.push((await timed(() => groupResults(db, results, results.disclosure.school(id)))).ms);
  parts.benchmark.push((await timed(() => groupResults(db, results, results.disclosure.benchmarkGroup(info.benchmarkGroup)))).ms);
  parts.network.push((await timed(() => groupResults(db, results, results.disclosure.network()))).ms);
}

const t = translator('nl');
const model: number[] = [];
const view: number[] = [];
for (let i = 0; i < N; i++) {
  const m = await timed(() => schoolWaveResults(db, wave.id, schools[i % schools.length]!));
  model.push(m.ms);
  const t0 = performance.now();
  dashboardView(m.value, 'nl', t);
  view.push(performance.now() - t0);
}
const show = (name: string, xs: number[]) =>
  console.log(`${name.padEnd(34)} p50 ${median(xs).toFixed(1)} ms  p95 ${percentile(xs, 95).toFixed(1)} ms`);
show('schoolWaveResults (model)', model);
show('dashboardView (view-model)', view);
show('  groupResults(school)', parts.school);
show('  groupResults(benchmark group)', parts.benchmark);
show('  groupResults(network)', parts.network);

const email = `profile-${randomBytes(4).toString('hex')}@bench.invalid`;
const password = randomBytes(12).toString('base64url');
// A rep of the sample schools: an admin must enrol in two-step verification before anything else.
await createUser(db, { email, role: 'rep', password, schoolIds: schools });
const app = await buildApp({
  config: loadConfig({ LOG_LEVEL: 'silent', DATABASE_URL: url }),
  store,
  master: parseMasterKey(generateMasterKeyText()),
});
await app.ready();
const login = await app.inject({ method: 'GET', url: '/login', headers: { accept: 'text/html' } });
const csrf = /name="_csrf" value="([^"]+)"/.exec(login.body)![1]!;
let cookie = login.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
const res = await app.inject({
  method: 'POST',
  url: '/login',
  headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
  payload: new URLSearchParams({ email, password, _csrf: csrf }).toString(),
});
cookie = res.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
const whole: number[] = [];
// PROFILE=file.cpuprofile: a CPU profile of the warm requests only (the cold load would drown them).
// HEAP_PROFILE=file.heapprofile: where those requests allocate, sampled, the collected included (a
// surge's young-generation collections copy what requests allocate and still hold while they wait).
const profiler = process.env.PROFILE || process.env.HEAP_PROFILE ? new inspector.Session() : null;
const post = <T = object>(method: string, params?: object) =>
  new Promise<T>((resolve, reject) => profiler!.post(method, params ?? {}, (err, r) => (err ? reject(err) : resolve(r as T))));
if (profiler) {
  profiler.connect();
  if (process.env.PROFILE) {
    await post('Profiler.enable');
    await post('Profiler.start');
  }
  if (process.env.HEAP_PROFILE) {
    await post('HeapProfiler.enable');
    await post('HeapProfiler.startSampling', {
      samplingInterval: 1024,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
  }
}
// Which statements one request sends (QUERIES=1): round trips cost both processes CPU under a surge.
if (process.env.QUERIES) {
  // The first request after signing in writes the session (its CSRF secret); the second is the rule.
  for (const i of [1, 2]) {
    seen.length = 0;
    await app.inject({ method: 'GET', url: `/schools/${schools[i]}/waves/${wave.id}`, headers: { cookie, accept: 'text/html' } });
    console.log(`statements of request ${i} (${seen.length}):\n  ${seen.join('\n  ')}`);
  }
  watching = false;
}
const cpuBefore = process.cpuUsage();
const dbBefore = cpuSnapshot(await backendPids(url));
for (let i = 0; i < N; i++) {
  const r = await timed(() =>
    app.inject({
      method: 'GET',
      url: `/schools/${schools[i % schools.length]}/waves/${wave.id}`,
      headers: { cookie, accept: 'text/html' },
    }),
  );
  if (r.value.statusCode !== 200) throw new Error(`status ${r.value.statusCode}`);
  whole.push(r.ms);
}
show('whole request (app.inject)', whole);
const cpu = process.cpuUsage(cpuBefore);
// CPU, unlike the times above, hardly depends on what else the machine is doing.
console.log(`${'CPU per request (this process)'.padEnd(34)} ${((cpu.user + cpu.system) / 1000 / N).toFixed(2)} ms`);
console.log(`${'CPU per request (PostgreSQL)'.padEnd(34)} ${(cpuSpent(dbBefore, cpuSnapshot(await backendPids(url))) / N).toFixed(2)} ms`);
if (profiler) {
  if (process.env.PROFILE) {
    const { profile } = await post<inspector.Profiler.StopReturnType>('Profiler.stop');
    writeFileSync(process.env.PROFILE, JSON.stringify(profile));
  }
  if (process.env.HEAP_PROFILE) {
    const { profile } = await post<inspector.HeapProfiler.StopSamplingReturnType>('HeapProfiler.stopSampling');
    writeFileSync(process.env.HEAP_PROFILE, JSON.stringify(profile));
  }
  profiler.disconnect();
}
await app.close();
await db.deleteFrom('app_user').where('email', '=', email).execute();
await store.close();
