import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKind, testStore, type TestStore } from '../helpers/store.ts';
import { preparedDataDir } from '../helpers/data-dir.ts';
import { generateMasterKeyText } from '../../server/encryption/master-key.ts';
import { cli } from './run.ts';

/**
 * Issue 16 on the command line: `demo` seeds only into an empty store (no school, no user — its
 * admin's password is in the README); `demo:remove` takes the labelled demo network out again.
 */
describe(`command line: the demo network (${storeKind})`, { timeout: 300_000 }, () => {
  const dirs: string[] = [];
  const stores: TestStore[] = [];
  let key: string;
  beforeAll(() => {
    key = generateMasterKeyText();
  });
  afterAll(async () => {
    for (const s of stores) await s.drop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /** The environment of a new, empty store. */
  async function emptyStore(): Promise<Record<string, string>> {
    if (storeKind === 'postgres') {
      const s = await testStore();
      stores.push(s);
      return { DATABASE_URL: s.url!, SCHOOLPOLS_KEY: key };
    }
    const dir = mkdtempSync(path.join(tmpdir(), 'sp-cli-demo-'));
    dirs.push(dir);
    return { DATA_DIR: await preparedDataDir(path.join(dir, 'data')) };
  }

  it('refuses to seed the demo beside a user', async () => {
    const env = await emptyStore();
    const add = await cli(['user:add', '--role', 'admin', '--email', 'eerste.beheerder@example.org'], env);
    expect(add.code, add.stderr).toBe(0);
    const demo = await cli(['demo'], env);
    expect(demo.code).toBe(1);
    expect(demo.stderr).toMatch(/already has users; the demo is only seeded into an empty store/);
  });

  it('seeds the demo into an empty store and removes it again, once', async () => {
    const env = await emptyStore();
    expect((await cli(['demo'], env)).code).toBe(0);
    const removed = await cli(['demo:remove'], env);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toContain('Demo network removed: 12 schools, 3 waves, 4 accounts.');
    const again = await cli(['demo:remove'], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/no demo network/);
    // Empty again: the demo may be seeded anew.
    expect((await cli(['demo'], env)).code).toBe(0);
  });
});
