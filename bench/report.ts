/** The figures of a run: a terminal table, `bench/results.json` and the table in `docs/performance.md`. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

export type Verdict = 'PASS' | 'FAIL' | 'n/a' | 'info';

export interface Row {
  id: string;
  store: 'postgres' | 'pglite';
  figure: string;
  /** the measured value and its baseline, readable */
  measured: string;
  baseline: string;
  ratio: number | null;
  /** e.g. "≥ 0.5", "≤ 0.1"; empty for information only */
  target: string;
  verdict: Verdict;
  /** `MB` for memory rows, whose "ratio" is the measured value itself */
  unit?: 'MB';
  note?: string;
}

export function check(ratio: number | null, target: string): Verdict {
  if (!target) return 'info';
  if (ratio === null || !Number.isFinite(ratio)) return 'n/a';
  const m = /^([≤≥])\s*([\d.]+)/.exec(target);
  if (!m) return 'info';
  const limit = Number(m[2]);
  return (m[1] === '≤' ? ratio <= limit : ratio >= limit) ? 'PASS' : 'FAIL';
}

export function row(r: Omit<Row, 'verdict'> & { verdict?: Verdict }): Row {
  return { ...r, verdict: r.verdict ?? check(r.ratio, r.target) };
}

const fmtRatio = (r: number | null, unit = '×') =>
  r === null || !Number.isFinite(r)
    ? '—'
    : `${r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r >= 0.1 ? r.toFixed(2) : r.toFixed(3)}${unit}`;

export function ratioText(r: Row): string {
  return r.unit === 'MB' ? (r.ratio === null || !Number.isFinite(r.ratio) ? '—' : `${r.ratio.toFixed(0)} MB`) : fmtRatio(r.ratio);
}

export function terminalTable(rows: Row[], title: string): string {
  const head = ['figure', 'measured', 'baseline', 'ratio', 'target', 'result'];
  const body = rows.map((r) => [r.figure, r.measured, r.baseline, ratioText(r), r.target || '—', r.verdict]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [title, line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

export function markdownTable(rows: Row[]): string {
  const out = ['| # | figure | measured | baseline (same run, same database) | ratio | target | result |', '|---|---|---|---|---|---|---|'];
  for (const r of rows) {
    out.push(
      `| ${r.id} | ${r.figure}${r.note ? ` <br><small>${r.note}</small>` : ''} | ${r.measured} | ${r.baseline} | ${ratioText(r)} | ${r.target || '—'} | **${r.verdict}** |`,
    );
  }
  return out.join('\n');
}

const BEGIN = '<!-- bench:begin (written by `npm run bench`; edit outside these markers) -->';
const END = '<!-- bench:end -->';

/** Replaces the generated block of docs/performance.md, keeping the hand-written text around it. */
export function writePerformanceDoc(file: string, block: string): void {
  const generated = `${BEGIN}\n${block.trim()}\n${END}`;
  if (!existsSync(file)) {
    writeFileSync(file, `# Performance\n\n${generated}\n`);
    return;
  }
  const text = readFileSync(file, 'utf8');
  const a = text.indexOf(BEGIN);
  const b = text.indexOf(END);
  writeFileSync(
    file,
    a >= 0 && b > a ? `${text.slice(0, a)}${generated}${text.slice(b + END.length)}` : `${text.trimEnd()}\n\n${generated}\n`,
  );
}
