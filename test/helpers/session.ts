import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { generate } from 'otplib';

/**
 * TOTP secrets of the accounts tests have enrolled (by e-mail, lower case), and the last time step
 * each one used: the app accepts a code once, so the next sign-in takes a later step.
 */
const totp = new Map<string, { secret: string; lastStep: number }>();

/** Tells the helper an account's TOTP secret (a test that enrolled it itself). */
export function rememberTotp(email: string, secret: string, usedStep = 0): void {
  totp.set(email.toLowerCase(), { secret, lastStep: usedStep });
}

/** A valid code for an account not used before (waits for the next step if this one is used up). */
export async function nextCode(email: string): Promise<string> {
  const entry = totp.get(email.toLowerCase());
  if (!entry) throw new Error(`no TOTP secret known for ${email}`);
  const now = Math.floor(Date.now() / 1000);
  let step = Math.max(Math.floor(now / 30), entry.lastStep + 1);
  // The app accepts one step ahead of now at most.
  if (step > Math.floor(now / 30) + 1) {
    await new Promise((resolve) => setTimeout(resolve, ((step - 1) * 30 - now) * 1000 + 50));
    step = Math.max(Math.floor(Date.now() / 1000 / 30), entry.lastStep + 1);
  }
  entry.lastStep = step;
  return generate({ secret: entry.secret, epoch: step * 30 });
}

/** The secret shown on the enrolment page, without its grouping spaces. */
export const secretIn = (html: string) => /<code id="totp-secret"[^>]*>([A-Z2-7 ]+)<\/code>/.exec(html)?.[1]?.replace(/ /g, '') ?? null;

/**
 * A browser-like client over app.inject: keeps its cookies (the session, the login form's cookie)
 * and the latest CSRF token.
 */
export class Session {
  /** every cookie the app set, by name */
  readonly jar = new Map<string, string>();
  csrf: string | null = null;
  constructor(
    private readonly app: FastifyInstance,
    readonly remoteAddress = '127.0.0.1',
  ) {}

  /** The session cookie as a `Cookie` header value (name=value), or null. */
  get cookie(): string | null {
    for (const [name, value] of this.jar) if (name.endsWith('sp_session')) return `${name}=${value}`;
    return null;
  }

  private remember(res: LightMyRequestResponse) {
    for (const c of res.cookies) {
      const gone = !c.value || (c.expires !== undefined && new Date(c.expires).getTime() <= Date.now()) || c.maxAge === 0;
      if (gone) this.jar.delete(c.name);
      else this.jar.set(c.name, c.value);
    }
    const token = /name="_csrf" value="([^"]+)"/.exec(res.body)?.[1];
    if (token) this.csrf = token;
    return res;
  }

  private headers(extra: Record<string, string> = {}) {
    const cookie = [...this.jar].map(([name, value]) => `${name}=${value}`).join('; ');
    return { accept: 'text/html', ...(cookie ? { cookie } : {}), ...extra };
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

  /**
   * Signs in as a person would: password, then the code when the account has two-step
   * verification (its secret known to this helper), or enrolment first when the account must
   * have it (an admin): the helper scans the secret off the page and confirms with a code.
   */
  async login(email: string, password: string) {
    await this.get('/login');
    let res = await this.post('/login', { email, password });
    if (res.statusCode !== 303) throw new Error(`login as ${email} failed: ${res.statusCode}`);
    if (String(res.headers.location).startsWith('/login/code')) {
      await this.get(String(res.headers.location));
      res = await this.post('/login/code', { code: await nextCode(email) });
      if (res.statusCode !== 303) throw new Error(`login code for ${email} refused: ${res.statusCode}`);
    }
    if (res.headers.location === '/account/two-factor') await this.enrol(email);
    // A page of the signed-in session, for its CSRF token (a researcher's /home leads on to /research).
    const home = await this.get('/home');
    if (home.statusCode === 303 && home.headers.location) await this.get(String(home.headers.location));
    return this;
  }

  /** Enrols the signed-in account in two-step verification; returns the secret. */
  async enrol(email: string): Promise<string> {
    const page = await this.get('/account/two-factor');
    const secret = secretIn(page.body);
    if (!secret) throw new Error(`no TOTP secret on the enrolment page for ${email}: ${page.statusCode}`);
    rememberTotp(email, secret);
    const res = await this.post('/account/two-factor', { code: await nextCode(email) });
    if (res.statusCode !== 303) throw new Error(`enrolment of ${email} refused: ${res.statusCode}`);
    return secret;
  }
}
