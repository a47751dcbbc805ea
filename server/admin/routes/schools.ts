import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import Papa from 'papaparse';
import { addSchool, benchmarkGroups, getSchool, PROVINCES, setSchoolActive, updateSchool, type SchoolFields } from '../schools.ts';
import { findSchools, MAX_PAGE_SIZE, SCHOOL_SORTS, type SchoolFilter } from '../lists.ts';
import { escapeFormula } from '../../research/csv.ts';
import { Uuid } from '../../platform/http-schemas.ts';
import { importSchools, previewSchoolImport } from '../school-import.ts';
import { UPLOAD_LIMIT } from '../../platform/upload.ts';
import { Csrf, NoQuery, SchoolParams } from '../../platform/http-schemas.ts';
import {
  ADMIN,
  actorOf,
  carry,
  Choice,
  listUrl,
  noProblems,
  notFound,
  Notice,
  orUndefined,
  PageNumber,
  pager,
  problemsView,
  refuse,
  Search,
  SortDirection,
  sortLinks,
  tOf,
  uncarry,
} from './common.ts';

const SchoolBody = Type.Object(
  {
    name: Type.String({ maxLength: 1000 }),
    benchmarkGroup: Type.String({ maxLength: 1000 }),
    municipality: Type.String({ maxLength: 1000 }),
    staffCount: Type.String({ maxLength: 100 }),
    number: Type.Optional(Type.String({ maxLength: 100 })),
    province: Type.Optional(Type.String({ maxLength: 100 })),
    _csrf: Csrf,
  },
  { additionalProperties: false },
);
const ActiveBody = Type.Object(
  { active: Type.Union([Type.Literal('true'), Type.Literal('false')]), _csrf: Csrf },
  { additionalProperties: false },
);
/** The upload (a file, or pasted text) of the first step. */
const ImportBody = Type.Object(
  {
    file: Type.Optional(Type.String({ maxLength: UPLOAD_LIMIT })),
    text: Type.Optional(Type.String({ maxLength: UPLOAD_LIMIT })),
    _csrf: Csrf,
  },
  { additionalProperties: false },
);
/** The second step: the same text, carried unchanged from the preview. */
const CommitBody = Type.Object({ data: Type.String({ maxLength: 2 * UPLOAD_LIMIT }), _csrf: Csrf }, { additionalProperties: false });
const Filters = {
  q: Search,
  group: Type.Optional(Type.String({ maxLength: 100 })),
  municipality: Type.Optional(Type.String({ maxLength: 100 })),
  wave: Type.Optional(Type.Union([Type.Literal(''), Uuid])),
  active: Choice(['yes', 'no'] as const),
  sort: Choice(SCHOOL_SORTS),
  dir: SortDirection,
};
const ListQuery = Type.Object(
  { ...Notice(['created', 'updated', 'imported', 'activated', 'deactivated']).properties, ...Filters, page: PageNumber },
  { additionalProperties: false },
);
const CsvQuery = Type.Object(Filters, { additionalProperties: false });
type ListFilters = Static<typeof CsvQuery>;
const filterOf = (q: ListFilters): SchoolFilter => ({
  ...(q.q ? { q: q.q } : {}),
  ...(q.group ? { group: q.group } : {}),
  ...(q.municipality ? { municipality: q.municipality } : {}),
  ...(q.wave ? { wave: q.wave } : {}),
  ...(q.active ? { active: q.active } : {}),
  ...(q.sort ? { sort: q.sort } : {}),
  ...(q.dir ? { dir: q.dir } : {}),
});

const schoolRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const db = app.store.db;

  const labels = (request: FastifyRequest) => {
    const t = tOf(request);
    return {
      name: t('admin.schools.field.name'),
      number: t('admin.schools.field.number'),
      benchmarkGroup: t('admin.schools.field.benchmarkGroup'),
      municipality: t('admin.schools.field.municipality'),
      province: t('admin.schools.field.province'),
      staffCount: t('admin.schools.field.staffCount'),
    };
  };
  const formModel = async (values: SchoolFields, extra: Record<string, unknown> = {}) => ({
    values,
    groups: await benchmarkGroups(db),
    provinces: PROVINCES,
    problems: noProblems,
    ...extra,
  });
  const emptySchool: SchoolFields = { name: '', benchmarkGroup: '', municipality: '', staffCount: '', number: '', province: '' };

  app.get('/admin/schools', { config: ADMIN, schema: { querystring: ListQuery } }, async (request, reply) => {
    const { query } = request;
    const filter = filterOf(query);
    const found = await findSchools(db, { ...filter, ...(query.page ? { page: query.page } : {}) });
    const values = {
      q: query.q ?? '',
      group: query.group ?? '',
      municipality: query.municipality ?? '',
      wave: query.wave ?? '',
      active: query.active ?? '',
      sort: query.sort ?? '',
      dir: query.dir ?? '',
    };
    const waves = await db.selectFrom('wave').select(['id', 'name']).orderBy('created_at', 'desc').limit(200).execute();
    return reply.page('admin/schools', {
      notice: query.done ? tOf(request)(`admin.schools.done.${query.done}`, { count: query.n ?? 0 }) : null,
      values,
      filtered: Object.values(filter).some(Boolean),
      groups: await benchmarkGroups(db),
      waves,
      pager: pager('/admin/schools', values, found),
      sorts: sortLinks('/admin/schools', values, SCHOOL_SORTS, orUndefined(query.sort) ?? 'name', orUndefined(query.dir) ?? 'asc'),
      csvHref: listUrl('/admin/schools.csv', values),
      schools: found.rows,
    });
  });

  // The list as a file, with the same filters: school numbers for scripts and spreadsheets.
  app.get('/admin/schools.csv', { config: ADMIN, schema: { querystring: CsvQuery } }, async (request, reply) => {
    const t = tOf(request);
    const found = await findSchools(db, { ...filterOf(request.query), pageSize: MAX_PAGE_SIZE });
    const header = [
      'id',
      'instellingsnummer',
      t('admin.schools.field.name'),
      t('admin.schools.field.benchmarkGroup'),
      t('admin.schools.field.municipality'),
      t('admin.schools.field.staffCount'),
      t('admin.common.status'),
    ];
    const rows = found.rows.map((s) => [
      s.id,
      s.number ?? '',
      escapeFormula(s.name),
      escapeFormula(s.benchmarkGroup),
      escapeFormula(s.municipality),
      String(s.staffCount),
      s.active ? t('admin.common.active') : t('admin.common.inactive'),
    ]);
    reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="scholen.csv"');
    return '\ufeff' + Papa.unparse([header, ...rows], { delimiter: ';', newline: '\r\n' }) + '\r\n';
  });

  app.get('/admin/schools/new', { config: ADMIN, schema: { querystring: NoQuery } }, async (_request, reply) =>
    reply.page('admin/school-form', await formModel(emptySchool, { schoolId: null })),
  );

  app.post('/admin/schools', { config: ADMIN, schema: { body: SchoolBody } }, async (request, reply) => {
    const { _csrf, ...values } = request.body;
    const result = await addSchool(db, values, actorOf(request));
    if (!result.ok)
      return refuse(
        reply,
        'admin/school-form',
        await formModel(values, { schoolId: null, problems: problemsView(tOf(request), result.problems, labels(request)) }),
      );
    return reply.redirect('/admin/schools?done=created', 303);
  });

  app.get('/admin/schools/import', { config: ADMIN, schema: { querystring: NoQuery } }, async (_request, reply) =>
    reply.page('admin/school-import', { problems: noProblems }),
  );

  app.post(
    '/admin/schools/import',
    { config: { ...ADMIN, upload: true }, bodyLimit: UPLOAD_LIMIT, schema: { body: ImportBody } },
    async (request, reply) => {
      const { body } = request;
      const text = body.file?.trim() ? body.file : (body.text ?? '');
      const t = tOf(request);
      if (!text.trim()) {
        return refuse(reply, 'admin/school-import', {
          problems: problemsView(t, [{ field: 'file', key: 'admin.import.error.noFile' }], { file: t('admin.import.file') }),
        });
      }
      const preview = await previewSchoolImport(db, text);
      if (!preview.ok) return refuse(reply, 'admin/school-import', { problems: problemsView(t, preview.problems, {}, 'file') });
      return reply.page('admin/school-import-preview', {
        data: carry(text),
        delimiter: preview.value.delimiter,
        // The first rows only: a network's file has thousands; all of them are checked and imported.
        rows: preview.value.rows.slice(0, 100),
        count: preview.value.rows.length,
      });
    },
  );

  app.post(
    '/admin/schools/import/commit',
    { config: ADMIN, bodyLimit: 3 * UPLOAD_LIMIT, schema: { body: CommitBody } },
    async (request, reply) => {
      const { body } = request;
      const result = await importSchools(db, uncarry(body.data), actorOf(request));
      if (!result.ok) return refuse(reply, 'admin/school-import', { problems: problemsView(tOf(request), result.problems, {}, 'file') });
      return reply.redirect(`/admin/schools?done=imported&n=${result.value.count}`, 303);
    },
  );

  app.get('/admin/schools/:schoolId', { config: ADMIN, schema: { params: SchoolParams, querystring: NoQuery } }, async (request, reply) => {
    const school = await getSchool(db, request.params.schoolId);
    if (!school) throw notFound();
    const values: SchoolFields = {
      name: school.name,
      benchmarkGroup: school.benchmark_group,
      municipality: school.municipality,
      staffCount: String(school.staff_count),
      number: school.instellingsnummer ?? '',
      province: school.province ?? '',
    };
    return reply.page('admin/school-form', await formModel(values, { schoolId: school.id, active: school.active }));
  });

  app.post('/admin/schools/:schoolId', { config: ADMIN, schema: { params: SchoolParams, body: SchoolBody } }, async (request, reply) => {
    const { schoolId } = request.params;
    const { _csrf, ...values } = request.body;
    const result = await updateSchool(db, schoolId, values, actorOf(request));
    if (!result) throw notFound();
    if (!result.ok) {
      const school = await getSchool(db, schoolId);
      return refuse(
        reply,
        'admin/school-form',
        await formModel(values, {
          schoolId,
          active: school?.active ?? true,
          problems: problemsView(tOf(request), result.problems, labels(request)),
        }),
      );
    }
    return reply.redirect('/admin/schools?done=updated', 303);
  });

  app.post(
    '/admin/schools/:schoolId/active',
    { config: ADMIN, schema: { params: SchoolParams, body: ActiveBody } },
    async (request, reply) => {
      const { schoolId } = request.params;
      const active = request.body.active === 'true';
      if (!(await setSchoolActive(db, schoolId, active, actorOf(request)))) throw notFound();
      return reply.redirect(`/admin/schools?done=${active ? 'activated' : 'deactivated'}`, 303);
    },
  );
};

export default schoolRoutes;
