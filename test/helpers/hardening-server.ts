import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { request } from './hardening-http.ts';
import { testMaster } from './app.ts';

/**
 * The real server (`server/main.ts`) as a child process, for fault, load and multi-instance tests.
 * It runs as `node --import tsx server/main.ts` — what `npx tsx server/main.ts` does, but as one
 * process, so SIGKILL reaches the server itself and not only a wrapper.
 */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** stdout and stderr so far */
  output(): string;
  exited: Promise<Exit>;
  /** SIGTERM (graceful: close-with-grace closes the store) and wait for the exit. */
  stop(): Promise<Exit>;
  /** SIGKILL and wait for the exit. */
  kill(): Promise<Exit>;
}

/**
 * What a production start on PostgreSQL must be given (server/platform/startup.ts, the master key of
 * design §4): one session secret for every instance of a test run, and this test process's master
 * key, so that waves a test seals itself (`testKeys`) and the servers it starts agree.
 */
export const SERVER_SECRETS = {
  SESSION_SECRET: 'Fq3zR8wYc1LkV0pN5tHs7Jm2Xb9Dg4Ae6Ui8Oy1Tr',
  PUBLIC_URL: 'https://schoolpols.test',
  SCHOOLPOLS_KEY: `spk1_${testMaster.key.toString('base64url')}`,
};

/**
 * Starts `server/main.ts` with `env` (on top of a clean environment) and waits until it is ready.
 * On PostgreSQL, SESSION_SECRET, PUBLIC_URL and SCHOOLPOLS_KEY default to SERVER_SECRETS (an `env` value, even
 * '', overrides them; an empty value counts as unset). `args` go to `npm start` (e.g. `--demo`).
 */
export function spawnServer(
  env: Record<string, string>,
  args: readonly string[] = [],
): { child: ChildProcess; output: () => string; exited: Promise<Exit> } {
  const base: Record<string, string> = {};
  // Only what Node needs; no DATABASE_URL or other Schoolpols setting leaks in from the test run.
  for (const key of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ']) if (process.env[key]) base[key] = process.env[key]!;
  const production = env['DATABASE_URL'] ? SERVER_SECRETS : {};
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts', ...args], {
    cwd: ROOT,
    env: { ...base, LOG_LEVEL: 'warn', HOST: '127.0.0.1', ...production, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, output: () => out, exited };
}

export async function startServer(
  env: Record<string, string>,
  options: { timeoutMs?: number; args?: readonly string[] } = {},
): Promise<ServerProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const { child, output, exited } = spawnServer({ PORT: String(port), ...env }, options.args);
  let gone: Exit | null = null;
  void exited.then((e) => (gone = e));
  const deadline = Date.now() + (options.timeoutMs ?? 90_000);
  for (;;) {
    if (gone) throw new Error(`server exited before it was ready (${JSON.stringify(gone)}):\n${output()}`);
    try {
      const res = await request(url, { path: '/healthz', timeoutMs: 5_000 });
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server not ready in time:\n${output()}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const signal = async (s: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(s);
    return exited;
  };
  return { url, child, output, exited, stop: () => signal('SIGTERM'), kill: () => signal('SIGKILL') };
}
