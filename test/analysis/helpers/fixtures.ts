import { readFileSync } from 'node:fs';
import type { Layout } from '../../../analysis/index.ts';

const dir = new URL('../../fixtures/analysis/', import.meta.url);

export interface Row {
  wave: string;
  school: string;
  role: string;
  seniority: string;
  answers: (number | null)[];
}

function csv(name: string): string[][] {
  return readFileSync(new URL(name, dir), 'utf8')
    .trim()
    .split(/\r?\n/)
    .map((line) => line.split(','));
}

/** The fixture questionnaire shape from layout.csv (item, theme, reverse). */
export function fixtureLayout(): Layout {
  const [, ...rows] = csv('layout.csv');
  const items = rows.map(([id, themeId, reverse]) => ({ id: id!, themeId: themeId!, reverse: reverse === '1' }));
  const themeIds = [...new Set(items.map((it) => it.themeId))];
  return {
    items,
    themes: themeIds.map((id) => ({ id, itemIndices: items.flatMap((it, i) => (it.themeId === id ? [i] : [])) })),
    outcomes: [],
    priority: null,
    width: items.length,
  };
}

export function fixtureRows(file: string): Row[] {
  const [header, ...rows] = csv(file);
  const first = header!.indexOf('q1');
  return rows.map((r) => ({
    wave: r[0]!,
    school: r[1]!,
    role: r[2]!,
    seniority: r[3]!,
    answers: r.slice(first).map((v) => (v === '' ? null : Number(v))),
  }));
}

type Num = number | null;
export interface Expected {
  datasets: Array<{
    name: string;
    file: string;
    groups: Array<{
      key: string;
      wave: string | null;
      school: string | null;
      respondents: number;
      items: Array<{ item: string; n: number; mean: Num; sd: Num; counts: number[]; favourable: Num }>;
      themes: Array<{
        theme: string;
        scores: Num[];
        n: number;
        mean: Num;
        sd: Num;
        ciLower: Num;
        ciUpper: Num;
        favourable: Num;
        alpha: Num;
        alphaN: number;
        alphaMethod: string | null;
      }>;
    }>;
    welch: Array<{
      theme: string;
      school: string | null;
      later: string;
      earlier: string;
      difference: number;
      t: number;
      df: number;
      p: number;
      significant: boolean;
    }>;
    benchmark: Array<{
      theme: string;
      wave: string;
      school: string;
      schoolMean: number;
      benchmarkMean: number;
      difference: number;
      distinguishable: boolean;
      percentileRank: number;
    }>;
  }>;
  qt: Array<{ p: number; df: number; q: number }>;
  pt: Array<{ t: number; df: number; twoSided: number }>;
  pbeta: Array<{ x: number; a: number; b: number; p: number }>;
}

export function expected(): Expected {
  return JSON.parse(readFileSync(new URL('expected.json', dir), 'utf8')) as Expected;
}
