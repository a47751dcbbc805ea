import type { TFunction } from 'i18next';
import type { Lang } from '../platform/i18n.ts';
import type { ActionItem } from './action-plans.ts';
import type { SchoolWaveResults } from '../dashboards/school-view.ts';
import { dashboardView, type DashboardView, type ThemeView } from '../dashboards/dashboard-view.ts';
import { actionsOnDashboard } from './action-plans-view.ts';

/**
 * The staff summary of a sealed wave (issue 19): one page for a school's staff, made from the
 * dashboard's own view-model (`dashboardView`, through disclosure control) and nothing else. Every
 * number on it is a text the rep's dashboard shows; this module only picks and orders released
 * values (themes by their released mean), and says once in plain words what is withheld.
 */

export interface SummaryTheme {
  id: string;
  label: string;
  /** "% favourable" as the dashboard shows it, or null when that is not available */
  favourable: string | null;
  mean: string;
}

export interface StaffSummaryView {
  schoolName: string;
  waveName: string;
  /** the whole school is withheld (fewer than k respondents, …): the reason, said once; nothing else is shown */
  withheld: string | null;
  /** the response rate in a sentence, as the dashboard says it */
  participation: string | null;
  strongest: SummaryTheme[];
  weakest: SummaryTheme[];
  /** themes without a released score: how many and why, once */
  themesNote: string | null;
  changes: {
    /** the school's previous wave, or null when this is its first */
    previousWave: string | null;
    /** themes that changed clearly (significant), as the dashboard's trend says */
    lines: Array<{ label: string; change: string; up: boolean }>;
    /** a sentence about the changes (none clear, first wave, …) */
    text: string;
  };
  actions: Array<{ themeLabel: string; action: string; carrier: string; due: string; dueIso: string; statusLabel: string; status: string }>;
}

/** The statuses of actions that were agreed (proposed and dropped points stay on the rep's plan page). */
const AGREED = new Set(['agreed', 'in_progress', 'done']);
/** How many themes each list names at most. */
export const TOP = 3;

const themeLine = (th: ThemeView): SummaryTheme => ({
  id: th.id,
  label: th.label,
  favourable: th.favourable.value === null ? null : th.favourable.text,
  mean: th.mean.text,
});

/** The summary from the dashboard's view-model and this wave's plan. */
export function staffSummaryView(data: SchoolWaveResults, actions: readonly ActionItem[], lang: Lang, t: TFunction): StaffSummaryView {
  const view: DashboardView = dashboardView(data, lang, t);
  const plan = actionsOnDashboard(data, view, actions, lang, t);
  const agreed = plan.current
    .filter((a) => AGREED.has(a.status))
    .map((a) => ({
      themeLabel: a.themeLabel,
      action: a.action,
      carrier: a.carrier,
      due: a.due,
      dueIso: a.dueIso,
      statusLabel: a.statusLabel,
      status: a.status,
    }));
  const base = { schoolName: view.schoolName, waveName: view.waveName, actions: agreed };

  if (view.suppressedSchool !== null) {
    return {
      ...base,
      withheld: t('staffSummary.withheld', { reason: view.suppressedSchool }),
      participation: null,
      strongest: [],
      weakest: [],
      themesNote: null,
      changes: { previousWave: null, lines: [], text: '' },
    };
  }

  const codes = view.codesHandedOut ?? view.codesIssued;
  const participation = t(view.codesHandedOut === null ? 'report.responseRatePrinted' : 'report.responseRate', {
    respondents: view.respondents.text,
    codes,
    rate: view.rate.text,
  });

  // Released themes, highest released mean first (the questionnaire's order among equals).
  const released = view.themes
    .map((th, i) => ({ th, i }))
    .filter(({ th }) => th.mean.value !== null)
    .sort((a, b) => b.th.mean.value! - a.th.mean.value! || a.i - b.i)
    .map(({ th }) => th);
  const per = Math.min(TOP, Math.floor(released.length / 2));
  const strongest = released.slice(0, per).map(themeLine);
  const weakest = released
    .slice(released.length - per)
    .reverse()
    .map(themeLine);
  const unreleased = view.themes.filter((th) => th.mean.value === null);
  const reasons = [...new Set(unreleased.map((th) => th.mean.text))];
  const themesNote = !unreleased.length
    ? per === 0
      ? t('staffSummary.tooFewThemes')
      : null
    : t('staffSummary.themesWithheld', { count: unreleased.length, reason: reasons.join('; ') });

  // What changed since the school's previous wave: the dashboard's own change texts, clear ones only.
  const steps = view.themes[0]?.trend ?? [];
  const previousWave = steps.length >= 2 ? steps[steps.length - 2]!.waveName : null;
  const lines = previousWave
    ? view.themes.flatMap((th) => {
        const last = th.trend[th.trend.length - 1];
        return last && last.significant ? [{ label: th.label, change: last.change, up: last.change.startsWith('+') }] : [];
      })
    : [];
  const text = !previousWave
    ? t('staffSummary.firstWave')
    : lines.length
      ? t('staffSummary.changed', { wave: previousWave })
      : t('staffSummary.noClearChange', { wave: previousWave });

  return { ...base, withheld: null, participation, strongest, weakest, themesNote, changes: { previousWave, lines, text } };
}
