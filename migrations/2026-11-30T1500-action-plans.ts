import { sql, type Kysely } from 'kysely';

// Frozen in time: this file must not import application code.
//
// Action plans (issue 19): after a wave is sealed, a school's rep records what the local
// negotiation committee (LOC) agreed, per theme of the wave's questionnaire (and optionally one of
// its items): the action, who carries it (a role, never a person), a due date and a status, with a
// dated history of status changes and notes. Staff tables: they hold no answer, no code and nothing
// a teacher sent, so their time columns say only when staff wrote something (docs/storage.md). They
// go with the school's participation in the wave (removing a wave or the demo network removes them).
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table action_plan_item (
      id uuid primary key default gen_random_uuid(),
      wave_id uuid not null,
      school_id uuid not null,
      theme_id text not null check (char_length(theme_id) between 1 and 100),
      item_id text check (char_length(item_id) between 1 and 100),
      action text not null check (char_length(action) between 1 and 500),
      carrier text not null check (carrier in ('directie', 'werkgroep', 'loc', 'leerkrachten', 'andere')),
      carrier_label text check (char_length(carrier_label) between 1 and 60),
      due date not null,
      status text not null check (status in ('proposed', 'agreed', 'in_progress', 'done', 'dropped')),
      created_at timestamptz not null default now(),
      foreign key (wave_id, school_id) references wave_school (wave_id, school_id) on delete cascade
    )`.execute(db);
  await sql`create index action_plan_item_school on action_plan_item (school_id, wave_id)`.execute(db);
  await sql`
    create table action_plan_note (
      id uuid primary key default gen_random_uuid(),
      item_id uuid not null references action_plan_item (id) on delete cascade,
      status text not null check (status in ('proposed', 'agreed', 'in_progress', 'done', 'dropped')),
      note text check (char_length(note) between 1 and 500),
      at timestamptz not null default now()
    )`.execute(db);
  await sql`create index action_plan_note_item on action_plan_note (item_id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table action_plan_note`.execute(db);
  await sql`drop table action_plan_item`.execute(db);
}
