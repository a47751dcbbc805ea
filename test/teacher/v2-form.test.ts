/**
 * A teacher answers questionnaire v2 (issue 20): the outcome items and the priority question are on
 * the form (checkboxes, no JavaScript needed), more than `max` themes is refused naming the question
 * in the reader's language with every answer kept, and the response is stored at fixed length in
 * the v2 layout: theme items, outcome items, then one position per theme (1 named, 0 not, null if the
 * question was skipped). Sealed, the wave's results count the priorities.
 */
import { describe, expect, it } from 'vitest';
import { storeKind } from '../helpers/store.ts';
import { testKeys, useApp } from '../helpers/app.ts';
import { openedSubmissions, shippedV2 } from '../helpers/fixtures.ts';
import { formatCode } from '../../server/teacher/access-codes.ts';
import { answerPositions, itemsInOrder } from '../../surveys/load.ts';
import { publishQuestionnaire } from '../../server/questionnaires.ts';
import { createSchool } from '../../server/admin/schools.ts';
import { createWave, issueCodes, openWave } from '../../server/waves.ts';
import { sealWave } from '../../server/sealing/sealing.ts';
import { loadWaveResults, groupResults } from '../../server/results/wave-results.ts';
import { BOX_OVERHEAD } from '../../server/encryption/boxes.ts';

const q = shippedV2;
const items = itemsInOrder(q);
const outcomes = q.outcomes!;
const themes = q.themes.map((t) => t.id);
const esc = (s: string) => s.replace(/'/g, '&#39;');

function body(code: string, named: string[], lang = 'nl'): string {
  const p = new URLSearchParams({ code: formatCode(code), lang });
  items.forEach((it, i) => p.append(`a.${it.id}`, String((i % 5) + 1)));
  outcomes.forEach((o, i) => p.append(`a.${o.id}`, String(((i + 2) % 5) + 1)));
  for (const t of named) p.append('priority', t);
  p.append('b.role', 'leraar');
  return p.toString();
}
const post = (payload: string) => ({
  method: 'POST' as const,
  url: '/submit',
  headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
  payload,
});

describe(`teacher answers questionnaire v2 (${storeKind})`, () => {
  const { store, app } = useApp();

  it('shows, validates and stores outcome items and priorities in the v2 layout; sealed, the shares are counted', async () => {
    const db = store.db;
    const questionnaireId = await publishQuestionnaire(db, q);
    const schoolId = await createSchool(db, { name: 'V2 School', benchmark_group: 'secundair', municipality: 'Gent', staff_count: 10 });
    const waveId = await createWave(db, { name: 'V2 golf', questionnaireId, schoolIds: [schoolId], k: 5 });
    await openWave(db, waveId, undefined, testKeys(db));
    const codes = await issueCodes(db, waveId, schoolId, 7);

    const page = await app.inject({ method: 'GET', url: `/c/${codes[0]}` });
    expect(page.statusCode).toBe(200);
    for (const o of outcomes) expect(page.body).toContain(`name="a.${o.id}"`);
    for (const t of q.themes) expect(page.body).toContain(`<input type="checkbox" name="priority" value="${t.id}">`);
    expect(page.body).toContain(esc(q.priority!.label.nl));
    expect(page.body).toContain('Vink er hoogstens 3 aan.');

    // Four themes: refused, the question named, in Dutch and in English, every answer kept.
    for (const [lang, message] of [
      ['nl', "Kies hoogstens 3 thema's."],
      ['en', 'Choose at most 3 themes.'],
    ] as const) {
      const refused = await app.inject(post(body(codes[0]!, themes.slice(0, 4), lang)));
      expect(refused.statusCode).toBe(422);
      expect(refused.body).toContain(
        `<a href="#priority">${q.priority!.label[lang].replace(/'/g, '&#39;')}</a>: ${message.replace(/'/g, '&#39;')}`,
      );
      for (const t of themes.slice(0, 4)) expect(refused.body).toContain(`name="priority" value="${t}" checked`);
      expect(refused.body).toContain(`name="a.${outcomes[0]!.id}" value="3" checked`);
    }
    const unknown = await app.inject(post(body(codes[0]!, ['werkdruk', 'schoolbus'])));
    expect(unknown.statusCode).toBe(422);
    expect(await db.selectFrom('encrypted_response').selectAll().execute()).toEqual([]);

    // Three, two, one, none (skipped), and three again.
    const chosen = [
      themes.slice(0, 3),
      ['werkdruk', 'waardering'],
      ['werkdruk'],
      [],
      ['welzijn', 'werkdruk', 'participatie'],
      ['werkdruk'],
      [],
    ];
    for (const [i, named] of chosen.entries()) {
      const res = await app.inject(post(body(codes[i]!, named)));
      expect(res.statusCode, res.body.slice(0, 300)).toBe(303);
    }
    const { items: nItems, outcomes: nOutcomes, width } = answerPositions(q);
    const boxes = await db.selectFrom('encrypted_response').select('box').where('wave_id', '=', waveId).execute();
    expect(new Set(boxes.map((b) => b.box.byteLength))).toEqual(new Set([BOX_OVERHEAD + width + q.background.length]));
    const opened = (await openedSubmissions(db, waveId)).responses.map((r) => r.answers);
    const expected = chosen.map((named) => [
      ...items.map((_, i) => (i % 5) + 1),
      ...outcomes.map((_, i) => ((i + 2) % 5) + 1),
      ...themes.map((t) => (named.length === 0 ? null : named.includes(t) ? 1 : 0)),
    ]);
    expect(opened.map((a) => JSON.stringify(a)).sort()).toEqual(expected.map((a) => JSON.stringify(a)).sort());
    expect(expected[0]!.length).toBe(nItems + nOutcomes + themes.length);

    const { unstored } = await sealWave(db, testKeys(db), waveId);
    expect(unstored).toBeNull();
    const sealed = await db.selectFrom('response').select('answers').where('wave_id', '=', waveId).execute();
    expect(sealed.map((r) => JSON.stringify(r.answers)).sort()).toEqual(expected.map((a) => JSON.stringify(a)).sort());
    const results = await loadWaveResults(db, waveId);
    const report = await groupResults(db, results, results.disclosure.school(schoolId));
    expect(report.kind).toBe('value');
    const r = report.kind === 'value' ? report.value : null;
    // Five of seven answered the question: the denominator. Werkdruk named by four of them.
    expect(r!.priority!.n).toBe(5);
    const share = (id: string) => r!.priority!.themes.find((t) => t.themeId === id)!.share;
    expect(share('werkdruk')).toEqual({ ok: true, value: 80 });
    expect(share('waardering')).toEqual({ ok: true, value: 20 });
    expect(share('leerlingen_ouders')).toEqual({ ok: true, value: 0 });
    expect(r!.outcomes.map((o) => o.n)).toEqual(outcomes.map(() => 7));
  });
});
