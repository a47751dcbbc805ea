/**
 * "What matters most for staying" (issue 20): the key-driver page and drivers.csv of a sealed v2
 * wave. Their numbers must be those of analysis/key-drivers.ts (checked against R in
 * test/analysis/key-drivers.test.ts) computed here directly on the same respondents; a benchmark group
 * the wave's disclosure withholds, and a group below 50 complete respondents, show no number at all.
 * Tolerance 1e-5 on percentages: the CSV keeps 6 decimals.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { storeKind } from '../helpers/store.ts';
import { useApp } from '../helpers/app.ts';
import { shippedV2 } from '../helpers/fixtures.ts';
import { driverSchools, layout, seedDriverWave } from '../helpers/driver-wave.ts';
import { signedIn } from '../admin/helpers.ts';
import type { Session } from '../helpers/session.ts';
import { publishQuestionnaire } from '../../server/questionnaires.ts';
import { loadWaveResults } from '../../server/results/wave-results.ts';
import { formatNumber } from '../../server/platform/i18n.ts';
import { computeDrivers, driverSeed, runDriverJob, DRIVER_RESAMPLES } from '../../server/research/drivers.ts';
import { keyDriverAnalysis, recode, themeScores, type DriverRow, type KeyDriverAnalysis } from '../../analysis/index.ts';

/** A standard-dialect CSV as rows of named cells (no cell here holds a comma or quote). */
const parse = (csv: string) => {
  const [head, ...body] = csv.trim().split('\r\n');
  const cols = head!.split(',');
  return body.map((line) => Object.fromEntries(line.split(',').map((v, i) => [cols[i]!, v])));
};

const NUMBERS = ['n', 'r2', 'r2_ci_low', 'r2_ci_high', 'weight', 'weight_ci_low', 'weight_ci_high', 'share', 'rank'];

describe(`key drivers on the research page and in drivers.csv (${storeKind})`, () => {
  const { store, app } = useApp();
  let big: string;
  let small: string;
  let researcher: Session;
  let admin: Session;
  let basis: Array<{ id: string; respondents: number }>;
  let secundair: Array<{ id: string; respondents: number }>;

  /** The analysis computed here, from the stored responses of `schoolIds`, as the route must compute it. */
  async function direct(waveId: string, schoolIds: readonly string[], scopeId: string, outcome: number) {
    const rows = await store.db
      .selectFrom('response')
      .select(['school_id', 'answers'])
      .where('wave_id', '=', waveId)
      .orderBy('school_id')
      .orderBy('answers')
      .execute();
    const o = layout.outcomes[outcome]!;
    const input: DriverRow[] = rows
      .filter((r) => schoolIds.includes(r.school_id))
      .map((r) => ({ outcome: recode(r.answers[o.position] ?? null, o.reverse), scores: themeScores(r.answers, layout) }));
    return keyDriverAnalysis(input, layout.themes.length, { seed: driverSeed(waveId, scopeId, o.id), resamples: DRIVER_RESAMPLES });
  }

  beforeAll(async () => {
    const db = store.db;
    const q = await publishQuestionnaire(db, shippedV2);
    // Basisonderwijs: six schools, released. Secundair: two schools of 40 — enough respondents for the
    // analysis, but a benchmark group of fewer than five schools is withheld (R3).
    basis = await driverSchools(db, 'basisonderwijs', 6, 25, 'Driverschool basis');
    secundair = await driverSchools(db, 'secundair', 2, 40, 'Driverschool secundair');
    big = await seedDriverWave(db, q, 'Drivers groot', [...basis, ...secundair], 20);
    // Six schools of seven: a released network, but 42 respondents at most.
    small = await seedDriverWave(
      db,
      q,
      'Drivers klein',
      basis.map((s) => ({ ...s, respondents: 7 })),
      21,
    );
    researcher = (await signedIn(app, db, 'researcher')).session;
    admin = (await signedIn(app, db, 'admin')).session;
  }, 600_000);

  it('drivers.csv holds exactly the analysis computed directly on the same respondents, network and released group', async () => {
    const res = await researcher.get(`/research/waves/${big}/drivers.csv`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-disposition']).toBe('attachment; filename="schoolpols-drivers-groot-drivers.csv"');
    const rows = parse(res.body);
    const results = await loadWaveResults(store.db, big);
    const network = results.disclosure.network();
    const group = results.disclosure.benchmarkGroup('basisonderwijs');
    expect([network.released, group.released]).toEqual([true, true]);
    for (const [scopeId, g] of [
      ['network', network],
      ['basisonderwijs', group],
    ] as const) {
      for (const [oi, o] of layout.outcomes.entries()) {
        const expected = await direct(big, g.schoolIds, scopeId, oi);
        expect(expected.ok, `${scopeId} ${o.id}`).toBe(true);
        const e = expected as KeyDriverAnalysis;
        const mine = rows.filter((r) => r['scope_id'] === scopeId && r['outcome_id'] === o.id);
        expect(mine.map((r) => r['theme_id'])).toEqual(layout.themes.map((t) => t.id));
        for (const [j, r] of mine.entries()) {
          expect(Number(r['n'])).toBe(e.n);
          const close = (cell: string, x: number) =>
            expect(Math.abs(Number(r[cell]) - 100 * x), `${scopeId} ${o.id} ${cell}`).toBeLessThan(1e-5);
          close('r2', e.r2);
          close('r2_ci_low', e.intervals.r2.lower);
          close('r2_ci_high', e.intervals.r2.upper);
          close('weight', e.weights[j]!);
          close('weight_ci_low', e.intervals.weights[j]!.lower);
          close('weight_ci_high', e.intervals.weights[j]!.upper);
          close('share', e.shares![j]!);
          expect([r['refused'], r['suppressed']]).toEqual(['', '']);
        }
        // Weights add up to R².
        expect(Math.abs(mine.reduce((a, r) => a + Number(r['weight']), 0) - 100 * e.r2)).toBeLessThan(1e-4);
      }
    }
    // The known structure: workload first for the intention to stay, appreciation second.
    const stay = rows.filter((r) => r['scope_id'] === 'network' && r['outcome_id'] === 'blijf_onderwijs');
    expect(stay.find((r) => r['rank'] === '1')!['theme_id']).toBe('werkdruk');
    expect(stay.find((r) => r['rank'] === '2')!['theme_id']).toBe('waardering');
  });

  it('a withheld benchmark group (R3) has no driver number in the CSV or on the page, and nothing is ever per school', async () => {
    const results = await loadWaveResults(store.db, big);
    expect(results.disclosure.benchmarkGroup('secundair')).toMatchObject({ released: false, rule: 'R3' });
    const rows = parse((await researcher.get(`/research/waves/${big}/drivers.csv`)).body);
    expect(new Set(rows.map((r) => r['scope']))).toEqual(new Set(['network', 'group']));
    expect(new Set(rows.map((r) => r['scope_id']))).toEqual(new Set(['network', 'basisonderwijs', 'secundair']));
    const withheld = rows.filter((r) => r['scope_id'] === 'secundair');
    expect(withheld).toHaveLength(layout.outcomes.length * layout.themes.length);
    for (const r of withheld) {
      for (const c of [...NUMBERS, 'refused']) expect(r[c], c).toBe('');
      expect(r['suppressed']).toBe('R3');
    }
    const allSchools = [...basis, ...secundair].map((s) => s.id);
    expect(allSchools.some((id) => rows.some((r) => Object.values(r).includes(id)))).toBe(false);

    const page = await researcher.get(`/research/waves/${big}/drivers`);
    expect(page.statusCode).toBe(200);
    const panels = [...page.body.matchAll(/<h3 id="panel-\d+-\d+">([^<]*)<\/h3>([\s\S]*?)<\/section>/g)];
    const secundairPanels = panels.filter((m) => m[1] === 'Secundair onderwijs');
    expect(secundairPanels).toHaveLength(layout.outcomes.length);
    for (const m of secundairPanels) {
      expect(m[2]).toContain('Niet berekend voor deze groep: niet getoond: zou kleine groepen herleidbaar maken.');
      expect(m[2]).not.toMatch(/\d/);
    }
    for (const name of ['Driverschool basis', 'Driverschool secundair']) expect(page.body).not.toContain(name);
    for (const id of allSchools) expect(page.body).not.toContain(id);
  });

  it('the page shows the same numbers, the plain reading and the caution (nl, then en)', async () => {
    const results = await loadWaveResults(store.db, big);
    const e = (await direct(big, results.disclosure.network().schoolIds, 'network', 0)) as KeyDriverAnalysis;
    const res = await researcher.get(`/research/waves/${big}/drivers`);
    const html = res.body;
    expect(html).toContain('Let op: dit toont samenhang, geen oorzaak.');
    expect(html).toContain(
      'Werkdruk en combinatie werk–gezin verklaart het grootste deel van de verschillen in de verwachting om over vijf jaar nog in het onderwijs te werken.',
    );
    const p1 = (x: number) => formatNumber('nl', 100 * x, 1);
    expect(html).toContain(
      `Alle thema&#39;s samen verklaren ${p1(e.r2)} % van de verschillen (95 %-interval ${p1(e.intervals.r2.lower)} – ${p1(e.intervals.r2.upper)} %), over ${formatNumber('nl', e.n, 0)} volledige respondenten.`,
    );
    const table = /<caption id="caption-0-0">[\s\S]*?<\/table>/.exec(html)![0];
    for (const [j, t] of layout.themes.entries()) {
      const row = new RegExp(`<tr data-theme="${t.id}">([\\s\\S]*?)</tr>`).exec(table)![1]!;
      expect(row).toContain(`<td class="num">${p1(e.weights[j]!)} %</td>`);
      expect(row).toContain(`${p1(e.intervals.weights[j]!.lower)} – ${p1(e.intervals.weights[j]!.upper)} %`);
    }
    // Ranked: the first row is the largest weight.
    const first = /<tr data-theme="([^"]+)">/.exec(table)![1];
    expect(first).toBe('werkdruk');
    expect(html).toContain('src="/vendor/chart.js/chart.umd.js"');
    expect(html).toContain(`href="/research/waves/${big}/drivers.csv"`);
    const en = (await researcher.get(`/research/waves/${big}/drivers?lang=en`)).body;
    expect(en).toContain('Note: this shows association, not cause.');
    expect(en).toContain(
      'Workload and work–family balance explains the largest share of differences in intention to stay in education for five more years.',
    );
  });

  it('refuses below 50 complete respondents, with its reason and no number', async () => {
    const results = await loadWaveResults(store.db, small);
    const network = results.disclosure.network();
    expect(network.released).toBe(true);
    const expected = await direct(small, network.schoolIds, 'network', 0);
    expect(expected).toMatchObject({ ok: false, reason: 'too-few' });
    const n = (expected as { n: number }).n;
    expect(n).toBeGreaterThanOrEqual(5);
    expect(n).toBeLessThan(50);
    const page = await admin.get(`/research/waves/${small}/drivers`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(`Niet berekend: ${n} volledige respondenten, er zijn er minstens 50 nodig.`);
    expect(page.body).not.toContain('<table class="data drivers">');
    const en = await admin.get(`/research/waves/${small}/drivers?lang=en`);
    expect(en.body).toContain(`Not computed: ${n} complete respondents, at least 50 are needed.`);
    const rows = parse((await admin.get(`/research/waves/${small}/drivers.csv`)).body);
    for (const r of rows.filter((x) => x['scope_id'] === 'network' && x['outcome_id'] === 'blijf_onderwijs')) {
      expect(r['refused']).toBe('too-few');
      expect(r['n']).toBe(String(n));
      for (const c of NUMBERS.filter((x) => x !== 'n')) expect(r[c], c).toBe('');
    }
  });

  it('is linked from the research index and the network view; an unknown wave is a 404', async () => {
    const index = await researcher.get('/research');
    expect(index.body).toContain(`href="/research/waves/${big}/drivers"`);
    const network = await admin.get(`/admin/waves/${big}/network`);
    expect(network.body).toContain(`href="/research/waves/${big}/drivers"`);
    expect((await researcher.get(`/research/waves/00000000-0000-4000-8000-000000000000/drivers.csv`)).statusCode).toBe(404);
  });

  it('runs the analysis off the event loop: other work keeps turning while it runs, and the result is the same', async () => {
    const results = await loadWaveResults(store.db, big);
    let ticks = 0;
    let done = false;
    // A competing task that needs a turn of the event loop for each step.
    const ticker = (async () => {
      while (!done) {
        ticks++;
        await nextTurn();
      }
    })();
    let during = -1;
    const report = await computeDrivers(store.db, results, {
      run: async (job) => {
        const before = ticks;
        const out = await runDriverJob(job);
        during = ticks - before;
        return out;
      },
    });
    done = true;
    await ticker;
    // The whole analysis (12 analyses × 1,000 draws) took many turns: it never held the loop.
    expect(during).toBeGreaterThan(10);
    // Deterministic: the same numbers as the route's computation (seeded from the wave).
    const csv = parse((await researcher.get(`/research/waves/${big}/drivers.csv`)).body);
    const first = report.scopes[0]!.outcomes[0]!;
    const v = first.kind === 'value' ? first.value : null;
    expect(v?.ok).toBe(true);
    if (v?.ok) {
      expect(Math.abs(Number(csv[0]!['weight_ci_low']) - 100 * v.intervals.weights[0]!.lower)).toBeLessThan(1e-5);
      expect(Math.abs(Number(csv[0]!['weight']) - 100 * v.weights[0]!)).toBeLessThan(1e-5);
    }
  });
});
