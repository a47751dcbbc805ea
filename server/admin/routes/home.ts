import type { FastifyReply, FastifyRequest } from 'fastify';
import { listAuditLog } from '../../platform/audit-log.ts';
import { networkState } from '../lists.ts';
import { date, dateTime, refuse, tOf } from './common.ts';
import { readable } from './audit.ts';
import { pendingCount } from '../moderation.ts';

/** Today in Brussels, `YYYY-MM-DD`. */
const today = () =>
  new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Brussels', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());

/**
 * The admin's home (`/admin`, and `/home` for an admin): the state of the network, not a list of
 * every school — open waves with their progress (counts only), waves waiting to be sealed, the
 * latest audit entries, accounts without two-step verification.
 */
export async function adminHome(
  request: FastifyRequest,
  reply: FastifyReply,
  demo: { notice?: string; error?: string; status?: number } = {},
) {
  const app = request.server;
  const db = app.store.db;
  const t = tOf(request);
  const lang = request.lang;
  const state = await networkState(db, today());
  const recent = await listAuditLog(db, 1, 10);
  const model = {
    counts: {
      schools: state.counts.schools,
      questionnaires: state.counts.questionnaires,
      waves: state.waves.draft + state.waves.open + state.waves.closed,
      users: state.counts.users,
    },
    activeSchools: state.counts.activeSchools,
    waves: state.waves,
    open: state.open.map((w) => ({
      ...w,
      plannedClose: w.plannedClose ? date(lang, new Date(`${w.plannedClose}T12:00:00Z`)) : null,
      // The response rate against slips handed out (or issued when none were entered).
      rate: w.handedOut > 0 ? Math.min(100, Math.round((100 * w.responses) / w.handedOut)) : null,
    })),
    toSeal: state.toSeal.map((w) => ({ ...w, plannedClose: w.plannedClose ? date(lang, new Date(`${w.plannedClose}T12:00:00Z`)) : null })),
    withoutTwoFactor: state.withoutTwoFactor,
    pendingComments: await pendingCount(db),
    recent: recent.entries.map((e) => ({ at: dateTime(lang, e.at), iso: e.at.toISOString(), ...readable(t, e) })),
    demoNetwork: { active: app.demoNetwork.active, notice: demo.notice ?? null, error: demo.error ?? null },
  };
  return demo.status ? refuse(reply, 'admin/home', model, demo.status) : reply.page('admin/home', model);
}
