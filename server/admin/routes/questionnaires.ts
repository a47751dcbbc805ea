import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Questionnaire } from '../../../surveys/schema.ts';
import { itemsInOrder } from '../../../surveys/load.ts';
import {
  checkQuestionnaireText,
  schemaProblems,
  getQuestionnaireRecord,
  listQuestionnaires,
  publishQuestionnaireText,
  type VersionSummary,
} from '../questionnaires.ts';
import { questionnaireView } from '../../teacher/questionnaire-view.ts';
import { translator, type Lang } from '../../platform/i18n.ts';
import { UPLOAD_LIMIT } from '../../platform/upload.ts';
import { HttpProblem, type Problem } from '../../platform/problems.ts';
import { Csrf, LangField, Language, Uuid } from '../../platform/http-schemas.ts';
import { ADMIN, actorOf, carry, fieldId, noProblems, notFound, Notice, problemsView, refuse, tOf, uncarry } from './common.ts';
import { applyOp, DRAFT_FIELD, draftFromFields, draftOf, parseOp, questionnaireOf, type Draft } from '../questionnaire-draft.ts';
import { diffView, editorLabels, editorView } from '../questionnaire-editor-view.ts';
import { diffQuestionnaires } from '../../../surveys/diff.ts';
import { parseQuestionnaire } from '../../../surveys/load.ts';

const QuestionnaireParams = Type.Object({ questionnaireId: Uuid }, { additionalProperties: false });
const UploadBody = Type.Object(
  {
    file: Type.Optional(Type.String({ maxLength: UPLOAD_LIMIT })),
    text: Type.Optional(Type.String({ maxLength: UPLOAD_LIMIT })),
    _csrf: Csrf,
  },
  { additionalProperties: false },
);
/** The checked JSON text, carried unchanged to the preview and to publishing. */
const CarriedBody = Type.Object({ data: Type.String({ maxLength: 2 * UPLOAD_LIMIT }), _csrf: Csrf }, { additionalProperties: false });
const PreviewBody = Type.Object(
  { data: Type.String({ maxLength: 2 * UPLOAD_LIMIT }), lang: Language, _csrf: Csrf },
  { additionalProperties: false },
);
const PreviewQuery = Type.Object({ lang: LangField }, { additionalProperties: false });
const ListQuery = Notice(['published']);
/** The editing form: its fields are named by JSON path (`DRAFT_FIELD`), besides the button pressed and the token. */
const EditBody = Type.Record(Type.String({ pattern: `^(_csrf|op)$|${DRAFT_FIELD.source}` }), Type.String({ maxLength: 20_000 }), {
  maxProperties: 4000,
  additionalProperties: false,
});

const questionnaireRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const db = app.store.db;

  async function listPage(request: FastifyRequest, reply: FastifyReply, problems: Problem[] = [], notice: string | null = null) {
    const t = tOf(request);
    const rows = await listQuestionnaires(db);
    const model = {
      notice,
      questionnaires: rows.map((q) => ({ ...q, title: q.title[request.lang] })),
      problems: problems.length ? problemsView(t, problems, {}, 'file') : noProblems,
    };
    return problems.length ? refuse(reply, 'admin/questionnaires', model) : reply.page('admin/questionnaires', model);
  }

  /** The teacher's page, in preview: `banner` says what the admin can do from here. */
  function preview(request: FastifyRequest, reply: FastifyReply, q: Questionnaire, lang: Lang, banner: Record<string, unknown>) {
    // The page is in the language previewed, exactly as a teacher would see it.
    request.lang = lang;
    const view = questionnaireView(q, lang, translator(lang), '');
    return reply.page('questionnaire', {
      q: view,
      styles: ['/static/admin.css'],
      preview: { ...banner, otherLang: lang === 'nl' ? 'en' : 'nl' },
    });
  }

  app.get('/admin/questionnaires', { config: ADMIN, schema: { querystring: ListQuery } }, async (request, reply) => {
    const { done } = request.query;
    return listPage(request, reply, [], done ? tOf(request)(`admin.questionnaires.done.${done}`) : null);
  });

  // Step 1: upload and check (schema, JSON paths, versions); nothing is stored.
  app.post(
    '/admin/questionnaires/check',
    { config: { ...ADMIN, upload: true }, bodyLimit: UPLOAD_LIMIT, schema: { body: UploadBody } },
    async (request, reply) => {
      const { body } = request;
      const text = body.file?.trim() ? body.file : (body.text ?? '');
      if (!text.trim()) return listPage(request, reply, [{ field: 'file', key: 'admin.questionnaires.error.noFile' }]);
      const checked = await checkQuestionnaireText(db, text);
      if (!checked.ok) return listPage(request, reply, checked.problems);
      return checkPage(request, reply, text, checked.questionnaire, checked.versions);
    },
  );

  function checkPage(request: FastifyRequest, reply: FastifyReply, text: string, q: Questionnaire, versions: VersionSummary) {
    const diff = versions.previous ? diffView(diffQuestionnaires(versions.previous, q), request.lang) : null;
    return reply.page('admin/questionnaire-check', { data: carry(text), summary: summary(q, request.lang, versions), diff });
  }

  /** The editing form, with the problems a check found beside their fields. */
  function editorPage(request: FastifyRequest, reply: FastifyReply, draft: Draft, problems: Problem[] = []) {
    const t = tOf(request);
    const view = problemsView(t, problems, editorLabels(draft, t), '');
    const model = { form: editorView(draft, t, view.byField, fieldId), problems: view };
    return problems.length ? refuse(reply, 'admin/questionnaire-editor', model) : reply.page('admin/questionnaire-editor', model);
  }

  // A new version in a form, starting from a published one (issue 18): no JSON by hand.
  app.get(
    '/admin/questionnaires/:questionnaireId/edit',
    { config: ADMIN, schema: { params: QuestionnaireParams } },
    async (request, reply) => {
      const record = await getQuestionnaireRecord(db, request.params.questionnaireId);
      if (!record) throw notFound();
      return editorPage(request, reply, draftOf(record.definition, record.version + 1));
    },
  );

  // Every button of the form posts here: add or remove a row, download the JSON, or check it.
  app.post('/admin/questionnaires/edit', { config: ADMIN, bodyLimit: UPLOAD_LIMIT, schema: { body: EditBody } }, async (request, reply) => {
    const { _csrf: _token, op: pressed, ...fields } = request.body;
    const op = parseOp(pressed);
    if (!op) throw new HttpProblem(400, 'questionnaireEditor.error.unknownButton');
    const draft = draftFromFields(fields);
    if (op.kind === 'download') {
      const name = `${draft.id.replace(/[^a-z0-9_-]/g, '') || 'questionnaire'}-v${draft.version.replace(/\D/g, '') || 'x'}.json`;
      return reply
        .header('content-disposition', `attachment; filename="${name}"`)
        .type('application/json; charset=utf-8')
        .send(`${JSON.stringify(questionnaireOf(draft), null, 2)}\n`);
    }
    if (op.kind !== 'check') return editorPage(request, reply, applyOp(draft, op));
    const parsed = parseQuestionnaire(questionnaireOf(draft));
    if (!parsed.ok) return editorPage(request, reply, draft, schemaProblems(parsed.errors));
    const text = JSON.stringify(parsed.questionnaire, null, 2);
    const checked = await checkQuestionnaireText(db, text);
    if (!checked.ok) return editorPage(request, reply, draft, checked.problems);
    return checkPage(request, reply, text, checked.questionnaire, checked.versions);
  });

  // Step 2 (optional, any number of times): the teacher's view of the checked text, nl or en.
  app.post(
    '/admin/questionnaires/preview',
    { config: ADMIN, bodyLimit: 3 * UPLOAD_LIMIT, schema: { body: PreviewBody } },
    async (request, reply) => {
      const { body } = request;
      const checked = await checkQuestionnaireText(db, uncarry(body.data));
      if (!checked.ok) return listPage(request, reply, checked.problems);
      return preview(request, reply, checked.questionnaire, body.lang, { kind: 'draft', data: body.data });
    },
  );

  // Step 3: publish; checked again in the same transaction as the insert.
  app.post(
    '/admin/questionnaires',
    { config: ADMIN, bodyLimit: 3 * UPLOAD_LIMIT, schema: { body: CarriedBody } },
    async (request, reply) => {
      const { body } = request;
      const result = await publishQuestionnaireText(db, uncarry(body.data), actorOf(request));
      if (!result.ok) return listPage(request, reply, result.problems);
      return reply.redirect(`/admin/questionnaires/${result.value.id}?done=published`, 303);
    },
  );

  app.get(
    '/admin/questionnaires/:questionnaireId',
    { config: ADMIN, schema: { params: QuestionnaireParams, querystring: ListQuery } },
    async (request, reply) => {
      const record = await getQuestionnaireRecord(db, request.params.questionnaireId);
      if (!record) throw notFound();
      const { done } = request.query;
      const q = record.definition;
      const lang = request.lang;
      return reply.page('admin/questionnaire', {
        id: record.id,
        notice: done ? tOf(request)(`admin.questionnaires.done.${done}`) : null,
        summary: summary(q, lang, null),
        themes: q.themes.map((th) => ({
          id: th.id,
          label: th.label[lang],
          items: th.items.map((it) => ({ id: it.id, label: it.label[lang], scale: it.scale, reverse: it.reverse })),
        })),
        background: q.background.map((b) => ({ id: b.id, label: b.label[lang], options: b.options.map((o) => o.label[lang]).join(' · ') })),
      });
    },
  );

  app.get(
    '/admin/questionnaires/:questionnaireId/preview',
    { config: ADMIN, schema: { params: QuestionnaireParams, querystring: PreviewQuery } },
    async (request, reply) => {
      const record = await getQuestionnaireRecord(db, request.params.questionnaireId);
      if (!record) throw notFound();
      const lang = request.query.lang ?? request.lang;
      return preview(request, reply, record.definition, lang, { kind: 'published', id: record.id });
    },
  );
};

export default questionnaireRoutes;

function summary(q: Questionnaire, lang: Lang, versions: VersionSummary | null) {
  return {
    key: q.id,
    version: q.version,
    title: q.title[lang],
    titles: q.title,
    themes: q.themes.length,
    items: itemsInOrder(q).length,
    background: q.background.length,
    comment: !!q.comment,
    versions: versions && { previousVersion: versions.previousVersion, kept: versions.kept.length, added: versions.added },
  };
}
