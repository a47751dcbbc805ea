/**
 * Comments safe to show (issue 19), through HTTP: an admin moderates a sealed wave's comments one at
 * a time, out of context; a rep then sees only the shown ones (dashboard, report, JSON, slides), with
 * tag counts only from k shown comments; a researcher sees no comment at all; a redacted original and
 * a withheld comment are gone from every table; decisions are final and the audit log holds no text.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { itOn, storeKind } from '../helpers/store.ts';
import { testKeys, useApp } from '../helpers/app.ts';
import { shipped, submit } from '../helpers/fixtures.ts';
import { dumpText } from '../helpers/hardening-db.ts';
import { unzip } from '../helpers/zip.ts';
import type { Session } from '../helpers/session.ts';
import { signedIn, snapshot } from './helpers.ts';
import { publishQuestionnaire } from '../../server/questionnaires.ts';
import { createSchool } from '../../server/admin/schools.ts';
import { createWave, issueCodes, openWave } from '../../server/waves.ts';
import { sealWave } from '../../server/sealing/sealing.ts';
import { pendingCount } from '../../server/admin/moderation.ts';
import { networkResults } from '../../server/admin/network-view.ts';
import { WAVE_DOWNLOADS } from '../../server/research/routes.ts';
import { auditAnonymity } from '../../server/sealing/anonymity-audit.ts';
import { itemsInOrder } from '../../surveys/load.ts';

const run = promisify(execFile);

/** What the moderator does with each comment, recognised by its text. */
interface Plan {
  decision: 'show' | 'withhold';
  themes: string[];
  crisis?: boolean;
  /** the text the moderator leaves (a redaction) */
  text?: string;
}

const PLAN: Record<string, Plan> = {
  'ShowCanary-A1': { decision: 'show', themes: ['werkdruk'] },
  'ShowCanary-A2': { decision: 'show', themes: ['werkdruk', 'welzijn'] },
  'ShowCanary-A3': { decision: 'show', themes: ['werkdruk'] },
  'ShowCanary-A4': { decision: 'show', themes: ['communicatie'] },
  'ShowCanary-A5': { decision: 'show', themes: [] },
  'RedactCanary-A6: meester Jan Peeters roept': { decision: 'show', themes: ['communicatie'], text: 'Redacted-A6: [naam] roept' },
  'WithholdCanary-A7': { decision: 'withhold', themes: [] },
  'CrisisCanary-A9: pesterijen': { decision: 'withhold', themes: ['welzijn'], crisis: true },
  'ShowCanary-C1': { decision: 'show', themes: ['werkdruk'] },
  'ShowCanary-C2': { decision: 'show', themes: [] },
  'CrisisCanary-B1': { decision: 'show', themes: ['welzijn'], crisis: true },
  'ShowCanary-B2': { decision: 'show', themes: ['welzijn'] },
};
/** Markers a rep or researcher must never read: withheld, pending, redacted away, or of a school R5 hides. */
const NEVER_FOR_REPS = ['WithholdCanary', 'PendingCanary', 'CrisisCanary', 'RedactCanary', 'Jan Peeters', 'ShowCanary-B2'];
const SCHOOLS = { a: 'Alpha Moderatieschool', b: 'Beta Moderatieschool', c: 'Gamma Moderatieschool' };

describe(`comment moderation (${storeKind})`, () => {
  const { store, app } = useApp();
  let ids: { a: string; b: string; c: string };
  let wave1: string;
  let wave2: string;
  let admin: Session;

  /** A wave of the given schools: respondents each, with these comments (the rest answer without one). */
  async function sealedWave(name: string, schools: Array<[id: string, respondents: number, comments: string[]]>, questionnaireId: string) {
    const db = store.db;
    const waveId = await createWave(db, { name, questionnaireId, schoolIds: schools.map((s) => s[0]), k: 5 });
    await openWave(db, waveId, undefined, testKeys(db));
    const answers = itemsInOrder(shipped).map(() => 4);
    for (const [schoolId, n, comments] of schools) {
      for (const [i, code] of (await issueCodes(db, waveId, schoolId, n)).entries()) {
        expect(await submit(db, code, { answers, background: {}, comment: comments[i] ?? null })).toBe(true);
      }
    }
    expect((await sealWave(db, testKeys(db), waveId)).unstored).toBeNull();
    return waveId;
  }

  /** A form POST with repeated fields (the theme checkboxes), in the session, with its CSRF token. */
  async function postForm(session: Session, url: string, pairs: Array<[string, string]>) {
    const cookie = [...session.jar].map(([n, v]) => `${n}=${v}`).join('; ');
    return app.inject({
      method: 'POST',
      url,
      remoteAddress: session.remoteAddress,
      headers: { accept: 'text/html', cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams([['_csrf', session.csrf!], ...pairs]).toString(),
    });
  }

  const queueItem = (html: string) => ({
    id: /name="comment" value="([^"]+)"/.exec(html)?.[1] ?? null,
    text: /<textarea id="f-text"[^>]*>([^<]*)<\/textarea>/.exec(html)?.[1] ?? null,
  });

  beforeAll(async () => {
    const db = store.db;
    const q = await publishQuestionnaire(db, shipped);
    const school = (name: string) => createSchool(db, { name, benchmark_group: 'secundair', municipality: 'Gent', staff_count: 20 });
    ids = { a: await school(SCHOOLS.a), b: await school(SCHOOLS.b), c: await school(SCHOOLS.c) };
    const of = (prefix: string) => Object.keys(PLAN).filter((t) => t.includes(`-${prefix}`));
    wave1 = await sealedWave(
      'Moderatiebevraging 1',
      [
        [ids.a, 12, of('A')],
        [ids.b, 4, of('B')],
        [ids.c, 11, of('C')],
      ],
      q,
    );
    ({ session: admin } = await signedIn(app, db, 'admin'));
  }, 120_000);

  it('shows one comment at a time, out of context, and decides each once', async () => {
    const before = await admin.get('/admin/moderation');
    expect(before.statusCode).toBe(200);
    expect(before.body).toContain('Er wachten nog 12 opmerkingen.');
    let decided = 0;
    for (;;) {
      const page = await admin.get('/admin/moderation');
      const { id, text } = queueItem(page.body);
      if (!id) break;
      // Only this comment: no school, no other comment of the wave.
      for (const name of Object.values(SCHOOLS)) expect(page.body).not.toContain(name);
      const shown = Object.keys(PLAN).filter((t) => page.body.includes(t.split(':')[0]!));
      expect(shown).toHaveLength(1);
      expect(page.body).toContain('Moderatiebevraging 1');
      const plan = PLAN[text!.replace(/&#39;/g, "'")]!;
      expect(plan, text!).toBeDefined();
      const res = await postForm(admin, '/admin/moderation', [
        ['comment', id],
        ['decision', plan.decision],
        ['text', plan.text ?? text!],
        ...plan.themes.map((th): [string, string] => ['themes', th]),
        ...(plan.crisis ? [['crisis', 'yes'] as [string, string]] : []),
      ]);
      expect(res.statusCode, res.body.slice(0, 300)).toBe(303);
      expect(res.headers.location).toBe(
        `/admin/moderation?done=${plan.decision === 'withhold' ? 'withheld' : plan.text ? 'redacted' : 'shown'}`,
      );
      decided++;
      // The count each sealed wave keeps is the count of its comments still pending.
      expect(await pendingCount(store.db)).toBe(
        Number(
          (
            await store.db
              .selectFrom('comment')
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .where('moderation', '=', 'pending')
              .executeTakeFirstOrThrow()
          ).n,
        ),
      );

      // Final: the same decision (or another) again is refused, in Dutch, and changes nothing.
      const again = await postForm(admin, '/admin/moderation', [
        ['comment', id],
        ['decision', 'show'],
        ['text', 'overschreven'],
      ]);
      expect(again.statusCode).toBe(409);
      expect(again.body).toContain('Over deze opmerking is al beslist; een beslissing is definitief.');
    }
    expect(decided).toBe(Object.keys(PLAN).length);
    expect((await admin.get('/admin/moderation')).body).toContain('Er wachten geen opmerkingen op moderatie.');
    const rows = await store.db
      .selectFrom('comment')
      .select(['text', 'moderation', 'themes', 'crisis'])
      .where('wave_id', '=', wave1)
      .execute();
    expect(rows.filter((r) => r.moderation === 'pending')).toEqual([]);
    expect(rows.find((r) => r.text.startsWith('ShowCanary-A2'))).toMatchObject({ moderation: 'shown', crisis: false });
    expect([...rows.find((r) => r.text.startsWith('ShowCanary-A2'))!.themes].sort()).toEqual(['welzijn', 'werkdruk']);

    // A second wave sealed afterwards: its comments wait, pending, and reach nobody.
    wave2 = await sealedWave(
      'Moderatiebevraging 2',
      [[ids.a, 10, ['PendingCanary-W2-1', 'PendingCanary-W2-2']]],
      (await store.db.selectFrom('wave').select('questionnaire_id').where('id', '=', wave1).executeTakeFirstOrThrow()).questionnaire_id,
    );
    expect((await admin.get('/admin')).body).toContain('Er wachten nog 2 opmerkingen.');
  }, 120_000);

  it('refuses themes of no questionnaire and an empty shown comment, with the form again', async () => {
    const { id } = queueItem((await admin.get('/admin/moderation')).body);
    const bad = await postForm(admin, '/admin/moderation', [
      ['comment', id!],
      ['decision', 'show'],
      ['text', '  '],
      ['themes', 'geen-thema'],
    ]);
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('Kies alleen thema&#39;s van de vragenlijst van deze bevraging.');
    expect(bad.body).toContain('Een getoonde opmerking mag niet leeg zijn; houd ze anders tegen.');
    expect((await store.db.selectFrom('comment').select('moderation').where('id', '=', id!).executeTakeFirstOrThrow()).moderation).toBe(
      'pending',
    );
    const unknown = await postForm(admin, '/admin/moderation', [
      ['comment', '00000000-0000-4000-8000-000000000000'],
      ['decision', 'withhold'],
      ['text', ''],
    ]);
    expect(unknown.statusCode).toBe(404);
  });

  itOn('postgres', 'keeps the redacted original and withheld comments out of a pg_dump of the database', async () => {
    // What a backup holds: pg_dump's own output, not only the rows as this connection reads them.
    const { stdout } = await run('pg_dump', ['--no-owner', '--dbname', store.url!], { maxBuffer: 64 * 1024 * 1024 });
    expect(stdout).toContain('Redacted-A6: [naam] roept');
    for (const gone of ['RedactCanary', 'Jan Peeters', 'WithholdCanary-A7']) expect(stdout).not.toContain(gone);
  });

  it('keeps the redacted original and withheld comments nowhere in the database, and no comment text in the audit log', async () => {
    const dump = await dumpText(store.db);
    const everything = Object.values(dump).join('\n');
    for (const gone of ['RedactCanary', 'Jan Peeters', 'WithholdCanary-A7']) expect(everything).not.toContain(gone);
    expect(dump['comment']).toContain('Redacted-A6: [naam] roept');
    // The crisis comment stays for the coaches, though withheld from the school.
    expect(dump['comment']).toContain('CrisisCanary-A9');
    for (const marker of ['Canary', 'Redacted', 'overschreven']) expect(dump['audit_log']).not.toContain(marker);
    const audit = await store.db.selectFrom('audit_log').select(['action', 'target']).where('action', 'like', 'comment.%').execute();
    expect(audit.filter((e) => e.action !== 'comment.crisis')).toHaveLength(Object.keys(PLAN).length);
    expect(audit.filter((e) => e.action === 'comment.redact')).toHaveLength(1);
    expect(audit.filter((e) => e.action === 'comment.crisis')).toHaveLength(2);
    // The wave and a count, never a comment's id (which is the row that names its school).
    const commentIds = (await store.db.selectFrom('comment').select('id').execute()).map((r) => r.id);
    for (const e of audit) {
      expect(e.target).toMatch(new RegExp(`^wave:${wave1}( themes:\\d+)?$`));
      for (const id of commentIds) expect(e.target).not.toContain(id);
    }
  });

  it('shows a rep only shown comments, with tag counts only from k of them', async () => {
    const { session: rep } = await signedIn(app, store.db, 'rep', { schoolIds: [ids.a, ids.b, ids.c] });
    const bodies: string[] = [];
    const get = async (url: string) => {
      const res = await rep.get(url);
      expect(res.statusCode, url).toBe(200);
      if (url.endsWith('.pptx')) {
        for (const [name, data] of await unzip(res.rawPayload)) if (name.endsWith('.xml')) bodies.push(data.toString('utf8'));
      } else bodies.push(res.body);
      return res;
    };
    await get('/home');
    for (const [school, waves] of [
      [ids.a, [wave1, wave2]],
      [ids.b, [wave1]],
      [ids.c, [wave1]],
    ] as const) {
      await get(`/schools/${school}`);
      for (const w of waves) {
        for (const page of ['', '/report', '/slides.pptx', '/summary', '/actions']) await get(`/schools/${school}/waves/${w}${page}`);
        await get(`/api/schools/${school}/waves/${w}`);
      }
    }
    const all = bodies.join('\n');
    for (const marker of NEVER_FOR_REPS) expect(all, marker).not.toContain(marker);
    for (const marker of ['ShowCanary-A1', 'ShowCanary-A5', 'Redacted-A6: [naam] roept', 'ShowCanary-C2']) expect(all).toContain(marker);

    const label = (id: string) => shipped.themes.find((t) => t.id === id)!.label.nl;
    const json = async (school: string, w: string) =>
      JSON.parse((await get(`/api/schools/${school}/waves/${w}`)).body) as {
        comments: { list: string[] };
        commentThemes: { counts: Array<{ label: string; count: number }>; reason: string | null } | null;
      };
    // Six shown comments (k = 5): counts per theme.
    const a = await json(ids.a, wave1);
    expect(a.comments.list).toHaveLength(6);
    expect(a.commentThemes).toEqual({
      counts: [
        { label: label('communicatie'), count: 2 },
        { label: label('werkdruk'), count: 3 },
        { label: label('welzijn'), count: 1 },
      ],
      reason: null,
    });
    const page = (await get(`/schools/${ids.a}/waves/${wave1}`)).body;
    expect(page).toContain('Waarover de opmerkingen gaan');
    expect(page).toContain(`${label('werkdruk')}: 3 opmerkingen`);
    // Two shown comments: listed, but no count per theme.
    const c = await json(ids.c, wave1);
    expect(c.comments.list.sort()).toEqual(['ShowCanary-C1', 'ShowCanary-C2']);
    expect(c.commentThemes).toEqual({ counts: [], reason: 'Per thema pas vanaf 5 getoonde opmerkingen.' });
    expect((await get(`/schools/${ids.c}/waves/${wave1}`)).body).not.toContain(`${label('werkdruk')}: 1 opmerking`);
    // The slides carry the dashboard's counts, worded alike, and below k none at all (issue 19).
    const slideXml = async (school: string, w: string) =>
      [...(await unzip((await get(`/schools/${school}/waves/${w}/slides.pptx`)).rawPayload))]
        .filter(([name]) => /^ppt\/slides\/slide\d+\.xml$/.test(name))
        .map(([, data]) => data.toString('utf8'))
        .join('\n');
    const countText = /[^<>]*: \d+ opmerking(?:en)?(?=<)/g;
    const aSlides = await slideXml(ids.a, wave1);
    expect(aSlides).toContain('Waarover de opmerkingen gaan');
    expect(aSlides.match(countText)!.sort()).toEqual(
      a.commentThemes!.counts.map((x) => `${x.label}: ${x.count} opmerking${x.count === 1 ? '' : 'en'}`).sort(),
    );
    const cSlides = await slideXml(ids.c, wave1);
    expect(cSlides).toContain('Per thema pas vanaf 5 getoonde opmerkingen.');
    expect(cSlides.match(countText)).toBeNull();
    for (const th of shipped.themes) expect(cSlides).not.toMatch(new RegExp(`${th.label.nl}: \\d`));
    // Pending only: nothing.
    const a2 = await json(ids.a, wave2);
    expect(a2.comments.list).toEqual([]);
    expect(a2.commentThemes).toBeNull();
    expect(await slideXml(ids.a, wave2)).not.toContain('Waarover de opmerkingen gaan');
    // And no moderation page.
    expect((await rep.get('/admin/moderation')).statusCode).toBe(403);
    expect((await rep.get('/admin/moderation/crisis')).statusCode).toBe(403);
  }, 120_000);

  it('gives a researcher no comment in any page or file', async () => {
    const { session: researcher } = await signedIn(app, store.db, 'researcher');
    const bodies: string[] = [];
    for (const url of [
      '/research',
      ...[wave1, wave2].flatMap((w) => WAVE_DOWNLOADS.map((f) => `/research/waves/${w}/${f}`)),
      `/research/questionnaires/${shipped.id}/trends.csv`,
    ]) {
      const res = await researcher.get(url);
      expect(res.statusCode, url).toBe(200);
      if (url.endsWith('.zip')) for (const data of (await unzip(res.rawPayload)).values()) bodies.push(data.toString('utf8'));
      else bodies.push(res.body);
    }
    const all = bodies.join('\n');
    for (const marker of ['Canary', 'Redacted-A6']) expect(all).not.toContain(marker);
    for (const url of ['/admin/moderation', '/admin/moderation/crisis']) expect((await researcher.get(url)).statusCode).toBe(403);
  }, 120_000);

  it('lists crisis comments for the coaches, naming a school only from 10 respondents', async () => {
    const res = await admin.get('/admin/moderation/crisis');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('CrisisCanary-A9: pesterijen');
    expect(res.body).toContain(`Moderatiebevraging 1 · ${SCHOOLS.a}`);
    expect(res.body).toContain('CrisisCanary-B1');
    expect(res.body).toContain('Moderatiebevraging 1 · school niet getoond (minder dan 10 deelnemers)');
    expect(res.body).not.toContain(SCHOOLS.b);
    expect(res.body).not.toContain('ShowCanary');
  });

  it('counts the themes teachers write about network-wide, from schools whose comments may be read', async () => {
    const data = await networkResults(store.db, wave1);
    const ti = (id: string) => shipped.themes.findIndex((t) => t.id === id);
    const expected = shipped.themes.map(() => 0);
    // Alpha (6 shown) and Gamma (2 shown); Beta's (4 respondents) are left out.
    expected[ti('werkdruk')] = 4;
    expected[ti('communicatie')] = 2;
    expected[ti('welzijn')] = 1;
    expect(data.commentThemes.kind === 'value' && data.commentThemes.value).toEqual(expected);
    const page = await admin.get(`/admin/waves/${wave1}/network`);
    expect(page.body).toContain('Waarover leraren schrijven');
    expect(page.body).toMatch(new RegExp(`<th scope="row">${shipped.themes[ti('werkdruk')]!.label.nl}</th><td class="num">4</td>`));
  });

  it('leaves the anonymity self-audit without findings on the moderated waves (old row versions vacuumed, pageinspect on PostgreSQL)', async () => {
    const report = await auditAnonymity(store, testKeys(store.db));
    const sealed = report.channels.find((c) => c.name.startsWith('sealed waves'))!;
    expect(sealed.findings).toEqual([]);
    expect(report.channels[0]!.findings).toEqual([]);
  });

  it('refuses a decision without a CSRF token, changing nothing', async () => {
    const { id } = queueItem((await admin.get('/admin/moderation')).body);
    const before = await snapshot(store.db);
    const forged = await admin.post('/admin/moderation', { comment: id!, decision: 'show', text: 'x', _csrf: 'forged' }, { csrf: false });
    expect(forged.statusCode).toBe(403);
    expect(await snapshot(store.db)).toEqual(before);
    expect((await store.db.selectFrom('comment').select('moderation').where('id', '=', id!).executeTakeFirstOrThrow()).moderation).toBe(
      'pending',
    );
  });
});
