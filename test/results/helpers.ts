import type { TestStore } from '../helpers/store.ts';
import { testKeys } from '../helpers/app.ts';
import { seedDemo } from '../../server/demo/demo.ts';

/**
 * The demo network (k = 5): two sealed waves of twelve schools, one of them small enough for R1,
 * and one open wave. Returns the sealed waves oldest first, the schools, the questionnaire key
 * and the school with the fewest respondents in the newest sealed wave.
 */
export async function seedSealedDemo(store: TestStore) {
  const db = store.db;
  await seedDemo(db, testKeys(db), 5);
  const waves = await db.selectFrom('wave').select('id').where('sealed', '=', true).orderBy('created_at').orderBy('id').execute();
  const sealedWaves = waves.map((w) => w.id);
  const schoolIds = (await db.selectFrom('school').select('id').orderBy('name').execute()).map((s) => s.id);
  const { key: questionnaireKey } = await db
    .selectFrom('wave')
    .innerJoin('questionnaire', 'questionnaire.id', 'wave.questionnaire_id')
    .select('questionnaire.key')
    .where('wave.id', '=', sealedWaves[0]!)
    .executeTakeFirstOrThrow();
  const counts = await db
    .selectFrom('response')
    .select(['school_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('wave_id', '=', sealedWaves[1]!)
    .groupBy('school_id')
    .execute();
  const small = counts.sort((a, b) => Number(a.n) - Number(b.n))[0]!.school_id;
  return { sealedWaves, schoolIds, questionnaireKey, small, smallCount: Number(counts[0]!.n) };
}
