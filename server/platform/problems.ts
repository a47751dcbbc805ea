import type { TFunction } from 'i18next';

/**
 * A problem with input, located so the person can find it: a form field, a CSV line and column,
 * or a JSON path. `key` is a message key (translated where it is shown: web page or CLI), so
 * domain modules stay free of language.
 */
export interface Problem {
  /** form field name, CSV column name, or JSON path (`themes[2].items[0].label.en`; '' = the root) */
  field: string;
  key: string;
  params?: Record<string, string | number>;
  /** CSV only: 1-based line in the file and 1-based column */
  line?: number;
  column?: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Ids are UUIDs; anything else is refused before it reaches a query. */
export const isUuid = (s: string) => UUID.test(s);

export type Checked<T> = { ok: true; value: T } | { ok: false; problems: Problem[] };

export const problem = (field: string, key: string, params?: Problem['params']): Problem =>
  params ? { field, key, params } : { field, key };

export function describeProblem(t: TFunction, p: Problem): string {
  return t(p.key, p.params ?? {}) as string;
}

/** Where a problem is, in words: "line 3, column 4 (staff_count)", "themes[0].id", or the field label. */
export function locateProblem(t: TFunction, p: Problem, labels: Record<string, string> = {}): string {
  if (p.line !== undefined) {
    return p.column !== undefined
      ? (t('admin.problem.lineColumn', { line: p.line, column: p.column, name: p.field }) as string)
      : (t('admin.problem.line', { line: p.line }) as string);
  }
  return labels[p.field] ?? (p.field || (t('admin.problem.root') as string));
}

/** One line per problem, for the command line. */
export function problemLines(t: TFunction, problems: Problem[], labels: Record<string, string> = {}): string {
  return problems.map((p) => `  ${locateProblem(t, p, labels)}: ${describeProblem(t, p)}`).join('\n');
}

/**
 * A refusal: an HTTP status and a message key of the catalogue, with its parameters. The error
 * handler translates it into the language of the request, so nobody reads a refusal in a language
 * they did not choose; the key itself is the error's message (logs stay in one language).
 */
export class HttpProblem extends Error {
  constructor(
    readonly statusCode: number,
    readonly key: string,
    readonly params: Record<string, string | number> = {},
  ) {
    super(key);
  }
}
