import type { Layout } from './layout.ts';

/**
 * The priority question's counts in one scope: how many respondents answered it (named at least one
 * theme) and, per theme (`layout.themes` order), how many named it. Additive across schools, like
 * answer counts: a benchmark group's are the sum of its schools'. Without the question: 0 and [].
 */
export interface PrioritySums {
  answered: number;
  named: number[];
}

export const emptyPrioritySums = (layout: Layout): PrioritySums => ({
  answered: 0,
  named: layout.priority ? layout.themes.map(() => 0) : [],
});

/**
 * Counts one pass of responses. A respondent's positions are all null (unanswered) or all 0/1: a
 * response that names more than `max` themes, or mixes null with 0/1, cannot come from the form
 * (`validateAnswers`) and is refused here rather than counted.
 */
export function sumPriorities(responses: ReadonlyArray<{ readonly answers: readonly (number | null)[] }>, layout: Layout): PrioritySums {
  const sums = emptyPrioritySums(layout);
  const p = layout.priority;
  if (!p) return sums;
  const t = layout.themes.length;
  responses.forEach(({ answers }, r) => {
    let named = 0;
    let unanswered = 0;
    for (let i = 0; i < t; i++) {
      const v = answers[p.start + i] ?? null;
      if (v === null) unanswered++;
      else if (v === 1) named++;
      else if (v !== 0) throw new RangeError(`response ${r}: priority answer ${v} is not 0, 1 or null`);
    }
    if (unanswered === t) return;
    if (unanswered > 0 || named === 0 || named > p.max)
      throw new RangeError(`response ${r}: not a possible answer to the priority question`);
    sums.answered++;
    for (let i = 0; i < t; i++) if (answers[p.start + i] === 1) sums.named[i]!++;
  });
  return sums;
}

export function combinePrioritySums(parts: readonly PrioritySums[], layout: Layout): PrioritySums {
  const sums = emptyPrioritySums(layout);
  for (const part of parts) {
    if (part.named.length !== sums.named.length) throw new RangeError('priority sums of another layout');
    sums.answered += part.answered;
    part.named.forEach((n, i) => (sums.named[i]! += n));
  }
  return sums;
}
