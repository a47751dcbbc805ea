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
 * One respondent: a personal level plus the school's theme effects around a network mean of 3.4,
 * rounded onto the 1..5 scale; reverse-worded items are mirrored; a few "n.v.t." and skips.
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
