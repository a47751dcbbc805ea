import { beforeAll, describe, expect, it } from 'vitest';
import { storeKind } from '../helpers/store.ts';
import { useApp } from '../helpers/app.ts';
import { Session } from '../helpers/session.ts';
import { signedIn, snapshot } from './helpers.ts';
import { createSchool } from '../../server/admin/schools.ts';

const shownPassword = (html: string) => /<code id="password">([^<]+)<\/code>/.exec(html)?.[1];

describe(`admin: users (${storeKind})`, () => {
  let admin: Session;
  let adminId: string;
  let schoolA: string;
  let schoolB: string;
  const { store, app } = useApp();
  beforeAll(async () => {
    ({ session: admin, id: adminId } = await signedIn(app, store.db, 'admin'));
    schoolA = await createSchool(store.db, { name: 'School A', benchmark_group: 'secundair', municipality: 'Gent', staff_count: 4 });
    schoolB = await createSchool(store.db, { name: 'School B', benchmark_group: 'secundair', municipality: 'Gent', staff_count: 3 });
  });

  const post = (url: string, body: Record<string, string | string[]>) => {
    const params = new URLSearchParams({ _csrf: admin.csrf! });
    for (const [k, v] of Object.entries(body)) for (const x of [v].flat()) params.append(k, x);
    return app.inject({
      method: 'POST',
      url,
      remoteAddress: admin.remoteAddress,
      headers: { accept: 'text/html', cookie: admin.cookie!, 'content-type': 'application/x-www-form-urlencoded' },
      payload: params.toString(),
    });
  };

  it('creates a rep assigned to schools with a generated password shown once, which signs in', async () => {
    const res = await post('/admin/users', { email: 'Rep.Een@example.org', role: 'rep', userLang: 'en', schools: [schoolA, schoolB] });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const password = shownPassword(res.body)!;
    expect(password.length).toBeGreaterThanOrEqual(12);
    const user = await store.db
      .selectFrom('app_user')
      .select(['id', 'role', 'lang', 'password_hash'])
      .where('email', '=', 'Rep.Een@example.org')
      .executeTakeFirstOrThrow();
    expect(user).toMatchObject({ role: 'rep', lang: 'en' });
    expect(user.password_hash).not.toContain(password);
    const schools = await store.db.selectFrom('rep_school').select('school_id').where('user_id', '=', user.id).execute();
    expect(schools.map((s) => s.school_id).sort()).toEqual([schoolA, schoolB].sort());
    const audit = await store.db.selectFrom('audit_log').select(['user_id', 'target']).where('action', '=', 'user.create').execute();
    expect(audit).toEqual([{ user_id: adminId, target: `user:${user.id} role:rep` }]);
    for (const row of await store.db.selectFrom('audit_log').select('target').execute()) expect(row.target).not.toContain(password);
    await new Session(app, '10.9.0.1').login('rep.een@example.org', password);

    const list = await admin.get('/admin/users');
    expect(list.body).toContain('Rep.Een@example.org');
    expect(list.body).toContain('School A, School B');
  });

  it('creates a researcher with a given password, and refuses bad fields by name', async () => {
    const ok = await post('/admin/users', {
      email: 'onderzoek@example.org',
      role: 'researcher',
      userLang: 'nl',
      password: 'a long enough password',
    });
    expect(ok.statusCode).toBe(303);
    await new Session(app, '10.9.0.2').login('onderzoek@example.org', 'a long enough password');

    const before = await snapshot(store.db);
    const bad = await post('/admin/users', { email: 'geen-adres', role: 'koning', userLang: 'nl', password: 'kort' });
    expect(bad.statusCode).toBe(422);
    for (const f of ['email', 'role', 'password']) expect(bad.body).toContain(`href="#f-${f}"`);
    const taken = await post('/admin/users', { email: 'ONDERZOEK@example.org', role: 'researcher', userLang: 'nl' });
    expect(taken.statusCode).toBe(422);
    expect(taken.body).toContain('Er bestaat al een account met dit e-mailadres.');
    const schoolsForAdmin = await post('/admin/users', { email: 'nog@example.org', role: 'admin', userLang: 'nl', schools: [schoolA] });
    expect(schoolsForAdmin.statusCode).toBe(422);
    expect(schoolsForAdmin.body).toContain('Alleen vakbondsafgevaardigden krijgen scholen.');
    expect(await snapshot(store.db)).toEqual(before);
  });

  it("changes a rep's schools, resets a password (ending sessions) and deactivates an account", async () => {
    const { id, email, session } = await signedIn(app, store.db, 'rep', { schoolIds: [schoolA] });
    const page = await admin.get(`/admin/users/${id}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(email);

    expect((await post(`/admin/users/${id}/schools`, { schools: schoolB })).statusCode).toBe(303);
    expect(
      (await store.db.selectFrom('rep_school').select('school_id').where('user_id', '=', id).execute()).map((r) => r.school_id),
    ).toEqual([schoolB]);

    const reset = await post(`/admin/users/${id}/password`, {});
    expect(reset.statusCode).toBe(200);
    const password = shownPassword(reset.body)!;
    expect((await session.get('/admin')).statusCode).toBe(303); // signed out everywhere
    const again = await new Session(app, '10.9.0.3').login(email, password);

    expect((await post(`/admin/users/${id}/active`, { active: 'false' })).statusCode).toBe(303);
    expect((await again.get('/admin')).statusCode).toBe(303);
    const s = new Session(app, '10.9.0.4');
    await s.get('/login');
    expect((await s.post('/login', { email, password })).statusCode).toBe(401);
    const actions = (await store.db.selectFrom('audit_log').select('action').where('target', 'like', `user:${id}%`).execute())
      .map((a) => a.action)
      .sort();
    expect(actions).toEqual(['user.deactivate', 'user.resetPassword', 'user.setSchools']);
  });

  it('refuses to deactivate the own account', async () => {
    const before = await snapshot(store.db);
    const res = await post(`/admin/users/${adminId}/active`, { active: 'false' });
    expect(res.statusCode).toBe(409);
    expect(res.body).toContain('Je kunt je eigen account niet uitschakelen.');
    expect(await snapshot(store.db)).toEqual(before);
  });
});
