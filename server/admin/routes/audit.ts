import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import Papa from 'papaparse';
import type { TFunction } from 'i18next';
import { actionsInLog, auditEntries, listAuditLog, type AuditEntry, type AuditFilter } from '../../platform/audit-log.ts';
import { escapeFormula } from '../../research/csv.ts';
import { ADMIN, dateTime, listUrl, PageNumber, pager, tOf } from './common.ts';

const Day = Type.Optional(Type.Union([Type.Literal(''), Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' })]));
const Filters = {
  actor: Type.Optional(Type.String({ maxLength: 320 })),
  action: Type.Optional(Type.String({ maxLength: 100, pattern: '^[A-Za-z.]*$' })),
  from: Day,
  to: Day,
  about: Type.Optional(Type.Union([Type.Literal(''), Type.String({ pattern: '^[0-9a-fA-F-]{36}$' })])),
};
const AuditQuery = Type.Object({ ...Filters, page: PageNumber }, { additionalProperties: false });
const CsvQuery = Type.Object(Filters, { additionalProperties: false });
export const AUDIT_PAGE_SIZE = 50;
/** The most entries one CSV file holds (the newest; narrow the filter for older ones). */
export const AUDIT_CSV_MAX = 100_000;

/** A day that exists (not 2026-02-30). */
const realDay = (d: string | undefined) =>
  !d || (!Number.isNaN(new Date(`${d}T00:00:00Z`).getTime()) && new Date(`${d}T00:00:00Z`).toISOString().slice(0, 10) === d);

function filterOf(q: Static<typeof CsvQuery>): AuditFilter {
  return {
    ...(q.actor?.trim() ? { actor: q.actor } : {}),
    ...(q.action ? { action: q.action } : {}),
    ...(q.from && realDay(q.from) ? { from: q.from } : {}),
    ...(q.to && realDay(q.to) ? { to: q.to } : {}),
    ...(q.about ? { about: q.about } : {}),
  };
}

/** An entry as a person reads it: translated action, names instead of ids. Never a code, an answer or an address. */
export function readable(t: TFunction, e: AuditEntry) {
  return {
    // A failed sign-in has no known actor (the account tried is its target), not the command line.
    who: e.email ?? t(e.action.startsWith('login') ? 'admin.audit.unknownActor' : 'admin.audit.commandLine'),
    action: t(`admin.audit.action.${e.action}`, { defaultValue: e.action }),
    target: e.target
      .map((tok) => (tok.kind ? `${t(`admin.audit.kind.${tok.kind}`, { defaultValue: tok.kind })}: ${tok.name ?? tok.value}` : tok.value))
      .join(' · '),
  };
}

const auditRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const db = app.store.db;
  const valuesOf = (q: Static<typeof CsvQuery>) => ({
    actor: q.actor ?? '',
    action: q.action ?? '',
    from: q.from ?? '',
    to: q.to ?? '',
    about: q.about ?? '',
  });

  app.get('/admin/audit', { config: ADMIN, schema: { querystring: AuditQuery } }, async (request, reply) => {
    const t = tOf(request);
    const { query } = request;
    const filter = filterOf(query);
    const log = await listAuditLog(db, query.page ?? 1, AUDIT_PAGE_SIZE, filter);
    const values = valuesOf(query);
    const p = pager('/admin/audit', values, { ...log, pageSize: AUDIT_PAGE_SIZE, rows: log.entries });
    return reply.page('admin/audit', {
      values,
      filtered: Object.keys(filter).length > 0,
      actions: (await actionsInLog(db)).map((a) => ({ value: a, label: t(`admin.audit.action.${a}`, { defaultValue: a }) })),
      page: log.page,
      pages: log.pages,
      total: log.total,
      pager: p,
      prev: p.prev,
      next: p.next,
      csvHref: listUrl('/admin/audit.csv', values),
      badDates: !realDay(query.from) || !realDay(query.to),
      entries: log.entries.map((e) => ({ at: dateTime(request.lang, e.at), iso: e.at.toISOString(), ...readable(t, e) })),
    });
  });

  // The log as a file, with the same filters, in the reader's language; cells a spreadsheet would
  // run as a formula are escaped as in every other export.
  app.get('/admin/audit.csv', { config: ADMIN, schema: { querystring: CsvQuery } }, async (request, reply) => {
    const t = tOf(request);
    const rows: string[][] = [
      [t('admin.audit.at'), t('admin.audit.who'), t('admin.audit.what'), t('admin.audit.actionKey'), t('admin.audit.target')],
    ];
    let n = 0;
    for await (const batch of auditEntries(db, filterOf(request.query))) {
      for (const e of batch) {
        if (n++ >= AUDIT_CSV_MAX) break;
        const r = readable(t, e);
        rows.push([e.at.toISOString(), r.who, r.action, e.action, r.target].map(escapeFormula));
      }
      if (n >= AUDIT_CSV_MAX) break;
    }
    reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${t('admin.audit.fileName')}.csv"`);
    return '\ufeff' + Papa.unparse(rows, { delimiter: ';', newline: '\r\n' }) + '\r\n';
  });
};

export default auditRoutes;
