import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { loadWaveResults } from './wave-results.ts';
import { loadFrozenWave } from './frozen-wave.ts';

/** A count on the admin's wave page: the number, or why it is not shown. */
export type ShownCount = number | string;

export interface ParticipantLine {
  id: string;
  name: string;
  benchmarkGroup: string;
  staffCount: number;
  codesIssued: number;
  codesHandedOut: number | null;
  codesSpent: ShownCount;
  responses: ShownCount;
}

/**
 * The participants of a sealed wave as the admin's wave page shows them (design §5, R1, issue 15):
 * from the copy frozen at sealing, and with every count of used codes and responses below k as
 * "fewer than k", as on every other output of the wave — an open wave's running counts stay
 * exact. A total would give away the small schools together (total − shown schools), so a total
 * whose hidden part has 1..k−1 is withheld as well.
 */
export async function sealedParticipants(
  db: Kysely<Database>,
  waveId: string,
  text: { fewer: string; withheld: string },
): Promise<{ participants: ParticipantLine[]; totals: { staff: number; issued: number; spent: ShownCount; responses: ShownCount } }> {
  const [results, frozen] = await Promise.all([loadWaveResults(db, waveId), loadFrozenWave(db, waveId)]);
  if (!frozen) throw new Error(`sealed wave ${waveId} has no frozen disclosure inputs`);
  const k = results.wave.k;
  const schools = frozen.schools;
  let hidden = 0;
  const participants = schools.map((s): ParticipantLine => {
    const shown = results.disclosure.school(s.id).respondents.kind === 'value';
    if (!shown) hidden += s.respondents;
    const count = (n: number): ShownCount => (shown && n >= k ? n : n === 0 ? 0 : text.fewer);
    return {
      id: s.id,
      name: s.name,
      benchmarkGroup: s.benchmarkGroup,
      staffCount: s.staffCount,
      codesIssued: s.codesIssued,
      codesHandedOut: s.codesHandedOut,
      codesSpent: count(s.codesSpent),
      responses: count(s.respondents),
    };
  });
  participants.sort((a, b) =>
    a.name.toLowerCase() < b.name.toLowerCase() ? -1 : a.name.toLowerCase() > b.name.toLowerCase() ? 1 : a.id < b.id ? -1 : 1,
  );
  const total = (f: (s: (typeof schools)[number]) => number): ShownCount => {
    const sum = schools.reduce((a, s) => a + f(s), 0);
    return hidden > 0 && hidden < k ? text.withheld : sum < k && sum > 0 ? text.fewer : sum;
  };
  return {
    participants,
    totals: {
      staff: schools.reduce((a, s) => a + s.staffCount, 0),
      issued: schools.reduce((a, s) => a + s.codesIssued, 0),
      spent: total((s) => s.codesSpent),
      responses: total((s) => s.respondents),
    },
  };
}
