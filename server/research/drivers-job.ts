import { keyDriverAnalysis, type DriverRefusal, type DriverRow, type KeyDriverAnalysis } from '../../analysis/index.ts';

/**
 * The arithmetic of a wave's driver analyses, as one job for a worker thread (drivers-worker.ts): the
 * respondents packed as `readDriverRespondents` leaves them, and per group which schools count and
 * the bootstrap seed of each outcome. Plain data in, plain data out (structured clone).
 */
export interface DriverJob {
  /** per respondent `width` numbers: theme scores, then recoded outcomes; NaN = missing */
  values: Float64Array;
  /** per respondent, its school's index */
  school: Uint32Array;
  count: number;
  width: number;
  themes: number;
  groups: Array<{ member: Uint8Array; seeds: number[] }>;
  resamples: number;
}

export type DriverResult = KeyDriverAnalysis | DriverRefusal;

/** One group's rows for one outcome: one row object, refilled (the analysis keeps nothing of it). */
function* groupRows(job: DriverJob, member: Uint8Array, outcome: number): Generator<DriverRow> {
  const { values, school, width, themes } = job;
  const scores: (number | null)[] = new Array<number | null>(themes).fill(null);
  const row = { outcome: null as number | null, scores };
  for (let i = 0; i < job.count; i++) {
    if (!member[school[i]!]) continue;
    const at = i * width;
    for (let t = 0; t < themes; t++) {
      const x = values[at + t]!;
      scores[t] = Number.isNaN(x) ? null : x;
    }
    const y = values[at + themes + outcome]!;
    row.outcome = Number.isNaN(y) ? null : y;
    yield row;
  }
}

/** Per group, per outcome: `keyDriverAnalysis` with the group's seed for that outcome. */
export function analyseGroups(job: DriverJob): DriverResult[][] {
  return job.groups.map((g) =>
    g.seeds.map((seed, outcome) => keyDriverAnalysis(groupRows(job, g.member, outcome), job.themes, { seed, resamples: job.resamples })),
  );
}
