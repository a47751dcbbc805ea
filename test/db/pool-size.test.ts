import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/platform/config.ts';
import { openConfiguredStore } from '../../server/platform/store.ts';
import { itOn, useStore } from '../helpers/store.ts';

describe('DATABASE_POOL_SIZE', () => {
  it('is 10 unless set, and a value outside 2–100 is refused by name', () => {
    expect(loadConfig({}).DATABASE_POOL_SIZE).toBe(10);
    expect(loadConfig({ DATABASE_POOL_SIZE: '4' }).DATABASE_POOL_SIZE).toBe(4);
    for (const bad of ['1', '101', 'many', '2.5']) expect(() => loadConfig({ DATABASE_POOL_SIZE: bad })).toThrow(/DATABASE_POOL_SIZE/);
  });

  const store = useStore();
  itOn('postgres', 'bounds the connections a process opens: more statements at once wait for one', async () => {
    const configured = await openConfiguredStore(loadConfig({ DATABASE_URL: store.url!, DATABASE_POOL_SIZE: '3' }));
    try {
      // Eight statements at once, each holding its connection a moment: on a pool of 3 they share three backends.
      const pids = await Promise.all(
        Array.from({ length: 8 }, () =>
          sql<{ pid: number }>`select pg_backend_pid() as pid, pg_sleep(0.1)`.execute(configured.db).then((r) => r.rows[0]!.pid),
        ),
      );
      expect(new Set(pids).size).toBe(3);
    } finally {
      await configured.close();
    }
  });
});
