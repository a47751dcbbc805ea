/** Public API of `analysis/`: statistics (design §6) and disclosure control (design §5). Pure functions, no I/O. */
export { ok, unavailable, type Stat, type UnavailableReason } from './stat.ts';
export { recode } from './recode.ts';
export { addCounts, countAnswers, countsFromRows, type CountRow, type ValueCounts } from './value-counts.ts';
export { itemStats, type ItemStats } from './item-stats.ts';
export { layoutOf, type Layout } from './layout.ts';
export { respondentThemeScore } from './respondent-theme-score.ts';
export { themeScores } from './theme-scores.ts';
export { combineScoreSums, scoreSums, type ScoreSums } from './score-sums.ts';
export { summarize, type Summary } from './summarize.ts';
export { meanConfidenceInterval, type Interval } from './confidence-interval.ts';
export { themeFavourable } from './theme-favourable.ts';
export { alphaSums, combineAlphaSums, emptyAlphaSums, type AlphaSums } from './alpha-sums.ts';
export { ALPHA_THRESHOLD, cronbachAlpha, type AlphaResult } from './cronbach-alpha.ts';
export {
  ITEM_REST_THRESHOLD,
  combineReliabilitySums,
  emptyReliabilitySums,
  reliability,
  reliabilitySums,
  type ItemReliability,
  type Omega,
  type OmegaReason,
  type ReliabilitySums,
  type ThemeReliability,
} from './reliability.ts';
export { cfa, cfaSteps, runSteps, type CfaFit, type CfaReason, type CfaResult } from './cfa.ts';
export {
  CFA_MIN_RESPONDENTS,
  CFA_RESPONDENTS_PER_PARAMETER,
  FIT_CUTOFFS,
  QualityAccumulator,
  cfaMinimum,
  cfaParameters,
  instrumentQuality,
  instrumentQualitySteps,
  type InstrumentQuality,
  type ModelQuality,
  type QualitySums,
  type ThemeQuality,
} from './instrument-quality.ts';
export { regularizedIncompleteBeta } from './incomplete-beta.ts';
export { tTwoSidedP } from './t-two-sided-p.ts';
export { tQuantile } from './t-quantile.ts';
export { welchTTest, type Sample, type WelchResult } from './welch-t-test.ts';
export { compareWithBenchmark, type BenchmarkComparison } from './benchmark-comparison.ts';
export {
  MIN_RANKED_SCHOOLS,
  percentileRank,
  percentileRankSorted,
  rankAmongReleased,
  sortedForRanking,
  sortedIncludes,
} from './percentile-rank.ts';
export { schoolSpread, type Spread } from './school-spread.ts';
export { trend, type TrendPoint, type TrendStep } from './trend.ts';
export { glance, type Glance, type GlanceTheme, type Unsaid } from './glance.ts';
export {
  MAX_BOOTSTRAP_UNITS,
  MAX_DRIVER_PREDICTORS,
  MAX_FAILED_DRAWS,
  MIN_DRIVER_RESPONDENTS,
  bootstrapDraw,
  bootstrapPlan,
  driverData,
  driverIntervals,
  keyDriverAnalysis,
  keyDrivers,
  type BootstrapPlan,
  type DriverData,
  type DriverIntervals,
  type DriverReason,
  type DriverRefusal,
  type DriverRow,
  type KeyDriverAnalysis,
  type KeyDrivers,
} from './key-drivers.ts';
export { combineResponseSums, sumResponses, type ResponseSums } from './response-sums.ts';
export { packResponseSums, packedLength, unpackResponseSums, unpackThemeScores } from './packed-sums.ts';
export { combinePrioritySums, emptyPrioritySums, sumPriorities, type PrioritySums } from './priority-sums.ts';
export { priorityShares, type PriorityReport, type PriorityShare } from './priority-shares.ts';
export { countCommentThemes } from './comment-themes.ts';
export { groupReport, type GroupReport, type ThemeReport } from './group-report.ts';
export { measureCount, summaryOfAtLeast, themeSummaries, validAnswers, withholdFewAnswers, withholdMeasures } from './few-answers.ts';
export {
  aggregateAnswersR3,
  ANSWERS_R3_VERSION,
  breakdownAnswersR3,
  type AnswerAggregate,
  type SchoolAnswers,
} from './disclosure/answers-r3.ts';
export {
  DEFAULT_K,
  MIN_COMMENT_RESPONDENTS,
  combineDisclosed,
  decide,
  disclose,
  discloseDecided,
  isDisclosed,
  mapDisclosed,
  type Decisions,
  type Disclosed,
  type DisclosedBreakdown,
  type DisclosedGroup,
  type Disclosure,
  type DisclosureConfig,
  type DisclosureInput,
  type GroupKind,
  type Rule,
  type SchoolInput,
  type DisclosureStatus,
} from './disclosure.ts';
