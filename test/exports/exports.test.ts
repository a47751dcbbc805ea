import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import Papa from 'papaparse';
import AjvDraft04 from 'ajv-draft-04';
import addFormatsModule from 'ajv-formats';
import { testStore, storeKind, type TestStore } from '../helpers/store.ts';
import { testApp, testKeys } from '../helpers/app.ts';
import { Session } from '../helpers/session.ts';
import { Attacker, type Observation } from '../analysis/helpers/attacker.ts';
import { seedDemo } from '../../server/demo/demo.ts';
import { publishQuestionnaire } from '../../server/questionnaires.ts';
import { createSchool } from '../../server/admin/schools.ts';
import { createWave, openWave } from '../../server/waves.ts';
import { closeWave } from '../../server/sealing/sealing.ts';
import { rng } from '../../server/demo/synthetic.ts';
import { forgetCachedResults, loadWaveResults, type WaveResults } from '../../server/results/wave-results.ts';
import { driverReport, DRIVER_RESAMPLES, type DriverReport } from '../../server/research/drivers.ts';
import type { Database } from '../../server/db/schema.ts';
import type { Questionnaire } from '../../surveys/schema.ts';
import { itemsInOrder } from '../../surveys/load.ts';
import { shippedV2 } from '../helpers/fixtures.ts';
import { unzip } from '../helpers/zip.ts';
import {
  aggregateAnswersR3,
  groupReport,
  layoutOf,
  measureCount,
  sumResponses,
  validAnswers,
  welchTTest,
  withholdMeasures,
  MIN_DRIVER_RESPONDENTS,
  type DisclosedGroup,
  type GroupReport,
  type Stat,
  type Summary,
} from '../../analysis/index.ts';

/**
 * Issue 7: the researcher exports. Expected numbers are computed here, independently of
 * `server/research/`, from the stored responses (`sumResponses` over exactly `group.schoolIds`,
 * `groupReport`) and the wave's one disclosure decision.
 */

// Both are CommonJS with a `default` export; take the callable whichever way the loader hands it over.
type AjvCtor = typeof AjvDraft04.default;
const Ajv = ((AjvDraft04 as unknown as { default?: AjvCtor }).default ?? AjvDraft04) as AjvCtor;
type AddFormats = typeof addFormatsModule.default;
const addFormats = ((addFormatsModule as unknown as { default?: AddFormats }).default ?? addFormatsModule) as AddFormats;

const THEME_COLUMNS =
  'wave_id,scope,scope_id,scope_label,school_number,theme_id,n,mean,sd,ci_low,ci_high,pct_favourable,alpha,suppressed'.split(',');
const ITEM_COLUMNS =
  'wave_id,scope,scope_id,scope_label,school_number,item_id,theme_id,n,mean,sd,pct_favourable,pct_1,pct_2,pct_3,pct_4,pct_5,suppressed'.split(
    ',',
  );
/** Every wave's package, whatever its questionnaire has: a file it has nothing for is its header alone. */
const PACKAGE_RESOURCES = ['themes.csv', 'items.csv', 'codebook.csv', 'priorities.csv', 'drivers.csv'];
const PACKAGE_ENTRIES = [...PACKAGE_RESOURCES, 'datapackage.json'].sort();
const CODEBOOK_COLUMNS = 'item_id,theme_id,label_nl,label_en,scale,reverse,value_labels'.split(',');
const TREND_COLUMNS =
  'questionnaire_key,wave_id,wave_name,wave_order,questionnaire_version,scope,scope_id,scope_label,school_number,theme_id,n,mean,sd,ci_low,ci_high,pct_favourable,prev_wave_id,change,change_t,change_df,change_p,change_significant,suppressed'.split(
    ',',
  );
const NUMBER_COLUMNS = new Set([
  'mean',
  'sd',
  'ci_low',
  'ci_high',
  'pct_favourable',
  'alpha',
  'pct_1',
  'pct_2',
  'pct_3',
  'pct_4',
  'pct_5',
  'change',
  'change_t',
  'change_df',
  'change_p',
]);
/** Exports keep 6 decimals: half a unit of the last place, plus floating-point slack. */
const TOL = 5e-7 + 1e-12;

type Row = Record<string, string>;

function parse(text: string, delimiter = ','): { fields: string[]; rows: Row[] } {
  const out = Papa.parse<Row>(text, { header: true, delimiter, skipEmptyLines: true });
  expect(out.errors).toEqual([]);
  return { fields: out.meta.fields ?? [], rows: out.data };
}

function expectStat(cell: string | undefined, s: Stat | number, label: string): void {
  if (typeof s === 'number') s = { ok: true, value: s };
  if (!s.ok) {
    expect(cell, `${label}: unavailable → empty`).toBe('');
    return;
  }
  expect(cell, label).toMatch(/^-?\d+(\.\d{1,6})?$/);
  expect(Math.abs(Number(cell) - s.value), `${label}: ${cell} vs ${s.value}`).toBeLessThanOrEqual(TOL);
}

/**
 * drivers.csv's disclosure (issue 20): rows for the network and benchmark groups only, never a school;
 * a withheld group has no number; a computed analysis rests on at least MIN_DRIVER_RESPONDENTS
 * complete respondents, and a refused one shows none of its numbers.
 */
function expectDriverDisclosure(rows: Row[], results: WaveResults): void {
  const schools = [...results.schools.entries()].flatMap(([id, s]) => [id, s.name]);
  let computed = 0;
  for (const r of rows) {
    const where = `drivers.csv ${r.scope}:${r.scope_id} ${r.outcome_id} ${r.theme_id}`;
    expect(['network', 'group'], where).toContain(r.scope);
    for (const cell of Object.values(r)) expect(schools, where).not.toContain(cell);
    const group = r.scope === 'network' ? results.disclosure.network() : results.disclosure.benchmarkGroup(r.scope_id!);
    const numbers = [r.r2, r.r2_ci_low, r.weight, r.weight_ci_high, r.share, r.rank];
    if (!group.released) {
      expect([r.suppressed, r.n, ...numbers], where).toEqual([group.rule, '', ...numbers.map(() => '')]);
      continue;
    }
    if (r.refused) {
      expect(numbers, where).toEqual(numbers.map(() => ''));
      if (r.refused === 'too-few' && r.n !== '') expect(Number(r.n), where).toBeLessThan(MIN_DRIVER_RESPONDENTS);
      continue;
    }
    expect(Number(r.n), where).toBeGreaterThanOrEqual(MIN_DRIVER_RESPONDENTS);
    computed++;
  }
  expect(computed, 'drivers.csv computes some analysis').toBeGreaterThan(0);
}

/** A small questionnaire of its own key: a two-item theme (one reverse item) and a one-item theme. */
const MINI: Questionnaire = {
  id: 'mini',
  version: 1,
  title: { nl: 'Mini', en: 'Mini' },
  intro: { nl: 'Test.', en: 'Test.' },
  scales: [
    {
      id: 'agree5',
      labels: [
        { nl: 'helemaal oneens', en: 'strongly disagree' },
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
      id: 'twee',
      label: { nl: 'Twee', en: 'Two' },
      items: [
        { id: 'a', label: { nl: 'Vraag a', en: 'Item a' }, scale: 'agree5', reverse: false },
        { id: 'b', label: { nl: 'Vraag b; met "aanhalingstekens"', en: 'Item b' }, scale: 'agree5', reverse: true },
      ],
    },
    {
      id: 'een',
      label: { nl: 'Eén', en: 'One' },
      items: [{ id: 'c', label: { nl: 'Vraag c', en: 'Item c' }, scale: 'agree5', reverse: false }],
    },
  ],
  background: [
    {
      id: 'role',
      label: { nl: 'Rol', en: 'Role' },
      options: [
        { id: 'leraar', label: { nl: 'Leraar', en: 'Teacher' } },
        { id: 'directie', label: { nl: 'Directie', en: 'Leadership' } },
      ],
    },
  ],
};

/**
 * The mini wave (k = 5): alpha = S1..S5 (6 each) + S6 (2: R1, left out of every aggregate, R3);
 * beta = T1..T3 (6 each: a benchmark group of 3 schools, suppressed by R3). In S1 item c has one
 * valid answer (withheld, issue 15 — and so in alpha and the network); theme "een" has no alpha anywhere.
 */
async function seedMini(db: Kysely<Database>) {
  const questionnaireId = await publishQuestionnaire(db, MINI);
  const random = rng(7);
  const schools: Array<{ id: string; name: string; n: number }> = [];
  const add = async (name: string, group: string, n: number) => {
    const id = await createSchool(db, { name, benchmark_group: group, municipality: 'Gent', staff_count: 10 });
    schools.push({ id, name, n });
  };
  for (const i of [1, 2, 3, 4, 5]) await add(`Mini S${i}`, 'alpha', 6);
  await add('Mini S6', 'alpha', 2);
  await add('Mini T1', 'beta', 6);
  await add('Mini T2 "De Brug"; campus 2', 'beta', 6);
  await add('=Mini T3', 'beta', 6);
  const waveId = await createWave(db, { name: 'Mini wave', questionnaireId, schoolIds: schools.map((s) => s.id), k: 5 });
  await openWave(db, waveId);
  const v = () => 1 + Math.floor(random() * 5);
  for (const [si, s] of schools.entries()) {
    const rows = Array.from({ length: s.n }, (_, r) => ({
      wave_id: waveId,
      school_id: s.id,
      answers: [v(), r === 1 ? null : v(), si === 0 && r > 0 ? 0 : v()],
      background: JSON.stringify(r % 3 === 0 ? { role: 'directie' } : { role: 'leraar' }),
    }));
    await db.insertInto('response').values(rows).execute();
  }
  await db.insertInto('comment').values({ wave_id: waveId, school_id: schools[0]!.id, text: 'GEHEIME-OPMERKING-MINI' }).execute();
  await closeWave(db, testKeys(db), waveId);
  const draftId = await createWave(db, { name: 'Mini draft', questionnaireId, schoolIds: [schools[0]!.id], k: 5 });
  return { waveId, draftId, schools };
}

interface ExpectedScope {
  scope: 'network' | 'group' | 'school';
  scopeId: string;
  label: string;
  group: DisclosedGroup;
  report: GroupReport | null;
}

/** Expected exports of a wave, from the stored responses and the wave's disclosure decision. */
async function expectedScopes(db: Kysely<Database>, waveId: string) {
  const results = await loadWaveResults(db, waveId);
  const wave = await db.selectFrom('wave').select('questionnaire_id').where('id', '=', waveId).executeTakeFirstOrThrow();
  const q = (await db.selectFrom('questionnaire').select('definition').where('id', '=', wave.questionnaire_id).executeTakeFirstOrThrow())
    .definition;
  const layout = layoutOf(q);
  const responses = await db.selectFrom('response').select(['school_id', 'answers']).where('wave_id', '=', waveId).execute();
  const names = new Map((await db.selectFrom('school').select(['id', 'name']).execute()).map((s) => [s.id, s.name]));
  const scopes = new Map<string, ExpectedScope>();
  // Issue 15: items and themes with 1..k−1 valid answers are withheld (groupReport with k), and so
  // is whatever of them a benchmark group or the network would give away (aggregateAnswersR3) —
  // its inputs counted here from the stored responses.
  const k = results.disclosure.k;
  const d = results.disclosure;
  const answers = new Map(
    [...results.schools.keys()].map((id) => [
      id,
      {
        released: d.school(id).released,
        valid: validAnswers(
          sumResponses(
            responses.filter((r) => r.school_id === id),
            layout,
          ),
        ),
      },
    ]),
  );
  const aggregates = d.groups.filter((g) => (g.kind === 'benchmark' || g.kind === 'network') && g.released);
  const withheld = aggregateAnswersR3(
    aggregates.map((g) => ({ key: g.key, kind: g.kind as 'benchmark' | 'network', schoolIds: g.schoolIds })),
    answers,
    measureCount(layout),
    k,
  );
  for (const g of results.disclosure.groups) {
    if (g.kind === 'breakdown') continue;
    const members = new Set(g.schoolIds);
    const full = g.released
      ? groupReport(
          sumResponses(
            responses.filter((r) => members.has(r.school_id)),
            layout,
          ),
          layout,
          k,
        )
      : null;
    const report = full && withholdMeasures(full, withheld.get(g.key) ?? new Set());
    const scope = g.kind === 'network' ? 'network' : g.kind === 'benchmark' ? 'group' : 'school';
    const scopeId = g.kind === 'network' ? 'network' : g.kind === 'benchmark' ? g.benchmarkId! : g.schoolId!;
    scopes.set(`${scope}:${scopeId}`, { scope, scopeId, label: g.kind === 'school' ? names.get(scopeId)! : scopeId, group: g, report });
  }
  const perSchool = new Map<string, number>();
  for (const r of responses) perSchool.set(r.school_id, (perSchool.get(r.school_id) ?? 0) + 1);
  return { results, q, layout, scopes, perSchool, k: results.disclosure.k };
}

/**
 * Official school numbers (issue 18) for every school but one released mini school ("Mini S2"),
 * with a leading zero that must survive as text. Sealing has loaded the waves' results already;
 * they are forgotten, as a restart would, so the numbers are read with the schools like any other day.
 */
async function numberSchools(db: Kysely<Database>) {
  const schools = await db.selectFrom('school').select(['id', 'name']).orderBy('name').execute();
  for (const [i, s] of schools.entries()) {
    if (s.name === 'Mini S2') continue;
    await db
      .updateTable('school')
      .set({ instellingsnummer: `0${100_001 + i}` })
      .where('id', '=', s.id)
      .execute();
  }
  forgetCachedResults();
}

describe(`research exports (${storeKind})`, () => {
  let store: TestStore;
  let app: FastifyInstance;
  let researcher: Session;
  let admin: Session;
  let demoWaves: string[];
  let mini: Awaited<ReturnType<typeof seedMini>>;
  const validate = (() => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    ajv.addFormat('textarea', true);
    return ajv.compile(JSON.parse(readFileSync('test/fixtures/frictionless/tabular-data-package.json', 'utf8')));
  })();

  beforeAll(async () => {
    store = await testStore();
    await seedDemo(store.db, testKeys(store.db), 5);
    mini = await seedMini(store.db);
    await numberSchools(store.db);
    demoWaves = (
      await store.db
        .selectFrom('wave')
        .select('id')
        .where('status', '=', 'closed')
        .where('name', 'like', 'Demo%')
        .orderBy('created_at')
        .execute()
    ).map((w) => w.id);
    app = await testApp(store);
    researcher = await new Session(app, '10.7.0.1').login('onderzoek@demo.schoolpols.be', 'demo-wachtwoord');
    admin = await new Session(app, '10.7.0.2').login('admin@demo.schoolpols.be', 'demo-wachtwoord');
  });
  afterAll(async () => {
    await app?.close();
    await store?.drop();
  });

  const download = async (s: Session, url: string) => {
    const res = await s.get(url);
    expect(res.statusCode, url).toBe(200);
    return res;
  };

  const waves = () => [...demoWaves, mini.waveId];

  it('exports numbers equal to the analysis of exactly the released groups, and nothing for suppressed ones', async () => {
    expect(demoWaves).toHaveLength(2);
    for (const waveId of waves()) {
      const exp = await expectedScopes(store.db, waveId);
      const themes = parse((await download(researcher, `/research/waves/${waveId}/themes.csv`)).body);
      const items = parse((await download(researcher, `/research/waves/${waveId}/items.csv`)).body);
      expect(themes.fields).toEqual(THEME_COLUMNS);
      expect(items.fields).toEqual(ITEM_COLUMNS);

      // Scopes are exactly the disclosure's network, benchmark and school groups — no breakdowns.
      const keys = (rows: Row[]) => [...new Set(rows.map((r) => `${r.scope}:${r.scope_id}`))].sort();
      expect(keys(themes.rows)).toEqual([...exp.scopes.keys()].sort());
      expect(keys(items.rows)).toEqual([...exp.scopes.keys()].sort());
      expect(themes.rows).toHaveLength(exp.scopes.size * exp.layout.themes.length);
      // The demo's second wave runs v2: items.csv also has its outcome items (no theme).
      expect(exp.layout.outcomes.length).toBe(waveId === demoWaves[1] ? shippedV2.outcomes!.length : 0);
      expect(items.rows).toHaveLength(exp.scopes.size * (exp.layout.items.length + exp.layout.outcomes.length));

      for (const row of themes.rows) {
        const e = exp.scopes.get(`${row.scope}:${row.scope_id}`)!;
        const label = `${waveId} ${row.scope}:${row.scope_id} ${row.theme_id}`;
        expect(row.wave_id).toBe(waveId);
        // A name a spreadsheet would run as a formula starts with an apostrophe (issue 16).
        expect(row.scope_label).toBe(/^[=+\-@\t\r]/.test(e.label) ? `'${e.label}` : e.label);
        if (!e.report) {
          for (const c of ['school_number', ...THEME_COLUMNS.slice(6, -1)]) expect(row[c], `${label} ${c}`).toBe('');
          expect(row.suppressed, label).toBe(e.group.rule);
          continue;
        }
        const t = e.report.themes.find((x) => x.themeId === row.theme_id)!;
        if (t.fewAnswers) {
          for (const c of THEME_COLUMNS.slice(6, -1)) expect(row[c], `${label} ${c}`).toBe('');
          expect(row.suppressed, label).toBe('R1');
          continue;
        }
        expect(row.suppressed, label).toBe('');
        expect(Number(row.n), label).toBe(t.n);
        expectStat(row.mean, t.mean, `${label} mean`);
        expectStat(row.sd, t.sd, `${label} sd`);
        expectStat(row.ci_low, t.ci.ok ? { ok: true, value: t.ci.value.lower } : t.ci, `${label} ci_low`);
        expectStat(row.ci_high, t.ci.ok ? { ok: true, value: t.ci.value.upper } : t.ci, `${label} ci_high`);
        expectStat(row.pct_favourable, t.favourable, `${label} pct_favourable`);
        expectStat(row.alpha, t.alpha.alpha, `${label} alpha`);
      }
      for (const row of items.rows) {
        const e = exp.scopes.get(`${row.scope}:${row.scope_id}`)!;
        const label = `${waveId} ${row.scope}:${row.scope_id} ${row.item_id}`;
        const themed = exp.layout.items.find((i) => i.id === row.item_id);
        if (!themed) expect(exp.layout.outcomes.map((o) => o.id)).toContain(row.item_id);
        expect(row.theme_id).toBe(themed ? themed.themeId : '');
        if (!e.report) {
          for (const c of ['school_number', ...ITEM_COLUMNS.slice(7, -1)]) expect(row[c], `${label} ${c}`).toBe('');
          expect(row.suppressed, label).toBe(e.group.rule);
          continue;
        }
        const it = [...e.report.items, ...e.report.outcomes].find((x) => x.itemId === row.item_id)!;
        if (it.fewAnswers) {
          for (const c of ITEM_COLUMNS.slice(7, -1)) expect(row[c], `${label} ${c}`).toBe('');
          expect(row.suppressed, label).toBe('R1');
          continue;
        }
        expect(row.suppressed, label).toBe('');
        expect(Number(row.n), label).toBe(it.n);
        expectStat(row.mean, it.mean, `${label} mean`);
        expectStat(row.sd, it.sd, `${label} sd`);
        expectStat(row.pct_favourable, it.favourable, `${label} pct_favourable`);
        for (const v of [1, 2, 3, 4, 5]) {
          const p = it.distribution.percents;
          expectStat(row[`pct_${v}`], p.ok ? { ok: true, value: p.value[v - 1]! } : p, `${label} pct_${v}`);
        }
      }
    }
  });

  it('computes the network and benchmark groups over exactly group.schoolIds (R3 can leave small schools out)', async () => {
    const exp = await expectedScopes(store.db, mini.waveId);
    const [s1, s2, , , , s6] = mini.schools;
    const network = exp.results.disclosure.network();
    const alpha = exp.results.disclosure.benchmarkGroup('alpha');
    const beta = exp.results.disclosure.benchmarkGroup('beta');
    expect(exp.results.disclosure.school(s6!.id).rule).toBe('R1');
    expect(network.released && alpha.released).toBe(true);
    expect(network.schoolIds).not.toContain(s6!.id);
    expect(alpha.schoolIds).not.toContain(s6!.id);
    expect(beta.rule).toBe('R3');
    const themes = parse((await download(researcher, `/research/waves/${mini.waveId}/themes.csv`)).body).rows;
    const n = (scope: string, id: string, theme: string) =>
      Number(themes.find((r) => r.scope === scope && r.scope_id === id && r.theme_id === theme)!.n);
    // Theme "twee" has a score for every respondent: n is the sum over the group's schools only.
    const sum = (ids: readonly string[]) => ids.reduce((a, id) => a + exp.perSchool.get(id)!, 0);
    expect(n('network', 'network', 'twee')).toBe(sum(network.schoolIds));
    expect(n('network', 'network', 'twee')).toBe(sum(mini.schools.map((s) => s.id)) - 2);
    expect(n('group', 'alpha', 'twee')).toBe(sum(alpha.schoolIds));
    // Unavailable statistics are empty with `suppressed` empty; suppressed ones carry the rule.
    const row = (scope: string, id: string, theme: string) =>
      themes.find((r) => r.scope === scope && r.scope_id === id && r.theme_id === theme)!;
    // Issue 15: S1's one-item theme "een" rests on one valid answer — withheld (R1 for answers),
    // where it used to show that one person's answer as a mean.
    expect(row('school', s1!.id, 'een')).toMatchObject({ n: '', mean: '', sd: '', ci_low: '', ci_high: '', alpha: '', suppressed: 'R1' });
    expect(row('school', s1!.id, 'twee')).toMatchObject({ n: '6', suppressed: '' });
    // …and so is "een" of alpha and the network: minus the released schools, it is that answer.
    expect(row('group', 'alpha', 'een')).toMatchObject({ mean: '', suppressed: 'R1' });
    expect(row('network', 'network', 'een')).toMatchObject({ mean: '', suppressed: 'R1' });
    expect(row('school', s2!.id, 'een')).toMatchObject({ n: '6', alpha: '', suppressed: '' });
    expect(row('school', s2!.id, 'een').mean).not.toBe('');
    expect(row('group', 'beta', 'twee')).toMatchObject({ n: '', mean: '', suppressed: 'R3' });
    expect(row('school', s6!.id, 'twee')).toMatchObject({ n: '', mean: '', suppressed: 'R1' });
  });

  it('gives an attacker with every export of a wave no suppressed school (no derivable small set)', async () => {
    let checked = 0;
    for (const waveId of waves()) {
      const exp = await expectedScopes(store.db, waveId);
      const items = parse((await download(researcher, `/research/waves/${waveId}/items.csv`)).body).rows;
      const pkg = JSON.parse((await download(researcher, `/research/waves/${waveId}/datapackage.json`)).body) as {
        schoolpols: { scopes: Array<{ scope: string; scope_id: string; suppressed: string; school_ids: string[] }> };
      };
      const atoms = [...exp.results.schools.keys()].sort();
      const index = new Map(atoms.map((id, i) => [id, i]));
      const members = (scope: string, id: string): string[] =>
        scope === 'school' ? [id] : pkg.schoolpols.scopes.find((s) => s.scope === scope && s.scope_id === id)!.school_ids;
      // Per item, per scope that shows it: n, the sum of recoded answers and the count of each value.
      // Items are attacked one at a time: a scope can show one item and withhold another (issue 15).
      const valid = new Map<string, number[]>();
      const responses = await store.db.selectFrom('response').select(['school_id', 'answers']).where('wave_id', '=', waveId).execute();
      for (const id of atoms)
        valid.set(
          id,
          exp.layout.items.map((_, i) => responses.filter((r) => r.school_id === id && (r.answers[i] ?? 0) > 0).length),
        );
      for (const [i, item] of exp.layout.items.entries()) {
        const released = new Map<string, { atoms: number[]; values: number[] }>();
        for (const r of items) {
          if (r.item_id !== item.id || r.suppressed) continue;
          const key = `${r.scope}:${r.scope_id}`;
          const n = Number(r.n);
          const pct = [1, 2, 3, 4, 5].map((v) => (r[`pct_${v}`] === '' ? 0 : Number(r[`pct_${v}`])));
          const values = [n, Math.round(n * (r.mean === '' ? 0 : Number(r.mean))), ...pct.map((p) => Math.round((n * p) / 100))];
          released.set(key, { atoms: members(r.scope!, r.scope_id!).map((id) => index.get(id)!), values });
        }
        // Every released number a group shows equals what disclosure released for that group.
        for (const [key, r] of released) {
          const e = exp.scopes.get(key)!;
          expect(e.group.released).toBe(true);
          expect([...r.atoms].sort((a, b) => a - b)).toEqual(e.group.schoolIds.map((id) => index.get(id)!).sort((a, b) => a - b));
        }
        const observations: Observation[] = [...released.values()];
        const attacker = new Attacker(atoms.length, observations);
        for (const o of observations) {
          const solved = attacker.solve(o.atoms)!;
          expect(solved.every((v, j) => Math.abs(v - o.values[j]!) < 1e-6)).toBe(true);
        }
        // Hidden for this item: every school whose own row of it is withheld, for any reason.
        const shownSchools = new Set(
          items.filter((r) => r.item_id === item.id && r.scope === 'school' && !r.suppressed).map((r) => r.scope_id),
        );
        const hidden = atoms.filter((id) => !shownSchools.has(id));
        expect(hidden.length).toBeLessThanOrEqual(12);
        for (let mask = 1; mask < 1 << hidden.length; mask++) {
          const subset = hidden.filter((_, h) => mask & (1 << h));
          const n = subset.reduce((a, id) => a + valid.get(id)![i]!, 0);
          if (n > 0 && n < exp.k) {
            expect(attacker.derivable(subset.map((id) => index.get(id)!)), `${waveId} ${item.id}: ${subset.join('+')} (${n} answers)`).toBe(
              false,
            );
            checked++;
          }
        }
        if (waveId === mini.waveId && i === 0) {
          // The attacker is not toothless: the R3-suppressed group "beta" is the sum of three released
          // schools (harmless: no small group), and the attacker finds it.
          const beta = exp.results.disclosure.benchmarkGroup('beta');
          expect(attacker.derivable(beta.schoolIds.map((id) => index.get(id)!))).toBe(true);
        }
      }
      // Every suppressed group has all numbers empty and its code set in every file.
      for (const e of exp.scopes.values()) {
        if (e.group.released) continue;
        expect(
          items
            .filter((r) => r.scope === e.scope && r.scope_id === e.scopeId)
            .every((r) => r.suppressed === e.group.rule && r.n === '' && r.mean === ''),
        ).toBe(true);
        const listed = pkg.schoolpols.scopes.find((s) => s.scope === e.scope && s.scope_id === e.scopeId);
        if (listed) expect(listed).toMatchObject({ suppressed: e.group.rule, school_ids: [] });
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('carries each released school’s official number, as the school table holds it, and none on a withheld school’s rows', async () => {
    const numbers = new Map(
      (await store.db.selectFrom('school').select(['id', 'instellingsnummer']).execute()).map((s) => [s.id, s.instellingsnummer]),
    );
    const s6 = mini.schools[5]!;
    expect(numbers.get(s6.id)).toMatch(/^0\d+$/);
    const seen = { numbered: 0, unknown: 0, withheld: 0 };
    const check = (rows: Row[], released: (row: Row) => boolean, file: string) => {
      for (const row of rows) {
        const label = `${file} ${row.wave_id} ${row.scope}:${row.scope_id}`;
        if (row.scope !== 'school') {
          expect(row.school_number, label).toBe('');
          continue;
        }
        const want = numbers.get(row.scope_id!);
        expect(want, label).not.toBeUndefined();
        if (!released(row)) {
          expect(row.school_number, label).toBe('');
          if (want) seen.withheld++;
          continue;
        }
        expect(row.school_number, label).toBe(want ?? '');
        if (want) seen.numbered++;
        else seen.unknown++;
      }
    };
    for (const waveId of waves()) {
      const results = await loadWaveResults(store.db, waveId);
      const released = (row: Row) => results.disclosure.school(row.scope_id!).released;
      for (const file of ['themes.csv', 'items.csv']) {
        const { rows } = parse((await download(researcher, `/research/waves/${waveId}/${file}`)).body);
        check(rows, released, file);
      }
      // The mini wave's R1 school S6 has a number in the table, and its rows have none.
      if (waveId === mini.waveId) {
        const themes = parse((await download(researcher, `/research/waves/${waveId}/themes.csv`)).body).rows;
        expect(results.disclosure.school(s6.id).rule).toBe('R1');
        expect(themes.filter((r) => r.scope_id === s6.id).map((r) => [r.school_number, r.suppressed])).toEqual(
          MINI.themes.map(() => ['', 'R1']),
        );
      }
    }
    for (const key of ['schoolklimaat', 'mini']) {
      const { rows } = parse((await download(researcher, `/research/questionnaires/${key}/trends.csv`)).body);
      const decisions = new Map<string, Awaited<ReturnType<typeof loadWaveResults>>>();
      for (const w of new Set(rows.map((r) => r.wave_id!))) decisions.set(w, await loadWaveResults(store.db, w));
      check(rows, (row) => decisions.get(row.wave_id!)!.disclosure.school(row.scope_id!).released, `${key} trends.csv`);
    }
    expect(seen.numbered).toBeGreaterThan(0);
    expect(seen.unknown).toBeGreaterThan(0);
    expect(seen.withheld).toBeGreaterThan(0);
    // Its codebook entry travels in the data package, beside the school name.
    const pkg = JSON.parse((await download(researcher, `/research/waves/${mini.waveId}/datapackage.json`)).body) as {
      resources: Array<{ path: string; schema: { fields: Array<{ name: string; description: string }> } }>;
    };
    // drivers.csv is never about a school: it has neither column.
    const drivers = pkg.resources.find((x) => x.path === 'drivers.csv')!.schema.fields.map((f) => f.name);
    expect(drivers.filter((name) => name === 'school_number' || name === 'scope_label')).toEqual([]);
    for (const r of pkg.resources.filter((x) => x.path !== 'codebook.csv' && x.path !== 'drivers.csv')) {
      const names = r.schema.fields.map((f) => f.name);
      expect(names.indexOf('school_number'), r.path).toBe(names.indexOf('scope_label') + 1);
      expect(r.schema.fields.find((f) => f.name === 'school_number')!.description).toMatch(/instellingsnummer/);
    }
  });

  it('writes a codebook of every item, with recoded value labels', async () => {
    const codebook = parse((await download(researcher, `/research/waves/${mini.waveId}/codebook.csv`)).body);
    expect(codebook.fields).toEqual(CODEBOOK_COLUMNS);
    expect(codebook.rows.map((r) => r.item_id)).toEqual(itemsInOrder(MINI).map((i) => i.id));
    expect(codebook.rows[1]).toEqual({
      item_id: 'b',
      theme_id: 'twee',
      label_nl: 'Vraag b; met "aanhalingstekens"',
      label_en: 'Item b',
      scale: 'agree5',
      reverse: 'true',
      value_labels:
        '1=helemaal eens / strongly agree|2=eens / agree|3=neutraal / neutral|4=oneens / disagree|5=helemaal oneens / strongly disagree',
    });
    expect(codebook.rows[0]!.value_labels).toMatch(/^1=helemaal oneens \/ strongly disagree\|/);
    const demo = parse((await download(researcher, `/research/waves/${demoWaves[0]}/codebook.csv`)).body);
    expect(demo.rows).toHaveLength(41);
  });

  it('writes the Belgian Excel dialect with the same numbers', async () => {
    for (const file of ['themes.csv', 'items.csv', 'codebook.csv']) {
      const standard = parse((await download(researcher, `/research/waves/${mini.waveId}/${file}`)).body);
      const res = await download(researcher, `/research/waves/${mini.waveId}/${file}?dialect=excel-nl`);
      expect(res.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
      expect(res.headers['content-disposition']).toMatch(/excel-nl/);
      const excel = parse(res.body, ';');
      expect(excel.fields).toEqual(standard.fields);
      expect(excel.rows).toHaveLength(standard.rows.length);
      excel.rows.forEach((row, i) => {
        for (const c of excel.fields) {
          const want = standard.rows[i]![c]!;
          if (NUMBER_COLUMNS.has(c)) {
            expect(row[c]).not.toContain('.');
            expect(row[c]!.replace(',', '.')).toBe(want);
          } else expect(row[c]).toBe(want); // text, formula escapes included, is the same in both dialects
        }
      });
    }
  });

  it('describes every file in a data package that validates against the Frictionless profile, and bundles them all in a zip', async () => {
    // A questionnaire of its own key, the demo's v1 wave, and its v2 wave (outcome items, priorities).
    for (const waveId of [mini.waveId, demoWaves[0]!, demoWaves[1]!]) {
      const layout = (await loadWaveResults(store.db, waveId)).layout;
      for (const dialect of ['standard', 'excel-nl'] as const) {
        const q = dialect === 'excel-nl' ? '?dialect=excel-nl' : '';
        const pkgText = (await download(researcher, `/research/waves/${waveId}/datapackage.json${q}`)).body;
        const pkg = JSON.parse(pkgText);
        expect(validate(pkg), JSON.stringify(validate.errors)).toBe(true);
        const zip = await unzip((await download(researcher, `/research/waves/${waveId}/export.zip${q}`)).rawPayload);
        expect([...zip.keys()].sort()).toEqual(PACKAGE_ENTRIES);
        expect(zip.get('datapackage.json')!.toString('utf8')).toBe(pkgText);
        expect((pkg.resources as Array<{ path: string }>).map((r) => r.path)).toEqual(PACKAGE_RESOURCES);
        for (const resource of pkg.resources as Array<{
          path: string;
          dialect: { delimiter: string };
          schema: {
            fields: Array<{
              name: string;
              type: string;
              decimalChar?: string;
              constraints?: { enum?: string[]; minimum?: number; maximum?: number; pattern?: string };
            }>;
            missingValues: string[];
          };
        }>) {
          const single = await download(researcher, `/research/waves/${waveId}/${resource.path}${q}`);
          expect(zip.get(resource.path)!.equals(single.rawPayload), resource.path).toBe(true);
          // The data read with the descriptor alone: header, types, decimal char, enums, ranges.
          const { fields, rows } = parse(single.body, resource.dialect.delimiter);
          expect(resource.schema.fields.map((f) => f.name)).toEqual(fields);
          expect(resource.schema.missingValues).toEqual(['']);
          // Without the priority question or outcome items, those files are their header alone.
          if (resource.path === 'priorities.csv' && !layout.priority) expect(rows, `${waveId} ${resource.path}`).toEqual([]);
          if (resource.path === 'drivers.csv') {
            if (!layout.outcomes.length) expect(rows, `${waveId} ${resource.path}`).toEqual([]);
            else expectDriverDisclosure(rows, await loadWaveResults(store.db, waveId));
          }
          for (const row of rows) {
            for (const f of resource.schema.fields) {
              const cell = row[f.name]!;
              if (cell === '') continue;
              const where = `${resource.path} ${f.name}=${cell}`;
              if (f.type === 'integer') expect(cell, where).toMatch(/^-?\d+$/);
              if (f.type === 'boolean') expect(['true', 'false'], where).toContain(cell);
              let value: number | null = null;
              if (f.type === 'number') {
                const dec = f.decimalChar ?? '.';
                expect(cell, where).toMatch(new RegExp(`^-?\\d+(\\${dec}\\d+)?$`));
                value = Number(cell.replace(dec, '.'));
              }
              if (f.type === 'integer') value = Number(cell);
              if (f.constraints?.enum && f.type === 'string') expect(f.constraints.enum, where).toContain(cell);
              if (f.constraints?.pattern) expect(cell, where).toMatch(new RegExp(f.constraints.pattern));
              if (value !== null && f.constraints?.minimum !== undefined)
                expect(value, where).toBeGreaterThanOrEqual(f.constraints.minimum);
              if (value !== null && f.constraints?.maximum !== undefined) expect(value, where).toBeLessThanOrEqual(f.constraints.maximum);
            }
          }
        }
      }
    }
    // The validator does check: a descriptor without its profile or with an unknown type fails.
    const pkg = JSON.parse((await download(researcher, `/research/waves/${mini.waveId}/datapackage.json`)).body);
    expect(validate({ ...pkg, profile: undefined })).toBe(false);
    pkg.resources[0].schema.fields[6].type = 'float';
    expect(validate(pkg)).toBe(false);
  });

  it('zips drivers.csv from the cached driver report, and does no driver analysis without outcome items', async () => {
    const refuse = (): Promise<DriverReport> => Promise.reject(new Error('a driver analysis was started'));
    // As after a restart: nothing of any wave kept.
    forgetCachedResults();
    for (const waveId of [mini.waveId, demoWaves[0]!]) {
      const report = await driverReport(store.db, await loadWaveResults(store.db, waveId), refuse);
      expect(report, waveId).toEqual({ waveId, resamples: DRIVER_RESAMPLES, scopes: [] });
    }
    // The zip writes whatever report the wave's cache holds: one kept without any scope gives a header alone.
    const v2 = demoWaves[1]!;
    const standalone = await download(researcher, `/research/waves/${v2}/drivers.csv`);
    expect(parse(standalone.body).rows.length).toBeGreaterThan(0);
    forgetCachedResults();
    const none: DriverReport = { waveId: v2, resamples: DRIVER_RESAMPLES, scopes: [] };
    expect(await driverReport(store.db, await loadWaveResults(store.db, v2), () => Promise.resolve(none))).toBe(none);
    const kept = await unzip((await download(admin, `/research/waves/${v2}/export.zip`)).rawPayload);
    expect(parse(kept.get('drivers.csv')!.toString('utf8')).rows).toEqual([]);
    // Computed again after a restart: the same bytes as the standalone file.
    forgetCachedResults();
    const computed = await unzip((await download(admin, `/research/waves/${v2}/export.zip`)).rawPayload);
    expect(computed.get('drivers.csv')!.equals(standalone.rawPayload)).toBe(true);
  });

  it('gives the same bytes on every download (deterministic suppression and files)', async () => {
    const a = await download(researcher, `/research/waves/${demoWaves[1]}/export.zip`);
    const b = await download(admin, `/research/waves/${demoWaves[1]}/export.zip`);
    expect(a.rawPayload.equals(b.rawPayload)).toBe(true);
    expect(a.headers['content-type']).toBe('application/zip');
  });

  it('never exports a comment or a per-response row', async () => {
    const comments = (await store.db.selectFrom('comment').select('text').execute()).map((c) => c.text);
    expect(comments).toContain('GEHEIME-OPMERKING-MINI');
    for (const waveId of waves()) {
      const zip = await unzip((await download(researcher, `/research/waves/${waveId}/export.zip`)).rawPayload);
      const text = [...zip.values()].map((b) => b.toString('utf8')).join('\n');
      for (const c of comments) expect(text.includes(c), c).toBe(false);
      const ids = (await store.db.selectFrom('response').select('id').where('wave_id', '=', waveId).execute()).map((r) => r.id);
      for (const id of ids) expect(text.includes(id)).toBe(false);
    }
  });

  it('exports trends over the sealed waves of a questionnaire key, oldest first, with Welch changes on released numbers', async () => {
    const res = await download(researcher, '/research/questionnaires/schoolklimaat/trends.csv');
    const { fields, rows } = parse(res.body);
    expect(fields).toEqual(TREND_COLUMNS);
    const open = await store.db.selectFrom('wave').select('id').where('status', '=', 'open').execute();
    expect(open.length).toBeGreaterThan(0);
    for (const o of open) expect(rows.some((r) => r.wave_id === o.id)).toBe(false);
    expect(new Set(rows.map((r) => r.wave_id))).toEqual(new Set(demoWaves));
    const exps = await Promise.all(demoWaves.map((w) => expectedScopes(store.db, w)));
    expect(rows).toHaveLength(exps.reduce((a, e) => a + e.scopes.size * e.layout.themes.length, 0));
    // One row per scope × theme × wave, waves in creation order inside each scope × theme.
    for (let i = 0; i < rows.length; i += 2) {
      expect([rows[i]!.wave_id, rows[i + 1]!.wave_id]).toEqual(demoWaves);
      expect([rows[i]!.wave_order, rows[i + 1]!.wave_order]).toEqual(['1', '2']);
      expect(rows[i + 1]).toMatchObject({
        scope: rows[i]!.scope,
        scope_id: rows[i]!.scope_id,
        theme_id: rows[i]!.theme_id,
        prev_wave_id: demoWaves[0],
      });
    }
    const summary = (e: ExpectedScope | undefined, themeId: string): (Summary & { favourable: Stat; fewAnswers: boolean }) | null =>
      e?.report ? e.report.themes.find((t) => t.themeId === themeId)! : null;
    let smallChanges = 0;
    for (const row of rows) {
      const w = demoWaves.indexOf(row.wave_id!);
      const e = exps[w]!.scopes.get(`${row.scope}:${row.scope_id}`)!;
      const label = `${row.wave_id} ${row.scope}:${row.scope_id} ${row.theme_id}`;
      const cur = summary(e, row.theme_id!);
      if (!cur) {
        expect(row, label).toMatchObject({ school_number: '', n: '', mean: '', change: '', suppressed: e.group.rule });
        continue;
      }
      if (cur.fewAnswers) {
        expect(row, label).toMatchObject({ n: '', mean: '', change: '', suppressed: 'R1' });
        continue;
      }
      expect(Number(row.n)).toBe(cur.n);
      expectStat(row.mean, cur.mean, `${label} mean`);
      expectStat(row.sd, cur.sd, `${label} sd`);
      expectStat(row.pct_favourable, cur.favourable, `${label} fav`);
      const prev = w > 0 ? summary(exps[w - 1]!.scopes.get(`${row.scope}:${row.scope_id}`), row.theme_id!) : null;
      if (!prev || prev.fewAnswers || !prev.mean.ok || !prev.sd.ok || !cur.mean.ok || !cur.sd.ok) {
        expect(row.change, label).toBe('');
        continue;
      }
      // Issue 15: no change between waves whose n differ by 1..k−1 (one person could be the difference).
      const gap = Math.abs(cur.n - prev.n);
      if (gap > 0 && gap < 5) {
        expect(row, label).toMatchObject({ change: '', change_t: '', change_p: '', change_significant: '' });
        smallChanges++;
        continue;
      }
      const welch = welchTTest(
        { n: cur.n, mean: cur.mean.value, sd: cur.sd.value },
        { n: prev.n, mean: prev.mean.value, sd: prev.sd.value },
      );
      if (!welch.ok) {
        expect(row.change).toBe('');
        continue;
      }
      expectStat(row.change, welch.value.difference, `${label} change`);
      expectStat(row.change_t, welch.value.t, `${label} t`);
      expectStat(row.change_df, welch.value.df, `${label} df`);
      expectStat(row.change_p, welch.value.p, `${label} p`);
      expect(row.change_significant).toBe(String(welch.value.significant));
    }
    expect(smallChanges).toBeGreaterThan(0);
    // A questionnaire key with a single sealed wave has no changes; its suppressed rows keep their codes.
    const single = parse((await download(researcher, '/research/questionnaires/mini/trends.csv')).body).rows;
    expect(single.every((r) => r.change === '' && r.prev_wave_id === '' && r.wave_id === mini.waveId)).toBe(true);
    expect(single.filter((r) => r.scope === 'group' && r.scope_id === 'beta').every((r) => r.suppressed === 'R3' && r.mean === '')).toBe(
      true,
    );
  });

  it('records every download in the audit log', async () => {
    const user = await store.db
      .selectFrom('app_user')
      .select('id')
      .where('email', '=', 'onderzoek@demo.schoolpols.be')
      .executeTakeFirstOrThrow();
    await download(researcher, `/research/waves/${mini.waveId}/codebook.csv?dialect=excel-nl`);
    const rows = await store.db
      .selectFrom('audit_log')
      .select(['action', 'target'])
      .where('user_id', '=', user.id)
      .where('action', '=', 'export.download')
      .execute();
    const targets = rows.map((r) => r.target);
    expect(targets).toContain(`wave:${mini.waveId}:codebook.csv`);
    expect(targets).toContain(`wave:${mini.waveId}:export.zip`);
    expect(targets).toContain('questionnaire:schoolklimaat:trends.csv');
  });
});
