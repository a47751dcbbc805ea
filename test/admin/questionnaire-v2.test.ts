/**
 * Uploading `schoolklimaat` v2 over a published v1 (issue 20): the check accepts it, shows the
 * outcome items as added and the priority question as new, and publishing stores it; the editor
 * starts a version 3 from it with the outcome items, the priority question and the risk domains.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { storeKind } from '../helpers/store.ts';
import { useApp } from '../helpers/app.ts';
import { shipped, shippedV2 } from '../helpers/fixtures.ts';
import type { Session } from '../helpers/session.ts';
import { hidden, signedIn, uuidIn } from './helpers.ts';
import { publishQuestionnaire } from '../../server/questionnaires.ts';
import { SHIPPED_QUESTIONNAIRE_V2 } from '../../surveys/load.ts';

describe(`admin: questionnaire v2 over v1 (${storeKind})`, () => {
  let admin: Session;
  const { store, app } = useApp();
  beforeAll(async () => {
    admin = (await signedIn(app, store.db, 'admin')).session;
    await publishQuestionnaire(store.db, shipped);
  });

  it('checks v2 against v1: the outcome items added, nothing else changed, the priority question new; then publishes it', async () => {
    const checked = await admin.post('/admin/questionnaires/check', { text: readFileSync(SHIPPED_QUESTIONNAIRE_V2, 'utf8') });
    expect(checked.statusCode).toBe(200);
    expect(checked.body).toContain('De vragenlijst is geldig.');
    const outcomes = shippedV2.outcomes!;
    expect(checked.body).toContain(`${outcomes.length} nieuw, 0 gewijzigd, 0 weg, 41 ongewijzigd.`);
    expect(checked.body).toContain('Uitkomstvragen (bij geen thema)');
    for (const o of outcomes) expect(checked.body).toContain(`<code>${o.id}</code>`);
    expect(checked.body).toContain('Er komt een prioriteitenvraag bij');
    const published = await admin.post('/admin/questionnaires', { data: hidden(checked.body, 'data') });
    expect(published.statusCode).toBe(303);
    const id = uuidIn(published.headers.location)!;
    const row = await store.db.selectFrom('questionnaire').select(['version', 'definition']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.version).toBe(2);
    expect(row.definition.outcomes).toEqual(outcomes);

    const form = await admin.get(`/admin/questionnaires/${id}/edit`);
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('name="outcomes"');
    expect(form.body).toContain('name="priority"');
    expect(form.body).toContain('name="themes[3].riskDomains" value="arbeidsorganisatie arbeidsinhoud arbeidsvoorwaarden"');
  });

  it('refuses a later version that drops an outcome item or turns it around (trends join on its id)', async () => {
    const v3 = structuredClone(shippedV2);
    v3.version = 3;
    v3.outcomes = v3.outcomes!.slice(1);
    const dropped = await admin.post('/admin/questionnaires/check', { text: JSON.stringify(v3) });
    expect(dropped.statusCode).toBe(422);
    expect(dropped.body).toContain(shippedV2.outcomes![0]!.id);
    const reversed = structuredClone(shippedV2);
    reversed.version = 3;
    reversed.outcomes![0]!.reverse = true;
    expect((await admin.post('/admin/questionnaires/check', { text: JSON.stringify(reversed) })).statusCode).toBe(422);
  });
});
