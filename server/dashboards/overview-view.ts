import type { TFunction } from 'i18next';
import type { Lang } from '../platform/i18n.ts';
import type { SchoolOverview } from './overview.ts';
import { formatter } from '../results/format.ts';

export interface OverviewView {
  schools: Array<{
    id: string;
    name: string;
    group: string;
    municipality: string;
    /** the latest sealed wave, and a running one if any: what the home table shows */
    latestSealed: OverviewView['schools'][number]['waves'][number] | null;
    running: OverviewView['schools'][number]['waves'][number] | null;
    waves: Array<{
      id: string;
      name: string;
      status: string;
      sealed: boolean;
      respondents: string;
      rate: string;
      codesIssued: number;
      href: string;
      report: string | null;
    }>;
  }>;
}

export function overviewView(schools: SchoolOverview[], lang: Lang, t: TFunction): OverviewView {
  return {
    schools: schools.map((s) => {
      const waves = s.waves.map((w) => {
        const fmt = formatter(lang, t, w.k);
        const sealed = w.status === 'closed';
        const respondents = w.respondents ? fmt.count(w.respondents).text : t('overview.soFar', { count: w.runningCount ?? 0 });
        const rate = w.respondents ? fmt.rate(w.respondents, w.codesHandedOut ?? w.codesIssued).text : t('overview.afterClose');
        return {
          id: w.waveId,
          name: w.waveName,
          status: t(`overview.status.${w.status}`),
          sealed,
          respondents,
          rate,
          codesIssued: w.codesIssued,
          href: `/schools/${s.id}/waves/${w.waveId}`,
          report: sealed ? `/schools/${s.id}/waves/${w.waveId}/report` : null,
        };
      });
      return {
        id: s.id,
        name: s.name,
        group: t(`benchmark.${s.benchmarkGroup}`, { defaultValue: s.benchmarkGroup }),
        municipality: s.municipality,
        latestSealed: waves.find((w) => w.sealed) ?? null,
        running: waves.find((w) => !w.sealed) ?? null,
        waves,
      };
    }),
  };
}
