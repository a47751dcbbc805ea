import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary as common } from '@zxcvbn-ts/language-common';
import { dictionary as dutch } from '@zxcvbn-ts/language-nl-be';
import { describe, expect, it } from 'vitest';
import { estimateGuesses, guessEstimatorRunning } from '../../server/staff/guesses.ts';

// The estimate made here, in the test's own thread, is what the worker must answer.
const direct = new ZxcvbnFactory({ dictionary: { ...common, ...dutch }, graphs: adjacencyGraphs });

describe('guess estimates made in a thread of their own', () => {
  it('answer as zxcvbn does, many at once, each its own', async () => {
    const texts = ['wachtwoord123', 'correct horse battery staple', 'Zomervakantie2026!', 'schoolpols-secret', 'k8#Qz!v2Lm9@Xw4r'];
    const inputs = ['schoolpols', 'vakbond'];
    const answers = await Promise.all(texts.map((t) => estimateGuesses(t, inputs)));
    answers.forEach((a, i) => {
      const expected = direct.check(texts[i]!, inputs);
      expect(a, texts[i]).toEqual({ score: expected.score, guessesLog10: expected.guessesLog10 });
    });
    expect(answers[0]!.score).toBeLessThan(3);
    expect(answers[4]!.score).toBe(4);
  }, 20_000);

  it('stay a while for the next question, or end with the answer (the check at start-up)', async () => {
    await estimateGuesses('eerste vraag', []);
    expect(guessEstimatorRunning()).toBe(true);
    await estimateGuesses('laatste vraag', [], 0);
    expect(guessEstimatorRunning()).toBe(false);
    // And start again when asked again.
    expect((await estimateGuesses('wachtwoord', [], 0)).score).toBe(direct.check('wachtwoord', []).score);
    expect(guessEstimatorRunning()).toBe(false);
  }, 20_000);
});
