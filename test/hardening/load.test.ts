import { afterAll, describe, expect } from 'vitest';
import { itOn, testStore, storeKind, type TestStore } from '../helpers/store.ts';
import { fullAnswers, openWaveWithCodes } from '../helpers/fixtures.ts';
import { agent, pool, postForm } from '../helpers/hardening-http.ts';
import { startServer, type ServerProcess } from '../helpers/hardening-server.ts';

/**
 * Load (issue 9) on the real server (a child process) over real HTTP: 2,000 submissions over 50
 * connections store exactly 2,000 responses and spend exactly 2,000 codes; 200 simultaneous
 * submissions of one code store exactly one. No timing is asserted (shared CI machines).
 */

describe(`load on the real server (${storeKind})`, () => {
  let store: TestStore;
  let server: ServerProcess | null = null;
  afterAll(async () => {
    await server?.kill();
    await store?.drop();
  });

  const count = async (waveId: string) => {
    const n = async (spentOnly: boolean) => {
      // While the wave is open its responses are sealed boxes.
      let q = store.db
        .selectFrom(spentOnly ? 'access_code' : 'encrypted_response')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('wave_id', '=', waveId);
      if (spentOnly) q = q.where('spent', '=', true);
      return Number((await q.executeTakeFirstOrThrow()).n);
    };
    return { responses: await n(false), spent: await n(true) };
  };

  itOn(
    'postgres',
    'stores 2,000 submissions over 50 connections: 2,000 responses, 2,000 spent codes',
    async () => {
      store = await testStore();
      const { codes, waveId } = await openWaveWithCodes(store.db, 2000);
      server = await startServer({ DATABASE_URL: store.url! });
      const http = agent(50);
      const statuses = await pool(codes, 50, (code, i) =>
        postForm(server!.url, '/submit', fullAnswers(code, i), { agent: http }).then((r) => r.status),
      );
      http.destroy();
      const tally: Record<string, number> = {};
      for (const s of statuses) tally[s] = (tally[s] ?? 0) + 1;
      expect(tally).toEqual({ 303: 2000 });
      expect(await count(waveId)).toEqual({ responses: 2000, spent: 2000 });
    },
    300_000,
  );

  itOn(
    'postgres',
    'stores exactly one of 200 simultaneous submissions of one code',
    async () => {
      const { codes, waveId } = await openWaveWithCodes(store.db, 1);
      const http = agent(200);
      // All 200 requests are written before any answer is read: they race inside the server.
      const statuses = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          postForm(server!.url, '/submit', fullAnswers(codes[0]!, i), { agent: http }).then((r) => r.status),
        ),
      );
      http.destroy();
      expect(statuses.filter((s) => s === 303)).toHaveLength(1);
      // Refused as an unknown code would be (404) — and, a used code counting as a failed try, one
      // client soon throttled (429).
      expect(statuses.filter((s) => s === 404 || s === 429)).toHaveLength(199);
      expect(statuses.filter((s) => s === 404).length).toBeGreaterThanOrEqual(10);
      expect(await count(waveId)).toEqual({ responses: 1, spent: 1 });
    },
    180_000,
  );
});
