import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Disclosed, Summary } from '../../analysis/index.ts';
import { actionFollowUp, type FollowUp, type FollowUpAction, type SchoolThemeResults } from '../../analysis/action-follow-up.ts';
import { HttpProblem } from '../platform/problems.ts';
import { isSealed, sealedWavesAround } from '../waves.ts';
import { loadWaveResults, schoolThemeSummaries, type WaveResults } from '../results/wave-results.ts';
import type { Questionnaire } from '../../surveys/schema.ts';

/**
 * The network's advocacy view of one sealed wave (issue 19), for admins: what reps agreed after it
 * and how the themes moved by the next sealed wave of the same questionnaire key. Reads only
 * themes, statuses and dates of action plans — never what an action or note says — and results
 * through each wave's own disclosure (the dashboard's trend summaries, `school-view.ts`).
 */

export interface SealedWave {
  id: string;
  name: string;
}

export interface NetworkAdvocacy {
  wave: SealedWave;
  questionnaire: Questionnaire;
  /** the next sealed wave of the questionnaire key; null when there is none yet */
  next: (SealedWave & { sealedAt: Date | null }) | null;
  /** schools a group mean needs (the larger k of the two waves) */
  minSchools: number;
  followUp: FollowUp;
}

/** Every sealed wave, newest first: what the page offers to pick from. */
export async function sealedWaves(db: Kysely<Database>): Promise<SealedWave[]> {
  return db
    .selectFrom('wave')
    .select(['id', 'name'])
    .where('status', '=', 'closed')
    .where('sealed', '=', true)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
}

/** The first sealed wave of the questionnaire key created after this one. */
async function nextWave(db: Kysely<Database>, results: WaveResults): Promise<SealedWave | null> {
  const [next] = await sealedWavesAround(db, { id: results.wave.id, key: results.questionnaire.id }, 'after');
  return next ?? null;
}

/**
 * When a wave was sealed: its close is audited in the sealing transaction itself (admin console,
 * command line), and the wave table keeps no such time. A wave sealed without an actor (the demo)
 * has no entry: null, and "done by then" falls back to the status today.
 */
async function sealedAt(db: Kysely<Database>, waveId: string): Promise<Date | null> {
  const row = await db
    .selectFrom('audit_log')
    .select((eb) => eb.fn.min('at').as('at'))
    .where('action', '=', 'wave.close')
    .where((eb) => eb.or([eb('target', '=', `wave:${waveId}`), eb('target', 'like', `wave:${waveId} %`)]))
    .executeTakeFirst();
  return row?.at ? new Date(row.at) : null;
}

/** The actions of a wave, themes and statuses only: the text columns are never selected. */
async function actionsOf(db: Kysely<Database>, waveId: string): Promise<FollowUpAction[]> {
  const [items, notes] = await Promise.all([
    db
      .selectFrom('action_plan_item')
      .select(['id', 'school_id', 'theme_id', 'status'])
      .where('wave_id', '=', waveId)
      .orderBy('id')
      .execute(),
    db
      .selectFrom('action_plan_note')
      .innerJoin('action_plan_item', 'action_plan_item.id', 'action_plan_note.item_id')
      .select(['action_plan_note.item_id', 'action_plan_note.status', 'action_plan_note.at'])
      .where('action_plan_item.wave_id', '=', waveId)
      .orderBy('action_plan_note.at')
      .orderBy('action_plan_note.id')
      .execute(),
  ]);
  const history = new Map<string, FollowUpAction['history'][number][]>();
  for (const n of notes) history.set(n.item_id, [...(history.get(n.item_id) ?? []), { status: n.status, at: n.at }]);
  return items.map((i) => ({ schoolId: i.school_id, themeId: i.theme_id, status: i.status, history: history.get(i.id) ?? [] }));
}

/** A school's theme summaries on `themeIds` (matched by id), released or suppressed as that wave decided. */
function schoolThemes(results: WaveResults, schoolId: string, themeIds: readonly string[]): Map<string, Disclosed<Summary>> {
  const group = results.disclosure.school(schoolId);
  const summaries = schoolThemeSummaries(results, schoolId, themeIds);
  return new Map(themeIds.map((id, i) => [id, results.disclosure.release(group, summaries[i]!)]));
}

export async function networkAdvocacy(db: Kysely<Database>, waveId: string): Promise<NetworkAdvocacy> {
  // Checked first: an open wave's results are never computed for this page.
  const wave = await db.selectFrom('wave').select(['status', 'sealed']).where('id', '=', waveId).executeTakeFirst();
  if (!wave || !isSealed(wave)) throw new HttpProblem(404, 'advocacy.error.noWave');
  const results = await loadWaveResults(db, waveId);
  const [next, actions] = await Promise.all([nextWave(db, results), actionsOf(db, waveId)]);
  const [later, closed] = next ? await Promise.all([loadWaveResults(db, next.id), sealedAt(db, next.id)]) : [null, null];
  const themeIds = results.layout.themes.map((t) => t.id);
  const schoolResults: SchoolThemeResults[] = later
    ? [...results.schools.keys()].map((id) => ({
        schoolId: id,
        then: schoolThemes(results, id, themeIds),
        now: later.schools.has(id) ? schoolThemes(later, id, themeIds) : null,
      }))
    : [];
  const minSchools = Math.max(results.wave.k, later?.wave.k ?? 0);
  return {
    wave: { id: results.wave.id, name: results.wave.name },
    questionnaire: results.questionnaire,
    next: next && { ...next, sealedAt: closed },
    minSchools,
    followUp: actionFollowUp({
      themeIds,
      actions,
      next: later ? { sealedAt: closed, kThen: results.wave.k, kNow: later.wave.k } : null,
      results: schoolResults,
      minSchools,
    }),
  };
}
