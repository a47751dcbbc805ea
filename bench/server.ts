/**
 * The application as a child process, started with the command line of `npm start` (read from
 * package.json, so the two cannot drift), so its memory can be read from `/proc/<pid>/status` while it is under load, plus a
 * signed-in staff client over real HTTP.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface ServerChild {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  port: number;
  pid: number;
  /** stderr and non-JSON stdout of the child, for error messages */
  output(): string;
  stop(): Promise<void>;
}

/** `npm start` is `node <args>`; its arguments, for the same node binary as the benchmark's. */
export function startArguments(): string[] {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const [command, ...args] = pkg.scripts.start.trim().split(/\s+/);
  if (command !== 'node') throw new Error(`npm start must run node directly, not "${command}"`);
  return args;
}

export async function startServer(env: { DATABASE_URL?: string; DATA_DIR?: string }): Promise<ServerChild> {
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    SESSION_SECRET: randomBytes(32).toString('base64url'),
  };
  delete childEnv['DATABASE_URL'];
  delete childEnv['DATA_DIR'];
  // Slips and QR codes need a public address outside the demo; the benchmark prints none.
  childEnv['PUBLIC_URL'] = 'https://schoolpols.bench.invalid';
  if (env.DATABASE_URL) childEnv['DATABASE_URL'] = env.DATABASE_URL;
  if (env.DATA_DIR) childEnv['DATA_DIR'] = env.DATA_DIR;
  const child: ChildProcess = spawn(process.execPath, startArguments(), { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-20_000)));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the server did not start within 60 s:\n${log}${out}`)), 60_000);
    child.stdout!.on('data', (c: Buffer) => {
      const text = c.toString();
      out += text;
      log = (log + text).slice(-20_000);
      const m = /running at (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!.replace('localhost', '127.0.0.1'));
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with ${code} before listening:\n${log}${out}`));
    });
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return {
    url,
    port: Number(new URL(url).port),
    pid: child.pid!,
    output: () => log,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A signed-in staff member: the session cookie from the login form, as a browser would. */
export async function signIn(baseUrl: string, email: string, password: string): Promise<string> {
  const page = await fetch(`${baseUrl}/login`, { headers: { accept: 'text/html' }, redirect: 'manual' });
  const html = await page.text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  const first = cookieOf(page.headers);
  if (!csrf || !first) throw new Error(`no login form at ${baseUrl}/login (status ${page.status})`);
  const res = await fetch(`${baseUrl}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: first, accept: 'text/html' },
    body: new URLSearchParams({ email, password, _csrf: csrf }).toString(),
  });
  await res.arrayBuffer();
  const cookie = cookieOf(res.headers);
  if (res.status !== 303 || !cookie) throw new Error(`login as ${email} failed: ${res.status}`);
  return cookie;
}

function cookieOf(headers: Headers): string | null {
  for (const c of headers.getSetCookie()) {
    const [pair] = c.split(';');
    if (pair && /sp_session=/.test(pair)) return pair;
  }
  return null;
}

/** GET a page completely (all bytes read), returning its time and size. */
export async function timedGet(url: string, cookie: string): Promise<{ ms: number; status: number; bytes: number; body: string }> {
  const t0 = performance.now();
  const res = await fetch(url, { headers: { cookie, accept: 'text/html' }, redirect: 'manual' });
  const body = await res.text();
  return { ms: performance.now() - t0, status: res.status, bytes: Buffer.byteLength(body), body };
}
