/**
 * The dashboard surge of `npm run bench` (row 2e) for two versions of the code at once: a server from
 * each of two checkouts, serving the same schools in alternating rounds, so that both meet the same
 * machine. This machine's speed drifts by a third within minutes, which drowned differences of 10–20 %
 * between runs of `bench/surge-probe.ts` made one after the other (issue 17).
 *
 *   git worktree add /tmp/a <commit>   (each checkout with node_modules, e.g. a symlink to this one's)
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/schoolpols_bench SCHOOLPOLS_KEY=… \
 *     A=/tmp/a B=/work/main npx tsx bench/surge-ab.ts
 *
 * On a database left by `npm run bench -- --keep`. `NODE_ARGS_A`/`NODE_ARGS_B`: node options for one
 * side (V8 flags, say). Prints per side the p95 over all warm rounds, the server's CPU per request
 * (`/proc`) and each round's p95, and each server's RSS at the end.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { openStore } from '../server/db/connect.ts';
import { createUser } from '../server/staff/users.ts';
import { percentile, procCpuMs, procMemory, surgeWave } from './util.ts';
import { surgeRound } from './server.ts';

type ServerModule = typeof import('./server.ts');
type ServerChild = Awaited<ReturnType<ServerModule['startServer']>>;

const url = process.env['DATABASE_URL'];
if (!url || !process.env['A'] || !process.env['B'])
  throw new Error('set DATABASE_URL (the kept benchmark database), A and B (two checkouts)');
const REPS = Number(process.env['REPS'] ?? 50);
const ROUNDS = Number(process.env['ROUNDS'] ?? 8);

const store = await openStore({ databaseUrl: url });
const { schools, ...wave } = await surgeWave(store.db);

const sides = await Promise.all(
  (['A', 'B'] as const).map(async (name) => {
    // Each checkout's own harness: it starts that checkout's `npm start`, with a session secret of its own.
    const harness = (await import(path.resolve(process.env[name]!, 'bench/server.ts'))) as ServerModule;
    const admin = { email: `ab-${randomBytes(4).toString('hex')}@bench.invalid`, password: randomBytes(18).toString('base64url') };
    await createUser(store.db, { email: admin.email, role: 'admin', password: admin.password });
    return { name, harness, admin, times: [] as number[], cpu: 0, rounds: [] as number[] };
  }),
);
await store.close();

const servers: Array<{ side: (typeof sides)[number]; server: ServerChild; cookie: string }> = [];
for (const side of sides) {
  const server = await side.harness.startServer(
    { DATABASE_URL: url },
    (process.env[`NODE_ARGS_${side.name}`] ?? '').split(/\s+/).filter(Boolean),
  );
  servers.push({ side, server, cookie: await side.harness.signIn(server.url, side.admin.email, side.admin.password) });
}

// Both sides through this checkout's client (`surgeRound`, as row 2e), so that only the servers differ.
const round = async (s: (typeof servers)[number], ids: string[]) =>
  (
    await surgeRound(
      s.server.url,
      s.cookie,
      ids.map((id) => `/schools/${id}/waves/${wave.id}`),
    )
  ).ms;

let next = REPS;
for (const s of servers) await round(s, schools.slice(0, REPS));
for (let i = 0; i < ROUNDS; i++) {
  const ids = schools.slice(next, (next += REPS));
  // Who goes first alternates: the second of a pair meets a machine the first has just warmed.
  for (const s of i % 2 ? [...servers].reverse() : servers) {
    const before = procCpuMs(s.server.pid) ?? NaN;
    const times = await round(s, ids);
    s.side.cpu += (procCpuMs(s.server.pid) ?? NaN) - before;
    s.side.times.push(...times);
    s.side.rounds.push(percentile(times, 95));
  }
}
for (const { side, server } of servers) {
  console.log(
    `${side.name}: p95 ${percentile(side.times, 95).toFixed(0)} ms, server CPU ${(side.cpu / side.times.length).toFixed(2)} ms a request; ` +
      `rounds ${side.rounds.map((x) => x.toFixed(0)).join(' ')}; RSS ${((procMemory(server.pid)?.rss ?? NaN) / 2 ** 20).toFixed(0)} MB`,
  );
  await server.stop();
}
