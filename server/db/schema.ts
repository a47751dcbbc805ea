import type { ColumnType, Generated, Insertable, JSONColumnType, Selectable } from 'kysely';
import type { Decisions } from '../../analysis/disclosure.ts';
import type { Questionnaire } from '../../surveys/schema.ts';

/**
 * The single truth of table shapes. Tables that hold responses or codes carry no time, no
 * network address and no sequence (design §4); `docs/storage.md` explains the shapes.
 */
export interface Database {
  app_meta: AppMetaTable;
  school: SchoolTable;
  questionnaire: QuestionnaireTable;
  wave: WaveTable;
  wave_school: WaveSchoolTable;
  access_code: AccessCodeTable;
  response: ResponseTable;
  comment: CommentTable;
  encrypted_response: EncryptedTable;
  encrypted_comment: EncryptedTable;
  wave_key: WaveKeyTable;
  wave_school_sums: WaveSchoolSumsTable;
  wave_school_breakdowns: WaveSchoolBreakdownsTable;
  wave_frozen: WaveFrozenTable;
  wave_frozen_school: WaveFrozenSchoolTable;
  app_user: AppUserTable;
  rep_school: RepSchoolTable;
  session: SessionTable;
  audit_log: AuditLogTable;
  action_plan_item: ActionPlanItemTable;
  action_plan_note: ActionPlanNoteTable;
  staff_summary: StaffSummaryTable;
  staff_summary_link: StaffSummaryLinkTable;
}

export interface AppMetaTable {
  key: string;
  value: string;
}

export interface SchoolTable {
  id: Generated<string>;
  name: string;
  /** The benchmark group: the school level, e.g. `basisonderwijs`, `secundair`. */
  benchmark_group: string;
  municipality: string;
  staff_count: number;
  active: Generated<boolean>;
  /** The official school number (digits), unique when present; null when not known. */
  instellingsnummer: ColumnType<string | null, string | null | undefined, string | null>;
  /** one of `PROVINCES` (server/admin/schools.ts), null when not known */
  province: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface QuestionnaireTable {
  id: Generated<string>;
  /** The questionnaire's own `id` (its key): the versions of one questionnaire share it and keep its item ids. */
  key: string;
  version: number;
  /** Immutable once stored (a trigger refuses updates). */
  definition: JSONColumnType<Questionnaire>;
}

export type WaveStatus = 'draft' | 'open' | 'closed';

export interface WaveTable {
  id: Generated<string>;
  name: string;
  questionnaire_id: string;
  status: ColumnType<WaveStatus, WaveStatus | undefined, WaveStatus>;
  /** k of disclosure rule R1, fixed once the wave opens. */
  k: number;
  /** True once the close transaction has rewritten the wave's responses (design §4). */
  sealed: Generated<boolean>;
  created_at: Generated<Date>;
  /** The day the wave is planned to close (`YYYY-MM-DD`), shown while it runs; closing stays the admin's act. */
  planned_close: ColumnType<string | null, string | null | undefined, string | null>;
  /** Response rate (percent) below which results are flagged as less representative. */
  response_target: ColumnType<number, number | undefined, number>;
}

export interface WaveSchoolTable {
  wave_id: string;
  school_id: string;
  /** Codes ever generated for this school in this wave. */
  codes_issued: Generated<number>;
  /** Spent codes, counted at sealing when the spent-code rows are deleted. */
  codes_spent: Generated<number>;
  /** Slips handed out, as entered by the admin or rep; null until entered (rates then use `codes_issued`). */
  codes_handed_out: ColumnType<number | null, number | null | undefined, number | null>;
}

/**
 * `access_code`, `response` and `comment` are partitioned by wave (`server/db/partitions.ts`): a
 * wave's rows live in their own partition, which sealing replaces as a whole.
 */
export interface AccessCodeTable {
  /** Hex SHA-256 of the normalised code; the code itself is never stored. */
  hash: string;
  wave_id: string;
  school_id: string;
  spent: Generated<boolean>;
}

export interface ResponseTable {
  id: Generated<string>;
  wave_id: string;
  school_id: string;
  /** Raw values 1..5 (0 = "weet niet / n.v.t.", null = unanswered) in questionnaire item order. */
  answers: ColumnType<(number | null)[], (number | null)[], never>;
  /** Background item id → option id, e.g. `{ "role": "leraar" }`; unanswered items are absent. */
  background: JSONColumnType<Record<string, string>>;
}

/** Open comments live apart from responses so no comment can be joined to a set of answers. */
export interface CommentTable {
  id: Generated<string>;
  wave_id: string;
  school_id: string;
  /** as written, or as redacted by the moderator (the original is not kept); '' once withheld, unless flagged as a crisis */
  text: string;
  /** written `pending` by sealing; reps see `shown` ones only; decided once (`server/admin/moderation.ts`) */
  moderation: Generated<CommentModeration>;
  /** theme ids of the wave's questionnaire, chosen during moderation */
  themes: Generated<string[]>;
  /** describes violence, harassment or a crisis: on the coaches' list */
  crisis: Generated<boolean>;
}

export type CommentModeration = 'pending' | 'shown' | 'withheld';

/**
 * While a wave is open, what teachers send is stored only here, as authenticated ciphertext of
 * fixed length (`server/encryption/boxes.ts`): the write-ahead log links a spent code to a box,
 * never to answers (design §4). Sealing decrypts into `response` and `comment` and drops these
 * partitions. Partitioned by wave.
 */
export interface EncryptedTable {
  wave_id: string;
  school_id: string;
  box: ColumnType<Uint8Array, Uint8Array, never>;
}

/** An open wave's data key, wrapped by the master key (outside the database); deleted at sealing. */
export interface WaveKeyTable {
  wave_id: string;
  wrapped: Uint8Array;
  /** fingerprint of the master key that wrapped it */
  master_key_id: string;
}

/**
 * Per-school sums of a sealed wave, written once after sealing: analysis `packResponseSums` as
 * little-endian float64 bytes (`server/results/wave-results.ts`).
 */
export interface WaveSchoolSumsTable {
  wave_id: string;
  school_id: string;
  sums: ColumnType<Uint8Array, Uint8Array, never>;
}

/** A sealed school's released breakdown groups: their packed sums, in the order of `groups` (`server/results/school-breakdowns.ts`). */
export interface WaveSchoolBreakdownsTable {
  wave_id: string;
  school_id: string;
  groups: string[];
  sums: Uint8Array;
  withheld: number[];
  made_by: string;
}

/**
 * What a sealed wave's disclosure depends on, copied at sealing (`server/results/frozen-wave.ts`):
 * every later output of the wave is made from these rows, whatever happens to `school` afterwards.
 */
export interface WaveFrozenTable {
  wave_id: string;
  questionnaire_id: string;
  k: number;
  /** every disclosure decision of the wave (`decide`), stored once after sealing; null until then */
  decisions: ColumnType<Decisions | null, string | null, string | null>;
  /** the wave's distinct backgrounds (`{ role: 'leraar' }`), which `wave_frozen_school.cell_counts` count */
  backgrounds: JSONColumnType<Array<Record<string, string>>>;
  /** the wave's comments still waiting for a moderator's decision: all at sealing, one fewer a decision */
  pending_comments: Generated<number>;
}

export interface WaveFrozenSchoolTable {
  wave_id: string;
  school_id: string;
  /** the school's name, benchmark group and staff count at sealing */
  name: string;
  benchmark_group: string;
  staff_count: number;
  codes_issued: number;
  codes_spent: number;
  codes_handed_out: number | null;
  respondents: number;
  /** joint counts of background answers, as pairs: a position in `wave_frozen.backgrounds`, its count */
  cell_counts: number[];
}

export type Role = 'admin' | 'rep' | 'researcher';

/** Staff accounts; teachers have none. */
export interface AppUserTable {
  id: Generated<string>;
  email: string;
  role: Role;
  /** argon2id (OWASP parameters), see server/staff/passwords.ts. */
  password_hash: string;
  lang: ColumnType<'nl' | 'en', 'nl' | 'en' | undefined, 'nl' | 'en'>;
  active: Generated<boolean>;
  /** Consecutive failed sign-ins (password or code); reset by a successful one (server/staff/login-throttle.ts). */
  failed_logins: Generated<number>;
  last_failed_login_at: Date | null;
  /** No sign-in attempt is checked before this time (back-off after repeated failures). */
  locked_until: Date | null;
  /** The TOTP secret sealed with a key derived from SESSION_SECRET (server/staff/two-factor.ts); null = no 2FA. */
  totp_secret: string | null;
  /** The last accepted TOTP time step: a code is never accepted twice. */
  totp_last_step: number | null;
}

/** Which schools a rep may see. */
export interface RepSchoolTable {
  user_id: string;
  school_id: string;
}

export interface SessionTable {
  sid: string;
  data: JSONColumnType<Record<string, unknown>>;
  /** Idle expiry: last request + the idle lifetime. */
  expires_at: Date;
  /** What the user's session list names a session by (never the sid, which is the secret). */
  handle: Generated<string>;
  /** The signed-in user; null while only the password step of a 2FA sign-in is done. */
  user_id: string | null;
  /** For the absolute lifetime (server/staff/session-store.ts). */
  created_at: Generated<Date>;
}

export interface AuditLogTable {
  id: Generated<string>;
  at: Generated<Date>;
  user_id: string | null;
  action: string;
  target: string;
}

export type ActionStatus = 'proposed' | 'agreed' | 'in_progress' | 'done' | 'dropped';
/** Who carries an action: a role, never a person (`andere` takes a short label). */
export type ActionCarrier = 'directie' | 'werkgroep' | 'loc' | 'leerkrachten' | 'andere';

/**
 * A point of a school's action plan for a sealed wave (issue 19), written by its rep or an admin:
 * staff text, never an answer; in no researcher export (`server/advocacy/action-plans.ts`).
 */
export interface ActionPlanItemTable {
  id: Generated<string>;
  wave_id: string;
  school_id: string;
  /** a theme id of the wave's questionnaire */
  theme_id: string;
  /** one item of that theme, or null for the theme as a whole */
  item_id: string | null;
  action: string;
  carrier: ActionCarrier;
  /** a short label of the role (`werkgroep onthaal`); required for `andere` */
  carrier_label: string | null;
  /** `YYYY-MM-DD` */
  due: string;
  /** the latest status (the history is in `action_plan_note`) */
  status: ActionStatus;
  created_at: Generated<Date>;
}

/** The dated history of an action: one row per status change or note, never who wrote it (that is the audit log's). */
export interface ActionPlanNoteTable {
  id: Generated<string>;
  item_id: string;
  status: ActionStatus;
  note: string | null;
  at: Generated<Date>;
}

/**
 * A school's staff summary of a sealed wave (issue 19), shared at an unguessable link: only the
 * SHA-256 of the link's token is stored (`server/advocacy/staff-summary.ts`). At most one live row (no
 * `revoked_at`) per school and wave.
 */
export interface StaffSummaryTable {
  id: Generated<string>;
  wave_id: string;
  school_id: string;
  /** hex SHA-256 of the token; never the token */
  token_hash: string;
  published_at: Generated<Date>;
  revoked_at: Date | null;
}

/** Further links to a staff summary, minted for the next wave's code slips: only their tokens' SHA-256. */
export interface StaffSummaryLinkTable {
  token_hash: string;
  summary_id: string;
}

export type School = Selectable<SchoolTable>;
export type AppUser = Selectable<AppUserTable>;
export type Wave = Selectable<WaveTable>;
export type NewResponse = Insertable<ResponseTable>;
