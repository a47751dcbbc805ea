import type { Kysely } from 'kysely';
import type { Database } from '../../server/db/schema.ts';
import { loadQuestionnaireFile, SHIPPED_QUESTIONNAIRE, SHIPPED_QUESTIONNAIRE_V2 } from '../../surveys/load.ts';
import type { Questionnaire } from '../../surveys/schema.ts';
import { publishedId } from '../../server/questionnaires.ts';
import { createSchool } from '../../server/admin/schools.ts';
import { createWave, issueCodes, openWave } from '../../server/waves.ts';
import { lookUpCode, sealSubmission, storeSubmission, type ValidAnswers } from '../../server/teacher/submissions.ts';
import { testKeys } from './app.ts';
import { decodeComment, decodeResponse, open } from '../../server/encryption/boxes.ts';
import type { WaveKeys } from '../../server/encryption/wave-keys.ts';

export const shipped: Questionnaire = await loadQuestionnaireFile(SHIPPED_QUESTIONNAIRE);
/** Version 2: outcome items and the priority question (issue 20). */
export const shippedV2: Questionnaire = await loadQuestionnaireFile(SHIPPED_QUESTIONNAIRE_V2);

let counter = 0;

/** A published questionnaire, one school and an open wave with `codes` fresh access codes. */
export async function openWaveWithCodes(db: Kysely<Database>, codes: number, options: { open?: boolean } = {}) {
  counter += 1;
  const questionnaireId = await publishedId(db, shipped);
  const schoolId = await createSchool(db, {
    name: `Testschool ${counter}-${Math.random()}`,
    benchmark_group: 'secundair',
    municipality: 'Gent',
    staff_count: codes,
  });
  const waveId = await createWave(db, { name: `Testbevraging ${counter}`, questionnaireId, schoolIds: [schoolId], k: 5 });
  if (options.open ?? true) await openWave(db, waveId, undefined, testKeys(db));
  const plain = await issueCodes(db, waveId, schoolId, codes);
  return { questionnaireId, schoolId, waveId, codes: plain };
}

/** A form body answering every item with a valid value. */
export function fullAnswers(code: string, seed = 1): Record<string, string> {
  const body: Record<string, string> = { code };
  let i = seed;
  for (const theme of shipped.themes) for (const item of theme.items) body[`a.${item.id}`] = String(i++ % 6);
  body['b.role'] = 'leraar';
  body['b.seniority'] = 'from5to15';
  return body;
}

/** Submits as the teacher route does — look the code up, seal with its wave's key, one statement — without HTTP. */
export async function submit(db: Kysely<Database>, code: string, value: ValidAnswers): Promise<boolean> {
  const found = await lookUpCode(db, code);
  if (!found.ok) return false;
  const wave = await testKeys(db).answerable(found.context.waveId);
  if (!wave) return false;
  return storeSubmission(db, found.context, sealSubmission(wave, found.context.schoolId, value));
}

/** What an open wave holds, opened (with the test master key unless given): the boxes as a teacher's answers and comments. */
export async function openedSubmissions(db: Kysely<Database>, waveId: string, keys: WaveKeys = testKeys(db)) {
  const wave = (await keys.answerable(waveId))!;
  const responses = await db.selectFrom('encrypted_response').select(['school_id', 'box']).where('wave_id', '=', waveId).execute();
  const comments = await db.selectFrom('encrypted_comment').select(['school_id', 'box']).where('wave_id', '=', waveId).execute();
  return {
    responses: responses.map((r) => ({
      school_id: r.school_id,
      ...decodeResponse(wave.questionnaire, open(wave.key, { kind: 'response', waveId, schoolId: r.school_id }, r.box)),
    })),
    comments: comments.map((c) => decodeComment(open(wave.key, { kind: 'comment', waveId, schoolId: c.school_id }, c.box))),
  };
}

/** Rows stored: responses and comments count whether still sealed in their boxes (open wave) or opened (sealed wave). */
export async function counts(db: Kysely<Database>) {
  const rows = async (table: 'response' | 'comment' | 'access_code' | 'encrypted_response' | 'encrypted_comment') =>
    Number(
      (
        await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const count = async (table: 'response' | 'comment' | 'access_code') =>
    (await rows(table)) + (table === 'access_code' ? 0 : await rows(`encrypted_${table}`));
  const spent = Number(
    (
      await db
        .selectFrom('access_code')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('spent', '=', true)
        .executeTakeFirstOrThrow()
    ).n,
  );
  return { responses: await count('response'), comments: await count('comment'), codes: await count('access_code'), spent };
}
