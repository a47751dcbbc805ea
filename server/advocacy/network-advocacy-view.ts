import type { TFunction } from 'i18next';
import { formatNumber, type Lang } from '../platform/i18n.ts';
import type { Stat } from '../../analysis/index.ts';
import type { GroupChange } from '../../analysis/action-follow-up.ts';
import type { NetworkAdvocacy, SealedWave } from './network-advocacy.ts';
import type { Cell } from '../research/csv.ts';
import type { Column } from '../research/columns.ts';

/**
 * The advocacy view as the page and its CSV show it (issue 19): theme labels, counts and the
 * group means `actionFollowUp` released, in words. Nothing here reads an action's text.
 */

export interface AdvocacyView {
  waves: Array<SealedWave & { selected: boolean }>;
  waveId: string;
  waveName: string;
  nextName: string | null;
  /** the next wave's sealing moment is unknown: "done" is today's status */
  doneToday: boolean;
  minSchools: number;
  rows: Array<{ theme: string; raised: number; schoolsAgreed: number; agreed: number; done: string }>;
  mostRaised: Array<{ theme: string; raised: number }>;
  /** null without a next wave */
  changes: Array<{ theme: string; withActions: ChangeText; withoutActions: ChangeText }> | null;
}

interface ChangeText {
  schools: string;
  change: string;
}

const signed = (lang: Lang, x: number) => (x > 0 ? '+' : '') + formatNumber(lang, x, 2);

function changeText(g: GroupChange, lang: Lang, t: TFunction): ChangeText {
  return { schools: formatNumber(lang, g.schools, 0), change: g.meanChange.ok ? signed(lang, g.meanChange.value) : t('advocacy.tooFew') };
}

export function advocacyView(data: NetworkAdvocacy, waves: readonly SealedWave[], lang: Lang, t: TFunction): AdvocacyView {
  const label = new Map(data.questionnaire.themes.map((th) => [th.id, th.label[lang]]));
  const theme = (id: string) => label.get(id) ?? id;
  const { themes, mostRaised } = data.followUp;
  return {
    waves: waves.map((w) => ({ ...w, selected: w.id === data.wave.id })),
    waveId: data.wave.id,
    waveName: data.wave.name,
    nextName: data.next?.name ?? null,
    doneToday: data.next !== null && data.next.sealedAt === null,
    minSchools: data.minSchools,
    rows: themes.map((r) => ({
      theme: theme(r.themeId),
      raised: r.raised,
      schoolsAgreed: r.schoolsAgreed,
      agreed: r.agreed,
      done: r.doneByNext === null ? t('advocacy.noNextWave') : formatNumber(lang, r.doneByNext, 0),
    })),
    mostRaised: mostRaised.map((id) => ({ theme: theme(id), raised: themes.find((r) => r.themeId === id)!.raised })),
    changes: data.next
      ? themes.map((r) => ({
          theme: theme(r.themeId),
          withActions: changeText(r.withActions, lang, t),
          withoutActions: changeText(r.withoutActions, lang, t),
        }))
      : null,
  };
}

export const ADVOCACY_COLUMNS: readonly Column[] = [
  { name: 'theme_id', type: 'string', description: 'the theme id of the questionnaire' },
  { name: 'theme', type: 'string', description: 'the theme label in the reader’s language' },
  { name: 'actions_raised', type: 'integer', description: 'actions of the wave on the theme, any status' },
  { name: 'schools_agreed', type: 'integer', description: 'schools with an agreed, in-progress or done action on the theme' },
  { name: 'actions_agreed', type: 'integer', description: 'agreed, in-progress or done actions' },
  { name: 'actions_done_by_next', type: 'integer', description: 'of those, done by the next sealed wave; empty without one' },
  {
    name: 'done_as_of',
    type: 'string',
    description: '`next_wave_sealed`, or `today` when the next wave’s sealing moment is not recorded; empty without a next wave',
  },
  { name: 'schools_with_action', type: 'integer', description: 'schools with an agreed action and the theme released in both waves' },
  { name: 'change_with_action', type: 'number', description: 'their mean change of the theme mean; empty with too few schools' },
  {
    name: 'schools_without_action',
    type: 'integer',
    description: 'schools without any action on the theme and the theme released in both waves',
  },
  { name: 'change_without_action', type: 'number', description: 'their mean change of the theme mean; empty with too few schools' },
];

const value = (s: Stat) => (s.ok ? s.value : null);

/** The CSV's rows, one per theme, in questionnaire order (`csvChunks` escapes formulas in text cells). */
export function advocacyRows(data: NetworkAdvocacy, lang: Lang): Cell[][] {
  const label = new Map(data.questionnaire.themes.map((th) => [th.id, th.label[lang]]));
  return data.followUp.themes.map((r) => [
    r.themeId,
    label.get(r.themeId) ?? r.themeId,
    r.raised,
    r.schoolsAgreed,
    r.agreed,
    r.doneByNext,
    data.next ? (data.next.sealedAt ? 'next_wave_sealed' : 'today') : null,
    data.next ? r.withActions.schools : null,
    value(r.withActions.meanChange),
    data.next ? r.withoutActions.schools : null,
    value(r.withoutActions.meanChange),
  ]);
}
