/**
 * A new version of a questionnaire without writing JSON (issue 18): the form starts from a
 * published version, adds and removes rows without JavaScript, names every problem beside its
 * field in the admin's language, and shows exactly what changes against the version before it.
 * Published, the new version's waves trend with the old one's on the items it kept.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { storeKind } from '../helpers/store.ts';
import { testKeys, useApp } from '../helpers/app.ts';
import { shipped, submit } from '../helpers/fixtures.ts';
import type { Session } from '../helpers/session.ts';
import { hidden, signedIn, snapshot, uuidIn } from './helpers.ts';
import { publishQuestionnaire } from '../../server/questionnaires.ts';
import { itemsInOrder } from '../../surveys/load.ts';
import type { Questionnaire } from '../../surveys/schema.ts';
import { createSchool } from '../../server/admin/schools.ts';
import { createWave, issueCodes, openWave } from '../../server/waves.ts';
import { sealWave } from '../../server/sealing/sealing.ts';
import { schoolWaveResults } from '../../server/dashboards/school-view.ts';

const decode = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/** The fields a browser would send from the editing form, as shown (checked boxes only, selected options). */
function formFields(html: string): Record<string, string> {
  const start = html.indexOf('action="/admin/questionnaires/edit"');
  const form = html.slice(start, html.indexOf('</form>', start));
  const fields: Record<string, string> = {};
  for (const m of form.matchAll(/<input ([^>]*)>/g)) {
    const attrs = m[1]!;
    const name = /name="([^"]*)"/.exec(attrs)?.[1];
    if (!name || name === '_csrf') continue;
    if (/type="checkbox"/.test(attrs) && !/ checked/.test(attrs)) continue;
    fields[decode(name)] = decode(/value="([^"]*)"/.exec(attrs)?.[1] ?? '');
  }
  for (const m of form.matchAll(/<select [^>]*name="([^"]*)"[^>]*>([\s\S]*?)<\/select>/g))
    fields[decode(m[1]!)] = decode(/<option value="([^"]*)" selected>/.exec(m[2]!)?.[1] ?? '');
  for (const m of form.matchAll(/<textarea [^>]*name="([^"]*)"[^>]*>([\s\S]*?)<\/textarea>/g)) fields[decode(m[1]!)] = decode(m[2]!);
  return fields;
}

describe(`admin: a new questionnaire version in a form (${storeKind})`, () => {
  let admin: Session;
  let v1: string;
  const items = itemsInOrder(shipped);

  const { store, app } = useApp();
  beforeAll(async () => {
    admin = (await signedIn(app, store.db, 'admin')).session;
    v1 = await publishQuestionnaire(store.db, shipped);
  });

  const edit = (fields: Record<string, string>, op: string) => admin.post('/admin/questionnaires/edit', { ...fields, op });

  it('starts from the published version, next version number, every item in its place', async () => {
    const page = await admin.get(`/admin/questionnaires/${v1}`);
    expect(page.body).toContain(`href="/admin/questionnaires/${v1}/edit"`);
    const res = await admin.get(`/admin/questionnaires/${v1}/edit`);
    expect(res.statusCode).toBe(200);
    const fields = formFields(res.body);
    expect(fields['version']).toBe('2');
    expect(fields['id']).toBe('schoolklimaat');
    shipped.themes.forEach((theme, t) =>
      theme.items.forEach((item, i) => {
        expect(fields[`themes[${t}].items[${i}].id`]).toBe(item.id);
        expect(fields[`themes[${t}].items[${i}].label.nl`]).toBe(item.label.nl);
        expect(fields[`themes[${t}].items[${i}].label.en`]).toBe(item.label.en);
        expect(fields[`themes[${t}].items[${i}].scale`]).toBe(item.scale);
        expect(fields[`themes[${t}].items[${i}].reverse`]).toBe(item.reverse ? 'true' : undefined);
      }),
    );
    // Unchanged, the form stands for the same questionnaire with the next version number.
    const back = await edit(fields, 'download');
    expect(back.statusCode).toBe(200);
    expect(back.headers['content-disposition']).toBe('attachment; filename="schoolklimaat-v2.json"');
    const { $schema: _schemaLink, ...content } = structuredClone(shipped);
    expect(JSON.parse(back.body)).toEqual({ ...content, version: 2 });
  });

  it('names every problem beside its field, in the admin’s language, and stores nothing', async () => {
    const fields = formFields((await admin.get(`/admin/questionnaires/${v1}/edit`)).body);
    fields['themes[1].items[0].label.en'] = '';
    fields['themes[2].id'] = 'Werkdruk!';
    fields['themes[3].items[1].id'] = shipped.themes[0]!.items[0]!.id;
    fields['version'] = 'twee';
    const before = await snapshot(store.db);
    const res = await edit(fields, 'check');
    expect(res.statusCode).toBe(422);
    // In the summary, linked to the field; and beside the field, which says it is invalid.
    expect(res.body).toContain('<a href="#f-themes-1--items-0--label-en">Thema 2, vraag 1: Tekst (Engels)</a>: mag niet leeg zijn');
    expect(res.body).toMatch(
      /<p class="error" id="f-themes-1--items-0--label-en-error">mag niet leeg zijn<\/p>\s*<input id="f-themes-1--items-0--label-en" name="themes\[1\]\.items\[0\]\.label\.en" value="" aria-describedby="f-themes-1--items-0--label-en-error" aria-invalid="true"/,
    );
    expect(res.body).toContain('Thema 3: Id</a>: is geen geldige id');
    expect(res.body).toContain(`Thema 4, vraag 2: Id</a>: de id &quot;${shipped.themes[0]!.items[0]!.id}&quot; komt al eerder voor`);
    expect(res.body).toContain('Versie</a>: moet een geheel getal zijn');
    // What was typed comes back as typed.
    expect(formFields(res.body)).toEqual(fields);
    expect(await snapshot(store.db)).toEqual(before);

    const english = await admin.post('/admin/questionnaires/edit?lang=en', { ...fields, op: 'check' });
    expect(english.body).toContain('Theme 2, item 1: Text (English)</a>: must not be empty');
  });

  it('adds and removes rows without JavaScript, keeping everything typed', async () => {
    let fields = formFields((await admin.get(`/admin/questionnaires/${v1}/edit`)).body);
    fields['title.nl'] = 'Schoolklimaat, herzien';
    const n = shipped.themes[0]!.items.length;
    fields = formFields((await edit(fields, 'add-item:0')).body);
    expect(fields['title.nl']).toBe('Schoolklimaat, herzien');
    expect(fields[`themes[0].items[${n}].id`]).toBe('');
    expect(fields[`themes[0].items[${n}].scale`]).toBe(shipped.scales[0]!.id);
    fields = formFields((await edit(fields, `remove-item:0:${n}`)).body);
    expect(fields[`themes[0].items[${n}].id`]).toBeUndefined();
    fields = formFields((await edit(fields, 'add-theme')).body);
    expect(fields[`themes[${shipped.themes.length}].items[0].id`]).toBe('');
    fields = formFields((await edit(fields, `remove-theme:${shipped.themes.length}`)).body);
    expect(fields[`themes[${shipped.themes.length}].id`]).toBeUndefined();
    // Removing an item of the version before is refused at the check: trends join on its id.
    const removed = formFields((await edit(fields, 'remove-item:0:0')).body);
    const res = await edit(removed, 'check');
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain(`De vraag &quot;${shipped.themes[0]!.items[0]!.id}&quot;`);
  });

  it('refuses a field or a button the form does not have', async () => {
    const fields = formFields((await admin.get(`/admin/questionnaires/${v1}/edit`)).body);
    expect((await edit({ ...fields, '__proto__.polluted': 'x' }, 'check')).statusCode).toBe(400);
    expect((await edit({ ...fields, 'themes[0].constructor': 'x' }, 'check')).statusCode).toBe(400);
    expect((await edit(fields, 'drop-table')).statusCode).toBe(400);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('rewords one item and adds one: the check shows exactly that; published, its waves trend with version 1', async () => {
    let fields = formFields((await admin.get(`/admin/questionnaires/${v1}/edit`)).body);
    const n = shipped.themes[1]!.items.length;
    fields = formFields((await edit(fields, 'add-item:1')).body);
    const reworded = shipped.themes[0]!.items[1]!;
    fields['themes[0].items[1].label.nl'] = `${reworded.label.nl} (herschreven)`;
    fields[`themes[1].items[${n}].id`] = 'nieuw_1';
    fields[`themes[1].items[${n}].label.nl`] = 'Ik krijg de ruimte om nieuwe dingen te proberen.';
    fields[`themes[1].items[${n}].label.en`] = 'I have room to try new things.';
    const checked = await edit(fields, 'check');
    expect(checked.statusCode).toBe(200);
    expect(checked.body).toContain('Wat verandert tegenover versie 1');
    expect(checked.body).toContain(`1 nieuw, 1 gewijzigd, 0 weg, ${items.length - 1} ongewijzigd.`);
    const rows = [...checked.body.matchAll(/<tr>\s*<th scope="row"><code>([^<]+)<\/code><\/th>\s*<td>([^<]+)<\/td>/g)].map((m) => [
      m[1],
      m[2]!.trim(),
    ]);
    expect(rows).toEqual([
      [reworded.id, 'gewijzigd: Nederlandse tekst'],
      ['nieuw_1', 'nieuw'],
    ]);
    expect(checked.body).toContain(`<del>${reworded.label.nl.replace(/'/g, '&#39;')}</del>`);
    expect(checked.body).toContain(`<ins>${reworded.label.nl.replace(/'/g, '&#39;')} (herschreven)</ins>`);

    const published = await admin.post('/admin/questionnaires', { data: hidden(checked.body, 'data') });
    expect(published.statusCode).toBe(303);
    const v2 = uuidIn(published.headers.location)!;
    const row = await store.db.selectFrom('questionnaire').select(['version', 'definition']).where('id', '=', v2).executeTakeFirstOrThrow();
    expect(row.version).toBe(2);
    const { $schema: _schemaLink, ...expected } = structuredClone(shipped) as Questionnaire;
    expected.version = 2;
    expected.themes[0]!.items[1]!.label.nl += ' (herschreven)';
    expected.themes[1]!.items.push({
      id: 'nieuw_1',
      label: { nl: 'Ik krijg de ruimte om nieuwe dingen te proberen.', en: 'I have room to try new things.' },
      scale: shipped.scales[0]!.id,
      reverse: false,
    });
    expect(row.definition).toEqual(expected);

    // A school answers a wave on each version; the second wave's trend includes the first on kept items.
    const school = await createSchool(store.db, {
      name: 'Editor School',
      benchmark_group: 'secundair',
      municipality: 'Gent',
      staff_count: 40,
    });
    const answers = (q: Questionnaire, value: number) => ({ answers: itemsInOrder(q).map(() => value), background: {}, comment: null });
    const waves: string[] = [];
    for (const [questionnaireId, q, value] of [
      [v1, shipped, 2],
      [v2, row.definition, 4],
    ] as const) {
      const waveId = await createWave(store.db, { name: `Golf v${q.version}`, questionnaireId, schoolIds: [school], k: 5 });
      await openWave(store.db, waveId, undefined, testKeys(store.db));
      for (const code of await issueCodes(store.db, waveId, school, 8)) expect(await submit(store.db, code, answers(q, value))).toBe(true);
      await sealWave(store.db, testKeys(store.db), waveId);
      waves.push(waveId);
    }
    const results = await schoolWaveResults(store.db, waves[1]!, school);
    const theme = results.themes.find((t) => t.themeId === shipped.themes[0]!.id)!;
    expect(theme.trendWaves.map((w) => w.id)).toEqual(waves);
  });
});
