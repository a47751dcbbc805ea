import { afterAll, beforeAll, expect, it } from 'vitest';
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { describeOn, testStore, storeKind, type TestStore } from '../helpers/store.ts';
import { tableCounts } from '../helpers/hardening-db.ts';
import { world, type World } from '../helpers/hardening-routes.ts';
import { hasMessage, prototypesClean, request, type Fuzzed, type Mode, type Seeds } from '../helpers/hardening-fuzz.ts';
import type { Session } from '../helpers/session.ts';

/**
 * Hostile input on every route of the route table (issue 9), anonymously and as a signed-in admin
 * with a valid CSRF token: never a 5xx; a malformed request gets a 4xx with a message; a refused
 * request changes no row (all tables but `session` and `audit_log`); nothing pollutes a prototype.
 * Uploads (school CSV, questionnaire JSON) get their own structured generators.
 *
 * FUZZ_RUNS (default 30) sets the runs per route and mode; FUZZ_SEED replays a reported failure.
 */

const RUNS = Number(process.env.FUZZ_RUNS ?? 30);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
const MODES: Mode[] = ['anonymous', 'admin'];

// The route list comes from the route table at collection time (a small app built just for that),
// so a new route gets its own fuzz test without anyone editing this file.
const { routeList } =
  storeKind !== 'postgres'
    ? { routeList: [] }
    : await (async () => {
        const { buildApp } = await import('../../server/app.ts');
        const { testConfig, testMaster } = await import('../helpers/app.ts');
        const { openStore } = await import('../../server/db/connect.ts');
        const { migrateToLatest } = await import('../../server/db/migrate.ts');
        const store = await openStore({ pgliteDir: 'memory://' });
        await migrateToLatest(store.db);
        const app = await buildApp({ config: testConfig(), store, master: testMaster });
        await app.ready();
        const list = app.routeTable.filter((r) => r.method !== 'HEAD').map((r) => ({ method: r.method, url: r.url }));
        await app.close();
        await store.close();
        return { routeList: list };
      })();

describeOn('postgres', `hostile input on every route (${storeKind})`, () => {
  let store: TestStore;
  let w: World;
  let admin: Session;
  const found: string[] = [];

  beforeAll(async () => {
    store = await testStore();
    w = await world(store);
    admin = w.sessions.admin;
  }, 180_000);
  afterAll(async () => {
    if (found.length) process.stderr.write(`\nhostile input findings:\n${found.join('\n')}\n`);
    await w?.app.close();
    await store?.drop();
  });

  async function send(f: Fuzzed, mode: Mode): Promise<LightMyRequestResponse> {
    const headers = { ...f.headers };
    if (mode === 'admin') {
      headers['cookie'] = admin.cookie!;
      headers['x-csrf-token'] = admin.csrf!;
    }
    const res = await w.app.inject({
      method: f.method as 'GET',
      url: f.url,
      headers,
      remoteAddress: f.remoteAddress,
      ...(f.payload !== undefined ? { payload: f.payload } : {}),
    });
    // Signing out is a valid request: sign in again for the runs that follow.
    if (mode === 'admin' && f.url.startsWith('/logout') && res.statusCode === 303) {
      admin = await w.signIn('admin');
      w.sessions.admin = admin;
    }
    return res;
  }

  function judge(f: Fuzzed, res: LightMyRequestResponse, mode: Mode, declared: unknown) {
    const where = `${mode} ${f.method} ${f.url.slice(0, 200)} [${f.kind}] → ${res.statusCode}`;
    if (res.statusCode >= 500) found.push(`5xx: ${where}: ${res.body.slice(0, 200)}`);
    expect(res.statusCode, `${where}: ${res.body.slice(0, 300)}`).toBeLessThan(500);
    if (res.statusCode >= 400 && f.method !== 'HEAD')
      expect(hasMessage(res), `${where}: 4xx without a message: ${res.body.slice(0, 300)}`).toBe(true);
    if (f.malformed) {
      // An anonymous GET of a staff page is sent to the login page: that is its refusal.
      const toLogin =
        mode === 'anonymous' &&
        f.method === 'GET' &&
        Array.isArray(declared) &&
        res.statusCode === 303 &&
        /^\/login/.test(String(res.headers.location));
      expect(toLogin || (res.statusCode >= 400 && res.statusCode < 500), `${where}: malformed request accepted`).toBe(true);
    }
    expect(prototypesClean(), `${where}: a prototype was polluted`).toBe(true);
  }

  for (const { method, url } of routeList) {
    for (const mode of MODES) {
      it(`${mode} ${method} ${url}`, async () => {
        const route = w.routes.find((r) => r.method === method && r.url === url)!;
        expect(route, `${method} ${url} recorded`).toBeDefined();
        const ids = [...Object.values(w.ids), ...w.codes.slice(5)];
        const seeds: Seeds = {
          code: w.codes.slice(5),
          lang: 'nl',
          next: '/home',
          email: ['rep.secundair@demo.schoolpols.be', 'fuzz@example.org'],
          password: 'not the password at all',
          name: 'Fuzzschool',
          benchmarkGroup: 'secundair',
          municipality: 'Gent',
          staffCount: '12',
          role: 'rep',
          userLang: 'nl',
          questionnaireId: w.ids.questionnaire,
          schoolId: w.ids.repSchool,
          schools: [w.ids.repSchool, w.ids.otherSchool],
          k: '5',
          count: '2',
          format: 'csv',
          text: 'naam;niveau;personeel\nFuzz Tekst;secundair;3',
          file: '{"id":"x"}',
          data: Buffer.from('naam;niveau;personeel\nFuzz Import;secundair;3').toString('base64url'),
        };
        const before = await tableCounts(store.db);
        let accepted = 0;
        await fc.assert(
          fc.asyncProperty(request({ route, valid: w.params, ids, seeds, mode }), async (f) => {
            // Requests the app may accept (shaped like the schema) are checked one by one: a refusal changes nothing.
            const perRequest = !f.malformed && method !== 'GET';
            const ahead = perRequest ? await tableCounts(store.db) : null;
            const res = await send(f, mode);
            judge(f, res, mode, route.access);
            if (res.statusCode < 400) accepted += 1;
            if (ahead && res.statusCode >= 400)
              expect(await tableCounts(store.db), `${f.kind} refused with ${res.statusCode} but changed rows`).toEqual(ahead);
          }),
          { numRuns: RUNS, ...(SEED !== undefined ? { seed: SEED } : {}), interruptAfterTimeLimit: 90_000, markInterruptAsFailure: false },
        );
        // Oversized bodies, once per route: refused before they are read.
        if (method === 'POST') {
          const limit = /import\/commit$|\/admin\/questionnaires(\/preview)?$/.test(url)
            ? 12 * 1024 * 1024
            : /\/check$|\/import$/.test(url)
              ? 4 * 1024 * 1024
              : 256 * 1024;
          for (const [type, payload] of [
            ['application/x-www-form-urlencoded', `code=${'A'.repeat(limit + 10)}`],
            ['application/json', `{"zz":"${'A'.repeat(limit + 10)}"}`],
          ] as const) {
            const f: Fuzzed = {
              kind: `oversized ${type}`,
              method,
              url: url.replace(/:(\w+)/g, (_, n: string) => w.params[n]!),
              headers: { 'content-type': type, accept: 'application/json' },
              payload,
              remoteAddress: '192.0.2.200',
              malformed: true,
            };
            judge(f, await send(f, mode), mode, route.access);
          }
        }
        if (accepted === 0) expect(await tableCounts(store.db), 'row counts').toEqual(before);
      }, 240_000);
    }
  }
});
