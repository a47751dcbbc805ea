import type { Kysely } from 'kysely';
import { isSealed, sealedWavesAround } from '../waves.ts';
import type { Database } from '../db/schema.ts';
import { summaryOfAtLeast, type Disclosed, type GroupReport, type Summary } from '../../analysis/index.ts';
import { HttpProblem } from '../platform/problems.ts';
import { groupResults, loadWaveResults, type WaveResults } from '../results/wave-results.ts';
import { shownCommentThemes } from './moderation.ts';

/** What the admin's network view shows for one sealed wave, still as `Disclosed` values. */
export interface NetworkResults {
  results: WaveResults;
  network: Disclosed<GroupReport>;
  groups: Array<{ id: string; report: Disclosed<GroupReport>; schools: number }>;
  schools: Array<{
    id: string;
    name: string;
    benchmarkGroup: string;
    codesIssued: number;
    codesHandedOut: number | null;
    respondents: Disclosed<number>;
    /** theme summaries in layout order, released only for reportable schools */
    themes: Disclosed<Summary[]>;
  }>;
  /** the network per theme over the sealed waves of this questionnaire key, oldest first */
  history: Array<{ id: string; name: string; network: Disclosed<GroupReport> }>;
  /** per theme (layout order), how many shown comments concern it across the network (issue 19) */
  commentThemes: Disclosed<number[]>;
}

export async function networkResults(db: Kysely<Database>, waveId: string): Promise<NetworkResults> {
  const results = await loadWaveResults(db, waveId);
  if (!isSealed(results.wave)) throw new HttpProblem(409, 'network.notSealed');
  const d = results.disclosure;
  const network = await groupResults(db, results, d.network());
  const groupIds = [...new Set([...results.schools.values()].map((s) => s.benchmarkGroup))].sort();
  const groups = [];
  for (const id of groupIds) {
    const g = d.benchmarkGroup(id);
    groups.push({ id, report: await groupResults(db, results, g), schools: g.schoolIds.length });
  }
  const schools = [...results.schools.values()]
    .sort((a, b) => a.benchmarkGroup.localeCompare(b.benchmarkGroup) || a.name.localeCompare(b.name))
    .map((s) => {
      const group = d.school(s.id);
      const scores = s.themeScores!;
      const themes = results.layout.themes.map((_, ti) => summaryOfAtLeast(scores[ti]!, results.wave.k));
      return {
        id: s.id,
        name: s.name,
        benchmarkGroup: s.benchmarkGroup,
        codesIssued: s.codesIssued,
        codesHandedOut: s.codesHandedOut,
        respondents: group.respondents,
        themes: d.release(group, themes),
      };
    });

  const waves = await sealedWavesAround(db, { id: waveId, key: results.questionnaire.id }, 'through');
  const history = [];
  for (const w of waves) {
    const r = w.id === waveId ? results : await loadWaveResults(db, w.id);
    history.push({ id: w.id, name: w.name, network: w.id === waveId ? network : await groupResults(db, r, r.disclosure.network()) });
  }
  const commentThemes = d.networkCommentThemes(
    await shownCommentThemes(db, waveId),
    results.layout.themes.map((t) => t.id),
  );
  return { results, network, groups, schools, history, commentThemes };
}

/** Theme means of reportable schools: what the spread per theme is taken over. */
export function reportableMeans(n: NetworkResults, themeIndex: number): number[] {
  return n.schools.flatMap((s) => {
    if (s.themes.kind !== 'value') return [];
    const m = s.themes.value[themeIndex]!.mean;
    return m.ok ? [m.value] : [];
  });
}
