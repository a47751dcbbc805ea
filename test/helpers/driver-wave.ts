import type { Kysely } from 'kysely';
import type { Database } from '../../server/db/schema.ts';
import { layoutOf, themeScores } from '../../analysis/index.ts';
import { createSchool } from '../../server/admin/schools.ts';
import { createWave, openWave } from '../../server/waves.ts';
import { sealWave } from '../../server/sealing/sealing.ts';
import { storeWithoutCodes } from '../../server/teacher/submissions.ts';
import { rng, schoolEffect, syntheticResponse } from '../../server/demo/synthetic.ts';
import { testKeys } from './app.ts';
import { shippedV2 } from './fixtures.ts';

/**
 * Sealed v2 waves with a known driver structure (issue 20): synthetic answers, except the intention
 * to stay in education, which is 3 + 0.9·(workload − 3) + 0.5·(appreciation − 3) + noise, rounded
 * onto 1..5 — so workload explains the largest share of it.
 */
export const layout = layoutOf(shippedV2);
const themeIndex = (id: string) => layout.themes.findIndex((t) => t.id === id);
const STAY = layout.outcomes.findIndex((o) => o.id === 'blijf_onderwijs');

export async function seedDriverWave(
  db: Kysely<Database>,
  questionnaireId: string,
  name: string,
  schools: ReadonlyArray<{ id: string; respondents: number }>,
  seed: number,
): Promise<string> {
  const random = rng(seed);
  const keys = testKeys(db);
  const waveId = await createWave(db, { name, questionnaireId, schoolIds: schools.map((s) => s.id), k: 5 });
  await openWave(db, waveId, undefined, keys);
  const wave = (await keys.answerable(waveId))!;
  for (const s of schools) {
    const effect = schoolEffect(shippedV2, random);
    const rows = Array.from({ length: s.respondents }, () => {
      const r = syntheticResponse(shippedV2, effect, random);
      const scores = themeScores(r.answers, layout);
      const w = scores[themeIndex('werkdruk')];
      const a = scores[themeIndex('waardering')];
      if (w !== null && w !== undefined && a !== null && a !== undefined) {
        const noise = (random() + random() + random() - 1.5) * 0.8;
        r.answers[layout.outcomes[STAY]!.position] = Math.min(5, Math.max(1, Math.round(3 + 0.9 * (w - 3) + 0.5 * (a - 3) + noise)));
      }
      return { ...r, comment: null };
    });
    await storeWithoutCodes(db, wave, s.id, rows);
  }
  const { unstored } = await sealWave(db, keys, waveId);
  if (unstored) throw unstored;
  return waveId;
}

/** Schools of one benchmark group, `respondents` each. */
export async function driverSchools(db: Kysely<Database>, group: string, count: number, respondents: number, prefix: string) {
  const out: Array<{ id: string; respondents: number }> = [];
  for (let i = 0; i < count; i++) {
    const id = await createSchool(db, {
      name: `${prefix} ${i + 1}`,
      benchmark_group: group,
      municipality: 'Gent',
      staff_count: respondents + 10,
    });
    out.push({ id, respondents });
  }
  return out;
}
