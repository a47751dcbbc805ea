import fp from 'fastify-plugin';
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpProblem } from './problems.ts';
import { refuse } from './plugins/refusal.ts';
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
 * The policy (default export) is registered on the root, for every route. @fastify/multipart itself
 * — its parser, `request.parts()` and its own hooks — is registered only where the uploads are
 * (`uploads`, in the admin console's context); a route that declares `upload: true` anywhere else
 * refuses to register. The upload is read here, on the root, so that it is read before the two
 * preValidation hooks that need it: the NUL check (server/platform/plugins/errors.ts, also on the root) and
 * the staff context's CSRF check, which reads `_csrf` from the body. Who may call the route is still
 * decided before that, in the staff context's onRequest hook: an anonymous client never gets a body
 * parsed.
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

const megabytes = (bytes: number) => `${Math.round(bytes / (1024 * 1024))} MB`;

/** @fastify/multipart, for the context whose routes take uploads (the admin console). */
export const uploads = fp(
  async (app: FastifyInstance) => {
    await app.register(multipart, { limits: UPLOAD_LIMITS, throwFileSizeLimit: true });
  },
  { name: 'uploads', dependencies: ['body-policy'] },
);

export default fp(
  async (app: FastifyInstance) => {
    app.addHook('onRoute', function (route) {
      if (route.config?.upload && !this.hasRequestDecorator('parts')) {
        throw new Error(
          `route ${String(route.method)} ${route.url} takes uploads outside the context that registers them (uploads, server/app.ts)`,
        );
      }
    });

    app.addHook('preParsing', async (request, _reply, payload) => {
      if (request.method === 'GET' || request.method === 'HEAD') return payload;
      const type = mediaType(request);
      if (type === FORM) return payload;
      const config = request.routeOptions.config;
      if (type === MULTIPART) {
        if (config.upload) {
          // busboy's limits bound what is read per part; this bounds the whole body when its length is declared.
          const declared = Number(request.headers['content-length'] ?? 0);
          const limit = request.routeOptions.bodyLimit ?? UPLOAD_LIMIT;
          if (declared > limit) throw refuse(request, 413, 'request.upload.bodyTooLarge', { max: megabytes(limit) });
          return payload;
        }
        // Refused even when empty: outside the admin console there is no multipart parser to read it.
        throw refuse(request, 415, config.access === 'public' ? 'request.formOnly' : 'request.noUpload');
      }
      if (!hasBody(request)) return payload;
      throw refuse(request, 415, 'request.formOnly');
    });

    app.addHook('preValidation', async (request) => {
      if (!request.routeOptions.config.upload || !request.isMultipart()) return;
      const fields: Record<string, string | string[]> = Object.create(null);
      let field = '';
      try {
        for await (const part of request.parts({ limits: UPLOAD_LIMITS })) {
          field = part.fieldname;
          let value: string;
          if (part.type === 'file') value = decodeText(await part.toBuffer());
          else if (part.valueTruncated)
            throw refuse(request, 413, 'request.upload.fieldTooLarge', { field, max: megabytes(UPLOAD_LIMITS.fieldSize) });
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
