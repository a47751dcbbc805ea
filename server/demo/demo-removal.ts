import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { partitionName, WAVE_PARTITIONED } from '../db/partitions.ts';
import { recordAction, type Actor } from '../platform/audit-log.ts';
import { DEMO_ACCOUNTS, DEMO_SCHOOL_NAMES, isDemo } from './demo.ts';

/**
 * Removing the labelled demo network from a store (issue 16), from the admin console: its twelve
 * schools, every wave they take part in (responses, comments, codes and keys with it), and the demo
 * accounts — whose password is in the README — with their sessions. Published questionnaires stay
 * (the shipped one is the real questionnaire). One transaction; the audit entry is in it.
 */

export type DemoRemovalRefusal = 'none' | 'ownAccount' | 'mixedWave';

export class DemoRemovalError extends Error {
  constructor(
    readonly reason: DemoRemovalRefusal,
    message: string,
    readonly params: Record<string, string> = {},
  ) {
    super(message);
  }
}

export interface DemoRemoval {
  schools: number;
  waves: number;
  users: number;
}

export async function removeDemo(db: Kysely<Database>, actor: Actor): Promise<DemoRemoval> {
  return db.transaction().execute(async (trx) => {
    // One removal at a time; a second one finds no demo left.
    await sql`lock table app_meta in share row exclusive mode`.execute(trx);
    if (!(await isDemo(trx))) throw new DemoRemovalError('none', 'this store holds no demo network');
    const users = await trx
      .selectFrom('app_user')
      .select('id')
      .where(
        'email',
        'in',
        DEMO_ACCOUNTS.map((a) => a.email),
      )
      .execute();
    const userIds = users.map((u) => u.id);
    // Removing the account one is signed in with would leave the console without its admin.
    if (actor.userId && userIds.includes(actor.userId))
      throw new DemoRemovalError('ownAccount', 'sign in with your own admin account to remove the demo network');
    const schoolIds = (
      await trx
        .selectFrom('school')
        .select('id')
        .where('name', 'in', [...DEMO_SCHOOL_NAMES])
        .execute()
    ).map((s) => s.id);
    const waveIds = schoolIds.length
      ? [
          ...new Set(
            (await trx.selectFrom('wave_school').select('wave_id').where('school_id', 'in', schoolIds).execute()).map((r) => r.wave_id),
          ),
        ]
      : [];
    if (waveIds.length) {
      // A wave of demo and real schools is real data: the admin decides about it, not this button.
      const mixed = await trx
        .selectFrom('wave_school')
        .innerJoin('wave', 'wave.id', 'wave_school.wave_id')
        .select('wave.name')
        .where('wave_school.wave_id', 'in', waveIds)
        .where('wave_school.school_id', 'not in', schoolIds)
        .executeTakeFirst();
      if (mixed) throw new DemoRemovalError('mixedWave', `the wave "${mixed.name}" holds demo and other schools`, { name: mixed.name });
    }
    for (const waveId of waveIds) {
      // Responses and comments have no foreign key to cascade along: their partitions go as a whole.
      for (const table of WAVE_PARTITIONED) await sql`drop table if exists ${sql.id(partitionName(table, waveId))}`.execute(trx);
    }
    // wave_school, sums, keys and frozen decisions cascade from the wave.
    if (waveIds.length) await trx.deleteFrom('wave').where('id', 'in', waveIds).execute();
    if (schoolIds.length) await trx.deleteFrom('school').where('id', 'in', schoolIds).execute();
    if (userIds.length) {
      await trx
        .deleteFrom('session')
        .where(sql<string>`data->>'userId'`, 'in', userIds)
        .execute();
      await trx.deleteFrom('app_user').where('id', 'in', userIds).execute();
    }
    await trx.deleteFrom('app_meta').where('key', 'in', ['demo', 'demo_open_wave']).execute();
    const removed = { schools: schoolIds.length, waves: waveIds.length, users: userIds.length };
    await recordAction(trx, actor, 'demo.remove', `schools:${removed.schools} waves:${removed.waves} users:${removed.users}`);
    return removed;
  });
}
