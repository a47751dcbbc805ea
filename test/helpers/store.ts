import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { openStore, type Store } from '../../server/db/connect.ts';
import { migrateToLatest } from '../../server/db/migrate.ts';
import { emptySnapshot, migratedSnapshot } from './pglite-snapshot.ts';

/**
 * A fresh, migrated store for one test file: in-memory PGlite by default, or — when
 * TEST_DATABASE_URL names a PostgreSQL server — a database of its own on that server, dropped at
 * the end, so test files can run in parallel.
 */
export interface TestStore extends Store {
  /** The URL of the per-file database (PostgreSQL only), for child processes. */
  url?: string;
  drop(): Promise<void>;
}

export const serverUrl = process.env.TEST_DATABASE_URL || undefined;
export const storeKind: 'postgres' | 'pglite' = serverUrl ? 'postgres' : 'pglite';

const storeLabel = { postgres: 'PostgreSQL', pglite: 'PGlite' } as const;
function announceSkip(kind: 'postgres' | 'pglite', name: string): void {
  process.stderr.write(
    `!!! SKIPPED on ${storeLabel[storeKind]}: "${name}" runs on ${storeLabel[kind]} only (npm test${kind === 'postgres' ? ' with TEST_DATABASE_URL' : ''}; CI runs both) !!!\n`,
  );
}

/** A test that needs one kind of store: on the other it is skipped, and says so in the run's output. */
export function itOn(kind: 'postgres' | 'pglite', name: string, fn: () => Promise<void> | void, timeout?: number): void {
  if (storeKind !== kind) announceSkip(kind, name);
  it.runIf(storeKind === kind)(name, fn, timeout);
}

/** A group of tests that needs one kind of store (skipped on the other, loudly). */
export function describeOn(kind: 'postgres' | 'pglite', name: string, fn: () => void): void {
  if (storeKind !== kind) announceSkip(kind, name);
  describe.runIf(storeKind === kind)(name, fn);
}

export async function testStore(options: { migrate?: boolean } = {}): Promise<TestStore> {
  const migrate = options.migrate ?? true;
  if (!serverUrl) {
    // From a snapshot when there is one: no initdb, and migrating the migrated one is a no-op check.
    const snapshot = migrate ? await migratedSnapshot() : await emptySnapshot();
    const store = await openStore({ pgliteDir: 'memory://', ...(snapshot ? { pgliteDataDir: snapshot } : {}) });
    if (migrate) await migrateToLatest(store.db);
    return { ...store, drop: () => store.close() };
  }
  const name = `sp_test_${randomBytes(6).toString('hex')}`;
  await admin(serverUrl, `create database ${name}`);
  const url = withDatabase(serverUrl, name);
  const store = await openStore({ databaseUrl: url, poolSize: 30, onConnectionError: () => {} });
  if (migrate) await migrateToLatest(store.db);
  return {
    ...store,
    url,
    drop: async () => {
      await store.close();
      await admin(serverUrl, `drop database if exists ${name} with (force)`);
    },
  };
}

/**
 * A fresh store for the tests of one file or `describe`: made before they run, dropped after
 * (vitest's beforeAll/afterAll). Read it from inside tests and hooks, not while they are collected.
 */
export function useStore(options: { migrate?: boolean } = {}): TestStore {
  let store: TestStore | undefined;
  beforeAll(async () => {
    store = await testStore(options);
  });
  afterAll(async () => {
    await store?.drop();
  });
  return new Proxy({} as TestStore, {
    get(_target, key) {
      if (!store) throw new Error('useStore(): the store is made in beforeAll; read it from a test or a later hook');
      return Reflect.get(store, key);
    },
  });
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function admin(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
