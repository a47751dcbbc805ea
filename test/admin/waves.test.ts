import { beforeAll, describe, expect, it } from 'vitest';
import { storeKind } from '../helpers/store.ts';
import { LogCapture, testApp, useApp } from '../helpers/app.ts';
import { fullAnswers, shipped } from '../helpers/fixtures.ts';
import type { Session } from '../helpers/session.ts';
import { rowCount, signedIn, snapshot, uuidIn } from './helpers.ts';
import { publishQuestionnaire } from '../../server/questionnaires.ts';
import { createSchool } from '../../server/admin/schools.ts';
import { hashCode, normaliseCode } from '../../server/teacher/access-codes.ts';

const form = (body: Record<string, string>) => ({
  headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
  payload: new URLSearchParams(body).toString(),
});

/** The codes printed on a slips page. */
const slipCodes = (html: string) => [...html.matchAll(/<strong>([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{5})<\/strong>/g)].map((m) => m[1]!);

describe(`admin: waves and access codes (${storeKind})`, () => {
  let admin: Session;
  const logs = new LogCapture();
  let questionnaireId: string;
  let schoolA: string;
  let schoolB: string;
  const { store, app } = useApp({ logs });
  beforeAll(async () => {
    admin = (await signedIn(app, store.db, 'admin')).session;
    questionnaireId = await publishQuestionnaire(store.db, shipped);
    schoolA = await createSchool(store.db, { name: 'School A', benchmark_group: 'secundair', municipality: 'Gent', staff_count: 4 });
    schoolB = await createSchool(store.db, { name: 'School B', benchmark_group: 'secundair', municipality: 'Gent', staff_count: 3 });
  });

  async function newWave(body: Record<string, string | string[]>) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries({ _csrf: admin.csrf!, questionnaireId, k: '', ...body }))
      for (const x of [v].flat()) params.append(k, x);
    return app.inject({
      method: 'POST',
      url: '/admin/waves',
      remoteAddress: admin.remoteAddress,
      headers: { accept: 'text/html', cookie: admin.cookie!, 'content-type': 'application/x-www-form-urlencoded' },
      payload: params.toString(),
    });
  }

  it('creates a wave with k from DISCLOSURE_K, refusing bad fields by name', async () => {
    const form = await admin.get('/admin/waves/new');
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('value="5"');
    const before = await snapshot(store.db);
    const bad = await newWave({ name: '', k: '2', schools: ['00000000-0000-4000-8000-000000000000'] });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('href="#f-name"');
    expect(bad.body).toContain('href="#f-k"');
    expect(bad.body).toContain('Geef een geheel getal van 3 tot 100.');
    expect(bad.body).toContain('href="#f-schools"');
    expect(await snapshot(store.db)).toEqual(before);

    const res = await newWave({ name: 'Voorjaar', schools: [schoolA, schoolB] });
    expect(res.statusCode).toBe(303);
    const id = uuidIn(res.headers.location)!;
    expect(
      await store.db.selectFrom('wave').select(['name', 'status', 'k', 'questionnaire_id']).where('id', '=', id).executeTakeFirstOrThrow(),
    ).toEqual({ name: 'Voorjaar', status: 'draft', k: 5, questionnaire_id: questionnaireId });
    expect(await rowCount(store.db, 'wave_school')).toBe(2);
    const page = await admin.get(res.headers.location as string);
    expect(page.body).toContain('School A');
    expect(page.body).toContain('Bevraging openen');
  });

  it('refuses to open a wave without schools, with a clear message and nothing changed', async () => {
    const res = await newWave({ name: 'Leeg', k: '7' });
    expect(res.statusCode).toBe(303);
    const id = uuidIn(res.headers.location)!;
    const before = await snapshot(store.db);
    const open = await admin.post(`/admin/waves/${id}/open`, {});
    expect(open.statusCode).toBe(409);
    expect(open.body).toContain('Een bevraging zonder deelnemende scholen kan niet open.');
    expect(await snapshot(store.db)).toEqual(before);
    expect((await store.db.selectFrom('wave').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status).toBe('draft');
    // Adding a school makes it possible.
    expect((await admin.post(`/admin/waves/${id}/schools`, { schools: schoolB })).statusCode).toBe(303);
    expect((await admin.post(`/admin/waves/${id}/open`, {})).statusCode).toBe(303);
    expect((await store.db.selectFrom('wave').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status).toBe('open');
    const twice = await admin.post(`/admin/waves/${id}/open`, {});
    expect(twice.statusCode).toBe(409);
  });

  it('generates codes once as slips: hashes stored, codes work, never logged or audited, then closes, seals and refuses more', async () => {
    const res = await newWave({ name: 'Najaar', allSchools: 'all' });
    const waveId = uuidIn(res.headers.location)!;
    expect((await admin.post(`/admin/waves/${waveId}/open`, {})).statusCode).toBe(303);

    const slips = await admin.post(`/admin/waves/${waveId}/codes`, { schoolId: schoolA, count: '', format: 'html' });
    expect(slips.statusCode).toBe(200);
    expect(slips.headers['cache-control']).toBe('no-store');
    const codes = slipCodes(slips.body);
    expect(codes).toHaveLength(4); // the staff count
    expect(new Set(codes).size).toBe(4);
    expect(slips.body).toContain('class="qr"');
    expect(slips.body).not.toMatch(/\sstyle=|<style/);
    expect(slips.body).toContain(`http://localhost:3000/c/${normaliseCode(codes[0]!)}`); // PUBLIC_URL unset: this server, never the Host header
    expect(slips.body).toContain('alleen een hash');
    expect(slips.body).toContain('schud ze');
    const stored = await store.db.selectFrom('access_code').select('hash').where('wave_id', '=', waveId).execute();
    expect(stored.map((r) => r.hash).sort()).toEqual(codes.map((c) => hashCode(normaliseCode(c)!)).sort());
    const audit = await store.db.selectFrom('audit_log').select('target').where('action', '=', 'codes.generate').execute();
    expect(audit).toEqual([{ target: `wave:${waveId} school:${schoolA} count:4` }]);

    const csv = await admin.post(`/admin/waves/${waveId}/codes`, { schoolId: schoolB, count: '2', format: 'csv' });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toBe('attachment; filename="codes-school-b-najaar.csv"');
    const lines = csv.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toBe('school;school_number;wave;code;url');
    expect(lines).toHaveLength(3);
    const csvCodes = lines.slice(1).map((l) => l.split(';')[3]!);

    // A teacher answers with a code from each.
    for (const code of [codes[0]!, csvCodes[0]!]) {
      const r = await app.inject({ method: 'POST', url: '/submit', ...form(fullAnswers(code)) });
      expect(r.statusCode).toBe(303);
    }
    const everything = [...codes, ...csvCodes];
    for (const code of everything) {
      expect(logs.text).not.toContain(code);
      expect(logs.text).not.toContain(normaliseCode(code)!);
    }
    for (const row of await store.db.selectFrom('audit_log').select(['action', 'target']).execute()) {
      for (const code of everything) expect(row.target).not.toContain(normaliseCode(code)!);
    }

    const detail = await admin.get(`/admin/waves/${waveId}`);
    expect(detail.body).toMatch(
      /School A<\/th><td>secundair<\/td><td class="num">4<\/td><td class="num">4<\/td><td class="num">niet ingevuld<\/td><td class="num">1<\/td><td class="num">1<\/td>/,
    );

    // Closing asks for confirmation first.
    const unconfirmed = await admin.post(`/admin/waves/${waveId}/close`, {});
    expect(unconfirmed.statusCode).toBe(422);
    expect(unconfirmed.body).toContain('href="#f-confirm"');
    expect((await store.db.selectFrom('wave').select('status').where('id', '=', waveId).executeTakeFirstOrThrow()).status).toBe('open');

    const closed = await admin.post(`/admin/waves/${waveId}/close`, { confirm: 'yes' });
    expect(closed.statusCode).toBe(303);
    expect(await store.db.selectFrom('wave').select(['status', 'sealed']).where('id', '=', waveId).executeTakeFirstOrThrow()).toEqual({
      status: 'closed',
      sealed: true,
    });
    const sealedPage = await admin.get(`/admin/waves/${waveId}`);
    expect(sealedPage.body).toContain(`href="/admin/waves/${waveId}/network"`);
    expect(sealedPage.body).not.toContain('Codes aanmaken');

    // Closing twice: a clear error, nothing changed.
    const before = await snapshot(store.db);
    const ids = (await store.db.selectFrom('response').select('id').where('wave_id', '=', waveId).orderBy('id').execute()).map((r) => r.id);
    const twice = await admin.post(`/admin/waves/${waveId}/close`, { confirm: 'yes' });
    expect(twice.statusCode).toBe(409);
    expect(twice.body).toContain('Deze bevraging is al afgesloten; er is niets gewijzigd.');
    expect(await snapshot(store.db)).toEqual(before);
    expect(
      (await store.db.selectFrom('response').select('id').where('wave_id', '=', waveId).orderBy('id').execute()).map((r) => r.id),
    ).toEqual(ids);

    // Codes for a closed wave: a clear error, nothing changed; and unused codes stopped working.
    const more = await admin.post(`/admin/waves/${waveId}/codes`, { schoolId: schoolA, count: '3', format: 'html' });
    expect(more.statusCode).toBe(409);
    expect(more.body).toContain('Deze bevraging is al afgesloten');
    expect(await snapshot(store.db)).toEqual(before);
    // A sealed wave keeps no codes: an unused one now answers like any unknown code (issue 14).
    const late = await app.inject({ method: 'POST', url: '/submit', ...form(fullAnswers(codes[1]!)) });
    expect(late.statusCode).toBe(404);
    expect(late.body).toContain('Deze code kan niet gebruikt worden');
    expect(
      await store.db
        .selectFrom('wave_school')
        .select(['school_id', 'codes_issued', 'codes_spent'])
        .where('wave_id', '=', waveId)
        .orderBy('codes_issued', 'desc')
        .execute(),
    ).toEqual([
      { school_id: schoolA, codes_issued: 4, codes_spent: 1 },
      { school_id: schoolB, codes_issued: 2, codes_spent: 1 },
    ]);
  });

  it('refuses a bad code request by field, and closing a draft', async () => {
    const res = await newWave({ name: 'Draft', schools: [schoolA] });
    const waveId = uuidIn(res.headers.location)!;
    const before = await snapshot(store.db);
    const count = await admin.post(`/admin/waves/${waveId}/codes`, { schoolId: schoolA, count: '0', format: 'html' });
    expect(count.statusCode).toBe(422);
    expect(count.body).toContain('href="#f-count"');
    const school = await admin.post(`/admin/waves/${waveId}/codes`, { schoolId: schoolB, count: '2', format: 'html' });
    expect(school.statusCode).toBe(422);
    expect(school.body).toContain('href="#f-schoolId"');
    const format = await admin.post(`/admin/waves/${waveId}/codes`, { schoolId: schoolA, count: '2', format: 'pdf' });
    expect(format.statusCode).toBe(422);
    const close = await admin.post(`/admin/waves/${waveId}/close`, { confirm: 'yes' });
    expect(close.statusCode).toBe(409);
    expect(close.body).toContain('open ze eerst');
    expect(await snapshot(store.db)).toEqual(before);
    // Codes may be made in advance, for a draft wave.
    const early = await admin.post(`/admin/waves/${waveId}/codes`, { schoolId: schoolA, count: '2', format: 'csv' });
    expect(early.statusCode).toBe(200);
    expect(await rowCount(store.db, 'access_code')).toBe(before['access_code']! + 2);
  });

  it('gives every school its staff count in one CSV, shown once, and refuses for a closed wave', async () => {
    const res = await newWave({ name: 'Netwerkbreed', allSchools: 'all' });
    const waveId = uuidIn(res.headers.location)!;
    expect((await admin.post(`/admin/waves/${waveId}/open`, {})).statusCode).toBe(303);
    expect((await admin.get(`/admin/waves/${waveId}`)).body).toContain(`action="/admin/waves/${waveId}/codes/all"`);
    const all = await admin.post(`/admin/waves/${waveId}/codes/all`, {});
    expect(all.statusCode).toBe(200);
    expect(all.headers['cache-control']).toBe('no-store');
    expect(all.headers['content-disposition']).toBe('attachment; filename="codes-alle-scholen-netwerkbreed.csv"');
    const lines = all.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toBe('school;school_number;wave;code;url');
    expect(lines.filter((l) => l.startsWith('School A;'))).toHaveLength(4);
    expect(lines.filter((l) => l.startsWith('School B;'))).toHaveLength(3);
    const hashes = (await store.db.selectFrom('access_code').select('hash').where('wave_id', '=', waveId).execute())
      .map((r) => r.hash)
      .sort();
    expect(hashes).toEqual(
      lines
        .slice(1)
        .map((l) => hashCode(normaliseCode(l.split(';')[3]!)!))
        .sort(),
    );
    for (const l of lines.slice(1)) expect(logs.text).not.toContain(normaliseCode(l.split(';')[3]!)!);

    expect((await admin.post(`/admin/waves/${waveId}/close`, { confirm: 'yes' })).statusCode).toBe(303);
    const before = await snapshot(store.db);
    expect((await admin.post(`/admin/waves/${waveId}/codes/all`, {})).statusCode).toBe(409);
    expect(await snapshot(store.db)).toEqual(before);
  });

  it('prints PUBLIC_URL on slips when set', async () => {
    const { testConfig } = await import('../helpers/app.ts');
    const other = await testApp(store, { config: testConfig({ PUBLIC_URL: 'https://schoolpols.example' }) });
    try {
      const s = (await signedIn(other, store.db, 'admin')).session;
      const waveId = (await store.db.selectFrom('wave').select('id').where('name', '=', 'Draft').executeTakeFirstOrThrow()).id;
      const res = await s.post(`/admin/waves/${waveId}/codes`, { schoolId: schoolA, count: '1', format: 'html' });
      expect(res.body).toMatch(/https:\/\/schoolpols\.example\/c\/[0-9A-Z]{13}/);
    } finally {
      await other.close();
    }
  });
});
