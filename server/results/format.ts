import type { TFunction } from 'i18next';
import { mapDisclosed, type Disclosed, type Interval, type Rule, type Stat } from '../../analysis/index.ts';
import { formatNumber, type Lang } from '../platform/i18n.ts';

/**
 * The only way a statistic reaches a page: from a `Disclosed` value (so disclosure control has
 * decided) to display text. A suppressed number says why in plain words.
 */
export interface Shown {
  text: string;
  /** the raw number, for chart data; null when suppressed or unavailable */
  value: number | null;
  /** set when the number is withheld by a disclosure rule */
  rule: Rule | null;
}

export interface Formatter {
  lang: Lang;
  t: TFunction;
  k: number;
  number(d: Disclosed<Stat | number>, digits?: number, suffix?: string): Shown;
  count(d: Disclosed<number>): Shown;
  /** "3,12 – 3,58", or why there is none */
  interval(d: Disclosed<Stat<Interval>>, digits?: number): string;
  /** response rate: respondents / codes issued, in percent, suppressed with the count */
  /** `codes`: slips handed out, or printed while no handed-out count is entered */
  rate(respondents: Disclosed<number>, codes: number): Shown;
  /** a number derived from released values only (e.g. a trend point), formatted */
  plain(value: number, digits?: number): string;
  reason(rule: Rule): string;
}

export function formatter(lang: Lang, t: TFunction, k: number): Formatter {
  const reason = (rule: Rule) => t(`disclosure.${rule}`, { k });
  const number = (d: Disclosed<Stat | number>, digits = 1, suffix = ''): Shown => {
    if (d.kind === 'suppressed') return { text: reason(d.rule), value: null, rule: d.rule };
    const v = d.value;
    if (typeof v === 'number') return { text: formatNumber(lang, v, digits) + suffix, value: v, rule: null };
    if (!v.ok) return { text: t(`stat.${v.reason}`, { k }), value: null, rule: null };
    return { text: formatNumber(lang, v.value, digits) + suffix, value: v.value, rule: null };
  };
  const plain = (value: number, digits = 2) => formatNumber(lang, value, digits);
  return {
    lang,
    t,
    k,
    number,
    count: (d) => number(d, 0),
    interval: (d, digits = 2) => {
      if (d.kind === 'suppressed') return reason(d.rule);
      if (!d.value.ok) return t(`stat.${d.value.reason}`, { k });
      return `${plain(d.value.value.lower, digits)} – ${plain(d.value.value.upper, digits)}`;
    },
    rate: (respondents, codes) =>
      number(
        mapDisclosed(respondents, (n) => (codes ? (100 * n) / codes : 0)),
        0,
        ' %',
      ),
    plain,
    reason,
  };
}
