/**
 * Submissions alone, repeatable: a store with one open wave of 20 schools and enough codes, the
 * server started as `npm start` does (optionally profiled: PROFILE=dir), then the benchmark's HTTP
 * load and its direct baseline. For working on the submission path; `npm run bench` is the
 * measurement of record.
 *
 *   SCHOOLPOLS_KEY=… [PROFILE=/tmp/prof] [NODE_ARGS=…] [ROUNDS=3] tsx bench/submit-probe.ts [submissions]
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { openStore } from '../server/db/connect.ts';
import { migrateToLatest } from '../server/db/migrate.ts';
import { parseMasterKey } from '../server/encryption/master-key.ts';
import { WaveKeys } from '../server/encryption/wave-keys.ts';
import { createSchool } from '../server/admin/schools.ts';
import { createWave, issueCodes, openWave } from '../server/waves.ts';
import { publishQuestionnaire } from '../server/questionnaires.ts';
import { loadQuestionnaireFile, SHIPPED_QUESTIONNAIRE } from '../surveys/load.ts';
import { answerSets, directPool, directSubmissions, httpSubmissions } from './submissions.ts';
import { recreateDatabase } from './util.ts';
import { startArguments } from './server.ts';

const server = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const master = parseMasterKey(process.env['SCHOOLPOLS_KEY'] ?? '');
const amount = Number(process.argv[2] ?? 10_000);
const url = await recreateDatabase(server, 'submit_probe');
const store = await openStore({ databaseUrl: url, poolSize: 4 });
await migrateToLatest(store.db);
const q = await loadQuestionnaireFile(SHIPPED_QUESTIONNAIRE);
const questionnaireId = await publishQuestionnaire(store.db, q);
const schools = [];
for (let i = 0; i < 20; i++)
  schools.push(await createSchool(store.db, { name: `Probe ${i}`, benchmark_group: 'secundair', municipality: 'Gent', staff_count: 5000 }));
const waveId = await createWave(store.db, { name: 'Probe', questionnaireId, schoolIds: schools, k: 5 });
await openWave(store.db, waveId, undefined, new WaveKeys(store.db, master));
const schoolOf = new Map<string, string>();
const codes: string[] = [];
const per = Math.ceil((2 * amount + 2000) / schools.length);
for (const s of schools)
  for (const c of await issueCodes(store.db, waveId, s, per)) {
    codes.push(c);
    schoolOf.set(c, s);
  }
await sql`analyze`.execute(store.db);
const sets = answerSets(q, waveId);

const profile = process.env['PROFILE'];
// NODE_ARGS: more node options for the server (V8 flags, say), before those of `npm start`.
const args = [
  ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : []),
  ...(process.env['NODE_ARGS']?.split(/\s+/).filter(Boolean) ?? []),
  ...startArguments(),
];
const strace = process.env['STRACE'];
const child = spawn(strace ? 'strace' : process.execPath, strace ? ['-c', '-f', '-o', strace, process.execPath, ...args] : args, {
  env: {
    ...process.env,
    DATABASE_URL: url,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    SESSION_SECRET: randomBytes(32).toString('base64url'),
    PUBLIC_URL: 'https://probe.invalid',
  },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const base = await new Promise<string>((resolve) => {
  let out = '';
  child.stdout!.on('data', (c: Buffer) => {
    out += c.toString();
    const m = /running at (http:\/\/\S+)/.exec(out);
    if (m) resolve(m[1]!.replace('localhost', '127.0.0.1'));
  });
});
await httpSubmissions(base, codes.slice(0, 1000), sets, 1000, { schoolOf });
// Rounds alternate HTTP and direct (and which goes first), so a checkpoint or a neighbour's load
// falls on both sides: a single pair of runs varies by ±20 % on this machine.
const rounds = Number(process.env['ROUNDS'] ?? 3);
const per_ = Math.floor(amount / rounds);
const f = (n: number | undefined) => (n ?? NaN).toFixed(3);
const ratios: number[] = [];
// One warm pool for every round of the baseline, as the app keeps its own (and as `npm run bench` does).
const directConnections = await directPool(url, Number(process.env['DIRECT_POOL'] ?? 50));
let at = 1000;
for (let r = 0; r < rounds; r++) {
  const phases = [
    async () => httpSubmissions(base, codes.slice(at, (at += per_)), sets, per_, { pid: child.pid!, databaseUrl: url, schoolOf }),
    async () =>
      directSubmissions(url, waveId, codes.slice(at, (at += per_)), sets, schoolOf, directConnections.options.max, directConnections),
  ] as const;
  const [http, direct] = r % 2 === 0 ? [await phases[0](), await phases[1]()] : [...[await phases[1](), await phases[0]()]].reverse();
  ratios.push(http!.perSecond / direct!.perSecond);
  console.log(
    `round ${r + 1}: HTTP ${Math.round(http!.perSecond)}/s (app ${f(http!.cpu?.appMs)} + PostgreSQL ${f(http!.cpu?.databaseMs)} + load ${f(http!.cpu?.loadGeneratorMs)} ms; ${JSON.stringify(http!.statusCounts)}) ` +
      `direct ${Math.round(direct!.perSecond)}/s (script ${f(direct!.cpu?.appMs)} + PostgreSQL ${f(direct!.cpu?.databaseMs)} ms); WAL syncs per response ${f(http!.wal?.syncs)} vs ${f(direct!.wal?.syncs)}; ratio ${ratios.at(-1)!.toFixed(2)}`,
  );
}
child.kill('SIGINT');
await directConnections.end();
await new Promise((r) => child.on('exit', r));
ratios.sort((a, b) => a - b);
console.log(`median ratio ${ratios[Math.floor(ratios.length / 2)]!.toFixed(2)} (target ≥ 0.6)`);
await store.close();
