/**
 * Issue 14: whoever holds a noted slip must not learn, without spending it, whether its holder has
 * answered. A used code, an unknown code and the code of a closed wave answer exactly alike — same
 * status, same page — before and after sealing, on every way in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { testStore, storeKind, type TestStore } from '../helpers/store.ts';
import { testApp, testKeys } from '../helpers/app.ts';
import { fullAnswers, openWaveWithCodes } from '../helpers/fixtures.ts';
import { closeWave } from '../../server/waves.ts';

const UNKNOWN = 'ZZZZ-ZZZZ-ZZZZZ';

describe(`a spent code and an unknown code look the same (${storeKind})`, () => {
  let store: TestStore;
  let app: FastifyInstance;
  let n = 0;
  // Each probe from its own address: the failed-code guard counts them all, which is the point,
  // but the comparison is about the page, not the throttle.
  const from = () => `192.0.2.${++n}`;
  const probes = (code: string) => [
    () => app.inject({ method: 'GET', url: `/c/${code}`, remoteAddress: from() }),
    () => app.inject({ method: 'POST', url: '/answer', remoteAddress: from(), headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ code }).toString() }),
    () => app.inject({ method: 'POST', url: '/submit', remoteAddress: from(), headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(fullAnswers(code)).toString() }),
  ];
  // The page may repeat what the holder typed (the language link of /c/CODE points back to it); beyond that, nothing may differ.
  const seen = async (code: string) => Promise.all(probes(code).map(async (p) => {
    const res = await p();
    return { status: res.statusCode, body: res.body.replaceAll(code, 'CODE').replaceAll(code.replace(/-/g, ''), 'CODE') };
  }));

  beforeAll(async () => {
    store = await testStore();
    app = await testApp(store);
  });
  afterAll(async () => {
    await app?.close();
    await store?.drop();
  });

  it('while the wave is open and after it is sealed: spent, unused-after-sealing and unknown answer alike', async () => {
    const w = await openWaveWithCodes(store.db, 3);
    const answered = await app.inject({ method: 'POST', url: '/submit', remoteAddress: from(), headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ ...fullAnswers(w.codes[0]!), wave: w.waveId }).toString() });
    expect(answered.statusCode).toBe(303);

    const unknown = await seen(UNKNOWN);
    expect(unknown.map((r) => r.status)).toEqual([404, 404, 404]);
    expect(unknown[0]!.body).toContain('Heb je net je antwoorden verstuurd? Dan zijn ze bewaard.');
    expect(await seen(w.codes[0]!), 'spent, wave open').toEqual(unknown);
    // An unused code of an open wave does open the questionnaire: that is what a code is for.
    expect((await app.inject({ method: 'GET', url: `/c/${w.codes[1]}`, remoteAddress: from() })).statusCode).toBe(200);

    await closeWave(store.db, testKeys(store.db), w.waveId);
    expect(await seen(w.codes[0]!), 'spent, wave sealed').toEqual(unknown);
    expect(await seen(w.codes[1]!), 'unused, wave sealed').toEqual(unknown);
    expect(await seen(UNKNOWN), 'unknown, after sealing').toEqual(unknown);
  });

  it('the thank-you page says the code can no longer be used', async () => {
    const res = await app.inject({ method: 'GET', url: '/thanks' });
    expect(res.body).toContain('Je code kan niet meer gebruikt worden');
  });
});
