import fp from 'fastify-plugin';
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DEFAULT_LANG, isLang, type Lang } from './i18n.ts';
import { HttpProblem } from './problems.ts';
import { decodeText, UPLOAD_LIMIT } from './upload.ts';

/**
 * What a request body may be, decided per route before any byte of it is parsed (issue 16: no
 * request may freeze the event loop):
 * - every route takes `application/x-www-form-urlencoded` — the one encoding the app's forms send,
 *   which @fastify/formbody parses flat and fast — and nothing else: a JSON body (a 200 KB nested
 *   document costs 100–250 ms to parse; teacher routes and /login are open to anyone) or any other
 *   type is a 415. The app has no JSON API;
 * - only routes that declare `upload: true` (the admin's CSV and questionnaire uploads) take
 *   `multipart/form-data`, read by @fastify/multipart (busboy, streaming) with small limits on parts,
 *   fields, files and sizes, each refused with a 4xx that names the limit or the field, in the
 *   user's language. Files are decoded to text (`decodeText`) and become fields like form values.
 *
 * Registered before the auth plugin: its CSRF check (a preValidation hook) reads `_csrf` from the
 * body, so the multipart body must be read by a preValidation hook that runs before it. Who may
 * call the route is still decided before that, in auth's onRequest hook: an anonymous client never
 * gets a body parsed.
 */

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route accepts `multipart/form-data` (a file upload). */
    upload?: boolean;
  }
}

/** The upload forms have a file, a text area and the CSRF token; a little room beyond that. */
export const UPLOAD_LIMITS = {
  parts: 6,
  fields: 4,
  files: 1,
  fileSize: UPLOAD_LIMIT,
  fieldSize: UPLOAD_LIMIT,
  fieldNameSize: 100,
  headerPairs: 20,
} as const;

const FORM = 'application/x-www-form-urlencoded';
const MULTIPART = 'multipart/form-data';

const mediaType = (request: FastifyRequest) => (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();

function hasBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** The language of the page that will say what went wrong: the form's `?lang=`, else the user's, else Dutch. */
function langOf(request: FastifyRequest): Lang {
  const fromQuery = (request.query as Record<string, unknown> | undefined)?.['lang'];
  if (isLang(fromQuery)) return fromQuery;
  return request.user?.lang ?? DEFAULT_LANG;
}

function refuse(request: FastifyRequest, status: number, key: string, params: Record<string, string | number> = {}): HttpProblem {
  // The error page is rendered in this language (the preHandler that normally sets it has not run).
  request.lang = langOf(request);
  return new HttpProblem(status, key, params);
}

const megabytes = (bytes: number) => `${Math.round(bytes / (1024 * 1024))} MB`;

/** Hook arguments, loosely: the hooks @fastify/multipart adds are wrapped to skip routes without uploads. */
type AnyHook = (this: unknown, request: FastifyRequest, reply: FastifyReply, ...rest: unknown[]) => unknown;

export default fp(
  async (app: FastifyInstance) => {
    app.addHook('preParsing', async (request, _reply, payload) => {
      if (request.method === 'GET' || request.method === 'HEAD' || !hasBody(request)) return payload;
      const config = request.routeOptions.config;
      const type = mediaType(request);
      if (type === FORM) return payload;
      if (type === MULTIPART && config.upload) {
        // busboy's limits bound what is read per part; this bounds the whole body when its length is declared.
        const declared = Number(request.headers['content-length'] ?? 0);
        const limit = request.routeOptions.bodyLimit ?? UPLOAD_LIMIT;
        if (declared > limit) throw refuse(request, 413, 'request.upload.bodyTooLarge', { max: megabytes(limit) });
        return payload;
      }
      if (type === MULTIPART && config.access !== 'public') throw refuse(request, 415, 'request.noUpload');
      throw refuse(request, 415, 'request.formOnly');
    });

    // @fastify/multipart's own onRequest/onResponse hooks (clean-up of files saved to disk, which
    // this app never does) would otherwise run on every request, teacher submissions included.
    const addHook = app.addHook;
    app.addHook = function (this: FastifyInstance, name: string, hook: AnyHook) {
      const wrapped =
        (name === 'onRequest' || name === 'onResponse') && hook.length < 3
          ? (async function (this: unknown, request: FastifyRequest, reply: FastifyReply) {
              if (request.routeOptions.config.upload) await hook.call(this, request, reply);
            } as AnyHook)
          : hook;
      return (addHook as (this: FastifyInstance, name: string, hook: AnyHook) => FastifyInstance).call(this, name, wrapped);
    } as FastifyInstance['addHook'];
    try {
      await app.register(multipart, { limits: UPLOAD_LIMITS, throwFileSizeLimit: true });
    } finally {
      app.addHook = addHook;
    }

    app.addHook('preValidation', async (request) => {
      if (!request.routeOptions.config.upload || !request.isMultipart()) return;
      const fields: Record<string, string | string[]> = Object.create(null);
      let field = '';
      try {
        for await (const part of request.parts({ limits: UPLOAD_LIMITS })) {
          field = part.fieldname;
          let value: string;
          if (part.type === 'file') value = decodeText(await part.toBuffer());
          else if (part.valueTruncated) throw refuse(request, 413, 'request.upload.fieldTooLarge', { field, max: megabytes(UPLOAD_LIMITS.fieldSize) });
          else value = String(part.value);
          const existing = fields[field];
          if (existing === undefined) fields[field] = value;
          else if (Array.isArray(existing)) existing.push(value);
          else fields[field] = [existing, value];
        }
      } catch (err) {
        // busboy would go on parsing the rest of the body (every one of 20,000 parts, ~100–300 ms
        // in one stretch when it arrives at once) only to ignore it: the rest is discarded unread.
        request.raw.unpipe();
        request.raw.resume();
        if (err instanceof HttpProblem) throw err;
        throw uploadProblem(request, err as Error & { code?: string }, field);
      }
      request.body = { ...fields };
    });
  },
  { name: 'body-policy' },
);

function uploadProblem(request: FastifyRequest, err: Error & { code?: string }, field: string): HttpProblem {
  switch (err.code) {
    case 'FST_PARTS_LIMIT':
      return refuse(request, 413, 'request.upload.tooManyParts', { max: UPLOAD_LIMITS.parts });
    case 'FST_FILES_LIMIT':
      return refuse(request, 413, 'request.upload.tooManyFiles', { max: UPLOAD_LIMITS.files });
    case 'FST_FIELDS_LIMIT':
      return refuse(request, 413, 'request.upload.tooManyFields', { max: UPLOAD_LIMITS.fields });
    case 'FST_REQ_FILE_TOO_LARGE':
      return refuse(request, 413, 'request.upload.fileTooLarge', { field, max: megabytes(UPLOAD_LIMITS.fileSize) });
    case 'FST_PROTO_VIOLATION':
      return refuse(request, 400, 'request.upload.fieldName');
    default:
      request.log.info({ code: err.code }, 'unreadable multipart body');
      return refuse(request, 400, 'request.upload.malformed');
  }
}
