/**
 * Issue 14: whoever holds a noted slip must not learn, without using it up, whether its holder has
 * answered. While the wave is open a used code shows exactly what an unused one shows — on the QR
 * link, the start form, a HEAD request, and a submission that must be corrected — and only a
 * submission that would spend the code tells them apart (and then the slip is used, which its holder
 * notices). A refused submission looks like an unknown code. After sealing no code of the wave is
 * left: used, unused and unknown look alike everywhere. (A code that never existed cannot show a
 * questionnaire; telling it from a real one tells a slip's holder nothing they did not know.)
 */
import { describe, expect, it } from 'vitest';
import { storeKind } from '../helpers/store.ts';
import { testKeys, useApp } from '../helpers/app.ts';
import { counts, fullAnswers, openWaveWithCodes } from '../helpers/fixtures.ts';
import { closeWave } from '../../server/sealing/sealing.ts';
import { formatCode } from '../../server/teacher/access-codes.ts';

const UNKNOWN = 'ZZZZ-ZZZZ-ZZZZZ';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describe(`no participation oracle (${storeKind})`, () => {
  let n = 0;
  // Each probe from its own address: the failed-code guard counts refusals, which is the point,
  // but the comparison is about the answer, not the throttle.
  const from = () => `192.0.2.${(++n % 250) + 1}`;
  /** What a probe sees, with the code itself (which the page repeats) blanked out. */
  const seen = async (code: string, probes: Array<(code: string) => Promise<{ statusCode: number; body: string }>>) =>
    Promise.all(
      probes.map(async (p) => {
        const res = await p(code);
        const bare = code.replace(/-/g, '');
        return {
          status: res.statusCode,
          body: res.body.replaceAll(code, 'CODE').replaceAll(bare, 'CODE').replaceAll(formatCode(bare), 'CODE'),
        };
      }),
    );
  const withoutSpending = [
    (code: string) => app.inject({ method: 'GET', url: `/c/${code}`, remoteAddress: from() }),
    (code: string) => app.inject({ method: 'HEAD', url: `/c/${code}`, remoteAddress: from() }),
    (code: string) =>
      app.inject({
        method: 'POST',
        url: '/answer',
        remoteAddress: from(),
        headers: FORM,
        payload: new URLSearchParams({ code }).toString(),
      }),
    // A submission that must be corrected stores nothing and spends nothing.
    (code: string) =>
      app.inject({
        method: 'POST',
        url: '/submit',
        remoteAddress: from(),
        headers: FORM,
        payload: new URLSearchParams({ ...fullAnswers(code), 'a.com_1': '9' }).toString(),
      }),
    (code: string) =>
      app.inject({
        method: 'POST',
        url: '/submit',
        remoteAddress: from(),
        headers: FORM,
        payload: new URLSearchParams({ code }).toString(),
      }),
  ];
  const submitting = [
    ...withoutSpending,
    (code: string) =>
      app.inject({
        method: 'POST',
        url: '/submit',
        remoteAddress: from(),
        headers: FORM,
        payload: new URLSearchParams(fullAnswers(code)).toString(),
      }),
  ];

  const { store, app } = useApp();

  it('while the wave is open, a used code and an unused one answer alike until a submission would spend it', async () => {
    const w = await openWaveWithCodes(store.db, 3);
    const answered = await app.inject({
      method: 'POST',
      url: '/submit',
      remoteAddress: from(),
      headers: FORM,
      payload: new URLSearchParams({ ...fullAnswers(w.codes[0]!), wave: w.waveId, school: w.schoolId }).toString(),
    });
    expect(answered.statusCode).toBe(303);
    const before = await counts(store.db);

    const unused = await seen(w.codes[1]!, withoutSpending);
    expect(unused.map((r) => r.status)).toEqual([200, 200, 200, 422, 422]);
    expect(await seen(w.codes[0]!, withoutSpending), 'used, probed without spending').toEqual(unused);
    expect(await counts(store.db), 'the probes stored and spent nothing').toEqual(before);

    // Submitting answers tells them apart — by using the unused slip up — and a refusal looks like an unknown code.
    const refused = await app.inject({
      method: 'POST',
      url: '/submit',
      remoteAddress: from(),
      headers: FORM,
      payload: new URLSearchParams(fullAnswers(w.codes[0]!)).toString(),
    });
    const unknown = await app.inject({
      method: 'POST',
      url: '/submit',
      remoteAddress: from(),
      headers: FORM,
      payload: new URLSearchParams(fullAnswers(UNKNOWN)).toString(),
    });
    expect(refused.statusCode).toBe(404);
    expect(refused.body.replaceAll(w.codes[0]!, 'CODE').replaceAll(formatCode(w.codes[0]!), 'CODE')).toBe(
      unknown.body.replaceAll(UNKNOWN, 'CODE').replaceAll(UNKNOWN.replace(/-/g, ''), 'CODE'),
    );
    expect(refused.body).toContain('Heb je net je antwoorden verstuurd? Dan zijn ze bewaard.');
  });

  it('after sealing, used, unused and unknown codes answer alike everywhere', async () => {
    const w = await openWaveWithCodes(store.db, 3);
    expect(
      (
        await app.inject({
          method: 'POST',
          url: '/submit',
          remoteAddress: from(),
          headers: FORM,
          payload: new URLSearchParams(fullAnswers(w.codes[0]!)).toString(),
        })
      ).statusCode,
    ).toBe(303);
    await closeWave(store.db, testKeys(store.db), w.waveId);
    const unknown = await seen(UNKNOWN, submitting);
    expect(unknown.map((r) => r.status)).toEqual([404, 404, 404, 404, 404, 404]);
    expect(await seen(w.codes[0]!, submitting), 'used').toEqual(unknown);
    expect(await seen(w.codes[1]!, submitting), 'unused').toEqual(unknown);
  });

  it('the thank-you page says the code can no longer be used', async () => {
    const res = await app.inject({ method: 'GET', url: '/thanks' });
    expect(res.body).toContain('Je code kan niet meer gebruikt worden');
  });
});
