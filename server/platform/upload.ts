/**
 * Uploaded text (a CSV of schools, a questionnaire JSON file): the size limit and how bytes become
 * text. Multipart bodies are read by @fastify/multipart under the limits in `body-policy.ts`.
 */
export const UPLOAD_LIMIT = 4 * 1024 * 1024;

/** UTF-8, or Windows-1252 when the bytes are not valid UTF-8 (what Belgian Excel writes for "CSV (puntkomma gescheiden)"). */
export function decodeText(bytes: Uint8Array): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    text = new TextDecoder('windows-1252').decode(bytes);
  }
  return text.replace(/^\uFEFF/, '');
}
