import type { Disclosed } from './disclosure.ts';
import { ok, unavailable, type Stat } from './stat.ts';
import type { Summary } from './summarize.ts';
import { trend } from './trend.ts';

/**
 * The network's follow-up of action plans for one sealed wave W (issue 19), per theme: how many
 * schools agreed actions, how many of those actions were done by the next sealed wave of the
 * questionnaire key, how often reps raised the theme, and how the theme's mean moved from W to the next wave
 * in schools with an agreed action compared with schools without any action on it. Descriptive
 * only: schools choose their actions where a theme is weak, so no difference here is an effect.
 *
 * Only released values enter a mean: a school counts when its own disclosure in both waves released
 * it and the theme's mean, and when the dashboard would show the change too (`trend`'s
 * `small-change` rule: the two n differ by 0 or at least k). A group mean needs at least `k` schools.
 */

export type FollowUpStatus = 'proposed' | 'agreed' | 'in_progress' | 'done' | 'dropped';

/** What the LOC agreed on and is carrying out: counted as an action taken. */
export const AGREED: ReadonlySet<FollowUpStatus> = new Set(['agreed', 'in_progress', 'done']);

export interface FollowUpAction {
  schoolId: string;
  themeId: string;
  /** the status today */
  status: FollowUpStatus;
  /** every status change, any order */
  history: ReadonlyArray<{ status: FollowUpStatus; at: Date }>;
}

export interface SchoolThemeResults {
  schoolId: string;
  /** theme id → the school's theme summary as wave W released it */
  then: ReadonlyMap<string, Disclosed<Summary>>;
  /** the same in the next wave (themes matched by id); null when the school was not in it */
  now: ReadonlyMap<string, Disclosed<Summary>> | null;
}

export interface FollowUpInput {
  /** the themes of W's questionnaire, in its order */
  themeIds: readonly string[];
  actions: readonly FollowUpAction[];
  /** null: no sealed wave of the questionnaire key after W yet */
  next: {
    /** when the next wave was sealed; null when not known (then the status today counts) */
    sealedAt: Date | null;
    /** k of W and of the next wave: the small-change rule between them */
    kThen: number;
    kNow: number;
  } | null;
  /** every school of W (with no next wave, nothing of these is used) */
  results: readonly SchoolThemeResults[];
  /** schools a group mean needs at least */
  minSchools: number;
}

export interface GroupChange {
  /** schools whose change is known (released in both waves) */
  schools: number;
  /** mean of (theme mean in the next wave − in W) over them; `few-schools` below the minimum, `no-previous` without a next wave */
  meanChange: Stat;
}

export interface ThemeFollowUp {
  themeId: string;
  /** actions of W on the theme, whatever their status */
  raised: number;
  /** schools with an agreed action on it */
  schoolsAgreed: number;
  /** agreed actions (agreed, in progress or done today) */
  agreed: number;
  /** of those, done when the next wave was sealed; null without a next wave */
  doneByNext: number | null;
  withActions: GroupChange;
  withoutActions: GroupChange;
}

export interface FollowUp {
  themes: ThemeFollowUp[];
  /** theme ids by actions raised, most first (ties in questionnaire order); themes never raised left out */
  mostRaised: string[];
}

/**
 * The status an action had at `at`: its last change not after it; null when it was written later
 * (it did not exist yet). With `at` null, the status today.
 */
export function statusAt(action: FollowUpAction, at: Date | null): FollowUpStatus | null {
  if (at === null) return action.status;
  let last: { status: FollowUpStatus; at: Date } | null = null;
  for (const h of action.history) if (h.at.getTime() <= at.getTime() && (!last || h.at.getTime() >= last.at.getTime())) last = h;
  return last?.status ?? null;
}

/** The change of a theme's mean in one school, when both waves released it and the dashboard would show the step. */
export function releasedChange(
  then: Disclosed<Summary> | undefined,
  now: Disclosed<Summary> | undefined,
  kThen: number,
  kNow: number,
): number | null {
  if (then?.kind !== 'value' || now?.kind !== 'value') return null;
  const [a, b] = [then.value, now.value];
  if (!a.mean.ok || !b.mean.ok) return null;
  const step = trend([
    { waveId: 'then', summary: a, k: kThen },
    { waveId: 'now', summary: b, k: kNow },
  ])[1]!;
  if (!step.change.ok && step.change.reason === 'small-change') return null;
  return b.mean.value - a.mean.value;
}

function groupChange(changes: readonly number[], input: FollowUpInput): GroupChange {
  if (!input.next) return { schools: 0, meanChange: unavailable('no-previous') };
  if (changes.length < input.minSchools || changes.length === 0) return { schools: changes.length, meanChange: unavailable('few-schools') };
  return { schools: changes.length, meanChange: ok(changes.reduce((s, x) => s + x, 0) / changes.length) };
}

export function actionFollowUp(input: FollowUpInput): FollowUp {
  if (!Number.isInteger(input.minSchools) || input.minSchools < 1)
    throw new RangeError(`minSchools must be an integer ≥ 1, got ${input.minSchools}`);
  const themes = input.themeIds.map((themeId): ThemeFollowUp => {
    const onTheme = input.actions.filter((a) => a.themeId === themeId);
    const agreed = onTheme.filter((a) => AGREED.has(a.status));
    const agreedSchools = new Set(agreed.map((a) => a.schoolId));
    const anyAction = new Set(onTheme.map((a) => a.schoolId));
    const withChanges: number[] = [];
    const withoutChanges: number[] = [];
    if (input.next) {
      for (const r of input.results) {
        const inWith = agreedSchools.has(r.schoolId);
        // Schools with only proposed or dropped actions belong to neither group.
        if (!inWith && anyAction.has(r.schoolId)) continue;
        const change = releasedChange(r.then.get(themeId), r.now?.get(themeId), input.next.kThen, input.next.kNow);
        if (change !== null) (inWith ? withChanges : withoutChanges).push(change);
      }
    }
    return {
      themeId,
      raised: onTheme.length,
      schoolsAgreed: agreedSchools.size,
      agreed: agreed.length,
      doneByNext: input.next ? agreed.filter((a) => statusAt(a, input.next!.sealedAt) === 'done').length : null,
      withActions: groupChange(withChanges, input),
      withoutActions: groupChange(withoutChanges, input),
    };
  });
  const mostRaised = themes
    .map((t, i) => ({ t, i }))
    .filter(({ t }) => t.raised > 0)
    .sort((a, b) => b.t.raised - a.t.raised || a.i - b.i)
    .map(({ t }) => t.themeId);
  return { themes, mostRaised };
}
