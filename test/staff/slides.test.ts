/**
 * Slides for the local negotiation committee (issue 17): a .pptx of the report, for the rep of the
 * school and admins only, that opens (well-formed parts), speaks the request's language, and shows
 * no number the dashboard's JSON withholds — checked against the JSON, place by place.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { storeKind } from '../helpers/store.ts';
import { testKeys, useApp } from '../helpers/app.ts';
import { Session } from '../helpers/session.ts';
import { shipped, shippedV2, submit } from '../helpers/fixtures.ts';
import { DEMO_PASSWORD, seedDemo } from '../../server/demo/demo.ts';
import { issueCodes } from '../../server/waves.ts';
import { sealWave } from '../../server/sealing/sealing.ts';
import { formatNumber, translator, type Lang } from '../../server/platform/i18n.ts';
import { itemsInOrder } from '../../surveys/load.ts';
import { groupReport, layoutOf, sumResponses } from '../../analysis/index.ts';
import { all, first, paragraphs, parseXml, readDeck, seriesOf, tableRows, textOf, type Deck } from '../helpers/pptx.ts';

const PPTX = 'application/vnd.openxmlformats-officedocument.presentationml.presentation';

// ---- what the JSON releases, and what the deck shows -------------------------------------------

const NUMBER = /\d+(?:[.,]\d+)?/g;
const tokens = (text: string) => text.match(NUMBER) ?? [];

interface Released {
  /** numbers as written in the JSON's strings ("3,45", "79", "2025") */
  text: Set<string>;
  /** the JSON's numbers, as JavaScript writes them (what a chart cache holds) */
  values: Set<string>;
}

function released(json: unknown, lang: Lang): Released {
  const text = new Set<string>();
  const values = new Set<string>();
  const walk = (v: unknown) => {
    if (typeof v === 'string') tokens(v).forEach((n) => text.add(n));
    else if (typeof v === 'number') values.add(String(v));
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(json);
  // The catalogue's own words with numbers in them ("1 to 5", "95%", "at least k people").
  const t = translator(lang);
  const k = (json as { k: number }).k;
  // The priorities' intro says their percentages add up to more than 100.
  const priorities = (json as { priorities?: { question: string; max: number } | null }).priorities;
  const intro = priorities ? [t('dashboard.prioritiesIntro', { question: priorities.question, max: priorities.max })] : [];
  for (const words of [t('report.method'), t('dashboard.distributionNote'), t('report.privacy', { k }), t('dashboard.ci'), ...intro])
    tokens(words).forEach((n) => text.add(n));
  return { text, values };
}

interface Shown {
  numbersInText: string[];
  cacheValues: string[];
}

/** Every number the deck shows: in text (slides, charts, workbooks' strings) and in chart caches and workbook cells. */
function shownNumbers(deck: Deck): Shown {
  const numbersInText: string[] = [];
  const cacheValues: string[] = [];
  for (const [name, el] of deck.xml) {
    if (/^ppt\/slides\/slide\d+\.xml$/.test(name) || /^ppt\/charts\/chart\d+\.xml$/.test(name)) {
      for (const t of all(el, 'a:t')) numbersInText.push(...tokens(textOf(t)));
      for (const cache of [...all(el, 'c:strCache'), ...all(el, 'c:multiLvlStrCache')])
        for (const v of all(cache, 'c:v')) numbersInText.push(...tokens(textOf(v)));
      for (const cache of all(el, 'c:numCache')) for (const v of all(cache, 'c:v')) if (textOf(v) !== '') cacheValues.push(textOf(v));
    } else if (name.endsWith('!xl/sharedStrings.xml')) {
      for (const t of all(el, 't')) numbersInText.push(...tokens(textOf(t)));
    } else if (name.endsWith('!xl/worksheets/sheet1.xml')) {
      for (const c of all(el, 'c'))
        if (c.attrs['t'] !== 's' && first(c, 'v') && textOf(first(c, 'v')!) !== '') cacheValues.push(textOf(first(c, 'v')!));
    }
  }
  return { numbersInText, cacheValues };
}

type Json = {
  k: number;
  schoolName: string;
  scaleLabels: string[];
  glance: { sentences: Array<{ text: string }> };
  themes: Array<{
    label: string;
    mean: { text: string; value: number | null };
    favourable: { text: string; value: number | null };
    verdict: string;
    difference: { text: string; value: number | null };
    items: Array<{ label: string; reverse: boolean; percents: Array<{ text: string; value: number | null }> }>;
    trend: Array<{ waveName: string; mean: string; ci: string; change: string }>;
  }>;
  chart: {
    labels: string[];
    school: Array<number | null>;
    benchmark: Array<number | null>;
    network: Array<number | null>;
    legend: { school: string; benchmark: string; network: string };
  };
  comments: { list: string[]; reason: string | null };
  commentThemes: { counts: Array<{ label: string; count: number }>; reason: string | null } | null;
};

const same = (value: string | undefined, expected: number | null) =>
  expected === null ? value === undefined || value === '' : value === String(expected);

/**
 * The deck against the dashboard's JSON: every number it shows is one the JSON releases, and place
 * by place the charts and tables hold the JSON's values — nothing where the JSON has null.
 */
function expectMatchesJson(deck: Deck, json: Json, lang: Lang, label: string): void {
  const t = translator(lang);
  const allowed = released(json, lang);
  const shown = shownNumbers(deck);
  expect(
    shown.numbersInText.filter((n) => !allowed.text.has(n)),
    `${label}: numbers in text the JSON does not release`,
  ).toEqual([]);
  expect(
    shown.cacheValues.filter((v) => !allowed.values.has(v)),
    `${label}: chart values the JSON does not release`,
  ).toEqual([]);

  // Title, themes compared, one slide a theme, the comments, the method.
  const T = json.themes.length;
  expect(deck.slides.length, label).toBeGreaterThanOrEqual(T + 4);
  expect(paragraphs(deck.slides[0]!), label).toContain(json.schoolName);
  for (const s of json.glance.sentences)
    expect(
      paragraphs(deck.slides[0]!).some((p) => p.startsWith(s.text)),
      `${label}: glance "${s.text}"`,
    ).toBe(true);
  expect(paragraphs(deck.slides[1]!), label).toContain(t('dashboard.themesTitle'));
  expect(paragraphs(deck.slides.at(-1)!).join(' '), label).toContain(t('report.privacy', { k: json.k }));

  // The themes chart: the JSON's chart data, series by series, point by point; no chart if it has none.
  const themesChart = deck.chartOf[1];
  const data = [json.chart.school, json.chart.benchmark, json.chart.network];
  expect(!!themesChart, `${label}: themes chart`).toBe(data.some((s) => s.some((v) => v !== null)));
  if (themesChart) {
    const series = seriesOf(themesChart);
    expect(series.map((s) => s.name)).toEqual([json.chart.legend.school, json.chart.legend.benchmark, json.chart.legend.network]);
    series.forEach((s, si) => {
      expect(s.categories).toEqual(json.chart.labels);
      data[si]!.forEach((v, i) =>
        expect(same(s.values.get(i), v), `${label}: ${s.name} · ${json.chart.labels[i]} = ${s.values.get(i)}, JSON ${v}`).toBe(true),
      );
    });
  }
  // The table beside it: the JSON's texts (a withheld number reads as its reason).
  const rows = tableRows(deck.slides[1]!);
  expect(
    rows.slice(1).map((r) => r.slice(0, 3)),
    label,
  ).toEqual(json.themes.map((th) => [th.label, th.mean.text, th.favourable.text]));
  rows.slice(1).forEach((r, i) => expect(r[3]!.startsWith(json.themes[i]!.verdict)).toBe(true));

  json.themes.forEach((th, i) => {
    const slide = deck.slides[2 + i]!;
    const words = paragraphs(slide);
    expect(words, label).toContain(t('report.themeSection', { theme: th.label }));
    expect(words.join(' '), `${label}: ${th.label} figures`).toContain(`${t('dashboard.mean')}: ${th.mean.text}`);
    expect(words.join(' '), `${label}: ${th.label} figures`).toContain(
      `${t('dashboard.favourable')}: ${th.favourable.text} · ${th.verdict}`,
    );
    const chart = deck.chartOf[2 + i];
    const any = th.items.some((item) => item.percents.some((p) => p.value !== null));
    expect(!!chart, `${label}: ${th.label} has a chart`).toBe(any);
    if (chart) {
      const series = seriesOf(chart);
      expect(series.map((s) => s.name)).toEqual(json.scaleLabels);
      series.forEach((s, option) => {
        expect(s.categories).toHaveLength(th.items.length);
        th.items.forEach((item, j) => {
          expect(s.categories[j]!.startsWith(item.label), label).toBe(true);
          // A negatively worded item says so, as on the dashboard.
          expect(s.categories[j]!.includes(`(${t('dashboard.reverse')})`), `${label}: ${item.label}`).toBe(item.reverse);
          const p = item.percents[option]!;
          expect(same(s.values.get(j), p.value), `${label}: ${item.label} · ${s.name} = ${s.values.get(j)}, JSON ${p.value}`).toBe(true);
        });
      });
    } else {
      expect(words, label).toContain(t('slides.noDistribution', { reason: th.items[0]!.percents[0]!.text }));
    }
    // Its trend as a table, from two waves on.
    const trend = tableRows(slide);
    if (th.trend.length >= 2) expect(trend.slice(1), label).toEqual(th.trend.map((p) => [p.waveName, p.mean, p.ci, p.change]));
    else expect(trend, label).toEqual([]);
  });
  expect(deck.charts.length, label).toBe(deck.chartOf.filter(Boolean).length);
}

// ---- the tests ---------------------------------------------------------------------------------

type Role = 'anonymous' | 'repOfSchool' | 'repOfOther' | 'researcher' | 'admin';

describe(`slides for the LOC (${storeKind})`, () => {
  const { store, app } = useApp();
  const sessions = {} as Record<Role, Session>;
  let schoolId: string; // assigned to rep.secundair
  let otherSchoolId: string; // assigned to rep.basis only
  let sealedWaveId: string;
  let openWaveId: string;

  const slides = (who: Role, school: string, wave: string, query = '') =>
    sessions[who].get(`/schools/${school}/waves/${wave}/slides.pptx${query}`);
  const json = async (who: Role, school: string, wave: string, query = '') =>
    (await sessions[who].get(`/api/schools/${school}/waves/${wave}${query}`)).json() as Json;

  beforeAll(async () => {
    ({ openWaveId } = await seedDemo(store.db, testKeys(store.db), 5));
    const school = (name: string) => store.db.selectFrom('school').select('id').where('name', '=', name).executeTakeFirstOrThrow();
    schoolId = (await school('Demo Atheneum Scheldeland')).id;
    otherSchoolId = (await school('Demo Basisschool De Regenboog')).id;
    sealedWaveId = (await store.db.selectFrom('wave').select('id').where('name', '=', 'Demo najaar 2025').executeTakeFirstOrThrow()).id;
    sessions.anonymous = new Session(app, '10.7.0.1');
    sessions.repOfSchool = await new Session(app, '10.7.0.2').login('rep.secundair@demo.schoolpols.be', DEMO_PASSWORD);
    sessions.repOfOther = await new Session(app, '10.7.0.3').login('rep.basis@demo.schoolpols.be', DEMO_PASSWORD);
    sessions.researcher = await new Session(app, '10.7.0.4').login('onderzoek@demo.schoolpols.be', DEMO_PASSWORD);
    sessions.admin = await new Session(app, '10.7.0.5').login('admin@demo.schoolpols.be', DEMO_PASSWORD);
  });

  it('is for the rep of the school and admins, sealed waves only, as a download no cache keeps', async () => {
    const expected: Record<Role, number> = { anonymous: 303, repOfSchool: 200, repOfOther: 403, researcher: 403, admin: 200 };
    for (const role of Object.keys(expected) as Role[]) {
      const res = await slides(role, schoolId, sealedWaveId);
      expect(res.statusCode, role).toBe(expected[role]);
      if (role === 'anonymous') expect(res.headers.location).toMatch(/^\/login/);
      if (expected[role] !== 200) {
        expect(res.headers['content-type'], role).not.toBe(PPTX);
        expect(res.body, role).not.toContain('Demo Atheneum Scheldeland');
        continue;
      }
      expect(res.headers['content-type'], role).toBe(PPTX);
      expect(res.headers['content-disposition']).toBe('attachment; filename="Demo-Atheneum-Scheldeland_Demo-najaar-2025.pptx"');
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.rawPayload.subarray(0, 4)).toEqual(Buffer.from('PK\x03\x04', 'latin1'));
    }
    // Another school's id in the URL changes nothing for a rep; an open wave has no results yet.
    expect((await slides('repOfSchool', otherSchoolId, sealedWaveId)).statusCode).toBe(403);
    expect((await slides('repOfSchool', schoolId, openWaveId)).statusCode).toBe(409);
    expect((await slides('repOfSchool', 'not-a-uuid', sealedWaveId)).statusCode).toBe(400);
    // Each download is in the audit log, like viewing the report.
    const logged = await store.db.selectFrom('audit_log').select('target').where('action', '=', 'slides.download').execute();
    expect(logged.map((l) => l.target)).toContain(`school:${schoolId}:wave:${sealedWaveId}`);
    // The dashboard and the report link to it.
    for (const page of [`/schools/${schoolId}/waves/${sealedWaveId}`, `/schools/${schoolId}/waves/${sealedWaveId}/report`]) {
      expect((await sessions.repOfSchool.get(page)).body).toContain(
        `href="/schools/${schoolId}/waves/${sealedWaveId}/slides.pptx?lang=nl"`,
      );
    }
  });

  it('reads XML strictly: the check below can fail', () => {
    const ok = parseXml(
      '<?xml version="1.0"?>\n<p:a xmlns:p="urn:x" b=\'&quot;1&#x41;\'>x &amp; y<![CDATA[<z>]]><!-- c --><p:b/></p:a>',
      'good',
    );
    expect([ok.name, ok.attrs['b'], textOf(ok)]).toEqual(['p:a', '"1A', 'x & y<z>']);
    for (const bad of [
      '<a/>',
      '<?xml version="1.0"?><a><b></a>',
      '<?xml version="1.0"?><a>',
      '<?xml version="1.0"?><a>&nbsp;</a>',
      '<?xml version="1.0"?><a>AT&T</a>',
      '<?xml version="1.0"?><a>\u0001</a>',
      '<?xml version="1.0"?><a x="1" x="2"/>',
      '<?xml version="1.0"?><a x="<"/>',
      '<?xml version="1.0"?><p:a/>',
      '<?xml version="1.0"?><a/><b/>',
      '<?xml version="1.0"?><a/>text',
    ]) {
      expect(() => parseXml(bad, 'bad'), bad).toThrow();
    }
  });

  it('opens: well-formed parts, a presentation, a slide a theme, a native chart a theme and one for all themes', async () => {
    const res = await slides('repOfSchool', schoolId, sealedWaveId);
    const deck = await readDeck(res.rawPayload, 'demo school');
    const view = await json('repOfSchool', schoolId, sealedWaveId);
    const T = view.themes.length;
    expect(T).toBe(shipped.themes.length);
    expect(deck.xml.has('ppt/presentation.xml')).toBe(true);
    const types = deck.xml.get('[Content_Types].xml')!;
    expect(all(types, 'Override').find((o) => o.attrs['PartName'] === '/ppt/presentation.xml')?.attrs['ContentType']).toBe(
      `${PPTX}.main+xml`,
    );
    // The presentation lists every slide part, in order.
    expect(all(deck.xml.get('ppt/presentation.xml')!, 'p:sldId')).toHaveLength(deck.slides.length);
    // The demo school: every theme charted; the wave runs v2, so staying and the union's priorities
    // as tables; the comments on one slide, and what they are about on the next.
    expect(deck.slides).toHaveLength(T + 7);
    expect(deck.charts).toHaveLength(T + 1);
    expect(deck.chartOf.map((c) => !!c)).toEqual([false, true, ...Array(T).fill(true), false, false, false, false, false]);
    expect([paragraphs(deck.slides[T + 2]!)[0], paragraphs(deck.slides[T + 3]!)[0]]).toEqual([
      translator('nl')('dashboard.outcomesTitle'),
      translator('nl')('dashboard.prioritiesTitle'),
    ]);
    // Native bar charts, each with the workbook PowerPoint edits them in.
    for (const chart of deck.charts) expect(first(chart, 'c:barChart'), 'bar chart').toBeTruthy();
    expect([...deck.xml.keys()].filter((n) => n.endsWith('!xl/worksheets/sheet1.xml'))).toHaveLength(T + 1);
    expectMatchesJson(deck, view, 'nl', 'demo school');
    // Comments: those the JSON releases, nothing else.
    expect(paragraphs(deck.slides[T + 4]!).slice(2)).toEqual(view.comments.list);
    // What they are about: the dashboard's tag counts or its reason for none, worded as on the page
    // (test/admin/moderation.test.ts has a school on each side of k).
    const ct = view.commentThemes!;
    expect(paragraphs(deck.slides[T + 5]!)).toEqual([
      'Waarover de opmerkingen gaan',
      ...(ct.reason
        ? [ct.reason]
        : [
            translator('nl')('moderation.dashboard.intro'),
            ...ct.counts.map((c) => `${c.label}: ${c.count} opmerking${c.count === 1 ? '' : 'en'}`),
          ]),
    ]);
  });

  it("is in Dutch by default, in English with ?lang=en or in the user's own language", async () => {
    const labels = async (lang: Lang) => (await json('admin', schoolId, sealedWaveId, `?lang=${lang}`)).themes.map((th) => th.label);
    const [nl, en] = [await labels('nl'), await labels('en')];
    const words = async (res: { rawPayload: Buffer }) => {
      const deck = await readDeck(res.rawPayload, 'language');
      return [...deck.slides, ...deck.charts].flatMap((el) => [...paragraphs(el), ...all(el, 'c:v').map(textOf)]).join('\n');
    };
    const expectLanguage = (text: string, lang: Lang) => {
      for (const label of lang === 'nl' ? nl : en) expect(text, lang).toContain(label);
      for (const label of (lang === 'nl' ? en : nl).filter((l) => !(lang === 'nl' ? nl : en).includes(l)))
        expect(text, lang).not.toContain(label);
      expect(text).toContain(translator(lang)('report.methodTitle'));
    };
    expectLanguage(await words(await slides('repOfSchool', schoolId, sealedWaveId)), 'nl');
    const english = await slides('repOfSchool', schoolId, sealedWaveId, '?lang=en');
    expectLanguage(await words(english), 'en');
    expectMatchesJson(
      await readDeck(english.rawPayload, 'english'),
      await json('repOfSchool', schoolId, sealedWaveId, '?lang=en'),
      'en',
      'english',
    );
    // The admin chooses English for the account: the slides follow without ?lang=.
    const admin = sessions.admin;
    expect((await admin.post('/account/lang', { lang: 'en', next: '/home' })).statusCode).toBe(303);
    expectLanguage(await words(await slides('admin', schoolId, sealedWaveId)), 'en');
    expect((await admin.post('/account/lang', { lang: 'nl', next: '/home' })).statusCode).toBe(303);
    expectLanguage(await words(await slides('admin', schoolId, sealedWaveId)), 'nl');
  });

  it('shows no number the dashboard withholds: a school with 3 answers says why, and none of its numbers', async () => {
    const db = store.db;
    // The demo's open wave runs v2; its items are v1's.
    const items = itemsInOrder(shippedV2);
    // A third wave (the demo's open one): the rep's school answers, a second secondary school has 3 answers.
    const silent = (await db.selectFrom('school').select('id').where('name', '=', 'Demo Lyceum Ter Duinen').executeTakeFirstOrThrow()).id;
    const hostile = 'Te veel mails \u0001\u000b\ufffe<b>&amp; "vet"</b> — 12 per dag';
    // In the rep's school only 2 of 12 answer the first question and the last theme: withheld amid released numbers.
    const lastTheme = shippedV2.themes.at(-1)!.id;
    for (const [i, code] of (await issueCodes(db, openWaveId, schoolId, 12)).entries()) {
      const answers = items.map((it, j) => (i >= 2 && (j === 0 || it.themeId === lastTheme) ? null : it.reverse ? 2 : 4));
      expect(await submit(db, code, { answers, background: {}, comment: i === 0 ? hostile : `Opmerking ${i + 1}` })).toBe(true);
    }
    // 1, 2, 2: means like 1,67 and 2,11 that nothing released shares.
    const codes = await issueCodes(db, openWaveId, silent, 8);
    for (const r of [0, 1, 2])
      expect(await submit(db, codes[r]!, { answers: items.map(() => [1, 2, 2][r]!), background: {}, comment: null })).toBe(true);
    expect((await sealWave(db, testKeys(db), openWaveId)).unstored).toBeNull();
    // Reps see moderated comments only (issue 19): a moderator showed these.
    await db.updateTable('comment').set({ moderation: 'shown' }).where('wave_id', '=', openWaveId).execute();

    // What the slides must not show: the silent school's statistics as they would read.
    const layout = layoutOf(shippedV2);
    const rows = await db
      .selectFrom('response')
      .select('answers')
      .where('wave_id', '=', openWaveId)
      .where('school_id', '=', silent)
      .execute();
    expect(rows).toHaveLength(3);
    const report = groupReport(sumResponses(rows, layout), layout);
    const stats = [
      ...report.themes.flatMap((th) => [th.mean, th.favourable]),
      ...report.items.flatMap((it) => [it.mean, it.favourable]),
    ].flatMap((s) => (s.ok ? [s.value] : []));
    const percents = report.items.flatMap((it) => (it.distribution.percents.ok ? [...it.distribution.percents.value] : []));
    expect(stats.length + percents.length).toBeGreaterThan(50);

    for (const lang of ['nl', 'en'] as const) {
      const view = await json('admin', silent, openWaveId, `?lang=${lang}`);
      const reason = translator(lang)('disclosure.R1', { k: 5 });
      expect(view.glance.sentences.map((s) => s.text).join(' ')).toContain(reason);
      for (const th of view.themes) expect(th.mean.value).toBeNull();
      const res = await slides('admin', silent, openWaveId, `?lang=${lang}`);
      expect(res.statusCode).toBe(200);
      const deck = await readDeck(res.rawPayload, `withheld ${lang}`);
      expectMatchesJson(deck, view, lang, `withheld ${lang}`);
      const text = [...deck.slides, ...deck.charts].flatMap(paragraphs).join('\n');
      expect(text).toContain(reason);
      if (lang === 'nl') expect(text).toContain('minder dan 5 antwoorden');
      // None of the withheld numbers, written as the dashboard would, nor as a chart would hold them.
      // (Chart values: expectMatchesJson allows only the JSON's numbers, and none of these is one.)
      const allowed = released(view, lang);
      const written = ['3', ...[...stats, ...percents].flatMap((v) => [formatNumber(lang, v, 2), formatNumber(lang, v, 0)])].filter(
        (w) => !allowed.text.has(w),
      );
      const firstMean = report.themes[0]!.mean;
      expect(written).toContain(formatNumber(lang, firstMean.ok ? firstMean.value : NaN, 2));
      expect([...stats, ...percents].filter((v) => allowed.values.has(String(v)) && v % 1 !== 0)).toEqual([]);
      expect(shownNumbers(deck).numbersInText.filter((n) => written.includes(n))).toEqual([]);
      // The school's bars are left out of the themes chart, if there is one.
      const themesChart = deck.chartOf[1];
      if (themesChart) expect([...seriesOf(themesChart)[0]!.values.values()].filter((v) => v !== '')).toEqual([]);
      expect(deck.charts.length).toBeLessThanOrEqual(1);
    }

    // The school that answered: a withheld question leaves its bars out and says why; a withheld
    // theme has no bar and no chart; its comments (released: 12 respondents) keep the file well-formed.
    const view = await json('repOfSchool', schoolId, openWaveId);
    expect(view.themes[0]!.items[0]!.percents.every((p) => p.value === null)).toBe(true);
    expect(view.themes[0]!.items[1]!.percents.some((p) => p.value !== null)).toBe(true);
    expect(view.chart.school.at(-1)).toBeNull();
    expect(view.chart.school[0]).not.toBeNull();
    expect(view.comments.list).toHaveLength(12);
    const deck = await readDeck((await slides('repOfSchool', schoolId, openWaveId)).rawPayload, 'third wave');
    expectMatchesJson(deck, view, 'nl', 'third wave');
    const firstChart = seriesOf(deck.chartOf[2]!);
    expect(firstChart[0]!.categories[0]).toBe(`${view.themes[0]!.items[0]!.label} (${view.themes[0]!.items[0]!.percents[0]!.text})`);
    expect(deck.chartOf[2 + view.themes.length - 1]).toBeUndefined();
    const comments = deck.slides
      .slice(2 + view.themes.length, -1)
      .flatMap(paragraphs)
      .join('\n');
    expect(comments).toContain('Te veel mails <b>&amp; "vet"</b> — 12 per dag');
    for (let i = 2; i <= 12; i++) expect(comments).toContain(`Opmerking ${i}`);
  });
});
