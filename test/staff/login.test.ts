import { beforeAll, describe, expect, it } from 'vitest';
import { storeKind } from '../helpers/store.ts';
import { useApp } from '../helpers/app.ts';
import { createUser } from '../../server/staff/users.ts';
import { Session } from '../helpers/session.ts';

describe(`staff login (${storeKind})`, () => {
  const { store, app } = useApp();
  beforeAll(async () => {
    await createUser(store.db, { email: 'Rep@Example.org', role: 'rep', password: 'correct horse battery' });
    await createUser(store.db, { email: 'gone@example.org', role: 'rep', password: 'correct horse battery' });
    await store.db.updateTable('app_user').set({ active: false }).where('email', '=', 'gone@example.org').execute();
  });

  it('signs in with a fresh session id, and signs out', async () => {
    const s = new Session(app, '10.0.0.1');
    // A first sign-in in this browser, then a second: each gets a session id of its own.
    await s.login('rep@example.org', 'correct horse battery');
    const before = s.cookie;
    expect(before).toBeTruthy();
    await s.get('/login');
    const res = await s.post('/login', { email: 'rep@example.org', password: 'correct horse battery' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/home');
    expect(s.cookie).toBeTruthy();
    expect(s.cookie).not.toBe(before);
    const cookie = [res.headers['set-cookie']].flat().join(';');
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    const rows = await store.db.selectFrom('session').select('sid').execute();
    expect(rows.length).toBeGreaterThan(0);

    const home = await s.get('/home');
    expect(home.statusCode).toBe(200);
    const out = await s.post('/logout', {});
    expect(out.statusCode).toBe(303);
    const after = await s.get('/home');
    expect(after.statusCode).toBe(303);
    expect(after.headers.location).toMatch(/^\/login/);
  });

  it('gives the same answer for a wrong password, an unknown e-mail and a deactivated account', async () => {
    const answers = [];
    for (const [i, body] of [
      { email: 'rep@example.org', password: 'wrong password!!' },
      { email: 'nobody@example.org', password: 'wrong password!!' },
      { email: 'gone@example.org', password: 'correct horse battery' },
    ].entries()) {
      const s = new Session(app, `10.0.1.${i}`);
      await s.get('/login');
      const res = await s.post('/login', body);
      answers.push({ status: res.statusCode, error: /<p class="error" role="alert" id="login-error">([^<]*)</.exec(res.body)?.[1] });
    }
    expect(answers[0]).toEqual({ status: 401, error: 'E-mailadres of wachtwoord klopt niet.' });
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
  });

  it('refuses the 6th attempt in a minute with 429', async () => {
    const s = new Session(app, '10.0.2.1');
    await s.get('/login');
    const statuses = [];
    for (let i = 0; i < 6; i++)
      statuses.push((await s.post('/login', { email: 'rep@example.org', password: `wrong-${i}-password` })).statusCode);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
  });

  it('refuses a state-changing request without a valid CSRF token', async () => {
    const s = new Session(app, '10.0.3.1');
    await s.get('/login');
    const noToken = await s.post('/login', { email: 'rep@example.org', password: 'correct horse battery' }, { csrf: false });
    expect(noToken.statusCode).toBe(403);
    const wrongToken = await s.post(
      '/login',
      { email: 'rep@example.org', password: 'correct horse battery', _csrf: 'forged' },
      { csrf: false },
    );
    expect(wrongToken.statusCode).toBe(403);
    await s.login('rep@example.org', 'correct horse battery');
    const lang = await s.post('/account/lang', { lang: 'en' }, { csrf: false });
    expect(lang.statusCode).toBe(403);
    const user = await store.db.selectFrom('app_user').select('lang').where('email', '=', 'Rep@Example.org').executeTakeFirstOrThrow();
    expect(user.lang).toBe('nl');
  });

  it('keeps the language choice of a signed-in user', async () => {
    const s = new Session(app, '10.0.4.1');
    await s.login('rep@example.org', 'correct horse battery');
    const res = await s.post('/account/lang', { lang: 'en', next: '/home' });
    expect(res.statusCode).toBe(303);
    const later = new Session(app, '10.0.4.2');
    await later.login('rep@example.org', 'correct horse battery');
    const page = await later.get('/login');
    expect(page.statusCode).toBe(303); // signed in: sent on to /home
    const user = await store.db.selectFrom('app_user').select('lang').where('email', '=', 'Rep@Example.org').executeTakeFirstOrThrow();
    expect(user.lang).toBe('en');
  });

  it('never follows a login redirect to another site', async () => {
    const s = new Session(app, '10.0.5.1');
    await s.get('/login');
    const res = await s.post('/login', { email: 'rep@example.org', password: 'correct horse battery', next: '//evil.example/x' });
    expect(res.headers.location).toBe('/home');
  });

  it('answers a language switch whose return path holds characters a header cannot carry', async () => {
    const s = new Session(app, '10.0.6.1');
    await s.login('rep@example.org', 'correct horse battery');
    for (const next of ['/home\u0001', '/sch\u00f6ol', '/\u20ac', '/a b', '/home\r\nx: y']) {
      const res = await s.post('/account/lang', { lang: 'en', next });
      expect(res.statusCode, JSON.stringify(next)).toBe(303);
      expect(res.headers.location, JSON.stringify(next)).toBe('/home');
    }
    expect((await s.post('/account/lang', { lang: 'nl', next: '/schools/%C3%A9?x=1' })).headers.location).toBe('/schools/%C3%A9?x=1');
  });
});
