import { sql, type Kysely } from 'kysely';
import type { Config } from '../platform/config.ts';
import type { Database } from '../db/schema.ts';
import type { StoreKind } from '../db/connect.ts';

/** What /privacy states, read from the running configuration so the page cannot drift from it. */
export interface PrivacyFacts {
  k: number;
  commentMinimum: number;
  /** Who is responsible for the data and how to reach them (PRIVACY_CONTACT); null when not configured. */
  contact: string | null;
  store: StoreKind;
  /** PostgreSQL copies its write-ahead log to an archive (`archive_mode`): said on the page. */
  walArchived: boolean;
  /** Who might want to trace an answer, in the order the page explains them (docs/threat-model.md). */
  adversaries: readonly Adversary[];
}

/** The adversaries of docs/threat-model.md; each has `privacy.threats.<id>.{who,sees,prevents,remains}` in both catalogues. */
export const ADVERSARIES = ['leadership', 'rep', 'researcher', 'admin', 'dba', 'network'] as const;
export type Adversary = (typeof ADVERSARIES)[number];

/** R5's threshold for showing open comments (design §5). */
export const COMMENT_MINIMUM = 10;

export async function readPrivacyFacts(db: Kysely<Database>, config: Config, store: StoreKind): Promise<PrivacyFacts> {
  const archive = await sql<{ archive_mode: string }>`show archive_mode`.execute(db).then(
    (r) => r.rows[0]?.archive_mode ?? 'off',
    () => 'off',
  );
  return {
    k: config.DISCLOSURE_K,
    commentMinimum: COMMENT_MINIMUM,
    contact: config.PRIVACY_CONTACT ?? null,
    store,
    walArchived: archive === 'on' || archive === 'always',
    adversaries: ADVERSARIES,
  };
}
