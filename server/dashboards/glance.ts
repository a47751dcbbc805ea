import type { TFunction } from 'i18next';
import { glance, type Unsaid } from '../../analysis/index.ts';
import type { SchoolWaveResults } from './school-view.ts';
import type { Formatter } from '../results/format.ts';

/** One sentence of "at a glance": its words, then the themes it is about, each linking to its detail. */
export interface GlanceSentence {
  text: string;
  themes: Array<{ id: string; label: string; value: string | null }>;
}

export interface GlanceView {
  sentences: GlanceSentence[];
  /** what "clearly" and "significant" mean, said once */
  note: string | null;
}

/**
 * The first thing on a school's dashboard and report (issue 17): in sentences, the themes that
 * clearly differ from the benchmark group, the largest changes since the previous wave, and the
 * response rate. What cannot be said is said once per reason, not once per theme.
 */
export function glanceView(
  data: SchoolWaveResults,
  t: TFunction,
  fmt: Formatter,
  labels: ReadonlyMap<string, string>,
  benchmarkName: string,
  /** `rate` and `target` in percent */
  participation: { text: string; rate: number | null; target: number },
): GlanceView {
  const sentences: GlanceSentence[] = [];
  const say = (text: string, themes: GlanceSentence['themes'] = []) => sentences.push({ text, themes });
  // A withheld school's count and rate read as its reason: said once, in its own sentence.
  if (data.school.kind === 'suppressed') {
    say(t('dashboard.glance.suppressed', { reason: fmt.reason(data.school.rule) }));
    return { sentences, note: null };
  }
  say(participation.text);
  const { rate, target } = participation;
  if (rate !== null && rate < target) say(t('dashboard.glance.lowRate', { target: `${target} %` }));
  const benchmark = t('dashboard.glance.group', { name: benchmarkName });
  const signed = (x: number) => `${x > 0 ? '+' : x < 0 ? '−' : ''}${fmt.plain(Math.abs(x))}`;
  const theme = (id: string, value: string | null = null) => ({ id, label: labels.get(id) ?? id, value });
  const why = (u: Unsaid) => ('rule' in u ? fmt.reason(u.rule) : t(`stat.${u.reason}`, { k: fmt.k }));

  const g = glance(data.themes.map((th) => ({ themeId: th.themeId, comparison: th.comparison, trend: th.trend })));
  if (g.strengths.length > 0)
    say(
      t('dashboard.glance.strengths', { benchmark }),
      g.strengths.map((s) => theme(s.themeId, signed(s.difference))),
    );
  if (g.concerns.length > 0)
    say(
      t('dashboard.glance.concerns', { benchmark }),
      g.concerns.map((s) => theme(s.themeId, signed(s.difference))),
    );
  const differ = g.strengths.length + g.concerns.length;
  if (differ === 0 && g.alike.length > 0) say(t('dashboard.glance.noneDiffer', { benchmark }));
  else if (g.alike.length > 0) say(t('dashboard.glance.alike', { count: g.alike.length, benchmark }));
  for (const group of g.notCompared) {
    const all = group.themeIds.length === data.themes.length;
    say(
      t('dashboard.glance.notCompared', { count: group.themeIds.length, benchmark, reason: why(group.why) }),
      all ? [] : group.themeIds.map((id) => theme(id)),
    );
  }
  if (!g.hasPrevious) say(t('dashboard.onlyOne'));
  else {
    const trendWaves = data.themes[0]!.trendWaves;
    const previous = trendWaves[trendWaves.length - 2]!.name;
    if (g.changes.length > 0) {
      say(
        t('dashboard.glance.changes', { wave: previous }),
        g.changes.map((c) =>
          theme(
            c.themeId,
            `${signed(c.difference)}, ${t(c.significant ? 'dashboard.glance.significant' : 'dashboard.glance.notSignificant')}`,
          ),
        ),
      );
    }
    for (const group of g.notChanged) {
      const all = group.themeIds.length === data.themes.length;
      say(
        t('dashboard.glance.notChanged', { count: group.themeIds.length, reason: why(group.why) }),
        all ? [] : group.themeIds.map((id) => theme(id)),
      );
    }
  }
  return { sentences, note: t('dashboard.glance.clearly', { benchmark }) };
}
