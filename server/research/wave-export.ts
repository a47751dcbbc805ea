import type { Kysely } from 'kysely';
import { isSealed } from '../waves.ts';
import type { Database } from '../db/schema.ts';
import type { Questionnaire } from '../../surveys/schema.ts';
import { itemsInOrder } from '../../surveys/load.ts';
import type { Disclosed, DisclosedGroup, GroupReport, Stat } from '../../analysis/index.ts';
import { groupResults, type WaveResults } from '../results/wave-results.ts';
import { codebookColumns, itemColumns, priorityColumns, themeColumns, type Column } from './columns.ts';
import { csvChunks, type Cell, type Dialect } from './csv.ts';
import { driverColumns } from './drivers-csv.ts';

/**
 * The rows of a sealed wave's exports (issue 7). Every number comes from a `Disclosed` value that
 * the wave's one disclosure decision released (`groupResults`); a suppressed scope gets empty
 * numbers and its rule code. Breakdowns and comments are never exported.
 */

export type Scope = 'network' | 'group' | 'school';

export interface ExportScope {
  scope: Scope;
  scopeId: string;
  scopeLabel: string;
  /** a school's official number (null for other scopes and when unknown) */
  schoolNumber: string | null;
  group: DisclosedGroup;
}

export interface ScopeReport extends ExportScope {
  report: Disclosed<GroupReport>;
}

export const NETWORK_ID = 'network';

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The scopes of a wave's exports: exactly the disclosure's network, benchmark-group and school
 * groups (released or suppressed) — the network first, then benchmark groups by id, then schools by id.
 */
export function exportScopes(results: WaveResults): ExportScope[] {
  const d = results.disclosure;
  // By id, not through `d.groups`, which would decide every school's breakdowns (never exported).
  const schoolIds = [...results.schools.keys()].sort(byText);
  const groups = [...new Set([...results.schools.values()].map((s) => s.benchmarkGroup))].sort(byText).map((id) => d.benchmarkGroup(id));
  const schools = schoolIds.map((id) => d.school(id));
  return [
    { scope: 'network', scopeId: NETWORK_ID, scopeLabel: NETWORK_ID, schoolNumber: null, group: d.network() },
    ...groups.map((g): ExportScope => ({
      scope: 'group',
      scopeId: g.benchmarkId!,
      scopeLabel: g.benchmarkId!,
      schoolNumber: null,
      group: g,
    })),
    ...schools.map((g): ExportScope => {
      const school = results.schools.get(g.schoolId!);
      return {
        scope: 'school',
        scopeId: g.schoolId!,
        scopeLabel: school?.name ?? g.schoolId!,
        schoolNumber: school?.schoolNumber ?? null,
        group: g,
      };
    }),
  ];
}

/** One scope at a time: only one scope's report is in memory while a file streams out. */
export async function* scopeReports(db: Kysely<Database>, results: WaveResults): AsyncGenerator<ScopeReport> {
  for (const s of exportScopes(results)) yield { ...s, report: await groupResults(db, results, s.group) };
}

const stat = (s: Stat): number | null => (s.ok ? s.value : null);

/**
 * The cells that say what a row is about. A withheld school keeps no number: only released rows
 * carry it, so the official number adds nothing to pick out a school the rules hide.
 */
const scopeHead = (waveId: string, s: ExportScope, report: Disclosed<unknown>): Cell[] => [
  waveId,
  s.scope,
  s.scopeId,
  s.scopeLabel,
  report.kind === 'suppressed' ? null : s.schoolNumber,
];

export function themeRows(results: WaveResults, s: ScopeReport): Cell[][] {
  const head = scopeHead(results.wave.id, s, s.report);
  const r = s.report;
  return results.layout.themes.map((theme, ti): Cell[] => {
    if (r.kind === 'suppressed') return [...head, theme.id, null, null, null, null, null, null, null, r.rule];
    const t = r.value.themes[ti]!;
    // Fewer than k respondents with a theme score: the row is withheld like a small scope (R1).
    if (t.fewAnswers) return [...head, theme.id, null, null, null, null, null, null, null, 'R1'];
    const ci = t.ci.ok ? t.ci.value : null;
    return [
      ...head,
      theme.id,
      t.n,
      stat(t.mean),
      stat(t.sd),
      ci?.lower ?? null,
      ci?.upper ?? null,
      stat(t.favourable),
      stat(t.alpha.alpha),
      null,
    ];
  });
}

export function itemRows(results: WaveResults, s: ScopeReport): Cell[][] {
  const head = scopeHead(results.wave.id, s, s.report);
  const r = s.report;
  // Theme items, then the outcome items (no theme: an empty theme_id).
  const rows = [
    ...results.layout.items.map((item, i) => ({ item, themeId: item.themeId as string | null, of: (g: GroupReport) => g.items[i]! })),
    ...results.layout.outcomes.map((item, i) => ({ item, themeId: null, of: (g: GroupReport) => g.outcomes[i]! })),
  ];
  return rows.map(({ item, themeId, of }): Cell[] => {
    if (r.kind === 'suppressed') return [...head, item.id, themeId, null, null, null, null, null, null, null, null, null, r.rule];
    const it = of(r.value);
    if (it.fewAnswers) return [...head, item.id, themeId, null, null, null, null, null, null, null, null, null, 'R1'];
    const pct = it.distribution.percents.ok ? it.distribution.percents.value : null;
    return [
      ...head,
      item.id,
      themeId,
      it.n,
      stat(it.mean),
      stat(it.sd),
      stat(it.favourable),
      ...[0, 1, 2, 3, 4].map((v) => (pct ? pct[v]! : null)),
      null,
    ];
  });
}

/** Labels of the recoded values 1..5 of an item: `1=<nl> / <en>|…` (reverse items: option 6 − v). */
export function valueLabels(q: Questionnaire, scaleId: string, reverse: boolean): string {
  const scale = q.scales.find((s) => s.id === scaleId);
  if (!scale) throw new RangeError(`unknown scale "${scaleId}"`);
  return [1, 2, 3, 4, 5]
    .map((v) => {
      const label = scale.labels[(reverse ? 6 - v : v) - 1]!;
      return `${v}=${label.nl} / ${label.en}`;
    })
    .join('|');
}

/**
 * The union's priorities per scope (issue 20): per theme, n (who answered the question) and the
 * percent naming it, from the released report; fewer than k answered is withheld like a small scope (R1).
 */
export function priorityRows(results: WaveResults, s: ScopeReport): Cell[][] {
  const head = scopeHead(results.wave.id, s, s.report);
  const r = s.report;
  return results.layout.themes.map((theme, ti): Cell[] => {
    if (r.kind === 'suppressed') return [...head, theme.id, null, null, r.rule];
    const p = r.value.priority!;
    if (p.fewAnswers) return [...head, theme.id, null, null, 'R1'];
    return [...head, theme.id, p.n, stat(p.themes[ti]!.share), null];
  });
}

export function codebookRows(q: Questionnaire): Cell[][] {
  return [...itemsInOrder(q), ...(q.outcomes ?? []).map((o) => ({ ...o, themeId: null }))].map((it) => [
    it.id,
    it.themeId,
    it.label.nl,
    it.label.en,
    it.scale,
    it.reverse,
    valueLabels(q, it.scale, it.reverse),
  ]);
}

export type CsvFile = 'themes.csv' | 'items.csv' | 'codebook.csv' | 'priorities.csv';
export const CSV_FILES: readonly CsvFile[] = ['themes.csv', 'items.csv', 'codebook.csv'];

/** Every CSV file of a wave, as the zip bundles and the data package describes them. */
export type PackageFile = CsvFile | 'drivers.csv';
/**
 * The same list for every wave: a questionnaire without the priority question or outcome items has
 * those files as their header alone, as their own downloads are, so a script reads every wave alike.
 */
export const PACKAGE_FILES: readonly PackageFile[] = [...CSV_FILES, 'priorities.csv', 'drivers.csv'];

export function columnsOf(results: WaveResults, file: PackageFile): Column[] {
  const themeIds = results.layout.themes.map((t) => t.id);
  if (file === 'themes.csv') return themeColumns(themeIds);
  if (file === 'priorities.csv') return priorityColumns(themeIds);
  if (file === 'drivers.csv') return driverColumns(results.layout);
  if (file === 'items.csv')
    return itemColumns(themeIds, [...results.layout.items.map((i) => i.id), ...results.layout.outcomes.map((o) => o.id)]);
  return codebookColumns(themeIds);
}

async function* rowsOf(db: Kysely<Database>, results: WaveResults, file: CsvFile): AsyncGenerator<Cell[]> {
  if (file === 'codebook.csv') {
    yield* codebookRows(results.questionnaire);
    return;
  }
  // A questionnaire without the priority question has no priorities: its priorities.csv is the header
  // alone (as drivers.csv is without outcome items), so a script fetching every wave's files meets no 404.
  if (file === 'priorities.csv' && !results.layout.priority) return;
  const rows = file === 'themes.csv' ? themeRows : file === 'priorities.csv' ? priorityRows : itemRows;
  for await (const s of scopeReports(db, results)) yield* rows(results, s);
}

/** One CSV file of a sealed wave, as a stream of text chunks. */
export function waveCsv(db: Kysely<Database>, results: WaveResults, file: CsvFile, dialect: Dialect): AsyncGenerator<string> {
  if (!isSealed(results.wave)) throw new Error('only sealed waves are exported');
  return csvChunks(columnsOf(results, file), rowsOf(db, results, file), dialect);
}
