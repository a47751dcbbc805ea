import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { formatCode, normaliseCode } from '../access-codes.ts';
import { expectedSubmission, lookUpCode, storeExpected, storeResponse, validateAnswers, type CodeProblem, type SubmissionFields } from '../submissions.ts';
import { FailedCodeGuard } from '../teacher-guard.ts';
import { questionnaireView } from '../views/questionnaire.ts';
import type { Questionnaire } from '../../surveys/schema.ts';
import { translator } from '../i18n.ts';
import { readPrivacyFacts } from '../privacy.ts';

const Lang = Type.Optional(Type.Union([Type.Literal('nl'), Type.Literal('en')]));
const LangQuery = Type.Object({ lang: Lang }, { additionalProperties: false });
const CodeBody = Type.Object({ code: Type.String({ maxLength: 64 }), lang: Lang }, { additionalProperties: false });
const CodeParams = Type.Object({ code: Type.String({ maxLength: 64 }) });
// Item fields are checked against the questionnaire itself (validateAnswers), which names each one.
const SubmitBody = Type.Object(
  { code: Type.String({ maxLength: 64 }), lang: Lang },
  { additionalProperties: Type.String({ maxLength: 5000 }), maxProperties: 300 },
);

// Teacher routes: no session, no cookie, no CSRF token (the access code is the secret).
const PUBLIC = { access: 'public', csrf: false } as const;

const PROBLEM_STATUS: Record<CodeProblem, number> = { unknown: 404, spent: 409, 'not-open': 409 };

/**
 * The teacher flow (design §1, §3, §4): no account, no cookie, no JavaScript needed. The code
 * travels in the form (or in the QR link path) and is never logged.
 */
export default async function teacherRoutes(app: FastifyInstance) {
  const guard = new FailedCodeGuard(10, 60_000);
  // The client address is a key of the in-memory guard only; it is not stored or logged.
  const client = (request: FastifyRequest) => request.ip;

  const home = (reply: FastifyReply, status = 200, problem?: CodeProblem | 'tooMany') => {
    const t = translator(reply.request.lang);
    reply.status(status);
    return reply.page('home', { error: problem ? t(`code.${problem}`) : null, k: app.config.DISCLOSURE_K });
  };

  /** Shows the questionnaire for a code, or the home page saying why not. */
  async function start(request: FastifyRequest, reply: FastifyReply, input: string) {
    if (guard.isBlocked(client(request))) return home(reply, 429, 'tooMany');
    const found = await lookUpCode(app.store.db, input);
    if (!found.ok) {
      if (found.problem === 'unknown') guard.recordFailure(client(request));
      return home(reply, PROBLEM_STATUS[found.problem], found.problem);
    }
    const t = translator(request.lang);
    const view = questionnaireView(found.context.questionnaire, request.lang, t, formatCode(normaliseCode(input)!));
    return reply.page('questionnaire', { q: view });
  }

  app.get('/', { config: PUBLIC, schema: { querystring: LangQuery } }, async (_request, reply) => home(reply));

  app.post('/answer', { config: PUBLIC, schema: { body: CodeBody } }, async (request, reply) =>
    start(request, reply, (request.body as Static<typeof CodeBody>).code),
  );

  // The URL printed as a QR code on a slip.
  app.get('/c/:code', { config: PUBLIC, schema: { params: CodeParams, querystring: LangQuery } }, async (request, reply) =>
    start(request, reply, (request.params as Static<typeof CodeParams>).code),
  );

  /** Nothing was stored (one statement fails as a whole): the form again, answers kept, code unspent. */
  function notSaved(request: FastifyRequest, reply: FastifyReply, questionnaire: Questionnaire, body: SubmissionFields & { code: string }, err: unknown) {
    request.log.error({ err }, 'storing a response failed');
    const t = translator(request.lang);
    reply.status(503);
    return reply.page('questionnaire', {
      q: questionnaireView(questionnaire, request.lang, t, formatCode(normaliseCode(body.code)!), body),
      failure: t('submit.nothingSaved'),
    });
  }

  app.post('/submit', { config: PUBLIC, schema: { body: SubmitBody } }, async (request, reply) => {
    const body = request.body as Static<typeof SubmitBody> & SubmissionFields;
    if (guard.isBlocked(client(request))) return home(reply, 429, 'tooMany');
    const thanks = () => reply.redirect(`/thanks?lang=${request.lang}`, 303);

    // Nearly every submission: answers that fit the questionnaire being answered, stored in one
    // round trip. Whatever else, and why it was not stored, is settled by the full path below.
    const expected = expectedSubmission(app.store.db, body.code, body);
    if (expected) {
      let stored;
      try {
        stored = await storeExpected(app.store.db, expected);
      } catch (err) {
        // The questionnaire the answers fit: the code's own unless two are open at once, and then a
        // resubmission takes the full path, which checks them against the code's own.
        return notSaved(request, reply, expected.questionnaire, body, err);
      }
      if (stored) return thanks();
    }

    const found = await lookUpCode(app.store.db, body.code);
    if (!found.ok) {
      if (found.problem === 'unknown') guard.recordFailure(client(request));
      return home(reply, PROBLEM_STATUS[found.problem], found.problem);
    }
    const { questionnaire } = found.context;
    const checked = validateAnswers(questionnaire, body);
    if (!checked.ok) {
      const t = translator(request.lang);
      reply.status(422);
      return reply.page('questionnaire', { q: questionnaireView(questionnaire, request.lang, t, formatCode(normaliseCode(body.code)!), body, checked.errors) });
    }
    let stored;
    try {
      stored = await storeResponse(app.store.db, found.context, checked.value);
    } catch (err) {
      return notSaved(request, reply, questionnaire, body, err);
    }
    if (!stored.ok) return home(reply, PROBLEM_STATUS[stored.problem], stored.problem);
    return thanks();
  });

  app.get('/thanks', { config: PUBLIC, schema: { querystring: LangQuery } }, async (_request, reply) => reply.page('thanks'));

  app.get('/privacy', { config: PUBLIC, schema: { querystring: LangQuery } }, async (_request, reply) =>
    reply.page('privacy', { facts: await readPrivacyFacts(app.store.db, app.config) }),
  );
}
