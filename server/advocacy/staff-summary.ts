import { createHash, randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { sealedWavesAround } from '../waves.ts';
import { recordAction, type Actor } from '../platform/audit-log.ts';
import type { PlanWave } from './action-plans.ts';

/**
 * A staff summary, shared back (issue 19): for a sealed wave, a school's rep or an admin publishes
 * a one-page summary for the school's staff at `/s/<token>`. The token is 192 random bits
 * (base64url), made here and handed to the publisher once; the database keeps only its SHA-256,
 * like access codes, so neither the database nor the audit log can open the page. Publishing again
 * revokes the previous link. Every write is one transaction with its audit entry, whose target names
 * school and wave only, never the token.
 */

/** 24 random bytes: 192 bits, 32 base64url characters. */
export const TOKEN_BYTES = 24;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{32}$/;

export const newToken = (): string => randomBytes(TOKEN_BYTES).toString('base64url');
export const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');
/** The path of a summary's public page. */
export const summaryPath = (token: string): string => `/s/${token}`;
export const summaryUrl = (base: string, token: string): string => `${base.replace(/\/+$/, '')}${summaryPath(token)}`;

const target = (w: Pick<PlanWave, 'schoolId' | 'waveId'>) => `school:${w.schoolId} wave:${w.waveId}`;

export interface LiveSummary {
  publishedAt: Date;
}

/** The live summary of a school's wave (when it was published), or null. */
export async function liveSummary(db: Kysely<Database>, w: Pick<PlanWave, 'schoolId' | 'waveId'>): Promise<LiveSummary | null> {
  const row = await db
    .selectFrom('staff_summary')
    .select('published_at')
    .where('school_id', '=', w.schoolId)
    .where('wave_id', '=', w.waveId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return row ? { publishedAt: row.published_at } : null;
}

/**
 * Publishes a new link for a sealed wave of a school (the caller checked both: `planWave`), revoking
 * the live one if any. Returns the token: the only time it exists outside the publisher's hands.
 */
export async function publishSummary(
  db: Kysely<Database>,
  w: Pick<PlanWave, 'schoolId' | 'waveId'>,
  actor?: Actor,
): Promise<{ token: string; publishedAt: Date }> {
  const token = newToken();
  return db.transaction().execute(async (trx) => {
    // One publisher at a time per school and wave: the live-link index would refuse the second.
    await trx
      .selectFrom('wave_school')
      .select('school_id')
      .where('wave_id', '=', w.waveId)
      .where('school_id', '=', w.schoolId)
      .forUpdate()
      .executeTakeFirstOrThrow();
    await trx
      .updateTable('staff_summary')
      .set({ revoked_at: sql<Date>`now()` })
      .where('school_id', '=', w.schoolId)
      .where('wave_id', '=', w.waveId)
      .where('revoked_at', 'is', null)
      .execute();
    const row = await trx
      .insertInto('staff_summary')
      .values({ wave_id: w.waveId, school_id: w.schoolId, token_hash: hashToken(token), revoked_at: null })
      .returning('published_at')
      .executeTakeFirstOrThrow();
    await recordAction(trx, actor, 'staffSummary.publish', target(w));
    return { token, publishedAt: row.published_at };
  });
}

/** Revokes the live link of a school's wave; false (and no audit entry) when there was none. */
export async function revokeSummary(db: Kysely<Database>, w: Pick<PlanWave, 'schoolId' | 'waveId'>, actor?: Actor): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const revoked = await trx
      .updateTable('staff_summary')
      .set({ revoked_at: sql<Date>`now()` })
      .where('school_id', '=', w.schoolId)
      .where('wave_id', '=', w.waveId)
      .where('revoked_at', 'is', null)
      .returning('id')
      .execute();
    if (!revoked.length) return false;
    await recordAction(trx, actor, 'staffSummary.revoke', target(w));
    return true;
  });
}

/**
 * The school and wave of a live link — the publisher's, or one minted for code slips
 * (`slipSummaryLink`); null for anything else (malformed, unknown or revoked alike).
 */
export async function summaryByToken(db: Kysely<Database>, token: string): Promise<{ schoolId: string; waveId: string } | null> {
  if (!TOKEN_PATTERN.test(token)) return null;
  const hash = hashToken(token);
  const row = await db
    .selectFrom('staff_summary')
    .select(['school_id', 'wave_id'])
    .where((eb) =>
      eb.or([
        eb('token_hash', '=', hash),
        eb('id', 'in', eb.selectFrom('staff_summary_link').select('summary_id').where('staff_summary_link.token_hash', '=', hash)),
      ]),
    )
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return row ? { schoolId: row.school_id, waveId: row.wave_id } : null;
}

/**
 * A link for the code slips of a school in a wave to the staff summary of the school's previous
 * sealed wave of the same questionnaire key, when that summary is live; null otherwise (no
 * earlier wave, no summary, or a revoked one). The publisher's token is only a hash here, so the
 * slips get a fresh token of their own, stored as its SHA-256 beside the summary: it opens the
 * summary while that stays live, and never after it is revoked or published again.
 */
export async function slipSummaryLink(
  db: Kysely<Database>,
  waveId: string,
  schoolId: string,
): Promise<{ token: string; waveName: string } | null> {
  // The school's last sealed wave of the questionnaire key before this one (which is not sealed yet).
  const previous = (await sealedWavesAround(db, { id: waveId }, 'through', schoolId)).filter((w) => w.id !== waveId).at(-1);
  if (!previous) return null;
  const token = newToken();
  // One statement: the link exists only if the summary is live as it is written.
  const { rows } = await sql<{ token_hash: string }>`
    insert into staff_summary_link (token_hash, summary_id)
    select ${hashToken(token)}, id from staff_summary
    where school_id = ${schoolId} and wave_id = ${previous.id} and revoked_at is null
    returning token_hash`.execute(db);
  return rows.length ? { token, waveName: previous.name } : null;
}
