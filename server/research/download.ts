import type { FastifyReply } from 'fastify';

/** An ASCII file name part from a wave name: "Demo najaar 2025" → "demo-najaar-2025". */
export function slug(text: string): string {
  return (
    text
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'wave'
  );
}

export function attachment(reply: FastifyReply, filename: string, contentType: string): void {
  reply.header('content-type', contentType);
  reply.header('content-disposition', `attachment; filename="${filename}"`);
  // Aggregates behind a login: no shared cache may keep them.
  reply.header('cache-control', 'private, no-store');
}
