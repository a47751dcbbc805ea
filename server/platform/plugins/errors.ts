import { STATUS_CODES } from 'node:http';
import fp from 'fastify-plugin';
import type { FastifyRequest } from 'fastify';
import { translator, isLang, DEFAULT_LANG, type Lang } from '../i18n.ts';
import { HttpProblem } from '../problems.ts';

/**
 * One error handler: 4xx answers carry a clear message (naming the field for validation errors),
 * 5xx answers say nothing internal. HTML for browsers, JSON for API clients.
 */
export default fp(
  async (app) => {
    app.setErrorHandler(
      async (error: Error & { statusCode?: number; validation?: unknown[]; validationContext?: string }, request, reply) => {
        const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
        // Validation comes before render's preHandler, which sets the page's language: set it as that would have.
        if (error.validation) request.lang = languageOf(request);
        const lang = isLang(request.lang) ? request.lang : DEFAULT_LANG;
        const t = translator(lang);
        let message: string;
        if (status >= 500) {
          request.log.error({ err: error }, 'request failed');
          message = t('error.server');
        } else {
          request.log.info({ statusCode: status, code: (error as { code?: string }).code }, 'request refused');
          message =
            error instanceof HttpProblem
              ? (t(error.key, error.params) as string)
              : error.validation
                ? `${t('error.invalidRequest')}: ${validationText(error.validationContext ?? 'request', error.message)}`
                : error.message;
        }
        reply.status(status);
        if (wantsHtml(request.headers.accept) && reply.page) {
          return reply.page('message', { title: t(status >= 500 ? 'error.serverTitle' : 'error.requestTitle'), message });
        }
        return { statusCode: status, error: STATUS_CODES[status] ?? 'Error', message };
      },
    );

    // PostgreSQL cannot store U+0000 in text: a NUL anywhere in the input would surface as a 500 from
    // the database (or as a teacher's 503 "nothing was saved", forever). Refuse it first, saying where.
    app.addHook('preValidation', async (request) => {
      const where = nulPath(request.params, 'params') ?? nulPath(request.query, 'querystring') ?? nulPath(request.body, 'body');
      if (where) {
        request.lang = languageOf(request);
        throw new HttpProblem(400, 'error.nul', { where });
      }
    });

    app.setNotFoundHandler(async (request, reply) => {
      const t = translator(isLang(request.lang) ? request.lang : DEFAULT_LANG);
      reply.status(404);
      if (wantsHtml(request.headers.accept))
        return reply.page('message', { title: t('error.notFoundTitle'), message: t('error.notFound') });
      return { statusCode: 404, error: 'Not Found', message: t('error.notFound') };
    });
  },
  { name: 'errors' },
);

/**
 * The language of the page a request would have had, for a refusal before render's preHandler has
 * set it (a NUL character, a validation error): the same order as there, `?lang=`, the form's
 * `lang`, the signed-in user's, else what it is now.
 */
function languageOf(request: FastifyRequest): Lang {
  const fromQuery = (request.query as Record<string, unknown> | undefined)?.['lang'];
  if (isLang(fromQuery)) return fromQuery;
  const fromBody = (request.body as Record<string, unknown> | undefined)?.['lang'];
  if (isLang(fromBody)) return fromBody;
  if (request.user) return request.user.lang;
  return isLang(request.lang) ? request.lang : DEFAULT_LANG;
}

/** Ajv's message with its context once: `body must have …`, `body name must …` (not `body body must …`). */
function validationText(context: string, message: string): string {
  const text = message.startsWith(`${context}/`) ? `${context} ${message.slice(context.length + 1)}` : message;
  return text === context || text.startsWith(`${context} `) ? text : `${context} ${text}`;
}

/** Whether parsed input holds a NUL character anywhere (keys included), without recursion and without building paths. */
function hasNul(input: unknown): boolean {
  const stack: unknown[] = [input];
  while (stack.length) {
    const value = stack.pop();
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return true;
    } else if (value && typeof value === 'object' && !Buffer.isBuffer(value)) {
      for (const key in value) {
        if (key.includes('\u0000')) return true;
        stack.push((value as Record<string, unknown>)[key]);
      }
    }
  }
  return false;
}

/**
 * Where a NUL character is in parsed input (`body/name`, `body/schools/2`), without recursion
 * (bodies may nest deeply). Paths are only built for input that has one: every submission passes here.
 */
function nulPath(input: unknown, root: string): string | null {
  if (!hasNul(input)) return null;
  const stack: Array<[unknown, string]> = [[input, root]];
  while (stack.length) {
    const [value, path] = stack.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return path;
    } else if (value && typeof value === 'object' && !Buffer.isBuffer(value)) {
      for (const [key, child] of Object.entries(value)) {
        if (key.includes('\u0000')) return path;
        stack.push([child, `${path}/${key.replace(/[^\w.-]/g, '?').slice(0, 40)}`]);
      }
    }
  }
  return null;
}

function wantsHtml(accept: string | undefined): boolean {
  return !!accept && accept.includes('text/html');
}
