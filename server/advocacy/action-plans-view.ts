import type { TFunction } from 'i18next';
import type { Lang } from '../platform/i18n.ts';
import type { ActionCarrier, ActionStatus } from '../db/schema.ts';
import type { Questionnaire } from '../../surveys/schema.ts';
import type { ActionItem } from './action-plans.ts';
import type { SchoolWaveResults } from '../dashboards/school-view.ts';
import type { DashboardView } from '../dashboards/dashboard-view.ts';

/**
 * Action plans as pages, the report and the slides show them (issue 19). The text of an action
 * or note is staff's own and stays plain text here: templates escape it (`<%= %>`), slides write
 * it as text. Numbers beside an earlier action are the dashboard's own trend texts (its view-model,
 * made through disclosure control): nothing here computes a statistic.
 */

export interface ActionView {
  id: string;
  themeId: string;
  themeLabel: string;
  itemLabel: string | null;
  action: string;
  carrier: string;
  /** the due date in words, and as `YYYY-MM-DD` for `<time datetime>` */
  due: string;
  dueIso: string;
  status: ActionStatus;
  statusLabel: string;
  /** oldest first */
  history: Array<{ at: string; atIso: string; statusLabel: string; note: string | null }>;
  /** what the edit form starts from */
  fields: { themeId: string; itemId: string; action: string; carrier: ActionCarrier; carrierLabel: string; due: string };
}

/** An action of an earlier wave beside its theme's course since then ("you said, we did"). */
export interface FollowUpView extends ActionView {
  /** the wave the action was agreed after */
  fromWave: string;
  /** the theme's mean then and now, as the dashboard's trend shows them; null when this wave did not ask the theme */
  then: string | null;
  now: string | null;
  /** each step of the trend since that wave: the dashboard's change text */
  changes: Array<{ waveName: string; change: string; significant: boolean }>;
}

export interface ActionsOnDashboard {
  /** where the plan of this wave is kept */
  planHref: string;
  /** this wave's own plan */
  current: ActionView[];
  /** earlier waves' actions, oldest first, each beside its theme's change since */
  earlier: FollowUpView[];
}

const dayFormats = new Map<Lang, Intl.DateTimeFormat>();
function formatDay(lang: Lang, d: Date): string {
  let f = dayFormats.get(lang);
  if (!f) {
    f = new Intl.DateTimeFormat(lang === 'nl' ? 'nl-BE' : 'en-GB', {
      day: 'numeric',
      month: 'long',
      year: 'numeric',
      timeZone: 'Europe/Brussels',
    });
    dayFormats.set(lang, f);
  }
  return f.format(d);
}
/** A calendar day (`YYYY-MM-DD`) in words; noon UTC is that day in Brussels. */
export const dayInWords = (lang: Lang, day: string) => formatDay(lang, new Date(`${day}T12:00:00Z`));
/** The day in Brussels, `YYYY-MM-DD`. */
const isoDay = (d: Date) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Brussels' }).format(d);

export const carrierText = (t: TFunction, carrier: ActionCarrier, label: string | null) =>
  carrier === 'andere' && label
    ? label
    : label
      ? `${t(`actions.carrier.${carrier}`)} – ${label}`
      : (t(`actions.carrier.${carrier}`) as string);

/** Labels of themes and items, by id, in the reader's language. */
export interface Labels {
  theme(id: string): string;
  item(id: string): string | null;
}

export function labelsOf(questionnaires: readonly Questionnaire[], lang: Lang): Labels {
  const themes = new Map<string, string>();
  const items = new Map<string, string>();
  // The first questionnaire wins (the wave viewed), earlier versions fill in what it lacks.
  for (const q of questionnaires) {
    for (const th of q.themes) {
      if (!themes.has(th.id)) themes.set(th.id, th.label[lang]);
      for (const it of th.items) if (!items.has(it.id)) items.set(it.id, it.label[lang]);
    }
  }
  return { theme: (id) => themes.get(id) ?? id, item: (id) => items.get(id) ?? id };
}

export function actionView(a: ActionItem, labels: Labels, lang: Lang, t: TFunction): ActionView {
  return {
    id: a.id,
    themeId: a.themeId,
    themeLabel: labels.theme(a.themeId),
    itemLabel: a.itemId ? labels.item(a.itemId) : null,
    action: a.action,
    carrier: carrierText(t, a.carrier, a.carrierLabel),
    due: dayInWords(lang, a.due),
    dueIso: a.due,
    status: a.status,
    statusLabel: t(`actions.status.${a.status}`),
    history: a.notes.map((n) => ({
      at: formatDay(lang, n.at),
      atIso: isoDay(n.at),
      statusLabel: t(`actions.status.${n.status}`),
      note: n.note,
    })),
    fields: {
      themeId: a.themeId,
      itemId: a.itemId ?? '',
      action: a.action,
      carrier: a.carrier,
      carrierLabel: a.carrierLabel ?? '',
      due: a.due,
    },
  };
}

/**
 * The actions a dashboard, report and slides show: this wave's plan, and every earlier wave's
 * actions beside the theme's course since that wave — the trend texts of the dashboard's own
 * view-model (`view.themes[].trend`, one per wave of `data.themes[].trendWaves`).
 */
export function actionsOnDashboard(
  data: SchoolWaveResults,
  view: DashboardView,
  actions: readonly ActionItem[],
  lang: Lang,
  t: TFunction,
): ActionsOnDashboard {
  const labels = labelsOf([data.results.questionnaire], lang);
  const waves = data.themes[0]?.trendWaves ?? [];
  const current = actions.filter((a) => a.waveId === view.waveId).map((a) => actionView(a, labels, lang, t));
  const earlier = actions
    .filter((a) => a.waveId !== view.waveId)
    .flatMap((a): FollowUpView[] => {
      const from = waves.findIndex((w) => w.id === a.waveId);
      if (from < 0) return [];
      const th = view.themes.find((x) => x.id === a.themeId);
      const base = { ...actionView(a, labels, lang, t), fromWave: waves[from]!.name };
      if (!th) return [{ ...base, then: null, now: null, changes: [] }];
      return [
        {
          ...base,
          then: th.trend[from]!.mean,
          now: th.trend[th.trend.length - 1]!.mean,
          changes: th.trend
            .slice(from + 1)
            .map((step) => ({ waveName: step.waveName, change: step.change || t('actions.noChange'), significant: step.significant })),
        },
      ];
    });
  return { planHref: `/schools/${view.schoolId}/waves/${view.waveId}/actions`, current, earlier };
}
