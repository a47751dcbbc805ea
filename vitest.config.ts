import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The `slow` files first, the longest of them first (vitest's own order within a project: by the
 * last run's durations, or by file size before any run), then `app` and `unit`. Two workers share
 * one queue: a long browser or child-process file started last kept one worker busy for a minute
 * while the other had nothing left to run.
 */
class SlowFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    return [...sorted.filter((f) => f.project.name === 'slow'), ...sorted.filter((f) => f.project.name !== 'slow')];
  }
}

/**
 * Three projects, all run by `npm test`: `unit` (analysis, questionnaires, messages: no store),
 * `app` (routes and storage on a store of its own per file), `slow` (child processes, Chromium, the
 * command line). The inner loop is `npm run test:quick` (unit and app).
 */
export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Test files share one PostgreSQL server; each file makes its own database, so files may run in parallel.
    pool: 'forks',
    // Two at a time even on two cores (the default there is one): most files wait on a child process,
    // Chromium or the database, and one at a time the whole suite took over 28 minutes in CI.
    maxWorkers: 2,
    sequence: { sequencer: SlowFirst },
    projects: [
      // Files of every project share their worker's modules (isolate: false): each file imported the
      // whole server again: 217 s of imports summed over the app project's 47 files, against 30 s shared;
      // in `slow`, 8 CLI and child-process files took 108 s of CPU isolated and 84 s shared.
      // Safe because nothing in server/ keeps state between stores but caches keyed by random ids, and
      // the tests' own module state (TOTP steps, the snapshot) is keyed by account or constant.
      {
        extends: true,
        test: { name: 'unit', isolate: false, include: ['test/analysis/**/*.test.ts', 'test/surveys/**/*.test.ts', 'test/*.test.ts'] },
      },
      {
        extends: true,
        test: { name: 'app', isolate: false, include: ['test/{admin,bench,db,exports,results,staff,teacher}/**/*.test.ts'] },
      },
      { extends: true, test: { name: 'slow', isolate: false, include: ['test/{hardening,browser,cli}/**/*.test.ts'] } },
    ],
  },
});
