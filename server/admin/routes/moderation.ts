import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import { commentToModerate, crisisList, decideComment, nextComment, pendingCount, type QueueItem } from '../moderation.ts';
import { HttpProblem, type Problem } from '../../platform/problems.ts';
import { Csrf, NoQuery, Uuid } from '../../platform/http-schemas.ts';
import { ADMIN, actorOf, noProblems, noStore, Notice, problemsView, refuse, tOf } from './common.ts';

// The comment's id travels in the form, not the URL: a proxy's access log keeps URLs with their time.
const DecisionBody = Type.Object(
  {
    comment: Uuid,
    decision: Type.Union([Type.Literal('show'), Type.Literal('withhold')]),
    text: Type.String({ maxLength: 20_000 }),
    themes: Type.Optional(Type.Array(Type.String({ maxLength: 100 }), { maxItems: 100 })),
    crisis: Type.Optional(Type.Literal('yes')),
    _csrf: Csrf,
  },
  { additionalProperties: false },
);
const QueueQuery = Notice(['shown', 'redacted', 'withheld']);

/** The moderation queue and the coaches' crisis list (issue 19): admins only. */
const moderationRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const db = app.store.db;

  async function queuePage(
    request: FastifyRequest,
    reply: FastifyReply,
    item: QueueItem | null,
    options: { notice?: string; values?: Static<typeof DecisionBody>; problems?: Problem[] } = {},
  ) {
    const t = tOf(request);
    const lang = request.lang;
    const problems = options.problems ?? [];
    const chosen = new Set(options.values?.themes ?? []);
    // A comment is a teacher's words: the page is kept by neither the browser nor a proxy.
    noStore(reply);
    const model = {
      notice: options.notice ?? null,
      pending: await pendingCount(db),
      item: item && {
        id: item.id,
        waveName: item.waveName,
        text: options.values?.text ?? item.text,
        maxLength: item.maxLength,
        crisis: options.values?.crisis === 'yes',
        themes: item.themes.map((th) => ({ id: th.id, label: th.label[lang], checked: chosen.has(th.id) })),
      },
      problems: problems.length
        ? problemsView(t, problems, { text: t('moderation.field.text'), themes: t('moderation.field.themes') })
        : noProblems,
    };
    return problems.length ? refuse(reply, 'admin/moderation', model) : reply.page('admin/moderation', model);
  }

  app.get('/admin/moderation', { config: ADMIN, schema: { querystring: QueueQuery } }, async (request, reply) => {
    const { done } = request.query;
    return queuePage(request, reply, await nextComment(db), done ? { notice: tOf(request)(`moderation.done.${done}`) } : {});
  });

  app.post('/admin/moderation', { config: ADMIN, schema: { body: DecisionBody } }, async (request, reply) => {
    const { body } = request;
    const decision = { show: body.decision === 'show', text: body.text, themes: body.themes ?? [], crisis: body.crisis === 'yes' };
    const result = await decideComment(db, body.comment, decision, actorOf(request));
    if (!result.ok) {
      const item = await commentToModerate(db, body.comment);
      if (!item) throw new HttpProblem(409, 'moderation.error.decided');
      return queuePage(request, reply, item, { values: body, problems: result.problems });
    }
    return reply.redirect(`/admin/moderation?done=${result.value}`, 303);
  });

  app.get('/admin/moderation/crisis', { config: ADMIN, schema: { querystring: NoQuery } }, async (request, reply) => {
    noStore(reply);
    return reply.page('admin/moderation-crisis', { entries: await crisisList(db) });
  });
};

export default moderationRoutes;
