import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TFunction } from 'i18next';
import { DEFAULT_LANG, formatNumber, isLang, translator, type Lang } from '../i18n.ts';
import type { SessionUser } from '../../staff/users.ts';

declare module 'fastify' {
  interface FastifyRequest {
    lang: Lang;
  }
  interface FastifyInstance {
    /** Whether pages carry the DEMO label: the store holds the labelled demo network. */
    demoNetwork: { active: boolean };
  }
  interface FastifyReply {
    /**
     * Renders a page with the model every template may use: t, lang, demo, formatNumber; as UTF-8
     * bytes, ready to send.
     */
    page(template: string, model?: Record<string, unknown>): Promise<Buffer>;
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

/**
 * A path that stays on this site when used as a link: a request for `//evil.example/x` (a 404)
 * must not make its language link `//evil.example/x?lang=en`, which browsers read as another host
 * (`/\` too; and browsers drop tabs and line breaks inside a URL, so `/<tab>/` would be one as well).
 * Anything else that is not a plain absolute path of printable ASCII becomes the start page.
 */
export function samePath(path: string): string {
  return /^\/(?![/\\])[\x21-\x7e]*$/.test(path) ? path : '/';
}

/**
 * Only staff and login pages get a CSRF token: @fastify/csrf-protection, and the session a token
 * needs, exist in the staff context alone (server/app.ts), so a page of any other context (a
 * teacher page, the not-found page) has no `generateCsrf` to call.
 */
function canGiveToken(reply: FastifyReply): boolean {
  return typeof (reply as Partial<FastifyReply>).generateCsrf === 'function';
}

function sessionUnderWay(request: FastifyRequest): boolean {
  return request.routeOptions.config.access !== 'guest' || request.user !== null || !!request.session?.get('pendingUserId');
}

export default fp(
  async (app) => {
    // Read once; removing the demo network from the admin console switches it off (server/demo/demo-removal.ts).
    const demoNetwork = {
      active: (await app.store.db.selectFrom('app_meta').select('value').where('key', '=', 'demo').executeTakeFirst())?.value === 'true',
    };
    app.decorate('demoNetwork', demoNetwork);

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
        demo: demoNetwork.active,
        num: (value, digits = 1) => formatNumber(lang, value, digits),
        selfPath: this.request.method === 'GET' ? samePath(this.request.url.split('?')[0]!) : '/',
        user: this.request.user,
        // A page that brings its own token (the login form) starts no session, nor does any other
        // page of an anonymous visitor (an error on /login): only a sign-in under way has one.
        csrf:
          'csrf' in model
            ? (model['csrf'] as string | null)
            : canGiveToken(this) && sessionUnderWay(this.request)
              ? this.generateCsrf()
              : null,
      };
      this.type('text/html; charset=utf-8');
      // Bytes, not the string: a rendered page is a string of thousands of pieces, which sending
      // would flatten into one copy (to count its bytes) kept until the socket took it; under fifty
      // dashboards at once those copies outlived young-generation collections (a third of all that
      // was promoted, issue 17). Encoded here, the page lives outside the JavaScript heap.
      return this.viewAsync(template, { ...base, ...model }).then((html) => Buffer.from(html, 'utf8'));
    });
  },
  { name: 'render' },
);
