import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { listAuditLog } from '../../audit-log.ts';
import { ADMIN, dateTime, tOf } from './common.ts';

const AuditQuery = Type.Object({ page: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })) }, { additionalProperties: false });
export const AUDIT_PAGE_SIZE = 50;

const auditRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/admin/audit', { config: ADMIN, schema: { querystring: AuditQuery } }, async (request, reply) => {
    const t = tOf(request);
    const log = await listAuditLog(app.store.db, request.query.page ?? 1, AUDIT_PAGE_SIZE);
    return reply.page('admin/audit', {
      page: log.page,
      pages: log.pages,
      total: log.total,
      prev: log.page > 1 ? `/admin/audit?page=${log.page - 1}` : null,
      next: log.page < log.pages ? `/admin/audit?page=${log.page + 1}` : null,
      entries: log.entries.map((e) => ({
        at: dateTime(request.lang, e.at),
        iso: e.at.toISOString(),
        // A failed sign-in has no known actor (the account tried is its target), not the command line.
        who: e.email ?? t(e.action.startsWith('login') ? 'admin.audit.unknownActor' : 'admin.audit.commandLine'),
        action: t(`admin.audit.action.${e.action}`, { defaultValue: e.action }),
        target: e.target
          .map((tok) => (tok.kind ? `${t(`admin.audit.kind.${tok.kind}`, { defaultValue: tok.kind })}: ${tok.name ?? tok.value}` : tok.value))
          .join(' · '),
      })),
    });
  });
};

export default auditRoutes;
