import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { toWaveRow, waveRows } from '../waves.ts';

/** A wave that may be exported: closed **and** sealed (R4). Open and draft waves never appear. */
export interface SealedWave {
  id: string;
  name: string;
  createdAt: Date;
  questionnaireId: string;
  /** `questionnaire.key`, shared by the versions of one questionnaire */
  questionnaireKey: string;
  questionnaireVersion: number;
  /** k of disclosure rule R1 for this wave */
  k: number;
  /** participating schools (a count of schools, never of responses) */
  schools: number;
}

function sealedQuery(db: Kysely<Database>) {
  return waveRows(db).where('wave.status', '=', 'closed').where('wave.sealed', '=', true);
}

const toWave = (r: Parameters<typeof toWaveRow>[0]): SealedWave => {
  const w = toWaveRow(r);
  return {
    id: w.id,
    name: w.name,
    createdAt: w.createdAt,
    questionnaireId: w.questionnaire.id,
    questionnaireKey: w.questionnaire.key,
    questionnaireVersion: w.questionnaire.version,
    k: w.k,
    schools: w.schools,
  };
};

/** Every sealed wave, newest first. */
export async function sealedWaves(db: Kysely<Database>): Promise<SealedWave[]> {
  const rows = await sealedQuery(db).orderBy('wave.created_at', 'desc').orderBy('wave.id').execute();
  return rows.map(toWave);
}

/** The sealed wave with this id, or null when it does not exist or is not sealed. */
export async function findSealedWave(db: Kysely<Database>, waveId: string): Promise<SealedWave | null> {
  const row = await sealedQuery(db).where('wave.id', '=', waveId).executeTakeFirst();
  return row ? toWave(row) : null;
}

/** The sealed waves of one questionnaire key, oldest first (by `wave.created_at`, then id). */
export async function sealedWavesOfKey(db: Kysely<Database>, key: string): Promise<SealedWave[]> {
  const rows = await sealedQuery(db).where('questionnaire.key', '=', key).orderBy('wave.created_at').orderBy('wave.id').execute();
  return rows.map(toWave);
}
