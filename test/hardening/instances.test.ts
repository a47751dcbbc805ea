import { afterAll, describe, expect } from 'vitest';
import { itOn, testStore, storeKind, type TestStore } from '../helpers/store.ts';
import { fullAnswers, openWaveWithCodes } from '../helpers/fixtures.ts';
import { cookieFrom, csrfIn, postForm, request } from '../helpers/hardening-http.ts';
import { startServer, type ServerProcess } from '../helpers/hardening-server.ts';
import { createUser } from '../../server/staff/users.ts';

/**
 * Several instances (design §7, issue 9): two server processes on one PostgreSQL database, started
 * at the same moment (both migrate; they share SESSION_SECRET from the environment). A session made on
 * one works on the other; a code spent on one is refused on the other.
 */

const PASSWORD = 'correct horse battery staple';

describe(`two instances on one database (${storeKind})`, () => {
  let store: TestStore;
  const servers: ServerProcess[] = [];
  afterAll(async () => {
    for (const s of servers) await s.kill();
    await store?.drop();
  });

  itOn(
    'postgres',
    'share sessions, CSRF tokens and spent codes',
    async () => {
      store = await testStore({ migrate: false });
      // Both instances migrate the empty database at once; the second sees the first's work.
      const [a, b] = await Promise.all([startServer({ DATABASE_URL: store.url! }), startServer({ DATABASE_URL: store.url! })]);
      servers.push(a!, b!);
      expect(a!.output() + b!.output()).not.toMatch(/error/i);
      // No demo network on PostgreSQL (issue 16): the test adds its own rep and wave.
      await createUser(store.db, { email: 'rep.instances@example.org', role: 'rep', password: PASSWORD });
      const { codes } = await openWaveWithCodes(store.db, 2);
      // They share SESSION_SECRET from the environment; no secret is kept in the database (issue 16).
      expect(await store.db.selectFrom('app_meta').select('value').where('key', '=', 'session_secret').execute()).toEqual([]);

      // Sign in on A …
      const page = await request(a!.url, { path: '/login', headers: { accept: 'text/html' } });
      // The login form's token is bound to a cookie of its own (no session before the password is right).
      const guest = cookieFrom(page.headers, /sp_login$/)!;
      const login = await postForm(
        a!.url,
        '/login',
        { _csrf: csrfIn(page.body)!, email: 'rep.instances@example.org', password: PASSWORD },
        { headers: { cookie: guest } },
      );
      expect(login.status).toBe(303);
      const cookie = cookieFrom(login.headers, /sp_session$/)!;
      // … and carry on on B: the session, and the CSRF token of a page A served.
      const home = await request(b!.url, { path: '/home', headers: { accept: 'text/html', cookie } });
      expect(home.status).toBe(200);
      expect(home.body).toContain('action="/logout"');
      const homeOnA = await request(a!.url, { path: '/home', headers: { accept: 'text/html', cookie } });
      const lang = await postForm(
        b!.url,
        '/account/lang',
        { _csrf: csrfIn(homeOnA.body)!, lang: 'en', next: '/home' },
        { headers: { cookie } },
      );
      expect(lang.status).toBe(303);
      // Signing out on B ends the session on A too.
      const homeOnB = await request(b!.url, { path: '/home', headers: { accept: 'text/html', cookie } });
      expect((await postForm(b!.url, '/logout', { _csrf: csrfIn(homeOnB.body)! }, { headers: { cookie } })).status).toBe(303);
      const after = await request(a!.url, { path: '/home', headers: { accept: 'text/html', cookie } });
      expect(after.status).toBe(303);
      expect(after.headers.location).toMatch(/^\/login/);

      // A code spent on A is refused on B; B's start pages show it exactly as an unused code (no
      // participation oracle), on either instance.
      expect((await postForm(a!.url, '/submit', fullAnswers(codes[0]!))).status).toBe(303);
      expect((await postForm(b!.url, '/submit', fullAnswers(codes[0]!))).status).toBe(404);
      expect((await postForm(b!.url, '/answer', { code: codes[0]! })).status).toBe(
        (await postForm(a!.url, '/answer', { code: codes[1]! })).status,
      );
      expect((await request(b!.url, { path: `/c/${codes[0]}` })).status).toBe((await request(a!.url, { path: `/c/${codes[1]}` })).status);
      // And the other code still works on B.
      expect((await postForm(b!.url, '/submit', fullAnswers(codes[1]!))).status).toBe(303);
    },
    300_000,
  );
});
