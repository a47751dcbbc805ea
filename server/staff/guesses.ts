import { Worker } from 'node:worker_threads';

/** zxcvbn's verdict on a text: its score (0–4) and the guesses (log10) it estimates an attacker needs. */
export interface GuessEstimate {
  score: number;
  guessesLog10: number;
}

/** How long the thread stays after its last answer: a person correcting a refused password is not made to wait again. */
const IDLE_MS = 60_000;

let thread: {
  worker: Worker;
  pending: Map<number, (answer: GuessEstimate | Error) => void>;
  idle: NodeJS.Timeout | null;
  lingerMs: number;
} | null = null;
let nextId = 0;

/**
 * zxcvbn's estimate (common, English and Dutch dictionaries, keyboard patterns), made in a worker
 * thread (`guess-estimate.worker.mjs`) that ends a minute after its last answer: the dictionaries
 * take ~0.7 s to load and ~30 MB of memory that a server checks against once at start-up and then
 * only when someone chooses a password — memory the server's other work has better use for (the
 * young generation of its heap, docs/performance.md, session 18). `lingerMs`: how long the thread
 * stays once it has nothing left to answer (0: it ends at once, as after the check at start-up).
 */
export function estimateGuesses(text: string, userInputs: string[], lingerMs = IDLE_MS): Promise<GuessEstimate> {
  const t = (thread ??= start());
  if (t.idle) clearTimeout(t.idle);
  t.idle = null;
  t.lingerMs = lingerMs;
  const id = nextId++;
  return new Promise<GuessEstimate>((resolve, reject) => {
    t.pending.set(id, (answer) => (answer instanceof Error ? reject(answer) : resolve(answer)));
    t.worker.postMessage({ id, text, userInputs });
  });
}

function start(): NonNullable<typeof thread> {
  const worker = new Worker(new URL('./guess-estimate.worker.mjs', import.meta.url), { execArgv: [] });
  const t: NonNullable<typeof thread> = { worker, pending: new Map(), idle: null, lingerMs: IDLE_MS };
  // The thread never keeps the process alive: a CLI command ends when its work does.
  worker.unref();
  const fail = (err: Error) => {
    if (thread === t) thread = null;
    for (const settle of t.pending.values()) settle(err);
    t.pending.clear();
  };
  worker.on('message', (m: { id: number; error?: string } & GuessEstimate) => {
    const settle = t.pending.get(m.id);
    t.pending.delete(m.id);
    settle?.(m.error === undefined ? { score: m.score, guessesLog10: m.guessesLog10 } : new Error(m.error));
    if (t.pending.size > 0) return;
    const end = () => {
      if (thread === t) thread = null;
      void worker.terminate();
    };
    if (t.lingerMs <= 0) return end();
    t.idle = setTimeout(end, t.lingerMs);
    t.idle.unref();
  });
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`the guess estimator stopped (exit code ${code})`)));
  return t;
}

/** Whether the estimator's thread (and its dictionaries) is in memory now. */
export function guessEstimatorRunning(): boolean {
  return thread !== null;
}
