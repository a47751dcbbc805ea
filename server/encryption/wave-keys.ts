import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Questionnaire } from '../../surveys/schema.ts';
import { getQuestionnaire } from '../questionnaires.ts';
import { BoxError, open, seal } from './boxes.ts';
import type { MasterKey } from './master-key.ts';

/** An open wave: what its answers are checked against. */
export interface OpenWave {
  waveId: string;
  questionnaireId: string;
  questionnaire: Questionnaire;
}

/** A wave that takes answers now, with the key they are sealed with. */
export interface AnswerableWave extends OpenWave {
  key: Buffer;
}

/** The master key cannot open this open wave's data key: answers must be refused, never stored unreadable. */
export class WaveKeyUnavailable extends Error {
  constructor(
    readonly waveId: string,
    reason: string,
  ) {
    super(`the master key cannot open the data key of wave ${waveId}: ${reason}`);
  }
}

/** How long a process trusts what it read about an open wave; sealing elsewhere is caught by the SQL guard anyway. */
const TTL_MS = 60_000;

/** `app_meta` key of the fingerprint of the master key in use: instances configured otherwise make no keys. */
const IN_USE = 'master_key_in_use';

/**
 * Each wave's data key, wrapped by the master key, in `wave_key` while the wave is open; sealing
 * deletes it. Data keys are made when first needed (the first answer, or `openWave` need not know),
 * so waves opened before encryption existed get one too. The database records which master key is
 * in use (its fingerprint, in `app_meta`): an instance configured with another one — a mistyped key,
 * or one still running with the old key after `key:rotate` — makes no data key, so no answer is ever
 * sealed with a key that the deployment will not have.
 */
export class WaveKeys {
  private readonly cache = new Map<string, { at: number; wave: AnswerableWave }>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly db: Kysely<Database>,
    readonly master: MasterKey,
    private readonly ttlMs = TTL_MS,
  ) {
    // Expired entries go even when nobody asks for their wave again (a wave sealed elsewhere).
    this.sweeper = setInterval(() => this.sweep(), ttlMs);
    this.sweeper.unref();
  }

  private sweep(): void {
    const now = Date.now();
    for (const [waveId, entry] of this.cache) if (now - entry.at >= this.ttlMs) this.cache.delete(waveId);
  }

  /** Stops the sweeper (a process that holds several instances, such as a test, closes them). */
  close(): void {
    clearInterval(this.sweeper);
    this.cache.clear();
  }

  /** The wave if it is open, with its data key (made at its first answer); null if not open or unknown. */
  async answerable(waveId: string): Promise<AnswerableWave | null> {
    const wave = await this.load(waveId, { create: true });
    return wave && 'key' in wave ? wave : null;
  }

  /**
   * The wave if it is open, for showing its questionnaire: writes nothing (a GET changes nothing),
   * but refuses, as `answerable` would, a wave whose key the master key cannot open.
   */
  async shown(waveId: string): Promise<OpenWave | null> {
    return this.load(waveId, { create: false });
  }

  private async load(waveId: string, options: { create: boolean }): Promise<OpenWave | AnswerableWave | null> {
    // Only this wave's entry is checked here (every submission passes); the sweeper clears the rest.
    const hit = this.cache.get(waveId);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.wave;
    if (hit) this.cache.delete(waveId);
    const row = await this.db.selectFrom('wave').select(['status', 'questionnaire_id']).where('id', '=', waveId).executeTakeFirst();
    if (row?.status !== 'open') {
      this.cache.delete(waveId);
      return null;
    }
    const open = { waveId, questionnaireId: row.questionnaire_id, questionnaire: await getQuestionnaire(this.db, row.questionnaire_id) };
    const key = await this.dataKey(this.db, waveId, options);
    if (!key) return open;
    const wave = { ...open, key };
    if (this.cache.size > 200) this.cache.clear();
    this.cache.set(waveId, { at: Date.now(), wave });
    return wave;
  }

  /** Sealing is done with the wave: nothing here keeps its key (overwritten, not merely dropped). */
  forget(waveId: string): void {
    this.cache.get(waveId)?.wave.key.fill(0);
    this.cache.delete(waveId);
  }

  /**
   * The wave's data key, unwrapped. With `create`, a wave without one gets one (concurrent
   * creators agree: the first insert wins and everyone unwraps what was stored). Without, a
   * missing key is null: a wave that never received an answer has nothing to open.
   */
  async dataKey(db: Kysely<Database>, waveId: string, options: { create: boolean }): Promise<Buffer | null> {
    let row = await db.selectFrom('wave_key').select(['wrapped', 'master_key_id']).where('wave_id', '=', waveId).executeTakeFirst();
    if (!row && options.create) {
      await this.claimInUse(db, waveId);
      // Only for a wave still open (sealing may have committed since it was read), and only one key
      // however many instances race: the first insert wins and everyone unwraps what was stored.
      await sql`
        insert into wave_key (wave_id, wrapped, master_key_id)
        select ${waveId}::uuid, ${this.wrap(waveId, randomBytes(32))}::bytea, ${this.master.id}
        where exists (select 1 from wave where id = ${waveId} and status = 'open')
        on conflict (wave_id) do nothing`.execute(db);
      row = await db.selectFrom('wave_key').select(['wrapped', 'master_key_id']).where('wave_id', '=', waveId).executeTakeFirst();
    }
    if (!row) return null;
    return this.unwrap(waveId, row);
  }

  /**
   * The master key in use is this one, or no data key is made with it. The first key recorded, or a
   * new key once no wave key depends on the old one (every wave sealed), becomes the key in use.
   */
  private async claimInUse(db: Kysely<Database>, waveId: string): Promise<void> {
    await db
      .insertInto('app_meta')
      .values({ key: IN_USE, value: this.master.id })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    await sql`update app_meta set value = ${this.master.id} where key = ${IN_USE} and value <> ${this.master.id} and not exists (select 1 from wave_key)`.execute(
      db,
    );
    const inUse = await db.selectFrom('app_meta').select('value').where('key', '=', IN_USE).executeTakeFirstOrThrow();
    if (inUse.value !== this.master.id) {
      throw new WaveKeyUnavailable(
        waveId,
        `open waves depend on master key ${inUse.value} and the configured one is ${this.master.id} (was the key rotated without this instance restarting?)`,
      );
    }
  }

  private wrap(waveId: string, dataKey: Buffer, master = this.master): Buffer {
    return seal(master.key, { kind: 'wave-key', waveId }, dataKey);
  }

  private unwrap(waveId: string, row: { wrapped: Uint8Array; master_key_id: string }, master = this.master): Buffer {
    if (row.master_key_id !== master.id) {
      throw new WaveKeyUnavailable(waveId, `it was wrapped by master key ${row.master_key_id}, and the configured one is ${master.id}`);
    }
    try {
      return open(master.key, { kind: 'wave-key', waveId }, row.wrapped);
    } catch (err) {
      if (err instanceof BoxError) throw new WaveKeyUnavailable(waveId, err.message);
      throw err;
    }
  }

  /** How many stored wave keys another master key wrapped (answers this key could never open). */
  async wrappedByOthers(): Promise<number> {
    const row = await this.db
      .selectFrom('wave_key')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('master_key_id', '!=', this.master.id)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Open waves whose data key the configured master key cannot open (checked at start-up). */
  async unavailable(): Promise<WaveKeyUnavailable[]> {
    const rows = await this.db
      .selectFrom('wave_key')
      .innerJoin('wave', 'wave.id', 'wave_key.wave_id')
      .select(['wave_key.wave_id', 'wave_key.wrapped', 'wave_key.master_key_id'])
      .where('wave.status', '=', 'open')
      .execute();
    const problems: WaveKeyUnavailable[] = [];
    for (const row of rows) {
      try {
        this.unwrap(row.wave_id, row);
      } catch (err) {
        if (err instanceof WaveKeyUnavailable) problems.push(err);
        else throw err;
      }
    }
    return problems;
  }

  /**
   * Re-wraps every stored wave key under `next`, in one transaction: every open wave stays
   * answerable and sealable with the new master key, and none with the old one. Refuses (changing
   * nothing) if any key cannot be opened with the current master key.
   */
  async rotate(next: MasterKey): Promise<number> {
    const count = await this.db.transaction().execute(async (trx) => {
      // Serialises with every key creation (which reads it) and records the new key as the one in use.
      await trx
        .insertInto('app_meta')
        .values({ key: IN_USE, value: next.id })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value: next.id }))
        .execute();
      // Rows already under the new key (a rotation interrupted and run again) are left as they are.
      const rows = await trx
        .selectFrom('wave_key')
        .select(['wave_id', 'wrapped', 'master_key_id'])
        .where('master_key_id', '!=', next.id)
        .forUpdate()
        .execute();
      for (const row of rows) {
        const dataKey = this.unwrap(row.wave_id, row);
        await trx
          .updateTable('wave_key')
          .set({ wrapped: this.wrap(row.wave_id, dataKey, next), master_key_id: next.id })
          .where('wave_id', '=', row.wave_id)
          .execute();
      }
      return rows.length;
    });
    this.cache.clear();
    return count;
  }
}
