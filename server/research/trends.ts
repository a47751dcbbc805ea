import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { trend, type Disclosed, type GroupReport, type ThemeReport } from '../../analysis/index.ts';
import { groupResults, loadWaveResults, type WaveResults } from '../results/wave-results.ts';
import type { SealedWave } from './catalogue.ts';
import { trendColumns, type Column } from './columns.ts';
import { csvChunks, type Cell, type Dialect } from './csv.ts';
import { exportScopes, type ExportScope, type Scope } from './wave-export.ts';

/**
 * `trends.csv` of a questionnaire key: one row per scope × theme × sealed wave, waves in
 * creation order. Each wave's numbers come from that wave's own disclosure decision (different
 * waves have different respondents, so no wave's scope contains another's); the change against the
 * previous wave is Welch's t on the two released summaries (`analysis/trend`), never on hidden ones.
 */

interface TrendWave {
  wave: SealedWave;
  order: number;
  results: WaveResults;
  scopes: Map<string, ExportScope>;
}

const SCOPE_RANK: Record<Scope, number> = { network: 0, group: 1, school: 2 };
const keyOf = (s: { scope: Scope; scopeId: string }) => `${s.scope}\u0000${s.scopeId}`;

export type TrendData = Awaited<ReturnType<typeof loadTrends>>;

/** Loads every sealed wave of the questionnaire key (before any byte is sent, so a failure is a clean error). */
export async function loadTrends(db: Kysely<Database>, key: string, waves: readonly SealedWave[]) {
  const loaded: TrendWave[] = [];
  for (const [i, wave] of waves.entries()) {
    const results = await loadWaveResults(db, wave.id);
    loaded.push({ wave, order: i + 1, results, scopes: new Map(exportScopes(results).map((s) => [keyOf(s), s])) });
  }
  // Themes in the order of the newest version, then any that only older versions had.
  const themeIds: string[] = [];
  for (const w of [...loaded].reverse()) for (const t of w.results.layout.themes) if (!themeIds.includes(t.id)) themeIds.push(t.id);
  const scopes = new Map<string, Pick<ExportScope, 'scope' | 'scopeId' | 'scopeLabel' | 'schoolNumber'>>();
  for (const w of [...loaded].reverse()) for (const [key, s] of w.scopes) if (!scopes.has(key)) scopes.set(key, s);
  const ordered = [...scopes.values()].sort(
    (a, b) => SCOPE_RANK[a.scope] - SCOPE_RANK[b.scope] || (a.scopeId < b.scopeId ? -1 : a.scopeId > b.scopeId ? 1 : 0),
  );
  return { key, loaded, themeIds, scopes: ordered };
}

async function* trendRows(db: Kysely<Database>, data: TrendData): AsyncGenerator<Cell[]> {
  for (const scope of data.scopes) {
    // One scope's reports across the waves at a time.
    const reports: Array<{ w: TrendWave; report: Disclosed<GroupReport> }> = [];
    for (const w of data.loaded) {
      const s = w.scopes.get(keyOf(scope));
      if (s) reports.push({ w, report: await groupResults(db, w.results, s.group) });
    }
    for (const themeId of data.themeIds) {
      const points = reports.flatMap(({ w, report }) => {
        const ti = w.results.layout.themes.findIndex((t) => t.id === themeId);
        if (ti < 0) return [];
        const theme: ThemeReport | null = report.kind === 'value' ? report.value.themes[ti]! : null;
        return [{ w, report, theme }];
      });
      const steps = trend(
        points.map((p) => ({ waveId: p.w.wave.id, k: p.w.results.wave.k, summary: p.theme && !p.theme.fewAnswers ? p.theme : null })),
      );
      for (const [i, p] of points.entries()) {
        const head: Cell[] = [
          data.key,
          p.w.wave.id,
          p.w.wave.name,
          p.w.order,
          p.w.wave.questionnaireVersion,
          scope.scope,
          scope.scopeId,
          scope.scopeLabel,
          // As in the wave files: a withheld school row keeps no number.
          p.report.kind === 'suppressed' ? null : scope.schoolNumber,
          themeId,
        ];
        const prev = i > 0 ? points[i - 1]!.w.wave.id : null;
        if (p.report.kind === 'suppressed' || !p.theme || p.theme.fewAnswers) {
          const rule = p.report.kind === 'suppressed' ? p.report.rule : p.theme?.fewAnswers ? 'R1' : null;
          yield [...head, null, null, null, null, null, null, prev, null, null, null, null, null, rule];
          continue;
        }
        const t = p.theme;
        const ci = t.ci.ok ? t.ci.value : null;
        const change = steps[i]!.change;
        const c = change.ok ? change.value : null;
        yield [
          ...head,
          t.n,
          t.mean.ok ? t.mean.value : null,
          t.sd.ok ? t.sd.value : null,
          ci?.lower ?? null,
          ci?.upper ?? null,
          t.favourable.ok ? t.favourable.value : null,
          prev,
          c?.difference ?? null,
          c?.t ?? null,
          c?.df ?? null,
          c?.p ?? null,
          c ? c.significant : null,
          null,
        ];
      }
    }
  }
}

export function trendsColumns(data: TrendData): Column[] {
  return trendColumns(data.themeIds);
}

/** `trends.csv` of a loaded questionnaire key as a stream of text chunks. */
export function trendsCsv(db: Kysely<Database>, data: TrendData, dialect: Dialect): AsyncGenerator<string> {
  return csvChunks(trendsColumns(data), trendRows(db, data), dialect);
}
