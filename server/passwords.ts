import { hash, verify } from '@node-rs/argon2';

/** argon2id with the OWASP password-storage parameters (19 MiB, 2 iterations, 1 lane). */
// 2 is Algorithm.Argon2id (a const enum, which isolated modules cannot import).
const OPTIONS = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

// Verifying against this when the e-mail is unknown makes both failures take the same time.
const DUMMY = hashPassword('not-a-real-password-used-for-timing-only');

export async function verifyPassword(hashed: string | null, password: string): Promise<boolean> {
  if (!hashed) {
    await verify(await DUMMY, password).catch(() => false);
    return false;
  }
  return verify(hashed, password).catch(() => false);
}

export const MIN_PASSWORD_LENGTH = 12;
