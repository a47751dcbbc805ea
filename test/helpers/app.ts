import { Writable } from 'node:stream';
import { afterAll, beforeAll } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../server/app.ts';
import { loadConfig, type Config } from '../../server/platform/config.ts';
import type { Store } from '../../server/db/connect.ts';
import type { Kysely } from 'kysely';
import type { Database } from '../../server/db/schema.ts';
import { generateMasterKeyText, parseMasterKey } from '../../server/encryption/master-key.ts';
import { WaveKeys } from '../../server/encryption/wave-keys.ts';
import { testStore, type TestStore } from './store.ts';

/** The master key of this test process: every app, every `testKeys` and every CLI child (as SCHOOLPOLS_KEY) share it, as instances of one deployment do. */
export const testMasterText = generateMasterKeyText();
export const testMaster = parseMasterKey(testMasterText);

const keysByDb = new WeakMap<Kysely<Database>, WaveKeys>();
/** Wave keys under the test master key, for tests that seal or store without an app (one per database handle). */
export function testKeys(db: Kysely<Database>): WaveKeys {
  let keys = keysByDb.get(db);
  if (!keys) keysByDb.set(db, (keys = new WaveKeys(db, testMaster)));
  return keys;
}

/** Collects every log line the app writes, to prove what is never logged. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: string, done: () => void) {
    this.lines.push(chunk.toString());
    done();
  }
  get text(): string {
    return this.lines.join('');
  }
}

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({ LOG_LEVEL: 'silent', ...overrides });
}

export async function testApp(store: Store, options: { config?: Config; logs?: LogCapture } = {}): Promise<FastifyInstance> {
  const config = options.config ?? testConfig(options.logs ? { LOG_LEVEL: 'debug' } : {});
  const app = await buildApp({ config, store, master: testMaster, ...(options.logs ? { logStream: options.logs } : {}) });
  await app.ready();
  return app;
}

/** A stand-in for a value made in `beforeAll`: read it from tests and later hooks, not while they are collected. */
function later<T extends object>(read: () => T | undefined, who: string): T {
  return new Proxy({} as T, {
    get(_target, key) {
      const value = read();
      if (!value) throw new Error(`${who}: made in beforeAll; read it from a test or a later hook`);
      const got = Reflect.get(value, key) as unknown;
      return typeof got === 'function' ? (got as (...args: unknown[]) => unknown).bind(value) : got;
    },
  });
}

/**
 * A fresh store and an app on it for the tests of one file or `describe` (made in beforeAll, closed
 * and dropped in afterAll): `const { store, app } = useApp();`.
 */
export function useApp(options: { config?: Config; logs?: LogCapture } = {}): { store: TestStore; app: FastifyInstance } {
  let store: TestStore | undefined;
  let app: FastifyInstance | undefined;
  beforeAll(async () => {
    store = await testStore();
    app = await testApp(store, options);
  });
  afterAll(async () => {
    await app?.close();
    await store?.drop();
  });
  return { store: later(() => store, 'useApp()'), app: later(() => app, 'useApp()') };
}
