import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TFunction } from 'i18next';
import type { Role } from '../../db/schema.ts';
import type { Actor } from '../../platform/audit-log.ts';
import { translator, type Lang } from '../../platform/i18n.ts';
import { describeProblem, HttpProblem, locateProblem, type Problem } from '../../platform/problems.ts';

/** Every admin route: admins only (the auth plugin also checks the CSRF token of every non-GET). */
export const ADMIN = { access: ['admin'] as Role[] };

export const actorOf = (request: FastifyRequest): Actor => ({ userId: request.user!.id });
export const tOf = (request: FastifyRequest): TFunction => translator(request.lang);

/** An id in the path that names nothing (any more). */
export function notFound(): HttpProblem {
  return new HttpProblem(404, 'admin.error.notFound');
}

/** The id a field has in its form, so an error summary can link to it. */
export const fieldId = (field: string) => `f-${field.replace(/[^A-Za-z0-9_-]/g, '-')}`;

export interface ProblemsView {
  /** for the error summary at the top: each links to its field */
  summary: Array<{ href: string; where: string; message: string }>;
  /** message per form field, shown beside it */
  byField: Record<string, string>;
}

/**
 * Problems as the page shows them. `labels` maps form fields to their labels; problems located
 * elsewhere (a CSV line, a JSON path) link to `fallbackField`, the upload.
 */
export function problemsView(t: TFunction, problems: Problem[], labels: Record<string, string> = {}, fallbackField?: string): ProblemsView {
  const byField: Record<string, string> = {};
  const summary = problems.map((p) => {
    const message = describeProblem(t, p);
    const own = p.line === undefined && p.field in labels;
    if (own && !(p.field in byField)) byField[p.field] = message;
    return { href: `#${fieldId(own ? p.field : (fallbackField ?? p.field))}`, where: locateProblem(t, p, labels), message };
  });
  return { summary, byField };
}

export const noProblems: ProblemsView = { summary: [], byField: {} };

/** Renders a form page again with its problems (422: the request was understood, the input is not acceptable). */
export function refuse(reply: FastifyReply, template: string, model: Record<string, unknown>, status = 422) {
  reply.status(status);
  return reply.page(template, model);
}

/** Pages that show a secret once (codes, a password) must not be kept by the browser or a proxy. */
export function noStore(reply: FastifyReply): void {
  reply.header('cache-control', 'no-store');
}

const dateTimeFormats = new Map<Lang, Intl.DateTimeFormat>();
export function dateTime(lang: Lang, d: Date): string {
  let f = dateTimeFormats.get(lang);
  if (!f) {
    f = new Intl.DateTimeFormat(lang === 'nl' ? 'nl-BE' : 'en-GB', {
      dateStyle: 'medium',
      timeStyle: 'short',
      timeZone: 'Europe/Brussels',
    });
    dateTimeFormats.set(lang, f);
  }
  return f.format(d);
}

const dateFormats = new Map<Lang, Intl.DateTimeFormat>();
export function date(lang: Lang, d: Date): string {
  let f = dateFormats.get(lang);
  if (!f) {
    f = new Intl.DateTimeFormat(lang === 'nl' ? 'nl-BE' : 'en-GB', { dateStyle: 'medium', timeZone: 'Europe/Brussels' });
    dateFormats.set(lang, f);
  }
  return f.format(d);
}

/** Text carried between steps (preview → commit) in a hidden field, unchanged by form encoding. */
export const carry = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
export const uncarry = (data: string) => Buffer.from(data, 'base64url').toString('utf8');

/**
 * The base of answer URLs printed on slips and in QR codes: PUBLIC_URL (required on PostgreSQL,
 * server/platform/startup.ts), else — the embedded demo or trial — this server on localhost. Never the
 * request's Host header: whoever sends the request (or a proxy that passes Host on) would choose
 * where a whole school's printed codes point.
 */
export function publicBase(request: FastifyRequest): string {
  const { config, server } = request.server;
  if (config.PUBLIC_URL) return config.PUBLIC_URL;
  const address = server.address();
  return `http://localhost:${address && typeof address === 'object' ? address.port : config.PORT}`;
}

/** A notice after a redirect (`?done=…`): the key of a message, never free text from the URL. */
export const Notice = <T extends string>(keys: readonly T[]) =>
  Type.Object(
    {
      done: Type.Optional(Type.Union(keys.map((k) => Type.Literal(k)))),
      n: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
    },
    { additionalProperties: false },
  );

// ---- Lists at network scale (issue 18): search, filters, sorting and pages in the query string ----

/** `''` is what an empty filter field of a GET form sends: "any". */
export const Choice = <T extends string>(values: readonly T[]) =>
  Type.Optional(Type.Union([Type.Literal(''), ...values.map((v) => Type.Literal(v))]));
export const Search = Type.Optional(Type.String({ maxLength: 200 }));
export const PageNumber = Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 }));
export const SortDirection = Choice(['asc', 'desc'] as const);

type QueryValues = Record<string, string | number | undefined | null>;

/** A list's URL with its query (empty values left out), so a view can be bookmarked. */
export function listUrl(base: string, query: QueryValues, change: QueryValues = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...query, ...change })) {
    if (v === undefined || v === null || v === '' || k === 'done' || k === 'n') continue;
    params.set(k, String(v));
  }
  const s = params.toString();
  return s ? `${base}?${s}` : base;
}

export interface PagerView {
  page: number;
  pages: number;
  total: number;
  first: number;
  last: number;
  prev: string | null;
  next: string | null;
  firstHref: string | null;
  lastHref: string | null;
}

export function pager(
  base: string,
  query: QueryValues,
  p: { page: number; pages: number; total: number; pageSize: number; rows: unknown[] },
): PagerView {
  const at = (page: number) => listUrl(base, query, { page });
  return {
    page: p.page,
    pages: p.pages,
    total: p.total,
    first: p.total ? (p.page - 1) * p.pageSize + 1 : 0,
    last: (p.page - 1) * p.pageSize + p.rows.length,
    prev: p.page > 1 ? at(p.page - 1) : null,
    next: p.page < p.pages ? at(p.page + 1) : null,
    firstHref: p.page > 2 ? at(1) : null,
    lastHref: p.page < p.pages - 1 ? at(p.pages) : null,
  };
}

/** Column headers that sort: each links to the list sorted by it (again: the other way). */
export function sortLinks<S extends string>(
  base: string,
  query: QueryValues & { sort?: string; dir?: string },
  sorts: readonly S[],
  current: S,
  dir: 'asc' | 'desc',
) {
  const out = {} as Record<S, { href: string; aria: 'ascending' | 'descending' | null }>;
  for (const s of sorts) {
    const active = s === current;
    out[s] = {
      href: listUrl(base, query, { sort: s, dir: active && dir === 'asc' ? 'desc' : 'asc', page: undefined }),
      aria: active ? (dir === 'asc' ? 'ascending' : 'descending') : null,
    };
  }
  return out;
}

/** A query value that is `''` (any) becomes undefined. */
export const orUndefined = <T extends string>(v: T | '' | undefined): T | undefined => (v ? v : undefined);
