import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { testStore, storeKind, type TestStore } from '../helpers/store.ts';
import { testApp } from '../helpers/app.ts';
import { Session } from '../helpers/session.ts';
import { signedIn } from './helpers.ts';
import { DEMO_ACCOUNTS, DEMO_PASSWORD, DEMO_SCHOOL_NAMES, isDemo, seedDemo } from '../../server/demo/demo.ts';
import { createSchool } from '../../server/admin/schools.ts';
import { createWave } from '../../server/waves.ts';
import { partitionName } from '../../server/db/partitions.ts';
import { testKeys } from '../helpers/app.ts';

/**
 * Issue 16: an admin removes the labelled demo network (whose admin password is in the README)
 * from a store: a POST with CSRF token and confirmation, audited, refused for a demo account and
 * for a wave that mixes demo and real schools; real data stays.
 */

describe(`removing the demo network (${storeKind})`, () => {
  let store: TestStore;
  let app: FastifyInstance;
  let admin: Awaited<ReturnType<typeof signedIn>>;
  let realSchool: string;
  let realWave: string;
  let demoWaves: string[];

  beforeAll(async () => {
    store = await testStore();
    await seedDemo(store.db, testKeys(store.db), 5);
    demoWaves = (await store.db.selectFrom('wave').select('id').execute()).map((w) => w.id);
    const questionnaireId = (await store.db.selectFrom('questionnaire').select('id').executeTakeFirstOrThrow()).id;
    realSchool = await createSchool(store.db, {
      name: 'Echte school',
      benchmark_group: 'secundair',
      municipality: 'Gent',
      staff_count: 20,
    });
    realWave = await createWave(store.db, { name: 'Echte bevraging', questionnaireId, schoolIds: [realSchool], k: 5 });
    app = await testApp(store);
    admin = await signedIn(app, store.db, 'admin');
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await store?.drop();
  });

  const counts = async () => ({
    demoSchools: (
      await store.db
        .selectFrom('school')
        .select('id')
        .where('name', 'in', [...DEMO_SCHOOL_NAMES])
        .execute()
    ).length,
    demoUsers: (
      await store.db
        .selectFrom('app_user')
        .select('id')
        .where(
          'email',
          'in',
          DEMO_ACCOUNTS.map((a) => a.email),
        )
        .execute()
    ).length,
    waves: (await store.db.selectFrom('wave').select('id').execute()).length,
    demo: await isDemo(store.db),
  });
  const before = { demoSchools: 12, demoUsers: 4, waves: 4, demo: true };

  it('offers the removal on the admin home page while the store holds the demo', async () => {
    const home = await admin.session.get('/admin');
    expect(home.statusCode).toBe(200);
    expect(home.body).toContain('action="/admin/demo/remove"');
    expect(home.body).toContain('class="demo-badge"');
    expect(await counts()).toEqual(before);
  });

  it('refuses without the CSRF token or the confirmation, removing nothing', async () => {
    const noToken = await admin.session.post('/admin/demo/remove', { confirm: 'yes' }, { csrf: false });
    expect(noToken.statusCode).toBe(403);
    const unconfirmed = await admin.session.post('/admin/demo/remove', {});
    expect(unconfirmed.statusCode).toBe(422);
    expect(unconfirmed.body).toContain('Vink de bevestiging aan');
    expect(await counts()).toEqual(before);
    const anonymous = await app.inject({
      method: 'POST',
      url: '/admin/demo/remove',
      payload: 'confirm=yes',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(anonymous.statusCode).toBe(401);
    expect(await counts()).toEqual(before);
  });

  it('refuses the demo admin itself (the console would lose its only admin), removing nothing', async () => {
    const demoAdmin = await new Session(app, '10.16.9.1').login('admin@demo.schoolpols.be', DEMO_PASSWORD);
    const res = await demoAdmin.post('/admin/demo/remove', { confirm: 'yes' });
    expect(res.statusCode).toBe(409);
    expect(res.body).toContain('demo-account');
    expect(await counts()).toEqual(before);
  });

  it('refuses while a wave mixes demo and real schools, removing nothing', async () => {
    const demoSchool = (
      await store.db.selectFrom('school').select('id').where('name', '=', DEMO_SCHOOL_NAMES[0]!).executeTakeFirstOrThrow()
    ).id;
    const questionnaireId = (await store.db.selectFrom('questionnaire').select('id').executeTakeFirstOrThrow()).id;
    const mixed = await createWave(store.db, { name: 'Gemengd', questionnaireId, schoolIds: [demoSchool, realSchool], k: 5 });
    const res = await admin.session.post('/admin/demo/remove', { confirm: 'yes' });
    expect(res.statusCode).toBe(409);
    expect(res.body).toContain('Gemengd');
    expect(await counts()).toEqual({ ...before, waves: 5 });
    // The admin decides: the real school leaves that wave, which is then a demo wave like the others.
    await store.db.deleteFrom('wave_school').where('wave_id', '=', mixed).where('school_id', '=', realSchool).execute();
    demoWaves.push(mixed);
  });

  it('removes the demo schools, their waves with every partition, and the demo accounts; keeps real data; audits it', async () => {
    const res = await admin.session.post('/admin/demo/remove', { confirm: 'yes' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/admin?done=demoRemoved');
    expect(await counts()).toEqual({ demoSchools: 0, demoUsers: 0, waves: 1, demo: false });
    expect((await store.db.selectFrom('wave').select('id').execute()).map((w) => w.id)).toEqual([realWave]);
    expect((await store.db.selectFrom('school').select('id').execute()).map((s) => s.id)).toEqual([realSchool]);
    expect(await store.db.selectFrom('app_meta').select('key').where('key', 'in', ['demo', 'demo_open_wave']).execute()).toEqual([]);
    const { rows } = await sql<{
      table_name: string;
    }>`select table_name from information_schema.tables where table_schema = 'public'`.execute(store.db);
    const tables = new Set(rows.map((r) => r.table_name));
    for (const w of demoWaves) expect(tables.has(partitionName('response', w)), w).toBe(false);
    expect(tables.has(partitionName('response', realWave))).toBe(true);
    // The questionnaires stay (both shipped versions are real).
    const kept = await store.db.selectFrom('questionnaire').select(['key', 'version']).orderBy('version').execute();
    expect(kept).toEqual([
      { key: 'schoolklimaat', version: 1 },
      { key: 'schoolklimaat', version: 2 },
    ]);
    const audit = await store.db.selectFrom('audit_log').select(['user_id', 'target']).where('action', '=', 'demo.remove').execute();
    expect(audit).toEqual([{ user_id: admin.id, target: 'schools:12 waves:4 users:4' }]);

    const log = await admin.session.get('/admin/audit');
    expect(log.body).toContain('demonetwerk verwijderd');
    expect(log.body).toContain('scholen: 12 · bevragingen: 4 · gebruikers: 4');

    const page = await admin.session.get('/admin?done=demoRemoved');
    expect(page.body).toContain('Het demonetwerk is verwijderd.');
    expect(page.body).not.toContain('action="/admin/demo/remove"');
    expect(page.body).not.toContain('class="demo-badge"');
    // The README's demo sign-in no longer works.
    const s = new Session(app, '10.16.9.2');
    await s.get('/login');
    const login = await s.post('/login', { email: 'admin@demo.schoolpols.be', password: DEMO_PASSWORD });
    expect(login.statusCode).not.toBe(303);
  });

  it('says so when there is no demo network left', async () => {
    const res = await admin.session.post('/admin/demo/remove', { confirm: 'yes' });
    expect(res.statusCode).toBe(409);
    expect(await store.db.selectFrom('audit_log').select('id').where('action', '=', 'demo.remove').execute()).toHaveLength(1);
  });
});
