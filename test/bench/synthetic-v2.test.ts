/**
 * Synthetic respondents of questionnaire v2 (issue 20), as the demo and the benchmark make them:
 * outcome answers and priorities with a plausible structure — workload and appreciation drive the
 * intention to stay, people name as priorities the themes they score low — while v1 respondents are
 * drawn exactly as before (the demo's v1 waves do not change). The benchmark generator runs v2 too.
 */
import { describe, expect, it } from 'vitest';
import { sampleCorrelation } from 'simple-statistics';
import { layoutOf, sumResponses, themeScores } from '../../analysis/index.ts';
import { rng, schoolEffect, syntheticResponse } from '../../server/demo/synthetic.ts';
import { shipped, shippedV2 } from '../helpers/fixtures.ts';
import { generateNetwork } from '../../bench/network.ts';
import { SHIPPED_QUESTIONNAIRE_V2 } from '../../surveys/load.ts';
import { testStore } from '../helpers/store.ts';
import { testKeys } from '../helpers/app.ts';

const layout = layoutOf(shippedV2);

function sample(n: number) {
  const random = rng(11);
  const out = [];
  for (let s = 0; s < n / 20; s++) {
    const effect = schoolEffect(shippedV2, random);
    for (let i = 0; i < 20; i++) out.push(syntheticResponse(shippedV2, effect, random));
  }
  return out;
}

describe('synthetic respondents of v2', () => {
  const rows = sample(3000);

  it('answer every position of the v2 layout, priorities as the form allows', () => {
    for (const r of rows) expect(r.answers).toHaveLength(layout.width);
    // sumPriorities refuses anything the form cannot send.
    const sums = sumResponses(rows, layout);
    expect(sums.priority.answered / rows.length).toBeGreaterThan(0.8);
    expect(sums.priority.answered / rows.length).toBeLessThan(0.95);
  });

  it('intend to stay in education more when workload and appreciation score well', () => {
    const stay = layout.outcomes.findIndex((o) => o.id === 'blijf_onderwijs');
    const pairs = rows.flatMap((r) => {
      const y = r.answers[layout.outcomes[stay]!.position];
      const scores = themeScores(r.answers, layout);
      const work = scores[layout.themes.findIndex((t) => t.id === 'werkdruk')];
      const participation = scores[layout.themes.findIndex((t) => t.id === 'aanvangsbegeleiding')];
      return y && work !== null && work !== undefined && participation !== null && participation !== undefined
        ? [[y, work, participation]]
        : [];
    });
    const r = (j: number) =>
      sampleCorrelation(
        pairs.map((p) => p[0]!),
        pairs.map((p) => p[j]!),
      );
    expect(r(1)).toBeGreaterThan(0.3);
    // A theme that is not a driver correlates less (only through the respondent's general level).
    expect(r(2)).toBeLessThan(r(1) - 0.1);
  });

  it('name as priorities the themes they score low', () => {
    let named = 0;
    let namedSum = 0;
    let other = 0;
    let otherSum = 0;
    for (const r of rows) {
      const scores = themeScores(r.answers, layout);
      layout.themes.forEach((_, t) => {
        const p = r.answers[layout.priority!.start + t];
        const s = scores[t];
        if (p === null || p === undefined || s === null || s === undefined) return;
        if (p === 1) {
          named++;
          namedSum += s;
        } else {
          other++;
          otherSum += s;
        }
      });
    }
    expect(otherSum / other - namedSum / named).toBeGreaterThan(0.4);
  });

  it('of v1 are drawn exactly as before v2 existed (the demo’s v1 waves stay as they are)', () => {
    const random = rng(5);
    const effect = schoolEffect(shipped, random);
    const first = [0, 1, 2].map(() => syntheticResponse(shipped, effect, random));
    // Values drawn on the commit before issue 20, with the same seed.
    expect(first.map((r) => r.answers.slice(0, 8))).toEqual([
      [3, 4, 3, 2, 3, 3, 1, 4],
      [2, 0, 3, 5, 4, 4, null, 3],
      [2, 0, 2, 3, 2, 2, 3, 2],
    ]);
    expect(first.every((r) => r.answers.length === 41)).toBe(true);
  });
});

describe('the benchmark generator with v2', () => {
  it('loads and seals a tiny v2 network whose sums hold priorities', async () => {
    const store = await testStore();
    try {
      const network = await generateNetwork(store.db, {
        scale: 1 / 1000,
        waves: 1,
        seed: 3,
        keys: testKeys(store.db),
        questionnaireFile: SHIPPED_QUESTIONNAIRE_V2,
      });
      expect(network.questionnaire.version).toBe(2);
      const rows = await store.db.selectFrom('response').select('answers').where('wave_id', '=', network.waves[0]!.id).execute();
      expect(rows.length).toBe(network.responsesPerWave);
      const sums = sumResponses(rows, layout);
      expect(sums.priority.answered).toBeGreaterThan(0);
    } finally {
      await store.drop();
    }
  });
});
