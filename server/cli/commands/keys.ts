import { readFile } from 'node:fs/promises';
import { type Command, UsageError, str, withKeys } from '../command.ts';

export const keyCommands: Record<string, Command> = {
  'key:generate': {
    summary: 'print a new master key (encrypts the answers of open waves)',
    synopsis: 'key:generate',
    description: [
      'Print a new master key on standard output, e.g. `npm run cli -- key:generate > /etc/schoolpols/master.key`.',
      'Give it to Schoolpols as KEY_FILE (a file holding it, readable by Schoolpols alone) or SCHOOLPOLS_KEY.',
      'It never goes into the database. Keep a copy offline: without it, open waves cannot be sealed.',
    ],
    run: async ({ io }) => {
      const { generateMasterKeyText } = await import('../../encryption/master-key.ts');
      io.out(`${generateMasterKeyText()}\n`);
    },
  },

  'key:rotate': {
    summary: 're-wrap the keys of open waves under a new master key',
    synopsis: 'key:rotate --new-key-file FILE',
    description: [
      "Re-wrap every open wave's data key under the master key in FILE (made with key:generate), in one transaction;",
      'the configured key (SCHOOLPOLS_KEY or KEY_FILE) must open them all, or nothing changes. Then configure the new key',
      'and destroy the old one: from then on, what the write-ahead log and backups hold of any wave open before is',
      'ciphertext nobody can open. With the embedded default key file, that file is replaced by the new key.',
    ],
    options: { 'new-key-file': { type: 'string' } },
    optionHelp: ['--new-key-file FILE   the new master key (required)'],
    run: async ({ values, config, io }) => {
      const file = str(values['new-key-file']);
      if (!file) throw new UsageError('--new-key-file is required (make one with `npm run cli -- key:generate > FILE`)');
      const { parseMasterKey, resolveMasterKey, defaultKeyFile } = await import('../../encryption/master-key.ts');
      let next;
      try {
        next = parseMasterKey(await readFile(file, 'utf8'));
      } catch (err) {
        throw new UsageError(`${file}: ${(err as Error).message}`);
      }
      const current = await resolveMasterKey(config);
      if (current.master.id === next.id) throw new UsageError('the new key is the configured key');
      const rewrapped = await withKeys(config, (_store, keys) => keys.rotate(next));
      const embedded = !config.SCHOOLPOLS_KEY && !config.KEY_FILE;
      if (embedded) {
        const { rename, writeFile } = await import('node:fs/promises');
        const target = defaultKeyFile(config.dataDir);
        await writeFile(`${target}.new`, `${(await readFile(file, 'utf8')).trim()}\n`, { mode: 0o600 });
        await rename(`${target}.new`, target);
      }
      io.out(
        `${rewrapped} wave key${rewrapped === 1 ? '' : 's'} re-wrapped under master key ${next.id}.\n` +
          (embedded
            ? `The key file ${defaultKeyFile(config.dataDir)} now holds the new key.\n`
            : 'Now configure the new key (SCHOOLPOLS_KEY or KEY_FILE) and restart; then destroy the old key.\n'),
      );
    },
  },

  'audit:anonymity': {
    summary: 'check that nothing links a code to its answers (exit 1 on any finding)',
    synopsis: 'audit:anonymity [--wal DIR]',
    description: [
      'A self-audit a privacy officer or works council can run. Reports, per channel, what was checked and what was found:',
      'open waves hold only ciphertext of fixed length; sealed waves hold no codes and no keys, one inserting transaction, fresh ids;',
      "no table beside responses has a time, address or code column; and, with --wal (PostgreSQL's pg_wal or PGlite's data",
      'directory) or as a PostgreSQL superuser, that no answer or comment of an open wave appears in the write-ahead log in plaintext.',
      'Exit status 1 when anything is found.',
    ],
    options: { wal: { type: 'string' } },
    optionHelp: ['--wal DIR   a directory of write-ahead log files (or a data directory) to search'],
    run: async ({ values, config, io }) => {
      const { auditAnonymity, formatAudit } = await import('../../sealing/anonymity-audit.ts');
      const report = await withKeys(config, (store, keys) => auditAnonymity(store, keys, { walDir: str(values.wal) || undefined }));
      io.out(formatAudit(report));
      if (report.findings > 0) return 1;
    },
  },
};
