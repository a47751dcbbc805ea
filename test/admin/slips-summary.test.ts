/**
 * Issue 19: the next wave's code slips carry "what happened with last time's answers" and a link to
 * the school's live staff summary of its previous sealed wave of the same questionnaire key. No
 * line without such a summary (none, revoked, or of another questionnaire key); the publisher's token never
 * appears on a slip, and a slip's own link is stored only as its hash and dies with the summary.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import type { Database } from '../../server/db/schema.ts';
import { storeKind } from '../helpers/store.ts';
import { testKeys, useApp } from '../helpers/app.ts';
import { shipped } from '../helpers/fixtures.ts';
import { dumpText } from '../helpers/hardening-db.ts';
import type { Session } from '../helpers/session.ts';
import { signedIn } from './helpers.ts';
import { publishQuestionnaire } from '../../server/questionnaires.ts';
import { createSchool } from '../../server/admin/schools.ts';
import { createWave, openWave } from '../../server/waves.ts';
import { sealWave } from '../../server/sealing/sealing.ts';
import { storeWithoutCodes } from '../../server/teacher/submissions.ts';
import { hashToken, publishSummary, revokeSummary } from '../../server/advocacy/staff-summary.ts';
import type { Questionnaire } from '../../surveys/schema.ts';

const questionnaireOf = (id: string): Questionnaire => ({
  id,
  version: 1,
  title: { nl: 'Slips', en: 'Slips' },
  intro: { nl: 'Test.', en: 'Test.' },
  scales: shipped.scales,
  themes: [
    {
      id: 'T',
      label: { nl: 'Thema', en: 'Theme' },
      items: [{ id: 'T1', label: { nl: 'Vraag', en: 'Item' }, scale: 'agree5', reverse: false }],
    },
  ],
  background: [],
});

async function sealedWave(db: Kysely<Database>, name: string, questionnaireId: string, schoolIds: string[]) {
  const keys = testKeys(db);
  const waveId = await createWave(db, { name, questionnaireId, schoolIds, k: 5 });
  await openWave(db, waveId, undefined, keys);
  const wave = (await keys.answerable(waveId))!;
  for (const id of schoolIds)
    await storeWithoutCodes(
      db,
      wave,
      id,
      Array.from({ length: 6 }, () => ({ answers: [4], background: {}, comment: null })),
    );
  const { unstored } = await sealWave(db, keys, waveId);
  if (unstored) throw unstored;
  return waveId;
}

const LINE_NL = 'Wat gebeurde er met de antwoorden van vorige keer (Slips voorjaar)?';
const LINE_EN = 'What happened with last time&#39;s answers (Slips voorjaar)?';
const LINK = /\/s\/([A-Za-z0-9_-]{32})/g;

describe(`code slips carry the previous wave's staff summary (${storeKind})`, () => {
  const { store, app } = useApp();
  let admin: Session;
  const school: Record<'a' | 'b' | 'c' | 'd', string> = { a: '', b: '', c: '', d: '' };
  const publisher: Record<'a' | 'b' | 'c', string> = { a: '', b: '', c: '' };
  let first: string;
  let next: string;

  beforeAll(async () => {
    const db = store.db;
    for (const k of ['a', 'b', 'c', 'd'] as const)
      school[k] = await createSchool(db, {
        name: `Slipschool ${k.toUpperCase()}`,
        benchmark_group: 'secundair',
        municipality: 'Gent',
        staff_count: 4,
      });
    const [x, y] = [await publishQuestionnaire(db, questionnaireOf('slips-x')), await publishQuestionnaire(db, questionnaireOf('slips-y'))];
    first = await sealedWave(db, 'Slips voorjaar', x, [school.a, school.b]);
    // C's summary is of another questionnaire's wave: not "last time" for a wave of questionnaire key x.
    const other = await sealedWave(db, 'Andere vragenlijst', y, [school.c]);
    publisher.a = (await publishSummary(db, { schoolId: school.a, waveId: first })).token;
    publisher.b = (await publishSummary(db, { schoolId: school.b, waveId: first })).token;
    expect(await revokeSummary(db, { schoolId: school.b, waveId: first })).toBe(true);
    publisher.c = (await publishSummary(db, { schoolId: school.c, waveId: other })).token;
    next = await createWave(db, { name: 'Slips najaar', questionnaireId: x, schoolIds: Object.values(school), k: 5 });
    ({ session: admin } = await signedIn(app, db, 'admin'));
  });

  const slips = async (schoolId: string) => {
    const res = await admin.post(`/admin/waves/${next}/codes`, { schoolId, count: '3', format: 'html' });
    expect(res.statusCode).toBe(200);
    return res.body;
  };
  const links = (html: string) => [...new Set([...html.matchAll(LINK)].map((m) => m[1]!))];
  const anonymous = (token: string) => app.inject({ method: 'GET', url: `/s/${token}` });

  it('puts one line and a working link, with its QR code, on every slip of a school whose last summary is live', async () => {
    const html = await slips(school.a);
    const slipCount = [...html.matchAll(/<li class="slip with-summary">/g)].length;
    expect(slipCount).toBe(3);
    expect([...html.matchAll(/<div class="slip-summary">/g)]).toHaveLength(3);
    expect(html.split(LINE_NL)).toHaveLength(4);
    expect(html.split(LINE_EN)).toHaveLength(4);
    // Two QR codes a slip: the answer link and the summary's.
    expect([...html.matchAll(/<svg class="qr"/g)]).toHaveLength(6);
    const [token, ...more] = links(html);
    expect(more).toEqual([]);
    // The slip's own link, not the publisher's: that one is only a hash in the database.
    expect(token).not.toBe(publisher.a);
    expect(html).not.toContain(publisher.a);
    const page = await anonymous(token!);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Slipschool A');
    expect(page.headers['set-cookie']).toBeUndefined();
    // Stored as its SHA-256 beside the summary, never as the token.
    const stored = await store.db.selectFrom('staff_summary_link').select('token_hash').execute();
    expect(stored.map((r) => r.token_hash)).toContain(hashToken(token!));
    expect(JSON.stringify(await dumpText(store.db))).not.toContain(token);
    // Each sheet its own link.
    const again = links(await slips(school.a));
    expect(again).toHaveLength(1);
    expect(again[0]).not.toBe(token);
  });

  it('carries no line or link when the summary was revoked, is of another questionnaire key, or there was no earlier wave', async () => {
    for (const k of ['b', 'c', 'd'] as const) {
      const html = await slips(school[k]);
      expect(html, k).toContain(`Slipschool ${k.toUpperCase()}`);
      expect(html, k).not.toContain('summary');
      expect(html, k).not.toContain('vorige keer');
      expect(links(html), k).toEqual([]);
    }
    for (const token of Object.values(publisher)) expect(await slips(school.b)).not.toContain(token);
  });

  it('closes a slip link with its summary, and a revoked summary’s token is on no later slip', async () => {
    const [slipToken] = links(await slips(school.a));
    expect((await anonymous(slipToken!)).statusCode).toBe(200);
    // Published again (the old link revoked): the slips already printed no longer open anything.
    const republished = (await publishSummary(store.db, { schoolId: school.a, waveId: first })).token;
    expect((await anonymous(slipToken!)).statusCode).toBe(404);
    const fresh = links(await slips(school.a));
    expect(fresh).toHaveLength(1);
    expect((await anonymous(fresh[0]!)).statusCode).toBe(200);
    // Revoked: no line, no link, neither token.
    await revokeSummary(store.db, { schoolId: school.a, waveId: first });
    expect((await anonymous(fresh[0]!)).statusCode).toBe(404);
    const html = await slips(school.a);
    expect(html).not.toContain('summary');
    expect(links(html)).toEqual([]);
    for (const token of [publisher.a, republished, slipToken!, fresh[0]!]) expect(html).not.toContain(token);
  });
});
