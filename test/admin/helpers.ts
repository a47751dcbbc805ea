import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database, Role } from '../../server/db/schema.ts';
import { createUser } from '../../server/staff/users.ts';
import { Session } from '../helpers/session.ts';

export const PASSWORD = 'correct horse battery staple';

/** A fresh signed-in staff member of `role`, on its own client address (the login rate limit is per client). */
export async function signedIn(app: FastifyInstance, db: Kysely<Database>, role: Role, options: { schoolIds?: string[] } = {}) {
  const email = `${role}-${randomBytes(4).toString('hex')}@example.org`;
  const id = await createUser(db, { email, role, password: PASSWORD, ...(options.schoolIds ? { schoolIds: options.schoolIds } : {}) });
  const address = `10.${randomBytes(1)[0]}.${randomBytes(1)[0]}.${randomBytes(1)[0]}`;
  const session = await new Session(app, address).login(email, PASSWORD);
  return { session, id, email };
}

type Part = string | { filename: string; content: string | Buffer; type?: string };

/** A multipart/form-data POST (a file upload) in the session, with its CSRF token. */
export async function postMultipart(
  app: FastifyInstance,
  session: Session,
  url: string,
  fields: Record<string, Part>,
  options: { csrf?: boolean } = {},
) {
  const boundary = `----sp${randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  const all: Record<string, Part> = { ...(options.csrf === false || !session.csrf ? {} : { _csrf: session.csrf }), ...fields };
  for (const [name, part] of Object.entries(all)) {
    chunks.push(Buffer.from(`--${boundary}\r\n`));
    if (typeof part === 'string') {
      chunks.push(Buffer.from(`Content-Disposition: form-data; name="${name}"\r\n\r\n${part}\r\n`));
    } else {
      chunks.push(
        Buffer.from(
          `Content-Disposition: form-data; name="${name}"; filename="${part.filename}"\r\nContent-Type: ${part.type ?? 'application/octet-stream'}\r\n\r\n`,
        ),
      );
      chunks.push(Buffer.isBuffer(part.content) ? part.content : Buffer.from(part.content));
      chunks.push(Buffer.from('\r\n'));
    }
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return app.inject({
    method: 'POST',
    url,
    remoteAddress: session.remoteAddress,
    headers: {
      accept: 'text/html',
      'content-type': `multipart/form-data; boundary=${boundary}`,
      ...(session.cookie ? { cookie: session.cookie } : {}),
    },
    payload: Buffer.concat(chunks),
  });
}

export async function rowCount(db: Kysely<Database>, table: keyof Database): Promise<number> {
  const row = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Every table's row count, to prove a refused request changed nothing (sessions aside). */
export async function snapshot(db: Kysely<Database>) {
  const tables = [
    'school',
    'questionnaire',
    'wave',
    'wave_school',
    'access_code',
    'response',
    'comment',
    'app_user',
    'rep_school',
    'audit_log',
  ] as const;
  const out: Record<string, number> = {};
  for (const t of tables) out[t] = await rowCount(db, t);
  return out;
}

/** The value of a hidden input in a page. */
export function hidden(html: string, name: string): string {
  const m = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  if (!m) throw new Error(`no hidden field ${name}`);
  return m[1]!;
}

export const uuidIn = (location: string | undefined) =>
  /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/.exec(location ?? '')?.[1];
