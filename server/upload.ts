import type { FastifyInstance } from 'fastify';

/**
 * Minimal `multipart/form-data` support for the admin uploads (a CSV of schools, a questionnaire
 * JSON file): small text files only, so the whole body is buffered and each part becomes a string
 * field. Files are decoded as UTF-8, or as Windows-1252 when they are not valid UTF-8 (what
 * Belgian Excel writes for "CSV (puntkomma gescheiden)").
 */
export const UPLOAD_LIMIT = 4 * 1024 * 1024;

export function decodeText(bytes: Uint8Array): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    text = new TextDecoder('windows-1252').decode(bytes);
  }
  return text.replace(/^\uFEFF/, '');
}

export class MultipartError extends Error {
  readonly statusCode = 400;
}

/** Parses a multipart body into fields; a repeated field becomes an array, like a urlencoded form. */
export function parseMultipart(body: Buffer, contentType: string): Record<string, string | string[]> {
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  if (!boundary) throw new MultipartError('multipart body without boundary');
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  const fields: Record<string, string | string[]> = {};
  let start = body.indexOf(delimiter);
  if (start < 0) throw new MultipartError('malformed multipart body');
  for (;;) {
    start += delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    start += 2; // CRLF after the delimiter
    const next = body.indexOf(delimiter, start);
    if (next < 0) throw new MultipartError('malformed multipart body');
    const part = body.subarray(start, next - 2); // CRLF before the next delimiter
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd < 0) throw new MultipartError('malformed multipart part');
    const headers = part.subarray(0, headerEnd).toString('utf8');
    const name = /content-disposition:[^\r\n]*\bname="([^"]*)"/i.exec(headers)?.[1];
    if (name === undefined) throw new MultipartError('multipart part without a name');
    const value = decodeText(part.subarray(headerEnd + 4));
    const existing = fields[name];
    fields[name] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
    start = next;
  }
  return fields;
}

/** Registers the parser in the calling (encapsulated) plugin only. */
export function acceptMultipart(app: FastifyInstance): void {
  app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer', bodyLimit: UPLOAD_LIMIT }, (request, body, done) => {
    try {
      done(null, parseMultipart(body as Buffer, request.headers['content-type'] ?? ''));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
}
