import { sql, type Kysely } from 'kysely';

// Frozen in time: this file must not import application code.
//
// A sealed wave's joint background counts, frozen in the sealing transaction (issue 14: sealing
// time). Each school's cells were JSON objects repeating the same few backgrounds (640 bytes a
// school, 2.4 MB for a network wave; the insert took twice as long as without them). Now the wave
// keeps its distinct backgrounds once (`wave_frozen.backgrounds`, a JSON array) and each school
// pairs of integers: a background's position in that array, then its count
// (`wave_frozen_school.cell_counts`). The same content, read back into the same shape.
//
// The foreign key from `wave_frozen_school` to `wave_school` goes too: both rows of a wave go with
// the wave (the cascade from `wave_frozen`), and checking it row by row cost the insert ~25 ms.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table wave_frozen add column backgrounds json not null default '[]'`.execute(db);
  await sql`alter table wave_frozen_school add column cell_counts integer[] not null default '{}'`.execute(db);
  await sql`
    create temporary table frozen_cell as
    select fs.wave_id, fs.school_id, e.ord, (e.c -> 'background')::jsonb as background, (e.c ->> 'count')::int as n
    from wave_frozen_school fs, json_array_elements(fs.cells) with ordinality as e (c, ord)`.execute(db);
  await sql`
    create temporary table frozen_background as
    select wave_id, background, (row_number() over (partition by wave_id order by background::text) - 1)::int as i
    from (select distinct wave_id, background from frozen_cell) d`.execute(db);
  await sql`
    update wave_frozen f set backgrounds = b.list
    from (select wave_id, json_agg(background order by i) as list from frozen_background group by wave_id) b
    where b.wave_id = f.wave_id`.execute(db);
  await sql`
    update wave_frozen_school fs set cell_counts = c.pairs
    from (
      select c.wave_id, c.school_id, array_agg(v.x order by c.ord, v.k) as pairs
      from frozen_cell c
      join frozen_background b on b.wave_id = c.wave_id and b.background = c.background
      cross join lateral (values (1, b.i), (2, c.n)) v (k, x)
      group by c.wave_id, c.school_id
    ) c
    where c.wave_id = fs.wave_id and c.school_id = fs.school_id`.execute(db);
  await sql`drop table frozen_cell, frozen_background`.execute(db);
  await sql`alter table wave_frozen alter column backgrounds drop default`.execute(db);
  await sql`alter table wave_frozen_school alter column cell_counts drop default`.execute(db);
  await sql`alter table wave_frozen_school drop column cells`.execute(db);
  await sql`alter table wave_frozen_school drop constraint wave_frozen_school_wave_school_fk`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table wave_frozen_school add column cells json not null default '[]'`.execute(db);
  await sql`
    update wave_frozen_school fs set cells = c.cells
    from (
      select fs.wave_id, fs.school_id,
             json_agg(json_build_object('background', f.backgrounds -> fs.cell_counts[2 * g - 1], 'count', fs.cell_counts[2 * g]) order by g) as cells
      from wave_frozen_school fs
      join wave_frozen f on f.wave_id = fs.wave_id
      cross join lateral generate_series(1, coalesce(array_length(fs.cell_counts, 1), 0) / 2) g
      group by fs.wave_id, fs.school_id
    ) c
    where c.wave_id = fs.wave_id and c.school_id = fs.school_id`.execute(db);
  await sql`alter table wave_frozen_school alter column cells drop default`.execute(db);
  await sql`alter table wave_frozen_school drop column cell_counts`.execute(db);
  await sql`alter table wave_frozen drop column backgrounds`.execute(db);
  await sql`
    alter table wave_frozen_school add constraint wave_frozen_school_wave_school_fk foreign key (wave_id, school_id)
      references wave_school (wave_id, school_id) on delete cascade`.execute(db);
}
