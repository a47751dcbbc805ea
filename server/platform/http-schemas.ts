import { Type } from '@sinclair/typebox';
import { LANGS } from './i18n.ts';

/**
 * The pieces of request schemas that many routes share, each defined once: the language, ids,
 * the usual path parameters and the CSRF field. Route plugins are typed by the TypeBox type
 * provider, so `request.params`, `query` and `body` have these schemas' types.
 */

/**
 * A UUID, exactly as `isUuid` (server/platform/problems.ts) accepts it. Not `format: 'uuid'`: ajv-formats
 * also takes a `urn:uuid:` prefix, which no database accepts as an id.
 */
export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
export const Uuid = Type.String({ pattern: UUID_PATTERN });

/** A language of the app (`nl` | `en`), required: a form that chooses one. */
export const Language = Type.Union(LANGS.map((lang) => Type.Literal(lang)));
/** The optional `lang` of a page's query or a form: the language to answer in. */
export const LangField = Type.Optional(Language);
/** Pages whose only query parameter is the language. */
export const LangQuery = Type.Object({ lang: LangField }, { additionalProperties: false });
/** Pages that take no query parameters. */
export const NoQuery = Type.Object({}, { additionalProperties: false });

/** The CSRF token of a staff form (checked by the auth plugin before validation). */
export const Csrf = Type.Optional(Type.String({ maxLength: 200 }));
/** Only the CSRF token: forms whose button is the whole request. */
export const CsrfBody = Type.Object({ _csrf: Csrf }, { additionalProperties: false });

/** The CSV dialect of a researcher's download (server/research/csv.ts) and the page language. */
export const DialectQuery = Type.Object(
  { dialect: Type.Optional(Type.Union([Type.Literal('standard'), Type.Literal('excel-nl')])), lang: LangField },
  { additionalProperties: false },
);

export const WaveParams = Type.Object({ waveId: Uuid }, { additionalProperties: false });
export const SchoolParams = Type.Object({ schoolId: Uuid }, { additionalProperties: false });
export const SchoolWaveParams = Type.Object({ schoolId: Uuid, waveId: Uuid }, { additionalProperties: false });
