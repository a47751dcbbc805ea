import type { DisclosureConfig, DisclosureInput } from './types.ts';

export const DEFAULT_K = 5;

/** k from configuration: default 5, an integer ≥ 3 (design §5). */
export function validK(config: DisclosureConfig | undefined): number {
  const k = config?.k ?? DEFAULT_K;
  if (!Number.isInteger(k) || k < 3) throw new RangeError(`k must be an integer ≥ 3, got ${String(k)}`);
  return k;
}

export interface NormalizedSchool {
  id: string;
  respondents: number;
  /** nonempty background combinations (values in `background` order), sorted, with counts; null = no breakdowns */
  atoms: Array<{ combo: Array<string | null>; count: number }> | null;
}

export interface Normalized {
  waveId: string;
  status: DisclosureInput['status'];
  background: Array<{ id: string; options: string[] }>;
  schools: NormalizedSchool[];
  benchmarkGroups: Array<{ id: string; schoolIds: string[] }>;
}

const byId = <T extends { id: string }>(a: T, b: T) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function count(x: unknown, what: string): number {
  if (typeof x !== 'number' || !Number.isInteger(x) || x < 0) throw new RangeError(`${what} must be an integer ≥ 0, got ${String(x)}`);
  return x;
}

function uniqueIds(ids: readonly string[], what: string): void {
  const seen = new Set<string>();
  for (const id of ids) {
    if (typeof id !== 'string' || id === '') throw new TypeError(`${what} id must be a non-empty string`);
    if (seen.has(id)) throw new RangeError(`duplicate ${what} id "${id}"`);
    seen.add(id);
  }
}

/** Checks the input and puts it in a canonical order, so the input order never changes a decision. */
export function normalize(input: DisclosureInput): Normalized {
  if (typeof input.waveId !== 'string' || input.waveId === '') throw new TypeError('waveId must be a non-empty string');
  if (!['draft', 'open', 'sealed'].includes(input.status)) throw new RangeError(`unknown wave status "${String(input.status)}"`);
  uniqueIds(
    input.background.map((b) => b.id),
    'background item',
  );
  const background = input.background.map((b) => {
    uniqueIds(b.options, `option of background item "${b.id}"`);
    return { id: b.id, options: [...b.options] };
  });
  const bgIndex = new Map(background.map((b, i) => [b.id, i]));
  uniqueIds(
    input.schools.map((s) => s.id),
    'school',
  );
  const schools = [...input.schools].sort(byId).map((s): NormalizedSchool => {
    const respondents = count(s.respondents, `respondents of school "${s.id}"`);
    if (s.cells === undefined) return { id: s.id, respondents, atoms: null };
    const byCombo = new Map<string, { combo: Array<string | null>; count: number }>();
    let total = 0;
    for (const cell of s.cells) {
      const combo: Array<string | null> = background.map(() => null);
      for (const [bg, value] of Object.entries(cell.background)) {
        const i = bgIndex.get(bg);
        if (i === undefined) throw new RangeError(`school "${s.id}": unknown background item "${bg}"`);
        if (value !== null && !background[i]!.options.includes(value)) {
          throw new RangeError(`school "${s.id}": "${String(value)}" is not an option of background item "${bg}"`);
        }
        combo[i] = value;
      }
      const n = count(cell.count, `cell count of school "${s.id}"`);
      total += n;
      const key = JSON.stringify(combo);
      const prev = byCombo.get(key);
      if (prev) prev.count += n;
      else byCombo.set(key, { combo, count: n });
    }
    if (total !== respondents) {
      throw new RangeError(`school "${s.id}": cells add up to ${total}, respondents is ${respondents}`);
    }
    const atoms = [...byCombo.entries()]
      .filter(([, a]) => a.count > 0)
      .sort(([a], [b]) => cmp(a, b))
      .map(([, a]) => a);
    return { id: s.id, respondents, atoms };
  });
  const schoolIds = new Set(schools.map((s) => s.id));
  uniqueIds(
    input.benchmarkGroups.map((g) => g.id),
    'benchmark group',
  );
  const benchmarkGroups = [...input.benchmarkGroups].sort(byId).map((g) => {
    uniqueIds(g.schoolIds, `member of benchmark group "${g.id}"`);
    for (const id of g.schoolIds) {
      if (!schoolIds.has(id)) throw new RangeError(`benchmark group "${g.id}": unknown school "${id}"`);
    }
    return { id: g.id, schoolIds: [...g.schoolIds].sort(cmp) };
  });
  return { waveId: input.waveId, status: input.status, background, schools, benchmarkGroups };
}
