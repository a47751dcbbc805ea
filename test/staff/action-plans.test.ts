/**
 * Action plans per school and wave (issue 19): a rep records what the LOC agreed after a sealed
 * wave; the next wave's dashboard, report and slides show each action beside its theme's change
 * (the dashboard's own trend texts); the free text is escaped everywhere, is in no researcher
 * export, and only the school's reps and admins see or change it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { storeKind } from '../helpers/store.ts';
import { testKeys, useApp } from '../helpers/app.ts';
import { Session } from '../helpers/session.ts';
import { shipped } from '../helpers/fixtures.ts';
import { unzip } from '../helpers/zip.ts';
import { DEMO_PASSWORD, seedDemo } from '../../server/demo/demo.ts';
import { createAction, listActions, planWave } from '../../server/advocacy/action-plans.ts';
import { WAVE_DOWNLOADS } from '../../server/research/routes.ts';
import { translator } from '../../server/platform/i18n.ts';

type Role = 'anonymous' | 'repOfSchool' | 'repOfOther' | 'researcher' | 'admin';

const theme0 = shipped.themes[0]!;
const theme1 = shipped.themes[1]!;
/** What Eta makes of a string (`<%= %>`). */
const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

describe(`action plans (${storeKind})`, () => {
  const { store, app } = useApp();
  const sessions = {} as Record<Role, Session>;
  let schoolId: string; // assigned to rep.secundair
  let otherSchoolId: string; // assigned to rep.basis only
  let firstWave: string; // Demo voorjaar 2025
  let secondWave: string; // Demo najaar 2025
  let openWave: string;
  let repId: string;

  const plan = (school: string, wave: string) => `/schools/${school}/waves/${wave}/actions`;
  const counts = async () => {
    const n = async (table: 'action_plan_item' | 'action_plan_note' | 'audit_log') =>
      Number(
        (
          await store.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    return { items: await n('action_plan_item'), notes: await n('action_plan_note'), audit: await n('audit_log') };
  };
  const valid = (over: Record<string, string> = {}) => ({
    themeId: theme0.id,
    itemId: theme0.items[1]!.id,
    action: 'Elke maand een overleg over de planning van toetsen',
    carrier: 'werkgroep',
    carrierLabel: 'werkgroep onthaal',
    due: '2027-06-30',
    status: 'agreed',
    note: 'Besproken op het LOC',
    ...over,
  });
  const create = async (who: Role, over: Record<string, string> = {}, wave = firstWave, school = schoolId) =>
    sessions[who].post(plan(school, wave), valid(over));
  const idIn = (location: string | undefined) => /#action-([0-9a-f-]{36})$/.exec(location ?? '')?.[1];

  beforeAll(async () => {
    ({ openWaveId: openWave } = await seedDemo(store.db, testKeys(store.db), 5));
    const school = (name: string) => store.db.selectFrom('school').select('id').where('name', '=', name).executeTakeFirstOrThrow();
    schoolId = (await school('Demo Atheneum Scheldeland')).id;
    otherSchoolId = (await school('Demo Basisschool De Regenboog')).id;
    const wave = (name: string) => store.db.selectFrom('wave').select('id').where('name', '=', name).executeTakeFirstOrThrow();
    firstWave = (await wave('Demo voorjaar 2025')).id;
    secondWave = (await wave('Demo najaar 2025')).id;
    repId = (
      await store.db.selectFrom('app_user').select('id').where('email', '=', 'rep.secundair@demo.schoolpols.be').executeTakeFirstOrThrow()
    ).id;
    sessions.anonymous = new Session(app, '10.19.0.1');
    await sessions.anonymous.get('/login');
    sessions.repOfSchool = await new Session(app, '10.19.0.2').login('rep.secundair@demo.schoolpols.be', DEMO_PASSWORD);
    sessions.repOfOther = await new Session(app, '10.19.0.3').login('rep.basis@demo.schoolpols.be', DEMO_PASSWORD);
    sessions.researcher = await new Session(app, '10.19.0.4').login('onderzoek@demo.schoolpols.be', DEMO_PASSWORD);
    sessions.admin = await new Session(app, '10.19.0.5').login('admin@demo.schoolpols.be', DEMO_PASSWORD);
  });

  it('creates an action, changes it and keeps a dated history of its status and notes, each write in the audit log', async () => {
    const page = await sessions.repOfSchool.get(plan(schoolId, firstWave));
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(translator('nl')('actions.noNames'));
    const before = await counts();

    const res = await create('repOfSchool');
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toMatch(new RegExp(`^${plan(schoolId, firstWave)}\\?done=created#action-`));
    const id = idIn(res.headers.location)!;
    const row = await store.db.selectFrom('action_plan_item').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      wave_id: firstWave,
      school_id: schoolId,
      theme_id: theme0.id,
      item_id: theme0.items[1]!.id,
      action: 'Elke maand een overleg over de planning van toetsen',
      carrier: 'werkgroep',
      carrier_label: 'werkgroep onthaal',
      due: '2027-06-30',
      status: 'agreed',
    });
    expect(await counts()).toEqual({ items: before.items + 1, notes: before.notes + 1, audit: before.audit + 1 });

    // A change of status with a note, a note alone, and a second change of status: three more rows.
    expect(
      (
        await sessions.repOfSchool.post(`${plan(schoolId, firstWave)}/status`, {
          id,
          status: 'in_progress',
          note: 'Eerste overleg gepland',
        })
      ).statusCode,
    ).toBe(303);
    expect(
      (await sessions.repOfSchool.post(`${plan(schoolId, firstWave)}/status`, { id, status: 'in_progress', note: 'Tweede overleg ook' }))
        .statusCode,
    ).toBe(303);
    // Nothing new (same status, no note) is refused and writes nothing.
    const same = await sessions.repOfSchool.post(`${plan(schoolId, firstWave)}/status`, { id, status: 'in_progress', note: '  ' });
    expect(same.statusCode).toBe(422);
    expect(same.body).toContain('Kies een andere status of schrijf een notitie.');
    expect(same.body).toContain(`href="#f-note-${id}"`);
    expect((await sessions.admin.post(`${plan(schoolId, firstWave)}/status`, { id, status: 'done', note: '' })).statusCode).toBe(303);
    const history = await store.db
      .selectFrom('action_plan_note')
      .select(['status', 'note', 'at'])
      .where('item_id', '=', id)
      .orderBy('at')
      .orderBy('id')
      .execute();
    expect(history.map((h) => [h.status, h.note])).toEqual([
      ['agreed', 'Besproken op het LOC'],
      ['in_progress', 'Eerste overleg gepland'],
      ['in_progress', 'Tweede overleg ook'],
      ['done', null],
    ]);
    for (const h of history) expect(h.at).toBeInstanceOf(Date);
    expect((await store.db.selectFrom('action_plan_item').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status).toBe(
      'done',
    );

    // Editing what it says keeps its status and history.
    const edited = await sessions.repOfSchool.post(`${plan(schoolId, firstWave)}/edit`, {
      id,
      themeId: theme1.id,
      itemId: '',
      action: 'Een vast moment per week voor overleg',
      carrier: 'directie',
      carrierLabel: '',
      due: '2027-09-01',
    });
    expect(edited.statusCode).toBe(303);
    expect(
      await store.db
        .selectFrom('action_plan_item')
        .select(['theme_id', 'item_id', 'action', 'carrier', 'carrier_label', 'due', 'status'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow(),
    ).toEqual({
      theme_id: theme1.id,
      item_id: null,
      action: 'Een vast moment per week voor overleg',
      carrier: 'directie',
      carrier_label: null,
      due: '2027-09-01',
      status: 'done',
    });
    expect(await counts()).toEqual({ items: before.items + 1, notes: before.notes + 4, audit: before.audit + 5 });

    // Who changed the plan: the audit log, naming school and wave only, never the text.
    const audit = await store.db
      .selectFrom('audit_log')
      .select(['user_id', 'action', 'target'])
      .where('action', 'like', 'actionPlan.%')
      .orderBy('at')
      .orderBy('id')
      .execute();
    expect(audit.map((a) => a.action)).toEqual([
      'actionPlan.create',
      'actionPlan.status',
      'actionPlan.note',
      'actionPlan.status',
      'actionPlan.update',
    ]);
    expect(audit[0]!.user_id).toBe(repId);
    for (const a of audit) expect(a.target).toBe(`school:${schoolId} wave:${firstWave}`);

    // The page shows the action and its history, oldest first, with dates.
    const shown = (await sessions.repOfSchool.get(plan(schoolId, firstWave))).body;
    expect(shown).toContain('Een vast moment per week voor overleg');
    expect(shown).toContain(theme1.label.nl);
    const card = shown.slice(shown.indexOf(`id="action-${id}"`));
    const entries = [
      ...card.slice(0, card.indexOf('</ol>')).matchAll(/<li><time datetime="(\d{4}-\d{2}-\d{2})">[^<]+<\/time>: ([^<]+?)(?: — |<\/li>)/g),
    ].map((m) => m[2]);
    expect(entries).toEqual(['afgesproken', 'bezig', 'bezig', 'uitgevoerd']);
    // In English for whoever reads in English.
    const en = (await sessions.repOfSchool.get(`${plan(schoolId, firstWave)}?lang=en`)).body;
    expect(en).toContain('Never write a person&#39;s name');
    expect(en).toContain('in progress');
  });

  it("names the field of every problem in the reader's language, and a refused form writes nothing", async () => {
    const before = await counts();
    const bad = { action: '   ', carrier: 'andere', carrierLabel: '', due: '2027-02-30', itemId: theme1.items[0]!.id };
    const nl = await create('repOfSchool', bad);
    expect(nl.statusCode).toBe(422);
    for (const [label, message] of <Array<[string, string]>>[
      ['Vraag (niet verplicht)', 'Deze vraag hoort niet bij het gekozen thema.'],
      ['Afgesproken actie', 'Vul dit in.'],
      ['Welke groep of rol (kort)', 'Vul dit in.'],
      ['Tegen wanneer', 'Geef een bestaande datum als JJJJ-MM-DD.'],
    ]) {
      expect(nl.body).toMatch(new RegExp(`<a href="#f-[a-zA-Z]+">${label.replace(/[()]/g, '\\$&')}</a>: ${message}`));
    }
    // What was typed comes back, so nothing has to be typed again.
    expect(nl.body).toContain('value="2027-02-30"');
    const en = await create('repOfSchool', { ...bad, lang: 'en' });
    expect(en.statusCode).toBe(422);
    expect(en.body).toContain('<a href="#f-action">Agreed action</a>: Fill this in.');
    expect(en.body).toContain('<a href="#f-due">Due by</a>: Give a real date as YYYY-MM-DD.');
    const long = await create('repOfSchool', { action: 'x'.repeat(501) });
    expect(long.body).toContain('<a href="#f-action">Afgesproken actie</a>: Hoogstens 500 tekens.');
    // (A NUL byte is refused for every form before it gets here: server/platform/plugins/errors.ts.)
    const control = await create('repOfSchool', { note: 'a\u0007b', carrierLabel: 'twee\nregels' });
    expect(control.statusCode).toBe(422);
    expect(control.body).toContain('<a href="#f-note">Notitie (niet verplicht)</a>');
    expect(control.body).toContain('<a href="#f-carrierLabel">Welke groep of rol (kort)</a>');
    const unknown = await create('repOfSchool', { themeId: 'geen-thema', carrier: 'de-buurman', status: 'vergeten' });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.body).toContain('<a href="#f-themeId">Thema</a>: Kies een thema van deze vragenlijst.');
    expect(unknown.body).toContain('<a href="#f-carrier">Wie draagt de actie</a>: Kies wie de actie draagt.');
    expect(unknown.body).toContain('<a href="#f-status">Status</a>: Kies een status uit de lijst.');
    expect(await counts()).toEqual(before);

    // One transaction: when the last write (the audit entry) fails, neither the action nor its history stays.
    const p = await planWave(store.db, firstWave, schoolId);
    await expect(
      createAction(store.db, p, valid({ action: 'HalfGeschrevenActie' }), { userId: '00000000-0000-4000-8000-00000000dead' }),
    ).rejects.toThrow();
    expect(await counts()).toEqual(before);
    expect(await store.db.selectFrom('action_plan_item').select('id').where('action', '=', 'HalfGeschrevenActie').execute()).toEqual([]);
  });

  it("shows an earlier wave's action on the next wave's dashboard, beside its theme's change as the dashboard gives it", async () => {
    const res = await create('repOfSchool', {
      themeId: theme0.id,
      itemId: '',
      action: 'Jullie-zeiden-actie voor het eerste thema',
      carrier: 'loc',
      carrierLabel: '',
    });
    expect(res.statusCode).toBe(303);
    const json = (await sessions.repOfSchool.get(`/api/schools/${schoolId}/waves/${secondWave}`)).json() as {
      themes: Array<{ id: string; label: string; trend: Array<{ waveName: string; mean: string; change: string }> }>;
    };
    const theme = json.themes.find((th) => th.id === theme0.id)!;
    expect(theme.trend.map((p) => p.waveName)).toEqual(['Demo voorjaar 2025', 'Demo najaar 2025']);
    const page = await sessions.repOfSchool.get(`/schools/${schoolId}/waves/${secondWave}`);
    expect(page.statusCode).toBe(200);
    const section = page.body.slice(page.body.indexOf('id="follow-up"'), page.body.indexOf('id="current-plan"'));
    expect(section).toContain('Jullie zeiden, wij deden');
    const card = section.slice(section.indexOf('Jullie-zeiden-actie voor het eerste thema'));
    const cardEnd = card.indexOf('</li>');
    const item = card.slice(0, cardEnd);
    // The numbers are the dashboard's own: its mean in each wave and its change, as the JSON says.
    expect(item).toContain(`<dt>Gemiddelde in Demo voorjaar 2025</dt><dd>${escapeHtml(theme.trend[0]!.mean)}</dd>`);
    expect(item).toContain(`<dt>Gemiddelde nu</dt><dd>${escapeHtml(theme.trend[1]!.mean)}</dd>`);
    expect(item).toContain(`Demo najaar 2025: ${escapeHtml(theme.trend[1]!.change || 'niet te berekenen')}`);
    expect(section.slice(0, section.indexOf('Jullie-zeiden-actie'))).toContain(
      `<a href="#theme-${theme0.id}">${escapeHtml(theme0.label.nl)}</a>`,
    );
    // The edited action of the first test is about the second theme: beside that theme's change.
    const theme1Json = json.themes.find((th) => th.id === theme1.id)!;
    const other = section.slice(section.indexOf('Een vast moment per week voor overleg'));
    expect(other.slice(0, other.indexOf('</li>'))).toContain(
      `Demo najaar 2025: ${escapeHtml(theme1Json.trend[1]!.change || 'niet te berekenen')}`,
    );

    // The first wave's own dashboard shows it as that wave's plan, with nothing to follow up.
    const own = (await sessions.repOfSchool.get(`/schools/${schoolId}/waves/${firstWave}`)).body;
    expect(own).not.toContain('id="follow-up"');
    expect(own.slice(own.indexOf('id="current-plan"'))).toContain('Jullie-zeiden-actie voor het eerste thema');
    expect(own).toContain(`href="${plan(schoolId, firstWave)}"`);
    // Another school's dashboard shows none of it.
    const elsewhere = (await sessions.admin.get(`/schools/${otherSchoolId}/waves/${secondWave}`)).body;
    expect(elsewhere).not.toContain('Jullie-zeiden-actie');
    expect(elsewhere).not.toContain('id="follow-up"');
  });

  it('puts the actions in the printed report and on slides of their own, before the method', async () => {
    const report = (await sessions.repOfSchool.get(`/schools/${schoolId}/waves/${secondWave}/report`)).body;
    const actionsAt = report.indexOf('<h2 id="actions">Acties</h2>');
    expect(actionsAt).toBeGreaterThan(0);
    expect(actionsAt).toBeLessThan(report.indexOf('class="report-section method"'));
    expect(report.slice(actionsAt)).toContain('Jullie-zeiden-actie voor het eerste thema');
    expect(report).toContain('Jullie zeiden, wij deden');
    const firstReport = (await sessions.repOfSchool.get(`/schools/${schoolId}/waves/${firstWave}/report`)).body;
    expect(firstReport).toContain('Actieplan na deze bevraging');
    expect(firstReport).toContain('Jullie-zeiden-actie voor het eerste thema');
    // A school without any action: no empty page in its report.
    expect((await sessions.admin.get(`/schools/${otherSchoolId}/waves/${secondWave}/report`)).body).not.toContain('id="actions"');

    const json = (await sessions.repOfSchool.get(`/api/schools/${schoolId}/waves/${secondWave}`)).json() as {
      themes: Array<{ id: string; trend: Array<{ change: string }> }>;
    };
    const change = json.themes.find((th) => th.id === theme0.id)!.trend[1]!.change || 'niet te berekenen';
    const deck = await slideTexts((await sessions.repOfSchool.get(`/schools/${schoolId}/waves/${secondWave}/slides.pptx`)).rawPayload);
    const T = shipped.themes.length;
    // The second wave runs v2: title, themes, a slide a theme, staying and the union's priorities,
    // comments, what they are about, the actions, the method.
    expect(deck).toHaveLength(T + 8);
    expect([deck[T + 2]![0], deck[T + 3]![0]]).toEqual(['Blijven, tevredenheid en welzijn', 'Wat de vakbond eerst moet aanpakken']);
    const actions = deck[T + 6]!.join('\n');
    expect(deck[T + 6]![0]).toBe('Jullie zeiden, wij deden');
    expect(actions).toContain('Jullie-zeiden-actie voor het eerste thema');
    expect(actions).toContain(`Demo najaar 2025: ${change}`);
    expect(deck.at(-1)!.join(' ')).toContain(translator('nl')('report.privacy', { k: 5 }));
    // The first wave: its own plan on a slide (its comments are not shown, so nothing says what they are about).
    const first = await slideTexts((await sessions.repOfSchool.get(`/schools/${schoolId}/waves/${firstWave}/slides.pptx`)).rawPayload);
    expect(first).toHaveLength(T + 5);
    expect(first[T + 3]![0]).toBe('Actieplan na deze bevraging');
    expect(first[T + 3]!).toEqual(
      expect.arrayContaining([
        'Een vast moment per week voor overleg',
        'directie',
        '1 september 2027',
        'uitgevoerd',
        'Jullie-zeiden-actie voor het eerste thema',
        'LOC',
      ]),
    );
  });

  it("is for the school's reps and admins only: another school's rep can neither see nor change a plan", async () => {
    const before = await counts();
    const url = plan(schoolId, firstWave);
    const expected: Record<Role, number> = { anonymous: 303, repOfSchool: 200, repOfOther: 403, researcher: 403, admin: 200 };
    for (const role of Object.keys(expected) as Role[]) {
      const res = await sessions[role].get(url);
      expect(res.statusCode, `${role} GET`).toBe(expected[role]);
      if (role === 'anonymous') expect(res.headers.location).toMatch(/^\/login/);
      if (expected[role] !== 200) expect(res.body).not.toContain('Jullie-zeiden-actie');
    }
    const { id } = await store.db.selectFrom('action_plan_item').select('id').where('school_id', '=', schoolId).executeTakeFirstOrThrow();
    const posts: Array<[string, Record<string, string>]> = [
      [url, valid({ action: 'Indringer' })],
      [`${url}/edit`, { id, ...valid({ action: 'Indringer' }) }],
      [`${url}/status`, { id, status: 'dropped', note: 'Indringer' }],
    ];
    for (const [to, body] of posts) {
      for (const role of ['anonymous', 'repOfOther', 'researcher'] as const) {
        const { status, note, ...edit } = body;
        const res = await sessions[role].post(
          to,
          to.endsWith('/edit') ? edit : to.endsWith('/status') ? { id, status: status!, note: note! } : body,
        );
        expect(res.statusCode, `${role} POST ${to}`).toBe(role === 'anonymous' ? 401 : 403);
      }
      // Without a CSRF token, or with a forged one: refused before anything happens.
      const edit = to.endsWith('/edit') ? Object.fromEntries(Object.entries(body).filter(([k]) => k !== 'status' && k !== 'note')) : body;
      expect((await sessions.repOfSchool.post(to, edit, { csrf: false })).statusCode, `no token ${to}`).toBe(403);
      expect((await sessions.repOfSchool.post(to, { ...edit, _csrf: 'forged' }, { csrf: false })).statusCode, `forged token ${to}`).toBe(
        403,
      );
    }
    // The other school's rep, on their own school's URL, with this school's action id: not found.
    const ownUrl = plan(otherSchoolId, firstWave);
    expect((await sessions.repOfOther.post(`${ownUrl}/status`, { id, status: 'dropped', note: 'Indringer' })).statusCode).toBe(404);
    const { status: _s, note: _n, ...fields } = valid({ action: 'Indringer' });
    expect((await sessions.repOfOther.post(`${ownUrl}/edit`, { id, ...fields })).statusCode).toBe(404);
    expect((await sessions.repOfOther.get(`${ownUrl}?edit=${id}`)).statusCode).toBe(404);
    expect((await sessions.repOfOther.get(ownUrl)).body).not.toContain('Jullie-zeiden-actie');
    // Nor the dashboard, report or slides of that school.
    for (const page of [
      `/schools/${schoolId}/waves/${secondWave}`,
      `/schools/${schoolId}/waves/${secondWave}/report`,
      `/schools/${schoolId}/waves/${secondWave}/slides.pptx`,
    ]) {
      expect((await sessions.repOfOther.get(page)).statusCode).toBe(403);
    }
    // A plan needs a sealed wave the school took part in.
    expect((await sessions.repOfSchool.get(plan(schoolId, openWave))).statusCode).toBe(409);
    expect((await create('repOfSchool', {}, openWave)).statusCode).toBe(409);
    expect((await sessions.admin.get(plan(schoolId, '00000000-0000-4000-8000-000000000000'))).statusCode).toBe(404);
    expect((await sessions.repOfSchool.get(plan('not-a-uuid', firstWave))).statusCode).toBe(400);
    expect(await counts()).toEqual(before);
    expect(await store.db.selectFrom('action_plan_item').select('id').where('action', '=', 'Indringer').execute()).toEqual([]);
    expect(await store.db.selectFrom('action_plan_note').select('id').where('note', '=', 'Indringer').execute()).toEqual([]);
  });

  it('escapes every free-text field wherever it is shown', async () => {
    const payloads = ['<script>alert(1)</script>', '"onmouseover=alert(1) x="'];
    for (const [i, p] of payloads.entries()) {
      const res = await create('repOfSchool', {
        action: `Actie ${p}`,
        carrier: 'andere',
        carrierLabel: `Rol ${p}`.slice(0, 60),
        note: `Notitie ${p}`,
      });
      expect(res.statusCode, p).toBe(303);
      const id = idIn(res.headers.location)!;
      expect(
        (await sessions.repOfSchool.post(`${plan(schoolId, firstWave)}/status`, { id, status: 'in_progress', note: `Verder ${p}` }))
          .statusCode,
      ).toBe(303);
      // Echoed after a refusal too (a bad date), in the fields it was typed in.
      const refused = await create('repOfSchool', { action: `Actie ${p}`, carrierLabel: `Rol ${p}`, note: `Notitie ${p}`, due: 'morgen' });
      expect(refused.statusCode).toBe(422);
      expectEscaped(refused.body, `refused form ${i}`);
      const refusedNote = await sessions.repOfSchool.post(`${plan(schoolId, firstWave)}/status`, {
        id,
        status: 'in_progress',
        note: `${p}`.padEnd(501, 'x'),
      });
      expect(refusedNote.statusCode).toBe(422);
      expectEscaped(refusedNote.body, `refused note ${i}`);
      expect((await sessions.repOfSchool.get(`${plan(schoolId, firstWave)}?edit=${id}`)).body).toContain(escapeHtml(`Actie ${p}`));
    }
    const pages = [
      plan(schoolId, firstWave),
      `/schools/${schoolId}/waves/${firstWave}`,
      `/schools/${schoolId}/waves/${firstWave}/report`,
      `/schools/${schoolId}/waves/${secondWave}`,
      `/schools/${schoolId}/waves/${secondWave}/report`,
    ];
    const stored = await listActions(store.db, schoolId, [firstWave]);
    const hostile = stored.filter((a) => payloads.some((p) => a.action.includes(p)));
    expect(hostile).toHaveLength(2);
    for (const url of pages) {
      const body = (await sessions.repOfSchool.get(url)).body;
      expectEscaped(body, url);
      for (const p of payloads) {
        expect(body, url).toContain(escapeHtml(`Actie ${p}`));
        if (!url.endsWith('/report') || url.includes(secondWave)) expect(body, url).toContain(escapeHtml(`Rol ${p}`.slice(0, 60)));
      }
    }
    const planPage = (await sessions.repOfSchool.get(plan(schoolId, firstWave))).body;
    for (const p of payloads) {
      expect(planPage).toContain(escapeHtml(`Notitie ${p}`));
      expect(planPage).toContain(escapeHtml(`Verder ${p}`));
    }
    // Slides are plain text: the payload is there as text, and the file stays well-formed XML.
    const deck = await slideTexts((await sessions.repOfSchool.get(`/schools/${schoolId}/waves/${secondWave}/slides.pptx`)).rawPayload);
    expect(deck.flat().join('\n')).toContain('Actie <script>alert(1)</script>');
  });

  it('puts no action, label or note in any researcher export', async () => {
    const marker = 'ExportMarkerQz7';
    for (const wave of [firstWave, secondWave]) {
      const res = await create(
        'repOfSchool',
        { action: `${marker} actie`, carrier: 'andere', carrierLabel: `${marker} rol`, note: `${marker} notitie` },
        wave,
      );
      expect(res.statusCode).toBe(303);
    }
    const inDb = await store.db.selectFrom('action_plan_item').select('id').where('action', 'like', `${marker}%`).execute();
    expect(inDb).toHaveLength(2);
    const files: string[] = [];
    for (const who of ['researcher', 'admin'] as const) {
      for (const wave of [firstWave, secondWave]) {
        for (const file of WAVE_DOWNLOADS) {
          for (const dialect of ['', '?dialect=excel-nl']) {
            const res = await sessions[who].get(`/research/waves/${wave}/${file}${dialect}`);
            expect(res.statusCode, `${who} ${file}`).toBe(200);
            const parts = file.endsWith('.zip')
              ? [...(await unzip(res.rawPayload)).entries()].map(([name, data]) => ({ name: `${file}!${name}`, data }))
              : [{ name: file, data: res.rawPayload }];
            for (const part of parts) {
              files.push(part.name);
              const text = part.data.toString('utf8');
              expect(text, `${who} ${part.name}`).not.toContain(marker);
              expect(part.data.toString('utf16le'), `${who} ${part.name}`).not.toContain(marker);
            }
          }
        }
      }
      const trends = await sessions[who].get(`/research/questionnaires/${encodeURIComponent(shipped.id)}/trends.csv`);
      expect(trends.statusCode).toBe(200);
      expect(trends.body).not.toContain(marker);
      const index = await sessions[who].get('/research');
      expect(index.body).not.toContain(marker);
    }
    expect(files.length).toBeGreaterThan(WAVE_DOWNLOADS.length * 4);
    // The marker is there to find: the rep's own page shows it.
    expect((await sessions.repOfSchool.get(plan(schoolId, firstWave))).body).toContain(marker);
  });
});

/** The paragraphs of each slide of a .pptx, in slide order (the text runs of each `a:p`, entities decoded). */
async function slideTexts(buffer: Buffer): Promise<string[][]> {
  const files = await unzip(buffer);
  const names = [...files.keys()]
    .filter((n) => /^ppt\/slides\/slide\d+\.xml$/.test(n))
    .sort((a, b) => Number(/(\d+)\.xml$/.exec(a)![1]) - Number(/(\d+)\.xml$/.exec(b)![1]));
  const decode = (s: string) =>
    s
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&amp;/g, '&');
  return names.map((n) => {
    const xml = files.get(n)!.toString('utf8');
    // Markup from a typed text would break the part: every `<` in it is escaped.
    expect(xml).not.toContain('<script>');
    return [...xml.matchAll(/<a:p>([\s\S]*?)<\/a:p>/g)]
      .map((p) => [...p[1]!.matchAll(/<a:t>([^<]*)<\/a:t>/g)].map((t) => decode(t[1]!)).join(''))
      .filter(Boolean);
  });
}

/** No payload reaches the page as markup: no script element from it, no attribute it opened. */
function expectEscaped(html: string, label: string): void {
  expect(html, label).not.toContain('<script>alert(1)</script>');
  expect(html, label).not.toContain('"onmouseover=alert(1)');
  expect(html, label).not.toMatch(/<[^>]*\sonmouseover=/i);
}
