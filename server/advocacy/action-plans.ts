import type { Kysely } from 'kysely';
import type { ActionCarrier, ActionStatus, Database } from '../db/schema.ts';
import type { Questionnaire } from '../../surveys/schema.ts';
import { getQuestionnaire } from '../questionnaires.ts';
import { isSealed } from '../waves.ts';
import { problem, type Checked, type Problem } from '../platform/problems.ts';
import { recordAction, type Actor } from '../platform/audit-log.ts';

/**
 * Action plans per school and wave (issue 19): what the local negotiation committee (LOC) agreed
 * after a sealed wave, each point tied to a theme (and optionally one item) of the wave's
 * questionnaire, with who carries it (a role, never a person), a due date, a status and a dated
 * history. Staff text: escaped wherever it is shown, and read by no researcher export. Every write
 * is one transaction together with its audit entry, whose target names school and wave only.
 */

export const STATUSES = ['proposed', 'agreed', 'in_progress', 'done', 'dropped'] as const satisfies readonly ActionStatus[];
export const CARRIERS = ['directie', 'werkgroep', 'loc', 'leerkrachten', 'andere'] as const satisfies readonly ActionCarrier[];

/** The longest action, note and carrier label (the database checks the same). */
export const MAX_ACTION = 500;
export const MAX_NOTE = 500;
export const MAX_LABEL = 60;

export class ActionPlanError extends Error {
  constructor(
    readonly reason: 'no-wave' | 'not-sealed' | 'not-found',
    message: string,
  ) {
    super(message);
  }
}

export interface ActionNote {
  status: ActionStatus;
  note: string | null;
  at: Date;
}

export interface ActionItem {
  id: string;
  waveId: string;
  schoolId: string;
  themeId: string;
  itemId: string | null;
  action: string;
  carrier: ActionCarrier;
  carrierLabel: string | null;
  /** `YYYY-MM-DD` */
  due: string;
  status: ActionStatus;
  createdAt: Date;
  /** oldest first */
  notes: ActionNote[];
}

/** The form's fields, as typed (every one a string; empty = not given). */
export interface ActionFields {
  themeId: string;
  itemId: string;
  action: string;
  carrier: string;
  carrierLabel: string;
  due: string;
}

export interface PlanWave {
  waveId: string;
  schoolId: string;
  waveName: string;
  schoolName: string;
  questionnaire: Questionnaire;
}

/**
 * The wave and school a plan belongs to: the school takes part in the wave, and the wave is sealed
 * (a plan answers results, which exist only then).
 */
export async function planWave(db: Kysely<Database>, waveId: string, schoolId: string): Promise<PlanWave> {
  const row = await db
    .selectFrom('wave_school')
    .innerJoin('wave', 'wave.id', 'wave_school.wave_id')
    .innerJoin('school', 'school.id', 'wave_school.school_id')
    .select(['wave.name as waveName', 'wave.status', 'wave.sealed', 'wave.questionnaire_id', 'school.name as schoolName'])
    .where('wave_school.wave_id', '=', waveId)
    .where('wave_school.school_id', '=', schoolId)
    .executeTakeFirst();
  if (!row || row.status === 'draft') throw new ActionPlanError('no-wave', 'the school is not in this wave');
  if (!isSealed(row)) throw new ActionPlanError('not-sealed', 'the wave is not sealed yet');
  return {
    waveId,
    schoolId,
    waveName: row.waveName,
    schoolName: row.schoolName,
    questionnaire: await getQuestionnaire(db, row.questionnaire_id),
  };
}

/** The actions of a school in the given waves, oldest first, each with its history. */
export async function listActions(db: Kysely<Database>, schoolId: string, waveIds: readonly string[]): Promise<ActionItem[]> {
  if (!waveIds.length) return [];
  const rows = await db
    .selectFrom('action_plan_item')
    .selectAll()
    .where('school_id', '=', schoolId)
    .where('wave_id', 'in', [...waveIds])
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  if (!rows.length) return [];
  const notes = await db
    .selectFrom('action_plan_note')
    .select(['item_id', 'status', 'note', 'at'])
    .where(
      'item_id',
      'in',
      rows.map((r) => r.id),
    )
    .orderBy('at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    waveId: r.wave_id,
    schoolId: r.school_id,
    themeId: r.theme_id,
    itemId: r.item_id,
    action: r.action,
    carrier: r.carrier,
    carrierLabel: r.carrier_label,
    due: r.due,
    status: r.status,
    createdAt: r.created_at,
    notes: notes.filter((n) => n.item_id === r.id).map((n) => ({ status: n.status, note: n.note, at: n.at })),
  }));
}

// ---- Checking what was typed --------------------------------------------------------------------

/** Control characters (a tab and line breaks aside) and lone surrogates: no database or slide takes them. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]|\p{Cs}/u;

const isStatus = (s: string): s is ActionStatus => (STATUSES as readonly string[]).includes(s);
const isCarrier = (s: string): s is ActionCarrier => (CARRIERS as readonly string[]).includes(s);

/** Free text: trimmed, line breaks made `\n`; '' when empty. */
function text(raw: string, field: string, max: number, required: boolean, problems: Problem[], oneLine = false): string {
  const value = raw.replace(/\r\n?/g, '\n').trim();
  if (!value) {
    if (required) problems.push(problem(field, 'actions.error.required'));
    return '';
  }
  if (CONTROL.test(value) || (oneLine && /[\n\t]/.test(value))) problems.push(problem(field, 'actions.error.control'));
  else if ([...value].length > max) problems.push(problem(field, 'actions.error.tooLong', { max }));
  return value;
}

/** A real calendar day, `YYYY-MM-DD`, between 2000 and 2100. */
export function validDay(raw: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(raw.trim());
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (y < 2000 || y > 2100) return null;
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d ? m[0] : null;
}

type CheckedFields = Omit<ActionFields, 'itemId' | 'carrier' | 'carrierLabel'> & {
  itemId: string | null;
  carrier: ActionCarrier;
  carrierLabel: string | null;
};

function checkFields(raw: ActionFields, questionnaire: Questionnaire, problems: Problem[]): CheckedFields {
  const theme = questionnaire.themes.find((t) => t.id === raw.themeId);
  if (!raw.themeId) problems.push(problem('themeId', 'actions.error.required'));
  else if (!theme) problems.push(problem('themeId', 'actions.error.unknownTheme'));
  const itemId = raw.itemId.trim() || null;
  if (itemId && theme && !theme.items.some((i) => i.id === itemId)) problems.push(problem('itemId', 'actions.error.itemNotInTheme'));
  const action = text(raw.action, 'action', MAX_ACTION, true, problems);
  if (!raw.carrier) problems.push(problem('carrier', 'actions.error.required'));
  else if (!isCarrier(raw.carrier)) problems.push(problem('carrier', 'actions.error.unknownCarrier'));
  const label = text(raw.carrierLabel, 'carrierLabel', MAX_LABEL, raw.carrier === 'andere', problems, true);
  const due = raw.due.trim() ? validDay(raw.due) : null;
  if (!raw.due.trim()) problems.push(problem('due', 'actions.error.required'));
  else if (!due) problems.push(problem('due', 'actions.error.badDate'));
  return { themeId: raw.themeId, itemId, action, carrier: raw.carrier as ActionCarrier, carrierLabel: label || null, due: due ?? '' };
}

function checkStatus(raw: string, problems: Problem[]): ActionStatus {
  if (!raw) problems.push(problem('status', 'actions.error.required'));
  else if (!isStatus(raw)) problems.push(problem('status', 'actions.error.unknownStatus'));
  return raw as ActionStatus;
}

const target = (plan: Pick<PlanWave, 'schoolId' | 'waveId'>) => `school:${plan.schoolId} wave:${plan.waveId}`;

// ---- Writing ------------------------------------------------------------------------------------

/** A new point of the plan, with its first status (and an optional note) as the first row of its history. */
export async function createAction(
  db: Kysely<Database>,
  plan: PlanWave,
  raw: ActionFields & { status: string; note: string },
  actor?: Actor,
): Promise<Checked<{ id: string }>> {
  const problems: Problem[] = [];
  const fields = checkFields(raw, plan.questionnaire, problems);
  const status = checkStatus(raw.status, problems);
  const note = text(raw.note, 'note', MAX_NOTE, false, problems);
  if (problems.length) return { ok: false, problems };
  return db.transaction().execute(async (trx) => {
    const { id } = await trx
      .insertInto('action_plan_item')
      .values({
        wave_id: plan.waveId,
        school_id: plan.schoolId,
        theme_id: fields.themeId,
        item_id: fields.itemId,
        action: fields.action,
        carrier: fields.carrier,
        carrier_label: fields.carrierLabel,
        due: fields.due,
        status,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('action_plan_note')
      .values({ item_id: id, status, note: note || null })
      .execute();
    await recordAction(trx, actor, 'actionPlan.create', target(plan));
    return { ok: true, value: { id } };
  });
}

/** An action of this school and wave, locked for the change; another school's id is not found. */
async function lockedItem(trx: Kysely<Database>, plan: PlanWave, id: string) {
  const row = await trx
    .selectFrom('action_plan_item')
    .select(['id', 'status'])
    .where('id', '=', id)
    .where('school_id', '=', plan.schoolId)
    .where('wave_id', '=', plan.waveId)
    .forUpdate()
    .executeTakeFirst();
  if (!row) throw new ActionPlanError('not-found', 'no such action in this plan');
  return row;
}

/** Changes what an action says (theme, item, text, carrier, due date); its status and history stay. */
export async function editAction(
  db: Kysely<Database>,
  plan: PlanWave,
  id: string,
  raw: ActionFields,
  actor?: Actor,
): Promise<Checked<{ id: string }>> {
  const problems: Problem[] = [];
  const fields = checkFields(raw, plan.questionnaire, problems);
  return db.transaction().execute(async (trx) => {
    await lockedItem(trx, plan, id);
    if (problems.length) return { ok: false, problems };
    await trx
      .updateTable('action_plan_item')
      .set({
        theme_id: fields.themeId,
        item_id: fields.itemId,
        action: fields.action,
        carrier: fields.carrier,
        carrier_label: fields.carrierLabel,
        due: fields.due,
      })
      .where('id', '=', id)
      .execute();
    await recordAction(trx, actor, 'actionPlan.update', target(plan));
    return { ok: true, value: { id } };
  });
}

/** A new row of the history: a change of status, a note, or both. */
export async function addNote(
  db: Kysely<Database>,
  plan: PlanWave,
  id: string,
  raw: { status: string; note: string },
  actor?: Actor,
): Promise<Checked<{ id: string }>> {
  const problems: Problem[] = [];
  const status = checkStatus(raw.status, problems);
  const note = text(raw.note, 'note', MAX_NOTE, false, problems);
  return db.transaction().execute(async (trx) => {
    const row = await lockedItem(trx, plan, id);
    if (!problems.length && !note && status === row.status) problems.push(problem('note', 'actions.error.nothingChanged'));
    if (problems.length) return { ok: false, problems };
    await trx
      .insertInto('action_plan_note')
      .values({ item_id: id, status, note: note || null })
      .execute();
    if (status !== row.status) await trx.updateTable('action_plan_item').set({ status }).where('id', '=', id).execute();
    await recordAction(trx, actor, status !== row.status ? 'actionPlan.status' : 'actionPlan.note', target(plan));
    return { ok: true, value: { id } };
  });
}
