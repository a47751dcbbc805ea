import type { FastifyError, FastifyRequest, FastifyServerOptions } from 'fastify';

/**
 * Logs never hold an IP, a user agent, an access code or an answer (design §4). The request is
 * logged by its route pattern only (`/c/:code`, never the code), and errors by type and message
 * without the request body.
 */
export function loggerOptions(level: string, stream?: NodeJS.WritableStream): FastifyServerOptions['logger'] {
  return {
    level,
    ...(stream ? { stream } : {}),
    serializers: {
      req: (req: FastifyRequest) => ({ method: req.method, route: req.routeOptions?.url ?? '(no route)' }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      err: (err: FastifyError) => ({
        type: err.name,
        code: err.code,
        statusCode: err.statusCode,
        message: err.message,
        stack: err.stack ?? '',
      }),
    },
  };
}
