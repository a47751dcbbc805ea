import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * The master key wraps each open wave's data key (design §4, envelope encryption). It lives outside
 * the database — an environment variable or a key file — so a copy of the database, its WAL or a
 * backup never holds what opens the answers of an open wave.
 */
export interface MasterKey {
  /** A fingerprint stored beside each wrapped key: a wrong master key is recognised, not guessed at. */
  readonly id: string;
  readonly key: Buffer;
}

const PREFIX = 'spk1_';

/** A new master key as text: `spk1_` + 32 random bytes in base64url. */
export function generateMasterKeyText(): string {
  return PREFIX + randomBytes(32).toString('base64url');
}

export function parseMasterKey(text: string): MasterKey {
  const trimmed = text.trim();
  const key = trimmed.startsWith(PREFIX) ? Buffer.from(trimmed.slice(PREFIX.length), 'base64url') : null;
  if (!key || key.length !== 32 || `${PREFIX}${key.toString('base64url')}` !== trimmed) {
    throw new MasterKeyError(
      'not a Schoolpols master key (expected "spk1_" and 43 base64url characters; make one with `npm run cli -- key:generate`)',
    );
  }
  return { id: createHash('sha256').update('schoolpols master key id\0').update(key).digest('hex').slice(0, 16), key };
}

export class MasterKeyError extends Error {}

export interface MasterKeySettings {
  SCHOOLPOLS_KEY?: string | undefined;
  KEY_FILE?: string | undefined;
  DATABASE_URL?: string | undefined;
  dataDir: string;
}

export interface ResolvedMasterKey {
  master: MasterKey;
  /** Where it came from, for messages (never the key itself). */
  source: string;
  /** True when the embedded default just made a key file beside the data. */
  generated: boolean;
}

/** The key file of the zero-setup embedded store: beside the data, which is why production sets its own. */
export const defaultKeyFile = (dataDir: string) => path.join(dataDir, 'master.key');

/**
 * `SCHOOLPOLS_KEY`, else `KEY_FILE`, else — only for the embedded store — `DATA_DIR/master.key`,
 * made on first use. On PostgreSQL without a key the server must not start: it would accept answers
 * it stores in the clear, or answers nobody could read at sealing.
 */
export async function resolveMasterKey(settings: MasterKeySettings): Promise<ResolvedMasterKey> {
  if (settings.SCHOOLPOLS_KEY) return { master: parseMasterKey(settings.SCHOOLPOLS_KEY), source: 'SCHOOLPOLS_KEY', generated: false };
  if (settings.KEY_FILE) return { master: await readKeyFile(settings.KEY_FILE), source: `KEY_FILE ${settings.KEY_FILE}`, generated: false };
  if (settings.DATABASE_URL) {
    throw new MasterKeyError(
      'No master key is configured. Answers of open waves are encrypted with it, and it must not live in the database. ' +
        'Make one with `npm run cli -- key:generate > /etc/schoolpols/master.key` (keep a copy offline), then set KEY_FILE=/etc/schoolpols/master.key ' +
        '(or SCHOOLPOLS_KEY to its contents).',
    );
  }
  const file = defaultKeyFile(settings.dataDir);
  try {
    return { master: await readKeyFile(file), source: file, generated: false };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const text = generateMasterKeyText();
  await mkdir(settings.dataDir, { recursive: true, mode: 0o700 });
  // 'wx': never overwrite a key another process just wrote (that would orphan its waves' keys).
  await writeFile(file, `${text}\n`, { mode: 0o600, flag: 'wx' });
  await chmod(file, 0o600);
  return { master: parseMasterKey(text), source: file, generated: true };
}

async function readKeyFile(file: string): Promise<MasterKey> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw Object.assign(new MasterKeyError(`the key file ${file} does not exist`), { code: 'ENOENT' });
    throw new MasterKeyError(`the key file ${file} cannot be read: ${(err as Error).message}`);
  }
  try {
    return parseMasterKey(text);
  } catch (err) {
    throw new MasterKeyError(`the key file ${file}: ${(err as Error).message}`);
  }
}
