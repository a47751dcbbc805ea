import { createHash, randomBytes } from 'node:crypto';

/**
 * Access codes (design §3): 13 characters of Crockford base32 = 65 random bits, without the
 * look-alikes I, L, O and U; shown grouped as XXXX-XXXX-XXXXX. Only the SHA-256 of the normalised
 * code is stored.
 */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const CODE_LENGTH = 13;

export function generateCode(): string {
  // 5 bits per character from fresh random bytes; 32 divides 256 so `byte & 31` is unbiased.
  const bytes = randomBytes(CODE_LENGTH);
  let code = '';
  for (const b of bytes) code += ALPHABET[b & 31];
  return code;
}

/** Accepts what a person types or a QR link carries: any case, spaces or dashes, O for 0, I/L for 1. */
export function normaliseCode(input: string): string | null {
  const cleaned = input.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  if (cleaned.length !== CODE_LENGTH) return null;
  for (const ch of cleaned) if (!ALPHABET.includes(ch)) return null;
  return cleaned;
}

export function formatCode(code: string): string {
  return `${code.slice(0, 4)}-${code.slice(4, 8)}-${code.slice(8)}`;
}

export function hashCode(normalised: string): string {
  return createHash('sha256').update(normalised).digest('hex');
}
