/**
 * A closed-loop HTTP/1.1 load generator for the submission benchmark: `connections` keep-alive
 * sockets, each sending its next request as soon as the previous response is complete.
 *
 * Why not autocannon here: on this two-core machine the load generator shares the CPU with the
 * server and PostgreSQL, and autocannon rebuilds every request through `setupRequest` (≈ 0.09 ms
 * of CPU a request, a third of what the server itself spends). The direct baseline's statements
 * and ciphertexts are prepared before its clock starts; so are these requests, as bytes. Each
 * response is read to its last byte and its status counted; its body is counted, not kept. A
 * socket's first request is timed from the connect.
 */
import net from 'node:net';

export interface LoadResult {
  ms: number;
  statusCounts: Record<string, number>;
  errors: number;
  latenciesMs: number[];
  /** the longest body answered */
  maxBodyBytes: number;
}

const HEADER_END = Buffer.from('\r\n\r\n');
const EMPTY = Buffer.alloc(0);

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
  let maxBodyBytes = 0;
  const started = performance.now();
  let finished = started;

  const worker = () =>
    new Promise<void>((resolve) => {
      // A socket's first request is timed from the connect: a client that has just opened its
      // connection waits for that too (a rep opening the dashboard, a teacher sending the form).
      let sentAt = performance.now();
      const socket = net.connect(target);
      socket.setNoDelay(true);
      // A stalled response ends its connection as an error rather than the run.
      socket.setTimeout(60_000, () => socket.destroy(new Error('no response within 60 s')));
      let head: Buffer = EMPTY;
      let bodyLeft = -1;
      let first = true;
      const send = () => {
        const i = next++;
        if (i >= requests.length) {
          socket.end();
          return resolve();
        }
        if (!first) sentAt = performance.now();
        first = false;
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
      // Headers are gathered until they are whole; a body is only counted, never copied (a client on
      // the server's machine takes CPU from it: issue 17).
      socket.on('data', (chunk: Buffer) => {
        let data = chunk;
        for (;;) {
          if (bodyLeft < 0) {
            if (!data.length) return;
            head = head.length ? Buffer.concat([head, data]) : data;
            const end = head.indexOf(HEADER_END);
            if (end < 0) return;
            const text = head.toString('latin1', 0, end);
            status = text.slice(9, 12);
            const length = /\r\ncontent-length:\s*(\d+)/i.exec(text);
            // Every response of the app has a length; one without is counted as an error, not guessed at.
            if (!length) return void socket.destroy(new Error(`a response without content-length: ${text.split('\r\n')[0]}`));
            bodyLeft = Number(length[1]);
            maxBodyBytes = Math.max(maxBodyBytes, bodyLeft);
            data = head.subarray(end + HEADER_END.length);
            head = EMPTY;
          }
          if (data.length < bodyLeft) {
            bodyLeft -= data.length;
            return;
          }
          data = data.subarray(bodyLeft);
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
  return { ms: finished - started, statusCounts, errors, latenciesMs, maxBodyBytes };
}

/** One GET, as bytes. */
export function plainGet(host: string, path: string, extraHeaders: Record<string, string> = {}): Buffer {
  const headers = Object.entries({ host, ...extraHeaders })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  return Buffer.from(`GET ${path} HTTP/1.1\r\n${headers}\r\n`);
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
