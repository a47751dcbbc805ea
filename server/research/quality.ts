import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { QualityAccumulator, instrumentQualitySteps, type Disclosed, type InstrumentQuality, type Rule } from '../../analysis/index.ts';
import type { WaveResults } from '../results/wave-results.ts';
import { SealedWaveCache } from '../results/sealed-wave-cache.ts';

/**
 * The instrument quality report of a sealed wave (issue 20), at network level only: computed from
 * the responses of exactly the schools the wave's disclosure put in its network group, and only when
 * that group is released, so the report describes no set of respondents the other outputs do not.
 */
export interface QualityReport {
  respondents: Disclosed<number>;
  /** the rule that withheld the network group, or null when it is released */
  withheld: Rule | null;
  /** null when withheld */
  quality: InstrumentQuality | null;
}

/** Schools per query: ~9,000 responses of a network wave, parsed in one go. */
const SCHOOL_BATCH = 200;
/** Responses added between turns of the event loop (~3 ms of arithmetic for 40 items). */
const SLICE = 1_000;

export async function computeQuality(db: Kysely<Database>, results: WaveResults): Promise<QualityReport> {
  const network = results.disclosure.network();
  if (!network.released) return { respondents: network.respondents, withheld: network.rule ?? 'R1', quality: null };
  const acc = new QualityAccumulator(results.layout);
  const schools = network.schoolIds;
  for (let s = 0; s < schools.length; s += SCHOOL_BATCH) {
    const rows = await db
      .selectFrom('response')
      .select('answers')
      .where('wave_id', '=', results.wave.id)
      .where('school_id', 'in', schools.slice(s, s + SCHOOL_BATCH))
      .execute();
    for (let i = 0; i < rows.length; i += SLICE) {
      for (const r of rows.slice(i, i + SLICE)) acc.add(r.answers);
      await nextTurn();
    }
  }
  // The CFA of a network wave takes ~0.5 s: a turn for other requests after each of its iterations.
  const steps = instrumentQualitySteps(acc.sums(), results.layout, results.wave.k);
  for (;;) {
    const step = steps.next();
    if (step.done) return { respondents: network.respondents, withheld: null, quality: step.value };
    await nextTurn();
  }
}

/** A report is a few kB (numbers per item and theme, never sums or responses). */
const reports = new SealedWaveCache<QualityReport>({ entries: 16 });

/** The sealed wave's report, computed once per process. */
export function qualityReport(db: Kysely<Database>, results: WaveResults): Promise<QualityReport> {
  return reports.get(results.wave.id, () => computeQuality(db, results));
}
