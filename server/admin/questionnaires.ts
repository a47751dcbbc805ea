import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Questionnaire } from '../../surveys/schema.ts';
import { itemsInOrder, parseQuestionnaireText, type QuestionnaireError } from '../../surveys/load.ts';
import { recordAction, type Actor } from '../platform/audit-log.ts';
import { problem, type Checked, type Problem } from '../platform/problems.ts';
import { publishQuestionnaire } from '../questionnaires.ts';

// Admin: listing, checking and publishing versions. Reading and storing one is `../questionnaires.ts`.

export interface QuestionnaireSummary {
  id: string;
  key: string;
  version: number;
  title: { nl: string; en: string };
  themes: number;
  items: number;
  waves: number;
}

export async function listQuestionnaires(db: Kysely<Database>): Promise<QuestionnaireSummary[]> {
  const rows = await db
    .selectFrom('questionnaire')
    .select((eb) => [
      'questionnaire.id',
      'questionnaire.key',
      'questionnaire.version',
      'questionnaire.definition',
      eb
        .selectFrom('wave')
        .select((w) => w.fn.countAll<number>().as('n'))
        .whereRef('wave.questionnaire_id', '=', 'questionnaire.id')
        .as('waves'),
    ])
    .orderBy('key')
    .orderBy('version', 'desc')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    key: r.key,
    version: r.version,
    title: r.definition.title,
    themes: r.definition.themes.length,
    items: itemsInOrder(r.definition).length,
    waves: Number(r.waves ?? 0),
  }));
}

export async function getQuestionnaireRecord(db: Kysely<Database>, id: string) {
  return db.selectFrom('questionnaire').select(['id', 'key', 'version', 'definition']).where('id', '=', id).executeTakeFirst();
}

export interface VersionSummary {
  /** the latest published version of this key, or null for a new key */
  previousVersion: number | null;
  /** item ids kept from earlier versions, and new ones */
  kept: string[];
  added: string[];
  /** the latest published version itself, to show what the new one changes */
  previous: Questionnaire | null;
}

/** Schema errors as problems, each at its JSON path, in the reader's language where shown. */
export const schemaProblems = (errors: QuestionnaireError[]): Problem[] =>
  errors.map((e) => problem(e.path, `questionnaireErrors.${e.code}`, e.params));

/** Where outcome items stand in the version check: in no theme (no theme id has brackets), kept there like a theme's. */
const OUTCOMES = '(outcomes)';

export type QuestionnaireCheck = { ok: true; questionnaire: Questionnaire; versions: VersionSummary } | { ok: false; problems: Problem[] };

/**
 * Validates questionnaire JSON text (schema errors name the JSON path) and its versions: a new
 * version of a published key must have a higher version number, and keep every item id of earlier
 * versions in the same theme with the same direction (`reverse`), so trends join on item id.
 */
export async function checkQuestionnaireText(db: Kysely<Database>, text: string): Promise<QuestionnaireCheck> {
  const parsed = parseQuestionnaireText(text);
  if (!parsed.ok) {
    return { ok: false, problems: schemaProblems(parsed.errors) };
  }
  const q = parsed.questionnaire;
  const earlier = await db
    .selectFrom('questionnaire')
    .select(['version', 'definition'])
    .where('key', '=', q.id)
    .orderBy('version')
    .execute();
  const problems: Problem[] = [];
  const latest = earlier.at(-1)?.version ?? null;
  if (latest !== null && q.version <= latest) {
    problems.push(problem('version', 'admin.questionnaires.error.version', { key: q.id, version: q.version, latest, next: latest + 1 }));
  }
  // Every item id ever published under this key: its theme and direction, and the last version it was in.
  const known = new Map<string, { themeId: string; reverse: boolean; version: number }>();
  for (const row of earlier) {
    for (const it of itemsInOrder(row.definition)) known.set(it.id, { themeId: it.themeId, reverse: it.reverse, version: row.version });
    for (const it of row.definition.outcomes ?? []) known.set(it.id, { themeId: OUTCOMES, reverse: it.reverse, version: row.version });
  }
  const now = new Map<string, { themeId: string; reverse: boolean; path: string }>();
  q.themes.forEach((t, ti) =>
    t.items.forEach((it, ii) => now.set(it.id, { themeId: t.id, reverse: it.reverse, path: `themes[${ti}].items[${ii}]` })),
  );
  q.outcomes?.forEach((it, oi) => now.set(it.id, { themeId: OUTCOMES, reverse: it.reverse, path: `outcomes[${oi}]` }));
  for (const [id, was] of known) {
    const is = now.get(id);
    if (!is)
      problems.push(problem('themes', 'admin.questionnaires.error.itemRemoved', { item: id, theme: was.themeId, version: was.version }));
    else if (is.themeId !== was.themeId)
      problems.push(
        problem(`${is.path}.id`, 'admin.questionnaires.error.itemMoved', {
          item: id,
          from: was.themeId,
          to: is.themeId,
          version: was.version,
        }),
      );
    else if (is.reverse !== was.reverse)
      problems.push(
        problem(`${is.path}.reverse`, 'admin.questionnaires.error.itemReversed', {
          item: id,
          was: String(was.reverse),
          version: was.version,
        }),
      );
  }
  if (problems.length) return { ok: false, problems };
  const ids = [...now.keys()];
  return {
    ok: true,
    questionnaire: q,
    versions: {
      previousVersion: latest,
      kept: ids.filter((id) => known.has(id)),
      added: ids.filter((id) => !known.has(id)),
      previous: earlier.at(-1)?.definition ?? null,
    },
  };
}

/** Checks again and stores the version (immutable from then on) with its audit entry, in one transaction. */
export async function publishQuestionnaireText(
  db: Kysely<Database>,
  text: string,
  actor: Actor,
): Promise<Checked<{ id: string; questionnaire: Questionnaire }>> {
  return db.transaction().execute(async (trx) => {
    // One publisher at a time per store, so two new versions cannot both pass the version check.
    await sql`select pg_advisory_xact_lock(hashtext('schoolpols.questionnaire'))`.execute(trx);
    const checked = await checkQuestionnaireText(trx, text);
    if (!checked.ok) return checked;
    const id = await publishQuestionnaire(trx, checked.questionnaire);
    await recordAction(trx, actor, 'questionnaire.publish', `questionnaire:${id}`);
    return { ok: true, value: { id, questionnaire: checked.questionnaire } };
  });
}
