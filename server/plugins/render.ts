import fp from 'fastify-plugin';
import type { TFunction } from 'i18next';
import { DEFAULT_LANG, formatNumber, isLang, translator, type Lang } from '../i18n.ts';
import type { SessionUser } from '../users.ts';

declare module 'fastify' {
  interface FastifyRequest {
    lang: Lang;
  }
  interface FastifyReply {
    /** Renders a page with the model every template may use: t, lang, demo, formatNumber. */
    page(template: string, model?: Record<string, unknown>): Promise<string>;
  }
}

export interface BaseModel {
  t: TFunction;
  lang: Lang;
  otherLang: Lang;
  demo: boolean;
  num: (value: number, digits?: number) => string;
  /** Where the language switch links to: the page itself for GET, the start page after a POST. */
  selfPath: string;
  user: SessionUser | null;
  /** CSRF token for staff forms; null on teacher pages, which must not start a session. */
  csrf: string | null;
}

/** Only staff and login pages get a CSRF token: generating one starts a session (and a cookie). */
function staffRoute(access: unknown): boolean {
  return access !== undefined && access !== 'public';
}

export default fp(
  async (app) => {
    const demo = (await app.store.db.selectFrom('app_meta').select('value').where('key', '=', 'demo').executeTakeFirst())?.value === 'true';

    app.decorateRequest('lang', DEFAULT_LANG);
    // Teacher pages carry the language in the query or form (no cookie may be set for them).
    app.addHook('preHandler', async (request) => {
      const fromQuery = (request.query as Record<string, unknown> | undefined)?.['lang'];
      const fromBody = (request.body as Record<string, unknown> | undefined)?.['lang'];
      if (isLang(fromQuery)) request.lang = fromQuery;
      else if (isLang(fromBody)) request.lang = fromBody;
      else if (request.user) request.lang = request.user.lang;
    });

    app.decorateReply('page', function (template: string, model: Record<string, unknown> = {}) {
      const lang = this.request.lang;
      const base: BaseModel = {
        t: translator(lang),
        lang,
        otherLang: lang === 'nl' ? 'en' : 'nl',
        demo,
        num: (value, digits = 1) => formatNumber(lang, value, digits),
        selfPath: this.request.method === 'GET' ? this.request.url.split('?')[0]! : '/',
        user: this.request.user,
        csrf: staffRoute(this.request.routeOptions.config.access) ? this.generateCsrf() : null,
      };
      this.type('text/html; charset=utf-8');
      return this.viewAsync(template, { ...base, ...model });
    });
  },
  { name: 'render' },
);
