import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { storeKind } from '../helpers/store.ts';
import { testApp, testKeys, testConfig, useApp } from '../helpers/app.ts';
import { counts, fullAnswers, openedSubmissions, openWaveWithCodes, shipped } from '../helpers/fixtures.ts';
import { formatCode } from '../../server/teacher/access-codes.ts';
import { itemsInOrder } from '../../surveys/load.ts';
import { closeWave } from '../../server/sealing/sealing.ts';

const form = (body: Record<string, string>) => ({
  headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
  payload: new URLSearchParams(body).toString(),
});

describe(`teacher flow (${storeKind})`, () => {
  const { store, app } = useApp();

  it('answers the questionnaire with a code and stores the response without identity', async () => {
    const { codes, waveId, schoolId } = await openWaveWithCodes(store.db, 3);
    const code = codes[0]!;

    const home = await app.inject({ method: 'GET', url: '/' });
    expect(home.statusCode).toBe(200);
    expect(home.body).toContain('name="code"');
    expect(home.headers['set-cookie']).toBeUndefined();

    const page = await app.inject({ method: 'POST', url: '/answer', ...form({ code: formatCode(code).toLowerCase() }) });
    expect(page.statusCode).toBe(200);
    expect(page.headers['set-cookie']).toBeUndefined();
    for (const item of itemsInOrder(shipped)) expect(page.body).toContain(`name="a.${item.id}"`);
    expect(page.body).not.toMatch(/https?:\/\/(?!localhost)/);

    const viaQr = await app.inject({ method: 'GET', url: `/c/${code}` });
    expect(viaQr.statusCode).toBe(200);
    expect(viaQr.body).toContain('action="/submit"');

    const body: Record<string, string> = { ...fullAnswers(formatCode(code)), comment: '  Meer overleg graag.  ' };
    const submitted = await app.inject({ method: 'POST', url: '/submit', ...form(body) });
    expect(submitted.statusCode).toBe(303);
    expect(submitted.headers.location).toBe('/thanks?lang=nl');
    expect(submitted.headers['set-cookie']).toBeUndefined();

    // While the wave is open: ciphertext only, beside nothing but wave and school.
    expect(await store.db.selectFrom('response').selectAll().execute()).toEqual([]);
    const boxes = await store.db.selectFrom('encrypted_response').selectAll().execute();
    expect(boxes).toHaveLength(1);
    expect(Object.keys(boxes[0]!).sort()).toEqual(['box', 'school_id', 'wave_id']);
    expect(boxes[0]!.wave_id).toBe(waveId);
    expect(boxes[0]!.school_id).toBe(schoolId);
    const opened = await openedSubmissions(store.db, waveId);
    expect(opened.responses).toEqual([
      {
        school_id: schoolId,
        answers: itemsInOrder(shipped).map((it) => Number(body[`a.${it.id}`])),
        background: { role: 'leraar', seniority: 'from5to15' },
      },
    ]);
    expect(opened.comments).toEqual(['Meer overleg graag.']);
    expect(await counts(store.db)).toMatchObject({ responses: 1, spent: 1 });

    const thanks = await app.inject({ method: 'GET', url: '/thanks?lang=en' });
    expect(thanks.statusCode).toBe(200);
    expect(thanks.body).toContain('lang="en"');
    expect(thanks.body).toContain('Thank you');

    const again = await app.inject({ method: 'POST', url: '/submit', ...form(fullAnswers(code)) });
    expect(again.statusCode).toBe(404);
    expect(again.body).toContain('Deze code kan niet gebruikt worden');
    expect(await counts(store.db)).toMatchObject({ responses: 1, spent: 1 });
  });

  it('keeps skipped items as missing and "n.v.t." as 0', async () => {
    const { codes, waveId } = await openWaveWithCodes(store.db, 1);
    const before = await counts(store.db);
    const res = await app.inject({
      method: 'POST',
      url: '/submit',
      ...form({ code: codes[0]!, 'a.com_1': '0', 'a.wel_5': '5', 'a.com_2': '' }),
    });
    expect(res.statusCode).toBe(303);
    expect((await counts(store.db)).responses).toBe(before.responses + 1);
    const items = itemsInOrder(shipped);
    const [mine] = (await openedSubmissions(store.db, waveId)).responses;
    expect(mine!.answers.filter((a) => a !== null)).toHaveLength(2);
    if (!mine) return;
    expect(mine.answers[items.findIndex((i) => i.id === 'com_1')]).toBe(0);
    expect(mine.answers[items.findIndex((i) => i.id === 'wel_5')]).toBe(5);
    expect(mine.answers[items.findIndex((i) => i.id === 'com_2')]).toBeNull();
  });

  describe('bad input: a clear status and message, and nothing written', () => {
    const cases: Array<{ name: string; body: (code: string) => Record<string, string>; status: number; message: RegExp }> = [
      {
        name: 'a value off the scale',
        body: (c) => ({ ...fullAnswers(c), 'a.com_1': '7' }),
        status: 422,
        message: /Kies een van de antwoorden op de schaal/,
      },
      {
        name: 'a negative value',
        body: (c) => ({ ...fullAnswers(c), 'a.sam_2': '-1' }),
        status: 422,
        message: /Kies een van de antwoorden op de schaal/,
      },
      {
        name: 'an unknown item',
        body: (c) => ({ ...fullAnswers(c), 'a.zzz_1': '3' }),
        status: 422,
        message: /hoort niet bij de vragenlijst/,
      },
      { name: 'an unknown field', body: (c) => ({ ...fullAnswers(c), evil: 'x' }), status: 422, message: /hoort niet bij de vragenlijst/ },
      {
        name: 'an unknown background option',
        body: (c) => ({ ...fullAnswers(c), 'b.role': 'minister' }),
        status: 422,
        message: /Kies een van de aangeboden mogelijkheden/,
      },
      { name: 'nothing answered', body: (c) => ({ code: c }), status: 422, message: /Beantwoord minstens één vraag/ },
      {
        name: 'a comment too long',
        body: (c) => ({ ...fullAnswers(c), comment: 'x'.repeat(2001) }),
        status: 422,
        message: /Je opmerking is te lang/,
      },
    ];
    for (const c of cases) {
      it(`refuses ${c.name} and keeps the answers`, async () => {
        const { codes } = await openWaveWithCodes(store.db, 1);
        const before = await counts(store.db);
        const body = c.body(codes[0]!);
        const res = await app.inject({ method: 'POST', url: '/submit', ...form(body) });
        expect(res.statusCode).toBe(c.status);
        expect(res.body).toMatch(c.message);
        expect(res.body).toContain('id="error-summary"');
        // The answers come back checked, so nothing typed is lost.
        if (body['a.wel_5'] && body['a.wel_5'] !== '7') {
          expect(res.body).toMatch(new RegExp(`name="a.wel_5" value="${body['a.wel_5']}" checked`));
        }
        expect(await counts(store.db)).toEqual(before);
        // The code is still usable afterwards.
        const ok = await app.inject({ method: 'POST', url: '/submit', ...form(fullAnswers(codes[0]!)) });
        expect(ok.statusCode).toBe(303);
      });
    }

    it('names the field of an item error', async () => {
      const { codes } = await openWaveWithCodes(store.db, 1);
      const res = await app.inject({ method: 'POST', url: '/submit', ...form({ ...fullAnswers(codes[0]!), 'a.com_4': '9' }) });
      expect(res.statusCode).toBe(422);
      expect(res.body).toContain('href="#a-com_4"');
      expect(res.body).toContain(shipped.themes[0]!.items[3]!.label.nl);
    });

    it('refuses a body without code, naming the field', async () => {
      const before = await counts(store.db);
      const res = await app.inject({
        method: 'POST',
        url: '/submit',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'a.com_1=3',
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().message).toMatch(/code/);
      expect(await counts(store.db)).toEqual(before);
    });

    it('gives one generic message for an unknown or malformed code', async () => {
      const before = await counts(store.db);
      for (const code of ['ABCD-EFGH-JKMNP', 'short', '']) {
        const res = await app.inject({ method: 'POST', url: '/answer', ...form({ code }) });
        expect(res.statusCode).toBe(404);
        expect(res.body).toContain('Deze code kan niet gebruikt worden');
      }
      expect(await counts(store.db)).toEqual(before);
    });

    it("says so when the wave has not started; a closed wave's code looks like any unusable code", async () => {
      const draft = await openWaveWithCodes(store.db, 1, { open: false });
      const res = await app.inject({ method: 'POST', url: '/answer', ...form({ code: draft.codes[0]! }) });
      expect(res.statusCode).toBe(409);
      expect(res.body).toContain('nog niet gestart');

      const closing = await openWaveWithCodes(store.db, 2);
      const page = await app.inject({ method: 'POST', url: '/answer', ...form({ code: closing.codes[0]! }) });
      expect(page.statusCode).toBe(200);
      await closeWave(store.db, testKeys(store.db), closing.waveId);
      const before = await counts(store.db);
      const late = await app.inject({ method: 'POST', url: '/submit', ...form(fullAnswers(closing.codes[0]!)) });
      expect(late.statusCode).toBe(404);
      expect(late.body).toContain('Deze code kan niet gebruikt worden');
      expect(await counts(store.db)).toEqual(before);
    });

    it('says nothing was saved when the database fails, and the code stays usable', async () => {
      const { codes } = await openWaveWithCodes(store.db, 1);
      const before = await counts(store.db);
      // A real database fault inside the transaction, after the code has been spent.
      await sql`create function sp_fail() returns trigger language plpgsql as $$ begin raise exception 'disk full'; end $$`.execute(
        store.db,
      );
      await sql`create trigger sp_fail before insert on encrypted_response for each row execute function sp_fail()`.execute(store.db);
      try {
        const res = await app.inject({ method: 'POST', url: '/submit', ...form(fullAnswers(codes[0]!)) });
        expect(res.statusCode).toBe(503);
        expect(res.body).toContain('Er is niets bewaard');
        expect(res.body).not.toContain('disk full');
        expect(res.body).toMatch(/name="a.com_1" value="\d" checked/);
        expect(await counts(store.db)).toEqual(before);
      } finally {
        await sql`drop trigger sp_fail on encrypted_response`.execute(store.db);
        await sql`drop function sp_fail()`.execute(store.db);
      }
      const retry = await app.inject({ method: 'POST', url: '/submit', ...form(fullAnswers(codes[0]!)) });
      expect(retry.statusCode).toBe(303);
    });
  });

  it('stores exactly one response when 20 submissions race with one code', async () => {
    const { codes } = await openWaveWithCodes(store.db, 1);
    const before = await counts(store.db);
    // From 20 devices: a used code counts as a failed try, so one client alone would soon be throttled.
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        app.inject({ method: 'POST', url: '/submit', remoteAddress: `203.0.113.${i + 1}`, ...form(fullAnswers(codes[0]!, i)) }),
      ),
    );
    const statuses = results.map((r) => r.statusCode).sort();
    expect(statuses.filter((s) => s === 303)).toHaveLength(1);
    expect(statuses.filter((s) => s === 404)).toHaveLength(19);
    for (const r of results.filter((r) => r.statusCode === 404)) expect(r.body).toContain('Deze code kan niet gebruikt worden');
    const after = await counts(store.db);
    expect(after.responses - before.responses).toBe(1);
    expect(after.spent - before.spent).toBe(1);
  });

  it('stores 200 responses for 200 concurrent submissions with distinct codes', async () => {
    const { codes, waveId } = await openWaveWithCodes(store.db, 200);
    const results = await Promise.all(codes.map((c, i) => app.inject({ method: 'POST', url: '/submit', ...form(fullAnswers(c, i)) })));
    expect(results.map((r) => r.statusCode)).toEqual(codes.map(() => 303));
    const n = await store.db
      .selectFrom('encrypted_response')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('wave_id', '=', waveId)
      .executeTakeFirstOrThrow();
    expect(Number(n.n)).toBe(200);
    const spent = await store.db
      .selectFrom('access_code')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('wave_id', '=', waveId)
      .where('spent', '=', true)
      .executeTakeFirstOrThrow();
    expect(Number(spent.n)).toBe(200);
  });

  it('refuses code entry after 10 failed tries a minute from one client, and only from that client', async () => {
    const { codes } = await openWaveWithCodes(store.db, 2);
    const guessing = { remoteAddress: '198.51.100.1' };
    for (let i = 0; i < 10; i++) {
      const res = await app.inject({ method: 'POST', url: '/answer', ...guessing, ...form({ code: `ZZZZ-ZZZZ-ZZZ${i}Z` }) });
      expect(res.statusCode).toBe(404);
    }
    const blocked = await app.inject({ method: 'POST', url: '/answer', ...guessing, ...form({ code: codes[0]! }) });
    expect(blocked.statusCode).toBe(429);
    expect(blocked.body).toContain('Te veel foute pogingen');
    const blockedSubmit = await app.inject({ method: 'POST', url: '/submit', ...guessing, ...form(fullAnswers(codes[0]!)) });
    expect(blockedSubmit.statusCode).toBe(429);
    const other = await app.inject({ method: 'POST', url: '/submit', remoteAddress: '198.51.100.2', ...form(fullAnswers(codes[1]!)) });
    expect(other.statusCode).toBe(303);
  });

  it('reports the store in /healthz', async () => {
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    expect(res.json()).toEqual({ status: 'ok', database: storeKind });
  });

  it('states on /privacy, in plain words and from the live configuration, what is stored, what the database log holds and whom to ask', async () => {
    const res = await app.inject({ method: 'GET', url: '/privacy?lang=en' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('fewer than 5 people');
    expect(res.body).toContain('only in encrypted form');
    expect(res.body).toContain('never your answers beside your code');
    expect(res.body).toContain(
      storeKind === 'postgres' ? 'The database server keeps a log' : 'The database keeps a log of recent changes in its folder',
    );
    expect(res.body).toContain('has not (yet) named a contact');
    // No column names on a teacher's page.
    for (const column of ['wave_id', 'school_id', 'encrypted_response', 'background', '<code>']) expect(res.body).not.toContain(column);
    expect(res.headers['set-cookie']).toBeUndefined();

    const configured = await testApp(store, { config: testConfig({ PRIVACY_CONTACT: 'COnneCt, privacy@connect.example' }) });
    try {
      const page = await configured.inject({ method: 'GET', url: '/privacy' });
      expect(page.body).toContain('Verantwoordelijk voor deze gegevens');
      expect(page.body).toContain('COnneCt, privacy@connect.example');
    } finally {
      await configured.close();
    }
  });
});
