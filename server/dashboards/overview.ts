import { sql, type Kysely } from 'kysely';
import { isSealed } from '../waves.ts';
import type { Database, WaveStatus } from '../db/schema.ts';
import type { Disclosed } from '../../analysis/index.ts';
import { loadWaveResults } from '../results/wave-results.ts';

export interface SchoolWaveLine {
  waveId: string;
  waveName: string;
  status: WaveStatus;
  k: number;
  codesIssued: number;
  /** slips handed out, as entered; null if never entered */
  codesHandedOut: number | null;
  /** sealed waves: as disclosure allows; open waves: the running count, which R1 permits */
  respondents: Disclosed<number> | null;
  runningCount: number | null;
}

export interface SchoolOverview {
  id: string;
  name: string;
  benchmarkGroup: string;
  municipality: string;
  waves: SchoolWaveLine[];
}

/** A school's waves, newest first: what the rep home and school page list. */
export async function schoolOverviews(db: Kysely<Database>, schoolIds: readonly string[]): Promise<SchoolOverview[]> {
  if (!schoolIds.length) return [];
  const schools = await db
    .selectFrom('school')
    .select(['id', 'name', 'benchmark_group', 'municipality'])
    .where('id', 'in', [...schoolIds])
    .orderBy('name')
    .execute();
  const lines = await db
    .selectFrom('wave_school')
    .innerJoin('wave', 'wave.id', 'wave_school.wave_id')
    .select([
      'wave.id',
      'wave.name',
      'wave.status',
      'wave.sealed',
      'wave.k',
      'wave.created_at',
      'wave_school.school_id',
      'wave_school.codes_issued',
      'wave_school.codes_handed_out',
    ])
    .where('wave_school.school_id', 'in', [...schoolIds])
    .where('wave.status', '!=', 'draft')
    .orderBy('wave.created_at', 'desc')
    .orderBy('wave.id')
    .execute();
  // While a wave is open its responses are sealed boxes (design §4): counted, never opened.
  const { rows: running } = await sql<{ wave_id: string; school_id: string; n: number }>`
    select r.wave_id, r.school_id, count(*)::int as n from (
      select wave_id, school_id from encrypted_response where school_id in (${sql.join([...schoolIds])})
      union all select wave_id, school_id from response where school_id in (${sql.join([...schoolIds])})) r
    join wave on wave.id = r.wave_id
    where wave.status = 'open'
    group by r.wave_id, r.school_id`.execute(db);
  const runningOf = new Map(running.map((r) => [`${r.wave_id}/${r.school_id}`, Number(r.n)]));
  const out: SchoolOverview[] = [];
  for (const s of schools) {
    const waves: SchoolWaveLine[] = [];
    for (const l of lines.filter((x) => x.school_id === s.id)) {
      const sealed = isSealed(l);
      waves.push({
        waveId: l.id,
        waveName: l.name,
        status: l.status,
        k: l.k,
        codesIssued: l.codes_issued,
        codesHandedOut: l.codes_handed_out,
        respondents: sealed ? (await loadWaveResults(db, l.id)).disclosure.school(s.id).respondents : null,
        runningCount: l.status === 'open' ? (runningOf.get(`${l.id}/${s.id}`) ?? 0) : null,
      });
    }
    out.push({ id: s.id, name: s.name, benchmarkGroup: s.benchmark_group, municipality: s.municipality, waves });
  }
  return out;
}
