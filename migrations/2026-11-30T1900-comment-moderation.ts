import { sql, type Kysely } from 'kysely';

// Frozen in time: this file must not import application code.
//
// Comments safe to show (issue 19): a sealed comment reaches a school's rep only once an admin has
// moderated it, out of context. Each comment gets its moderation state, the themes of the wave's
// questionnaire it was tagged with, and a crisis flag (violence, harassment, a crisis: a separate
// list for COnneCt's coaches). No time and no moderator stand beside a comment: when and by whom is
// the audit log's, which names the wave only.
//
// The state is an enum, not a CHECK: sealing fills a new partition made `like comment including
// defaults`, and attaching it would need every CHECK of the parent copied as well. The defaults are
// constants, so sealing's binary COPY (which names wave, school and text only) stays as cheap.
//
// Comments sealed before this migration become `pending`: nobody has read them for a rep yet. The
// labelled demo network's (the `demo` mark and the demo schools' names, copied here) become
// `shown`, as the demo seed marks them, so the demo dashboards keep their comments.

const DEMO_SCHOOLS = [
  'Demo Basisschool De Regenboog',
  'Demo Basisschool Klavertje Vier',
  'Demo Basisschool De Vlinder',
  'Demo Vrije Basisschool Sint-Jozef',
  'Demo Gemeentelijke Basisschool Het Kompas',
  'Demo Basisschool De Kleine Wereld',
  'Demo Atheneum Scheldeland',
  'Demo Sint-Lutgardiscollege',
  'Demo Technisch Instituut De Brug',
  'Demo Lyceum Ter Duinen',
  'Demo Campus Kempenland',
  'Demo Middenschool Het Spoor',
];

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create type comment_moderation as enum ('pending', 'shown', 'withheld')`.execute(db);
  await sql`
    alter table comment
      add column moderation comment_moderation not null default 'pending',
      add column themes text[] not null default '{}',
      add column crisis boolean not null default false`.execute(db);
  const demo = await sql<{ value: string }>`select value from app_meta where key = 'demo'`.execute(db);
  if (demo.rows[0]?.value === 'true') {
    await sql`
      update comment set moderation = 'shown'
      where school_id in (select id from school where name in (${sql.join(DEMO_SCHOOLS)}))`.execute(db);
  }
}

// Without the state, every comment would reach reps again: a withheld one must not, so it goes.
// Pending ones are kept (before this migration they were shown), redacted ones keep their redaction.
export async function down(db: Kysely<any>): Promise<void> {
  await sql`delete from comment where moderation = 'withheld'`.execute(db);
  await sql`alter table comment drop column moderation, drop column themes, drop column crisis`.execute(db);
  await sql`drop type comment_moderation`.execute(db);
}
