import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { formatCode, hashCode, normaliseCode } from './access-codes.ts';
import {
  lookUpCode,
  sealSubmission,
  storeSubmission,
  validateAnswers,
  type CodeProblem,
  type SubmissionFields,
  type ValidAnswers,
} from './submissions.ts';
import { WaveKeyUnavailable, type AnswerableWave, type OpenWave } from '../encryption/wave-keys.ts';
import { FailedCodeGuard } from './teacher-guard.ts';
import { questionnaireView } from './questionnaire-view.ts';
import { translator } from '../platform/i18n.ts';
import { isUuid } from '../platform/problems.ts';
import { readPrivacyFacts } from './privacy.ts';
import { LangField, LangQuery } from '../platform/http-schemas.ts';

const CodeBody = Type.Object({ code: Type.String({ maxLength: 64 }), lang: LangField }, { additionalProperties: false });
const CodeParams = Type.Object({ code: Type.String({ maxLength: 64 }) });
// Item fields are checked against the questionnaire itself (validateAnswers), which names each one.
// `wave` and `school` are those of the code the form was shown for: the answers are checked against
// the wave's questionnaire and sealed for that wave and school before the one statement that spends
// the code (which checks both again).
const SubmitBody = Type.Object(
  {
    code: Type.String({ maxLength: 64 }),
    wave: Type.Optional(Type.String({ maxLength: 64 })),
    school: Type.Optional(Type.String({ maxLength: 64 })),
    lang: LangField,
    // The priority question's checkboxes send one value per theme named (a questionnaire has at most 30).
    priority: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Array(Type.String({ maxLength: 64 }), { maxItems: 30 })])),
  },
  { additionalProperties: Type.String({ maxLength: 5000 }), maxProperties: 300 },
);

// Teacher routes: no session, no cookie, no CSRF token (the access code is the secret).
const PUBLIC = { access: 'public', csrf: false } as const;

const PROBLEM_STATUS: Record<CodeProblem | 'tooMany', number> = { unavailable: 404, 'not-open': 409, tooMany: 429 };

/**
 * The teacher flow (design §1, §3, §4): no account, no cookie, no JavaScript needed. The code
 * travels in the form (or in the QR link path) and is never logged.
 */
const teacherRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const guard = new FailedCodeGuard(10, 60_000);
  // The client address is a key of the in-memory guard only; it is not stored or logged.
  const client = (request: FastifyRequest) => request.ip;

  const home = (reply: FastifyReply, problem?: CodeProblem | 'tooMany') => {
    const t = translator(reply.request.lang);
    if (problem) reply.status(PROBLEM_STATUS[problem]);
    return reply.page('home', { error: problem ? t(`code.${problem}`) : null, k: app.config.DISCLOSURE_K });
  };

  /** A code that cannot be used: counted by the guard whatever the reason, so none is cheaper to probe. */
  const refuse = (request: FastifyRequest, reply: FastifyReply, problem: CodeProblem) => {
    if (problem === 'unavailable') guard.recordFailure(client(request));
    return home(reply, problem);
  };

  /** The wave cannot take answers: its key does not open with the configured master key. Nothing is stored. */
  const keyUnavailable = (request: FastifyRequest, reply: FastifyReply, err: WaveKeyUnavailable) => {
    request.log.error({ wave: err.waveId }, "refusing answers: the master key cannot open this wave's data key (see the admin console)");
    const t = translator(request.lang);
    reply.status(503);
    return reply.page('message', { title: t('submit.unavailableTitle'), message: t('submit.unavailable') });
  };

  /** An open wave, as shown (writes nothing) or to store an answer in (with its key), or the reason there is none. */
  async function answerableWave(waveId: string): Promise<AnswerableWave | null | WaveKeyUnavailable>;
  async function answerableWave(waveId: string, shown: 'shown'): Promise<OpenWave | null | WaveKeyUnavailable>;
  async function answerableWave(waveId: string, shown?: 'shown') {
    try {
      return await (shown ? app.keys.shown(waveId) : app.keys.answerable(waveId));
    } catch (err) {
      if (err instanceof WaveKeyUnavailable) return err;
      throw err;
    }
  }

  const form = (
    reply: FastifyReply,
    wave: OpenWave,
    schoolId: string,
    code: string,
    extra: Record<string, unknown> = {},
    body: SubmissionFields = {},
    errors = {},
  ) => {
    const t = translator(reply.request.lang);
    const view = questionnaireView(wave.questionnaire, reply.request.lang, t, formatCode(code), body, errors);
    return reply.page('questionnaire', { q: view, wave: wave.waveId, school: schoolId, ...extra });
  };

  /** Shows the questionnaire for a code, or the home page saying why not. */
  async function start(request: FastifyRequest, reply: FastifyReply, input: string) {
    if (guard.isBlocked(client(request))) return home(reply, 'tooMany');
    const found = await lookUpCode(app.store.db, input);
    if (!found.ok) return refuse(request, reply, found.problem);
    const wave = await answerableWave(found.context.waveId, 'shown');
    if (wave instanceof WaveKeyUnavailable) return keyUnavailable(request, reply, wave);
    if (!wave) return refuse(request, reply, 'unavailable');
    return form(reply, wave, found.context.schoolId, normaliseCode(input)!);
  }

  app.get('/', { config: PUBLIC, schema: { querystring: LangQuery } }, async (_request, reply) => home(reply));

  app.post('/answer', { config: PUBLIC, schema: { body: CodeBody } }, async (request, reply) => start(request, reply, request.body.code));

  // The URL printed as a QR code on a slip.
  app.get('/c/:code', { config: PUBLIC, schema: { params: CodeParams, querystring: LangQuery } }, async (request, reply) =>
    start(request, reply, request.params.code),
  );

  app.post('/submit', { config: PUBLIC, schema: { body: SubmitBody } }, async (request, reply) => {
    const { body } = request;
    if (guard.isBlocked(client(request))) return home(reply, 'tooMany');
    const code = normaliseCode(body.code);
    if (!code) return refuse(request, reply, 'unavailable');

    // Nearly every submission: the form's own wave is open and the answers fit it, so they are
    // sealed and stored in one statement. Anything else — a stale or forged wave or school field, a
    // spent or unknown code, answers to correct — is settled by looking the code up. Answers are
    // checked against the wave as shown (which writes nothing); its key is fetched only to store.
    const formWave = body.wave && isUuid(body.wave) && body.school && isUuid(body.school) ? await answerableWave(body.wave, 'shown') : null;
    if (formWave instanceof WaveKeyUnavailable) return keyUnavailable(request, reply, formWave);
    if (formWave) {
      const checked = validateAnswers(formWave.questionnaire, body);
      const wave = checked.ok ? await answerableWave(formWave.waveId) : null;
      if (wave instanceof WaveKeyUnavailable) return keyUnavailable(request, reply, wave);
      if (wave && checked.ok) {
        const stored = await store(request, reply, wave, body.school!, code, body, checked.value);
        if (stored !== false) return stored;
      }
    }

    const found = await lookUpCode(app.store.db, code);
    if (!found.ok) return refuse(request, reply, found.problem);
    const shown = await answerableWave(found.context.waveId, 'shown');
    if (shown instanceof WaveKeyUnavailable) return keyUnavailable(request, reply, shown);
    if (!shown) return refuse(request, reply, 'unavailable');
    const checked = validateAnswers(shown.questionnaire, body);
    if (!checked.ok) return form(reply.status(422), shown, found.context.schoolId, code, {}, body, checked.errors);
    const wave = await answerableWave(found.context.waveId);
    if (wave instanceof WaveKeyUnavailable) return keyUnavailable(request, reply, wave);
    if (!wave) return refuse(request, reply, 'unavailable');
    const stored = await store(request, reply, wave, found.context.schoolId, code, body, checked.value);
    return stored === false ? refuse(request, reply, 'unavailable') : stored;
  });

  /** Seals and stores; the reply when stored or failed, false when nothing matched (the code was not usable in this wave). */
  async function store(
    request: FastifyRequest,
    reply: FastifyReply,
    wave: AnswerableWave,
    schoolId: string,
    code: string,
    body: SubmissionFields,
    value: ValidAnswers,
  ) {
    let stored;
    try {
      stored = await storeSubmission(
        app.store.db,
        { hash: hashCode(code), waveId: wave.waveId, schoolId },
        sealSubmission(wave, schoolId, value),
      );
    } catch (err) {
      // Nothing was stored (one statement fails as a whole): the form again, answers kept, code unspent.
      request.log.error({ err }, 'storing a response failed');
      return form(reply.status(503), wave, schoolId, code, { failure: translator(request.lang)('submit.nothingSaved') }, body);
    }
    return stored ? reply.redirect(`/thanks?lang=${request.lang}`, 303) : false;
  }

  app.get('/thanks', { config: PUBLIC, schema: { querystring: LangQuery } }, async (_request, reply) => reply.page('thanks'));

  app.get('/privacy', { config: PUBLIC, schema: { querystring: LangQuery } }, async (_request, reply) =>
    reply.page('privacy', { facts: await readPrivacyFacts(app.store.db, app.config, app.store.kind) }),
  );
};

export default teacherRoutes;
