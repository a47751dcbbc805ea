import { sql, type Kysely } from 'kysely';

// Frozen in time: this file must not import application code.
//
// A school's province (issue 18: a wave for "all secondary schools in one province" is chosen by
// group and province, not by typing every municipality): one of Flanders' five provinces or
// Brussels, optional, from the CSV's `provincie` column or the school form.

const PROVINCES = ['Antwerpen', 'Limburg', 'Oost-Vlaanderen', 'Vlaams-Brabant', 'West-Vlaanderen', 'Brussel'];

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table school add column province text check (province in (${sql.join(PROVINCES.map((p) => sql.lit(p)))}))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table school drop column province`.execute(db);
}
