import { expect } from 'vitest';
import type { Kysely } from 'kysely';
import type { Database } from '../../server/db/schema.ts';
import type { WaveKeys } from '../../server/encryption/wave-keys.ts';
import { publishQuestionnaire } from '../../server/questionnaires.ts';
import { createSchool } from '../../server/admin/schools.ts';
import { createWave, openWave } from '../../server/waves.ts';
import { sealWave } from '../../server/sealing/sealing.ts';
import { storeWithoutCodes } from '../../server/teacher/submissions.ts';
import { rng, schoolEffect, syntheticResponse } from '../../server/demo/synthetic.ts';
import { answerPositions } from '../../surveys/load.ts';
import type { Questionnaire } from '../../surveys/schema.ts';
import { shipped, shippedV2 } from './fixtures.ts';

export const V2_K = 5;

/**
 * A network that answered v1 and then v2 (issue 20), k = 5, one benchmark group: six ordinary schools
 * of 14 respondents, two of 9 where only three answer the priority question (`few` is the second),
 * and one of 3 respondents (`tiny`, suppressed). Both waves sealed; `waves` oldest first.
 */
export async function seedV2Network(db: Kysely<Database>, keys: WaveKeys) {
  const { items, outcomes } = answerPositions(shippedV2);
  const prioStart = items + outcomes;
  const ids = { v1: await publishQuestionnaire(db, shipped), v2: await publishQuestionnaire(db, shippedV2) };
  const random = rng(20);
  const plan = [...Array.from({ length: 6 }, () => 14), 9, 9, 3];
  const schools: Array<{ id: string; name: string }> = [];
  for (const [i, n] of plan.entries()) {
    const name = `V2 school ${i + 1}`;
    const id = await createSchool(db, { name, benchmark_group: 'secundair', municipality: 'Gent', staff_count: n + 5 });
    schools.push({ id, name });
  }
  const few = schools[7]!;
  const tiny = schools[8]!;
  const effects = schools.map(() => schoolEffect(shippedV2, random));
  const waves: string[] = [];
  for (const [name, q] of [
    ['Golf v1', shipped],
    ['Golf v2', shippedV2],
  ] as Array<[string, Questionnaire]>) {
    const waveId = await createWave(db, {
      name,
      questionnaireId: q === shipped ? ids.v1 : ids.v2,
      schoolIds: schools.map((s) => s.id),
      k: V2_K,
    });
    await openWave(db, waveId, undefined, keys);
    const wave = (await keys.answerable(waveId))!;
    for (const [si, s] of schools.entries()) {
      const rows = Array.from({ length: plan[si]! }, () => ({ ...syntheticResponse(q, effects[si]!, random), comment: null }));
      if (q === shippedV2) {
        // Everyone answers the priority question (werkdruk and two more), except at two schools: three of nine each.
        rows.forEach((r, i) => {
          const skip = (s === few || s === schools[6]) && i >= 3;
          shippedV2.themes.forEach(
            (_, t) => (r.answers[prioStart + t] = skip ? null : t === 3 || t === i % 3 || t === 4 + (i % 3) ? 1 : 0),
          );
        });
      }
      await storeWithoutCodes(db, wave, s.id, rows);
    }
    const { unstored } = await sealWave(db, keys, waveId);
    expect(unstored).toBeNull();
    waves.push(waveId);
  }
  return { schools, waves, few, tiny };
}
