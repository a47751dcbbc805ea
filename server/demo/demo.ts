import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { loadQuestionnaireFile, SHIPPED_QUESTIONNAIRE, SHIPPED_QUESTIONNAIRE_V2 } from '../../surveys/load.ts';
import { publishedId } from '../questionnaires.ts';
import { createSchool } from '../admin/schools.ts';
import { createWave, issueCodes, openWave } from '../waves.ts';
import { sealWave } from '../sealing/sealing.ts';
import { vacuumComments } from '../admin/moderation.ts';
import { rng, schoolEffect, syntheticResponse } from './synthetic.ts';
import { createUser } from '../staff/users.ts';
import { storeWithoutCodes } from '../teacher/submissions.ts';
import type { WaveKeys } from '../encryption/wave-keys.ts';

/** The fictitious demo network: names say "Demo" so no one mistakes them for real schools. */
const SCHOOLS: Array<{ name: string; group: string; municipality: string; staff: number }> = [
  { name: 'Demo Basisschool De Regenboog', group: 'basisonderwijs', municipality: 'Gent', staff: 28 },
  { name: 'Demo Basisschool Klavertje Vier', group: 'basisonderwijs', municipality: 'Mechelen', staff: 22 },
  { name: 'Demo Basisschool De Vlinder', group: 'basisonderwijs', municipality: 'Hasselt', staff: 35 },
  { name: 'Demo Vrije Basisschool Sint-Jozef', group: 'basisonderwijs', municipality: 'Brugge', staff: 18 },
  { name: 'Demo Gemeentelijke Basisschool Het Kompas', group: 'basisonderwijs', municipality: 'Leuven', staff: 41 },
  { name: 'Demo Basisschool De Kleine Wereld', group: 'basisonderwijs', municipality: 'Aalst', staff: 6 },
  { name: 'Demo Atheneum Scheldeland', group: 'secundair', municipality: 'Antwerpen', staff: 96 },
  { name: 'Demo Sint-Lutgardiscollege', group: 'secundair', municipality: 'Kortrijk', staff: 74 },
  { name: 'Demo Technisch Instituut De Brug', group: 'secundair', municipality: 'Genk', staff: 88 },
  { name: 'Demo Lyceum Ter Duinen', group: 'secundair', municipality: 'Oostende', staff: 52 },
  { name: 'Demo Campus Kempenland', group: 'secundair', municipality: 'Turnhout', staff: 63 },
  { name: 'Demo Middenschool Het Spoor', group: 'secundair', municipality: 'Sint-Niklaas', staff: 14 },
];

/** The demo schools' names: how `removeDemo` (server/demo/demo-removal.ts) recognises them. */
export const DEMO_SCHOOL_NAMES: readonly string[] = SCHOOLS.map((s) => s.name);

const DEMO_SEED = 20201;

/** Demo accounts, printed at start and in the README; they exist only in the demo network. */
export const DEMO_PASSWORD = 'demo-wachtwoord';
export const DEMO_ACCOUNTS = [
  { email: 'admin@demo.schoolpols.be', role: 'admin' as const, schools: [] as number[] },
  { email: 'rep.basis@demo.schoolpols.be', role: 'rep' as const, schools: [0, 1, 5] },
  { email: 'rep.secundair@demo.schoolpols.be', role: 'rep' as const, schools: [6, 7] },
  { email: 'onderzoek@demo.schoolpols.be', role: 'researcher' as const, schools: [] as number[] },
];

export async function isDemo(db: Kysely<Database>): Promise<boolean> {
  const row = await db.selectFrom('app_meta').select('value').where('key', '=', 'demo').executeTakeFirst();
  return row?.value === 'true';
}

export async function isEmpty(db: Kysely<Database>): Promise<boolean> {
  const row = await db.selectFrom('school').select('id').limit(1).executeTakeFirst();
  return !row;
}

/**
 * Seeds the demo network: twelve schools in two benchmark groups, two sealed waves with synthetic
 * responses (plausible school differences, a small improvement over time) and one open wave. The
 * first sealed wave runs questionnaire v1, the second and the open one v2 (issue 20), so the demo
 * shows outcomes, priorities and key drivers, and a v1→v2 trend on the item ids both versions keep.
 */
export async function seedDemo(db: Kysely<Database>, keys: WaveKeys, k: number): Promise<{ openWaveId: string }> {
  if (!(await isEmpty(db))) throw new Error('The store already holds schools; the demo network is only seeded into an empty store.');
  const v1 = await loadQuestionnaireFile(SHIPPED_QUESTIONNAIRE);
  const v2 = await loadQuestionnaireFile(SHIPPED_QUESTIONNAIRE_V2);
  const v1Id = await publishedId(db, v1);
  const v2Id = await publishedId(db, v2);
  const random = rng(DEMO_SEED);
  const schools: Array<(typeof SCHOOLS)[number] & { id: string; effect: ReturnType<typeof schoolEffect> }> = [];
  for (const s of SCHOOLS) {
    const id = await createSchool(db, { name: s.name, benchmark_group: s.group, municipality: s.municipality, staff_count: s.staff });
    schools.push({ ...s, id, effect: schoolEffect(v1, random) });
  }
  const schoolIds = schools.map((s) => s.id);

  const waves = [
    { name: 'Demo voorjaar 2025', shift: -0.1, q: v1, questionnaireId: v1Id },
    { name: 'Demo najaar 2025', shift: 0.1, q: v2, questionnaireId: v2Id },
  ];
  for (const w of waves) {
    const waveId = await createWave(db, { name: w.name, questionnaireId: w.questionnaireId, schoolIds, k });
    await openWave(db, waveId, undefined, keys);
    const wave = (await keys.answerable(waveId))!;
    for (const s of schools) {
      const rate = 0.55 + random() * 0.35;
      const n = Math.round(s.staff * rate);
      const rows = Array.from({ length: n }, () => syntheticResponse(w.q, s.effect, random, w.shift));
      const comments = Object.keys(DEMO_COMMENTS)
        .filter(() => random() < 0.3)
        .slice(0, Math.floor(n / 6));
      // Comments live apart from answers once sealed: which response "wrote" one does not matter.
      const values = rows.map((r, i) => ({ ...r, comment: comments[i] ?? null }));
      await storeWithoutCodes(db, wave, s.id, values);
      // Demo responses are not made through codes; the counts say what the codes would have been.
      await db
        .updateTable('wave_school')
        .set({ codes_issued: s.staff, codes_handed_out: s.staff, codes_spent: n })
        .where('wave_id', '=', waveId)
        .where('school_id', '=', s.id)
        .execute();
    }
    const { unstored } = await sealWave(db, keys, waveId);
    if (unstored) throw unstored;
    // Shown and tagged as a moderator would (issue 19), so the demo dashboards have comments; in
    // one transaction, the old row versions vacuumed (what the anonymity self-audit checks).
    await db.transaction().execute(async (trx) => {
      for (const [text, themes] of Object.entries(DEMO_COMMENTS)) {
        await trx
          .updateTable('comment')
          .set({ moderation: 'shown', themes })
          .where('wave_id', '=', waveId)
          .where('text', '=', text)
          .execute();
      }
    });
    await vacuumComments(db, waveId);
  }

  const openWaveId = await createWave(db, { name: 'Demo voorjaar 2026', questionnaireId: v2Id, schoolIds, k });
  await openWave(db, openWaveId, undefined, keys);
  for (const s of schools) await issueCodes(db, openWaveId, s.id, s.staff);
  for (const a of DEMO_ACCOUNTS) {
    await createUser(db, { email: a.email, role: a.role, password: DEMO_PASSWORD, schoolIds: a.schools.map((i) => schools[i]!.id) });
  }
  await db.insertInto('app_meta').values({ key: 'demo', value: 'true' }).execute();
  await db.insertInto('app_meta').values({ key: 'demo_open_wave', value: openWaveId }).execute();
  return { openWaveId };
}

/** Fresh codes for the open demo wave, printed at start so a visitor can try the teacher flow. */
export async function demoCodes(db: Kysely<Database>, count: number): Promise<string[]> {
  const row = await db.selectFrom('app_meta').select('value').where('key', '=', 'demo_open_wave').executeTakeFirst();
  if (!row) return [];
  const wave = await db.selectFrom('wave').select('status').where('id', '=', row.value).executeTakeFirst();
  if (wave?.status !== 'open') return [];
  const school = await db
    .selectFrom('wave_school')
    .innerJoin('school', 'school.id', 'wave_school.school_id')
    .select('school.id')
    .where('wave_school.wave_id', '=', row.value)
    .orderBy('school.name')
    .executeTakeFirstOrThrow();
  return issueCodes(db, row.value, school.id, count);
}

/** The demo's comments, each with the themes a moderator would tag it with. */
const DEMO_COMMENTS: Record<string, string[]> = {
  'Meer overlegmomenten binnen de lesuren zouden veel helpen.': ['samenwerking', 'werkdruk'],
  'De nieuwe collega’s worden goed opgevangen, daar mogen we trots op zijn.': ['aanvangsbegeleiding'],
  'De mailstroom is niet meer te volgen. Graag één vast moment per week.': ['communicatie', 'werkdruk'],
  'Oudercontacten lopen steeds vaker uit de hand. Steun van de directie is welkom.': ['leerlingen_ouders'],
  'Fijne collega’s, maar de werkdruk rond de rapporten is te hoog.': ['samenwerking', 'werkdruk'],
  'Ik mis inspraak bij de planning van het schooljaar.': ['participatie'],
  'Demo-opmerking: dank voor deze bevraging.': [],
  'Meer waardering voor het ondersteunend personeel, alstublieft.': ['waardering'],
};
