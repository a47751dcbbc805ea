import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { generate, generateSecret, generateURI, verify } from 'otplib';
import QRCode from 'qrcode';
import type { Database, Role } from '../db/schema.ts';
import { DEMO_ACCOUNTS, isDemo } from '../demo/demo.ts';

/**
 * TOTP two-factor authentication (RFC 6238: SHA-1, 6 digits, 30 s — what every authenticator app
 * reads from a QR code). An admin account must have it (the labelled demo admin excepted); reps
 * and researchers may turn it on.
 *
 * The secret is stored sealed (AES-256-GCM, bound to the account id) under a key derived from
 * SESSION_SECRET, so a dump of the database alone does not yield it; it is never logged. Changing
 * SESSION_SECRET therefore makes every enrolment unreadable: those users sign in with their
 * password only after `npm run cli -- user:reset-2fa` and enrol again (docs/staff-accounts.md).
 * A code is accepted once: the time step it belongs to is claimed in the database, so it cannot be
 * replayed within its window, not even on another instance.
 */

export const ISSUER = 'Schoolpols';
/** One step either side of now: a phone clock a little off, or a code typed as it changed. */
const TOLERANCE_SECONDS = 30;
const PERIOD_SECONDS = 30;

/** A key for one purpose, derived from the session secret (HKDF-SHA-256). */
export function deriveKey(secret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.from('schoolpols', 'utf8'), Buffer.from(purpose, 'utf8'), 32));
}

/** `v1.` + base64url(iv ‖ tag ‖ ciphertext); the account id is authenticated with it, so a sealed secret cannot be moved to another account. */
export function sealSecret(key: Buffer, userId: string, secret: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(`totp:${userId}`, 'utf8'));
  const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return `v1.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
}

/** The secret, or null when it was sealed under another key or for another account. */
export function openSecret(key: Buffer, userId: string, sealed: string): string | null {
  if (!sealed.startsWith('v1.')) return null;
  const raw = Buffer.from(sealed.slice(3), 'base64url');
  if (raw.length < 29) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(`totp:${userId}`, 'utf8'));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}

/** A fresh base32 secret of 160 bits. */
export function newSecret(): string {
  return generateSecret({ length: 20 });
}

/** The secret as people type it: groups of four. */
export const groupedSecret = (secret: string) => secret.replace(/(.{4})(?=.)/g, '$1 ');

export function otpauthUri(email: string, secret: string): string {
  return generateURI({ issuer: ISSUER, label: email, secret });
}

/** The otpauth URI as an SVG QR code (inline, so no request carries the secret). */
export function qrSvg(uri: string): Promise<string> {
  return QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}

/** A code as typed: spaces and dashes ignored; anything but six digits is not a code. */
export function normaliseCode(code: string): string | null {
  const digits = code.replace(/[\s-]/g, '');
  return /^\d{6}$/.test(digits) ? digits : null;
}

/** The time step a code belongs to when it is valid now (± one step) and later than `afterStep`; else null. */
export async function codeStep(secret: string, code: string, afterStep: number | null, now = Date.now()): Promise<number | null> {
  const token = normaliseCode(code);
  if (!token) return null;
  try {
    const result = await verify({
      secret,
      token,
      epoch: Math.floor(now / 1000),
      epochTolerance: TOLERANCE_SECONDS,
      ...(afterStep !== null ? { afterTimeStep: afterStep } : {}),
    });
    // A TOTP result (the default strategy) names the time step the code belongs to.
    return result.valid && 'timeStep' in result ? result.timeStep : null;
  } catch {
    return null;
  }
}

/** The current code (tests and the CLI's self-check only; a server never needs to show one). */
export function currentCode(secret: string, epochSeconds = Math.floor(Date.now() / 1000)): Promise<string> {
  return generate({ secret, epoch: epochSeconds });
}

export const stepOf = (epochSeconds: number) => Math.floor(epochSeconds / PERIOD_SECONDS);

/**
 * Claims a time step for an account: true once per step (and only for steps later than any
 * claimed before), whichever instance asks — the replay guard.
 */
export async function claimStep(db: Kysely<Database>, userId: string, step: number): Promise<boolean> {
  const row = await db
    .updateTable('app_user')
    .set({ totp_last_step: step })
    .where('id', '=', userId)
    .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
    .returning('id')
    .executeTakeFirst();
  return !!row;
}

/** Turns two-factor authentication on with a confirmed secret (its confirming step already used). */
export async function enableTwoFactor(db: Kysely<Database>, key: Buffer, userId: string, secret: string, step: number): Promise<void> {
  await db
    .updateTable('app_user')
    .set({ totp_secret: sealSecret(key, userId, secret), totp_last_step: step })
    .where('id', '=', userId)
    .execute();
}

export async function disableTwoFactor(db: Kysely<Database>, userId: string): Promise<void> {
  await db.updateTable('app_user').set({ totp_secret: null, totp_last_step: null }).where('id', '=', userId).execute();
}

/**
 * Whether this account may use the app only after enrolling: every admin without 2FA, except the
 * labelled demo admin of a demo store (its password is in the README; the demo is not for real data).
 */
export async function mustEnrol(db: Kysely<Database>, user: { role: Role; email: string; twoFactor: boolean }): Promise<boolean> {
  if (user.role !== 'admin' || user.twoFactor) return false;
  const demoAccount = DEMO_ACCOUNTS.some((a) => a.email === user.email.toLowerCase());
  return !(demoAccount && (await isDemo(db)));
}
