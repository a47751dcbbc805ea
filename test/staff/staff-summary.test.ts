/**
 * A staff summary, shared back (issue 19): a rep publishes a one-page summary of a sealed wave at an
 * unguessable link. The link works without an account or cookie and sets none, shows only numbers
 * the rep's dashboard releases (scanned against it, also for a wave where the dashboard withholds
 * values), gives the same 404 once revoked as an unknown token, is derivable from nothing and stored
 * only as its hash; only the school's reps and admins manage it, with a CSRF token, and only for a
 * sealed wave.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { storeKind } from '../helpers/store.ts';
import { LogCapture, testKeys, useApp } from '../helpers/app.ts';
import { Session } from '../helpers/session.ts';
import { shipped } from '../helpers/fixtures.ts';
import { dumpText } from '../helpers/hardening-db.ts';
import { DEMO_PASSWORD, seedDemo } from '../../server/demo/demo.ts';
import { hashToken } from '../../server/advocacy/staff-summary.ts';
import { createSchool } from '../../server/admin/schools.ts';
import { createWave, openWave } from '../../server/waves.ts';
import { closeWave } from '../../server/sealing/sealing.ts';
import { storeWithoutCodes } from '../../server/teacher/submissions.ts';

type Role = 'anonymous' | 'repOfSchool' | 'repOfOther' | 'researcher' | 'admin';
type Shown = { text: string; value: number | null; rule: string | null };
interface DashboardJson {
  waveName: string;
  respondents: Shown;
  rate: Shown;
  suppressedSchool: string | null;
  themes: Array<{ id: string; label: string; mean: Shown; favourable: Shown; trend: Array<{ change: string; significant: boolean }> }>;
}

const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
const decode = (s: string) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
/** The token in a freshly published page's link. */
const tokenIn = (html: string) => /\/s\/([A-Za-z0-9_-]+)"/.exec(html)?.[1];
/** What the public page says (its main part, before the link and QR code), as text. */
const summaryText = (html: string) => {
  const main = html.slice(html.indexOf('<main'), html.indexOf('<section class="summary-qr"'));
  return decode(main.replace(/<[^>]+>/g, ' '))
    .replace(/\s+/g, ' ')
    .replace(/ ([:,])/g, '$1');
};
/** Every number written in a text ("3,86", "78", "2025"). */
const numbersIn = (text: string) => [...text.matchAll(/\d+(?:[.,]\d+)?/g)].map((m) => m[0]);
/** The theme labels of one list of the public page (strongest or weakest). */
const listAfter = (html: string, heading: string) => {
  const from = html.indexOf(`>${heading}<`);
  expect(from, heading).toBeGreaterThan(0);
  const list = html.slice(from, html.indexOf('</ol>', from));
  return [...list.matchAll(/<li><strong>([^<]*)<\/strong>/g)].map((m) => decode(m[1]!));
};

const ITEMS = shipped.themes.reduce((n, th) => n + th.items.length, 0);
const FIRST_THEME = shipped.themes[0]!.items.length;
/** A respondent of the small wave; `skipFirstTheme`: "n.v.t." to every item of the first theme. */
const person = (value: number, skipFirstTheme = false) => ({
  answers: Array.from({ length: ITEMS }, (_, i) => (skipFirstTheme && i < FIRST_THEME ? 0 : 1 + ((value + i) % 5))),
  background: { role: 'leraar' },
  comment: null,
});

describe(`staff summary (${storeKind})`, () => {
  const logs = new LogCapture();
  const { store, app } = useApp({ logs });
  const sessions = {} as Record<Role, Session>;
  let schoolId: string; // assigned to rep.secundair
  let otherSchoolId: string; // assigned to rep.basis only
  let firstWave: string;
  let secondWave: string;
  let openWaveId: string;
  const small: Record<'A' | 'C', string> = { A: '', C: '' };
  let smallWave: string;

  const manage = (school: string, wave: string) => `/schools/${school}/waves/${wave}/summary`;
  const anonymousGet = (url: string, headers: Record<string, string> = {}) =>
    app.inject({ method: 'GET', url, headers: { accept: 'text/html', ...headers } });
  /** Publishes as `who`; the token shown on the answer. */
  const publish = async (who: Role, school = schoolId, wave = secondWave) => {
    const res = await sessions[who].post(manage(school, wave), { action: 'publish' });
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
    const token = tokenIn(res.body);
    expect(token).toBeTruthy();
    return { res, token: token! };
  };
  const dashboardJson = async (who: Role, school: string, wave: string) =>
    (await sessions[who].get(`/api/schools/${school}/waves/${wave}`)).json() as DashboardJson;

  beforeAll(async () => {
    ({ openWaveId } = await seedDemo(store.db, testKeys(store.db), 5));
    const db = store.db;
    const school = (name: string) => db.selectFrom('school').select('id').where('name', '=', name).executeTakeFirstOrThrow();
    schoolId = (await school('Demo Atheneum Scheldeland')).id;
    otherSchoolId = (await school('Demo Basisschool De Regenboog')).id;
    const wave = (name: string) =>
      db.selectFrom('wave').select(['id', 'questionnaire_id']).where('name', '=', name).executeTakeFirstOrThrow();
    firstWave = (await wave('Demo voorjaar 2025')).id;
    const second = await wave('Demo najaar 2025');
    secondWave = second.id;

    // A small wave where the dashboard withholds values: A (6 respondents, 4 of them "n.v.t." to the
    // whole first theme: its score rests on 2), B (7), D (9) and C (3: the whole school, R1).
    const people = {
      A: [...[1, 2].map((v) => person(v)), ...[3, 4, 5, 1].map((v) => person(v, true))],
      B: [1, 2, 3, 4, 5, 1, 2].map((v) => person(v)),
      C: [1, 2, 3].map((v) => person(v)),
      D: [1, 2, 3, 4, 5, 1, 2, 3, 4].map((v) => person(v)),
    };
    const ids: Record<string, string> = {};
    for (const name of Object.keys(people))
      ids[name] = await createSchool(db, { name: `Klein ${name}`, benchmark_group: 'klein', municipality: 'Gent', staff_count: 20 });
    smallWave = await createWave(db, {
      name: 'Kleine bevraging',
      questionnaireId: second.questionnaire_id,
      schoolIds: Object.values(ids),
      k: 5,
    });
    await openWave(db, smallWave);
    const answerable = (await testKeys(db).answerable(smallWave))!;
    for (const [name, list] of Object.entries(people)) {
      await storeWithoutCodes(db, answerable, ids[name]!, list);
      await db
        .updateTable('wave_school')
        .set({ codes_issued: 20, codes_spent: list.length })
        .where('wave_id', '=', smallWave)
        .where('school_id', '=', ids[name]!)
        .execute();
    }
    await closeWave(db, testKeys(db), smallWave);
    small.A = ids.A!;
    small.C = ids.C!;

    sessions.anonymous = new Session(app, '10.21.0.1');
    await sessions.anonymous.get('/login');
    sessions.repOfSchool = await new Session(app, '10.21.0.2').login('rep.secundair@demo.schoolpols.be', DEMO_PASSWORD);
    sessions.repOfOther = await new Session(app, '10.21.0.3').login('rep.basis@demo.schoolpols.be', DEMO_PASSWORD);
    sessions.researcher = await new Session(app, '10.21.0.4').login('onderzoek@demo.schoolpols.be', DEMO_PASSWORD);
    sessions.admin = await new Session(app, '10.21.0.5').login('admin@demo.schoolpols.be', DEMO_PASSWORD);

    // This wave's plan: two agreed actions (one with markup in it) and one only proposed.
    const plan = `/schools/${schoolId}/waves/${secondWave}/actions`;
    const action = (text: string, status: string) => ({
      themeId: shipped.themes[1]!.id,
      itemId: '',
      action: text,
      carrier: 'directie',
      carrierLabel: '',
      due: '2027-06-30',
      status,
      note: '',
    });
    for (const [text, status] of [
      ['Een vast overlegmoment per week', 'agreed'],
      ['Onthaalmap <b>vernieuwen</b>', 'in_progress'],
      ['Alleen maar voorgesteld, nog niet afgesproken', 'proposed'],
    ] as const) {
      expect((await sessions.repOfSchool.post(plan, action(text, status))).statusCode).toBe(303);
    }
  });

  it('publishes a link that works without account or cookie: response rate, 3 strongest and 3 weakest themes, the agreed actions', async () => {
    const { res, token } = await publish('repOfSchool');
    // The link is shown once, with a QR code and the "copy it now" warning; the answer sets no new cookie for it.
    expect(res.body).toContain('Kopieer de link nu');
    expect(res.body).toContain('<svg class="qr"');
    expect(res.body).toContain(`/s/${token}`);

    const page = await anonymousGet(`/s/${token}`);
    expect(page.statusCode).toBe(200);
    expect(page.headers['set-cookie']).toBeUndefined();
    // A staff member's session cookie sent along is not read, and nothing is set either.
    const withCookie = await anonymousGet(`/s/${token}`, { cookie: sessions.repOfSchool.cookie! });
    expect(withCookie.statusCode).toBe(200);
    expect(withCookie.headers['set-cookie']).toBeUndefined();
    expect(withCookie.body).toBe(page.body);
    expect(page.body).not.toContain('name="_csrf"');

    const json = await dashboardJson('repOfSchool', schoolId, secondWave);
    const text = summaryText(page.body);
    expect(text).toContain(json.rate.text);
    expect(text).toContain(json.respondents.text);
    // Strongest and weakest: the dashboard's released theme means, highest and lowest three.
    const released = json.themes.filter((th) => th.mean.value !== null);
    expect(released.length).toBeGreaterThanOrEqual(6);
    const ranked = [...released].sort((a, b) => b.mean.value! - a.mean.value!);
    expect(listAfter(page.body, 'Wat het best scoort')).toEqual(ranked.slice(0, 3).map((th) => th.label));
    expect(listAfter(page.body, 'Wat het minst goed scoort')).toEqual(
      ranked
        .slice(-3)
        .reverse()
        .map((th) => th.label),
    );
    for (const th of [...ranked.slice(0, 3), ...ranked.slice(-3)])
      expect(text).toContain(`${th.label}: ${th.favourable.text} positief, gemiddeld ${th.mean.text} op 5`);
    // What changed since the first wave, in the dashboard's own words.
    expect(text).toMatch(/(veranderden duidelijk sinds Demo voorjaar 2025|Geen enkel thema veranderde duidelijk sinds Demo voorjaar 2025)/);
    // Agreed actions, escaped; a proposed one is not shown.
    expect(page.body).toContain('Een vast overlegmoment per week');
    expect(page.body).toContain(escapeHtml('Onthaalmap <b>vernieuwen</b>'));
    expect(page.body).not.toContain('<b>vernieuwen</b>');
    expect(page.body).not.toContain('Alleen maar voorgesteld');

    // Only released numbers: every number on the page is one the rep's dashboard shows (or the
    // wave's name, an action's due date, the 1–5 scale).
    const allowed = new Set([...numbersIn(JSON.stringify(json)), ...numbersIn('Demo najaar 2025 Demo voorjaar 2025 30 juni 2027 1 5')]);
    const shown = numbersIn(text);
    expect(shown.length).toBeGreaterThan(10);
    for (const n of shown) expect(allowed.has(n), `${n} on the summary is not on the dashboard`).toBe(true);

    // Not for search engines, not cached, no referrer; and in English when asked.
    for (const r of [page, await anonymousGet(`/s/${token}?lang=en`)]) {
      expect(String(r.headers['x-robots-tag'])).toMatch(/\bnoindex\b/);
      expect(String(r.headers['cache-control'])).toMatch(/\bno-store\b/);
      expect(r.headers['referrer-policy']).toBe('no-referrer');
      expect(r.body).toContain('<meta name="robots" content="noindex, nofollow">');
    }
    const en = await anonymousGet(`/s/${token}?lang=en`);
    expect(en.body).toContain('What you said, and what we do with it');
    expect(en.body).toContain('<html lang="en">');
    expect(en.body).toContain(`href="/s/${token}?lang=nl"`);
    expect(page.body).toContain(`href="/s/${token}?lang=en"`);
  });

  it("says what changed clearly since the previous wave in the dashboard's own change texts", async () => {
    // Every demo school of the second wave: the themes whose last step of the trend is significant.
    const schools = await store.db.selectFrom('wave_school').select('school_id').where('wave_id', '=', secondWave).execute();
    let withChanges = 0;
    for (const { school_id } of schools) {
      const json = await dashboardJson('admin', school_id, secondWave);
      if (json.suppressedSchool) continue;
      const clear = json.themes.filter((th) => th.trend.length === 2 && th.trend[1]!.significant);
      const text = summaryText((await anonymousGet(`/s/${(await publish('admin', school_id)).token}`)).body);
      if (!clear.length) {
        expect(text).toContain('Geen enkel thema veranderde duidelijk sinds Demo voorjaar 2025.');
        continue;
      }
      withChanges += 1;
      expect(text).toContain("Deze thema's veranderden duidelijk sinds Demo voorjaar 2025:");
      for (const th of clear) {
        const change = th.trend[1]!.change;
        expect(text).toContain(`${th.label}: ${change.startsWith('+') ? 'beter' : 'minder goed'} (${change})`);
      }
      for (const th of json.themes.filter((x) => !clear.includes(x))) expect(text).not.toContain(`${th.label}: beter`);
    }
    expect(withChanges, 'a demo school with a clear change').toBeGreaterThan(0);
  });

  it('shows none of the values a dashboard withholds: a school below k says so once, a theme on too few answers is not ranked', async () => {
    // C: 3 respondents of 20 codes. The dashboard withholds its count and rate; so does the summary.
    const c = await dashboardJson('admin', small.C, smallWave);
    expect(c.respondents.value).toBeNull();
    const cPage = (await anonymousGet(`/s/${(await publish('admin', small.C, smallWave)).token}`)).body;
    const cText = summaryText(cPage);
    expect(cText).toContain(`De resultaten van deze school worden niet getoond (${c.respondents.text})`);
    expect(cText.split(c.respondents.text)).toHaveLength(2); // said once
    expect(numbersIn(cText)).not.toContain('3');
    expect(numbersIn(cText)).not.toContain('15');
    for (const th of shipped.themes) expect(cText).not.toContain(`${th.label.nl}:`);

    // A: its first theme rests on 2 scores, withheld on the dashboard; the summary does not rank it.
    const a = await dashboardJson('admin', small.A, smallWave);
    const withheld = a.themes.filter((th) => th.mean.value === null);
    expect(withheld.map((th) => th.id)).toEqual([shipped.themes[0]!.id]);
    const aPage = (await anonymousGet(`/s/${(await publish('admin', small.A, smallWave)).token}`)).body;
    const aText = summaryText(aPage);
    expect(aText).not.toContain(withheld[0]!.label);
    expect(aText).toContain(`1 thema wordt niet getoond: ${withheld[0]!.mean.text}.`);
    expect(aText).toContain('Dit is de eerste afgesloten bevraging van deze school');
    const allowed = new Set([...numbersIn(JSON.stringify(a)), ...numbersIn('Kleine bevraging 1 5')]);
    for (const n of numbersIn(aText)) expect(allowed.has(n), `${n} on A's summary is not on its dashboard`).toBe(true);
    // The withheld theme's own mean and % favourable (its two respondents' answers): nowhere on the page.
    const released = new Set(a.themes.filter((th) => th.mean.value !== null).flatMap((th) => [th.mean.text, th.favourable.text]));
    const items = shipped.themes[0]!.items;
    const recoded = (answer: number, reverse: boolean) => (reverse ? 6 - answer : answer);
    const scores = [1, 2].map((v) => items.map((it, i) => recoded(1 + ((v + i) % 5), it.reverse)));
    const mean = scores.map((s) => s.reduce((x, y) => x + y, 0) / s.length).reduce((x, y) => x + y, 0) / 2;
    const trueMean = mean.toFixed(2).replace('.', ',');
    if (!released.has(trueMean)) expect(aText).not.toContain(trueMean);
  });

  it('revoking gives the same 404 as an unknown token; publishing anew revokes the old link; the audit log names school and wave only', async () => {
    const auditOfSchool = async () =>
      (
        await store.db
          .selectFrom('audit_log')
          .select(['action', 'target'])
          .where('action', 'like', 'staffSummary.%')
          .orderBy('at')
          .orderBy('id')
          .execute()
      )
        .filter((a) => a.target === `school:${schoolId} wave:${secondWave}`)
        .map((a) => a.action);
    const auditBefore = (await auditOfSchool()).length;
    const { token: old } = await publish('repOfSchool');
    expect((await anonymousGet(`/s/${old}`)).statusCode).toBe(200);
    const { token } = await publish('repOfSchool');
    expect(token).not.toBe(old);
    expect((await anonymousGet(`/s/${token}`)).statusCode).toBe(200);
    const replaced = await anonymousGet(`/s/${old}`);
    expect(replaced.statusCode).toBe(404);

    const revoke = await sessions.repOfSchool.post(manage(schoolId, secondWave), { action: 'revoke' });
    expect(revoke.statusCode).toBe(303);
    expect(revoke.headers.location).toBe(`${manage(schoolId, secondWave)}?done=revoked`);
    expect((await sessions.repOfSchool.get(String(revoke.headers.location))).body).toContain('Er staat geen samenvatting online.');
    const revoked = await anonymousGet(`/s/${token}`);
    const unknownToken = 'Q'.repeat(token.length);
    const unknown = await anonymousGet(`/s/${unknownToken}`);
    expect(revoked.statusCode).toBe(404);
    expect(unknown.statusCode).toBe(404);
    const same = (r: LightMyRequestResponse, t: string) => r.body.split(t).join('TOKEN');
    expect(same(revoked, token)).toBe(same(unknown, unknownToken));
    expect(same(replaced, old)).toBe(same(unknown, unknownToken));
    expect(revoked.headers['content-type']).toBe(unknown.headers['content-type']);
    expect(revoked.headers['x-robots-tag']).toBe(unknown.headers['x-robots-tag']);
    expect(revoked.headers['set-cookie']).toBeUndefined();

    const audit = await store.db
      .selectFrom('audit_log')
      .select(['action', 'target'])
      .where('action', 'like', 'staffSummary.%')
      .orderBy('at')
      .orderBy('id')
      .execute();
    expect((await auditOfSchool()).slice(auditBefore)).toEqual(['staffSummary.publish', 'staffSummary.publish', 'staffSummary.revoke']);
    for (const a of audit) expect(a.target).toMatch(/^school:[0-9a-f-]{36} wave:[0-9a-f-]{36}$/);
  });

  it('makes the token from randomness alone and stores only its hash: not in any table, not in the log', async () => {
    const tokens = [];
    for (let i = 0; i < 3; i++) tokens.push((await publish('admin')).token);
    expect(new Set(tokens).size).toBe(3);
    for (const token of tokens) {
      // 32 base64url characters: 192 bits.
      expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
      for (const id of [schoolId, secondWave]) {
        expect(token).not.toContain(id.replace(/-/g, '').slice(0, 8));
        expect(Buffer.from(token, 'base64url').toString('hex')).not.toContain(id.replace(/-/g, '').slice(0, 8));
      }
    }
    // The ids themselves open nothing.
    for (const guess of [schoolId, secondWave, `${schoolId}${secondWave}`, Buffer.from(schoolId).toString('base64url').slice(0, 32)]) {
      expect((await anonymousGet(`/s/${guess}`)).statusCode).toBe(404);
    }
    const live = tokens.at(-1)!;
    expect((await anonymousGet(`/s/${live}`)).statusCode).toBe(200);
    const dump = await dumpText(store.db);
    for (const token of tokens) {
      for (const [table, text] of Object.entries(dump)) expect(text.includes(token), `${table} holds the token`).toBe(false);
      expect(dump.staff_summary).toContain(hashToken(token));
    }
    for (const token of tokens) expect(logs.text.includes(token)).toBe(false);
    const rows = await store.db
      .selectFrom('staff_summary')
      .selectAll()
      .where('school_id', '=', schoolId)
      .where('wave_id', '=', secondWave)
      .where('revoked_at', 'is', null)
      .execute();
    expect(rows.map((r) => r.token_hash)).toEqual([hashToken(live)]);
  });

  it("is for the school's reps and admins only, with a CSRF token, and only for a sealed wave", async () => {
    const url = manage(schoolId, secondWave);
    const count = async () =>
      Number(
        (
          await store.db
            .selectFrom('staff_summary')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await count();
    const expected: Record<Role, number> = { anonymous: 303, repOfSchool: 200, repOfOther: 403, researcher: 403, admin: 200 };
    for (const role of Object.keys(expected) as Role[]) {
      const res = await sessions[role].get(url);
      expect(res.statusCode, `${role} GET`).toBe(expected[role]);
      if (role === 'anonymous') expect(res.headers.location).toMatch(/^\/login/);
      if (expected[role] === 200) expect(res.body).toContain('Wat het team te zien krijgt');
    }
    for (const action of ['publish', 'revoke']) {
      for (const role of ['anonymous', 'repOfOther', 'researcher'] as const) {
        const res = await sessions[role].post(url, { action });
        expect(res.statusCode, `${role} ${action}`).toBe(role === 'anonymous' ? 401 : 403);
      }
      expect((await sessions.repOfSchool.post(url, { action }, { csrf: false })).statusCode, `no token ${action}`).toBe(403);
      expect(
        (await sessions.repOfSchool.post(url, { action, _csrf: 'forged' }, { csrf: false })).statusCode,
        `forged token ${action}`,
      ).toBe(403);
    }
    // The other school's rep, on this school's pages of their own: nothing of it.
    expect((await sessions.repOfOther.get(manage(otherSchoolId, secondWave))).body).not.toContain('Een vast overlegmoment per week');
    // An open wave has no summary; an unknown wave is not found; a request without a known action is refused.
    expect((await sessions.repOfSchool.get(manage(schoolId, openWaveId))).statusCode).toBe(409);
    expect((await sessions.repOfSchool.post(manage(schoolId, openWaveId), { action: 'publish' })).statusCode).toBe(409);
    expect((await sessions.admin.get(manage(schoolId, '00000000-0000-4000-8000-000000000000'))).statusCode).toBe(404);
    expect((await sessions.repOfSchool.post(url, {})).statusCode).toBe(400);
    expect((await sessions.repOfSchool.post(url, { action: 'delete' })).statusCode).toBe(400);
    expect(await count()).toBe(before);
    // The dashboard of a sealed wave links to it.
    expect((await sessions.repOfSchool.get(`/schools/${schoolId}/waves/${firstWave}`)).body).toContain(
      `href="${manage(schoolId, firstWave)}"`,
    );
  });

  it('stops a client that tries many tokens, as the failed-code guard does for access codes', async () => {
    const { token } = await publish('repOfSchool');
    const from = (url: string) => app.inject({ method: 'GET', url, remoteAddress: '203.0.113.77', headers: { accept: 'text/html' } });
    for (let i = 0; i < 10; i++) expect((await from(`/s/${'x'.repeat(31)}${i}`)).statusCode).toBe(404);
    // Blocked now, even for the right link; another client is not.
    expect((await from(`/s/${token}`)).statusCode).toBe(429);
    expect((await anonymousGet(`/s/${token}`)).statusCode).toBe(200);
  });
});
