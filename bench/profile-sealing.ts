/**
 * Where sealing spends its time. On a database left by `npm run bench -- --keep`, copies the
 * responses, comments and spent codes of the full network's last wave into a new open wave, then
 * runs the statements of `closeWave` (server/waves.ts as of commit 1b5f541: temp copies of all three
 * tables, TRUNCATE, refill — mirrored here statement by statement) one at a time with timings, and
 * for comparison what sealing into a per-wave partition would cost: the wave's rows rewritten in
 * random order with fresh ids into a table of their own, indexes built afterwards (the old
 * partition would then be dropped; no other wave's rows are touched).
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/schoolpols_bench npx tsx bench/profile-sealing.ts
 */
import { sql, type Kysely } from 'kysely';
import { openStore } from '../server/db/connect.ts';
import type { Database } from '../server/db/schema.ts';
import { createWave, openWave } from '../server/waves.ts';
import { fmtMs, timed } from './util.ts';

const url = process.env.DATABASE_URL;
if (!url) throw new Error('set DATABASE_URL to the kept benchmark database');
const store = await openStore({ databaseUrl: url, poolSize: 2 });
const db = store.db;

async function copyWave(label: string): Promise<string> {
  const source = await db.selectFrom('wave').select(['id', 'questionnaire_id']).where('name', '=', 'Bench bevraging 3').executeTakeFirstOrThrow();
  const schools = await db.selectFrom('wave_school').select(['school_id', 'codes_issued']).where('wave_id', '=', source.id).execute();
  const id = await createWave(db, { name: `profile ${label} ${Date.now()}`, questionnaireId: source.questionnaire_id, schoolIds: schools.map((s) => s.school_id), k: 5 });
  await openWave(db, id);
  await sql`insert into response (wave_id, school_id, answers, background)
    select ${id}::uuid, school_id, answers, background from response where wave_id = ${source.id} order by school_id`.execute(db);
  await sql`insert into comment (wave_id, school_id, text) select ${id}::uuid, school_id, text from comment where wave_id = ${source.id}`.execute(db);
  await sql`insert into access_code (hash, wave_id, school_id, spent)
    select encode(sha256(convert_to(gen_random_uuid()::text, 'UTF8')), 'hex'), ${id}::uuid, ws.school_id, true
    from wave_school ws, generate_series(1, ws.codes_issued) where ws.wave_id = ${source.id}`.execute(db);
  await sql`vacuum analyze response, comment, access_code`.execute(db);
  await sql`checkpoint`.execute(db);
  return id;
}

async function step(name: string, run: (trx: Kysely<Database>) => Promise<unknown>, trx: Kysely<Database>, out: Array<[string, number]>) {
  const { ms } = await timed(() => run(trx));
  out.push([name, ms]);
}

const waveId = await copyWave('closeWave');
const n = Number((await sql<{ n: number }>`select count(*)::int as n from response where wave_id = ${waveId}`.execute(db)).rows[0]!.n);
const total = Number((await sql<{ n: number }>`select count(*)::int as n from response`.execute(db)).rows[0]!.n);
console.log(`wave of ${n} responses; the response table holds ${total} rows of all waves`);

const steps: Array<[string, number]> = [];
const t0 = performance.now();
await db.transaction().execute(async (trx) => {
  await step('lock the wave', (t) => t.selectFrom('wave').select('status').where('id', '=', waveId).forUpdate().execute(), trx, steps);
  await step('lock access_code, response, comment (access exclusive)', (t) => sql`lock table access_code, response, comment in access exclusive mode`.execute(t), trx, steps);
  await step('count spent codes per school', (t) => sql`
      update wave_school ws set codes_spent = ws.codes_spent + c.n
      from (select school_id, count(*)::int as n from access_code where wave_id = ${waveId} and spent group by school_id) c
      where ws.wave_id = ${waveId} and ws.school_id = c.school_id`.execute(t), trx, steps);
  await step('copy all codes but the spent ones to a temp table', (t) => sql`
      create temp table seal_code on commit drop as
      select hash, wave_id, school_id, spent from access_code where not (wave_id = ${waveId} and spent)`.execute(t), trx, steps);
  await step('copy ALL responses to a temp table (fresh ids for the wave)', (t) => sql`
      create temp table seal_response on commit drop as
      select case when wave_id = ${waveId} then gen_random_uuid() else id end as id, wave_id, school_id, answers, background from response`.execute(t), trx, steps);
  await step('copy ALL comments to a temp table', (t) => sql`
      create temp table seal_comment on commit drop as
      select case when wave_id = ${waveId} then gen_random_uuid() else id end as id, wave_id, school_id, text from comment`.execute(t), trx, steps);
  await step('truncate access_code, response, comment', (t) => sql`truncate access_code, response, comment`.execute(t), trx, steps);
  await step('refill access_code', (t) => sql`insert into access_code (hash, wave_id, school_id, spent) select hash, wave_id, school_id, spent from seal_code`.execute(t), trx, steps);
  await step('refill response in random order', (t) => sql`
      insert into response (id, wave_id, school_id, answers, background)
      select id, wave_id, school_id, answers, background from seal_response order by random()`.execute(t), trx, steps);
  await step('refill comment in random order', (t) => sql`insert into comment (id, wave_id, school_id, text) select id, wave_id, school_id, text from seal_comment order by random()`.execute(t), trx, steps);
  await step('mark the wave sealed', (t) => t.updateTable('wave').set({ status: 'closed', sealed: true }).where('id', '=', waveId).execute(), trx, steps);
});
steps.push(['(whole transaction incl. commit)', performance.now() - t0]);
for (const [name, ms] of steps) console.log(`${fmtMs(ms).padStart(9)}  ${name}`);

// -- alternatives, each on a fresh copy, rolled back
const alt = await copyWave('alternatives');
const results: Array<[string, number]> = [];
await step('CTAS random order + fresh ids', (d) => sql`
    create table profile_sealed as
    select gen_random_uuid() as id, wave_id, school_id, answers, background from response where wave_id = ${alt} order by random()`.execute(d), db, results);
await step('  + primary key and (wave_id, school_id) index', (d) => sql`
    alter table profile_sealed add primary key (id)`.execute(d).then(() => sql`create index on profile_sealed (wave_id, school_id)`.execute(d)), db, results);
await sql`drop table profile_sealed`.execute(db);
for (const [name, ms] of results) console.log(`${fmtMs(ms).padStart(9)}  ${name}`);

// Leave the data as it was: the copies' rows go. (The two wave rows stay, as empty drafts: deleting
// a wave cascades from each wave_school row to access_code, which has no index on (wave_id, school_id).)
for (const id of [waveId, alt]) {
  await sql`delete from response where wave_id = ${id}`.execute(db);
  await sql`delete from comment where wave_id = ${id}`.execute(db);
  await sql`delete from access_code where wave_id = ${id}`.execute(db);
  await sql`update wave set status = 'draft', sealed = false where id = ${id}`.execute(db);
}
await store.close();
