import { afterAll, afterEach, describe, expect } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { sql } from 'kysely';
import { itOn, testStore, storeKind, type TestStore } from '../helpers/store.ts';
import { preparedPgliteDir } from '../helpers/data-dir.ts';
import { counts, fullAnswers, openWaveWithCodes, openedSubmissions } from '../helpers/fixtures.ts';
import { indexedAnswers, indexOf } from '../helpers/hardening-db.ts';
import { agent, pool, postForm, request } from '../helpers/hardening-http.ts';
import { freePort, spawnServer, startServer, type ServerProcess } from '../helpers/hardening-server.ts';
import { openStore } from '../../server/db/connect.ts';
import { hashCode } from '../../server/teacher/access-codes.ts';
import { WaveKeys } from '../../server/encryption/wave-keys.ts';
import { testMaster, testMasterText } from '../helpers/app.ts';

/**
 * Faults (issue 9): the database connection dies inside a submission; the server is killed in the
 * middle of a load; the embedded store survives a restart; the database is unreachable at start.
 */

const servers: ServerProcess[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.kill();
});

describe(`a database connection killed inside a submission (${storeKind})`, () => {
  let store: TestStore;
  afterAll(async () => {
    await store?.drop();
  });

  // On the real server (a child process): a connection that dies while a request holds it must
  // cost that request only — not the process, which serves everyone else.
  itOn(
    'postgres',
    'says nothing was saved (503), keeps the answers, writes nothing, keeps serving, and the code still works',
    async () => {
      store = await testStore();
      const { codes, waveId } = await openWaveWithCodes(store.db, 2);
      let server = await startServer({ DATABASE_URL: store.url! });
      servers.push(server);
      const before = await counts(store.db);
      // A trigger that holds the insert (after the code was spent, inside the transaction) long enough to kill its connection.
      await sql`create function sp_stall() returns trigger language plpgsql as $$ begin perform pg_sleep(60); return new; end $$`.execute(
        store.db,
      );
      await sql`create trigger sp_stall before insert on encrypted_response for each row execute function sp_stall()`.execute(store.db);
      const killer = new pg.Client({ connectionString: store.url! });
      await killer.connect();
      try {
        const pending = postForm(server.url, '/submit', { ...fullAnswers(codes[0]!), comment: 'Blijft dit bewaard?' });
        let pid: number | null = null;
        for (let i = 0; i < 300 && pid === null; i++) {
          const r = await killer.query<{ pid: number }>(
            `select pid from pg_stat_activity where datname = current_database() and wait_event = 'PgSleep'`,
          );
          pid = r.rows[0]?.pid ?? null;
          if (pid === null) await new Promise((res) => setTimeout(res, 100));
        }
        expect(pid, 'the submission reached the stalled insert').not.toBeNull();
        // While it waits, the code is spent inside the (uncommitted) transaction only.
        const seen = await killer.query<{ spent: boolean }>('select spent from access_code where hash = $1', [hashCode(codes[0]!)]);
        expect(seen.rows[0]!.spent).toBe(false);
        await killer.query('select pg_terminate_backend($1)', [pid]);
        const res = await pending;
        expect(res.status).toBe(503);
        expect(res.body).toContain('Er is niets bewaard');
        expect(res.body).toMatch(/name="a.com_1" value="\d" checked/);
        expect(res.body).toContain('Blijft dit bewaard?');
        expect(res.headers['set-cookie']).toBeUndefined();
      } finally {
        await killer.query('drop trigger if exists sp_stall on encrypted_response; drop function if exists sp_stall()');
        await killer.end();
      }
      expect(await counts(store.db)).toEqual(before);
      // The server is still there for everybody else (the pool replaces the dead connection).
      await new Promise((r) => setTimeout(r, 500));
      const alive = await request(server.url, { path: '/healthz', timeoutMs: 5_000 }).then(
        (r) => r.status,
        () => 'gone' as const,
      );
      expect.soft(alive, `the server survives a killed database connection; its output:\n${server.output()}`).toBe(200);
      if (alive !== 200) {
        server = await startServer({ DATABASE_URL: store.url! });
        servers.push(server);
      }
      const retry = await postForm(server.url, '/submit', fullAnswers(codes[0]!));
      expect(retry.status, 'the code still works').toBe(303);
      const after = await counts(store.db);
      expect({
        responses: after.responses - before.responses,
        spent: after.spent - before.spent,
        comments: after.comments - before.comments,
      }).toEqual({ responses: 1, spent: 1, comments: 0 });
      expect((await openedSubmissions(store.db, waveId)).responses).toHaveLength(1);
    },
    180_000,
  );
});

describe(`the server killed (SIGKILL) during a load of 1,000 submissions (${storeKind})`, () => {
  let store: TestStore;
  afterAll(async () => {
    await store?.drop();
  });

  itOn(
    'postgres',
    'has stored every acknowledged submission, and spent exactly the codes of stored responses',
    async () => {
      store = await testStore();
      const { codes, waveId } = await openWaveWithCodes(store.db, 1000);
      const server = await startServer({ DATABASE_URL: store.url! });
      servers.push(server);
      const http = agent(25);
      let acknowledged = 0;
      let killed = false;
      const outcome = await pool(codes, 25, async (code, i) => {
        try {
          const res = await postForm(server.url, '/submit', indexedAnswers(code, i), { agent: http });
          if (res.status === 303) acknowledged += 1;
          // Kill it mid-stream, with submissions in flight on all connections.
          if (acknowledged >= 300 && !killed) {
            killed = true;
            server.child.kill('SIGKILL');
          }
          return res.status;
        } catch {
          return 'no answer' as const;
        }
      });
      http.destroy();
      const exit = await server.exited;
      expect(exit.signal).toBe('SIGKILL');

      const acked = outcome.flatMap((s, i) => (s === 303 ? [i] : []));
      expect(acked.length).toBeGreaterThanOrEqual(300);
      expect(outcome.filter((s) => s === 'no answer').length, 'some submissions were cut off').toBeGreaterThan(0);
      // What an acknowledged (303) submission promised: it is stored. And nothing is half-stored.
      const stored = (await openedSubmissions(store.db, waveId)).responses.map((r) => indexOf(r.answers));
      const spent = new Set(
        (await store.db.selectFrom('access_code').select('hash').where('wave_id', '=', waveId).where('spent', '=', true).execute()).map(
          (r) => r.hash,
        ),
      );
      const storedSet = new Set(stored);
      expect(stored.length, 'one response per index').toBe(storedSet.size);
      expect(
        acked.filter((i) => !storedSet.has(i)),
        'acknowledged but not stored',
      ).toEqual([]);
      expect(spent.size, 'spent codes = stored responses').toBe(stored.length);
      expect(
        [...storedSet].filter((i) => !spent.has(hashCode(codes[i]!))),
        'stored without its code spent',
      ).toEqual([]);

      // Started again: the cut-off codes work, spent ones are refused.
      const again = await startServer({ DATABASE_URL: store.url! });
      servers.push(again);
      const unused = codes.findIndex((c) => !spent.has(hashCode(c)));
      expect((await postForm(again.url, '/submit', indexedAnswers(codes[unused]!, unused))).status).toBe(303);
      expect((await postForm(again.url, '/submit', indexedAnswers(codes[acked[0]!]!, acked[0]!))).status).toBe(404);
    },
    300_000,
  );
});

describe(`the embedded store (PGlite) across a restart (${storeKind})`, () => {
  let dir: string | null = null;
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  itOn(
    'pglite',
    'keeps a response after a stop and after a kill, and its code stays spent',
    async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'schoolpols-restart-'));
      const pgliteDir = path.join(dir, 'pglite');
      await preparedPgliteDir(pgliteDir);
      const seed = await openStore({ pgliteDir });
      const { codes, waveId } = await openWaveWithCodes(seed.db, 3);
      await seed.close();
      // The wave was opened (its key made) under the test master key: the server runs with it.
      const env = { DATA_DIR: dir, SCHOOLPOLS_KEY: testMasterText };

      const first = await startServer(env);
      servers.push(first);
      expect((await postForm(first.url, '/submit', indexedAnswers(codes[0]!, 0))).status).toBe(303);
      const stopped = await first.stop();
      expect(stopped.code ?? 0, first.output()).toBe(0);

      const second = await startServer(env);
      servers.push(second);
      expect((await postForm(second.url, '/submit', fullAnswers(codes[0]!))).status, 'spent before the restart').toBe(404);
      expect((await postForm(second.url, '/submit', indexedAnswers(codes[1]!, 1))).status).toBe(303);
      await second.kill();

      const third = await startServer(env);
      servers.push(third);
      expect((await postForm(third.url, '/submit', fullAnswers(codes[1]!))).status, 'spent before the kill').toBe(404);
      expect((await request(third.url, { path: `/c/${codes[2]}` })).status).toBe(200);
      await third.stop();

      const check = await openStore({ pgliteDir });
      const rows = (await openedSubmissions(check.db, waveId, new WaveKeys(check.db, testMaster))).responses;
      expect(rows.map((r) => indexOf(r.answers)).sort()).toEqual([0, 1]);
      await check.close();
    },
    300_000,
  );
});

describe('the database unreachable at start', () => {
  itOn(
    'postgres',
    'prints one clear line, without the password, and exits non-zero',
    async () => {
      const { exited, output } = spawnServer({
        DATABASE_URL: 'postgres://postgres:s3cretpw@127.0.0.1:1/nowhere',
        PORT: String(await freePort()),
      });
      const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`still running:\n${output()}`)), 60_000));
      const exit = await Promise.race([exited, timeout]);
      expect(exit.code).not.toBe(0);
      expect(exit.code).not.toBeNull();
      const lines = output()
        .split('\n')
        .filter((l) => l.trim());
      expect(lines, output()).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^Schoolpols could not start: Cannot reach PostgreSQL at postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/nowhere: /,
      );
      expect(output()).not.toContain('s3cretpw');
      expect(output()).not.toMatch(/\n\s+at /);
    },
    90_000,
  );
});
