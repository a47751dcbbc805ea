import { describe, expect, it } from 'vitest';
import { storeKind } from '../helpers/store.ts';
import { LogCapture, useApp } from '../helpers/app.ts';
import { fullAnswers, openWaveWithCodes } from '../helpers/fixtures.ts';
import { formatCode, hashCode } from '../../server/teacher/access-codes.ts';

const AGENT = 'Mozilla/5.0 (SchoolpolsProbe; Android 14) LogCanary/9.9';
const form = (body: Record<string, string>) => ({
  headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': AGENT, 'x-forwarded-for': '203.0.113.77' },
  payload: new URLSearchParams(body).toString(),
});

describe(`logs of the teacher flow (${storeKind})`, () => {
  const logs = new LogCapture();
  const { store, app } = useApp({ logs });

  it('hold no address, user agent, code or answer, at debug level', async () => {
    const { codes } = await openWaveWithCodes(store.db, 3);
    const [good, broken, unused] = codes as [string, string, string];
    const headers = { 'user-agent': AGENT, 'x-forwarded-for': '203.0.113.77' };
    await app.inject({ method: 'GET', url: '/', headers });
    await app.inject({ method: 'GET', url: `/c/${good}`, headers });
    await app.inject({ method: 'POST', url: '/answer', ...form({ code: formatCode(good) }) });
    await app.inject({ method: 'POST', url: '/submit', ...form({ ...fullAnswers(broken), 'a.com_1': '8', comment: 'GeheimeOpmerking' }) });
    await app.inject({ method: 'POST', url: '/submit', ...form({ ...fullAnswers(good), comment: 'GeheimeOpmerking' }) });
    await app.inject({ method: 'POST', url: '/submit', ...form(fullAnswers(good)) });
    await app.inject({ method: 'GET', url: `/c/${unused.toLowerCase()}zz`, headers });
    await app.inject({ method: 'GET', url: '/thanks', headers });
    await app.inject({ method: 'GET', url: '/privacy', headers });

    const text = logs.text;
    expect(logs.lines.length).toBeGreaterThan(10);
    expect(text).toContain('"route":"/c/:code"');
    for (const forbidden of ['127.0.0.1', '203.0.113.77', 'remoteAddress', 'LogCanary', 'SchoolpolsProbe', 'GeheimeOpmerking', '"url"']) {
      expect(text).not.toContain(forbidden);
    }
    for (const code of codes) {
      for (const form of [code, formatCode(code), code.toLowerCase(), hashCode(code)]) expect(text).not.toContain(form);
    }
    expect(text).not.toMatch(/a\.com_1/);
  });
});
