import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

/** A browser-like client over app.inject: keeps the session cookie and the latest CSRF token. */
export class Session {
  cookie: string | null = null;
  csrf: string | null = null;
  constructor(
    private readonly app: FastifyInstance,
    readonly remoteAddress = '127.0.0.1',
  ) {}

  private remember(res: LightMyRequestResponse) {
    for (const c of res.cookies) {
      if (c.name.endsWith('sp_session')) this.cookie = c.value ? `${c.name}=${c.value}` : null;
    }
    const token = /name="_csrf" value="([^"]+)"/.exec(res.body)?.[1];
    if (token) this.csrf = token;
    return res;
  }

  private headers(extra: Record<string, string> = {}) {
    return { accept: 'text/html', ...(this.cookie ? { cookie: this.cookie } : {}), ...extra };
  }

  async get(url: string) {
    return this.remember(await this.app.inject({ method: 'GET', url, remoteAddress: this.remoteAddress, headers: this.headers() }));
  }

  async post(url: string, body: Record<string, string>, options: { csrf?: boolean } = {}) {
    const payload = new URLSearchParams({ ...(options.csrf === false || !this.csrf ? {} : { _csrf: this.csrf }), ...body }).toString();
    return this.remember(
      await this.app.inject({
        method: 'POST',
        url,
        remoteAddress: this.remoteAddress,
        headers: this.headers({ 'content-type': 'application/x-www-form-urlencoded' }),
        payload,
      }),
    );
  }

  async login(email: string, password: string) {
    await this.get('/login');
    const res = await this.post('/login', { email, password });
    if (res.statusCode !== 303) throw new Error(`login as ${email} failed: ${res.statusCode}`);
    await this.get('/home');
    return this;
  }
}
