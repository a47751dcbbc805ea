import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CODE_LENGTH, hashCode, normaliseCode, randomCodes } from '../../server/teacher/access-codes.ts';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

describe('access codes drawn many at once', () => {
  it('are well-formed, distinct, and use the whole alphabet at every position', () => {
    const codes = randomCodes(20_000);
    expect(codes).toHaveLength(20_000);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) {
      expect(code).toMatch(/^[0-9ABCDEFGHJKMNPQRSTVWXYZ]{13}$/);
      expect(normaliseCode(code)).toBe(code);
    }
    // Each of 32 characters at each position ~625 times; a draw reusing bytes across positions or
    // codes, or reaching only part of the alphabet, fails this (a fair draw falls below 400 with
    // probability far under 1e-20).
    for (let position = 0; position < CODE_LENGTH; position++) {
      const seen = new Map<string, number>();
      for (const code of codes) seen.set(code[position]!, (seen.get(code[position]!) ?? 0) + 1);
      expect(seen.size, `position ${position}`).toBe(ALPHABET.length);
      for (const [ch, n] of seen) expect(n, `${ch} at position ${position}`).toBeGreaterThan(400);
    }
    // Neighbouring characters are independent (a draw repeating its byte would pair them).
    const same = codes.filter((c) => c[0] === c[1]).length;
    expect(same).toBeLessThan(codes.length / 16);
  });

  it('one as many at once; none for a count of zero', () => {
    expect(randomCodes(1)[0]).toHaveLength(CODE_LENGTH);
    expect(randomCodes(0)).toEqual([]);
  });

  it('are stored as the SHA-256 of the normalised code, in hex', () => {
    for (const code of ['0123456789ABC', ...randomCodes(50)]) expect(hashCode(code)).toBe(createHash('sha256').update(code).digest('hex'));
    // From `printf 0123456789ABC | sha256sum`: codes hashed before this change still match.
    expect(hashCode('0123456789ABC')).toBe('2db66fad972737e98a9a1c70a37d4245215b2ac8b7eccf6dac5738f6b31ba5ab');
  });
});
