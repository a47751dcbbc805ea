/**
 * Issue 14: the embedded store's master key file beside the data. If it goes missing while open
 * waves depend on the key it held, `npm start` must not quietly make a new one (which would open none
 * of their answers): it refuses, says how to repair, and leaves no new key file behind; with the file
 * restored, it starts and the answers are there.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { describeOn } from '../helpers/store.ts';
import { preparedDataDir } from '../helpers/data-dir.ts';
import { fullAnswers } from '../helpers/fixtures.ts';
import { postForm } from '../helpers/hardening-http.ts';
import { freePort, spawnServer, startServer } from '../helpers/hardening-server.ts';

describeOn('pglite', 'npm start and the embedded key file', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('refuses to start when the key file is gone but open waves depend on its key, and starts again once it is back', async () => {
    const dataDir = path.join(await mkdtemp(path.join(tmpdir(), 'sp-keyfile-')), 'data');
    dirs.push(path.dirname(dataDir));
    // A store that exists (its creation is tested in startup.test.ts) and the demo seeded into it: open waves with answers.
    const first = await startServer({ DATA_DIR: await preparedDataDir(dataDir) }, { args: ['--demo'], timeoutMs: 180_000 });
    const code = /Open demo access codes[^\n]*\n\s+(\S+)/.exec(first.output())?.[1];
    expect(code, first.output()).toBeDefined();
    expect((await postForm(first.url, '/submit', fullAnswers(code!))).status).toBe(303);
    await first.stop();

    const keyFile = path.join(dataDir, 'master.key');
    const key = await readFile(keyFile, 'utf8');
    await rm(keyFile);
    const { exited, output } = spawnServer({ DATA_DIR: dataDir, PORT: String(await freePort()) });
    const exit = await exited;
    expect(exit.code, output()).not.toBe(0);
    expect(output()).toMatch(/Schoolpols could not start: the master key file .*master\.key is missing/);
    await expect(stat(keyFile)).rejects.toThrow();

    await writeFile(keyFile, key, { mode: 0o600 });
    const again = await startServer({ DATA_DIR: dataDir }, { timeoutMs: 120_000 });
    expect(again.output()).not.toContain('A new master key was written');
    await again.stop();
  }, 400_000);
});
