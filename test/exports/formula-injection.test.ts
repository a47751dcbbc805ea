import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import Papa from 'papaparse';
import { testStore, storeKind, type TestStore } from '../helpers/store.ts';
import { testApp, testKeys } from '../helpers/app.ts';
import { Session } from '../helpers/session.ts';
import { seedDemo } from '../../server/demo/demo.ts';
import { publishQuestionnaire } from '../../server/questionnaires.ts';
import { createSchool } from '../../server/admin/schools.ts';
import { createWave, openWave } from '../../server/waves.ts';
import { closeWave } from '../../server/sealing/sealing.ts';
import { createUser } from '../../server/staff/users.ts';
import { escapeFormula, formatCell } from '../../server/research/csv.ts';
import type { Column } from '../../server/research/columns.ts';
import type { Database } from '../../server/db/schema.ts';
import type { Questionnaire } from '../../surveys/schema.ts';
import { unzip } from '../helpers/zip.ts';

/**
 * Issue 16: CSV formula injection. A school named `=HYPERLINK("http://x","y")` (and a wave, a
 * benchmark group and questionnaire wording that start with `+`, `-`, `@`, a tab or a carriage
 * return) appears in every export file and dialect and in the access-code CSVs; no text cell may
 * start with a formula character unless it is a plain number, and numbers stay numbers.
 */

const HOSTILE_SCHOOL = '=HYPERLINK("http://x","y")';
const HOSTILE = {
  school: HOSTILE_SCHOOL,
  school2: '@SUM(1+1)*cmd|" /C calc"!A0',
  school3: '\t=1+2',
  group: '+grp',
  wave1: '-2+3 eerste',
  wave2: '\r=2 tweede',
  itemNl: '=1+1 vraag',
  itemEn: '-1+1 item',
};

const Q: Questionnaire = {
  id: 'formula',
  version: 1,
  title: { nl: '=Titel', en: '=Title' },
  intro: { nl: 'Test.', en: 'Test.' },
  scales: [
    {
      id: 'agree5',
      labels: [
        { nl: '=een', en: '-one' },
        { nl: 'oneens', en: 'disagree' },
        { nl: 'neutraal', en: 'neutral' },
        { nl: 'eens', en: 'agree' },
        { nl: 'helemaal eens', en: 'strongly agree' },
      ],
      notApplicable: { nl: 'weet niet / n.v.t.', en: 'not applicable' },
    },
  ],
  themes: [
    {
      id: 'thema',
      label: { nl: '@Thema', en: '@Theme' },
      items: [
        { id: 'a', label: { nl: HOSTILE.itemNl, en: HOSTILE.itemEn }, scale: 'agree5', reverse: false },
        { id: 'b', label: { nl: '+Vraag b', en: 'Item b' }, scale: 'agree5', reverse: true },
      ],
    },
  ],
  background: [],
} as unknown as Questionnaire;

/** Two sealed waves of one questionnaire key; the second scores lower, so `change` holds negative numbers. */
async function seed(db: Kysely<Database>) {
  const questionnaireId = await publishQuestionnaire(db, Q);
  const schoolIds: string[] = [];
  for (const name of [HOSTILE.school, HOSTILE.school2, HOSTILE.school3, 'Gewone school 1', 'Gewone school 2', 'Gewone school 3']) {
    schoolIds.push(await createSchool(db, { name, benchmark_group: HOSTILE.group, municipality: '=Gent', staff_count: 10 }));
  }
  const waveIds: string[] = [];
  for (const [w, name] of [HOSTILE.wave1, HOSTILE.wave2].entries()) {
    const waveId = await createWave(db, { name, questionnaireId, schoolIds, k: 5 });
    await openWave(db, waveId);
    for (const [si, schoolId] of schoolIds.entries()) {
      const rows = Array.from({ length: 7 }, (_, r) => {
        const v = w === 0 ? 4 + ((r + si) % 2) : 1 + ((r + si) % 2);
        return { wave_id: waveId, school_id: schoolId, answers: [v, 6 - v], background: JSON.stringify({}) };
      });
      await db.insertInto('response').values(rows).execute();
    }
    await closeWave(db, testKeys(db), waveId);
    waveIds.push(waveId);
  }
  return { waveIds, schoolIds };
}

const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[+-]?\d+([.,]\d+)?$/;

/** Every cell of a CSV file: none may start like a formula unless it is a plain number. */
function cellsOf(text: string, delimiter: string, where: string): string[][] {
  const parsed = Papa.parse<string[]>(text.replace(/^\uFEFF/, ''), { delimiter, skipEmptyLines: true });
  expect(parsed.errors, where).toEqual([]);
  for (const row of parsed.data) {
    for (const cell of row) {
      if (FORMULA_START.test(cell)) expect(cell, `${where}: a cell a spreadsheet would run`).toMatch(PLAIN_NUMBER);
    }
  }
  return parsed.data;
}

describe(`CSV formula injection over every export (${storeKind})`, () => {
  let store: TestStore;
  let app: FastifyInstance;
  let researcher: Session;
  let admin: Session;
  let seeded: Awaited<ReturnType<typeof seed>>;

  beforeAll(async () => {
    store = await testStore();
    await seedDemo(store.db, testKeys(store.db), 5);
    seeded = await seed(store.db);
    await createUser(store.db, { email: 'formula.researcher@example.org', role: 'researcher', password: 'Vq7#tLm2!pXr9$Kd4&Wz' });
    app = await testApp(store);
    researcher = await new Session(app, '10.16.0.1').login('formula.researcher@example.org', 'Vq7#tLm2!pXr9$Kd4&Wz');
    admin = await new Session(app, '10.16.0.2').login('admin@demo.schoolpols.be', 'demo-wachtwoord');
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await store?.drop();
  });

  const get = async (url: string) => {
    const res = await researcher.get(url);
    expect(res.statusCode, url).toBe(200);
    return res;
  };

  it('escapes every hostile text cell of themes, items and codebook, alone and in the zip, in both dialects', async () => {
    for (const [dialect, delimiter, query] of [
      ['standard', ',', ''],
      ['excel-nl', ';', '?dialect=excel-nl'],
    ] as const) {
      for (const waveId of seeded.waveIds) {
        const texts = new Map<string, string>();
        for (const file of ['themes.csv', 'items.csv', 'codebook.csv'])
          texts.set(file, (await get(`/research/waves/${waveId}/${file}${query}`)).body);
        const zip = await unzip((await get(`/research/waves/${waveId}/export.zip${query}`)).rawPayload);
        for (const [file, bytes] of zip) if (file.endsWith('.csv')) texts.set(`zip:${file}`, bytes.toString('utf8'));
        expect([...texts.keys()].sort()).toEqual([
          'codebook.csv',
          'items.csv',
          'themes.csv',
          'zip:codebook.csv',
          'zip:drivers.csv',
          'zip:items.csv',
          'zip:priorities.csv',
          'zip:themes.csv',
        ]);
        for (const [file, text] of texts) {
          // This questionnaire has no priority question and no outcome items: those files are a header alone.
          if (file === 'zip:drivers.csv' || file === 'zip:priorities.csv') {
            expect(cellsOf(text, delimiter, `${dialect} ${file}`), file).toHaveLength(1);
            continue;
          }
          const cells = cellsOf(text, delimiter, `${dialect} ${file}`).flat();
          if (file.endsWith('codebook.csv')) {
            expect(cells).toContain(`'${HOSTILE.itemNl}`);
            expect(cells).toContain(`'${HOSTILE.itemEn}`);
            expect(cells).toContain("'+Vraag b");
          } else {
            // The school is in the file, escaped (a released school: its numbers are there too).
            expect(cells).toContain(`'${HOSTILE_SCHOOL}`);
            expect(cells).toContain(`'${HOSTILE.school2}`);
            expect(cells).toContain(`'${HOSTILE.school3}`);
            expect(cells).toContain(`'${HOSTILE.group}`);
          }
        }
        // The descriptor tells a reader how to undo the escape.
        const pkg = JSON.parse((await get(`/research/waves/${waveId}/datapackage.json${query}`)).body) as { description: string };
        expect(pkg.description).toMatch(/apostrophe in every dialect/);
        expect(zip.get('datapackage.json')!.toString('utf8')).toContain('apostrophe in every dialect');
      }
    }
  });

  it('escapes wave names and school names in trends.csv while negative changes stay numbers', async () => {
    for (const [delimiter, query] of [
      [',', ''],
      [';', '?dialect=excel-nl'],
    ] as const) {
      const rows = cellsOf((await get(`/research/questionnaires/formula/trends.csv${query}`)).body, delimiter, `trends ${query}`);
      const header = rows[0]!;
      const col = (name: string) => header.indexOf(name);
      const body = rows.slice(1);
      expect(body.map((r) => r[col('wave_name')])).toContain(`'${HOSTILE.wave1}`);
      expect(body.map((r) => r[col('wave_name')])).toContain(`'${HOSTILE.wave2}`);
      expect(body.map((r) => r[col('scope_label')])).toContain(`'${HOSTILE_SCHOOL}`);
      const changes = body.map((r) => r[col('change')]!).filter((c) => c !== '');
      expect(changes.length).toBeGreaterThan(0);
      for (const c of changes) expect(c).toMatch(delimiter === ',' ? /^-\d+(\.\d+)?$/ : /^-\d+(,\d+)?$/);
      for (const t of body.map((r) => r[col('change_t')]!).filter((c) => c !== '')) expect(t).toMatch(/^-\d/);
    }
  });

  it('escapes school and wave names in the access-code CSVs (one school and all schools)', async () => {
    const questionnaireId = (await store.db.selectFrom('questionnaire').select('id').where('key', '=', 'formula').executeTakeFirstOrThrow())
      .id;
    const waveId = await createWave(store.db, { name: '=codes', questionnaireId, schoolIds: seeded.schoolIds.slice(0, 2), k: 5 });
    await openWave(store.db, waveId);
    await admin.get(`/admin/waves/${waveId}`);
    const one = await admin.post(`/admin/waves/${waveId}/codes`, { schoolId: seeded.schoolIds[0]!, count: '2', format: 'csv' });
    expect(one.statusCode).toBe(200);
    const all = await admin.post(`/admin/waves/${waveId}/codes/all`, {});
    expect(all.statusCode).toBe(200);
    for (const [name, res] of [
      ['one school', one],
      ['all schools', all],
    ] as const) {
      const cells = cellsOf(res.body, ';', name).flat();
      expect(cells).toContain(`'${HOSTILE_SCHOOL}`);
      expect(cells).toContain("'=codes");
    }
  });

  it('escapes only text, never numbers, and not a text cell that is a plain number', () => {
    const text: Column = { name: 't', type: 'string', description: 't' };
    const number: Column = { name: 'x', type: 'number', description: 'x' };
    const integer: Column = { name: 'n', type: 'integer', description: 'n' };
    for (const dialect of ['standard', 'excel-nl'] as const) {
      for (const s of ['=1+1', '+32 9 123', '-x', '@SUM(A1)', '\tx', '\rx', HOSTILE_SCHOOL, '-1+2', '--1', '-', '+']) {
        expect(formatCell(s, text, dialect)).toBe(`'${s}`);
      }
      for (const s of ['-3', '-0.5', '-1,25', '+4', 'gewoon', "'=al"]) expect(formatCell(s, text, dialect)).toBe(s);
      expect(formatCell(-0.25, number, dialect)).toBe(dialect === 'standard' ? '-0.25' : '-0,25');
      expect(formatCell(-3, integer, dialect)).toBe('-3');
    }
    expect(escapeFormula('=A1')).toBe("'=A1");
  });
});
