/**
 * The benchmark's load generator (bench/http-load.ts): it counts bodies rather than reading them,
 * so a wrong count would stall a run or time the wrong response. Here a server writes its
 * responses in awkward pieces — a head split in the middle, a head and body in one write, an empty
 * body (a 303) — and every request must be answered once, with its status and the longest body.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpLoad, plainGet } from '../../bench/http-load.ts';

const BODY = 'x'.repeat(70_000);
const pieces: Record<string, string[]> = {
  // the head cut in two, then the body in three writes
  '/split': [
    'HTTP/1.1 200 OK\r\ncontent-le',
    `ngth: ${BODY.length}\r\n\r\n`,
    BODY.slice(0, 10),
    BODY.slice(10, 40_000),
    BODY.slice(40_000),
  ],
  // head and body in one write
  '/whole': [`HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello`],
  // no body at all
  '/seeother': ['HTTP/1.1 303 See Other\r\nlocation: /\r\ncontent-length: 0\r\n\r\n'],
  // the blank line that ends the head cut in the middle
  '/cutend': ['HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r', '\nabc'],
};

describe('httpLoad', () => {
  let server: net.Server;
  let port = 0;

  beforeAll(async () => {
    server = net.createServer((socket) => {
      let buffered = '';
      socket.on('data', (d) => {
        buffered += d.toString('latin1');
        for (let end = buffered.indexOf('\r\n\r\n'); end >= 0; end = buffered.indexOf('\r\n\r\n')) {
          const path = buffered.split(' ')[1]!;
          buffered = buffered.slice(end + 4);
          // Each piece in a turn of its own, so that the client sees them as separate reads.
          void (async () => {
            for (const p of pieces[path]!) {
              socket.write(p);
              await new Promise((r) => setTimeout(r, 2));
            }
          })();
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('answers every request once, whatever pieces the responses come in', async () => {
    const paths = ['/split', '/whole', '/seeother', '/cutend', '/split', '/seeother', '/whole', '/whole', '/split'];
    const requests = paths.map((p) => plainGet(`127.0.0.1:${port}`, p));
    // Fewer connections than requests: each socket goes on with the next request after a response.
    const r = await httpLoad({ host: '127.0.0.1', port }, requests, 3);
    expect(r.errors).toBe(0);
    expect(r.statusCounts).toEqual({ '200': 7, '303': 2 });
    expect(r.latenciesMs).toHaveLength(paths.length);
    expect(r.maxBodyBytes).toBe(BODY.length);
  });

  it('counts a response without a length as an error rather than guessing its end', async () => {
    pieces['/nolength'] = ['HTTP/1.1 200 OK\r\n\r\nbody'];
    const r = await httpLoad({ host: '127.0.0.1', port }, [plainGet(`127.0.0.1:${port}`, '/nolength')], 1);
    expect(r.statusCounts).toEqual({});
    expect(r.latenciesMs).toHaveLength(0);
    expect(r.errors).toBe(1);
  });
});
