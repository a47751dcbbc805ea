import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { addSchool, benchmarkGroups, getSchool, listSchools, setSchoolActive, updateSchool, type SchoolFields } from '../../schools.ts';
import { importSchools, previewSchoolImport } from '../../school-import.ts';
import { UPLOAD_LIMIT } from '../../upload.ts';
import { Csrf, NoQuery, SchoolParams } from '../../http-schemas.ts';
import { ADMIN, actorOf, carry, noProblems, notFound, Notice, problemsView, refuse, tOf, uncarry } from './common.ts';

const SchoolBody = Type.Object(
  {
    name: Type.String({ maxLength: 1000 }),
    benchmarkGroup: Type.String({ maxLength: 1000 }),
    municipality: Type.String({ maxLength: 1000 }),
    staffCount: Type.String({ maxLength: 100 }),
    _csrf: Csrf,
  },
  { additionalProperties: false },
);
const ActiveBody = Type.Object({ active: Type.Union([Type.Literal('true'), Type.Literal('false')]), _csrf: Csrf }, { additionalProperties: false });
/** The upload (a file, or pasted text) of the first step. */
const ImportBody = Type.Object(
  { file: Type.Optional(Type.String({ maxLength: UPLOAD_LIMIT })), text: Type.Optional(Type.String({ maxLength: UPLOAD_LIMIT })), _csrf: Csrf },
  { additionalProperties: false },
);
/** The second step: the same text, carried unchanged from the preview. */
const CommitBody = Type.Object({ data: Type.String({ maxLength: 2 * UPLOAD_LIMIT }), _csrf: Csrf }, { additionalProperties: false });
const ListQuery = Notice(['created', 'updated', 'imported', 'activated', 'deactivated']);

const schoolRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const db = app.store.db;

  const labels = (request: FastifyRequest) => {
    const t = tOf(request);
    return { name: t('admin.schools.field.name'), benchmarkGroup: t('admin.schools.field.benchmarkGroup'), municipality: t('admin.schools.field.municipality'), staffCount: t('admin.schools.field.staffCount') };
  };
  const formModel = async (values: SchoolFields, extra: Record<string, unknown> = {}) => ({ values, groups: await benchmarkGroups(db), problems: noProblems, ...extra });
  const emptySchool: SchoolFields = { name: '', benchmarkGroup: '', municipality: '', staffCount: '' };

  app.get('/admin/schools', { config: ADMIN, schema: { querystring: ListQuery } }, async (request, reply) => {
    const { query } = request;
    const schools = await listSchools(db);
    return reply.page('admin/schools', {
      notice: query.done ? tOf(request)(`admin.schools.done.${query.done}`, { count: query.n ?? 0 }) : null,
      schools: schools.map((s) => ({ id: s.id, name: s.name, benchmarkGroup: s.benchmark_group, municipality: s.municipality, staffCount: s.staff_count, active: s.active })),
    });
  });

  app.get('/admin/schools/new', { config: ADMIN, schema: { querystring: NoQuery } }, async (_request, reply) => reply.page('admin/school-form', await formModel(emptySchool, { schoolId: null })));

  app.post('/admin/schools', { config: ADMIN, schema: { body: SchoolBody } }, async (request, reply) => {
    const { _csrf, ...values } = request.body;
    const result = await addSchool(db, values, actorOf(request));
    if (!result.ok) return refuse(reply, 'admin/school-form', await formModel(values, { schoolId: null, problems: problemsView(tOf(request), result.problems, labels(request)) }));
    return reply.redirect('/admin/schools?done=created', 303);
  });

  app.get('/admin/schools/import', { config: ADMIN, schema: { querystring: NoQuery } }, async (_request, reply) => reply.page('admin/school-import', { problems: noProblems }));

  app.post('/admin/schools/import', { config: { ...ADMIN, upload: true }, bodyLimit: UPLOAD_LIMIT, schema: { body: ImportBody } }, async (request, reply) => {
    const { body } = request;
    const text = body.file?.trim() ? body.file : (body.text ?? '');
    const t = tOf(request);
    if (!text.trim()) {
      return refuse(reply, 'admin/school-import', { problems: problemsView(t, [{ field: 'file', key: 'admin.import.error.noFile' }], { file: t('admin.import.file') }) });
    }
    const preview = await previewSchoolImport(db, text);
    if (!preview.ok) return refuse(reply, 'admin/school-import', { problems: problemsView(t, preview.problems, {}, 'file') });
    return reply.page('admin/school-import-preview', {
      data: carry(text),
      delimiter: preview.value.delimiter,
      rows: preview.value.rows,
    });
  });

  app.post('/admin/schools/import/commit', { config: ADMIN, bodyLimit: 3 * UPLOAD_LIMIT, schema: { body: CommitBody } }, async (request, reply) => {
    const { body } = request;
    const result = await importSchools(db, uncarry(body.data), actorOf(request));
    if (!result.ok) return refuse(reply, 'admin/school-import', { problems: problemsView(tOf(request), result.problems, {}, 'file') });
    return reply.redirect(`/admin/schools?done=imported&n=${result.value.count}`, 303);
  });

  app.get('/admin/schools/:schoolId', { config: ADMIN, schema: { params: SchoolParams, querystring: NoQuery } }, async (request, reply) => {
    const school = await getSchool(db, request.params.schoolId);
    if (!school) throw notFound();
    const values: SchoolFields = { name: school.name, benchmarkGroup: school.benchmark_group, municipality: school.municipality, staffCount: String(school.staff_count) };
    return reply.page('admin/school-form', await formModel(values, { schoolId: school.id, active: school.active }));
  });

  app.post('/admin/schools/:schoolId', { config: ADMIN, schema: { params: SchoolParams, body: SchoolBody } }, async (request, reply) => {
    const { schoolId } = request.params;
    const { _csrf, ...values } = request.body;
    const result = await updateSchool(db, schoolId, values, actorOf(request));
    if (!result) throw notFound();
    if (!result.ok) {
      const school = await getSchool(db, schoolId);
      return refuse(reply, 'admin/school-form', await formModel(values, { schoolId, active: school?.active ?? true, problems: problemsView(tOf(request), result.problems, labels(request)) }));
    }
    return reply.redirect('/admin/schools?done=updated', 303);
  });

  app.post('/admin/schools/:schoolId/active', { config: ADMIN, schema: { params: SchoolParams, body: ActiveBody } }, async (request, reply) => {
    const { schoolId } = request.params;
    const active = request.body.active === 'true';
    if (!(await setSchoolActive(db, schoolId, active, actorOf(request)))) throw notFound();
    return reply.redirect(`/admin/schools?done=${active ? 'activated' : 'deactivated'}`, 303);
  });
};

export default schoolRoutes;
