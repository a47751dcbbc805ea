/**
 * Sealing alone, repeatable: `gen` loads one full network wave (3,700 schools, 165,000 sealed
 * responses) into the database `seal_src`, unsealed, and a tenth of one into `seal_warm`; `run`
 * copies them (template databases), seals the small wave first — so that the code is compiled, as
 * in the benchmark, where the first of three waves is sealed cold — and times closeWave of the full
 * one against the benchmark's baseline, CREATE TABLE AS … ORDER BY random(). Both need the same
 * SCHOOLPOLS_KEY. For working on sealing; `npm run bench` is the measurement of record.
 *
 *   SCHOOLPOLS_KEY=$(npm run -s cli -- key:generate) tsx bench/seal-probe.ts gen
 *   SCHOOLPOLS_KEY=… tsx bench/seal-probe.ts run
 *
 * Runs of one version vary by ±15 % on a machine of two cores: compare versions in alternation.
 */
import inspector from 'node:inspector';
import { writeFileSync } from 'node:fs';
import { sql } from 'kysely';
import { openStore } from '../server/db/connect.ts';
import { migrateToLatest } from '../server/db/migrate.ts';
import { generateNetwork } from './network.ts';
import { parseMasterKey } from '../server/encryption/master-key.ts';
import { WaveKeys } from '../server/encryption/wave-keys.ts';
import { closeWave } from '../server/sealing/sealing.ts';
import { adminQuery, recreateDatabase, withDatabase, timedWithCpu } from './util.ts';

const server = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const master = parseMasterKey(process.env['SCHOOLPOLS_KEY'] ?? '');

/** Loads one wave of a network of `scale` into a fresh database `name`, left open (unsealed). */
async function load(name: string, scale: number): Promise<void> {
  const url = await recreateDatabase(server, name);
  const store = await openStore({ databaseUrl: url, poolSize: 4 });
  await migrateToLatest(store.db);
  const stop = new Error('loaded');
  await generateNetwork(store.db, {
    keys: new WaveKeys(store.db, master),
    scale,
    waves: 1,
    label: 'Probe',
    seed: 1,
    log: console.log,
    onSeal: () => Promise.reject(stop),
  }).catch((err: unknown) => {
    if (err !== stop) throw err;
  });
  await sql`checkpoint`.execute(store.db);
  await store.close();
}

/** A copy of the database `template`, and its open wave. */
async function copyOf(template: string, name: string) {
  await adminQuery(server, `drop database if exists ${name}`);
  await adminQuery(server, `create database ${name} template ${template}`);
  const url = withDatabase(server, name);
  const store = await openStore({ databaseUrl: url, poolSize: 4 });
  const { rows } = await sql<{ id: string }>`select id from wave where status = 'open'`.execute(store.db);
  return { url, store, waveId: rows[0]!.id };
}

if (process.argv[2] === 'gen') {
  for (const [name, scale] of [
    ['seal_src', 1],
    ['seal_warm', 0.1],
  ] as const)
    await load(name, scale);
} else {
  const warm = await copyOf('seal_warm', 'seal_warm_run');
  const warmKeys = new WaveKeys(warm.store.db, master);
  await closeWave(warm.store.db, warmKeys, warm.waveId);
  warmKeys.close();
  await warm.store.close();
  await adminQuery(server, 'drop database seal_warm_run');
  const { url, store, waveId } = await copyOf('seal_src', 'seal_run');
  await sql`checkpoint`.execute(store.db);
  const keys = new WaveKeys(store.db, master);
  // PROFILE=file.cpuprofile: a CPU profile of closeWave alone.
  const profiler = process.env['PROFILE'] ? new inspector.Session() : null;
  const post = <T = object>(method: string) =>
    new Promise<T>((resolve, reject) => profiler!.post(method, {}, (err, r) => (err ? reject(err) : resolve(r as T))));
  if (profiler) {
    profiler.connect();
    await post('Profiler.enable');
    await post('Profiler.start');
  }
  const close = await timedWithCpu(url, () => closeWave(store.db, keys, waveId));
  if (profiler) {
    writeFileSync(process.env['PROFILE']!, JSON.stringify((await post<inspector.Profiler.StopReturnType>('Profiler.stop')).profile));
    profiler.disconnect();
  }
  await sql`checkpoint`.execute(store.db);
  const baseline = await timedWithCpu(url, () =>
    sql`create table probe_baseline as select wave_id, school_id, answers, background from response where wave_id = ${waveId} order by random()`.execute(
      store.db,
    ),
  );
  const cpu = (t: { cpu: { appMs: number; databaseMs: number } | null }) =>
    t.cpu ? ` (CPU: app ${Math.round(t.cpu.appMs)} ms, PostgreSQL ${Math.round(t.cpu.databaseMs)} ms)` : '';
  console.log(
    `closeWave ${Math.round(close.ms)} ms${cpu(close)}; baseline ${Math.round(baseline.ms)} ms${cpu(baseline)}; ratio ${(close.ms / baseline.ms).toFixed(2)} (target ≤ 4)`,
  );
  keys.close();
  await store.close();
}
