import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testStore, storeKind, type TestStore } from '../helpers/store.ts';
import { preparedDataDir } from '../helpers/data-dir.ts';
import { agent, cookieFrom, csrfIn, postForm, request, type HttpResult } from '../helpers/hardening-http.ts';
import { startServer, type ServerProcess } from '../helpers/hardening-server.ts';
import { generateMasterKeyText } from '../../server/encryption/master-key.ts';
import { DEMO_PASSWORD } from '../../server/demo/demo.ts';
import { MAX_IMPORT_LINES } from '../../server/admin/school-import.ts';
import { UPLOAD_LIMITS } from '../../server/platform/body-policy.ts';

/**
 * Issue 16: no request freezes the event loop. Each hostile body — a school CSV of 16,000 blank
 * lines (the import counted lines quadratically: 17 s), 20,000 multipart parts (the hand-written
 * parser copied its field array per part: 50 s), a 200 KB nested JSON body to a teacher route
 * or the login form (100–250 ms to parse) — is answered with a 4xx or processed, while `GET /healthz`, sent over a
 * real socket to the real server (a child process) again and again during it, is answered within
 * a second every time.
 *
 * Why a second and not less: CI runs two test files at once on two cores, beside PostgreSQL, and a
 * healthy server's /healthz was seen there at 242 ms. The freezes this guards against lasted 17 s and
 * 50 s; the nested JSON is also held to its 415 before parsing, which no timing could show.
 */

const HEALTH_MS = 1_000;

describe(`no request freezes the event loop (${storeKind})`, () => {
  let store: TestStore | null = null;
  let dir: string | null = null;
  let server: ServerProcess;
  let cookie: string;
  let csrf: string;
  const pings = agent(4);

  beforeAll(async () => {
    // The labelled demo network, for its admin (the demo is exempt from two-step verification).
    if (storeKind === 'postgres') {
      store = await testStore({ migrate: false });
      server = await startServer(
        { DATABASE_URL: store.url!, SCHOOLPOLS_KEY: generateMasterKeyText() },
        { args: ['--demo'], timeoutMs: 180_000 },
      );
    } else {
      dir = await mkdtemp(path.join(tmpdir(), 'schoolpols-loop-'));
      server = await startServer({ DATA_DIR: await preparedDataDir(dir) }, { args: ['--demo'], timeoutMs: 180_000 });
    }
    const page = await request(server.url, { path: '/login', headers: { accept: 'text/html' } });
    const form = cookieFrom(page.headers, /sp_login$/) ?? cookieFrom(page.headers, /sp_session$/) ?? '';
    const login = await postForm(
      server.url,
      '/login',
      { _csrf: csrfIn(page.body)!, email: 'admin@demo.schoolpols.be', password: DEMO_PASSWORD },
      { headers: { cookie: form } },
    );
    expect(login.status, login.body).toBe(303);
    cookie = cookieFrom(login.headers, /sp_session$/)!;
    const importPage = await request(server.url, { path: '/admin/schools/import', headers: { accept: 'text/html', cookie } });
    expect(importPage.status).toBe(200);
    csrf = csrfIn(importPage.body)!;
  }, 240_000);
  afterAll(async () => {
    pings.destroy();
    await server?.kill();
    await store?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Sends `heavy` and, until it is answered, one /healthz after another; the answer and every /healthz time. */
  async function whileHealthy(heavy: () => Promise<HttpResult>): Promise<{ res: HttpResult; times: number[] }> {
    let answered = false;
    const pending = heavy().finally(() => (answered = true));
    const times: number[] = [];
    do {
      const start = performance.now();
      const health = await request(server.url, { path: '/healthz', agent: pings, timeoutMs: 30_000 });
      times.push(performance.now() - start);
      expect(health.status).toBe(200);
      await new Promise((r) => setTimeout(r, 5));
    } while (!answered);
    return { res: await pending, times };
  }

  const multipart = (parts: Array<{ name: string; value: string; filename?: string }>) => {
    const boundary = '----schoolpols-loop';
    const body =
      parts
        .map(
          (p) =>
            `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"${p.filename ? `; filename="${p.filename}"\r\nContent-Type: text/csv` : ''}\r\n\r\n${p.value}\r\n`,
        )
        .join('') + `--${boundary}--\r\n`;
    return { body, type: `multipart/form-data; boundary=${boundary}` };
  };
  const upload = (body: string, type: string) =>
    request(server.url, {
      method: 'POST',
      path: '/admin/schools/import',
      body,
      headers: { 'content-type': type, accept: 'text/html', cookie },
    });

  it('a school CSV of 16,000 blank lines, as a file and as pasted text: processed (no rows), /healthz answered meanwhile', async () => {
    const csv = 'naam;benchmarkgroep;personeel\n' + '\n'.repeat(16_000);
    const file = multipart([
      { name: '_csrf', value: csrf },
      { name: 'file', value: csv, filename: 'scholen.csv' },
    ]);
    for (const send of [
      () => upload(file.body, file.type),
      () => postForm(server.url, '/admin/schools/import', { _csrf: csrf, text: csv }, { headers: { cookie } }),
    ]) {
      const { res, times } = await whileHealthy(send);
      expect(res.status, res.body.slice(0, 500)).toBe(422);
      expect(res.body).toContain('Het bestand heeft een kopregel maar geen scholen.');
      expect(Math.max(...times), times.join(', ')).toBeLessThan(HEALTH_MS);
    }
  }, 120_000);

  it(`a school CSV past ${MAX_IMPORT_LINES} lines is refused naming the line, without parsing it`, async () => {
    const csv = 'naam;benchmarkgroep;personeel\n' + 'School;basis;3\n' + '\n'.repeat(2_000_000);
    const file = multipart([
      { name: '_csrf', value: csrf },
      { name: 'file', value: csv, filename: 'scholen.csv' },
    ]);
    const { res, times } = await whileHealthy(() => upload(file.body, file.type));
    expect(res.status).toBe(422);
    expect(res.body).toContain(`meer dan ${MAX_IMPORT_LINES} regels`);
    expect(res.body).toContain(`${MAX_IMPORT_LINES + 1}`);
    expect(Math.max(...times), times.join(', ')).toBeLessThan(HEALTH_MS);
  }, 120_000);

  it('20,000 multipart parts: 413 naming the limit, /healthz answered meanwhile', async () => {
    const parts = [{ name: '_csrf', value: csrf }, ...Array.from({ length: 20_000 }, (_, i) => ({ name: `f${i}`, value: 'x' }))];
    const { body, type } = multipart(parts);
    const { res, times } = await whileHealthy(() => upload(body, type));
    expect(res.status).toBe(413);
    // Plain fields reach busboy's field limit first; file parts its file limit; mixed ones the part limit.
    expect(res.body).toContain(`te veel velden: hoogstens ${UPLOAD_LIMITS.fields}`);
    expect(Math.max(...times), times.join(', ')).toBeLessThan(HEALTH_MS);
  }, 120_000);

  it('20,000 file parts, and 20,000 parts alternating fields and files: 413 naming the limit', async () => {
    const files = multipart([
      { name: '_csrf', value: csrf },
      ...Array.from({ length: 20_000 }, (_, i) => ({ name: 'file', value: 'x', filename: `f${i}.csv` })),
    ]);
    const mixed = multipart([
      { name: '_csrf', value: csrf },
      ...Array.from({ length: 20_000 }, (_, i) =>
        i % 2 ? { name: 'text', value: 'x' } : { name: 'file', value: 'x', filename: `f${i}.csv` },
      ),
    ]);
    for (const [{ body, type }, message] of [
      [files, `Stuur hoogstens ${UPLOAD_LIMITS.files} bestand tegelijk`],
      [mixed, /te veel (onderdelen|velden): hoogstens \d+|Stuur hoogstens 1 bestand/],
    ] as const) {
      const { res, times } = await whileHealthy(() => upload(body, type));
      expect(res.status).toBe(413);
      expect(res.body).toMatch(message);
      expect(Math.max(...times), times.join(', ')).toBeLessThan(HEALTH_MS);
    }
  }, 120_000);

  it('a 200 KB nested JSON body to a teacher route or the login form: 415 before it is parsed, /healthz answered meanwhile', async () => {
    const nested = '{"a":'.repeat(40_000) + '1' + '}'.repeat(40_000);
    expect(nested.length).toBeGreaterThan(200_000);
    // Open to anyone: the teacher forms and the login form (the app takes no JSON anywhere).
    for (const route of ['/submit', '/answer', '/login']) {
      const { res, times } = await whileHealthy(() =>
        request(server.url, {
          method: 'POST',
          path: `${route}?lang=en`,
          body: nested,
          headers: { 'content-type': 'application/json', accept: 'text/html' },
        }),
      );
      expect(res.status).toBe(415);
      expect(res.body).toContain('accepts plain form data only');
      expect(Math.max(...times), times.join(', ')).toBeLessThan(HEALTH_MS);
    }
  }, 120_000);
});
