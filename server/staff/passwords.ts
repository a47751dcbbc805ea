import { hash, verify } from '@node-rs/argon2';
import { estimateGuesses } from './guesses.ts';
import { problem, type Problem } from '../platform/problems.ts';

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
/** zxcvbn's score (0–4) a new password must reach: 3 = "safely unguessable" (≥ 10^8 guesses). */
export const MIN_PASSWORD_SCORE = 3;
/** Only this much of a password is scored (zxcvbn's matching grows with length; longer is not weaker). */
const SCORED_LENGTH = 100;

/** Words of the account and the service that make a password easy to guess for whoever knows them. */
function personalWords(email: string): string[] {
  const lower = email.trim().toLowerCase();
  const [local = '', domain = ''] = lower.split('@');
  return [lower, local, ...local.split(/[._+-]+/), ...domain.split('.'), 'schoolpols', 'connect', 'vakbond'].filter((w) => w.length >= 3);
}

/**
 * The password policy (ASVS V2.1, level 2) wherever a person chooses a password: the admin
 * console, `user:add`, a password change. At least 12 characters, not one of the common or
 * breached-style passwords in zxcvbn's dictionaries (English and Dutch) or an easy variation of
 * one, and not built on the account's own e-mail address. No composition rules. Returns the
 * problems for `field` (message keys in `account.password.policy.*`), empty when acceptable.
 * Generated passwords and the labelled demo accounts do not pass through here.
 */
export async function passwordProblems(password: string, context: { email: string; field?: string }): Promise<Problem[]> {
  const field = context.field ?? 'password';
  if ([...password].length < MIN_PASSWORD_LENGTH) return [problem(field, 'account.password.policy.tooShort', { min: MIN_PASSWORD_LENGTH })];
  const lower = password.toLowerCase();
  const email = context.email.trim().toLowerCase();
  const local = email.split('@')[0] ?? '';
  if ((email && lower.includes(email)) || (local.length >= 4 && lower.includes(local)))
    return [problem(field, 'account.password.policy.email')];
  const result = await estimateGuesses(password.slice(0, SCORED_LENGTH), personalWords(context.email));
  if (result.score < MIN_PASSWORD_SCORE) return [problem(field, 'account.password.policy.weak')];
  return [];
}
