import { STATUS_CODES } from 'node:http';
import fp from 'fastify-plugin';
import { translator, isLang, DEFAULT_LANG } from '../i18n.ts';

/**
 * One error handler: 4xx answers carry a clear message (naming the field for validation errors),
 * 5xx answers say nothing internal. HTML for browsers, JSON for API clients.
 */
export default fp(
  async (app) => {
    app.setErrorHandler(async (error: Error & { statusCode?: number; validation?: unknown[]; validationContext?: string }, request, reply) => {
      const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
      const lang = isLang(request.lang) ? request.lang : DEFAULT_LANG;
      const t = translator(lang);
      let message: string;
      if (status >= 500) {
        request.log.error({ err: error }, 'request failed');
        message = t('error.server');
      } else {
        request.log.info({ statusCode: status, code: (error as { code?: string }).code }, 'request refused');
        message = error.validation ? `${t('error.invalidRequest')}: ${error.validationContext ?? 'request'} ${error.message.replace(/^[a-z]+\//, '')}` : error.message;
      }
      reply.status(status);
      if (wantsHtml(request.headers.accept) && reply.page) {
        return reply.page('message', { title: t(status >= 500 ? 'error.serverTitle' : 'error.requestTitle'), message });
      }
      return { statusCode: status, error: STATUS_CODES[status] ?? 'Error', message };
    });

    app.setNotFoundHandler(async (request, reply) => {
      const t = translator(isLang(request.lang) ? request.lang : DEFAULT_LANG);
      reply.status(404);
      if (wantsHtml(request.headers.accept)) return reply.page('message', { title: t('error.notFoundTitle'), message: t('error.notFound') });
      return { statusCode: 404, error: 'Not Found', message: t('error.notFound') };
    });
  },
  { name: 'errors' },
);

function wantsHtml(accept: string | undefined): boolean {
  return !!accept && accept.includes('text/html');
}
