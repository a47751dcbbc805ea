import { sql, type Kysely } from 'kysely';
import type { Config } from './config.ts';
import type { Database } from './db/schema.ts';

export interface PrivacyFacts {
  k: number;
  commentMinimum: number;
  /** Columns of the response table as the database reports them, so the page cannot drift. */
  responseColumns: string[];
  commentColumns: string[];
  /** Who might want to trace an answer, in the order the page explains them (docs/threat-model.md). */
  adversaries: readonly Adversary[];
}

/** The adversaries of docs/threat-model.md; each has `privacy.threats.<id>.{who,sees,prevents,remains}` in both catalogues. */
export const ADVERSARIES = ['leadership', 'rep', 'researcher', 'admin', 'dba', 'network'] as const;
export type Adversary = (typeof ADVERSARIES)[number];

/** R5's threshold for showing open comments (design §5). */
export const COMMENT_MINIMUM = 10;

export async function readPrivacyFacts(db: Kysely<Database>, config: Config): Promise<PrivacyFacts> {
  const columns = async (table: string) =>
    (
      await sql<{ column_name: string }>`
        select column_name from information_schema.columns
        where table_schema = 'public' and table_name = ${table} order by ordinal_position`.execute(db)
    ).rows.map((r) => r.column_name);
  return {
    k: config.DISCLOSURE_K,
    commentMinimum: COMMENT_MINIMUM,
    responseColumns: await columns('response'),
    commentColumns: await columns('comment'),
    adversaries: ADVERSARIES,
  };
}
