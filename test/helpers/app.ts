import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../server/app.ts';
import { loadConfig, type Config } from '../../server/platform/config.ts';
import type { Store } from '../../server/db/connect.ts';
import type { Kysely } from 'kysely';
import type { Database } from '../../server/db/schema.ts';
import { generateMasterKeyText, parseMasterKey } from '../../server/encryption/master-key.ts';
import { WaveKeys } from '../../server/encryption/wave-keys.ts';

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

export async function testApp(
  store: Store,
  options: { config?: Config; logs?: LogCapture } = {},
): Promise<FastifyInstance> {
  const config = options.config ?? testConfig(options.logs ? { LOG_LEVEL: 'debug' } : {});
  const app = await buildApp({ config, store, master: testMaster, ...(options.logs ? { logStream: options.logs } : {}) });
  await app.ready();
  return app;
}
