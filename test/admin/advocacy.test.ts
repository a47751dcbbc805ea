/**
 * The network's advocacy view (issue 19) on a seeded network: nine schools, two sealed waves of one
 * questionnaire, actions of every status. Counts per theme, "done by the next wave" dated by that
 * wave's sealing, group means of released changes only ("too few schools" below k), no action text
 * on the page or in the CSV, admins only.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import type { Database } from '../../server/db/schema.ts';
import { storeKind } from '../helpers/store.ts';
import { testKeys, useApp } from '../helpers/app.ts';
import { shipped } from '../helpers/fixtures.ts';
import { signedIn } from './helpers.ts';
import { publishQuestionnaire } from '../../server/questionnaires.ts';
import { createSchool } from '../../server/admin/schools.ts';
import { createWave, openWave } from '../../server/waves.ts';
import { sealWave } from '../../server/sealing/sealing.ts';
import { storeWithoutCodes } from '../../server/teacher/submissions.ts';
import { addNote, createAction, planWave } from '../../server/advocacy/action-plans.ts';
import { loadWaveResults } from '../../server/results/wave-results.ts';
import { CLI_ACTOR } from '../../server/platform/audit-log.ts';
import type { Questionnaire } from '../../surveys/schema.ts';

const MARKER = 'GEHEIM-ACTIETEKST-7Q';

/** Two themes of two items each; every respondent answers a theme's items alike, so a school's theme mean is that value. */
const questionnaire: Questionnaire = {
  id: 'advocacy-test',
  version: 1,
  title: { nl: 'Acties', en: 'Actions' },
  intro: { nl: 'Test.', en: 'Test.' },
  scales: shipped.scales,
  themes: ['A', 'B'].map((t) => ({
    id: t,
    label: { nl: `Thema ${t}`, en: `Theme ${t}` },
    items: [1, 2].map((i) => ({ id: `${t}${i}`, label: { nl: `Vraag ${t}${i}`, en: `Item ${t}${i}` }, scale: 'agree5', reverse: false })),
  })),
  background: [],
};

/** Per school: [respondents, theme A, theme B] in the first and the second wave. S6 is too small in the second, S7 in the first. */
const SCHOOLS: Record<string, [[number, number, number], [number, number, number]]> = {
  S1: [
    [6, 2, 3],
    [6, 3, 3],
  ],
  S2: [
    [6, 2, 3],
    [6, 3, 3],
  ],
  S3: [
    [6, 2, 3],
    [6, 3, 4],
  ],
  S4: [
    [6, 2, 3],
    [6, 2, 4],
  ],
  S5: [
    [6, 2, 3],
    [6, 2, 4],
  ],
  S6: [
    [6, 5, 3],
    [3, 1, 1],
  ],
  S7: [
    [3, 5, 3],
    [6, 1, 1],
  ],
  S8: [
    [6, 3, 3],
    [6, 3, 3],
  ],
  S9: [
    [6, 3, 3],
    [6, 3, 5],
  ],
};

async function sealedWaveOf(db: Kysely<Database>, questionnaireId: string, schools: Record<string, string>, name: string, which: 0 | 1) {
  const keys = testKeys(db);
  const waveId = await createWave(db, { name, questionnaireId, schoolIds: Object.values(schools), k: 5 });
  await openWave(db, waveId, undefined, keys);
  const wave = (await keys.answerable(waveId))!;
  for (const [label, id] of Object.entries(schools)) {
    const [n, a, b] = SCHOOLS[label]![which];
    await storeWithoutCodes(
      db,
      wave,
      id,
      Array.from({ length: n }, () => ({ answers: [a, a, b, b], background: {}, comment: null })),
    );
  }
  return waveId;
}

/** Seals as the console and the command line do: the close is audited in the sealing transaction. */
async function seal(db: Kysely<Database>, waveId: string) {
  const { unstored } = await sealWave(db, testKeys(db), waveId, CLI_ACTOR);
  if (unstored) throw unstored;
}

describe(`the network's advocacy view (${storeKind})`, () => {
  const { store, app } = useApp();
  let first: string;
  let second: string;
  const schools: Record<string, string> = {};

  beforeAll(async () => {
    const db = store.db;
    const questionnaireId = await publishQuestionnaire(db, questionnaire);
    for (const label of Object.keys(SCHOOLS))
      schools[label] = await createSchool(db, {
        name: `Actieschool ${label}`,
        benchmark_group: 'secundair',
        municipality: 'Gent',
        staff_count: 20,
      });
    first = await sealedWaveOf(db, questionnaireId, schools, 'Acties voorjaar', 0);
    await seal(db, first);
    second = await sealedWaveOf(db, questionnaireId, schools, 'Acties najaar', 1);

    const act = async (school: string, themeId: string, status: string) => {
      const plan = await planWave(db, first, schools[school]!);
      const made = await createAction(db, plan, {
        themeId,
        itemId: '',
        action: `${MARKER} <b>actie</b>`,
        carrier: 'directie',
        carrierLabel: '',
        due: '2027-06-30',
        status,
        note: `${MARKER} notitie`,
      });
      if (!made.ok) throw new Error(JSON.stringify(made.problems));
      return { plan, id: made.value.id };
    };
    const done = (a: { plan: Awaited<ReturnType<typeof planWave>>; id: string }, status = 'done') =>
      addNote(db, a.plan, a.id, { status, note: `${MARKER} klaar` });
    // Theme A: agreed in S1..S7; S1 done before the next wave is sealed, S2 only after; S5 done from the start; S3 also dropped one.
    const s1 = await act('S1', 'A', 'agreed');
    const s2 = await act('S2', 'A', 'agreed');
    await act('S3', 'A', 'in_progress');
    await act('S3', 'A', 'dropped');
    await act('S4', 'A', 'agreed');
    await act('S5', 'A', 'done');
    await act('S6', 'A', 'agreed');
    await act('S7', 'A', 'agreed');
    // Theme B: only proposed (S1) and agreed-then-dropped (S2): neither school counts as "without an action".
    await act('S1', 'B', 'proposed');
    await done(await act('S2', 'B', 'agreed'), 'dropped');
    await done(s1);
    await seal(db, second);
    await done(s2);
  });

  it('rests on the intended disclosure: S7 suppressed in the first wave, S6 in the second, the others released', async () => {
    const [w1, w2] = [await loadWaveResults(store.db, first), await loadWaveResults(store.db, second)];
    const released = (r: typeof w1) =>
      Object.entries(schools)
        .filter(([, id]) => r.disclosure.school(id).released)
        .map(([l]) => l);
    expect(released(w1)).toEqual(['S1', 'S2', 'S3', 'S4', 'S5', 'S6', 'S8', 'S9']);
    expect(released(w2)).toEqual(['S1', 'S2', 'S3', 'S4', 'S5', 'S7', 'S8', 'S9']);
  });

  it('counts actions per theme, done by the next wave, and means of released changes only', async () => {
    const { session } = await signedIn(app, store.db, 'admin');
    const res = await session.get(`/admin/advocacy/${first}`);
    expect(res.statusCode, res.body.slice(0, 500)).toBe(200);
    const html = res.body;
    const rows = (caption: string) => {
      const table = new RegExp(`<caption id="${caption}">[\\s\\S]*?</table>`).exec(html)![0];
      return [...table.matchAll(/<tr><th scope="row">([^<]*)<\/th>(.*?)<\/tr>/g)].map((m) => [
        m[1],
        ...[...m[2]!.matchAll(/<td class="num">([^<]*)<\/td>/g)].map((c) => c[1]),
      ]);
    };
    expect(rows('actions-caption')).toEqual([
      ['Thema A', '8', '7', '7', '2'],
      ['Thema B', '2', '0', '0', '0'],
    ]);
    expect(rows('most-caption')).toEqual([
      ['Thema A', '8'],
      ['Thema B', '2'],
    ]);
    // A with actions: S1..S5 (+1, +1, +1, 0, 0); S6 and S7 (a change of −4 each) are suppressed in one wave.
    // A without: S8, S9 only (too few). B without: S3, S4, S5, S8, S9 (+1, +1, +1, 0, +2).
    expect(rows('change-caption')).toEqual([
      ['Thema A', '5', '+0,60', '2', 'te weinig scholen'],
      ['Thema B', '0', 'te weinig scholen', '5', '+1,00'],
    ]);
    expect(html).toContain('Volgende bevraging met dezelfde vragenlijst: Acties najaar.');
    expect(html).toContain('Dit beschrijft, het verklaart niet');
    expect(html).not.toContain(MARKER);
    expect(html).not.toContain('actie</b>');
  });

  it('writes the same table as CSV, without any action text', async () => {
    const { session } = await signedIn(app, store.db, 'admin');
    const res = await session.get(`/admin/advocacy/${first}/csv?dialect=standard`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.body.trim().split('\r\n')).toEqual([
      'theme_id,theme,actions_raised,schools_agreed,actions_agreed,actions_done_by_next,done_as_of,schools_with_action,change_with_action,schools_without_action,change_without_action',
      'A,Thema A,8,7,7,2,next_wave_sealed,5,0.6,2,',
      'B,Thema B,2,0,0,0,next_wave_sealed,0,,5,1',
    ]);
    expect(res.body).not.toContain(MARKER);
  });

  it('shows the latest sealed wave by default, where no next wave exists yet', async () => {
    const { session } = await signedIn(app, store.db, 'admin');
    const res = await session.get('/admin/advocacy?lang=en');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('From results to actions — Acties najaar');
    expect(res.body).toContain('There is no later sealed wave of the same questionnaire yet');
    expect(res.body).toContain('No action has been recorded after this wave yet.');
    expect(res.body).not.toContain('change-caption');
    const csv = await session.get(`/admin/advocacy/${second}/csv?dialect=standard`);
    expect(csv.body.trim().split('\r\n').slice(1)).toEqual(['A,Thema A,0,0,0,,,,,,', 'B,Thema B,0,0,0,,,,,,']);
  });

  it('records each opening of the page and of its CSV in the audit log, shown there with the wave’s name', async () => {
    const { session, id } = await signedIn(app, store.db, 'admin');
    expect((await session.get(`/admin/advocacy/${first}`)).statusCode).toBe(200);
    expect((await session.get('/admin/advocacy')).statusCode).toBe(200); // the latest sealed wave: `second`
    expect((await session.get(`/admin/advocacy/${first}/csv`)).statusCode).toBe(200);
    const entries = await store.db
      .selectFrom('audit_log')
      .select(['action', 'target'])
      .where('user_id', '=', id)
      .where('action', 'like', 'advocacy.%')
      .orderBy('at')
      .orderBy('id')
      .execute();
    expect(entries.map((e) => `${e.action} ${e.target}`).sort()).toEqual(
      [`advocacy.view wave:${first}`, `advocacy.view wave:${second}`, `advocacy.download wave:${first}`].sort(),
    );
    // The log's rows (not its filter's list of actions) read as words and names, never as a key or an id.
    const logRows = async (action: string) => {
      const res = await session.get(`/admin/audit?action=${action}&about=${first}`);
      expect(res.statusCode).toBe(200);
      return [
        ...res.body.matchAll(/<tr><td><time[^>]*>[^<]*<\/time><\/td><td>[^<]*<\/td><th scope="row">([^<]*)<\/th><td>([^<]*)<\/td><\/tr>/g),
      ].map((m) => [m[1], m[2]]);
    };
    const [viewed] = await logRows('advocacy.view');
    expect(viewed![0]).toBe('netwerkoverzicht &quot;van resultaten naar acties&quot; van een bevraging bekeken');
    expect(viewed![1]).toContain('Acties voorjaar');
    expect(viewed![1]).not.toContain(first);
    const [downloaded] = await logRows('advocacy.download');
    expect(downloaded![0]).toBe('netwerkoverzicht &quot;van resultaten naar acties&quot; van een bevraging gedownload (CSV)');
    expect(downloaded![1]).toContain('Acties voorjaar');
    // Refused requests record nothing: a rep (403) and a wave that is not sealed (404).
    const { session: rep, id: repId } = await signedIn(app, store.db, 'rep', { schoolIds: [schools['S1']!] });
    expect((await rep.get(`/admin/advocacy/${first}`)).statusCode).toBe(403);
    expect((await session.get(`/admin/advocacy/${schools['S1']}`)).statusCode).toBe(404);
    const refused = await store.db
      .selectFrom('audit_log')
      .select('target')
      .where('action', 'like', 'advocacy.%')
      .where((eb) => eb.or([eb('user_id', '=', repId), eb('target', 'like', `%${schools['S1']}%`)]))
      .execute();
    expect(refused).toEqual([]);
  });

  it('refuses reps and researchers (403), and a wave that is not sealed (404)', async () => {
    for (const role of ['rep', 'researcher'] as const) {
      const { session } = await signedIn(app, store.db, role, role === 'rep' ? { schoolIds: [schools['S1']!] } : {});
      for (const url of ['/admin/advocacy', `/admin/advocacy/${first}`, `/admin/advocacy/${first}/csv`])
        expect((await session.get(url)).statusCode, `${role} ${url}`).toBe(403);
    }
    const { session } = await signedIn(app, store.db, 'admin');
    const draft = await createWave(store.db, {
      name: 'Concept',
      questionnaireId: (await loadWaveResults(store.db, first)).wave.questionnaireId,
      schoolIds: [schools['S1']!],
      k: 5,
    });
    // The picker's form lands on the query and is sent to the wave's own address.
    const picked = await session.get(`/admin/advocacy?wave=${draft}`);
    expect(picked.statusCode).toBe(303);
    expect(picked.headers.location).toBe(`/admin/advocacy/${draft}`);
    const res = await session.get(`/admin/advocacy/${draft}`);
    expect(res.statusCode).toBe(404);
    expect(res.body).toContain('Die bevraging bestaat niet of is nog niet afgesloten.');
  });
});
