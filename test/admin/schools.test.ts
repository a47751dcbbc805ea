import { beforeAll, describe, expect, it } from 'vitest';
import { storeKind } from '../helpers/store.ts';
import { useApp } from '../helpers/app.ts';
import type { Session } from '../helpers/session.ts';
import { hidden, postMultipart, rowCount, signedIn, snapshot, uuidIn } from './helpers.ts';
import { parseSchoolCsv } from '../../server/admin/school-import.ts';

describe(`admin: schools (${storeKind})`, () => {
  let admin: Session;
  const { store, app } = useApp();
  beforeAll(async () => {
    admin = (await signedIn(app, store.db, 'admin')).session;
  });

  it('creates, lists, edits and deactivates a school, each in the audit log', async () => {
    const form = await admin.get('/admin/schools/new');
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('name="benchmarkGroup"');

    const created = await admin.post('/admin/schools', {
      name: '  Basisschool  De Linde ',
      benchmarkGroup: 'Basisonderwijs',
      municipality: 'Lier',
      staffCount: '31',
    });
    expect(created.statusCode).toBe(303);
    expect(created.headers.location).toBe('/admin/schools?done=created');
    const row = await store.db.selectFrom('school').selectAll().where('name', '=', 'Basisschool De Linde').executeTakeFirstOrThrow();
    expect(row).toMatchObject({ benchmark_group: 'basisonderwijs', municipality: 'Lier', staff_count: 31, active: true });

    const list = await admin.get('/admin/schools?done=created');
    expect(list.body).toContain('Basisschool De Linde');
    expect(list.body).toContain('De school is toegevoegd.');

    const edit = await admin.get(`/admin/schools/${row.id}`);
    expect(edit.statusCode).toBe(200);
    expect(edit.body).toContain('value="Basisschool De Linde"');
    const updated = await admin.post(`/admin/schools/${row.id}`, {
      name: 'Basisschool De Linde',
      benchmarkGroup: 'basisonderwijs',
      municipality: 'Lier',
      staffCount: '33',
    });
    expect(updated.statusCode).toBe(303);
    expect((await store.db.selectFrom('school').select('staff_count').where('id', '=', row.id).executeTakeFirstOrThrow()).staff_count).toBe(
      33,
    );

    const off = await admin.post(`/admin/schools/${row.id}/active`, { active: 'false' });
    expect(off.statusCode).toBe(303);
    expect((await store.db.selectFrom('school').select('active').where('id', '=', row.id).executeTakeFirstOrThrow()).active).toBe(false);

    const actions = await store.db
      .selectFrom('audit_log')
      .select(['action', 'target'])
      .where('target', '=', `school:${row.id}`)
      .orderBy('at')
      .execute();
    expect(actions.map((a) => a.action).sort()).toEqual(['school.create', 'school.deactivate', 'school.update']);
  });

  it('refuses bad fields naming each one, and a taken name, with nothing changed', async () => {
    await admin.post('/admin/schools', { name: 'Atheneum Zuid', benchmarkGroup: 'secundair', municipality: '', staffCount: '50' });
    const before = await snapshot(store.db);
    const bad = await admin.post('/admin/schools', { name: ' ', benchmarkGroup: 'secundair', municipality: '', staffCount: 'veel' });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('id="error-summary"');
    expect(bad.body).toContain('href="#f-name"');
    expect(bad.body).toContain('Geef de naam van de school.');
    expect(bad.body).toContain('href="#f-staffCount"');
    expect(bad.body).toContain('Geef een geheel getal van 0 tot');
    const taken = await admin.post('/admin/schools', {
      name: 'atheneum zuid',
      benchmarkGroup: 'secundair',
      municipality: '',
      staffCount: '5',
    });
    expect(taken.statusCode).toBe(422);
    expect(taken.body).toContain('Er bestaat al een school met deze naam.');
    const missing = await admin.post('/admin/schools', { name: 'X', benchmarkGroup: 'secundair', staffCount: '5' });
    expect(missing.statusCode).toBe(400);
    expect(missing.body).toContain('municipality');
    expect(await snapshot(store.db)).toEqual(before);
  });

  it('imports a semicolon CSV from Belgian Excel (Windows-1252, BOM-less) after a preview, all at once', async () => {
    const csv =
      'naam;niveau;gemeente;personeel\r\n"Sint-Jozefsinstituut; campus Noord";secundair;Brugge;120\r\nBasisschool Ter Beké;basisonderwijs;Ieper;22\r\n\r\n';
    const bytes = Buffer.from(csv, 'latin1'); // é as one byte: not UTF-8
    const before = await rowCount(store.db, 'school');
    const preview = await postMultipart(app, admin, '/admin/schools/import', {
      file: { filename: 'scholen.csv', content: bytes, type: 'text/csv' },
    });
    expect(preview.statusCode).toBe(200);
    expect(preview.body).toContain('Sint-Jozefsinstituut; campus Noord');
    expect(preview.body).toContain('Basisschool Ter Beké');
    expect(preview.body).toContain('2 scholen, gescheiden door &quot;;&quot;');
    expect(await rowCount(store.db, 'school')).toBe(before); // a preview writes nothing

    const commit = await admin.post('/admin/schools/import/commit', { data: hidden(preview.body, 'data') });
    expect(commit.statusCode).toBe(303);
    expect(commit.headers.location).toBe('/admin/schools?done=imported&n=2');
    const rows = await store.db
      .selectFrom('school')
      .select(['name', 'benchmark_group', 'municipality', 'staff_count'])
      .where('municipality', 'in', ['Brugge', 'Ieper'])
      .orderBy('name')
      .execute();
    expect(rows).toEqual([
      { name: 'Basisschool Ter Beké', benchmark_group: 'basisonderwijs', municipality: 'Ieper', staff_count: 22 },
      { name: 'Sint-Jozefsinstituut; campus Noord', benchmark_group: 'secundair', municipality: 'Brugge', staff_count: 120 },
    ]);
    expect(await store.db.selectFrom('audit_log').select('target').where('action', '=', 'school.import').execute()).toEqual([
      { target: 'count:2' },
    ]);

    // Committing the same preview again: every name is now taken, nothing is imported twice.
    const again = await admin.post('/admin/schools/import/commit', { data: hidden(preview.body, 'data') });
    expect(again.statusCode).toBe(422);
    expect(again.body).toContain('regel 2, kolom 1 (naam)');
    expect(await rowCount(store.db, 'school')).toBe(before + 2);
  });

  it("imports each school's province as written in the CSV, and names a province it does not know", async () => {
    const r = parseSchoolCsv(
      'naam;niveau;gemeente;personeel;provincie\nA;secundair;Gent;3;oost vlaanderen\nB;secundair;Genk;4;LIMBURG\nC;secundair;Brussel;5;\n',
    );
    expect(r.ok && r.value.rows.map((s) => [s.name, s.province])).toEqual([
      ['A', 'Oost-Vlaanderen'],
      ['B', 'Limburg'],
      ['C', null],
    ]);
    const bad = parseSchoolCsv('naam;niveau;personeel;provincie\nA;secundair;3;Atlantis\n');
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.problems).toEqual([
      expect.objectContaining({ field: 'provincie', key: 'admin.schools.error.province', line: 2, column: 4 }),
    ]);
    // The form sets it, and an empty choice clears it.
    const created = await admin.post('/admin/schools', {
      name: 'Provinciale School',
      benchmarkGroup: 'secundair',
      municipality: 'Brugge',
      staffCount: '9',
      number: '',
      province: 'West-Vlaanderen',
    });
    expect(created.statusCode).toBe(303);
    const row = await store.db
      .selectFrom('school')
      .select(['id', 'province'])
      .where('name', '=', 'Provinciale School')
      .executeTakeFirstOrThrow();
    expect(row.province).toBe('West-Vlaanderen');
    expect((await admin.get(`/admin/schools/${row.id}`)).body).toContain('<option value="West-Vlaanderen" selected>');
    expect(
      (
        await admin.post(`/admin/schools/${row.id}`, {
          name: 'Provinciale School',
          benchmarkGroup: 'secundair',
          municipality: 'Brugge',
          staffCount: '9',
          number: '',
          province: '',
        })
      ).statusCode,
    ).toBe(303);
    expect((await store.db.selectFrom('school').select('province').where('id', '=', row.id).executeTakeFirstOrThrow()).province).toBeNull();
    const refused = await admin.post(`/admin/schools/${row.id}`, {
      name: 'Provinciale School',
      benchmarkGroup: 'secundair',
      municipality: 'Brugge',
      staffCount: '9',
      number: '',
      province: 'Wallonië',
    });
    expect(refused.statusCode).toBe(422);
    expect(refused.body).toContain('Geen provincie die we kennen');
  });

  it('imports a comma CSV with English headers pasted as text', async () => {
    const csv = 'Name,School level,Municipality,Staff count\nCampus Oost,secundair,Gent,80\n';
    const preview = await admin.post('/admin/schools/import', { text: csv });
    expect(preview.statusCode).toBe(200);
    const commit = await admin.post('/admin/schools/import/commit', { data: hidden(preview.body, 'data') });
    expect(commit.statusCode).toBe(303);
    expect(await store.db.selectFrom('school').select('staff_count').where('name', '=', 'Campus Oost').executeTakeFirst()).toEqual({
      staff_count: 80,
    });
  });

  it('refuses a CSV with bad rows, naming line and column of each, and imports none of it', async () => {
    const csv = [
      'naam;niveau;gemeente;personeel',
      'Goede School;basisonderwijs;Gent;10',
      'Tweede School;basisonderwijs;Gent;tien',
      ';secundair;Gent;5',
      'Goede School;secundair;Aalst;7',
      'Te Kort;secundair',
    ].join('\n');
    const before = await snapshot(store.db);
    const res = await postMultipart(app, admin, '/admin/schools/import', {
      file: { filename: 'fout.csv', content: csv, type: 'text/csv' },
    });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('regel 3, kolom 4 (personeel)');
    expect(res.body).toContain('regel 4, kolom 1 (naam)');
    expect(res.body).toContain('regel 5, kolom 1 (naam)');
    expect(res.body).toContain('Deze naam staat al op regel 2.');
    expect(res.body).toContain('regel 6');
    expect(res.body).toContain('Deze regel heeft 2 velden in plaats van 4');
    // A forged commit of the same text is checked again and refused.
    const forged = await admin.post('/admin/schools/import/commit', { data: Buffer.from(csv).toString('base64url') });
    expect(forged.statusCode).toBe(422);
    expect(await snapshot(store.db)).toEqual(before);
  });

  it('names header problems on line 1', () => {
    const r = parseSchoolCsv('naam;kleur;personeel\nA;rood;3\n');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.problems).toContainEqual(expect.objectContaining({ line: 1, column: 2, key: 'admin.import.error.unknownColumn' }));
      expect(r.problems).toContainEqual(
        expect.objectContaining({
          line: 1,
          key: 'admin.import.error.missingColumn',
          params: expect.objectContaining({ name: 'benchmarkgroup' }),
        }),
      );
    }
    const quoted = parseSchoolCsv('naam;niveau;personeel\n"Multi\nregel";secundair;3\nB;secundair;x\n');
    expect(quoted.ok).toBe(false);
    if (!quoted.ok) expect(quoted.problems).toEqual([expect.objectContaining({ line: 4, column: 3, field: 'personeel' })]);
  });

  it('404s for an unknown school and 400s for a malformed id', async () => {
    expect((await admin.get('/admin/schools/00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
    const bad = await admin.get('/admin/schools/not-a-uuid');
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('schoolId');
    expect(uuidIn('/admin/schools/00000000-0000-4000-8000-000000000000')).toBeTruthy();
  });
});

describe('school CSV parsing', () => {
  it('ignores empty columns and trailing delimiters that Excel writes', () => {
    const r = parseSchoolCsv('naam;niveau;gemeente;personeel;\nA;secundair;Gent;3;;\nB;secundair;;4\n');
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.value.delimiter).toBe(';');
      expect(r.value.rows.map((x) => [x.name, x.municipality, x.staffCount, x.line])).toEqual([
        ['A', 'Gent', 3, 2],
        ['B', '', 4, 3],
      ]);
    }
  });
});
