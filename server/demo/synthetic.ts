import type { Questionnaire } from '../../surveys/schema.ts';
import { itemsInOrder } from '../../surveys/load.ts';
import { mulberry32 } from '../../analysis/mulberry32.ts';

/** Deterministic PRNG so the demo network and benchmarks are reproducible. */
export const rng = mulberry32;

function normal(random: () => number): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** A school's climate: an overall level and a deviation per theme, in scale points. */
export interface SchoolEffect {
  overall: number;
  themes: Record<string, number>;
}

export function schoolEffect(q: Questionnaire, random: () => number, spread = 0.45): SchoolEffect {
  const themes: Record<string, number> = {};
  for (const t of q.themes) themes[t.id] = normal(random) * spread * 0.6;
  return { overall: normal(random) * spread, themes };
}

export interface SyntheticResponse {
  answers: (number | null)[];
  background: Record<string, string>;
}

/**
 * What drives each outcome item in the synthetic network (issue 20): weights on the respondent's own
 * theme scores (deviations from 3.4). Workload and appreciation drive the intention to stay, as the
 * literature on teacher attrition finds; an outcome not listed depends on every theme a little.
 */
const DRIVERS: Record<string, Record<string, number>> = {
  blijf_onderwijs: { werkdruk: 0.45, waardering: 0.35, welzijn: 0.15 },
  blijf_school: { werkdruk: 0.3, waardering: 0.25, samenwerking: 0.2, communicatie: 0.15, participatie: 0.1 },
  tevredenheid: { werkdruk: 0.25, waardering: 0.25, samenwerking: 0.15, leerlingen_ouders: 0.15, welzijn: 0.15 },
  wb_energie: { werkdruk: 0.45, welzijn: 0.4 },
  wb_rust: { werkdruk: 0.55, welzijn: 0.3 },
  wb_slaap: { werkdruk: 0.5, welzijn: 0.35 },
};

/**
 * One respondent: a personal level plus the school's theme effects around a network mean of 3.4,
 * rounded onto the 1..5 scale; reverse-worded items are mirrored; a few "n.v.t." and skips. A
 * questionnaire with outcome items or a priority question gets those too (`outcomesAndPriorities`),
 * drawn after the items, so a questionnaire without them draws exactly what it always did.
 */
export function syntheticResponse(q: Questionnaire, effect: SchoolEffect, random: () => number, shift = 0): SyntheticResponse {
  const person = normal(random) * 0.55;
  const answers = itemsInOrder(q).map((item) => {
    const r = random();
    if (r < 0.02) return null;
    if (r < 0.05) return 0;
    const latent = 3.4 + shift + effect.overall + (effect.themes[item.themeId] ?? 0) + person + normal(random) * 0.8;
    const value = Math.min(5, Math.max(1, Math.round(latent)));
    return item.reverse ? 6 - value : value;
  });
  if (q.outcomes || q.priority) answers.push(...outcomesAndPriorities(q, answers, random));
  const background: Record<string, string> = {};
  for (const b of q.background) {
    if (random() < 0.06) continue;
    // Most staff are teachers; the first option is the most common.
    const weights = b.options.map((_, i) => (i === 0 ? 3 : 1));
    let pick = random() * weights.reduce((a, w) => a + w, 0);
    const option = b.options.find((_, i) => (pick -= weights[i]!) < 0) ?? b.options[0]!;
    background[b.id] = option.id;
  }
  return { answers, background };
}

/**
 * Outcome answers and priorities that follow from a respondent's own theme scores: each outcome is
 * 3.4 plus its drivers' weighted deviations (`DRIVERS`) plus noise; the themes named as priorities are
 * the respondent's lowest-scoring ones, give or take (a few skip the question, some name fewer).
 */
function outcomesAndPriorities(q: Questionnaire, items: readonly (number | null)[], random: () => number): (number | null)[] {
  const scores: Record<string, number> = {};
  let at = 0;
  for (const t of q.themes) {
    const values: number[] = [];
    for (const item of t.items) {
      const a = items[at++];
      if (a !== null && a !== undefined && a > 0) values.push(item.reverse ? 6 - a : a);
    }
    scores[t.id] = values.length ? values.reduce((x, y) => x + y, 0) / values.length : 3.4;
  }
  const out: (number | null)[] = [];
  for (const o of q.outcomes ?? []) {
    const r = random();
    if (r < 0.03) {
      out.push(null);
      continue;
    }
    const weights = DRIVERS[o.id] ?? Object.fromEntries(q.themes.map((t) => [t.id, 0.6 / q.themes.length]));
    let latent = 3.5 + normal(random) * 0.6;
    for (const [themeId, w] of Object.entries(weights)) latent += w * ((scores[themeId] ?? 3.4) - 3.4) * 1.6;
    const value = Math.min(5, Math.max(1, Math.round(latent)));
    out.push(o.reverse ? 6 - value : value);
  }
  if (q.priority) {
    if (random() < 0.12) out.push(...q.themes.map(() => null));
    else {
      const count = Math.max(1, q.priority.max - (random() < 0.2 ? 1 : 0) - (random() < 0.05 ? 1 : 0));
      const ranked = q.themes.map((t) => ({ id: t.id, key: scores[t.id]! + normal(random) * 0.45 })).sort((a, b) => a.key - b.key);
      const named = new Set(ranked.slice(0, count).map((t) => t.id));
      out.push(...q.themes.map((t) => (named.has(t.id) ? 1 : 0)));
    }
  }
  return out;
}
