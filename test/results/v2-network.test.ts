/**
 * A network that answered v1 and then v2 (issue 20). The v2 wave's priorities and outcome items
 * reach the rep's dashboard, the printable report, the slides and the researcher's CSV only through
 * the wave's disclosure decisions: a school where fewer than k answered the priority question shows
 * no priority share anywhere, a suppressed school none at all, and no released combination of scopes
 * gives away the priority answers of fewer than k respondents. Trends run from v1 into v2 on the
 * unchanged item and theme ids, and v1's own exports are unchanged by v2's extra files.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { storeKind } from '../helpers/store.ts';
import { testKeys, useApp } from '../helpers/app.ts';
import { shipped, shippedV2 } from '../helpers/fixtures.ts';
import { signedIn } from '../admin/helpers.ts';
import { unzip } from '../helpers/zip.ts';
import { seedV2Network, V2_K as K } from '../helpers/v2-network.ts';
import { schoolWaveResults } from '../../server/dashboards/school-view.ts';
import { dashboardView } from '../../server/dashboards/dashboard-view.ts';
import { translator } from '../../server/platform/i18n.ts';
import { answerPositions, itemsInOrder } from '../../surveys/load.ts';
import type { Session } from '../helpers/session.ts';

const { width } = answerPositions(shippedV2);

/** A CSV file as rows of named cells (standard dialect: comma, quotes doubled). */
function csv(text: string): Array<Record<string, string>> {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  const endCell = () => {
    row.push(cell);
    cell = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') endCell();
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endCell();
      rows.push(row);
      row = [];
    } else cell += c;
  }
  if (cell || row.length) {
    endCell();
    rows.push(row);
  }
  const [header, ...body] = rows;
  // A row with fewer or more cells than the header is a file that does not match its columns.
  for (const [i, r] of body.entries())
    if (r.length !== header!.length) throw new Error(`row ${i + 2}: ${r.length} cells, header ${header!.length}`);
  return body.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i]!])));
}

describe(`v1 then v2 across a network: priorities and outcomes through disclosure (${storeKind})`, () => {
  const { store, app } = useApp();
  const schools: Array<{ id: string; name: string }> = [];
  const waves: string[] = [];
  let admin: Session;
  let researcher: Session;
  let few: { id: string; name: string };
  let tiny: { id: string; name: string };

  beforeAll(async () => {
    const db = store.db;
    const seeded = await seedV2Network(db, testKeys(db));
    schools.push(...seeded.schools);
    waves.push(...seeded.waves);
    few = seeded.few;
    tiny = seeded.tiny;
    admin = (await signedIn(app, db, 'admin')).session;
    researcher = (await signedIn(app, db, 'researcher')).session;
  });

  it('every other page and file of the v2 wave works: network view, admin wave page, quality report, all exports, the staff summary', async () => {
    const v2 = waves[1]!;
    for (const url of [
      `/admin/waves/${v2}/network`,
      `/admin/waves/${v2}`,
      `/admin/advocacy/${v2}`,
      `/admin/advocacy/${v2}/csv`,
      `/research/waves/${v2}/quality`,
      `/research/waves/${v2}/quality.csv`,
      `/research/waves/${v2}/themes.csv`,
      `/research/waves/${v2}/items.csv`,
      `/research/waves/${v2}/export.zip`,
      `/schools/${schools[0]!.id}/waves/${v2}/summary`,
    ]) {
      const res = await (url.startsWith('/research') ? researcher : admin).get(url);
      expect(res.statusCode, url).toBeLessThan(400);
    }
    const zip = await unzip((await researcher.get(`/research/waves/${v2}/export.zip`)).rawPayload);
    expect([...zip.keys()].sort()).toEqual([
      'codebook.csv',
      'datapackage.json',
      'drivers.csv',
      'items.csv',
      'priorities.csv',
      'themes.csv',
    ]);
    const items = csv((await researcher.get(`/research/waves/${v2}/items.csv`)).body);
    expect(items.filter((r) => r.scope === 'network' && r.theme_id === '').map((r) => r.item_id)).toEqual(
      shippedV2.outcomes!.map((o) => o.id),
    );
  });

  it('stores v1 answers as before and v2 answers in the v2 layout', async () => {
    const lengths = async (waveId: string) =>
      new Set(
        (await store.db.selectFrom('response').select('answers').where('wave_id', '=', waveId).execute()).map((r) => r.answers.length),
      );
    expect(await lengths(waves[0]!)).toEqual(new Set([itemsInOrder(shipped).length]));
    expect(await lengths(waves[1]!)).toEqual(new Set([width]));
  });

  it('trends run from the v1 wave into the v2 wave on the unchanged themes', async () => {
    const view = await schoolWaveResults(store.db, waves[1]!, schools[0]!.id);
    for (const theme of view.themes) {
      expect(theme.trendWaves.map((w) => w.id)).toEqual(waves);
      expect(theme.trend).toHaveLength(2);
      expect(theme.trend.every((p) => p.summary !== null && p.summary.mean.ok)).toBe(true);
    }
    // The v1 wave's dashboard has neither outcome items nor priorities.
    const v1 = dashboardView(await schoolWaveResults(store.db, waves[0]!, schools[0]!.id), 'nl', translator('nl'));
    expect([v1.outcomes, v1.priorities]).toEqual([[], null]);
  });

  it('shows a released school its priorities beside the benchmark group and network; werkdruk named by all', async () => {
    const view = dashboardView(await schoolWaveResults(store.db, waves[1]!, schools[0]!.id), 'nl', translator('nl'));
    const werkdruk = view.priorities!.rows.find((r) => r.id === 'werkdruk')!;
    expect(werkdruk.school.text).toBe('100 %');
    expect(view.priorities!.n.school.text).toBe('14');
    expect(view.outcomes.map((o) => o.id)).toEqual(shippedV2.outcomes!.map((o) => o.id));
    expect(view.outcomes.every((o) => o.mean.value !== null)).toBe(true);
    expect(view.themes[3]!.riskDomains).toEqual(['arbeidsorganisatie', 'arbeidsinhoud', 'arbeidsvoorwaarden']);
    const page = await admin.get(`/schools/${schools[0]!.id}/waves/${waves[1]!}`);
    expect(page.statusCode).toBe(200);
    const table = page.body.slice(page.body.indexOf('<table class="data priorities">'));
    expect(table).toMatch(/<th scope="row">Werkdruk en combinatie werk–gezin<\/th>\s*<td class="num">100 %<\/td>/);
    expect(page.body).toContain('Blijven, tevredenheid en welzijn');
  });

  it('never shows a priority share of a school where fewer than k answered the question: dashboard, report, slides, CSV', async () => {
    const view = dashboardView(await schoolWaveResults(store.db, waves[1]!, few.id), 'nl', translator('nl'));
    expect(view.suppressedSchool).toBeNull();
    expect(view.priorities!.rows.every((r) => r.school.value === null && r.school.text === 'minder dan 5 geldige antwoorden')).toBe(true);
    expect(view.priorities!.n.school).toMatchObject({ value: null, text: 'minder dan 5 geldige antwoorden' });
    for (const url of [`/schools/${few.id}/waves/${waves[1]!}`, `/schools/${few.id}/waves/${waves[1]!}/report`]) {
      const page = await admin.get(url);
      expect(page.statusCode).toBe(200);
      const start = page.body.indexOf('<table class="data priorities">');
      const rows = [
        ...page.body
          .slice(start, page.body.indexOf('</table>', start))
          .matchAll(/<tr>\s*<th scope="row">[^<]*<\/th>\s*<td[^>]*>([^<]*)<\/td>/g),
      ];
      expect(rows).toHaveLength(shippedV2.themes.length + 1);
      for (const m of rows) expect(m[1]).toBe('minder dan 5 geldige antwoorden');
    }
    const slides = await admin.get(`/schools/${few.id}/waves/${waves[1]!}/slides.pptx?lang=nl`);
    expect(slides.statusCode).toBe(200);
    const files = await unzip(slides.rawPayload);
    const slide = [...files].find(
      ([name, xml]) => /^ppt\/slides\/slide\d+\.xml$/.test(name) && xml.toString().includes('Wat de vakbond eerst moet aanpakken'),
    );
    expect(slide).toBeDefined();
    // Each table row's cells: the school's column (the second) says why, in every row; the benchmark group and the network may be released.
    const tableRows = slide![1]
      .toString()
      .split('<a:tr ')
      .slice(2)
      .map((tr) => [...tr.matchAll(/<a:t>([^<]*)<\/a:t>/g)].map((m) => m[1]!));
    expect(tableRows).toHaveLength(shippedV2.themes.length + 1);
    for (const cells of tableRows) expect(cells[1]).toBe('minder dan 5 geldige antwoorden');

    const rows = csv((await researcher.get(`/research/waves/${waves[1]!}/priorities.csv`)).body);
    const own = rows.filter((r) => r.scope_id === few.id);
    expect(own).toHaveLength(shippedV2.themes.length);
    expect(own.every((r) => r.n === '' && r.pct_named === '' && r.suppressed === 'R1')).toBe(true);
    const small = rows.filter((r) => r.scope_id === tiny.id);
    expect(small.every((r) => r.n === '' && r.pct_named === '' && r.suppressed === 'R1')).toBe(true);
  });

  it('an attacker differencing the CSV finds no group of fewer than k priority answers', async () => {
    const res = await researcher.get(`/research/waves/${waves[1]!}/priorities.csv`);
    expect(res.statusCode).toBe(200);
    const rows = csv(res.body);
    const answered = new Map<string, number>();
    for (const r of rows) if (r.n !== '') answered.set(r.scope_id!, Number(r.n));
    const released = schools.filter((s) => answered.has(s.id));
    // Every scope the researcher sees with numbers answered by k or more.
    for (const n of answered.values()) expect(n).toBeGreaterThanOrEqual(K);
    // Group (or network) minus every released school: the others' priority answers, 0 or at least k.
    // Both aggregates are released here (so the attack is tried): they hold the 3 + 3 withheld answers of two
    // schools, which differencing gives only together. (With one such school they are withheld: its 3 would show.)
    expect([answered.has('network'), answered.has('secundair')]).toEqual([true, true]);
    for (const scope of ['network', 'secundair']) {
      const rest = answered.get(scope)! - released.reduce((a, s) => a + answered.get(s.id)!, 0);
      expect(rest === 0 || rest >= K, `${scope}: ${rest} hidden priority answers`).toBe(true);
      // The same for each theme's named count (n · pct / 100).
      for (const theme of shippedV2.themes) {
        const named = (id: string) => {
          const r = rows.find((x) => x.scope_id === id && x.theme_id === theme.id)!;
          return Math.round((Number(r.n) * Number(r.pct_named)) / 100);
        };
        const hidden = named(scope) - released.reduce((a, s) => a + named(s.id), 0);
        expect(hidden >= 0).toBe(true);
      }
    }
    // The codebook lists the outcome items (no theme), and the data package describes priorities.csv.
    const codebook = csv((await researcher.get(`/research/waves/${waves[1]!}/codebook.csv`)).body);
    for (const o of shippedV2.outcomes!)
      expect(codebook.find((r) => r.item_id === o.id)).toMatchObject({ theme_id: '', label_nl: o.label.nl });
    const pkg = JSON.parse((await researcher.get(`/research/waves/${waves[1]!}/datapackage.json`)).body) as {
      resources: Array<{ path: string; schema: { fields: Array<{ name: string }> } }>;
    };
    expect(pkg.resources.find((r) => r.path === 'priorities.csv')!.schema.fields.map((f) => f.name)).toEqual([
      'wave_id',
      'scope',
      'scope_id',
      'scope_label',
      'school_number',
      'theme_id',
      'n',
      'pct_named',
      'suppressed',
    ]);
    // A v1 wave's priorities.csv is its header alone (no question, no rows); its data package lists
    // it (and drivers.csv, also a header alone) as every wave's does, with the fields of that header.
    const v1priorities = await researcher.get(`/research/waves/${waves[0]!}/priorities.csv`);
    expect(v1priorities.statusCode).toBe(200);
    expect(v1priorities.body.trim().split('\r\n')).toHaveLength(1); // the header, no row
    const v1pkg = JSON.parse((await researcher.get(`/research/waves/${waves[0]!}/datapackage.json`)).body) as {
      resources: Array<{ path: string; schema: { fields: Array<{ name: string }> } }>;
    };
    expect(v1pkg.resources.map((r) => r.path)).toEqual(['themes.csv', 'items.csv', 'codebook.csv', 'priorities.csv', 'drivers.csv']);
    expect(
      v1pkg.resources
        .find((r) => r.path === 'priorities.csv')!
        .schema.fields.map((f) => f.name)
        .join(','),
    ).toBe(v1priorities.body.trim());
  });
});
