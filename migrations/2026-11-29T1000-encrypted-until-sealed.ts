import { sql, type Kysely } from 'kysely';

// Frozen in time: this file must not import application code.
//
// Encrypted until sealed (design §4). PostgreSQL writes every row to its write-ahead log before the
// tables, under the id of the transaction that wrote it; a submission spends a code in that same
// transaction. So while a wave is open its answers and comments are stored only as ciphertext, in
// `encrypted_response` and `encrypted_comment` (partitioned by wave like the tables they feed),
// under a data key of the wave that `wave_key` holds only wrapped by a master key kept outside the
// database. Sealing decrypts, writes the plaintext shuffled into `response` and `comment`, drops the
// wave's encrypted partitions and deletes its wrapped key.
//
// Waves that are open when this runs keep the plaintext rows they already hold (sealing includes
// them, and the anonymity audit reports them); new answers to them are encrypted.

function partition(table: string, waveId: string): string {
  return `${table}_${waveId.replace(/-/g, '')}`;
}

const TABLES = ['encrypted_response', 'encrypted_comment'] as const;

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table wave_key (
      wave_id uuid primary key references wave (id) on delete cascade,
      -- the data key sealed (AES-256-GCM) by the master key whose fingerprint follows
      wrapped bytea not null,
      master_key_id text not null
    )`.execute(db);
  for (const table of TABLES) {
    await sql`
      create table ${sql.table(table)} (
        wave_id uuid not null,
        school_id uuid not null,
        box bytea not null
      ) partition by list (wave_id)`.execute(db);
    // Boxes are incompressible and read once, at sealing: stored as they are, not compressed.
    await sql`alter table ${sql.table(table)} alter column box set storage external`.execute(db);
  }
  const unsealed = await sql<{ id: string }>`select id::text as id from wave where not sealed`.execute(db);
  for (const { id } of unsealed.rows) {
    for (const table of TABLES) {
      await sql`create table ${sql.id(partition(table, id))} partition of ${sql.table(table)} for values in (${sql.lit(id)})`.execute(db);
    }
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  const held = await sql<{
    n: number;
  }>`select (select count(*) from encrypted_response) + (select count(*) from encrypted_comment) as n`.execute(db);
  if (Number(held.rows[0]?.n ?? 0) > 0)
    throw new Error('open waves hold encrypted answers: seal them before migrating down, or they would be lost');
  for (const table of TABLES) await sql`drop table ${sql.table(table)}`.execute(db);
  await sql`drop table wave_key`.execute(db);
}
