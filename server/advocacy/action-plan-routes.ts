import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import {
  ActionPlanError,
  addNote,
  CARRIERS,
  createAction,
  editAction,
  listActions,
  MAX_ACTION,
  MAX_LABEL,
  MAX_NOTE,
  planWave,
  STATUSES,
  type ActionFields,
  type PlanWave,
} from './action-plans.ts';
import { HttpProblem, type Problem } from '../platform/problems.ts';
import { Csrf, LangField, SchoolWaveParams, Uuid } from '../platform/http-schemas.ts';
import { actionView, labelsOf } from './action-plans-view.ts';
import { actorOf, fieldId, noProblems, problemsView, tOf, type ProblemsView } from '../admin/routes/common.ts';
import { assertSchool, REPS_AND_ADMINS } from '../staff/school-access.ts';

/**
 * A school's action plan for a sealed wave (issue 19): the points the LOC agreed, for the school's
 * reps and admins. Forms work without JavaScript; the CSRF token is checked by the auth plugin for
 * every POST, before the body is validated. A refused form is shown again with its problems, and
 * nothing of it is stored.
 */

/** Generous limits here (a request no form sends is refused whole); the form's own limits are checked with a message. */
const Text = (max: number) => Type.String({ maxLength: max });
const ActionBody = {
  themeId: Text(100),
  itemId: Type.Optional(Text(100)),
  action: Text(4 * MAX_ACTION),
  carrier: Text(40),
  carrierLabel: Type.Optional(Text(4 * MAX_LABEL)),
  due: Text(40),
};
const CreateBody = Type.Object(
  { ...ActionBody, status: Text(40), note: Type.Optional(Text(4 * MAX_NOTE)), lang: LangField, _csrf: Csrf },
  { additionalProperties: false },
);
const EditBody = Type.Object({ id: Uuid, ...ActionBody, lang: LangField, _csrf: Csrf }, { additionalProperties: false });
const NoteBody = Type.Object(
  { id: Uuid, status: Text(40), note: Type.Optional(Text(4 * MAX_NOTE)), lang: LangField, _csrf: Csrf },
  { additionalProperties: false },
);
const PlanQuery = Type.Object(
  {
    lang: LangField,
    edit: Type.Optional(Uuid),
    done: Type.Optional(Type.Union([Type.Literal('created'), Type.Literal('updated'), Type.Literal('noted')])),
  },
  { additionalProperties: false },
);

const FORM_FIELDS = ['themeId', 'itemId', 'action', 'carrier', 'carrierLabel', 'due', 'status', 'note'] as const;

interface PageState {
  /** what the add or edit form shows (as typed after a refusal) */
  form?: Partial<Record<(typeof FORM_FIELDS)[number], string>>;
  /** the action being edited */
  editing?: string | null;
  /** the action whose status form was refused, and what was typed there */
  noteFor?: { id: string; status: string; note: string } | null;
  problems?: Problem[];
  notice?: string | null;
}

async function planPage(request: FastifyRequest, reply: FastifyReply, plan: PlanWave, state: PageState) {
  const t = tOf(request);
  const lang = request.lang;
  const db = request.server.store.db;
  const labels = labelsOf([plan.questionnaire], lang);
  const actions = (await listActions(db, plan.schoolId, [plan.waveId])).map((a) => actionView(a, labels, lang, t));
  const editing = state.editing ? actions.find((a) => a.id === state.editing) : undefined;
  if (state.editing && !editing) throw new HttpProblem(404, 'actions.error.notFound');
  const fieldLabels = Object.fromEntries(FORM_FIELDS.map((f) => [f, t(`actions.field.${f}`)]));
  let problems: ProblemsView = noProblems;
  if (state.problems?.length) {
    problems = problemsView(t, state.problems, fieldLabels);
    // A refused status form: its fields carry the action's id (every action has one).
    if (state.noteFor) {
      const suffix = `-${state.noteFor.id}`;
      problems = { ...problems, summary: problems.summary.map((s) => ({ ...s, href: `${s.href}${suffix}` })) };
    }
    reply.status(422);
  }
  const blank = { themeId: '', itemId: '', action: '', carrier: '', carrierLabel: '', due: '', status: 'agreed', note: '' };
  const form = { ...blank, ...(editing ? editing.fields : {}), ...state.form };
  const base = `/schools/${plan.schoolId}/waves/${plan.waveId}`;
  return reply.page('action-plans', {
    title: t('actions.pageTitle', { school: plan.schoolName, wave: plan.waveName }),
    styles: ['/static/actions.css'],
    schoolId: plan.schoolId,
    schoolName: plan.schoolName,
    waveName: plan.waveName,
    dashboardHref: base,
    actionsHref: `${base}/actions`,
    actions,
    editing: editing ?? null,
    form,
    // The add form's problems, or the status form's of one action.
    formProblems: state.noteFor ? {} : problems.byField,
    noteFor: state.noteFor ?? null,
    noteProblems: state.noteFor ? problems.byField : {},
    problems,
    notice: state.notice ?? null,
    themes: plan.questionnaire.themes.map((th) => ({
      id: th.id,
      label: th.label[lang],
      items: th.items.map((i) => ({ id: i.id, label: i.label[lang] })),
    })),
    carriers: CARRIERS.map((c) => ({ id: c, label: t(`actions.carrier.${c}`) })),
    statuses: STATUSES.map((s) => ({ id: s, label: t(`actions.status.${s}`) })),
    max: { action: MAX_ACTION, note: MAX_NOTE, label: MAX_LABEL },
    fieldId,
  });
}

const fieldsOf = (
  body: Omit<ActionFields, 'itemId' | 'carrierLabel'> & { itemId?: string | undefined; carrierLabel?: string | undefined },
): ActionFields => ({
  themeId: body.themeId,
  itemId: body.itemId ?? '',
  action: body.action,
  carrier: body.carrier,
  carrierLabel: body.carrierLabel ?? '',
  due: body.due,
});

const actionPlanRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const db = app.store.db;

  /** The plan of a school the caller may see, for a sealed wave it took part in. */
  async function planFor(request: FastifyRequest, schoolId: string, waveId: string): Promise<PlanWave> {
    assertSchool(request, schoolId);
    return planWave(db, waveId, schoolId).catch(refusal);
  }

  app.get(
    '/schools/:schoolId/waves/:waveId/actions',
    { config: REPS_AND_ADMINS, schema: { params: SchoolWaveParams, querystring: PlanQuery } },
    async (request, reply) => {
      const plan = await planFor(request, request.params.schoolId, request.params.waveId);
      const notice = request.query.done ? tOf(request)(`actions.done.${request.query.done}`) : null;
      return planPage(request, reply, plan, { editing: request.query.edit ?? null, notice });
    },
  );

  app.post(
    '/schools/:schoolId/waves/:waveId/actions',
    { config: REPS_AND_ADMINS, schema: { params: SchoolWaveParams, body: CreateBody } },
    async (request, reply) => {
      const plan = await planFor(request, request.params.schoolId, request.params.waveId);
      const body = request.body;
      const raw = { ...fieldsOf(body), status: body.status, note: body.note ?? '' };
      const checked = await createAction(db, plan, raw, actorOf(request)).catch(refusal);
      if (!checked.ok) return planPage(request, reply, plan, { form: raw, problems: checked.problems });
      return reply.redirect(`/schools/${plan.schoolId}/waves/${plan.waveId}/actions?done=created#action-${checked.value.id}`, 303);
    },
  );

  app.post(
    '/schools/:schoolId/waves/:waveId/actions/edit',
    { config: REPS_AND_ADMINS, schema: { params: SchoolWaveParams, body: EditBody } },
    async (request, reply) => {
      const plan = await planFor(request, request.params.schoolId, request.params.waveId);
      const raw = fieldsOf(request.body);
      const checked = await editAction(db, plan, request.body.id, raw, actorOf(request)).catch(refusal);
      if (!checked.ok) return planPage(request, reply, plan, { form: raw, editing: request.body.id, problems: checked.problems });
      return reply.redirect(`/schools/${plan.schoolId}/waves/${plan.waveId}/actions?done=updated#action-${checked.value.id}`, 303);
    },
  );

  app.post(
    '/schools/:schoolId/waves/:waveId/actions/status',
    { config: REPS_AND_ADMINS, schema: { params: SchoolWaveParams, body: NoteBody } },
    async (request, reply) => {
      const plan = await planFor(request, request.params.schoolId, request.params.waveId);
      const { id, status } = request.body;
      const note = request.body.note ?? '';
      const checked = await addNote(db, plan, id, { status, note }, actorOf(request)).catch(refusal);
      if (!checked.ok) return planPage(request, reply, plan, { noteFor: { id, status, note }, problems: checked.problems });
      return reply.redirect(`/schools/${plan.schoolId}/waves/${plan.waveId}/actions?done=noted#action-${checked.value.id}`, 303);
    },
  );
};

/** The plan's refusals as HTTP: an unknown wave, school or action is not found; an open wave has no plan yet. */
function refusal(err: unknown): never {
  if (err instanceof ActionPlanError) {
    if (err.reason === 'not-sealed') throw new HttpProblem(409, 'actions.error.notSealed');
    throw new HttpProblem(404, err.reason === 'no-wave' ? 'dashboard.error.noResults' : 'actions.error.notFound');
  }
  throw err;
}

export default actionPlanRoutes;
