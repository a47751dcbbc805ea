import http from 'node:http';

/** Real HTTP for the hardening tests (child-process servers): node:http with a bounded keep-alive agent. */

export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export function agent(maxSockets: number): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets });
}

export function request(
  base: string,
  options: {
    method?: string;
    path: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    agent?: http.Agent;
    timeoutMs?: number;
  },
): Promise<HttpResult> {
  const url = new URL(options.path, base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: options.method ?? 'GET',
        headers: {
          ...(options.body !== undefined ? { 'content-length': String(Buffer.byteLength(options.body)) } : {}),
          ...options.headers,
        },
        agent: options.agent ?? false,
        timeout: options.timeoutMs ?? 120_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

export function postForm(
  base: string,
  path: string,
  fields: Record<string, string>,
  options: { agent?: http.Agent; headers?: Record<string, string> } = {},
) {
  return request(base, {
    method: 'POST',
    path,
    body: new URLSearchParams(fields).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', ...options.headers },
    ...(options.agent ? { agent: options.agent } : {}),
  });
}

/** Runs `work` over `items` with at most `concurrency` in flight; results keep the order of `items`. */
export async function pool<T, R>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

/** The value of `name=` from a response's Set-Cookie headers, as a Cookie header value. */
export function cookieFrom(headers: http.IncomingHttpHeaders, name: RegExp): string | null {
  for (const line of [headers['set-cookie'] ?? []].flat()) {
    const pair = line.split(';')[0]!;
    const [key] = pair.split('=');
    if (key && name.test(key)) return pair;
  }
  return null;
}

export const csrfIn = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? null;
