import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { storeKind } from '../helpers/store.ts';
import { useApp } from '../helpers/app.ts';
import { shipped } from '../helpers/fixtures.ts';
import type { Session } from '../helpers/session.ts';
import { hidden, postMultipart, rowCount, signedIn, snapshot, uuidIn } from './helpers.ts';
import { SHIPPED_QUESTIONNAIRE, itemsInOrder } from '../../surveys/load.ts';
import type { Questionnaire } from '../../surveys/schema.ts';

const shippedText = readFileSync(SHIPPED_QUESTIONNAIRE, 'utf8');
const copy = (): Questionnaire => JSON.parse(shippedText) as Questionnaire;

describe(`admin: questionnaires (${storeKind})`, () => {
  let admin: Session;
  const { store, app } = useApp();
  beforeAll(async () => {
    admin = (await signedIn(app, store.db, 'admin')).session;
  });

  it('uploads, checks, previews in nl and en exactly as a teacher sees it, and publishes an immutable version', async () => {
    const checked = await postMultipart(app, admin, '/admin/questionnaires/check', {
      file: { filename: 'schoolklimaat-v1.json', content: shippedText, type: 'application/json' },
    });
    expect(checked.statusCode).toBe(200);
    expect(checked.body).toContain('De vragenlijst is geldig.');
    expect(checked.body).toContain('Een nieuwe vragenlijst');
    expect(await rowCount(store.db, 'questionnaire')).toBe(0);
    const data = hidden(checked.body, 'data');

    for (const lang of ['nl', 'en'] as const) {
      const preview = await admin.post('/admin/questionnaires/preview', { data, lang });
      expect(preview.statusCode).toBe(200);
      expect(preview.body).toContain(`<html lang="${lang}">`);
      expect(preview.body).toContain(`<h1>${shipped.title[lang]}</h1>`);
      for (const item of itemsInOrder(shipped)) {
        expect(preview.body).toContain(`name="a.${item.id}"`);
        expect(preview.body).toContain(item.label[lang].replace(/'/g, '&#39;'));
      }
      // The teacher's page, without a form that sends anything.
      expect(preview.body).not.toContain('action="/submit"');
      expect(preview.body).not.toContain(lang === 'nl' ? 'Verstuur mijn antwoorden' : 'Send my answers');
      expect(preview.body).toContain('class="preview-banner"');
    }
    expect(await rowCount(store.db, 'questionnaire')).toBe(0);

    const published = await admin.post('/admin/questionnaires', { data });
    expect(published.statusCode).toBe(303);
    const id = uuidIn(published.headers.location)!;
    const row = await store.db
      .selectFrom('questionnaire')
      .select(['key', 'version', 'definition'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ key: 'schoolklimaat', version: 1 });
    expect(row.definition).toEqual(shipped);
    expect(await store.db.selectFrom('audit_log').select('target').where('action', '=', 'questionnaire.publish').execute()).toEqual([
      { target: `questionnaire:${id}` },
    ]);

    const detail = await admin.get(`/admin/questionnaires/${id}?done=published`);
    expect(detail.statusCode).toBe(200);
    expect(detail.body).toContain('com_1');
    const list = await admin.get('/admin/questionnaires');
    expect(list.body).toContain(`/admin/questionnaires/${id}`);
    const previewPublished = await admin.get(`/admin/questionnaires/${id}/preview?lang=en`);
    expect(previewPublished.statusCode).toBe(200);
    expect(previewPublished.body).toContain('<html lang="en">');
    expect(previewPublished.body).not.toContain('action="/submit"');

    // Publishing the same version again is refused, naming the path `version`.
    const before = await snapshot(store.db);
    const again = await admin.post('/admin/questionnaires', { data });
    expect(again.statusCode).toBe(422);
    expect(again.body).toMatch(/>version<\/a>: Versie 1 van &quot;schoolklimaat&quot; kan niet/);
    expect(await snapshot(store.db)).toEqual(before);
  });

  it('refuses an invalid questionnaire with errors naming the JSON path, and stores nothing', async () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- made invalid on purpose (a required label deleted, version 0): no questionnaire type describes it
    const q = copy() as unknown as Record<string, any>;
    delete q.themes[2].items[0].label.en;
    q.themes[0].items[1].scale = 'agree7';
    q.version = 0;
    const before = await snapshot(store.db);
    const res = await postMultipart(app, admin, '/admin/questionnaires/check', {
      file: { filename: 'bad.json', content: JSON.stringify(q) },
    });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('themes[2].items[0].label.en</a>: ontbreekt');
    expect(res.body).toContain('version</a>:');
    expect(res.body).toContain('href="#f-file"');
    const syntax = await admin.post('/admin/questionnaires/check', { text: '{"id": "x",' });
    expect(syntax.statusCode).toBe(422);
    expect(syntax.body).toContain('het bestand</a>: Dit is geen geldige JSON');
    const crossRef = copy();
    crossRef.themes[0]!.items[1]!.scale = 'agree7';
    const forged = await admin.post('/admin/questionnaires', { data: Buffer.from(JSON.stringify(crossRef)).toString('base64url') });
    expect(forged.statusCode).toBe(422);
    expect(forged.body).toContain('themes[0].items[1].scale</a>: de schaal &quot;agree7&quot; bestaat niet in deze vragenlijst');
    expect(await snapshot(store.db)).toEqual(before);
  });

  it('accepts a new version that keeps every item id, and names the items a bad new version drops, moves or reverses', async () => {
    await publishShippedIfNeeded();
    const before = await snapshot(store.db);

    const dropped = copy();
    dropped.version = 2;
    dropped.themes[0]!.items.splice(2, 1); // com_3
    const moved = copy();
    moved.version = 2;
    const [item] = moved.themes[0]!.items.splice(0, 1); // com_1 into the second theme
    moved.themes[1]!.items.push(item!);
    const reversed = copy();
    reversed.version = 2;
    reversed.themes[0]!.items[2]!.reverse = false;

    const r1 = await admin.post('/admin/questionnaires/check', { text: JSON.stringify(dropped) });
    expect(r1.statusCode).toBe(422);
    expect(r1.body).toContain('De vraag &quot;com_3&quot; (thema &quot;communicatie&quot;, versie 1) ontbreekt');
    const r2 = await admin.post('/admin/questionnaires/check', { text: JSON.stringify(moved) });
    expect(r2.statusCode).toBe(422);
    expect(r2.body).toContain(`themes[1].items[${moved.themes[1]!.items.length - 1}].id</a>`);
    expect(r2.body).toContain('&quot;com_1&quot; stond in versie 1 in thema &quot;communicatie&quot;');
    const r3 = await admin.post('/admin/questionnaires/check', { text: JSON.stringify(reversed) });
    expect(r3.statusCode).toBe(422);
    expect(r3.body).toContain('themes[0].items[2].reverse</a>');
    expect(await snapshot(store.db)).toEqual(before);

    const good = copy();
    good.version = 2;
    good.themes[0]!.items[0]!.label.nl = 'De directie informeert ons team tijdig over beslissingen.';
    good.themes[0]!.items.push({ id: 'com_new', label: { nl: 'Nieuwe vraag.', en: 'New item.' }, scale: 'agree5', reverse: false });
    const ok = await admin.post('/admin/questionnaires/check', { text: JSON.stringify(good) });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain('Een nieuwe versie van &quot;schoolklimaat&quot; (vorige: versie 1)');
    expect(ok.body).toContain('com_new');
    const published = await admin.post('/admin/questionnaires', { data: hidden(ok.body, 'data') });
    expect(published.statusCode).toBe(303);
    expect(
      await store.db.selectFrom('questionnaire').select('version').where('key', '=', 'schoolklimaat').orderBy('version').execute(),
    ).toEqual([{ version: 1 }, { version: 2 }]);
  });

  async function publishShippedIfNeeded() {
    if (await store.db.selectFrom('questionnaire').select('id').where('key', '=', 'schoolklimaat').executeTakeFirst()) return;
    const checked = await admin.post('/admin/questionnaires/check', { text: shippedText });
    await admin.post('/admin/questionnaires', { data: hidden(checked.body, 'data') });
  }
});
