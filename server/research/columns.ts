/**
 * The columns of every export file, defined once: the CSV header, the order of cells in a row and
 * the Table Schema field of `datapackage.json` all come from these lists.
 */

export type ColumnType = 'string' | 'integer' | 'number' | 'boolean';

export interface Column {
  name: string;
  type: ColumnType;
  description: string;
  /** allowed values (Table Schema `constraints.enum`); empty cells are missing values, not checked */
  enum?: readonly string[];
  minimum?: number;
  maximum?: number;
  /** a regular expression every non-empty value matches (Table Schema `constraints.pattern`) */
  pattern?: string;
}

/** Codes in `suppressed`: the disclosure rule that withheld the row's numbers (design §5). */
export const SUPPRESSION_CODES = {
  R1: 'fewer than k respondents in this scope, or fewer than k valid answers to this item or theme (k is in the package description)',
  R2: 'withheld because a complementary group would be too small (breakdowns; not used for exported scopes today)',
  R3: 'withheld so that no small group can be computed by differencing (benchmark groups and the network)',
  R4: 'wave not sealed (never in an export: only sealed waves are exported)',
} as const;

const SUPPRESSED: Column = {
  name: 'suppressed',
  type: 'string',
  enum: Object.keys(SUPPRESSION_CODES),
  description:
    'Empty when the scope is released. Otherwise the disclosure rule that withheld every number of the row: ' +
    Object.entries(SUPPRESSION_CODES)
      .map(([code, text]) => `${code} = ${text}`)
      .join('; ') +
    '. An empty number in a row whose `suppressed` is empty is a statistic that cannot be computed (e.g. sd with n < 2, alpha of a one-item theme).',
};

const scopeColumns = (themeIds: readonly string[] | null): Column[] => [
  { name: 'wave_id', type: 'string', description: 'Id (UUID) of the wave (bevraging).' },
  {
    name: 'scope',
    type: 'string',
    enum: ['network', 'group', 'school'],
    description: 'What the row is about: the whole network, a benchmark group (school level), or one school.',
  },
  {
    name: 'scope_id',
    type: 'string',
    description:
      '`network` for the network; the benchmark group id (e.g. `basisonderwijs`) for a group; the school id (UUID) for a school.',
  },
  { name: 'scope_label', type: 'string', description: 'The school name for a school; the id for the network and benchmark groups.' },
  {
    name: 'school_number',
    type: 'string',
    pattern: '^[0-9]+$',
    description:
      'The official school number (instellingsnummer) of a school, as text (digits; keep leading zeros). Empty for the network and benchmark groups, for a school whose number is not known, and in a row whose `suppressed` says the whole school was withheld.',
  },
  ...(themeIds ? [{ name: 'theme_id', type: 'string' as const, enum: themeIds, description: 'Theme id (see the codebook).' }] : []),
];

const PERCENT = { minimum: 0, maximum: 100 };

export function themeColumns(themeIds: readonly string[]): Column[] {
  return [
    ...scopeColumns(themeIds),
    {
      name: 'n',
      type: 'integer',
      minimum: 0,
      description: 'Respondents with a theme score: valid answers (1–5) to at least half of the theme’s items.',
    },
    {
      name: 'mean',
      type: 'number',
      minimum: 1,
      maximum: 5,
      description:
        'Mean theme score (a respondent’s score is the mean of their valid, recoded item answers; 1–5, higher is more favourable).',
    },
    { name: 'sd', type: 'number', minimum: 0, description: 'Standard deviation of theme scores (n − 1 denominator); empty when n < 2.' },
    {
      name: 'ci_low',
      type: 'number',
      description: 'Lower bound of the 95% confidence interval of the mean (Student t, n − 1 df); empty when n < 2.',
    },
    {
      name: 'ci_high',
      type: 'number',
      description: 'Upper bound of the 95% confidence interval of the mean (Student t, n − 1 df); empty when n < 2.',
    },
    {
      name: 'pct_favourable',
      type: 'number',
      ...PERCENT,
      description: 'Percentage (0–100) of favourable answers: recoded 4 or 5 among all valid item answers of the theme.',
    },
    {
      name: 'alpha',
      type: 'number',
      maximum: 1,
      description:
        'Cronbach’s alpha over complete cases (respondents who answered every item of the theme); values below 0.7 indicate low reliability; empty for a one-item theme, fewer than 2 complete cases or no variance.',
    },
    SUPPRESSED,
  ];
}

export function itemColumns(themeIds: readonly string[], itemIds: readonly string[]): Column[] {
  const [wave, scope, scopeId, scopeLabel, schoolNumber, theme] = scopeColumns(themeIds) as [
    Column,
    Column,
    Column,
    Column,
    Column,
    Column,
  ];
  return [
    wave,
    scope,
    scopeId,
    scopeLabel,
    schoolNumber,
    { name: 'item_id', type: 'string', enum: itemIds, description: 'Item id, stable across questionnaire versions (see the codebook).' },
    theme,
    {
      name: 'n',
      type: 'integer',
      minimum: 0,
      description: 'Valid answers (1–5); "weet niet / n.v.t." and unanswered are missing and not counted.',
    },
    {
      name: 'mean',
      type: 'number',
      minimum: 1,
      maximum: 5,
      description: 'Mean of the recoded answers (reverse items recoded 6 − x, so higher is always more favourable).',
    },
    {
      name: 'sd',
      type: 'number',
      minimum: 0,
      description: 'Standard deviation of the recoded answers (n − 1 denominator); empty when n < 2.',
    },
    {
      name: 'pct_favourable',
      type: 'number',
      ...PERCENT,
      description: 'Percentage (0–100) of valid answers that are favourable: recoded 4 or 5.',
    },
    ...[1, 2, 3, 4, 5].map((v): Column => ({
      name: `pct_${v}`,
      type: 'number',
      ...PERCENT,
      description: `Percentage (0–100) of valid answers with recoded value ${v} (reverse items already recoded: recoded ${v} is answer option ${6 - v}; see value_labels in the codebook).`,
    })),
    SUPPRESSED,
  ];
}

export function codebookColumns(themeIds: readonly string[]): Column[] {
  return [
    { name: 'item_id', type: 'string', description: 'Item id, stable across questionnaire versions of the same key.' },
    { name: 'theme_id', type: 'string', enum: themeIds, description: 'Theme the item belongs to.' },
    { name: 'label_nl', type: 'string', description: 'Item wording in Dutch, as the respondents saw it.' },
    { name: 'label_en', type: 'string', description: 'Item wording in English.' },
    {
      name: 'scale',
      type: 'string',
      description: 'Answer scale id (five points; an optional "weet niet / n.v.t." option counts as missing).',
    },
    {
      name: 'reverse',
      type: 'boolean',
      description:
        'true for a negatively worded item: answers are recoded 6 − x before any statistic, so higher is always more favourable.',
    },
    {
      name: 'value_labels',
      type: 'string',
      description:
        'Labels of the recoded values 1–5 as used in mean, pct_1..pct_5 and pct_favourable, as `1=<nl> / <en>|2=…`. For a reverse item the labels are those of answer option 6 − v, so they run from agree to disagree.',
    },
  ];
}

export function trendColumns(themeIds: readonly string[]): Column[] {
  return [
    {
      name: 'questionnaire_key',
      type: 'string',
      description: 'Questionnaire key (the JSON `id` shared by all versions of one questionnaire).',
    },
    { name: 'wave_id', type: 'string', description: 'Id (UUID) of the wave.' },
    { name: 'wave_name', type: 'string', description: 'Name of the wave.' },
    {
      name: 'wave_order',
      type: 'integer',
      minimum: 1,
      description: 'Position of the wave among the sealed waves of the questionnaire key, by creation date (1 = oldest).',
    },
    { name: 'questionnaire_version', type: 'integer', minimum: 1, description: 'Questionnaire version the wave used.' },
    ...scopeColumns(themeIds).slice(1),
    ...themeColumns(themeIds).filter((c) => ['n', 'mean', 'sd', 'ci_low', 'ci_high', 'pct_favourable'].includes(c.name)),
    {
      name: 'prev_wave_id',
      type: 'string',
      description:
        'The wave the change is measured against: the previous wave of the same key in which this scope took part and had this theme.',
    },
    {
      name: 'change',
      type: 'number',
      description:
        'mean − mean of prev_wave_id; empty when either is suppressed or missing, or when the test is unavailable (n < 2 or no variance).',
    },
    { name: 'change_t', type: 'number', description: 'Welch’s t of the change.' },
    { name: 'change_df', type: 'number', minimum: 0, description: 'Welch–Satterthwaite degrees of freedom.' },
    { name: 'change_p', type: 'number', minimum: 0, maximum: 1, description: 'Two-sided p value of Welch’s t test.' },
    { name: 'change_significant', type: 'boolean', description: 'true when change_p < 0.05.' },
    SUPPRESSED,
  ];
}

/** The union's priorities (issue 20), one row per scope and theme: `priorities.csv` of a questionnaire with the question. */
export function priorityColumns(themeIds: readonly string[]): Column[] {
  return [
    ...scopeColumns(themeIds),
    {
      name: 'n',
      type: 'integer',
      minimum: 0,
      description:
        'Respondents who answered the priority question (named at least one theme): the denominator of pct_named. Respondents who skipped it are not counted.',
    },
    {
      name: 'pct_named',
      type: 'number',
      ...PERCENT,
      description:
        'Percentage (0–100) of those n who named this theme among the (at most max, see the codebook) themes the union should take up first at their school; the percentages of one scope add up to more than 100.',
    },
    SUPPRESSED,
  ];
}
