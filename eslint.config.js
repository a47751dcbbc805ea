// ESLint 9 flat config (`npm run lint`, run by .ci/run after the type check). Correctness rules
// only: formatting is prettier's (`npm run format`, checked by .ci/run), so no style rules here.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['node_modules/', 'test-results/', 'data/', 'coverage/'] },
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },

  // The server, analysis, questionnaires, migrations, benchmark, scripts and tests: TypeScript, with
  // type information (tsconfig.json, found for each file by the project service).
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommended],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: globals.node,
    },
    rules: {
      // A promise nobody awaits loses its rejection (an unhandled rejection ends the process) and its
      // order (a query still running when the reply is sent or the transaction has ended).
      '@typescript-eslint/no-floating-promises': 'error',
      // An async function where a void one is expected (an event listener, a timer, forEach) is a
      // floating promise in disguise. Fastify's hook, handler and plugin types accept a promise, so
      // they pass with the default options, and the default stays.
      '@typescript-eslint/no-misused-promises': 'error',
      // Awaiting what is never a promise, or Promise.all over values none of which is one (a map whose
      // callback forgot to return its promise). A mix is allowed: Promise.all over a value already
      // at hand and promises still to come (server/dashboards/school-view.ts, the viewed wave and the
      // earlier ones being loaded) waits for exactly what it should.
      '@typescript-eslint/await-thenable': ['error', { allowMixedPromiseArrays: true }],
      // A switch over a union (a question kind, a scope, a role) that misses a member; a switch with a
      // default handles the rest on purpose.
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      // `return promise` inside try/catch or try/finally leaves the block before the promise settles:
      // the catch never sees its rejection, the finally (a release, a rollback) runs too early. Only
      // that case: `return await` elsewhere is neither required nor refused.
      '@typescript-eslint/return-await': ['error', 'error-handling-correctness-only'],
      // Fastify's error handler and the logs expect an Error (message, stack, statusCode).
      '@typescript-eslint/only-throw-error': 'error',
      // `_name` marks an argument kept for its position in a signature that the body does not read.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },

  // Kysely's migration signature is `up(db: Kysely<any>)`: a migration must not depend on the
  // application's schema type of the day (its files are frozen; see the note at the top of each).
  {
    files: ['migrations/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },

  // The browser scripts served as they are from /static: plain JavaScript, classic scripts (not
  // modules), Chart.js a global from its own script tag. No type information.
  {
    files: ['web/static/**/*.js'],
    extends: [js.configs.recommended],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'script',
      globals: { ...globals.browser, Chart: 'readonly' },
    },
  },

  // The thread that opens a wave's boxes at sealing: plain JavaScript, so it starts without the
  // TypeScript loader (server/sealing/box-opening.ts). No type information.
  {
    files: ['server/**/*.mjs'],
    extends: [js.configs.recommended],
    languageOptions: { globals: globals.node },
  },

  // This file.
  {
    files: ['eslint.config.js'],
    extends: [js.configs.recommended],
    languageOptions: { globals: globals.node },
  },
);
