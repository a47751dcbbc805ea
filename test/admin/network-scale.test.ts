import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import Papa from 'papaparse';
import { storeKind, useStore } from '../helpers/store.ts';
import { testApp } from '../helpers/app.ts';
import { shipped } from '../helpers/fixtures.ts';
import type { Session } from '../helpers/session.ts';
import { signedIn, snapshot, uuidIn } from './helpers.ts';
import { publishQuestionnaire } from '../../server/questionnaires.ts';
import { createWave, openWave } from '../../server/waves.ts';
import { setUserLang } from '../../server/staff/users.ts';
import { AUDIT_ACTIONS } from '../../server/platform/audit-log.ts';
import { hasKey, LANGS } from '../../server/platform/i18n.ts';

/**
 * The admin console at network scale (issue 18): 3,700 schools and 5,000 staff accounts in the
 * store. Every admin list and the home page stay under 100 KB; search, filters, sorting and pages
 * return the rows an independent query (or the generated data itself) says they should.
 */
const SCHOOLS = 3700;
const USERS = 5000;
const LIMIT = 100 * 1024;
const GROUPS = ['basisonderwijs', 'secundair', 'buitengewoon'] as const;
/** Each town's province (as the seed gives them; every eleventh school has none). */
const PROVINCE: Record<string, string> = {
  Gent: 'Oost-Vlaanderen',
  Antwerpen: 'Antwerpen',
  Brugge: 'West-Vlaanderen',
  Leuven: 'Vlaams-Brabant',
  Hasselt: 'Limburg',
  Genk: 'Limburg',
  Mechelen: 'Antwerpen',
  Aalst: 'Oost-Vlaanderen',
  Kortrijk: 'West-Vlaanderen',
  Oostende: 'West-Vlaanderen',
  'Sint-Niklaas': 'Oost-Vlaanderen',
  Roeselare: 'West-Vlaanderen',
  Turnhout: 'Antwerpen',
  Lier: 'Antwerpen',
  Geel: 'Antwerpen',
  Mol: 'Antwerpen',
  Tienen: 'Vlaams-Brabant',
  Ieper: 'West-Vlaanderen',
  Lokeren: 'Oost-Vlaanderen',
  Dendermonde: 'Oost-Vlaanderen',
};
const TOWNS = [
  'Gent',
  'Antwerpen',
  'Brugge',
  'Leuven',
  'Hasselt',
  'Genk',
  'Mechelen',
  'Aalst',
  'Kortrijk',
  'Oostende',
  'Sint-Niklaas',
  'Roeselare',
  'Turnhout',
  'Lier',
  'Geel',
  'Mol',
  'Tienen',
  'Ieper',
  'Lokeren',
  'Dendermonde',
];
const KINDS = [
  'Basisschool De Regenboog',
  'Atheneum',
  'Sint-Jozefscollege',
  'Vrije Basisschool',
  'GO! Campus',
  'Lyceum',
  'Technisch Instituut',
];

interface GenSchool {
  id: string;
  name: string;
  benchmark_group: string;
  municipality: string;
  staff_count: number;
  active: boolean;
  instellingsnummer: string | null;
}

const schoolIdsIn = (html: string) =>
  [...html.matchAll(/<tr[^>]*><th scope="row"><a href="\/admin\/schools\/([0-9a-f-]{36})"/g)].map((m) => m[1]!);
const userIdsIn = (html: string) =>
  [...html.matchAll(/<tr[^>]*><th scope="row"><a href="\/admin\/users\/([0-9a-f-]{36})"/g)].map((m) => m[1]!);
const waveIdsIn = (html: string) => [...html.matchAll(/<tr><th scope="row"><a href="\/admin\/waves\/([0-9a-f-]{36})"/g)].map((m) => m[1]!);
const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

/** A form POST with repeated fields (checkboxes), as a browser sends it. */
function postForm(app: FastifyInstance, session: Session, url: string, fields: Array<[string, string]>) {
  const payload = new URLSearchParams([['_csrf', session.csrf ?? ''], ...fields]).toString();
  const cookie = [...session.jar].map(([name, value]) => `${name}=${value}`).join('; ');
  return app.inject({
    method: 'POST',
    url,
    remoteAddress: session.remoteAddress,
    headers: { accept: 'text/html', cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload,
  });
}

describe(`admin console at network scale (${storeKind})`, { timeout: 600_000 }, () => {
  const store = useStore();
  let app: FastifyInstance;
  let admin: Session;
  let english: Session;
  let schools: GenSchool[];
  let openWaveId: string;
  let repId: string;
  let repEmail: string;
  const sizes: Record<string, number> = {};

  beforeAll(async () => {
    const db = store.db;
    app = await testApp(store);
    admin = (await signedIn(app, db, 'admin')).session;
    const en = await signedIn(app, db, 'admin');
    await setUserLang(db, en.id, 'en');
    english = en.session;

    // 3,700 schools: every tenth without a school number, every 37th inactive, one with LIKE characters.
    const rows = Array.from({ length: SCHOOLS }, (_, i) => ({
      name: i === 7 ? 'School 100% _onderwijs' : `${KINDS[i % KINDS.length]} ${String(i).padStart(4, '0')}`,
      benchmark_group: GROUPS[i % GROUPS.length]!,
      municipality: TOWNS[(i * 7) % TOWNS.length]!,
      staff_count: 10 + (i % 90),
      active: i % 37 !== 0,
      instellingsnummer: i % 10 === 3 ? null : String(100000 + i),
      province: i % 11 === 5 ? null : PROVINCE[TOWNS[(i * 7) % TOWNS.length]!]!,
    }));
    for (let i = 0; i < rows.length; i += 500)
      await db
        .insertInto('school')
        .values(rows.slice(i, i + 500))
        .execute();
    schools = await db
      .selectFrom('school')
      .select(['id', 'name', 'benchmark_group', 'municipality', 'staff_count', 'active', 'instellingsnummer'])
      .execute();

    // 5,000 accounts (the hash is never checked here: nobody signs in as them).
    const users = Array.from({ length: USERS }, (_, i) => ({
      email: `user${String(i).padStart(4, '0')}@net${i % 3}.example.org`,
      role: i % 50 === 0 ? ('admin' as const) : i % 3 === 0 ? ('researcher' as const) : ('rep' as const),
      password_hash: 'not-a-hash',
      active: i % 11 !== 0,
      totp_secret: i % 4 === 0 ? 'sealed-secret' : null,
    }));
    for (let i = 0; i < users.length; i += 500)
      await db
        .insertInto('app_user')
        .values(users.slice(i, i + 500))
        .execute();
    const reps = await db
      .selectFrom('app_user')
      .select(['id', 'email'])
      .where('role', '=', 'rep')
      .where('email', 'like', 'user%')
      .orderBy('email')
      .execute();
    const links = reps.flatMap((r, i) =>
      Array.from({ length: i % 6 }, (_, j) => ({ user_id: r.id, school_id: schools[(i * 13 + j * 101) % SCHOOLS]!.id })),
    );
    for (let i = 0; i < links.length; i += 1000)
      await db
        .insertInto('rep_school')
        .values(links.slice(i, i + 1000))
        .onConflict((oc) => oc.doNothing())
        .execute();
    repId = reps[5]!.id; // five schools
    repEmail = reps[5]!.email;

    // Waves: one open for the whole network, many small drafts.
    const q = await publishQuestionnaire(db, shipped);
    const active = schools.filter((s) => s.active).map((s) => s.id);
    openWaveId = await createWave(db, {
      name: 'Netwerkbevraging voorjaar',
      questionnaireId: q,
      schoolIds: active,
      k: 5,
      plannedClose: '2020-06-30',
    });
    await openWave(db, openWaveId);
    await db.updateTable('wave_school').set({ codes_issued: 20 }).where('wave_id', '=', openWaveId).execute();
    await db
      .insertInto('encrypted_response')
      .values(Array.from({ length: 30 }, (_, i) => ({ wave_id: openWaveId, school_id: active[i % 10]!, box: new Uint8Array([i]) })))
      .execute();
    for (let i = 0; i < 60; i++)
      await createWave(db, {
        name: `Bevraging ${String(i).padStart(2, '0')} ${i % 2 ? 'najaar' : 'voorjaar'}`,
        questionnaireId: q,
        schoolIds: active.slice(i, i + 3),
        k: 5,
      });

    // Audit entries as reps and researchers leave them, and one naming a school whose name is a formula.
    const formula = (
      await db
        .insertInto('school')
        .values({ name: '=HYPERLINK("http://evil.example","klik")', benchmark_group: 'secundair', municipality: '@Gent', staff_count: 1 })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
    const researcher = (await db.selectFrom('app_user').select('id').where('role', '=', 'researcher').limit(1).executeTakeFirstOrThrow())
      .id;
    await db
      .insertInto('audit_log')
      .values([
        ...Array.from({ length: 120 }, (_, i) => ({
          user_id: repId,
          action: 'dashboard.view',
          target: `school:${schools[i]!.id}:wave:${openWaveId}`,
          at: new Date(Date.UTC(2026, 0, 1 + (i % 28), 9)),
        })),
        {
          user_id: repId,
          action: 'report.view',
          target: `school:${schools[0]!.id}:wave:${openWaveId}`,
          at: new Date(Date.UTC(2026, 1, 3, 10)),
        },
        {
          user_id: repId,
          action: 'slides.download',
          target: `school:${schools[0]!.id}:wave:${openWaveId}`,
          at: new Date(Date.UTC(2026, 1, 3, 11)),
        },
        { user_id: researcher, action: 'export.download', target: `wave:${openWaveId}:items.csv`, at: new Date(Date.UTC(2026, 1, 4, 12)) },
        { user_id: researcher, action: 'network.view', target: `wave:${openWaveId}`, at: new Date(Date.UTC(2026, 1, 4, 13)) },
        { user_id: null, action: 'school.update', target: `school:${formula}`, at: new Date(Date.UTC(2026, 1, 5, 8)) },
      ])
      .execute();
  });
  afterAll(async () => {
    // The sizes measured, for the record (issue 18 asks ≤ 100 KB each).
    process.stdout.write(`admin page sizes at ${SCHOOLS} schools / ${USERS} users (${storeKind}): ${JSON.stringify(sizes)}\n`);
    await app?.close();
  });

  it('answers every admin list, form and the home page with at most 100 KB of HTML', async () => {
    const urls = [
      '/home',
      '/admin',
      '/admin/schools',
      '/admin/schools?page=74',
      '/admin/schools?sort=municipality&dir=desc',
      '/admin/users',
      '/admin/users?role=rep&page=20',
      '/admin/waves',
      '/admin/audit',
      '/admin/waves/new',
      '/admin/users/new',
      `/admin/users/${repId}`,
      `/admin/waves/${openWaveId}`,
      `/admin/waves/${openWaveId}?page=70`,
      `/admin/schools/${schools[0]!.id}`,
    ];
    for (const url of urls) {
      const res = await admin.get(url);
      expect(res.statusCode, url).toBe(200);
      sizes[url] = bytes(res.body);
      expect(sizes[url], url).toBeLessThanOrEqual(LIMIT);
    }
    // A wave page names its participants a page at a time, and says how many there are.
    const wave = await admin.get(`/admin/waves/${openWaveId}?q=100011`);
    expect(wave.body).toContain(schools.find((s) => s.instellingsnummer === '100011')!.name);
  });

  it('shows the state of the network at home: open waves with counts, waves to seal, accounts without two-step verification, the latest actions', async () => {
    const home = await admin.get('/admin');
    const body = home.body;
    expect(body).toContain('Netwerkbevraging voorjaar');
    // 3,604 active schools (every 37th inactive), 30 sealed boxes counted, never opened.
    const activeCount = schools.filter((s) => s.active).length;
    expect(body).toMatch(
      new RegExp(
        `Netwerkbevraging voorjaar</a></th><td class="num">${activeCount.toLocaleString('nl-BE').replace('.', '\\.')}</td><td class="num">[^<]+</td><td class="num">30</td>`,
      ),
    );
    // Its planned close lies in the past: waiting to be sealed.
    expect(body).toMatch(/id="seal-title"[\s\S]*Netwerkbevraging voorjaar[\s\S]*geplande sluitdatum/);
    const no2fa = Number(
      (await sql<{ n: number }>`select count(*)::int as n from app_user where active and totp_secret is null`.execute(store.db)).rows[0]!.n,
    );
    expect(body).toContain(`${no2fa} actieve accounts zonder tweestapsverificatie`);
    expect(body).toContain('href="/admin/users?twoFactor=off&amp;active=yes"');
    expect(body).toContain('id="recent-title"');
    expect(body).toContain('school gewijzigd');
    // Not a card per school.
    expect(body).not.toContain(schools[1]!.name);
  });

  it('pages, searches, filters and sorts schools as an independent query does', async () => {
    const db = store.db;
    // Filter + sort by school number descending, second page.
    const url = '/admin/schools?group=secundair&municipality=gent&active=yes&sort=number&dir=desc&page=2';
    const page = await admin.get(url);
    expect(page.statusCode).toBe(200);
    const expected = await sql<{ id: string }>`
      select id from school where benchmark_group = 'secundair' and lower(municipality) = 'gent' and active
      order by instellingsnummer desc nulls last, lower(name), id limit 50 offset 50`.execute(db);
    expect(schoolIdsIn(page.body)).toEqual(expected.rows.map((r) => r.id));
    const total = schools.filter((s) => s.benchmark_group === 'secundair' && s.municipality === 'Gent' && s.active).length;
    expect(page.body).toContain(`Scholen: ${total}`);
    expect(page.body).toContain(`(51–${Math.min(100, total)} van ${total})`);
    // Links keep the view: bookmarkable.
    expect(page.body).toContain(
      'href="/admin/schools?group=secundair&amp;municipality=gent&amp;active=yes&amp;sort=number&amp;dir=desc&amp;page=1"',
    );

    // Search in the name (case-insensitive), in the municipality, or an exact school number.
    const search = await admin.get('/admin/schools?q=regenboog&sort=name');
    const regenboog = schools.filter((s) => s.name.toLowerCase().includes('regenboog'));
    expect(search.body).toContain(`Scholen: ${regenboog.length}`);
    const firstPage = await sql<{
      id: string;
    }>`select id from school where strpos(lower(name), 'regenboog') > 0 order by lower(name), id limit 50`.execute(db);
    expect(schoolIdsIn(search.body)).toEqual(firstPage.rows.map((r) => r.id));
    const byNumber = await admin.get('/admin/schools?q=100124');
    expect(schoolIdsIn(byNumber.body)).toEqual([schools.find((s) => s.instellingsnummer === '100124')!.id]);
    // % and _ are characters, not patterns.
    const percent = await admin.get('/admin/schools?q=100%25%20_');
    expect(schoolIdsIn(percent.body)).toEqual([schools.find((s) => s.name === 'School 100% _onderwijs')!.id]);
    // Schools of a wave, inactive ones.
    const inWave = await admin.get(`/admin/schools?wave=${openWaveId}&active=no`);
    expect(schoolIdsIn(inWave.body)).toEqual([]);
    expect(inWave.body).toContain('Niets gevonden met deze zoekterm of filters.');
    const inactive = await admin.get('/admin/schools?active=no&sort=staff&dir=desc');
    const inactiveExpected = await sql<{
      id: string;
    }>`select id from school where not active order by staff_count desc, lower(name), id limit 50`.execute(db);
    expect(schoolIdsIn(inactive.body)).toEqual(inactiveExpected.rows.map((r) => r.id));
    // Past the last page: the last page. A bad value: 400.
    const beyond = await admin.get('/admin/schools?page=999');
    expect(beyond.body).toContain(`Pagina ${Math.ceil((SCHOOLS + 1) / 50)} van ${Math.ceil((SCHOOLS + 1) / 50)}`);
    expect((await admin.get('/admin/schools?active=maybe')).statusCode).toBe(400);
    expect((await admin.get('/admin/schools?sort=ctid')).statusCode).toBe(400);
    expect((await admin.get('/admin/schools?wave=nope')).statusCode).toBe(400);

    // The same filters as a file, with school numbers; names that look like formulas are escaped.
    const csv = await admin.get('/admin/schools.csv?group=secundair');
    expect(csv.headers['content-type']).toContain('text/csv');
    const parsed = Papa.parse<string[]>(csv.body.replace(/^\ufeff/, ''), { delimiter: ';', skipEmptyLines: true }).data;
    expect(parsed.length - 1).toBe(schools.filter((s) => s.benchmark_group === 'secundair').length + 1);
    expect(parsed[0]).toContain('instellingsnummer');
    expect(parsed.flat().filter((c) => /^[=+@\t\r]/.test(c) || /^-[^\d]/.test(c))).toEqual([]);
    expect(parsed.flat()).toContain(`'=HYPERLINK("http://evil.example","klik")`);
  });

  it('pages, searches, filters and sorts users and waves as an independent query does', async () => {
    const db = store.db;
    const page = await admin.get('/admin/users?q=%40net1&role=rep&active=yes&twoFactor=off&sort=email&dir=desc&page=3');
    expect(page.statusCode).toBe(200);
    const expected = await sql<{ id: string }>`
      select id from app_user where strpos(lower(email), '@net1') > 0 and role = 'rep' and active and totp_secret is null
      order by lower(email) desc, id limit 50 offset 100`.execute(db);
    expect(expected.rows).toHaveLength(50);
    expect(userIdsIn(page.body)).toEqual(expected.rows.map((r) => r.id));
    // A rep's schools: the first names and a count, never the whole list.
    const rep = await admin.get(`/admin/users?q=${encodeURIComponent(repEmail)}`);
    expect(userIdsIn(rep.body)).toEqual([repId]);
    expect(rep.body).toContain('en nog 2');
    const byRole = await admin.get('/admin/users?role=admin&sort=role');
    const admins = Number((await sql<{ n: number }>`select count(*)::int as n from app_user where role = 'admin'`.execute(db)).rows[0]!.n);
    expect(byRole.body).toContain(`van ${admins})`);
    expect((await admin.get('/admin/users?role=root')).statusCode).toBe(400);

    const waves = await admin.get('/admin/waves?q=najaar&status=draft&sort=name&dir=asc');
    const expectedWaves = await sql<{
      id: string;
    }>`select id from wave where strpos(lower(name), 'najaar') > 0 and status = 'draft' order by lower(name), created_at desc, id limit 50`.execute(
      db,
    );
    expect(expectedWaves.rows).toHaveLength(30);
    expect(waveIdsIn(waves.body)).toEqual(expectedWaves.rows.map((r) => r.id));
    const newest = await admin.get('/admin/waves?page=2');
    const expectedNewest = await sql<{ id: string }>`select id from wave order by created_at desc, id limit 50 offset 50`.execute(db);
    expect(waveIdsIn(newest.body)).toEqual(expectedNewest.rows.map((r) => r.id));
  });

  it("chooses a rep's schools by pasted school numbers, naming unknown ones and saving nothing then", async () => {
    const db = store.db;
    const before = await snapshot(db);
    const refused = await admin.post('/admin/users', {
      email: 'nieuwe.rep@example.org',
      role: 'rep',
      userLang: 'nl',
      numbers: '100001\n100002, 999999;100004 12ab',
      password: '',
    });
    expect(refused.statusCode).toBe(422);
    expect(refused.body).toContain('Geen actieve school met deze instellingsnummers (1): 999999');
    expect(refused.body).toContain('Dit zijn geen instellingsnummers (alleen cijfers): 12ab');
    expect(refused.body).toContain('href="#f-numbers"');
    expect(await snapshot(db)).toEqual(before);

    // The preview counts the choice without saving it.
    const preview = await admin.post('/admin/users', {
      email: 'nieuwe.rep@example.org',
      role: 'rep',
      userLang: 'nl',
      numbers: '100001 100002 100004',
      preview: '1',
    });
    expect(preview.statusCode).toBe(200);
    expect(preview.body).toContain('Deze keuze telt 3 scholen.');
    expect(await snapshot(db)).toEqual(before);

    const created = await admin.post('/admin/users', {
      email: 'nieuwe.rep@example.org',
      role: 'rep',
      userLang: 'nl',
      numbers: '100001 100002 100004',
      password: 'een lang genoeg wachtwoord 42',
    });
    expect(created.statusCode).toBe(303);
    const id = (await db.selectFrom('app_user').select('id').where('email', '=', 'nieuwe.rep@example.org').executeTakeFirstOrThrow()).id;
    const assigned = await db
      .selectFrom('rep_school')
      .innerJoin('school', 'school.id', 'rep_school.school_id')
      .select('school.instellingsnummer')
      .where('user_id', '=', id)
      .execute();
    expect(assigned.map((a) => a.instellingsnummer).sort()).toEqual(['100001', '100002', '100004']);

    // Editing: keep two (checkboxes), drop one, add by number; an unknown number refuses the whole change.
    const detail = await admin.get(`/admin/users/${id}`);
    expect(detail.body.match(/name="schools" value="[0-9a-f-]{36}" checked/g)).toHaveLength(3);
    const keep = (await db.selectFrom('school').select('id').where('instellingsnummer', 'in', ['100001', '100002']).execute()).map(
      (s) => s.id,
    );
    const unknown = await postForm(app, admin, `/admin/users/${id}/schools`, [
      ...keep.map((k): [string, string] => ['schools', k]),
      ['numbers', '100005 777777'],
    ]);
    expect(unknown.statusCode).toBe(422);
    expect(unknown.body).toContain('777777');
    const changed = await postForm(app, admin, `/admin/users/${id}/schools`, [
      ...keep.map((k): [string, string] => ['schools', k]),
      ['numbers', '100005'],
    ]);
    expect(changed.statusCode).toBe(303);
    const now = await db
      .selectFrom('rep_school')
      .innerJoin('school', 'school.id', 'rep_school.school_id')
      .select('school.instellingsnummer')
      .where('user_id', '=', id)
      .execute();
    expect(now.map((a) => a.instellingsnummer).sort()).toEqual(['100001', '100002', '100005']);
  });

  it('creates a wave for all secondary schools in a set of municipalities with the form, without JavaScript', async () => {
    const db = store.db;
    const q = (await db.selectFrom('questionnaire').select('id').executeTakeFirstOrThrow()).id;
    const fields = { name: 'Secundair Limburg', questionnaireId: q, k: '5', group: 'secundair', municipalities: 'Hasselt\nGenk, Tienen' };
    const preview = await admin.post('/admin/waves', { ...fields, preview: '1' });
    expect(preview.statusCode).toBe(200);
    const expected = schools
      .filter((s) => s.active && s.benchmark_group === 'secundair' && ['Hasselt', 'Genk', 'Tienen'].includes(s.municipality))
      .map((s) => s.id)
      .sort();
    expect(preview.body).toContain(`Deze keuze telt ${expected.length} scholen.`);
    expect(preview.body).toContain('>Hasselt\nGenk, Tienen</textarea>');
    const created = await admin.post('/admin/waves', fields);
    expect(created.statusCode).toBe(303);
    const waveId = uuidIn(created.headers.location)!;
    const chosen = (await db.selectFrom('wave_school').select('school_id').where('wave_id', '=', waveId).execute())
      .map((r) => r.school_id)
      .sort();
    expect(chosen).toEqual(expected);
    // A municipality without schools is named; nothing is created.
    const before = await snapshot(db);
    const none = await admin.post('/admin/waves', { ...fields, name: 'Nergens', municipalities: 'Atlantis' });
    expect(none.statusCode).toBe(422);
    expect(none.body).toContain('Geen actieve school in deze gemeenten (1): atlantis');
    expect(await snapshot(db)).toEqual(before);
    // Later schools join by pasted numbers on the wave's page.
    // (100000 belongs to an inactive school: named, nothing added.)
    const inactive = await admin.post(`/admin/waves/${waveId}/schools`, { numbers: '100000 100001' });
    expect(inactive.statusCode).toBe(422);
    expect(inactive.body).toContain('Geen actieve school met deze instellingsnummers (1): 100000');
    const added = await admin.post(`/admin/waves/${waveId}/schools`, { numbers: '100001 100002' });
    expect(added.statusCode).toBe(303);
    expect(added.headers.location).toContain('n=');
  });

  it('creates a wave for all secondary schools in one province with the form, without JavaScript', async () => {
    const db = store.db;
    const q = (await db.selectFrom('questionnaire').select('id').executeTakeFirstOrThrow()).id;
    const fields = { name: 'Secundair provincie Limburg', questionnaireId: q, k: '5', group: 'secundair', province: 'Limburg' };
    const expected = (
      await db
        .selectFrom('school')
        .select('id')
        .where('active', '=', true)
        .where('benchmark_group', '=', 'secundair')
        .where('province', '=', 'Limburg')
        .execute()
    )
      .map((r) => r.id)
      .sort();
    expect(expected.length).toBeGreaterThan(20);
    const preview = await admin.post('/admin/waves', { ...fields, preview: '1' });
    expect(preview.statusCode).toBe(200);
    expect(preview.body).toContain(`Deze keuze telt ${expected.length} scholen.`);
    expect(preview.body).toContain('<option value="Limburg" selected>');
    const created = await admin.post('/admin/waves', fields);
    expect(created.statusCode).toBe(303);
    const chosen = (
      await db.selectFrom('wave_school').select('school_id').where('wave_id', '=', uuidIn(created.headers.location)!).execute()
    )
      .map((r) => r.school_id)
      .sort();
    expect(chosen).toEqual(expected);
  });

  it('reads like a log: rep and researcher actions translated in both languages, names instead of ids, filters by actor, action and date', async () => {
    const nl = await admin.get(`/admin/audit?actor=${encodeURIComponent(repEmail)}&action=dashboard.view&from=2026-01-05&to=2026-01-10`);
    expect(nl.statusCode).toBe(200);
    const rows = [...nl.body.matchAll(/<tr><td><time datetime="([^"]+)"/g)].map((m) => m[1]!);
    // Days 5..10 of January: i % 28 in 4..9, over 120 entries.
    const expected = Array.from({ length: 120 }, (_, i) => 1 + (i % 28)).filter((d) => d >= 5 && d <= 10).length;
    expect(rows).toHaveLength(expected);
    expect(rows.every((r) => r >= '2026-01-05' && r < '2026-01-11')).toBe(true);
    expect(nl.body).toContain('dashboard van een school bekeken');
    expect(nl.body).toContain(`bevraging: Netwerkbevraging voorjaar`);
    expect(nl.body).not.toMatch(/<th scope="row">dashboard\.view</);
    expect(nl.body).not.toContain(`school: ${schools[0]!.id}`);

    const all = await english.get('/admin/audit?from=2026-01-01&to=2026-02-28');
    for (const label of [
      "viewed a school's dashboard",
      "viewed a school's report",
      "downloaded a school's slides (LOC)",
      'downloaded a research export',
      "viewed a wave's network overview",
    ])
      expect(all.body).toContain(label.replace(/'/g, '&#39;'));
    expect(all.body).toContain('file: items.csv');
    expect(all.body).not.toMatch(/<th scope="row">[a-zA-Z]+\.[a-zA-Z]+</);
    const nlAll = await admin.get('/admin/audit?page=1');
    for (const label of [
      'rapport van een school bekeken',
      'presentatie (LOC) van een school gedownload',
      'onderzoeksexport gedownload',
      'netwerkoverzicht van een bevraging bekeken',
    ])
      expect(nlAll.body).toContain(label);
    // Every action the code records has a label in both languages.
    for (const lang of LANGS)
      for (const action of AUDIT_ACTIONS) expect(hasKey(lang, `admin.audit.action.${action}`), `${lang} ${action}`).toBe(true);
    // Everything about one wave (linked from its page).
    const about = await admin.get(`/admin/audit?about=${openWaveId}`);
    const aboutCount = Number(
      (await sql<{ n: number }>`select count(*)::int as n from audit_log where strpos(target, ${openWaveId}) > 0`.execute(store.db))
        .rows[0]!.n,
    );
    expect(about.body).toContain(`(${aboutCount} acties)`);
    expect((await admin.get(`/admin/waves/${openWaveId}`)).body).toContain(`href="/admin/audit?about=${openWaveId}"`);
    // The command line, and nonsense dates.
    const cli = await admin.get('/admin/audit?actor=cli');
    expect(cli.body).toContain('opdrachtregel');
    expect(cli.body).not.toContain(repEmail);
    expect((await admin.get('/admin/audit?from=gisteren')).statusCode).toBe(400);
    expect((await admin.get('/admin/audit?from=2026-02-30')).body).toContain('Een datum bestaat niet');
  });

  it('exports the audit log as CSV with the same filters, safe against formula injection, without codes or addresses', async () => {
    const res = await admin.get('/admin/audit.csv');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    expect(res.headers['content-disposition']).toContain('logboek.csv');
    const rows = Papa.parse<string[]>(res.body.replace(/^\ufeff/, ''), { delimiter: ';', skipEmptyLines: true }).data;
    const total = Number((await sql<{ n: number }>`select count(*)::int as n from audit_log`.execute(store.db)).rows[0]!.n);
    expect(rows.length - 1).toBe(total);
    expect(rows[0]).toEqual(['Wanneer', 'Wie', 'Actie', 'Actiecode', 'Waarop']);
    // No cell starts a formula; the school named like one is escaped, still readable.
    expect(rows.flat().filter((c) => /^[=+@\t\r]/.test(c) || /^-[^\d]/.test(c))).toEqual([]);
    expect(rows.some((r) => r[4] === `'school: =HYPERLINK("http://evil.example","klik")` || r[4]!.includes('=HYPERLINK'))).toBe(true);
    expect(res.body).not.toMatch(/\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b/);
    const filtered = await english.get('/admin/audit.csv?action=export.download');
    const f = Papa.parse<string[]>(filtered.body.replace(/^\ufeff/, ''), { delimiter: ';', skipEmptyLines: true }).data;
    expect(f.slice(1).map((r) => r[2])).toEqual(['downloaded a research export']);
  });

  it('keeps a school number unique and digits only, in the form and in the CSV import', async () => {
    const db = store.db;
    const taken = await admin.post('/admin/schools', {
      name: 'Nieuwe School',
      benchmarkGroup: 'secundair',
      municipality: 'Gent',
      staffCount: '5',
      number: '100001',
    });
    expect(taken.statusCode).toBe(422);
    expect(taken.body).toContain('Er bestaat al een school met dit instellingsnummer.');
    const letters = await admin.post('/admin/schools', {
      name: 'Nieuwe School',
      benchmarkGroup: 'secundair',
      municipality: 'Gent',
      staffCount: '5',
      number: '12-AB',
    });
    expect(letters.statusCode).toBe(422);
    expect(letters.body).toContain('href="#f-number"');
    expect(
      (
        await admin.post('/admin/schools', {
          name: 'Nieuwe School',
          benchmarkGroup: 'secundair',
          municipality: 'Gent',
          staffCount: '5',
          number: ' 424242 ',
        })
      ).statusCode,
    ).toBe(303);
    const row = await db
      .selectFrom('school')
      .select(['id', 'instellingsnummer'])
      .where('name', '=', 'Nieuwe School')
      .executeTakeFirstOrThrow();
    expect(row.instellingsnummer).toBe('424242');
    // Editing without the field (an older form) keeps it; an empty field clears it.
    await admin.post(`/admin/schools/${row.id}`, {
      name: 'Nieuwe School',
      benchmarkGroup: 'secundair',
      municipality: 'Gent',
      staffCount: '6',
    });
    expect(
      (await db.selectFrom('school').select('instellingsnummer').where('id', '=', row.id).executeTakeFirstOrThrow()).instellingsnummer,
    ).toBe('424242');
    const form = await admin.get(`/admin/schools/${row.id}`);
    expect(form.body).toContain('value="424242"');
    // An admin reaches the school's results and its history from here (home no longer lists every school).
    expect(form.body).toContain(`href="/schools/${row.id}"`);
    expect(form.body).toContain(`href="/admin/audit?about=${row.id}"`);

    const csv =
      'naam;niveau;gemeente;personeel;instellingsnummer\nImport Een;secundair;Gent;5;555001\nImport Twee;secundair;Gent;5;555001\nImport Drie;secundair;Gent;5;100002\nImport Vier;secundair;Gent;5;55x\nImport Vijf;secundair;Gent;5;\n';
    const refused = await admin.post('/admin/schools/import', { text: csv });
    expect(refused.statusCode).toBe(422);
    expect(refused.body).toContain('regel 3, kolom 5 (instellingsnummer)');
    expect(refused.body).toContain('regel 5, kolom 5 (instellingsnummer)');
    const good = 'naam;niveau;gemeente;personeel;instellingsnummer\nImport Een;secundair;Gent;5;555001\nImport Vijf;secundair;Gent;5;\n';
    const preview = await admin.post('/admin/schools/import', { text: good });
    expect(preview.statusCode).toBe(200);
    expect(preview.body).toContain('<td>555001</td>');
    const stored = await admin.post('/admin/schools/import', {
      text: 'naam;niveau;gemeente;personeel;instellingsnummer\nImport Drie;secundair;Gent;5;100002\n',
    });
    expect(stored.statusCode).toBe(422);
    expect(stored.body).toContain('Er bestaat al een school met instellingsnummer 100002.');
  });
});
