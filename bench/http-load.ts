/**
 * A closed-loop HTTP/1.1 load generator for the submission benchmark: `connections` keep-alive
 * sockets, each sending its next request as soon as the previous response is complete.
 *
 * Why not autocannon here: on this two-core machine the load generator shares the CPU with the
 * server and PostgreSQL, and autocannon rebuilds every request through `setupRequest` (≈ 0.09 ms
 * of CPU a request, a third of what the server itself spends). The direct baseline's statements
 * and ciphertexts are prepared before its clock starts; so are these requests, as bytes. Each
 * response is still read whole and its status counted.
 */
import net from 'node:net';

export interface LoadResult {
  ms: number;
  statusCounts: Record<string, number>;
  errors: number;
  latenciesMs: number[];
}

const HEADER_END = Buffer.from('\r\n\r\n');

/**
 * Sends every request once, over `connections` sockets to `host:port`; resolves when every socket is
 * done. A socket that fails ends with its request unanswered (counted in `errors`); the others go on.
 */
export async function httpLoad(
  target: { host: string; port: number },
  requests: readonly Buffer[],
  connections: number,
): Promise<LoadResult> {
  const statusCounts: Record<string, number> = {};
  const latenciesMs: number[] = [];
  let next = 0;
  let errors = 0;
  const started = performance.now();
  let finished = started;

  const worker = () =>
    new Promise<void>((resolve) => {
      const socket = net.connect(target);
      socket.setNoDelay(true);
      // A stalled response ends its connection as an error rather than the run.
      socket.setTimeout(60_000, () => socket.destroy(new Error('no response within 60 s')));
      let pending: Buffer = Buffer.alloc(0);
      let sentAt = 0;
      let bodyLeft = -1;
      const send = () => {
        const i = next++;
        if (i >= requests.length) {
          socket.end();
          return resolve();
        }
        sentAt = performance.now();
        socket.write(requests[i]!);
      };
      const complete = (status: string) => {
        const now = performance.now();
        latenciesMs.push(now - sentAt);
        statusCounts[status] = (statusCounts[status] ?? 0) + 1;
        finished = now;
        send();
      };
      let status = '';
      socket.on('connect', send);
      socket.on('data', (chunk: Buffer) => {
        pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
        for (;;) {
          if (bodyLeft < 0) {
            const end = pending.indexOf(HEADER_END);
            if (end < 0) return;
            const head = pending.toString('latin1', 0, end);
            status = head.slice(9, 12);
            const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
            // Every response of the app has a length; one without is counted as an error, not guessed at.
            if (!length) return void socket.destroy(new Error(`a response without content-length: ${head.split('\r\n')[0]}`));
            bodyLeft = Number(length[1]);
            pending = pending.subarray(end + HEADER_END.length);
          }
          if (pending.length < bodyLeft) return;
          pending = pending.subarray(bodyLeft);
          bodyLeft = -1;
          complete(status);
        }
      });
      socket.on('error', () => {
        errors++;
        resolve();
      });
      socket.on('close', () => resolve());
    });

  await Promise.all(Array.from({ length: connections }, worker));
  return { ms: finished - started, statusCounts, errors, latenciesMs };
}

/** One POST with a form body, as bytes. */
export function formPost(host: string, path: string, body: string, extraHeaders: Record<string, string> = {}): Buffer {
  const bytes = Buffer.from(body);
  const headers = Object.entries({
    host,
    'content-type': 'application/x-www-form-urlencoded',
    'content-length': String(bytes.length),
    ...extraHeaders,
  })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  return Buffer.concat([Buffer.from(`POST ${path} HTTP/1.1\r\n${headers}\r\n`), bytes]);
}
