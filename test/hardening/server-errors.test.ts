/**
 * The one error handler (server/platform/plugins/errors.ts), as fastify/demo tests its own: a route that
 * throws an error full of internals gets a 5xx that says nothing internal, as a page and as JSON,
 * in Dutch and English (the details go to the log only); a refusal (`HttpProblem`) is answered in
 * the language of the request; a NUL character is refused in it too; and route ids are UUIDs
 * exactly as `isUuid` says.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { testStore, storeKind, type TestStore } from '../helpers/store.ts';
import { LogCapture, testConfig, testMaster } from '../helpers/app.ts';
import { buildApp } from '../../server/app.ts';
import { translator, LANGS } from '../../server/platform/i18n.ts';
import { HttpProblem, isUuid } from '../../server/platform/problems.ts';
import { WaveParams } from '../../server/platform/http-schemas.ts';

const PUBLIC = { access: 'public', csrf: false } as const;
const SQL = 'select password_hash from app_user where email = $1';
const PATH = '/srv/schoolpols/server/db/secret-store.ts';
const HOST = '10.20.30.40:5432';
/** What no answer may contain: the internals of the thrown errors, and any stack frame or source path. */
const INTERNAL = [
  SQL,
  'password_hash',
  'app_user',
  PATH,
  'secret-store',
  HOST,
  'ECONNREFUSED',
  'TypeError',
  'node_modules',
  'server-errors.test',
  'stack',
];
const STACK_FRAME = /\bat \S+ \(|\.ts:\d+|\.js:\d+/;

const ACCEPT = { html: 'text/html,application/xhtml+xml', json: 'application/json' } as const;

describe(`one error handler: nothing internal in a 5xx, refusals in the request's language (${storeKind})`, () => {
  let store: TestStore;
  let app: FastifyInstance;
  const logs = new LogCapture();
  let stackLine = '';

  beforeAll(async () => {
    store = await testStore();
    // Built as testApp builds it, with routes of this test added before it is ready.
    app = await buildApp({ config: testConfig({ LOG_LEVEL: 'debug' }), store, master: testMaster, logStream: logs });
    app.get('/test/boom', { config: PUBLIC }, async () => {
      const err = new TypeError(`cannot read "id" of undefined in ${SQL} (${PATH})`);
      stackLine = err.stack!.split('\n')[1]!.trim();
      throw Object.assign(err, { query: SQL, file: PATH });
    });
    app.get('/test/unavailable', { config: PUBLIC }, async () => {
      throw Object.assign(new Error(`connect ECONNREFUSED ${HOST} reading ${PATH}`), { statusCode: 503, code: 'ECONNREFUSED' });
    });
    app.get('/test/refused', { config: PUBLIC }, async () => {
      throw new HttpProblem(409, 'dashboard.openWave');
    });
    app.get('/test/refused-with-params', { config: PUBLIC }, async () => {
      throw new HttpProblem(429, 'account.signIn.locked', { count: 3 });
    });
    app.get('/test/waves/:waveId', { config: PUBLIC, schema: { params: WaveParams } }, async () => ({ ok: true }));
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await store?.drop();
  });

  const get = (url: string, accept: string) => app.inject({ method: 'GET', url, headers: { accept } });

  function expectNothingInternal(res: LightMyRequestResponse, where: string) {
    for (const s of INTERNAL) expect(res.body, `${where} contains ${s}`).not.toContain(s);
    expect(res.body, `${where} holds a stack frame`).not.toMatch(STACK_FRAME);
    if (stackLine) expect(res.body).not.toContain(stackLine);
  }

  it('answers a thrown error with a 5xx that says nothing internal, as a page and as JSON, in Dutch and in English', async () => {
    for (const [url, status] of [
      ['/test/boom', 500],
      ['/test/unavailable', 503],
    ] as const) {
      for (const lang of LANGS) {
        const t = translator(lang);
        const page = await get(`${url}?lang=${lang}`, ACCEPT.html);
        expect(page.statusCode, url).toBe(status);
        expect(page.headers['content-type']).toMatch(/^text\/html/);
        expect(page.body).toContain(`<html lang="${lang}">`);
        expect(page.body).toContain(t('error.serverTitle'));
        expect(page.body).toContain(t('error.server'));
        expectNothingInternal(page, `${url} ${lang} page`);

        const json = await get(`${url}?lang=${lang}`, ACCEPT.json);
        expect(json.statusCode, url).toBe(status);
        expect(json.headers['content-type']).toMatch(/^application\/json/);
        expect(json.json()).toEqual({
          statusCode: status,
          error: status === 500 ? 'Internal Server Error' : 'Service Unavailable',
          message: t('error.server'),
        });
        expectNothingInternal(json, `${url} ${lang} JSON`);
      }
    }
    expect(translator('nl')('error.server')).not.toBe(translator('en')('error.server'));
    expect(stackLine).toMatch(STACK_FRAME);
    // The details are for whoever runs the server: in the log, never in the answer.
    expect(logs.text).toContain(SQL);
    expect(logs.text).toContain(HOST);
  });

  it('answers a refusal (HttpProblem) in the language of the request, with its parameters', async () => {
    const cases = [
      { url: '/test/refused', status: 409, error: 'Conflict', message: (lang: 'nl' | 'en') => translator(lang)('dashboard.openWave') },
      {
        url: '/test/refused-with-params',
        status: 429,
        error: 'Too Many Requests',
        message: (lang: 'nl' | 'en') => translator(lang)('account.signIn.locked', { count: 3 }),
      },
    ];
    for (const c of cases) {
      expect(c.message('nl')).not.toBe(c.message('en'));
      for (const lang of LANGS) {
        const json = await get(`${c.url}?lang=${lang}`, ACCEPT.json);
        expect(json.statusCode).toBe(c.status);
        expect(json.json()).toEqual({ statusCode: c.status, error: c.error, message: c.message(lang) });
        const page = await get(`${c.url}?lang=${lang}`, ACCEPT.html);
        expect(page.statusCode).toBe(c.status);
        expect(page.body).toContain(`<html lang="${lang}">`);
        expect(page.body).toContain(translator(lang)('error.requestTitle'));
        expect(page.body).toContain(c.message(lang));
      }
    }
    expect(cases[1]!.message('en')).toContain('3');
    // No language asked for (no user either): Dutch.
    expect((await get('/test/refused', ACCEPT.json)).json().message).toBe(translator('nl')('dashboard.openWave'));
  });

  it('refuses a NUL character in the language of the request, naming where it is', async () => {
    for (const lang of LANGS) {
      const t = translator(lang);
      const inQuery = await get(`/?lang=${lang}&x=a%00b`, ACCEPT.json);
      expect(inQuery.statusCode).toBe(400);
      expect(inQuery.json().message).toBe(t('error.nul', { where: 'querystring/x' }));
      // A teacher's form carries its language in the body.
      const inBody = await app.inject({
        method: 'POST',
        url: '/answer',
        headers: { accept: ACCEPT.html, 'content-type': 'application/x-www-form-urlencoded' },
        payload: `code=ab%00cd&lang=${lang}`,
      });
      expect(inBody.statusCode).toBe(400);
      expect(inBody.body).toContain(`<html lang="${lang}">`);
      expect(inBody.body).toContain(t('error.nul', { where: 'body/code' }));
    }
    expect(translator('nl')('error.nul', { where: 'x' })).toContain('NUL-teken');
  });

  it('takes as an id exactly what isUuid takes (not a urn:uuid: prefix, which no database reads as an id)', async () => {
    const id = '0f8fad5b-d9cb-469f-a165-70867728950e';
    const samples = [
      id,
      id.toUpperCase(),
      `urn:uuid:${id}`,
      `{${id}}`,
      id.replace(/-/g, ''),
      `${id}0`,
      ` ${id}`,
      id.slice(1),
      '0f8fad5b-d9cb-469f-a165-70867728950g',
    ];
    for (const sample of samples) {
      const res = await get(`/test/waves/${encodeURIComponent(sample)}`, ACCEPT.json);
      expect(res.statusCode, sample).toBe(isUuid(sample) ? 200 : 400);
    }
    expect(samples.filter(isUuid)).toEqual([id, id.toUpperCase()]);
  });
});
