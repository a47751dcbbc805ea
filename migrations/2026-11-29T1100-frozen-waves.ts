import { sql, type Kysely, type RawBuilder } from 'kysely';

// Frozen in time: this file must not import application code.
//
// Disclosure frozen at sealing (design §5, issue 15). Everything a sealed wave's disclosure depends
// on is copied when the wave is sealed and read from here ever after: k, the questionnaire version
// and, per participating school, its name, benchmark group and staff count as they were, its codes,
// its respondents and the joint counts of background answers (what breakdowns can be decided on).
// Renaming, regrouping or deactivating a school later changes nothing any output of the wave shows.
//
// Waves sealed before this migration are frozen here from the data as it stands now: the best
// record there is.

const SCHOOLS_OF = (wave: RawBuilder<unknown>) => sql`
  select ws.wave_id, ws.school_id, s.name, s.benchmark_group, s.staff_count, ws.codes_issued, ws.codes_spent,
         coalesce(c.respondents, 0), coalesce(c.cells, '[]'::jsonb)
  from wave_school ws
  join school s on s.id = ws.school_id
  left join (
    select school_id, sum(n)::int as respondents,
           jsonb_agg(jsonb_build_object('background', background, 'count', n) order by background::text) as cells
    from (select school_id, background, count(*)::int as n from response where wave_id = ${wave} group by school_id, background) x
    group by school_id
  ) c on c.school_id = ws.school_id
  where ws.wave_id = ${wave}`;

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table wave_frozen (
      wave_id uuid primary key references wave (id) on delete cascade,
      questionnaire_id uuid not null references questionnaire (id),
      k integer not null
    )`.execute(db);
  await sql`
    create table wave_frozen_school (
      wave_id uuid not null references wave_frozen (wave_id) on delete cascade,
      school_id uuid not null,
      name text not null,
      benchmark_group text not null,
      staff_count integer not null,
      codes_issued integer not null,
      codes_spent integer not null,
      respondents integer not null,
      -- [{ "background": { item: option }, "count": n }]: joint counts of background answers
      cells jsonb not null,
      constraint wave_frozen_school_pk primary key (wave_id, school_id),
      constraint wave_frozen_school_wave_school_fk foreign key (wave_id, school_id)
        references wave_school (wave_id, school_id) on delete cascade
    )`.execute(db);
  const sealed = await sql<{ id: string }>`select id from wave where status = 'closed' and sealed order by id`.execute(db);
  for (const { id } of sealed.rows) {
    await sql`insert into wave_frozen (wave_id, questionnaire_id, k) select id, questionnaire_id, k from wave where id = ${id}`.execute(db);
    await sql`
      insert into wave_frozen_school (wave_id, school_id, name, benchmark_group, staff_count, codes_issued, codes_spent, respondents, cells)
      ${SCHOOLS_OF(sql`${id}::uuid`)}`.execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table wave_frozen_school`.execute(db);
  await sql`drop table wave_frozen`.execute(db);
}
