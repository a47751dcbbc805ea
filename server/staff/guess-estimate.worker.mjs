// zxcvbn's estimate of how many guesses a text needs (`guesses.ts`), in a thread of its own: its
// dictionaries (English and Dutch, ~17 MB of the process's memory once loaded, another ~16 MB once
// ranked) would otherwise stay in the server for its whole life after one check at start-up. Plain
// JavaScript, so that it starts without the TypeScript loader.
import { parentPort } from 'node:worker_threads';
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary as common } from '@zxcvbn-ts/language-common';
import { dictionary as dutch } from '@zxcvbn-ts/language-nl-be';

const estimator = new ZxcvbnFactory({ dictionary: { ...common, ...dutch }, graphs: adjacencyGraphs });

parentPort.on('message', ({ id, text, userInputs }) => {
  try {
    const { score, guessesLog10 } = estimator.check(text, userInputs);
    parentPort.postMessage({ id, score, guessesLog10 });
  } catch (err) {
    parentPort.postMessage({ id, error: String(err instanceof Error ? err.message : err) });
  }
});
