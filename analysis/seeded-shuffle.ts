import { mulberry32 } from './mulberry32.ts';

/** FNV-1a (32 bit) of a string's UTF-16 code units. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * A deterministic shuffle: the strings are first sorted (so the input order, e.g. database row order,
 * does not matter), then Fisher–Yates shuffled with a PRNG seeded from `seed`. Same strings and seed →
 * same order, on every request.
 */
export function seededShuffle(items: readonly string[], seed: string): string[] {
  const out = [...items].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const random = mulberry32(fnv1a(seed));
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
