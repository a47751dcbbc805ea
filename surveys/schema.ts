import { Type, type Static } from '@sinclair/typebox';

/**
 * The questionnaire format (design §2). This TypeBox schema is the only definition: the JSON Schema
 * file next to it is generated from it (`npx tsx scripts/write-schema.ts`), and types come from `Static`.
 */

const Id = Type.String({ pattern: '^[a-z][a-z0-9_-]{0,62}$', description: 'stable identifier' });

export const LocalText = Type.Object(
  {
    nl: Type.String({ minLength: 1, maxLength: 2000 }),
    en: Type.String({ minLength: 1, maxLength: 2000 }),
  },
  { additionalProperties: false },
);

/** A five-point scale: values 1..5 label-ordered; an optional "don't know / n.a." stored as 0 = missing. */
export const ScaleSchema = Type.Object(
  {
    id: Id,
    labels: Type.Array(LocalText, { minItems: 5, maxItems: 5 }),
    notApplicable: Type.Optional(LocalText),
  },
  { additionalProperties: false },
);

export const ItemSchema = Type.Object(
  {
    id: Id,
    label: LocalText,
    scale: Id,
    reverse: Type.Boolean({ description: 'negatively worded: recoded as 6 - value' }),
  },
  { additionalProperties: false },
);

/**
 * The five domains of the psychosocial risk analysis every Belgian employer, a school board too, must
 * carry out (codex welzijn op het werk, boek I titel 3): a theme names the domains it informs, so a
 * school's results can feed that analysis.
 */
export const RISK_DOMAINS = [
  'arbeidsorganisatie',
  'arbeidsinhoud',
  'arbeidsvoorwaarden',
  'arbeidsomstandigheden',
  'interpersoonlijke_relaties',
] as const;
export const RiskDomainSchema = Type.Union(
  RISK_DOMAINS.map((d) => Type.Literal(d)),
  { description: 'a domain of the psychosocial risk analysis' },
);

export const ThemeSchema = Type.Object(
  {
    id: Id,
    label: LocalText,
    items: Type.Array(ItemSchema, { minItems: 1, maxItems: 20 }),
    riskDomains: Type.Optional(Type.Array(RiskDomainSchema, { minItems: 1, maxItems: 5, uniqueItems: true })),
  },
  { additionalProperties: false },
);

export const BackgroundSchema = Type.Object(
  {
    id: Id,
    label: LocalText,
    options: Type.Array(Type.Object({ id: Id, label: LocalText }, { additionalProperties: false }), {
      minItems: 2,
      maxItems: 10,
    }),
  },
  { additionalProperties: false },
);

export const QuestionnaireSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    id: Type.String({
      pattern: Id.pattern,
      description:
        "the questionnaire's key: shared by all its versions, which keep its item ids (stored as questionnaire.key, exported as questionnaire_key)",
    }),
    version: Type.Integer({ minimum: 1 }),
    title: LocalText,
    intro: LocalText,
    scales: Type.Array(ScaleSchema, { minItems: 1, maxItems: 10 }),
    themes: Type.Array(ThemeSchema, { minItems: 1, maxItems: 30 }),
    background: Type.Array(BackgroundSchema, { maxItems: 5 }),
    /**
     * Items that belong to no theme, on a five-point scale: what the themes are meant to explain
     * (intention to stay, job satisfaction, wellbeing). Their answers follow the theme items'.
     */
    outcomes: Type.Optional(Type.Array(ItemSchema, { minItems: 1, maxItems: 12 })),
    /** "Which (at most) `max` themes should the union take up first?": one option per theme, in theme order. */
    priority: Type.Optional(
      Type.Object({ label: LocalText, max: Type.Integer({ minimum: 1, maximum: 10 }) }, { additionalProperties: false }),
    ),
    comment: Type.Optional(
      Type.Object({ label: LocalText, maxLength: Type.Integer({ minimum: 1, maximum: 5000 }) }, { additionalProperties: false }),
    ),
  },
  { additionalProperties: false, $id: 'https://schoolpols.example/questionnaire.schema.json' },
);

export type Questionnaire = Static<typeof QuestionnaireSchema>;
export type Theme = Static<typeof ThemeSchema>;
export type Item = Static<typeof ItemSchema>;
export type Scale = Static<typeof ScaleSchema>;
export type Background = Static<typeof BackgroundSchema>;
export type RiskDomain = Static<typeof RiskDomainSchema>;
export type Priority = NonNullable<Questionnaire['priority']>;
export type LocalText = Static<typeof LocalText>;
export type Lang = keyof LocalText;
