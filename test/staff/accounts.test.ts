import { describe, expect, it } from 'vitest';
import { generate } from 'otplib';
import { storeKind, type TestStore } from '../helpers/store.ts';
import { LogCapture, useApp } from '../helpers/app.ts';
import { nextCode, rememberTotp, secretIn, Session } from '../helpers/session.ts';
import { dumpText } from '../helpers/hardening-db.ts';
import { addUser, createUser } from '../../server/staff/users.ts';
import { passwordProblems } from '../../server/staff/passwords.ts';
import { backoffMs, FREE_FAILURES, MAX_LOCK_MS } from '../../server/staff/login-throttle.ts';
import { ABSOLUTE_LIFETIME_MS } from '../../server/staff/session-store.ts';
import { CLI_ACTOR } from '../../server/platform/audit-log.ts';
import { DEMO_PASSWORD } from '../../server/demo/demo.ts';

/**
 * Staff accounts to ASVS level 2 (issue 16): changing one's own password under the policy,
 * two-step verification (enrolment, sign-in with a code, no replay, required for admins), login
 * throttling per account, the absolute session lifetime, the user's own session list with revoke,
 * no session for an anonymous visitor of the login form, sign-ins in the audit log.
 */

const PASSWORD = 'correct horse battery staple';
let address = 0;
const client = () => `10.160.${Math.floor(++address / 250)}.${(address % 250) + 1}`;
const errorOf = (html: string, field: string) => new RegExp(`id="f-${field}-error">([^<]*)<`).exec(html)?.[1];
const sessionRows = async (store: TestStore) =>
  Number(
    (
      await store.db
        .selectFrom('session')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

describe(`staff accounts (${storeKind})`, () => {
  const logs = new LogCapture();
  const user = async (email: string, role: 'admin' | 'rep' | 'researcher' = 'rep', lang: 'nl' | 'en' = 'nl') =>
    createUser(store.db, { email, role, password: PASSWORD, lang });
  const auditOf = async (action: string) =>
    store.db.selectFrom('audit_log').select(['user_id', 'target', 'at']).where('action', '=', action).orderBy('at').orderBy('id').execute();

  const { store, app } = useApp({ logs });

  // ---- Sessions without a visitor ---------------------------------------------------------------

  it('stores no session for an anonymous GET /login, and signs in with the form cookie', async () => {
    await user('anon-form@example.org');
    const before = await sessionRows(store);
    const page = await app.inject({ method: 'GET', url: '/login', headers: { accept: 'text/html' } });
    expect(page.statusCode).toBe(200);
    expect(await sessionRows(store)).toBe(before);
    const cookies = [page.headers['set-cookie'] ?? []].flat();
    expect(cookies.some((c) => /^sp_session=/.test(c))).toBe(false);
    expect(cookies.some((c) => /^sp_login=/.test(c))).toBe(true);
    // A wrong password: still no session row.
    const s = new Session(app, client());
    await s.get('/login');
    expect((await s.post('/login', { email: 'anon-form@example.org', password: 'not the right one' })).statusCode).toBe(401);
    expect(await sessionRows(store)).toBe(before);
    // The token of one form cookie does not go with another.
    const other = new Session(app, client());
    await other.get('/login');
    expect(
      (await s.post('/login', { email: 'anon-form@example.org', password: PASSWORD, _csrf: other.csrf! }, { csrf: false })).statusCode,
    ).toBe(403);
    expect((await s.post('/login', { email: 'anon-form@example.org', password: PASSWORD })).statusCode).toBe(303);
    expect(await sessionRows(store)).toBe(before + 1);
  });

  // ---- Password change and policy -------------------------------------------------------------

  it('changes the own password (current one required), signing out the other sessions', async () => {
    await user('change@example.org');
    const s = await new Session(app, client()).login('change@example.org', PASSWORD);
    const elsewhere = await new Session(app, client()).login('change@example.org', PASSWORD);
    const page = await s.get('/account');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('action="/account/password"');
    expect(page.headers['cache-control']).toBe('no-store');

    const wrong = await s.post('/account/password', {
      currentPassword: 'not my password at all',
      newPassword: 'a brand new sentence of words',
      repeatPassword: 'a brand new sentence of words',
    });
    expect(wrong.statusCode).toBe(422);
    expect(errorOf(wrong.body, 'currentPassword')).toBe('Het huidige wachtwoord klopt niet.');
    expect(wrong.body).toContain('href="#f-currentPassword">Huidig wachtwoord</a>');

    const mismatch = await s.post('/account/password', {
      currentPassword: PASSWORD,
      newPassword: 'a brand new sentence of words',
      repeatPassword: 'a brand new sentence of word',
    });
    expect(mismatch.statusCode).toBe(422);
    expect(errorOf(mismatch.body, 'repeatPassword')).toBe('De twee nieuwe wachtwoorden zijn niet gelijk.');

    // As the browser sends the form: with the hidden e-mail field for password managers.
    const ok = await s.post('/account/password', {
      username: 'change@example.org',
      currentPassword: PASSWORD,
      newPassword: 'a brand new sentence of words',
      repeatPassword: 'a brand new sentence of words',
    });
    expect(ok.statusCode).toBe(303);
    expect(ok.headers.location).toBe('/account?done=password');
    expect((await s.get('/home')).statusCode).toBe(200); // this browser stays signed in
    expect((await elsewhere.get('/home')).statusCode).toBe(303); // the other one is signed out
    const old = new Session(app, client());
    await old.get('/login');
    expect((await old.post('/login', { email: 'change@example.org', password: PASSWORD })).statusCode).toBe(401);
    await new Session(app, client()).login('change@example.org', 'a brand new sentence of words');
    const entries = await auditOf('account.password');
    expect(entries).toHaveLength(1);
    expect(JSON.stringify(await dumpText(store.db))).not.toContain('a brand new sentence of words');
  });

  it('refuses weak passwords with Dutch and English messages naming the field', async () => {
    await user('beleid.nl@example.org', 'rep', 'nl');
    await user('policy.en@example.org', 'researcher', 'en');
    const nl = await new Session(app, client()).login('beleid.nl@example.org', PASSWORD);
    const en = await new Session(app, client()).login('policy.en@example.org', PASSWORD);
    const cases = [
      { password: 'kort-pw', nl: 'Een wachtwoord heeft minstens 12 tekens.', en: 'A password has at least 12 characters.' },
      { password: 'wachtwoord1234', nl: 'Dit wachtwoord is te makkelijk te raden', en: 'This password is too easy to guess' },
      { password: 'azertyuiop123', nl: 'Dit wachtwoord is te makkelijk te raden', en: 'This password is too easy to guess' },
      { password: 'Password12345!', nl: 'Dit wachtwoord is te makkelijk te raden', en: 'This password is too easy to guess' },
    ];
    for (const c of cases) {
      const a = await nl.post('/account/password', { currentPassword: PASSWORD, newPassword: c.password, repeatPassword: c.password });
      expect(a.statusCode, c.password).toBe(422);
      expect(errorOf(a.body, 'newPassword'), c.password).toContain(c.nl);
      expect(a.body).toContain('href="#f-newPassword">Nieuw wachtwoord</a>');
      const b = await en.post('/account/password', { currentPassword: PASSWORD, newPassword: c.password, repeatPassword: c.password });
      expect(b.statusCode, c.password).toBe(422);
      expect(errorOf(b.body, 'newPassword'), c.password).toContain(c.en);
      expect(b.body).toContain('href="#f-newPassword">New password</a>');
    }
    // The own e-mail address, whole or its name part.
    const own = await nl.post('/account/password', {
      currentPassword: PASSWORD,
      newPassword: 'beleid.nl@example.org!',
      repeatPassword: 'beleid.nl@example.org!',
    });
    expect(errorOf(own.body, 'newPassword')).toBe('Een wachtwoord mag het e-mailadres van het account niet bevatten.');
    const part = await en.post('/account/password', {
      currentPassword: PASSWORD,
      newPassword: 'Policy.En-2026-zomer',
      repeatPassword: 'Policy.En-2026-zomer',
    });
    expect(errorOf(part.body, 'newPassword')).toBe('A password must not contain the account&#39;s e-mail address.');
    // Nothing changed: the old password still signs in.
    await new Session(app, client()).login('beleid.nl@example.org', PASSWORD);
  });

  it('applies the policy to accounts made in the admin console and by user:add, not to generated or demo passwords', async () => {
    expect((await passwordProblems('demo-wachtwoord', { email: 'x@example.org' })).length).toBe(0);
    expect(await passwordProblems(PASSWORD, { email: 'x@example.org' })).toEqual([]);
    const weak = await addUser(
      store.db,
      { email: 'cli-weak@example.org', role: 'rep', schools: [], lang: 'nl', password: 'welkom123456' },
      CLI_ACTOR,
    );
    expect(weak).toEqual({ ok: false, problems: [{ field: 'password', key: 'account.password.policy.weak' }] });
    const mail = await addUser(
      store.db,
      { email: 'jan.peeters@example.org', role: 'rep', schools: [], lang: 'nl', password: 'jan.peeters-is-here' },
      CLI_ACTOR,
    );
    expect(mail.ok ? [] : mail.problems.map((p) => p.key)).toEqual(['account.password.policy.email']);
    const generated = await addUser(store.db, { email: 'cli-generated@example.org', role: 'rep', schools: [], lang: 'nl' }, CLI_ACTOR);
    expect(generated.ok).toBe(true);

    await user('admin-console@example.org', 'admin', 'en');
    const admin = await new Session(app, client()).login('admin-console@example.org', PASSWORD);
    const res = await admin.post('/admin/users', { email: 'new.rep@example.org', role: 'rep', userLang: 'nl', password: 'qwertyuiop12' });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('This password is too easy to guess');
    expect(res.body).toMatch(/href="#f-password">Password<\/a>/);
    expect(
      await store.db.selectFrom('app_user').select('id').where('email', '=', 'new.rep@example.org').executeTakeFirst(),
    ).toBeUndefined();
  });

  // ---- Two-step verification ------------------------------------------------------------------

  it('enrols in TOTP (QR code and key, confirmed with a code) and then asks for a code after the password', async () => {
    await user('totp@example.org', 'researcher');
    const s = await new Session(app, client()).login('totp@example.org', PASSWORD);
    const page = await s.get('/account/two-factor');
    expect(page.statusCode).toBe(200);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.body).toMatch(/<figure class="qr" role="img" aria-label="[^"]+"><svg /);
    const secret = secretIn(page.body)!;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    // The page shows the same pending secret until it is confirmed.
    expect(secretIn((await s.get('/account/two-factor')).body)).toBe(secret);

    const wrong = await s.post('/account/two-factor', { code: (await generate({ secret })) === '000000' ? '000001' : '000000' });
    expect(wrong.statusCode).toBe(422);
    expect(wrong.body).toContain('Deze code klopt niet.');
    rememberTotp('totp@example.org', secret);
    const ok = await s.post('/account/two-factor', { code: await nextCode('totp@example.org') });
    expect(ok.statusCode).toBe(303);
    expect(ok.headers.location).toBe('/account?done=twoFactorOn');
    expect((await s.get('/account')).body).toContain('Tweestapsverificatie staat aan');

    // Stored sealed: the database holds neither the secret nor its base32 text.
    const row = await store.db
      .selectFrom('app_user')
      .select(['totp_secret', 'totp_last_step'])
      .where('email', '=', 'totp@example.org')
      .executeTakeFirstOrThrow();
    expect(row.totp_secret).toMatch(/^v1\./);
    const dump = JSON.stringify(await dumpText(store.db));
    expect(dump).not.toContain(secret);
    expect(logs.text).not.toContain(secret);

    // Sign-in: the password alone is not enough.
    const b = new Session(app, client());
    await b.get('/login');
    const step1 = await b.post('/login', { email: 'totp@example.org', password: PASSWORD, next: '/research' });
    expect(step1.statusCode).toBe(303);
    expect(step1.headers.location).toBe('/login/code?next=%2Fresearch');
    expect((await b.get('/research')).statusCode).toBe(303); // not signed in yet
    const codePage = await b.get('/login/code?next=%2Fresearch');
    expect(codePage.statusCode).toBe(200);
    expect(codePage.body).toContain('autocomplete="one-time-code"');
    const bad = await b.post('/login/code', { code: '12345', next: '/research' });
    expect(bad.statusCode).toBe(401);
    const code = await nextCode('totp@example.org');
    const good = await b.post('/login/code', { code, next: '/research' });
    expect(good.statusCode).toBe(303);
    expect(good.headers.location).toBe('/research');
    expect((await b.get('/research')).statusCode).toBe(200);

    // The same code again, within its window, in another browser: refused (no replay).
    const c = new Session(app, client());
    await c.get('/login');
    expect((await c.post('/login', { email: 'totp@example.org', password: PASSWORD })).statusCode).toBe(303);
    await c.get('/login/code');
    const replay = await c.post('/login/code', { code });
    expect(replay.statusCode).toBe(401);
    expect(replay.body).toContain('Deze code klopt niet of werd al gebruikt.');
    expect((await c.get('/home')).statusCode).toBe(303);
    const failures = await auditOf('loginFailed');
    expect(failures.at(-1)!.target).toMatch(/^user:[0-9a-f-]{36} step:code$/);

    // A researcher may turn it off again, with the password.
    expect((await b.post('/account/two-factor/disable', { currentPassword: 'wrong password here' })).statusCode).toBe(422);
    const off = await b.post('/account/two-factor/disable', { username: 'totp@example.org', currentPassword: PASSWORD });
    expect(off.statusCode).toBe(303);
    expect(
      (await store.db.selectFrom('app_user').select('totp_secret').where('email', '=', 'totp@example.org').executeTakeFirstOrThrow())
        .totp_secret,
    ).toBeNull();
    expect((await auditOf('account.twoFactorOn')).length).toBeGreaterThan(0);
    expect(await auditOf('account.twoFactorOff')).toHaveLength(1);
  });

  it('sends an admin without two-step verification to enrolment before anything else', async () => {
    await user('must-enrol@example.org', 'admin');
    const s = new Session(app, client());
    await s.get('/login');
    const res = await s.post('/login', { email: 'must-enrol@example.org', password: PASSWORD, next: '/admin' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/account/two-factor');
    for (const url of ['/admin', '/home', '/admin/users', '/account', '/research']) {
      const page = await s.get(url);
      expect(page.statusCode, url).toBe(303);
      expect(page.headers.location, url).toBe('/account/two-factor');
    }
    expect(
      (await s.post('/admin/schools', { name: 'X', benchmarkGroup: 'secundair', municipality: 'Gent', staffCount: '3' })).statusCode,
    ).toBe(403);
    const enrol = await s.get('/account/two-factor');
    expect(enrol.statusCode).toBe(200);
    expect(enrol.body).toContain('Als beheerder kun je pas verder nadat je dat gedaan hebt.');
    await s.enrol('must-enrol@example.org');
    expect((await s.get('/admin')).statusCode).toBe(200);
    // An admin cannot turn it off.
    const off = await s.post('/account/two-factor/disable', { currentPassword: PASSWORD });
    expect(off.statusCode).toBe(409);
    expect(off.body).toContain('Beheerders kunnen tweestapsverificatie niet uitzetten.');
    // Next time: password, then code.
    const again = await new Session(app, client()).login('must-enrol@example.org', PASSWORD);
    expect((await again.get('/admin')).statusCode).toBe(200);
  });

  it('lets an admin clear the two-step verification of a user who lost the phone (and user:reset-2fa does the same)', async () => {
    await user('lost-phone@example.org', 'rep');
    const id = (await store.db.selectFrom('app_user').select('id').where('email', '=', 'lost-phone@example.org').executeTakeFirstOrThrow())
      .id;
    const rep = await new Session(app, client()).login('lost-phone@example.org', PASSWORD);
    await rep.enrol('lost-phone@example.org');
    await user('helpdesk@example.org', 'admin');
    const admin = await new Session(app, client()).login('helpdesk@example.org', PASSWORD);
    const page = await admin.get(`/admin/users/${id}`);
    expect(page.body).toContain(`action="/admin/users/${id}/two-factor"`);
    const res = await admin.post(`/admin/users/${id}/two-factor`, {});
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/admin/users?done=twoFactor');
    expect((await rep.get('/home')).statusCode).toBe(303); // signed out everywhere
    const s = new Session(app, client());
    await s.get('/login');
    expect((await s.post('/login', { email: 'lost-phone@example.org', password: PASSWORD })).headers.location).toBe('/home'); // no code asked
    expect(await auditOf('user.resetTwoFactor')).toEqual([expect.objectContaining({ target: `user:${id}` })]);
    // A rep cannot do this to anyone.
    expect((await rep.post(`/admin/users/${id}/two-factor`, {})).statusCode).toBeGreaterThanOrEqual(400);
  });

  it('lets the labelled demo admin of a demo store in without two-step verification', async () => {
    await createUser(store.db, { email: 'admin@demo.schoolpols.be', role: 'admin', password: DEMO_PASSWORD });
    const s = new Session(app, client());
    await s.get('/login');
    expect((await s.post('/login', { email: 'admin@demo.schoolpols.be', password: DEMO_PASSWORD })).headers.location).toBe(
      '/account/two-factor',
    );
    await store.db.insertInto('app_meta').values({ key: 'demo', value: 'true' }).execute();
    try {
      expect((await s.get('/admin')).statusCode).toBe(200);
    } finally {
      await store.db.deleteFrom('app_meta').where('key', '=', 'demo').execute();
    }
    expect((await s.get('/admin')).statusCode).toBe(303);
  });

  // ---- Throttling per account -----------------------------------------------------------------

  it('throttles sign-in per account across client addresses, with a back-off that ends', async () => {
    await user('throttle@example.org');
    const id = (await store.db.selectFrom('app_user').select('id').where('email', '=', 'throttle@example.org').executeTakeFirstOrThrow())
      .id;
    // Each attempt from another address: the per-address limit never applies.
    const attempt = async (password: string) => {
      const s = new Session(app, client());
      await s.get('/login');
      return s.post('/login', { email: 'throttle@example.org', password });
    };
    for (let i = 0; i < FREE_FAILURES - 1; i++) expect((await attempt(`wrong password ${i}`)).statusCode, `failure ${i + 1}`).toBe(401);
    const last = await attempt('wrong password again');
    expect(last.statusCode).toBe(429);
    expect(last.body).toContain('Te veel mislukte pogingen voor dit account. Probeer het over 1 minuut opnieuw.');
    // Now even the right password is not checked …
    const locked = await attempt(PASSWORD);
    expect(locked.statusCode).toBe(429);
    const row = await store.db
      .selectFrom('app_user')
      .select(['failed_logins', 'locked_until'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.failed_logins).toBe(FREE_FAILURES);
    // … and an attempt during the lock neither counts nor extends it.
    await attempt('yet another wrong one');
    const same = await store.db
      .selectFrom('app_user')
      .select(['failed_logins', 'locked_until'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(same).toEqual(row);
    expect(await auditOf('loginLocked')).toEqual([expect.objectContaining({ user_id: null, target: `user:${id}` })]);
    // Another account is not affected.
    await user('neighbour@example.org');
    await new Session(app, client()).login('neighbour@example.org', PASSWORD);

    // When the back-off has passed (moved into the past here), the right password signs in and the count starts again.
    await store.db
      .updateTable('app_user')
      .set({ locked_until: new Date(Date.now() - 1000) })
      .where('id', '=', id)
      .execute();
    const s = await new Session(app, client()).login('throttle@example.org', PASSWORD);
    expect(
      await store.db.selectFrom('app_user').select(['failed_logins', 'locked_until']).where('id', '=', id).executeTakeFirstOrThrow(),
    ).toEqual({ failed_logins: 0, locked_until: null });
    expect((await auditOf('login')).at(-1)).toEqual(expect.objectContaining({ user_id: id, target: `count:${FREE_FAILURES}` }));
    // The user is told on the account page.
    expect((await s.get('/account')).body).toContain(`mislukten ${FREE_FAILURES} aanmeldingen op je account`);

    // The back-off doubles and never exceeds 15 minutes.
    expect(
      [FREE_FAILURES - 1, FREE_FAILURES, FREE_FAILURES + 1, FREE_FAILURES + 2, FREE_FAILURES + 10, FREE_FAILURES + 1000].map(backoffMs),
    ).toEqual([0, 60_000, 120_000, 240_000, MAX_LOCK_MS, MAX_LOCK_MS]);
  });

  it('counts wrong codes and wrong current passwords like wrong sign-in passwords', async () => {
    await user('codes@example.org');
    const s = await new Session(app, client()).login('codes@example.org', PASSWORD);
    const secret = await s.enrol('codes@example.org');
    const id = (await store.db.selectFrom('app_user').select('id').where('email', '=', 'codes@example.org').executeTakeFirstOrThrow()).id;
    await s.post('/account/password', { currentPassword: 'a wrong current one', newPassword: 'x', repeatPassword: 'x' });
    const b = new Session(app, client());
    await b.get('/login');
    await b.post('/login', { email: 'codes@example.org', password: PASSWORD });
    await b.get('/login/code');
    const right = await generate({ secret });
    expect((await b.post('/login/code', { code: right === '000000' ? '000001' : '000000' })).statusCode).toBe(401);
    const row = await store.db.selectFrom('app_user').select('failed_logins').where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.failed_logins).toBe(2);
  });

  // ---- Sessions ---------------------------------------------------------------------------------

  it('ends a session 12 hours after sign-in however active it is', async () => {
    await user('absolute@example.org');
    const s = await new Session(app, client()).login('absolute@example.org', PASSWORD);
    const id = (await store.db.selectFrom('app_user').select('id').where('email', '=', 'absolute@example.org').executeTakeFirstOrThrow())
      .id;
    const age = async (ms: number) =>
      store.db
        .updateTable('session')
        .set({ created_at: new Date(Date.now() - ms) })
        .where('user_id', '=', id)
        .execute();
    await age(ABSOLUTE_LIFETIME_MS - 60_000);
    expect((await s.get('/home')).statusCode).toBe(200); // active, and not yet 12 hours old
    await age(ABSOLUTE_LIFETIME_MS + 1000);
    const after = await s.get('/home');
    expect(after.statusCode).toBe(303);
    expect(after.headers.location).toMatch(/^\/login/);
    expect(ABSOLUTE_LIFETIME_MS).toBe(12 * 60 * 60 * 1000);
  });

  it('lists the own sessions (sign-in time, last use, no address or browser) and revokes them', async () => {
    await user('sessions@example.org');
    await user('intruder@example.org');
    const a = await new Session(app, '198.51.100.77').login('sessions@example.org', PASSWORD);
    const b = await new Session(app, client()).login('sessions@example.org', PASSWORD);
    const c = await new Session(app, client()).login('sessions@example.org', PASSWORD);
    const page = await a.get('/account/sessions');
    expect(page.statusCode).toBe(200);
    const handles = [...page.body.matchAll(/name="session" value="([0-9a-f-]{36})"/g)].map((m) => m[1]!);
    expect(handles).toHaveLength(3);
    expect(page.body).toContain('(deze sessie)');
    expect(page.body).not.toContain('198.51.100.77');
    expect(page.body).not.toMatch(/lightMyRequest|user-agent/i);
    const sids = (await store.db.selectFrom('session').select('sid').execute()).map((r) => r.sid);
    for (const sid of sids) expect(page.body).not.toContain(sid);

    // Another user cannot end them.
    const intruder = await new Session(app, client()).login('intruder@example.org', PASSWORD);
    for (const h of handles) expect((await intruder.post('/account/sessions/revoke', { session: h })).statusCode).toBe(404);
    expect((await b.get('/home')).statusCode).toBe(200);

    // The newest listed first: c, then b, then a. End b.
    expect((await a.post('/account/sessions/revoke', { session: handles[1]! })).statusCode).toBe(303);
    expect((await b.get('/home')).statusCode).toBe(303);
    expect((await c.get('/home')).statusCode).toBe(200);
    const listed = await a.get('/account/sessions?done=revoked');
    expect(listed.body).toContain('De sessie is beëindigd.');
    expect([...listed.body.matchAll(/name="session" value="[0-9a-f-]{36}"/g)]).toHaveLength(2);
    // End all others.
    expect((await a.post('/account/sessions/revoke', { session: 'others' })).statusCode).toBe(303);
    expect((await c.get('/home')).statusCode).toBe(303);
    expect((await a.get('/home')).statusCode).toBe(200);
    expect(await auditOf('account.sessionsRevoked')).toHaveLength(2);
  });

  // ---- The audit log ----------------------------------------------------------------------------

  it('records sign-ins and failed sign-ins without password, code or address', async () => {
    await user('audited@example.org');
    const id = (await store.db.selectFrom('app_user').select('id').where('email', '=', 'audited@example.org').executeTakeFirstOrThrow()).id;
    const s = new Session(app, '203.0.113.45');
    await s.get('/login');
    await s.post('/login', { email: 'audited@example.org', password: 'Geheim-wachtwoord-fout' });
    await s.post('/login', { email: 'nobody-here@example.org', password: 'Nog-een-geheim-fout' });
    await s.login('audited@example.org', PASSWORD);
    const failed = await auditOf('loginFailed');
    expect(failed).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ user_id: null, target: `user:${id} step:password` }),
        expect.objectContaining({ user_id: null, target: 'step:password' }),
      ]),
    );
    expect((await auditOf('login')).at(-1)).toEqual(expect.objectContaining({ user_id: id, target: 'count:1' }));
    const audit = JSON.stringify(await store.db.selectFrom('audit_log').selectAll().execute());
    for (const secret of ['Geheim-wachtwoord-fout', 'Nog-een-geheim-fout', PASSWORD, '203.0.113.45', 'nobody-here'])
      expect(audit).not.toContain(secret);

    // The admin's audit page names them.
    await user('auditor@example.org', 'admin');
    const admin = await new Session(app, client()).login('auditor@example.org', PASSWORD);
    const page = await admin.get('/admin/audit');
    expect(page.body).toContain('aanmelden mislukt');
    expect(page.body).toContain('gebruiker: audited@example.org');
    expect(page.body).toContain('onbekend');
  });
});
