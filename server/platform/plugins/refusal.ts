import type { FastifyRequest } from 'fastify';
import { DEFAULT_LANG, isLang, type Lang } from '../i18n.ts';
import { HttpProblem } from '../problems.ts';

/**
 * The language of a refusal made before the page's own language is known (an onRequest or
 * preParsing hook, before render's preHandler): the URL's `?lang=`, else the signed-in user's,
 * else Dutch.
 */
export function langOf(request: FastifyRequest): Lang {
  const fromQuery = (request.query as Record<string, unknown> | undefined)?.['lang'];
  if (isLang(fromQuery)) return fromQuery;
  return request.user?.lang ?? DEFAULT_LANG;
}

/** A refusal from such an early hook: the error page is rendered in the language it should have had. */
export function refuse(request: FastifyRequest, status: number, key: string, params: Record<string, string | number> = {}): HttpProblem {
  request.lang = langOf(request);
  return new HttpProblem(status, key, params);
}
