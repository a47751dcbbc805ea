/**
 * The network report's later sections and its slides (issue 20): themes over every sealed wave of
 * the questionnaire key with CIs and an honest change, each wave's numbers from that wave's own
 * release (a group the earlier wave withheld says why there); the actions reps agreed, as counts
 * and group means only; and the report as a .pptx in Dutch and English that parses, has native
 * charts, and shows no school and no number of a group this wave withholds.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { storeKind } from '../helpers/store.ts';
import { useApp } from '../helpers/app.ts';
import { shippedV2 } from '../helpers/fixtures.ts';
import { driverSchools, seedDriverWave } from '../helpers/driver-wave.ts';
import { all, first, paragraphs, readDeck, seriesOf, tableRows, textOf, type El } from '../helpers/pptx.ts';
import { unzip } from '../helpers/zip.ts';
import { signedIn } from './helpers.ts';
import type { Session } from '../helpers/session.ts';
import { publishQuestionnaire } from '../../server/questionnaires.ts';
import { translator, type Lang } from '../../server/platform/i18n.ts';
import { networkResults } from '../../server/admin/network-view.ts';
import { networkView } from '../../server/admin/network-page.ts';
import { networkReport } from '../../server/admin/network-report.ts';
import { loadWaveResults } from '../../server/results/wave-results.ts';
import { formatter } from '../../server/results/format.ts';
import { mapDisclosed, trend } from '../../analysis/index.ts';
import { createAction, planWave } from '../../server/advocacy/action-plans.ts';
import { networkAdvocacy } from '../../server/advocacy/network-advocacy.ts';
import { advocacyView } from '../../server/advocacy/network-advocacy-view.ts';

const PPTX = 'application/vnd.openxmlformats-officedocument.presentationml.presentation';
const SECRET = 'GeheimeActieTekst';
/** The small benchmark group: one school of three respondents, below k = 5 in both waves. */
const SMALL = 'buitengewoon';

const decode = (html: string) =>
  html
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

describe(`the network report over waves, its actions and its slides (${storeKind})`, () => {
  const { store, app } = useApp();
  let earlier: string;
  let later: string;
  let admin: Session;
  let names: string[];

  beforeAll(async () => {
    const db = store.db;
    const q = await publishQuestionnaire(db, shippedV2);
    const basis = await driverSchools(db, 'basisonderwijs', 6, 12, 'Trendschool basis');
    const secundair = await driverSchools(db, 'secundair', 6, 12, 'Trendschool secundair');
    const small = await driverSchools(db, SMALL, 1, 3, 'Trendschool klein');
    // The earlier wave has four primary schools: too few for their group to be shown (R3).
    earlier = await seedDriverWave(db, q, 'Trendgolf een', [...basis.slice(0, 4), ...secundair, ...small], 31);
    later = await seedDriverWave(db, q, 'Trendgolf twee', [...basis, ...secundair, ...small], 32);
    names = (await db.selectFrom('school').select('name').execute()).map((s) => s.name);
    // Actions after the earlier wave: workload in every secondary school and one primary school.
    for (const s of [...secundair, basis[0]!]) {
      const made = await createAction(db, await planWave(db, earlier, s.id), {
        themeId: 'werkdruk',
        itemId: '',
        action: `${SECRET} minder vergaderen`,
        carrier: 'loc',
        carrierLabel: '',
        due: '2027-06-30',
        status: 'agreed',
        note: `${SECRET} notitie`,
      });
      if (!made.ok) throw new Error(JSON.stringify(made.problems));
    }
    admin = (await signedIn(app, store.db, 'admin')).session;
  }, 600_000);

  it('shows every sealed wave of the key per theme, from each wave’s own release, with the change said honestly', async () => {
    const t = translator('nl');
    const html = (await admin.get(`/admin/waves/${later}/network/report`)).body;
    const section = /<section class="report-section" aria-labelledby="trends-title">[\s\S]*?<\/section>/.exec(html)![0];
    const tables = [...section.matchAll(/<table class="data trends"[\s\S]*?<\/table>/g)].map((m) => m[0]);
    // The network and the two groups this wave shows; the small group is not among them.
    expect(tables.map((tb) => decode(/<caption[^>]*>([^<]*)</.exec(tb)![1]!))).toEqual([
      "Netwerk: thema's per bevraging",
      "Basisonderwijs: thema's per bevraging",
      "Secundair onderwijs: thema's per bevraging",
    ]);
    expect(section).not.toContain(SMALL);

    const then = networkView(await networkResults(store.db, earlier), 'nl', t, 1);
    const now = networkView(await networkResults(store.db, later), 'nl', t, 1);
    const [r1, r2] = [await loadWaveResults(store.db, earlier), await loadWaveResults(store.db, later)];
    const net1 = (await networkResults(store.db, earlier)).network;
    const net2 = (await networkResults(store.db, later)).network;
    expect(net1.kind).toBe('value');
    expect(net2.kind).toBe('value');
    const fmt = formatter('nl', t, 5);
    for (const [ti, th] of shippedV2.themes.entries()) {
      const body = new RegExp(`<tbody data-theme="${th.id}">([\\s\\S]*?)</tbody>`).exec(tables[0]!)![1]!;
      const rows = [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => m[1]!);
      // The theme's own row, then one row per wave, oldest first.
      expect(rows.map((r) => /<th scope="row">([^<]*)</.exec(r)?.[1] ?? null)).toEqual([null, 'Trendgolf een', 'Trendgolf twee']);
      expect(rows[1]).toContain(`<td class="num">${then.scopes[0]!.favourable[ti]!.text}</td>`);
      expect(rows[1]).toContain(`<td class="num">${then.scopes[0]!.means[ti]!.text}<br>`);
      expect(rows[2]).toContain(`<td class="num">${now.scopes[0]!.favourable[ti]!.text}</td>`);
      expect(rows[2]).toContain(`<td class="num">${now.scopes[0]!.means[ti]!.text}<br>`);
      const a = net1.kind === 'value' ? net1.value.themes[ti]! : null;
      const b = net2.kind === 'value' ? net2.value.themes[ti]! : null;
      expect(rows[2]).toContain(fmt.interval(mapDisclosed(net2, (r) => r.themes[ti]!.ci)));
      const step = trend([
        { waveId: earlier, summary: a, k: 5 },
        { waveId: later, summary: b, k: 5 },
      ])[1]!.change;
      const expected = step.ok
        ? `${step.value.difference > 0 ? '+' : ''}${fmt.plain(step.value.difference)} (${step.value.significant ? 'significant' : 'niet significant'})`
        : t(`stat.${step.reason}`, { k: 5 });
      expect(decode(rows[2]!)).toContain(expected);
      expect(decode(rows[1]!)).toContain(t('stat.no-previous'));
    }

    // The primary group: withheld in the earlier wave (four schools), shown in this one.
    const group1 = r1.disclosure.benchmarkGroup('basisonderwijs');
    expect(group1).toMatchObject({ released: false, rule: 'R3' });
    expect(r2.disclosure.benchmarkGroup('basisonderwijs').released).toBe(true);
    for (const th of shippedV2.themes) {
      const body = new RegExp(`<tbody data-theme="${th.id}">([\\s\\S]*?)</tbody>`).exec(tables[1]!)![1]!;
      const rows = [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => m[1]!);
      expect(rows[1]).toMatch(
        new RegExp(`^\\s*<th scope="row">Trendgolf een</th>\\s*<td colspan="3" class="withheld">${fmt.reason('R3')}</td>\\s*$`),
      );
      expect(decode(rows[2]!)).toContain('geen vergelijking: de vorige bevraging toont dit niet');
    }
  });

  it('says in English what it says in Dutch', async () => {
    const html = (await admin.get(`/admin/waves/${later}/network/report?lang=en`)).body;
    expect(html).toContain('Themes over the waves');
    expect(html).toContain(`${translator('en')('benchmark.basisonderwijs')}: themes per wave`);
    expect(html).toContain(translator('en')('disclosure.R3', { k: 5 }));
    expect(html).toContain('Actions after this wave');
  });

  it('counts agreed actions per theme and their change by the next wave, without a school or an action’s text', async () => {
    const t = translator('nl');
    const html = (await admin.get(`/admin/waves/${earlier}/network/report`)).body;
    const expected = advocacyView(await networkAdvocacy(store.db, earlier), [], 'nl', t);
    const section = /<section class="report-section" aria-labelledby="actions-title">[\s\S]*?<\/section>/.exec(html)![0];
    expect(section).toContain('Volgende bevraging met dezelfde vragenlijst: Trendgolf twee.');
    const workload = shippedV2.themes.findIndex((th) => th.id === 'werkdruk');
    const row = expected.rows[workload]!;
    expect(row.schoolsAgreed).toBe(7);
    const changes = expected.changes![workload]!;
    // Seven schools with an action, the rest of the earlier wave's released schools without one: below k.
    expect(changes.withActions.change).not.toBe(t('advocacy.tooFew'));
    const tr = new RegExp(`<th scope="row">${row.theme}</th>([\\s\\S]*?)</tr>`).exec(section)![1]!;
    expect(tr).toContain('<td class="num">7</td>');
    expect(tr).toContain(`${changes.withActions.change} (${changes.withActions.schools} scholen)`);
    expect(tr).toContain(`${changes.withoutActions.change} (${changes.withoutActions.schools} scholen)`);
    for (const page of [html, (await admin.get(`/admin/waves/${later}/network/report`)).body]) {
      expect(page).not.toContain(SECRET);
      expect(page).not.toContain('Trendschool');
    }
    // The later wave has no next wave yet: it says so, and shows no change.
    expect((await admin.get(`/admin/waves/${later}/network/report`)).body).toContain(
      t('networkReport.actions.noNext').replace("'", '&#39;'),
    );
  });

  /** Every number a language's own words carry ("1–5", "95%", "0,70", "p < 0,05"). */
  function wordsNumbers(lang: Lang): Set<string> {
    const out = new Set<string>();
    const walk = (v: unknown) => {
      if (typeof v === 'string') for (const n of v.match(/\d+(?:[.,]\d+)?/g) ?? []) out.add(n);
      else if (v && typeof v === 'object') Object.values(v).forEach(walk);
    };
    for (const f of readdirSync(`web/locales/${lang}`)) walk(JSON.parse(readFileSync(`web/locales/${lang}/${f}`, 'utf8')));
    return out;
  }

  it('makes slides in Dutch and English that parse, chart natively, and show no school and no withheld group’s number', async () => {
    for (const lang of ['nl', 'en'] as const) {
      const t = translator(lang);
      const res = await admin.get(`/admin/waves/${later}/network/slides.pptx?lang=${lang}`);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe(PPTX);
      expect(res.headers['content-disposition']).toBe(
        `attachment; filename="${lang === 'nl' ? 'netwerkrapport' : 'network-report'}_Trendgolf-twee.pptx"`,
      );
      const buffer = res.rawPayload;
      const deck = await readDeck(buffer, lang);
      // One chart of this wave's themes, and one per group over the waves.
      expect(deck.charts.length).toBe(1 + 3);
      const words = deck.slides.flatMap(paragraphs).join('\n');
      expect(words).toContain(t('networkReport.trends.title'));
      expect(words).toContain(lang === 'nl' ? "Thema's over de bevragingen" : 'Themes over the waves');
      expect(words).toContain(t('networkReport.actions.title'));
      expect(words).toContain(t('networkReport.methodTitle'));

      // No school: not in any part, embedded workbooks included, nor an action's text.
      const raw = [...(await unzip(buffer)).entries()];
      const xlsx = await Promise.all(raw.filter(([n]) => n.endsWith('.xlsx')).map(async ([, d]) => [...(await unzip(d)).values()]));
      const texts = [...raw.map(([, d]) => d), ...xlsx.flat()].map((d) => d.toString('utf8'));
      for (const text of texts) {
        for (const name of names) expect(text).not.toContain(name);
        expect(text).not.toContain(SECRET);
      }

      // The small group is named once, with its reason, and is never a series or a column.
      const view = await networkReport(store.db, later, lang, t);
      const small = view.withheldScopes.find((s) => s.startsWith(SMALL))!;
      expect(small).toMatch(new RegExp(`^${SMALL} \\([^0-9]*\\)$`));
      expect(words.split(SMALL).length - 1).toBe(1);
      for (const chart of deck.charts) for (const s of seriesOf(chart)) expect(s.name).not.toContain(SMALL);
      for (const slide of deck.slides) for (const row of tableRows(slide)) for (const cell of row) expect(cell).not.toContain(SMALL);

      // Every number on a slide is one the report's view-model shows, or one of the catalogue's own words.
      const allowed = wordsNumbers(lang);
      const walk = (v: unknown) => {
        if (typeof v === 'string') for (const n of v.match(/\d+(?:[.,]\d+)?/g) ?? []) allowed.add(n);
        else if (v && typeof v === 'object') Object.values(v).forEach(walk);
      };
      walk(view);
      for (const [i, slide] of deck.slides.entries())
        for (const p of paragraphs(slide))
          for (const n of p.match(/\d+(?:[.,]\d+)?/g) ?? []) expect(allowed, `slide ${i + 1}: ${n} in “${p}”`).toContain(n);
      // Every charted value is a released mean of the view (a withheld one is left out).
      const means = new Set<string>();
      for (const s of view.scopes) for (const m of s.means) if (m.value !== null) means.add(String(m.value));
      for (const sc of view.trends)
        for (const th of sc.themes) for (const p of th.points) if (p.mean?.value != null) means.add(String(p.mean.value));
      for (const chart of deck.charts)
        for (const s of seriesOf(chart)) for (const v of s.values.values()) if (v !== '') expect(means).toContain(v);
    }
  });

  it('charts each group’s earlier wave without a bar where that wave withheld it', async () => {
    const res = await admin.get(`/admin/waves/${later}/network/slides.pptx?lang=nl`);
    const deck = await readDeck(res.rawPayload, 'nl');
    const basis = deck.charts.find((c) =>
      all(c, 'c:title').some((tt: El) => all(tt, 'a:t').map(textOf).join('').startsWith('Basisonderwijs:')),
    )!;
    expect(basis).toBeDefined();
    const [one, two] = seriesOf(basis);
    expect(one!.name).toBe('Trendgolf een');
    expect([...one!.values.values()].filter((v) => v !== '')).toEqual([]);
    expect([...two!.values.values()].filter((v) => v !== '').length).toBe(shippedV2.themes.length);
    expect(first(basis, 'c:chart')).toBeDefined();
  });

  it('audits the download, and refuses reps and researchers', async () => {
    const before = await store.db.selectFrom('audit_log').select('target').where('action', '=', 'network.slides').execute();
    expect((await admin.get(`/admin/waves/${later}/network/slides.pptx`)).statusCode).toBe(200);
    const after = await store.db.selectFrom('audit_log').select('target').where('action', '=', 'network.slides').execute();
    expect(after.length - before.length).toBe(1);
    expect(after.map((a) => a.target)).toContain(`wave:${later}:slides.pptx`);
    for (const role of ['rep', 'researcher'] as const) {
      const { session } = await signedIn(app, store.db, role);
      const res = await session.get(`/admin/waves/${later}/network/slides.pptx?lang=nl`);
      expect(res.statusCode).toBe(403);
      expect(res.headers['content-type']).not.toBe(PPTX);
    }
  });
});
