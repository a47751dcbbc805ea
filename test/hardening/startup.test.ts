import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { itOn, testStore, storeKind, type TestStore } from '../helpers/store.ts';
import { preparedPgliteDir } from '../helpers/data-dir.ts';
import { cookieFrom, csrfIn, postForm, request } from '../helpers/hardening-http.ts';
import { freePort, spawnServer, startServer, type ServerProcess } from '../helpers/hardening-server.ts';
import { openStore } from '../../server/db/connect.ts';
import { migrateToLatest } from '../../server/db/migrate.ts';
import { createUser } from '../../server/staff/users.ts';
import { DEMO_ACCOUNTS, DEMO_PASSWORD, DEMO_SCHOOL_NAMES } from '../../server/demo/demo.ts';
import { generateMasterKeyText } from '../../server/encryption/master-key.ts';
import { decideDemo, embeddedSessionSecret, parseStartArgs, secretProblem, sessionSecretFile } from '../../server/platform/startup.ts';

/**
 * Issue 16: `npm start` (server/main.ts, as a child process) seeds the demo network — whose admin
 * password is in the README — only into the embedded store it creates for a first-time user, or
 * when asked with --demo; never into PostgreSQL unasked, never beside a user. On PostgreSQL it
 * refuses to start without a strong SESSION_SECRET or without PUBLIC_URL. The embedded store's
 * files are readable by their owner only.
 */

const KEY = generateMasterKeyText();
const STRONG = 'Zt8pQ2vL9xW4mK7rB1nC6hJ3dF5gS0yA';

describe('start-up decisions', () => {
  it('seeds the demo only into an empty store, and only fresh-embedded or when asked', () => {
    const empty = { users: 0, schools: 0 };
    expect(decideDemo({ embedded: true, fresh: true, demoFlag: false, ...empty })).toEqual({ seed: true, why: 'first-start' });
    expect(decideDemo({ embedded: true, fresh: false, demoFlag: false, ...empty })).toEqual({ seed: false, why: 'not-fresh' });
    expect(decideDemo({ embedded: false, fresh: false, demoFlag: false, ...empty })).toEqual({ seed: false, why: 'production' });
    expect(decideDemo({ embedded: false, fresh: false, demoFlag: true, ...empty })).toEqual({ seed: true, why: 'asked' });
    expect(decideDemo({ embedded: true, fresh: false, demoFlag: true, ...empty })).toEqual({ seed: true, why: 'asked' });
    // Never beside a user or a school, whatever else holds.
    for (const embedded of [true, false]) {
      for (const fresh of [true, false]) {
        for (const demoFlag of [true, false]) {
          expect(decideDemo({ embedded, fresh, demoFlag, users: 1, schools: 0 }).seed).toBe(false);
          expect(decideDemo({ embedded, fresh, demoFlag, users: 0, schools: 3 }).seed).toBe(false);
        }
      }
    }
  });

  it('takes --demo and nothing else on the command line', () => {
    expect(parseStartArgs([])).toEqual({ demo: false });
    expect(parseStartArgs(['--demo'])).toEqual({ demo: true });
    expect(() => parseStartArgs(['--dmeo'])).toThrow(/unknown argument "--dmeo"/);
  });

  it('refuses a SESSION_SECRET that is short, a phrase, a pattern or a placeholder; accepts random bytes', async () => {
    for (const weak of [
      'short',
      'a'.repeat(40),
      'changeme-changeme-changeme-changeme',
      'development-session-secret-please-change',
      'schoolpols-session-secret-2026-production',
      '0123456789012345678901234567890123456789',
      'abcdefghijklmnopqrstuvwxyz0123456789',
      'my-super-secret-session-key-12345',
    ]) {
      expect(await secretProblem(weak), weak).toMatch(/SESSION_SECRET/);
    }
    for (const strong of [
      STRONG,
      'kD0v3f7Yq1LrX9sB2mN8pT5wH4cJ6gZa/eQ+uR1iO0k=',
      '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    ]) {
      expect(await secretProblem(strong), strong).toBeNull();
    }
  });

  it('keeps the embedded store session secret in a 0600 file, made once and reused', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'schoolpols-secret-'));
    try {
      const first = await embeddedSessionSecret(dir);
      expect(first.created).toBe(true);
      expect(first.secret.length).toBeGreaterThanOrEqual(43);
      expect((await stat(sessionSecretFile(dir))).mode & 0o777).toBe(0o600);
      expect(await embeddedSessionSecret(dir)).toEqual({ secret: first.secret, created: false });
      await writeFile(sessionSecretFile(dir), 'too short\n');
      await expect(embeddedSessionSecret(dir)).rejects.toThrow(/no usable session secret/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/** Runs the real server until it exits on its own (a refusal); its output and exit code. */
async function refusal(
  env: Record<string, string>,
  args: string[] = [],
): Promise<{ code: number | null; lines: string[]; output: string }> {
  const { exited, output } = spawnServer({ PORT: String(await freePort()), ...env }, args);
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`still running:\n${output()}`)), 60_000));
  const exit = await Promise.race([exited, timeout]);
  return {
    code: exit.code,
    lines: output()
      .split('\n')
      .filter((l) => l.trim()),
    output: output(),
  };
}

async function signIn(base: string, email: string, password: string) {
  const page = await request(base, { path: '/login', headers: { accept: 'text/html' } });
  const cookie = [cookieFrom(page.headers, /sp_session$/), cookieFrom(page.headers, /sp_login$/)].filter(Boolean).join('; ');
  return postForm(base, '/login', { _csrf: csrfIn(page.body) ?? '', email, password }, { headers: cookie ? { cookie } : {} });
}

describe(`npm start on PostgreSQL (${storeKind})`, () => {
  const stores: TestStore[] = [];
  const servers: ServerProcess[] = [];
  afterAll(async () => {
    for (const s of servers) await s.kill();
    for (const s of stores) await s.drop();
  });
  const fresh = async (migrate: boolean) => {
    const s = await testStore({ migrate });
    stores.push(s);
    return s;
  };
  const count = async (s: TestStore) => ({
    users: (await s.db.selectFrom('app_user').select('id').execute()).length,
    schools: (await s.db.selectFrom('school').select('id').execute()).length,
    demo: (await s.db.selectFrom('app_meta').select('key').where('key', '=', 'demo').execute()).length,
    sessionSecret: (await s.db.selectFrom('app_meta').select('key').where('key', '=', 'session_secret').execute()).length,
  });

  itOn(
    'postgres',
    'an empty database: no user, no demo school, and how to create the first admin',
    async () => {
      const store = await fresh(false);
      const server = await startServer({
        DATABASE_URL: store.url!,
        SCHOOLPOLS_KEY: KEY,
        SESSION_SECRET: STRONG,
        PUBLIC_URL: 'https://schoolpols.example',
      });
      servers.push(server);
      expect(server.output()).toContain('npm run cli -- user:add --role admin');
      expect(server.output()).not.toMatch(/DEMO|demo-wachtwoord/);
      expect(await count(store)).toEqual({ users: 0, schools: 0, demo: 0, sessionSecret: 0 });
      // The README's demo sign-in does not work.
      const login = await signIn(server.url, DEMO_ACCOUNTS[0]!.email, DEMO_PASSWORD);
      expect(login.status).not.toBe(303);
      expect(await count(store)).toEqual({ users: 0, schools: 0, demo: 0, sessionSecret: 0 });
      await server.stop();
    },
    120_000,
  );

  itOn(
    'postgres',
    'refuses to start without SESSION_SECRET, with a guessable one, without PUBLIC_URL or without a master key',
    async () => {
      const store = await fresh(true);
      const base = { DATABASE_URL: store.url!, SCHOOLPOLS_KEY: KEY, SESSION_SECRET: STRONG, PUBLIC_URL: 'https://schoolpols.example' };
      const cases: Array<[Record<string, string>, RegExp]> = [
        [{ ...base, SESSION_SECRET: '' }, /SESSION_SECRET is not set/],
        [{ ...base, SESSION_SECRET: 'development-session-secret-please-change' }, /SESSION_SECRET is too easy to guess/],
        [{ ...base, PUBLIC_URL: '' }, /PUBLIC_URL is not set/],
        // Issue 14: answers of open waves are encrypted with a master key that is never in the database.
        [{ ...base, SCHOOLPOLS_KEY: '' }, /No master key is configured.*key:generate/],
        [{ ...base, SCHOOLPOLS_KEY: 'not-a-key' }, /not a Schoolpols master key/],
      ];
      for (const [env, message] of cases) {
        const r = await refusal(env);
        expect(r.code, r.output).not.toBe(0);
        expect(r.code).not.toBeNull();
        expect(r.lines, r.output).toHaveLength(1);
        expect(r.lines[0]).toMatch(/^Schoolpols could not start: /);
        expect(r.lines[0]).toMatch(message);
      }
      expect(await count(store)).toEqual({ users: 0, schools: 0, demo: 0, sessionSecret: 0 });
    },
    240_000,
  );

  itOn(
    'postgres',
    '--demo seeds the labelled demo into an empty database (no PUBLIC_URL needed), never beside a user',
    async () => {
      const withUser = await fresh(true);
      await createUser(withUser.db, { email: 'eerste.beheerder@example.org', role: 'admin', password: 'Vq7#tLm2!pXr9$Kd4&Wz' });
      const a = await startServer({ DATABASE_URL: withUser.url!, SCHOOLPOLS_KEY: KEY }, { args: ['--demo'] });
      servers.push(a);
      expect(a.output()).toContain('--demo: not seeded');
      expect(a.output()).not.toContain('user:add');
      expect(await count(withUser)).toEqual({ users: 1, schools: 0, demo: 0, sessionSecret: 0 });
      await a.stop();

      const empty = await fresh(false);
      const b = await startServer(
        { DATABASE_URL: empty.url!, SCHOOLPOLS_KEY: KEY, PUBLIC_URL: '' },
        { args: ['--demo'], timeoutMs: 180_000 },
      );
      servers.push(b);
      expect(b.output()).toContain('DEMO network');
      expect(b.output()).toContain('npm run cli -- demo:remove');
      expect(await count(empty)).toEqual({ users: DEMO_ACCOUNTS.length, schools: DEMO_SCHOOL_NAMES.length, demo: 1, sessionSecret: 0 });
      await b.stop();
    },
    300_000,
  );
});

/** Every file and directory below `dir` with its permission bits. */
async function modes(dir: string): Promise<Array<{ path: string; mode: number; dir: boolean }>> {
  const out: Array<{ path: string; mode: number; dir: boolean }> = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    out.push({ path: p, mode: (await stat(p)).mode & 0o777, dir: entry.isDirectory() });
    if (entry.isDirectory()) out.push(...(await modes(p)));
  }
  return out;
}

describe(`npm start on the embedded store (${storeKind})`, () => {
  const dirs: string[] = [];
  const servers: ServerProcess[] = [];
  afterAll(async () => {
    for (const s of servers) await s.kill();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });
  const tempDir = async () => {
    const d = await mkdtemp(path.join(tmpdir(), 'schoolpols-start-'));
    dirs.push(d);
    return d;
  };

  itOn(
    'pglite',
    'a first start creates the store with the labelled demo, readable by its owner only',
    async () => {
      const dataDir = path.join(await tempDir(), 'data');
      const server = await startServer({ DATA_DIR: dataDir }, { timeoutMs: 180_000 });
      servers.push(server);
      expect(server.output()).toContain('DEMO network');
      expect(server.output()).toContain('admin@demo.schoolpols.be');
      const login = await request(server.url, { path: '/login', headers: { accept: 'text/html' } });
      expect(login.body).toContain('class="demo-badge"');
      // Files made while serving (a session row, a new relation) fall under the same rule.
      expect((await signIn(server.url, DEMO_ACCOUNTS[3]!.email, DEMO_PASSWORD)).status).toBe(303);
      expect((await server.stop()).code ?? 0).toBe(0);

      expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
      const all = await modes(dataDir);
      expect(all.length).toBeGreaterThan(100);
      expect(all.filter((f) => f.mode & 0o077).map((f) => `${f.path} ${f.mode.toString(8)}`)).toEqual([]);
      expect(all.find((f) => f.path === sessionSecretFile(dataDir))?.mode).toBe(0o600);

      const store = await openStore({ pgliteDir: path.join(dataDir, 'pglite') });
      try {
        const users = (await store.db.selectFrom('app_user').select('email').execute()).map((u) => u.email).sort();
        expect(users).toEqual(DEMO_ACCOUNTS.map((a) => a.email).sort());
        expect(await store.db.selectFrom('app_meta').select('key').where('key', '=', 'session_secret').execute()).toEqual([]);
      } finally {
        await store.close();
      }
    },
    300_000,
  );

  itOn(
    'pglite',
    'a store that existed before (prepared with migrate): no demo, how to create the first admin; with a user, not even --demo',
    async () => {
      const dataDir = await tempDir();
      const pgliteDir = path.join(dataDir, 'pglite');
      await preparedPgliteDir(pgliteDir);
      const prepared = await openStore({ pgliteDir });
      await migrateToLatest(prepared.db);
      await prepared.close();
      // A store opened by the CLI is its owner's only, too.
      expect((await modes(pgliteDir)).filter((f) => f.mode & 0o077)).toEqual([]);

      const first = await startServer({ DATA_DIR: dataDir });
      servers.push(first);
      expect(first.output()).toContain('npm run cli -- user:add --role admin');
      expect(first.output()).not.toContain('DEMO network');
      await first.stop();

      const store = await openStore({ pgliteDir });
      await createUser(store.db, { email: 'eerste.beheerder@example.org', role: 'admin', password: 'Vq7#tLm2!pXr9$Kd4&Wz' });
      await store.close();
      const second = await startServer({ DATA_DIR: dataDir }, { args: ['--demo'] });
      servers.push(second);
      expect(second.output()).toContain('--demo: not seeded');
      await second.stop();
      const check = await openStore({ pgliteDir });
      try {
        expect((await check.db.selectFrom('school').select('id').execute()).length).toBe(0);
        expect((await check.db.selectFrom('app_user').select('email').execute()).map((u) => u.email)).toEqual([
          'eerste.beheerder@example.org',
        ]);
      } finally {
        await check.close();
      }
    },
    300_000,
  );
});
