import { readFileSync } from 'node:fs';
import type { Kysely } from 'kysely';
import type { Database } from '../../server/db/schema.ts';
import { QualityAccumulator, instrumentQuality, layoutOf } from '../../analysis/index.ts';
import { publishQuestionnaire } from '../../server/questionnaires.ts';
import { createSchool } from '../../server/admin/schools.ts';
import { createWave, openWave } from '../../server/waves.ts';
import { sealWave } from '../../server/sealing/sealing.ts';
import { storeWithoutCodes } from '../../server/teacher/submissions.ts';
import type { Questionnaire } from '../../surveys/schema.ts';
import { testKeys } from './app.ts';
import { shipped } from './fixtures.ts';

/**
 * Sealed waves whose recoded answers are test/fixtures/analysis/items.csv (the instrument quality
 * report's R fixtures are computed on it, make-quality-report.R), for the report's tests.
 */
const dir = new URL('../fixtures/analysis/', import.meta.url);
export const [header, ...lines] = readFileSync(new URL('items.csv', dir), 'utf8').trim().split(/\r?\n/);
export const names = header!.split(',');
export const once = lines.map((line) => line.split(',').map((v) => (v === '' ? null : Number(v))));
export const themeIds = [...new Set(names.map((n) => n.replace(/_[0-9]+$/, '')))];

/** items.csv as a questionnaire; every odd item negatively worded, so stored answers are 6 − x. */
export const questionnaire: Questionnaire = {
  id: 'kwaliteit',
  version: 1,
  title: { nl: 'Kwaliteitstest', en: 'Quality test' },
  intro: { nl: 'Test.', en: 'Test.' },
  scales: shipped.scales,
  themes: themeIds.map((t) => ({
    id: t,
    label: { nl: `Thema ${t}`, en: `Theme ${t}` },
    items: names
      .filter((n) => n.startsWith(`${t}_`))
      .map((id) => ({ id, label: { nl: `Vraag ${id}`, en: `Item ${id}` }, scale: 'agree5', reverse: names.indexOf(id) % 2 === 1 })),
  })),
  background: [],
};
export const layout = layoutOf(questionnaire);
/** Stored answers: reverse items mirrored, missing alternately "n.v.t." (0) and unanswered. */
export const stored = (row: readonly (number | null)[]) =>
  row.map((x, i) => (x === null ? (i % 3 === 0 ? 0 : null) : layout.items[i]!.reverse ? 6 - x : x));

export async function seedWave(
  db: Kysely<Database>,
  questionnaireId: string,
  schools: string[],
  name: string,
  rows: ReadonlyArray<readonly (number | null)[]>,
) {
  const keys = testKeys(db);
  const waveId = await createWave(db, { name, questionnaireId, schoolIds: schools, k: 5 });
  await openWave(db, waveId, undefined, keys);
  const wave = (await keys.answerable(waveId))!;
  for (const [s, school] of schools.entries()) {
    const mine = rows.filter((_, i) => i % schools.length === s).map((r) => ({ answers: stored(r), background: {}, comment: null }));
    if (mine.length) await storeWithoutCodes(db, wave, school, mine);
  }
  const { unstored } = await sealWave(db, keys, waveId);
  if (unstored) throw unstored;
  return waveId;
}

export function expectedQuality(rows: ReadonlyArray<readonly (number | null)[]>) {
  const acc = new QualityAccumulator(layout);
  for (const r of rows) acc.add(stored(r));
  return instrumentQuality(acc.sums(), layout, 5);
}

/** Eight schools (two benchmark groups) and the questionnaire; returns their ids. */
export async function seedQualitySchools(db: Kysely<Database>) {
  const questionnaireId = await publishQuestionnaire(db, questionnaire);
  const schoolNames = Array.from({ length: 8 }, (_, i) => `Kwaliteitsschool ${i + 1}`);
  const schoolIds: string[] = [];
  for (const [i, name] of schoolNames.entries()) {
    schoolIds.push(
      await createSchool(db, { name, benchmark_group: i < 4 ? 'basisonderwijs' : 'secundair', municipality: 'Gent', staff_count: 500 }),
    );
  }
  return { questionnaireId, schoolNames, schoolIds };
}
