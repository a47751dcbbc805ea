/**
 * Participation while a wave runs (issue 17): responses so far, slips printed and handed out, the
 * rate against the wave's target and its planned close date — counts only. The handed-out count is
 * entered by the school's rep or an admin, refused with a clear message when it cannot be right,
 * frozen at sealing, and the sealed dashboard's rate is taken against it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { storeKind } from '../helpers/store.ts';
import { testKeys, useApp } from '../helpers/app.ts';
import { Session } from '../helpers/session.ts';
import { DEMO_PASSWORD, seedDemo } from '../../server/demo/demo.ts';
import { sealWave } from '../../server/sealing/sealing.ts';
import { issueCodes } from '../../server/waves.ts';
import { shipped, submit } from '../helpers/fixtures.ts';
import { itemsInOrder } from '../../surveys/load.ts';

const items = itemsInOrder(shipped);

describe(`participation while a wave runs (${storeKind})`, () => {
  const { store, app } = useApp();
  let admin: Session;
  let rep: Session;
  let otherRep: Session;
  let schoolId: string;
  let openWaveId: string;
  let issued: number;

  const handedOut = async () =>
    (
      await store.db
        .selectFrom('wave_school')
        .select('codes_handed_out')
        .where('wave_id', '=', openWaveId)
        .where('school_id', '=', schoolId)
        .executeTakeFirstOrThrow()
    ).codes_handed_out;

  beforeAll(async () => {
    const { openWaveId: id } = await seedDemo(store.db, testKeys(store.db), 5);
    openWaveId = id;
    schoolId = (await store.db.selectFrom('school').select('id').where('name', '=', 'Demo Atheneum Scheldeland').executeTakeFirstOrThrow())
      .id;
    issued = (
      await store.db
        .selectFrom('wave_school')
        .select('codes_issued')
        .where('wave_id', '=', openWaveId)
        .where('school_id', '=', schoolId)
        .executeTakeFirstOrThrow()
    ).codes_issued;
    admin = await new Session(app, '10.3.0.1').login('admin@demo.schoolpols.be', DEMO_PASSWORD);
    rep = await new Session(app, '10.3.0.2').login('rep.secundair@demo.schoolpols.be', DEMO_PASSWORD);
    otherRep = await new Session(app, '10.3.0.3').login('rep.basis@demo.schoolpols.be', DEMO_PASSWORD);
  });

  it('an admin plans a close date and a target; an impossible date or target is refused, naming the field, and nothing is created', async () => {
    const before = (await store.db.selectFrom('wave').select('id').execute()).length;
    const form = await admin.get('/admin/waves/new');
    const questionnaireId = /<option value="([0-9a-f-]{36})"/.exec(form.body)![1]!;
    const body = { name: 'Najaar 2026', questionnaireId, k: '5', allSchools: 'all' };
    for (const [field, value, message] of [
      ['plannedClose', '2026-02-30', 'Geef een bestaande datum (jjjj-mm-dd), of laat leeg.'],
      ['plannedClose', 'volgende week', 'Geef een bestaande datum (jjjj-mm-dd), of laat leeg.'],
      ['responseTarget', '0', 'Geef een geheel getal van 1 tot 100.'],
      ['responseTarget', '101', 'Geef een geheel getal van 1 tot 100.'],
    ] as const) {
      const res = await admin.post('/admin/waves', { ...body, plannedClose: '2026-12-18', responseTarget: '60', [field]: value });
      expect(res.statusCode, `${field}=${value}`).toBe(422);
      expect(res.body).toContain(`<p class="error" id="f-${field}-error">${message}</p>`);
    }
    expect((await store.db.selectFrom('wave').select('id').execute()).length).toBe(before);

    const res = await admin.post('/admin/waves', { ...body, plannedClose: '2026-12-18', responseTarget: '60' });
    expect(res.statusCode).toBe(303);
    const created = await store.db
      .selectFrom('wave')
      .select(['planned_close', 'response_target'])
      .where('name', '=', 'Najaar 2026')
      .executeTakeFirstOrThrow();
    expect(created).toEqual({ planned_close: '2026-12-18', response_target: 60 });
    const page = await admin.get(String(res.headers.location));
    expect(page.body).toContain('18 dec 2026');
    expect(page.body).toContain('60 %');
  });

  it('the rep enters the slips handed out; a wrong number is refused in their language and changes nothing', async () => {
    const page = await rep.get(`/schools/${schoolId}/waves/${openWaveId}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('nog niet ingevuld');
    expect(page.body).not.toContain('chart-data'); // counts only while the wave runs
    const url = `/schools/${schoolId}/waves/${openWaveId}/handed-out`;
    for (const [value, message] of [
      ['veel', 'Geef een geheel getal van 0 of meer.'],
      ['-3', 'Geef een geheel getal van 0 of meer.'],
      ['2.5', 'Geef een geheel getal van 0 of meer.'],
      [String(issued + 1), `Er werden maar ${issued} codes gedrukt; er kunnen er niet meer uitgedeeld zijn.`],
    ] as Array<[string, string]>) {
      const res = await rep.post(url, { handedOut: value });
      expect(res.statusCode, value).toBe(422);
      expect(res.body).toContain(`<p class="error" id="f-handedOut-error">${message}</p>`);
      expect(res.body).toContain(`value="${value}"`); // what was typed stays in the field
      expect(await handedOut()).toBeNull();
    }
    const english = await rep.post(`${url}?lang=en`, { handedOut: 'veel' });
    expect(english.statusCode).toBe(422);
    expect(english.body).toContain('<p class="error" id="f-handedOut-error">Give a whole number, 0 or more.</p>');

    // Another school's rep cannot, and nothing changes.
    expect((await otherRep.post(url, { handedOut: '3' })).statusCode).toBe(403);
    expect(await handedOut()).toBeNull();

    const saved = await rep.post(url, { handedOut: String(issued - 2) });
    expect(saved.statusCode).toBe(303);
    expect(await handedOut()).toBe(issued - 2);
    const after = await rep.get(String(saved.headers.location));
    expect(after.body).toContain('Het aantal uitgedeelde codes is opgeslagen.');
    expect(after.body).toContain('van de uitgedeelde codes');
    const audit = await store.db.selectFrom('audit_log').select('target').where('action', '=', 'wave.handedOut').execute();
    expect(audit.map((a) => a.target)).toEqual([`wave:${openWaveId} school:${schoolId} count:${issued - 2}`]);
  });

  it('is frozen at sealing: the sealed dashboard takes its rate against the slips handed out, and the number no longer changes', async () => {
    await admin.post(`/schools/${schoolId}/waves/${openWaveId}/handed-out`, { handedOut: '20' });
    expect(await handedOut()).toBe(20);
    // Six teachers answer, so that the school's numbers are released after sealing.
    for (const code of await issueCodes(store.db, openWaveId, schoolId, 6)) {
      expect(await submit(store.db, code, { answers: items.map(() => 4), background: {}, comment: null })).toBe(true);
    }
    const { unstored } = await sealWave(store.db, testKeys(store.db), openWaveId);
    expect(unstored).toBeNull();
    const refused = await rep.post(`/schools/${schoolId}/waves/${openWaveId}/handed-out`, { handedOut: '10' });
    expect(refused.statusCode).toBe(409);
    expect(await handedOut()).toBe(20);
    // Even a change made behind the application's back does not reach the sealed wave's numbers.
    await store.db
      .updateTable('wave_school')
      .set({ codes_handed_out: 7 })
      .where('wave_id', '=', openWaveId)
      .where('school_id', '=', schoolId)
      .execute();
    const view = (await rep.get(`/api/schools/${schoolId}/waves/${openWaveId}`)).json();
    expect(view.codesHandedOut).toBe(20);
    expect(view.glance.sentences[0].text).toBe('Respons: 6 antwoorden van 20 uitgedeelde codes (30 %)');
  });
});
