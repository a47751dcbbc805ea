/**
 * The application as a child process, started with the command line of `npm start` (read from
 * package.json, so the two cannot drift), so its memory can be read from `/proc/<pid>/status` while it is under load, plus a
 * signed-in staff client over real HTTP.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { generate } from 'otplib';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { httpLoad, plainGet } from './http-load.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface ServerChild {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  port: number;
  pid: number;
  /** stderr and non-JSON stdout of the child, for error messages */
  output(): string;
  /** Writes a line into the SERVER_LOG file between what the server printed (a phase's start, say). */
  mark(text: string): void;
  stop(): Promise<void>;
}

/** `npm start` is `node <args>`; its arguments, for the same node binary as the benchmark's. */
export function startArguments(): string[] {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const [command, ...args] = pkg.scripts.start.trim().split(/\s+/);
  if (command !== 'node') throw new Error(`npm start must run node directly, not "${command}"`);
  return args;
}

const SESSION_SECRET = randomBytes(32).toString('base64url');

/** `nodeArgs`: extra options for node before the script (a probe's `--cpu-prof`, say). */
export async function startServer(env: { DATABASE_URL?: string; DATA_DIR?: string }, nodeArgs: string[] = []): Promise<ServerChild> {
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    // One secret for every server of the run, as instances of one deployment share it (it also
    // seals the TOTP secrets of staff accounts).
    SESSION_SECRET,
  };
  delete childEnv['DATABASE_URL'];
  delete childEnv['DATA_DIR'];
  // Slips and QR codes need a public address outside the demo; the benchmark prints none.
  childEnv['PUBLIC_URL'] = 'https://schoolpols.bench.invalid';
  if (env.DATABASE_URL) childEnv['DATABASE_URL'] = env.DATABASE_URL;
  if (env.DATA_DIR) childEnv['DATA_DIR'] = env.DATA_DIR;
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, ...startArguments()], {
    cwd: ROOT,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  // SERVER_LOG=file: all the server printed, not only its last 20,000 characters (V8 traces, say);
  // each server started writes the file afresh.
  const whole = process.env['SERVER_LOG'] ? createWriteStream(process.env['SERVER_LOG']) : undefined;
  if (whole) {
    // Two sources into one file: neither may end it for the other (nor for a mark written later).
    child.stdout!.pipe(whole, { end: false });
    child.stderr!.pipe(whole, { end: false });
    child.on('exit', () => whole.end());
  }
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
    mark: (text) => {
      if (whole && !whole.writableEnded) whole.write(`\n### ${text}\n`);
    },
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
/** TOTP secrets of accounts this run enrolled, and the last time step each used (a code works once). */
const totp = new Map<string, { secret: string; lastStep: number }>();

async function nextCode(email: string): Promise<string> {
  const entry = totp.get(email)!;
  let now = Math.floor(Date.now() / 1000);
  // The app accepts the current step and the next one; beyond that, wait.
  if (entry.lastStep + 1 > Math.floor(now / 30) + 1) await new Promise((r) => setTimeout(r, (entry.lastStep * 30 - now) * 1000 + 100));
  now = Math.floor(Date.now() / 1000);
  const step = Math.max(Math.floor(now / 30), entry.lastStep + 1);
  entry.lastStep = step;
  return generate({ secret: entry.secret, epoch: step * 30 });
}

/**
 * Signs in as a person would, returning the session cookie: the login form (its CSRF token and
 * form cookie), the password, then the two-step code — enrolling first, as an admin must, the first
 * time (the secret is read off the enrolment page, as an authenticator app would scan it).
 */
export async function signIn(baseUrl: string, email: string, password: string): Promise<string> {
  const jar = new Map<string, string>();
  const send = async (path: string, body?: Record<string, string>) => {
    const headers: Record<string, string> = { accept: 'text/html', cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') };
    if (body) headers['content-type'] = 'application/x-www-form-urlencoded';
    const res = await fetch(`${baseUrl}${path}`, {
      method: body ? 'POST' : 'GET',
      redirect: 'manual',
      headers,
      ...(body ? { body: new URLSearchParams(body).toString() } : {}),
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const at = pair!.indexOf('=');
      jar.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
    return { status: res.status, location: res.headers.get('location') ?? '', html: await res.text() };
  };
  const csrfIn = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  const form = await send('/login');
  const csrf = csrfIn(form.html);
  if (!csrf) throw new Error(`no login form at ${baseUrl}/login (status ${form.status})`);
  let res = await send('/login', { email, password, _csrf: csrf });
  if (res.status !== 303) throw new Error(`login as ${email} failed: ${res.status}`);
  if (res.location.startsWith('/login/code')) {
    const page = await send(res.location);
    res = await send('/login/code', { code: await nextCode(email), _csrf: csrfIn(page.html) ?? '' });
    if (res.status !== 303) throw new Error(`login code for ${email} refused: ${res.status}`);
  }
  if (res.location === '/account/two-factor') {
    const page = await send('/account/two-factor');
    const secret = /<code id="totp-secret"[^>]*>([A-Z2-7 ]+)<\/code>/.exec(page.html)?.[1]?.replace(/ /g, '');
    if (!secret) throw new Error(`no enrolment page for ${email}: ${page.status}`);
    totp.set(email, { secret, lastStep: 0 });
    res = await send('/account/two-factor', { code: await nextCode(email), _csrf: csrfIn(page.html) ?? '' });
    if (res.status !== 303) throw new Error(`enrolment of ${email} refused: ${res.status}`);
  }
  const session = [...jar].find(([name]) => /sp_session$/.test(name));
  if (!session) throw new Error(`login as ${email} gave no session cookie`);
  return `${session[0]}=${session[1]}`;
}

/** GET a page completely (all bytes read), returning its time and size. */
export async function timedGet(url: string, cookie: string): Promise<{ ms: number; status: number; bytes: number; body: string }> {
  const t0 = performance.now();
  const res = await fetch(url, { headers: { cookie, accept: 'text/html' }, redirect: 'manual' });
  const body = await res.text();
  return { ms: performance.now() - t0, status: res.status, bytes: Buffer.byteLength(body), body };
}

/**
 * Pages asked for at the same moment, each over a connection of its own as each rep's browser
 * opens one, through the load generator of the submission benchmark (`httpLoad`): requests made as
 * bytes beforehand, bodies counted rather than read into strings. The client shares the server's
 * two cores; `fetch` cost it 2.4–3.3 ms of CPU a dashboard there, a quarter of what the server spends
 * on one, where this costs 1.2–1.6 (issue 17). Latency runs from the connect to the last byte. Every
 * answer must be a 200.
 */
export async function surgeRound(url: string, cookie: string, paths: readonly string[]): Promise<{ ms: number[]; bytes: number }> {
  const target = new URL(url);
  const requests = paths.map((p) => plainGet(target.host, p, { cookie, accept: 'text/html' }));
  const r = await httpLoad({ host: target.hostname, port: Number(target.port) }, requests, requests.length);
  if ((r.statusCounts['200'] ?? 0) !== paths.length)
    throw new Error(`pages answered ${JSON.stringify(r.statusCounts)} (errors: ${r.errors})`);
  return { ms: r.latenciesMs, bytes: r.maxBodyBytes };
}

/** `surgeRound` through `fetch`, one request per page at once (row 2g, `CLIENT=fetch` in the probes). */
export async function fetchRound(url: string, cookie: string, paths: readonly string[]): Promise<{ ms: number[]; bytes: number }> {
  const answers = await Promise.all(paths.map((p) => timedGet(url + p, cookie)));
  const refused = answers.find((r) => r.status !== 200);
  if (refused) throw new Error(`a page answered ${refused.status}`);
  return { ms: answers.map((r) => r.ms), bytes: Math.max(0, ...answers.map((r) => r.bytes)) };
}
