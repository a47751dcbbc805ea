import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../server/app.ts';
import { loadConfig, type Config } from '../../server/config.ts';
import type { Store } from '../../server/db/connect.ts';

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
  const app = await buildApp({ config, store, ...(options.logs ? { logStream: options.logs } : {}) });
  await app.ready();
  return app;
}
